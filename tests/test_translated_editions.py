"""Translated editions: excerpts in the edition's language, ages and the participants' gender in its grammar.

Expected values are written here by hand from the catalogues' own words (a translator's
form for a group of women, CLDR's plural rule for Romanian and Bosnian years), not computed
by the code under test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from perspectives import qualitative as q
from perspectives import qualitative_counts as qc
from perspectives.i18n import Gender, Translator
from perspectives.study import repo_root

DATA = repo_root() / "data" / "synthetic"


def _copy(tmp_path: Path, **columns: object) -> Path:
    """The embedded conversations with extra columns, beside a copy of its participants table."""
    folder = tmp_path / "notes"
    folder.mkdir(exist_ok=True)
    rows = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    rows = rows[[c for c in rows.columns if not c.startswith("excerpt::")]]
    for name, value in columns.items():
        rows[name] = value
    rows.to_csv(folder / "conversations.csv", index=False)
    (folder / "participants.csv").write_bytes((DATA / "participants.csv").read_bytes())
    return folder / "conversations.csv"


# --------------------------------------------------------------------------- reading

@pytest.mark.parametrize("column", ["excerpt::Romanian (ro)", "excerpt::ro"])
def test_a_translation_column_is_read_in_either_xlsform_style(tmp_path, column) -> None:
    path = _copy(tmp_path, **{column: "text"})
    read = q.load_conversations(path, q.load_codebook())
    assert q.excerpt_translations(read.columns) == {"ro": column}
    assert (read[column] == "text").all()


def test_a_translation_column_of_no_language_is_refused(tmp_path) -> None:
    with pytest.raises(q.QualitativeDataError, match="names no language"):
        q.load_conversations(_copy(tmp_path, **{"excerpt::Klingon (qqx)": ""}), q.load_codebook())


def test_two_columns_for_one_language_are_refused(tmp_path) -> None:
    with pytest.raises(q.QualitativeDataError, match="both translate"):
        q.load_conversations(_copy(tmp_path, **{"excerpt::ro": "", "excerpt::Romanian (ro)": ""}), q.load_codebook())


def test_a_control_character_in_a_translation_is_refused_with_its_line(tmp_path) -> None:
    values = [""] * len(pd.read_csv(DATA / "conversations.csv", dtype=str))
    values[3] = "text\x1b[31m"
    with pytest.raises(q.QualitativeDataError, match=r"excerpt::ro.*line\(s\) 5:.*control characters"):
        q.load_conversations(_copy(tmp_path, **{"excerpt::ro": values}), q.load_codebook())


def test_another_column_is_still_refused(tmp_path) -> None:
    with pytest.raises(q.QualitativeDataError, match="unexpected column"):
        q.load_conversations(_copy(tmp_path, notes="x"), q.load_codebook())


# --------------------------------------------------------------------------- choosing and screening

def _one_theme(rows: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """A theme and MDA's consented rows that carry it alone (so one row decides what is shown)."""
    mda = rows[(rows["country"] == "MDA") & (rows["consent_to_quote"] == "yes") & ~rows["themes"].str.contains(";")]
    theme = mda["themes"].value_counts().index[0]
    return theme, mda[mda["themes"] == theme]


def test_an_edition_prints_the_translation_of_its_language_else_the_excerpt_as_recorded(tmp_path) -> None:
    codebook = q.load_codebook()
    base = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    theme, rows = _one_theme(base)
    translation = pd.Series("", index=base.index)
    first = rows.index[0]
    translation[first] = "Un text tradus."
    read = q.load_conversations(_copy(tmp_path, **{"excerpt::Romanian (ro)": translation}), codebook)
    scope = read.loc[rows.index]
    shown, _ = qc.select_excerpts(scope, theme, "MDA", k=len(scope), codebook=codebook, lang="ro")
    assert [str(e) for e in shown if e.translated] == ["Un text tradus."]
    others = {str(base.loc[i, "excerpt"]) for i in rows.index[1:]}
    assert len(shown) == len(scope) and {str(e) for e in shown if not e.translated} <= others
    english, _ = qc.select_excerpts(scope, theme, "MDA", k=len(scope), codebook=codebook, lang="es")
    assert all(not e.translated for e in english) and str(base.loc[first, "excerpt"]) in english


