"""The labelled set of approved answers that measures the identifying-details screen.

The set lives in ``tests/fixtures/screen/`` as two YAML files: ``dev.yml``, which whoever changes
the screen may read, and ``heldout.yml``, which they must not, so that its recall and precision
stay an honest measure. Each item is one short answer as a worker (or a young survivor, in a
consented excerpt) might write it in an open-text field, in one of the study's languages,
labelled ``identifying`` (with the kinds of detail it holds) or ``neutral`` (with the traps that
make it look identifying). README.md in that folder defines every label, kind and trap.

This module only reads and validates the files; it never calls the screen. Every problem found
is reported at once, naming the file and the item, so a broken edit is fixed in one pass.

Inputs
    ``tests/fixtures/screen/dev.yml`` and ``heldout.yml``; ``params/study.yml`` for the
    countries and their languages.

Outputs
    :class:`Answer` records (a :class:`SchemaError` for any file that breaks the schema).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from perspectives.study import Study, load_study, repo_root

SCREEN_SET = repo_root() / "tests" / "fixtures" / "screen"
SPLITS = ("dev", "heldout")

# The languages the set was written in: English plus the languages of the published study's
# countries. This is what the set covers, not a list the library branches on.
LANGUAGES = ("en", "es", "ro", "sq", "bs")
LABELS = ("identifying", "neutral")

# Kinds of identifying detail (README.md gives an example of each).
KINDS = (
    "name_lower",
    "name_capitalised",
    "name_age_town",
    "street_address",
    "handle",
    "phone_words",
    "phone_digits",
    "email",
    "school",
    "teacher_or_relative_role",
    "exact_date_of_birth",
    "id_number",
    "unique_description",
)
# The seven variants issue 24 (item 7) names: every language has them in both splits.
CORE_KINDS = (
    "name_lower",
    "name_age_town",
    "street_address",
    "handle",
    "phone_words",
    "school",
    "teacher_or_relative_role",
)
# What makes a neutral answer look identifying although it points to no one.
TRAPS = (
    "role_general",
    "institution_general",
    "number",
    "date_general",
    "place_general",
    "name_like_word",
    "helpline",
    "law_reference",
    "handle_like",
    "organisation",
    "none",
)

_REQUIRED = ("id", "lang", "country", "label", "text")
_ALLOWED = frozenset((*_REQUIRED, "kinds", "traps"))
_ID = re.compile(r"^(?P<lang>[a-z]{2})-\d{3}$")
MAX_TEXT = 300


class SchemaError(ValueError):
    """A file of the set breaks the schema; the message lists every problem found."""


@dataclass(frozen=True)
class Answer:
    """One labelled approved answer."""

    id: str
    lang: str
    country: str
    label: str
    text: str
    split: str
    kinds: tuple[str, ...] = ()
    traps: tuple[str, ...] = ()

    @property
    def identifying(self) -> bool:
        """Whether the answer must be withheld."""
        return self.label == "identifying"


def _tags(item: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Read a list of tags (``kinds`` or ``traps``), with the problems found in it."""
    value = item.get(key)
    if not isinstance(value, list) or not value:
        return (), [f"{key} must be a non-empty list"]
    problems = [f"{key}: unknown {tag!r} (allowed: {', '.join(allowed)})" for tag in value if tag not in allowed]
    if len(set(map(str, value))) != len(value):
        problems.append(f"{key}: a tag is repeated")
    return tuple(str(tag) for tag in value), problems


