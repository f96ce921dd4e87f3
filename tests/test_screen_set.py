"""The labelled set that measures the identifying-details screen: its schema, size, balance and split.

These tests check the data only; measuring the screen against it is another test's job. The
thresholds come from the set's brief (issue 24, item 7): at least 300 answers, at least 50 per
language, about 55% identifying, every variant the issue names in every language, and a split
of about 40% dev to 60% held out.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from screen_set import (
    CORE_KINDS,
    KINDS,
    LANGUAGES,
    SCREEN_SET,
    SPLITS,
    TRAPS,
    Answer,
    SchemaError,
    count_tables,
    kind_counts,
    load_all,
    load_dev,
    load_heldout,
    validate,
)

from perspectives.study import load_study


@pytest.fixture(scope="module")
def answers() -> list[Answer]:
    return load_all()


def _good() -> dict[str, object]:
    return {"id": "ro-001", "lang": "ro", "country": "MDA", "label": "identifying",
            "kinds": ["name_lower"], "text": "am vorbit cu ana ieri"}


def _neutral() -> dict[str, object]:
    return {"id": "en-001", "lang": "en", "country": "PER", "label": "neutral",
            "traps": ["role_general"], "text": "Teachers need more time."}


def test_a_good_item_validates() -> None:
    [answer] = validate({"items": [_good()]}, "dev", "t.yml")
    assert answer == Answer(id="ro-001", lang="ro", country="MDA", label="identifying",
                            text="am vorbit cu ana ieri", split="dev", kinds=("name_lower",))
    assert answer.identifying
    [neutral] = validate({"items": [_neutral()]}, "heldout", "t.yml")
    assert neutral.traps == ("role_general",) and neutral.kinds == () and not neutral.identifying


@pytest.mark.parametrize(("change", "message"), [
    ({"id": None}, "missing id"),
    ({"colour": "red"}, "unknown key 'colour'"),
    ({"lang": "fr"}, "lang must be one of"),
    ({"id": "en-001"}, "id must be '<lang>-<three digits>'"),
    ({"id": "ro-1"}, "id must be '<lang>-<three digits>'"),
    ({"country": "FRA"}, "country must be one of"),
    ({"country": "ALB"}, "ALB's language is sq, not 'ro'"),
    ({"label": "maybe"}, "label must be one of"),
    ({"kinds": []}, "kinds must be a non-empty list"),
    ({"kinds": None}, "kinds must be a non-empty list"),
    ({"kinds": ["shoe_size"]}, "kinds: unknown 'shoe_size'"),
    ({"kinds": ["handle", "handle"]}, "kinds: a tag is repeated"),
    ({"traps": ["number"]}, "identifying answers have no traps"),
    ({"label": "neutral"}, "traps must be a non-empty list"),
    ({"label": "neutral", "traps": ["number"]}, "neutral answers have no kinds"),
    ({"text": ""}, "text must be a non-empty string"),
    ({"text": 42}, "text must be a non-empty string"),
    ({"text": " padded "}, "text must be one line"),
    ({"text": "two\nlines"}, "text must be one line"),
    ({"text": "x" * 301}, "text must be one line of at most 300"),
])
def test_schema_rejects(change: dict[str, object], message: str) -> None:
    item = _good()
    for key, value in change.items():
        if value is None and key != "kinds":
            del item[key]
        else:
            item[key] = value
    with pytest.raises(SchemaError, match=re.escape(message)):
        validate({"items": [item]}, "dev", "t.yml")


def test_schema_names_file_and_item_and_lists_every_problem() -> None:
    bad = _good() | {"lang": "fr", "label": "maybe"}
    with pytest.raises(SchemaError) as caught:
        validate({"items": [_good(), bad]}, "dev", "t.yml")
    lines = str(caught.value).splitlines()
    assert all(line.startswith("t.yml: ro-001: ") for line in lines)
    assert len(lines) >= 3  # lang, id/lang mismatch and label


def test_schema_rejects_a_repeated_id_and_a_wrong_shape() -> None:
    with pytest.raises(SchemaError, match="id is used twice"):
        validate({"items": [_good(), _good()]}, "dev", "t.yml")
    for document in ([_good()], {"items": _good()}, {"items": [], "extra": 1}, None):
        with pytest.raises(SchemaError, match="one key, 'items'"):
            validate(document, "dev", "t.yml")
    with pytest.raises(SchemaError, match="item 1: an item must be a mapping"):
        validate({"items": ["just text"]}, "dev", "t.yml")
    with pytest.raises(SchemaError, match="split must be one of"):
        validate({"items": [_good()]}, "test", "t.yml")


def test_an_id_in_both_splits_is_refused(tmp_path: Path) -> None:
    for split in SPLITS:
        (tmp_path / f"{split}.yml").write_text(yaml.safe_dump({"items": [_good()]}), encoding="utf-8")
    with pytest.raises(SchemaError, match="ids in both splits: ro-001"):
        load_all(tmp_path)
    (tmp_path / "dev.yml").write_text("items: [", encoding="utf-8")
    with pytest.raises(SchemaError, match="dev.yml: not valid YAML"):
        load_dev(tmp_path)


def test_both_files_follow_the_schema_and_ids_are_unique(answers: list[Answer]) -> None:
    dev, heldout = load_dev(), load_heldout()
    assert {a.split for a in dev} == {"dev"} and {a.split for a in heldout} == {"heldout"}
    assert len(answers) == len(dev) + len(heldout)
    assert len({a.id for a in answers}) == len(answers)


def test_no_answer_is_repeated_within_or_across_splits(answers: list[Answer]) -> None:
    def norm(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    repeated = [t for t, n in Counter(norm(a.text) for a in answers).items() if n > 1]
    assert repeated == []


def test_size_and_languages(answers: list[Answer]) -> None:
    assert len(answers) >= 300
    per_language = Counter(a.lang for a in answers)
    assert set(per_language) == set(LANGUAGES)
    assert min(per_language.values()) >= 50, per_language


def test_every_language_is_written_by_the_countries_that_speak_it(answers: list[Answer]) -> None:
    study = load_study()
    for lang in LANGUAGES:
        countries = {a.country for a in answers if a.lang == lang}
        speaking = {c.iso3 for c in study.countries if c.language == lang}
        # English answers come from every country; each other language from each country that speaks it.
        assert countries == (set(study.codes) if lang == "en" else speaking), lang


def test_label_balance(answers: list[Answer]) -> None:
    share = sum(a.identifying for a in answers) / len(answers)
    assert 0.50 <= share <= 0.60, share
    for lang in LANGUAGES:
        mine = [a for a in answers if a.lang == lang]
        lang_share = sum(a.identifying for a in mine) / len(mine)
        assert 0.45 <= lang_share <= 0.65, (lang, lang_share)
        assert sum(not a.identifying for a in mine) >= 25, lang


def test_split_sizes(answers: list[Answer]) -> None:
    dev_share = sum(a.split == "dev" for a in answers) / len(answers)
    assert 0.35 <= dev_share <= 0.45, dev_share
    for lang in LANGUAGES:
        for label in ("identifying", "neutral"):
            cell = [a for a in answers if a.lang == lang and a.label == label]
            share = sum(a.split == "dev" for a in cell) / len(cell)
            assert 0.30 <= share <= 0.50, (lang, label, share)


def test_every_variant_of_the_issue_is_in_every_language_and_split(answers: list[Answer]) -> None:
    for lang in LANGUAGES:
        for split, least in (("dev", 1), ("heldout", 2)):
            counts = kind_counts(a for a in answers if a.lang == lang and a.split == split)
            missing = {kind: counts[kind] for kind in CORE_KINDS if counts[kind] < least}
            assert missing == {}, (lang, split)
        assert kind_counts(a for a in answers if a.lang == lang)["name_lower"] >= 5, lang


def test_every_kind_and_trap_is_used(answers: list[Answer]) -> None:
    counts = kind_counts(answers)
    assert min(counts.values()) >= 5, counts
    assert set(counts) == set(KINDS)
    traps = Counter(t for a in answers for t in a.traps)
    assert set(traps) == set(TRAPS), set(TRAPS) - set(traps)


def test_neutral_answers_are_hard(answers: list[Answer]) -> None:
    # Neutral answers must look like identifying ones: roles, institutions, numbers, places and
    # words that are also names, in every language.
    for lang in LANGUAGES:
        traps = Counter(t for a in answers if a.lang == lang for t in a.traps)
        weak = {t: traps[t] for t in ("role_general", "institution_general", "number", "place_general",
                                      "name_like_word", "handle_like") if traps[t] < 3}
        assert weak == {}, lang
        plain = sum(a.traps == ("none",) for a in answers if a.lang == lang)
        neutral = sum(not a.identifying for a in answers if a.lang == lang)
        assert plain / neutral <= 0.1, lang


def test_readme_carries_the_current_counts(answers: list[Answer]) -> None:
    readme = (SCREEN_SET / "README.md").read_text(encoding="utf-8")
    assert count_tables(answers) in readme