def test_a_translation_with_an_identifying_detail_holds_its_excerpt_back_in_every_language(tmp_path) -> None:
    """The screen reads the translation with its excerpt: a phone number in the Romanian text blocks the row."""
    codebook = q.load_codebook()
    base = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    theme, rows = _one_theme(base)
    translation = pd.Series("", index=base.index)
    translation[rows.index] = "Un text tradus."
    translation[rows.index[0]] = "Participanta a sunat la +373 22 123 456 după aceea."
    read = q.load_conversations(_copy(tmp_path, **{"excerpt::ro": translation}), codebook)
    scope = read.loc[rows.index]
    for lang in ("ro", "en"):
        shown, log = qc.select_excerpts(scope, theme, "MDA", k=len(scope), codebook=codebook, lang=lang)
        assert log.blocked == 1 and len(shown) == len(scope) - 1, lang
        assert "+373" not in " ".join(shown)


def test_translations_hold_back_no_excerpt_that_is_fine_in_every_language() -> None:
    """Each text is screened with its own language's word lists: the embedded translations hold back none.

    Read as one text with the excerpt, Albanian and Bosnian words ("jasne", "vonë") looked
    like names to the other languages' lists and held back 11 excerpts nothing identifies.
    Expected: the same excerpts pass with the translations as without them.
    """
    study = q.default().study
    read = q.load_conversations(DATA / "conversations.csv")
    consented = read[read["consent_to_quote"] == "yes"]
    assert qc.excerpt_translations(consented.columns)  # the embedded file carries translations
    with_them, _ = qc._screen_with_translations(consented, study)
    without, _ = qc._screen_with_translations(consented[[c for c in consented.columns if "::" not in c]], study)
    assert list(with_them.index) == list(without.index)
    assert len(without) > 0


def test_a_translated_excerpt_without_consent_is_never_shown(tmp_path) -> None:
    codebook = q.load_codebook()
    base = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    no = base[(base["country"] == "MDA") & (base["consent_to_quote"] == "no")]
    theme = no["themes"].iloc[0].split(";")[0]
    translation = pd.Series("", index=base.index)
    translation[no.index] = "Nu are consimțământ."
    read = q.load_conversations(_copy(tmp_path, **{"excerpt::ro": translation}), codebook)
    shown, _ = qc.select_excerpts(read, theme, "MDA", k=1000, codebook=codebook, lang="ro")
    assert "Nu are consimțământ." not in shown


def test_the_generator_writes_each_report_language_with_the_synthetic_mark() -> None:
    rows = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    columns = q.excerpt_translations(rows.columns)
    assert set(columns) == {"ro", "es", "sq", "bs"}
    for column in columns.values():
        written = rows[column][rows[column] != ""]
        assert written.str.startswith(q.SYNTHETIC_TAG + " ").all()
        # Only the planted excerpts (English only, always held back by the screen) lack a version.
        assert (rows[column] == "").sum() == 5


# The word for "theme" in each edition, one theme and several (written here by hand).
THEME_WORD = {"ro": ("temă", "teme"), "es": ("tema", "temas"), "sq": ("temë", "tema"), "bs": ("temi", "temama")}


@pytest.mark.parametrize("lang", sorted(THEME_WORD))
def test_each_synthetic_translation_is_a_whole_sentence_naming_its_themes(lang) -> None:
    """A translated synthetic excerpt is one whole sentence: a capital, a clause whose subject is the
    theme(s), agreeing with how many the segment carries, then the themes' labels, and a full stop.

    Before, it was a verb with no subject and a colon ("În conversație au fost abordate: prevenire."):
    a fragment in every edition.
    """
    codebook = q.load_codebook()
    tr = Translator(lang)
    rows = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    column = q.excerpt_translations(rows.columns)[lang]
    for themes, text in zip(rows["themes"], rows[column], strict=True):
        if not text:
            continue  # a planted excerpt: English only, held back by the screen
        body = text.removeprefix(q.SYNTHETIC_TAG + " ")
        assert body[:1].isupper() and body.endswith(".") and body.count(".") == 1, text
        frame, _, named = body[:-1].partition(": ")
        codes = themes.split(";")
        assert frame.split()[-1] == THEME_WORD[lang][len(codes) > 1], text
        for code in codes:
            label = tr(codebook.label(code))
            assert label[:1].lower() + label[1:] in named or label in named, (code, text)


# --------------------------------------------------------------------------- grammar

# The limitations' paragraph on the conversations, as the catalogues write it for a group of
# young women and for any other group (written here by hand from each catalogue's words).
LIMITATION_OPENINGS = {
    "ro": ("Tinerele care au participat la conversații au fost contactate", "Tinerii care au participat"),
    "es": ("Se llegó a las jóvenes de las conversaciones", "Se llegó a las y los jóvenes"),
    "sq": ("Të rejat që morën pjesë në biseda", "Të rinjtë që morën pjesë"),
    "bs": ("Do mladih žena koje su učestvovale u razgovorima", "Do mladih koji su učestvovali"),
}


