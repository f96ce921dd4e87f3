"""Translated editions: excerpts in the edition's language, ages and the participants' gender in its grammar.

Expected values are written here by hand from the catalogues' own words (a translator's
form for a group of women, CLDR's plural rule for Romanian and Bosnian years), not computed
by the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
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
    from perspectives.screen import screen_text

    mda = rows[(rows["country"] == "MDA") & (rows["consent_to_quote"] == "yes") & ~rows["themes"].str.contains(";")]
    # The embedded data plant identifying details in a few excerpts: those the screen holds back
    # on their own would be counted with the row these tests make it hold back.
    mda = mda[[not screen_text(str(text), lang="ro").blocked for text in mda["excerpt"]]]
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


# Each edition's synthetic sentence, copied here by hand from data/synthetic_excerpts.yml: what
# the segment was about, impersonally, with the themes' phrases after the preposition.
EXCERPT_SENTENCE = {"ro": ("În conversație s-a vorbit despre ", "."), "es": ("En la conversación se habló sobre ", "."),
                    "sq": ("Në bisedë u fol për ", "."), "bs": ("U razgovoru se govorilo o ", ".")}


@pytest.mark.parametrize("lang", sorted(EXCERPT_SENTENCE))
def test_each_synthetic_translation_is_a_sentence_not_a_list_of_labels(lang) -> None:
    """A translated synthetic excerpt is one whole sentence saying what the segment was about.

    Before, it was a frame, a colon and the themes' labels ("În conversație a fost abordată
    această temă: rolul psihologului școlar necunoscut."): a label is a heading, and a list of
    them after a colon read as one. Now no colon, and the words after the frame are not the
    labels listed as the language lists them.
    """
    from perspectives import locales

    codebook = q.load_codebook()
    tr = Translator(lang)
    rows = pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False)
    column = q.excerpt_translations(rows.columns)[lang]
    opening, ending = EXCERPT_SENTENCE[lang]
    checked = 0
    for themes, text in zip(rows["themes"], rows[column], strict=True):
        if not text:
            continue  # a planted excerpt: English only, held back by the screen
        body = text.removeprefix(q.SYNTHETIC_TAG + " ")
        assert ":" not in body and body.count(".") == 1, text
        assert body.startswith(opening) and body.endswith(ending), text
        topics = body[len(opening):-len(ending)]
        labels = [locales.inside_sentence(tr(codebook.label(c))) for c in themes.split(";")]
        assert topics not in (locales.join(labels, lang), ", ".join(labels)), text
        assert topics[:1].islower(), text  # inside the sentence, nothing capitalised a screen reads as a name
        checked += 1
    assert checked == len(rows) - 5


def test_the_synthetic_excerpts_file_gives_every_theme_in_every_report_language(tmp_path) -> None:
    """Every report language but English has a sentence and a phrase for each code; a gap is refused by name."""
    import yaml

    from perspectives.project import Project
    from perspectives_synth import conversations as synth

    codebook = q.load_codebook()
    written = synth.excerpt_sentences(codebook)
    assert set(written) == set(q.default().study.languages) - {"en"}
    for sentence, topics in written.values():
        assert sentence.count("{topics}") == 1
        assert set(topics) == set(codebook.codes)

    doc = yaml.safe_load((repo_root() / synth.EXCERPTS_FILE).read_text(encoding="utf-8"))
    del doc["bs"]["topics"]["school.staff_blame"]
    for folder in ("data", "params"):
        (tmp_path / folder).mkdir()
    (tmp_path / "params" / "study.yml").write_bytes((repo_root() / "params" / "study.yml").read_bytes())
    (tmp_path / synth.EXCERPTS_FILE).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"synthetic_excerpts\.yml: bs: no phrase for \['school\.staff_blame'\]"):
        synth.excerpt_sentences(codebook, Project(tmp_path))


@pytest.mark.parametrize("lang", sorted(EXCERPT_SENTENCE))
def test_every_synthetic_phrase_passes_the_identifying_details_screen(lang) -> None:
    """Each theme's phrase, in its sentence and beside any other, names no one and nowhere.

    Screened with the language's own lists, as the reports screen the excerpts, including
    the phrases of themes this seed does not draw.
    """
    from perspectives import locales, screen
    from perspectives_synth import conversations as synth

    sentence, topics = synth.excerpt_sentences(q.load_codebook())[lang]
    phrases = list(topics.values())
    for first, second in zip(phrases, phrases[1:] + phrases[:1], strict=True):
        for text in (sentence.format(topics=first), sentence.format(topics=locales.join([first, second], lang))):
            found = screen.screen_text(f"{q.SYNTHETIC_TAG} {text}", lang=lang)
            assert not found.hits, (text, found.summary())


# --------------------------------------------------------------------------- grammar

# A theme label serves every group of participants (women, men, both), so it never gives the
# young person a grammatical gender: a participle describing them ("judged", "blamed", "not
# ready") is masculine or feminine in these languages. The forms below are the masculine
# participle opening a label, or after "to be" (Romanian -at/-it/-ut/-ât, Spanish -ado/-ido);
# a noun phrase ("Învinovățirea din partea cadrelor didactice") carries no such form.
PERSON_GENDERED = {
    "ro": (re.compile(r"^(ne)?\w+(at|it|ut|ât)\b( de\b| fără\b|$)", re.IGNORECASE),
           re.compile(r"\ba fi \w+(at|it|ut|ât)\b")),
    "es": (re.compile(r"^\w+(ado|ido)s? (por|de)\b", re.IGNORECASE),
           re.compile(r"\b(ser|estar|sido) \w+(ado|ido)\b")),
}


@pytest.mark.parametrize("lang", sorted(PERSON_GENDERED))
def test_a_theme_label_gives_the_young_person_no_gender(lang) -> None:
    """"Judecat de personalul medical", "Teama de a fi judecat", "Miedo a ser juzgado" were masculine
    in reports on young women; each theme label now names the theme as a noun phrase."""
    codebook = q.load_codebook()
    tr = Translator(lang)
    found = [(code, tr(codebook.label(code))) for code in codebook.codes
             if any(p.search(tr(codebook.label(code))) for p in PERSON_GENDERED[lang])]
    assert found == []


FEMININE_SUMMARY = {
    "ro": ("tinerele", "tinerii"),
    "sq": ("të rejat", "të rinjtë"),
}


@pytest.mark.parametrize("lang", sorted(FEMININE_SUMMARY))
def test_the_summary_on_the_conversations_agrees_with_participants_who_are_all_women(lang) -> None:
    """The summary's and the methods' headings and sentences on the conversations read "tinerele" where all were women."""
    feminine, generic = FEMININE_SUMMARY[lang]
    tr = Translator(lang)
    keys = ("What young people and experts said, and what should change", "Conversations with young people",
            "In the conversations, the young people raised these themes most often: {themes}.",
            "The conversations with young people are reported theme by theme in the chapters that follow; so few "
            "took part that how many raised each theme is not published, and the themes are not ranked here.")
    for key in keys:
        women = tr(key, participants=Gender("feminine"), themes="x")
        assert generic not in women and (feminine in women or feminine.replace("ele", "e") in women), women
        assert tr(key, participants=Gender("mixed"), themes="x") != women


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


# --------------------------------------------------------------------------- Romanian "de" after a count

# Nouns the Romanian texts count (written here by hand). Romanian puts "de" between a count and
# its noun exactly where CLDR's plural category of the count is "other" (20 de, 101 -> no de,
# 120 de): the catalogue's plural forms carry it, so a count meets one of these nouns only in a
# plural entry, "de" in its `other` form and never in its `one` or `few` forms.
COUNTED = {"persoane", "persoană", "grupuri", "celule", "milioane", "respondenți", "specialiști", "tineri", "tinere",
           "țări", "experți", "răspunsuri", "ani", "participanți", "participante", "cazuri", "fragmente", "teme",
           "rânduri", "coloane", "întrebări", "fișiere", "foi", "zile", "luni", "caractere", "interviuri", "minute",
           "valori", "supraviețuitori", "supraviețuitoare", "organizații", "chestionare", "cifre", "numere"}


def _forms(value: object) -> list[tuple[str, str]]:
    """A catalogue entry's texts with their CLDR category (``text`` for a plain entry), its gender forms included."""
    if isinstance(value, str):
        return [("text", value)]
    out = [(k, v) for k, v in value.items() if isinstance(v, str) and k not in ("review",)]
    for gender, form in (value.get("agree") or {}).items():
        if gender != "field":
            out += [("text", form)] if isinstance(form, str) else list(form.items())
    return out