def _label_problems(item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """Check the label and its tags: kinds for an identifying answer, traps for a neutral one."""
    label = item.get("label")
    if label not in LABELS:
        return (), (), [f"label must be one of {', '.join(LABELS)}, not {label!r}"]
    wanted, unwanted, allowed = ("kinds", "traps", KINDS) if label == "identifying" else ("traps", "kinds", TRAPS)
    tags, problems = _tags(item, wanted, allowed)
    if unwanted in item:
        problems.append(f"{label} answers have no {unwanted}")
    if label == "identifying":
        return tags, (), problems
    return (), tags, problems


def _item_problems(item: Any, study: Study) -> list[str]:
    """Every schema problem of one item except its tags."""
    if not isinstance(item, Mapping):
        return [f"an item must be a mapping, not {type(item).__name__}"]
    problems = [f"missing {key}" for key in _REQUIRED if key not in item]
    problems += [f"unknown key {key!r}" for key in item if key not in _ALLOWED]
    lang, country, text = item.get("lang"), item.get("country"), item.get("text")
    if lang not in LANGUAGES:
        problems.append(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    match = _ID.match(str(item.get("id", "")))
    if not match or match["lang"] != lang:
        problems.append(f"id must be '<lang>-<three digits>' with the item's lang {lang!r}")
    if country not in study.codes:
        problems.append(f"country must be one of {', '.join(study.codes)}, not {country!r}")
    elif lang not in ("en", study.country(country).language):
        problems.append(f"{country}'s language is {study.country(country).language}, not {lang!r}")
    if not isinstance(text, str) or not text.strip():
        problems.append("text must be a non-empty string")
    elif text != text.strip() or "\n" in text or len(text) > MAX_TEXT:
        problems.append(f"text must be one line of at most {MAX_TEXT} characters, without outer spaces")
    return problems


def validate(document: Any, split: str, source: str = "", study: Study | None = None) -> list[Answer]:
    """Validate one parsed file of the set and return its answers.

    Args:
        document: The parsed YAML: a mapping whose only key ``items`` holds the list of items.
        split: The split the file holds (``dev`` or ``heldout``).
        source: The file's name, for messages.
        study: The study whose countries and languages an item may name; the repository's own
            ``params/study.yml`` by default.

    Returns:
        The answers, in the file's order.

    Raises:
        SchemaError: Listing every problem, each with the item's id (or position).
    """
    study = study or load_study()
    where = source or split
    if split not in SPLITS:
        raise SchemaError(f"{where}: split must be one of {', '.join(SPLITS)}, not {split!r}")
    if not isinstance(document, Mapping) or set(document) != {"items"} or not isinstance(document["items"], list):
        raise SchemaError(f"{where}: the file must be a mapping with one key, 'items', holding a list")
    answers: list[Answer] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(document["items"], 1):
        found = _item_problems(item, study)
        kinds: tuple[str, ...] = ()
        traps: tuple[str, ...] = ()
        if isinstance(item, Mapping):
            kinds, traps, tag_problems = _label_problems(item)
            found += tag_problems
            if item.get("id") in seen:
                found.append("id is used twice")
            seen.add(str(item.get("id")))
        name = item.get("id", f"item {position}") if isinstance(item, Mapping) else f"item {position}"
        problems += [f"{where}: {name}: {problem}" for problem in found]
        if not found:
            answers.append(Answer(id=item["id"], lang=item["lang"], country=item["country"], label=item["label"],
                                  text=item["text"], split=split, kinds=kinds, traps=traps))
    if problems:
        raise SchemaError("\n".join(problems))
    return answers


def load_split(split: str, folder: Path = SCREEN_SET) -> list[Answer]:
    """Load and validate one split (``dev`` or ``heldout``) of the set.

    Raises:
        SchemaError: If the file breaks the schema (every problem listed).
    """
    path = folder / f"{split}.yml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path.name}: not valid YAML: {exc}") from exc
    return validate(document, split, path.name)


def load_dev(folder: Path = SCREEN_SET) -> list[Answer]:
    """The answers the screen's developer may read."""
    return load_split("dev", folder)


def load_heldout(folder: Path = SCREEN_SET) -> list[Answer]:
    """The answers kept from the screen's developer, to measure it."""
    return load_split("heldout", folder)


def load_all(folder: Path = SCREEN_SET) -> list[Answer]:
    """Both splits, dev first; ids must be unique across them.

    Raises:
        SchemaError: If a file breaks the schema or an id appears in both splits.
    """
    answers = [*load_dev(folder), *load_heldout(folder)]
    twice = sorted(i for i, n in Counter(a.id for a in answers).items() if n > 1)
    if twice:
        raise SchemaError(f"ids in both splits: {', '.join(twice)}")
    return answers


def kind_counts(answers: Iterable[Answer]) -> dict[str, int]:
    """How many answers hold each kind (an answer with two kinds counts for both)."""
    counts = dict.fromkeys(KINDS, 0)
    for answer in answers:
        for kind in answer.kinds:
            counts[kind] += 1
    return counts


def count_tables(answers: list[Answer]) -> str:
    """The set's counts as Markdown tables: language by label and split, then kind by language.

    README.md carries this text, and a test keeps the two the same.
    """
    head = "| lang | identifying dev | identifying heldout | neutral dev | neutral heldout | total |"
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    cells = Counter((a.lang, a.label, a.split) for a in answers)
    for lang in (*LANGUAGES, "all"):
        row = [sum(n for (lg, lb, sp), n in cells.items() if lb == label and sp == split and lang in (lg, "all"))
               for label in LABELS for split in SPLITS]
        lines.append(f"| {lang} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    lines += ["", "| kind | " + " | ".join(LANGUAGES) + " | dev | heldout | all |",
              "|---|" + "---:|" * (len(LANGUAGES) + 3)]
    for kind in KINDS:
        holding = [a for a in answers if kind in a.kinds]
        row = [sum(a.lang == lang for a in holding) for lang in LANGUAGES]
        row += [sum(a.split == split for a in holding) for split in SPLITS] + [len(holding)]
        lines.append(f"| {kind} | " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines) + "\n"