@pytest.mark.parametrize("lang", sorted(LIMITATION_OPENINGS))
def test_the_limitations_agree_with_participants_who_are_all_women(lang) -> None:
    """A report whose participants are all women says so in its limitations; any other group keeps the entry's text."""
    from perspectives import texts

    feminine, mixed = LIMITATION_OPENINGS[lang]

    def paragraph(gender: str) -> str:
        shown = texts.Texts(Translator(lang), {"place": "X", "participants": Gender(gender)},
                            {"national", "conversations"}).shown("limitations")
        return next(p for p in shown if p.startswith((feminine, mixed)))

    assert paragraph("feminine").startswith(feminine)
    assert paragraph("mixed").startswith(mixed)
    assert paragraph("masculine").startswith(mixed)


def test_a_chapter_opening_agrees_with_participants_who_are_all_women(tmp_path) -> None:
    """A chapter's own run, which reads no other section's counts, still knows its participants are all women (MDA)."""
    from perspectives import report, texts

    section = report.Section("csea_online", "MDA", "ro", None, None, str(tmp_path / "ro"))
    intro = texts.chapter_intro(section.texts(), "csea_online", synthesis=False, conversations=True)
    assert "ceea ce au spus tinerele în conversații" in intro, intro


def test_a_group_is_feminine_only_where_its_published_counts_say_all_are_women() -> None:
    people = pd.DataFrame({"participant_id": ["a", "b", "c"], "country": ["MDA"] * 3, "gender": ["female"] * 3})
    assert qc.group_gender(people, "MDA", {"female": 3, "male": 0}) == "feminine"
    assert qc.group_gender(people, "MDA", {"female": None, "male": None}) == "mixed"  # withheld: says nothing
    mixed = people.assign(gender=["female", "female", "male"])
    assert qc.group_gender(mixed, "MDA", {"female": 2, "male": 1}) == "mixed"
    assert qc.group_gender(people.assign(gender="male"), "MDA", {"female": 0, "male": 3}) == "masculine"


@pytest.mark.parametrize(("lang", "gender", "words"), [
    ("ro", "feminine", ("niciuna", "unele", "toate")), ("ro", "mixed", ("niciunul", "unii", "toți")),
    ("es", "feminine", ("ninguna", "algunas", "todas")), ("es", "mixed", ("ninguno", "algunos", "todos")),
    ("sq", "feminine", ("asnjëra", "disa", "të gjitha")), ("bs", "feminine", ("nijedna", "neke", "sve")),
    ("en", "feminine", ("none", "some", "all")),
])
def test_none_some_all_agree_with_the_participants(lang, gender, words) -> None:
    tr = Translator(lang)
    assert tuple(tr(w, participants=Gender(gender)) for w in ("none", "some", "all")) == words
    assert tuple(tr(w) for w in ("none", "some", "all")) == tuple(tr(w, participants=Gender("mixed"))
                                                                  for w in ("none", "some", "all"))


@pytest.mark.parametrize(("lang", "low", "high", "written"), [
    ("en", 18, 23, "18 to 23"),
    ("ro", 18, 23, "între 18 și 23 de ani"), ("ro", 12, 17, "între 12 și 17 ani"),
    ("es", 18, 23, "entre 18 y 23 años"), ("sq", 18, 23, "nga 18 deri në 23 vjeç"),
    ("bs", 18, 23, "od 18 do 23 godine"), ("bs", 12, 17, "od 12 do 17 godina"),
])
def test_an_age_range_says_years_in_the_form_of_its_upper_age(lang, low, high, written) -> None:
    from perspectives.texts import Texts

    assert Texts(Translator(lang)).text("sentences.ages", age_min=low, age_max=high, n_years=high) == written


def test_the_methods_paragraph_on_the_participants_agrees_with_a_group_of_women() -> None:
    from perspectives.texts import Markdown, Texts

    texts = Texts(Translator("ro"), {"place": "Republica Moldova", "n_participants": 10,
                                     "ages": Markdown("între 18 și 23 de ani")})
    node = texts.node("methods.conversations.participants")
    assert texts.fill(node, participants=Gender("feminine")) == (
        "În Republica Moldova au participat 10 tinere, cu vârste cuprinse între 18 și 23 de ani.")
    assert texts.fill(node, participants=Gender("mixed")) == (
        "În Republica Moldova au participat 10 tineri, cu vârste cuprinse între 18 și 23 de ani.")


def test_spanish_months_keep_their_de() -> None:
    from perspectives.texts import month_year

    assert month_year(dt.date(2021, 4, 1), "es") == "abril de 2021"