def test_romanian_counts_meet_their_nouns_only_in_plural_forms_with_de_in_other() -> None:
    import yaml

    catalogue = yaml.safe_load((repo_root() / "params" / "i18n" / "ro.yml").read_text(encoding="utf-8"))
    breaks = []
    for key, value in catalogue.items():
        for category, text in _forms(value):
            for match in re.finditer(r"\{[^{}]+\}[ \u00a0]+(de[ \u00a0]+)?([^\W\d]+)", text):
                if match.group(2) not in COUNTED:
                    continue
                de = match.group(1) is not None
                if category == "text" or de != (category == "other"):
                    breaks.append((key[:60], category, match.group(0)))
    assert breaks == []


def de_rule_breaks(text: str) -> list[str]:
    """Each "<count> <noun>" of ``text`` whose "de" disagrees with Babel's plural category of the count."""
    from babel import Locale

    category = Locale("ro").plural_form
    out = []
    for match in re.finditer(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+)(?![\d.,]\d)[ \u00a0]+(de[ \u00a0]+)?([^\W\d]+)", text):
        if match.group(3) in COUNTED and (match.group(2) is not None) != (category(int(match.group(1).replace(".", ""))) == "other"):
            out.append(match.group(0))
    return out


def test_the_de_rule_reads_babels_plural_category() -> None:
    assert de_rule_breaks("20 de specialiști, 19 specialiști, 101 persoane, 120 de persoane, 1.254 de respondenți") == []
    assert de_rule_breaks("20 specialiști; 101 de persoane; 1.254 respondenți") == ["20 specialiști", "101 de persoane",
                                                                                  "1.254 respondenți"]


@pytest.mark.parametrize("threshold", [5, 20, 101, 120])
def test_romanian_texts_on_the_small_cell_rule_follow_the_de_rule_at_any_threshold(threshold) -> None:
    """The definitions and notes naming the threshold read right whatever the study sets it to."""
    from perspectives import texts

    tr = Translator("ro")
    report = texts.Texts(tr, {"threshold": threshold, "twice": 2 * threshold, "reliability_min_n": threshold,
                              "withheld_mark": "–", "reliability_mark": "†", "place": "X", "participants": Gender("mixed")},
                         {"national", "conversations", "reliability", "combined"})
    said = [p for path in ("definitions",) for p in _texts_under(report, path)]
    said.append(tr("Where fewer than {twice} people took part in a country, its cells say whether none, some or all of "
                   "them raised the theme, as the table does.").format(twice=2 * threshold))
    assert len(said) > 3
    assert [b for text in said for b in de_rule_breaks(text)] == []


def _texts_under(report, path: str) -> list[str]:
    """Every template under ``path`` of the report texts, filled where the report's fields allow."""
    node = report.node(path)
    items = node if isinstance(node, list) else list(node.values()) if isinstance(node, dict) else [node]
    out = []
    for item in items:
        template = item.get("text", item) if isinstance(item, dict) else item
        filled = report.fill(template) if isinstance(template, (str, dict)) else None
        if filled:
            out.append(filled)
    return out


def test_every_count_in_the_built_romanian_report_follows_the_de_rule(romanian_build) -> None:
    from lxml import html as lxml_html

    for report in ("MDA", "synthesis"):
        page = lxml_html.fromstring((romanian_build / report / "ro" / "report.html").read_bytes())
        for hidden in page.xpath("//script|//style"):
            hidden.drop_tree()
        alts = " ".join(img.get("alt", "") for img in page.iter("img"))
        assert de_rule_breaks(" ".join(page.itertext()) + " " + alts) == [], report


# --------------------------------------------------------------------------- read as a proofreader would

@pytest.mark.parametrize(("lang", "some", "quotes"),
                         [("ro", "În conversații, tinerele au adus în discuție tem", ("\u201e", "\u201d")),
                          ("en", "In the conversations, young people raised the theme", ("\u201c", "\u201d"))])
def test_theme_labels_in_evidence_stand_as_quoted_names(lang, some, quotes) -> None:
    """A theme label inside an evidence sentence is a name in quotation marks, never pasted as running text.

    (Before, "...: Funcționari fără abilități ... și Funcționari indiferenți" ran labels into
    the sentence with their capitals.)
    """
    from perspectives import qualitative_recommendations as qr
    from perspectives import texts

    codebook = q.load_codebook()
    evidence = qr.Evidence(participants=10, theme_count=lambda code: 6, theme_table=lambda code: "themes_support",
                           theme_presence=lambda code: "some", gender=Gender("feminine"))
    text = qr.render_recommendations("MDA", texts=texts.Texts(Translator(lang), {"place": "Moldova"}), evidence=evidence)
    lines = [line for line in text.split("\n") if some in line]
    assert lines, text[:2000]
    opening, closing = quotes
    labels = {Translator(lang)(codebook.label(code)) for code in codebook.codes}
    quoted = re.compile(re.escape(opening) + "([^" + re.escape(closing) + "]*)" + re.escape(closing))
    named = 0
    for line in lines:
        names = quoted.findall(line)
        named += sum(name in labels for name in names)
        outside = quoted.sub("", line)
        pasted = sorted(label for label in labels if len(label) > 8 and label in outside)
        assert not pasted, f"labels outside quotation marks: {pasted}: {line}"
    assert named, lines


def test_the_conversations_held_agree_with_participants_who_are_all_women() -> None:
    participants = q.load_participants()
    note = qc.conversations_note("MDA", participants, translate=Translator("ro"), gender="feminine")
    assert note == "În Republica Moldova, numărul tinerelor supraviețuitoare cu care au avut loc conversații a fost de 10."
    assert "tinerilor supraviețuitori" in qc.conversations_note("MDA", participants, translate=Translator("ro"))


def test_notebook_headings_agree_with_participants_who_are_all_women(tmp_path) -> None:
    """Reviewer R10: the Romanian headings of the notebooks named the women of Moldova in the masculine.

    The assembler reads the participants' gender from the counts the runs recorded, as the
    chapters' own texts do, and the notebooks' Markdown takes the catalogue's feminine form.
    """
    import json

    from perspectives.assemble import _agreement
    from perspectives.assemble_cells import SectionDoc

    run = tmp_path / "sections" / "methods"
    run.mkdir(parents=True)
    values = [{"name": f"conversations.{name}.n", "country": "MDA", "value": n}
              for name, n in (("participants", 6), ("female", 6), ("male", 0))]
    (run / "values.json").write_text(json.dumps(values), encoding="utf-8")
    docs = [SectionDoc("methods", "Methods", run / "executed.ipynb")]
    tr = Translator("ro")
    tr.agreement = _agreement("MDA", docs)
    assert tr.markdown("## What survivors said") == "## Ce au spus supraviețuitoarele"
    assert tr.markdown("### Young survivors in the conversations") == "### Tinerele supraviețuitoare din conversații"
    values[2]["value"] = 1  # one man among them: the entry's own text
    (run / "values.json").write_text(json.dumps(values), encoding="utf-8")
    tr.agreement = _agreement("MDA", docs)
    assert tr.markdown("## What survivors said") == "## Ce au spus supraviețuitorii"
