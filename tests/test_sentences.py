"""The sentences the analyses write say what the data say, and read well (issue 26).

* Orders and "most common" are computed from the data: a sentence names an answer as the
  most common only where it has the largest share (checked against pandas on the survey),
  and only where the published numbers establish it; a list is in the order of its numbers;
  an answer whose number is withheld is never placed in a list, only named after it, in
  the form's order.
* No pair of parentheses inside another, in any text of a built report.
* No comparison of a country with itself: a national table has no pooled column where its
  population holds no respondent of another country, and a build of one country's export
  has no pooled column, header or phrase.
* A note meant for the synthesis is not in a national caption; no caption says a breakdown
  twice, no header names a code ("bottom (%)"), no sentence says "across country".
* The charts of a built report are one width and draw no title repeating their caption.
* Agreement: a template's plural form follows the CLDR rules of its language for its count,
  and a translation may follow the grammatical gender of the answer it names.
* No sentence opens on a numeral, in any language; a list of one is no list; the flow of
  responses is told once in words; every statistic the synthesis prints is explained.

Expected values come from pandas on the embedded survey, from the instrument's own labels and
from hand-written catalogues, not from the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from lxml import html as lxml_html
from PIL import Image
from report_sentences import flow_told, opening_on_a_digit, subtotal_name, unexplained_statistics

from perspectives import analysis, analysis_results, i18n, locales
from perspectives.readers import load_survey
from perspectives.study import load_study, repo_root, report_folder
from perspectives.texts import Texts

STUDY = load_study()
NAMES = {c.iso3: c.name for c in STUDY.countries} | {"ALL": "All six countries"}
PLACES = {"MDA": "Moldova", "COL": "Colombia", "ALL": "the six countries"}
# Analyses whose sentence names a leader or lists the answers of one question.
LISTS = ["age_band", "education", "experience", "org_type", "area", "services", "boys_age", "girls_age",
         "boys_offender_rel", "girls_offender_rel", "boys_exchange", "girls_exchange", "beliefs", "barriers",
         "government", "scen_viewer", "public_awareness"]
SHARE = re.compile(r"\((\d+)%")


@pytest.fixture(scope="module")
def survey():
    return load_survey()


def _place_rows(survey, spec: dict, country: str) -> pd.DataFrame:
    data = survey.eligible
    if spec.get("population"):
        data = data.query(spec["population"], engine="python")
    return data if country == "ALL" else data[data["country"] == country]


def _true_shares(survey, analysis_id: str, country: str) -> pd.Series:
    """Each compared answer's share at the place, from pandas (a battery: the share in its first side)."""
    spec = analysis.spec(analysis_id)
    rows = _place_rows(survey, spec, country)
    exclude = set(spec.get("exclude") or [])
    if spec["kind"] == "single":
        codes = [c for c in survey.instrument.codes(spec["question"]) if c not in exclude]
        answered = rows[spec["question"]].dropna()
        return answered.value_counts(normalize=True).reindex(codes, fill_value=0.0) * 100
    if spec["kind"] == "multi":
        codes = [c for c in survey.instrument.codes(spec["question"]) if c not in exclude]
        answered = rows[rows[spec["question"]].notna()]
        return pd.Series({c: answered[spec["question"]].str.split().apply(lambda t, c=c: c in t).mean() * 100
                          for c in codes})
    side = "bottom" if spec.get("bottom") else "top"
    members = spec[side]
    questions = spec.get("rank") or spec["questions"]
    return pd.Series({q: rows[q].dropna().isin(members).mean() * 100 for q in questions})


def _drawn_truth(truth: pd.Series, analysis_id: str, result, survey) -> pd.Series:
    """The true shares of the answers the chart draws: a combination drawn in place of its parts sums them."""
    spec = analysis.spec(analysis_id)
    if spec["kind"] != "single" or result.shares is None:
        return truth
    labels = survey.instrument.choice_labels(spec["question"])
    for name, combo in (spec.get("combine") or {}).items():
        parts = [str(m) for m in combo["members"]]
        if combo["label"] in result.shares.index and not {labels[m] for m in parts} & set(result.shares.index):
            truth = pd.concat([truth.drop(parts), pd.Series({name: truth[parts].sum()})])
    return truth


# --------------------------------------------------------------------------- orders from the data


@pytest.mark.parametrize("country", ["MDA", "COL", "ALL"])
def test_the_leader_a_sentence_names_is_the_largest_answer(survey, country: str) -> None:
    claimed = 0
    for analysis_id in LISTS:
        result = analysis.run(analysis_id, survey, country, NAMES)
        top = result.context["top"]
        truth = _drawn_truth(_true_shares(survey, analysis_id, country), analysis_id, result, survey)
        ranking = top.ranking
        if not ranking.certain:
            continue
        claimed += 1
        leaders = {a.code for a in ranking.leaders}
        assert leaders == set(truth[truth == truth.max()].index), (analysis_id, country, truth.round(1).to_dict())
    assert claimed >= 5


def test_a_withheld_answer_that_could_lead_stops_the_claim(survey) -> None:
    """Moldova's boys' exchange: goods (13) beat money (7), but goods are published only combined."""
    truth = _true_shares(survey, "boys_exchange", "MDA")
    assert truth.idxmax() == "goods" and truth["money"] < truth["goods"]
    spec = analysis.spec("boys_exchange")
    result = analysis.run("boys_exchange", survey, "MDA", NAMES)
    text = result.narrative(spec["text"], "Moldova", "NOTE.")
    assert not re.search(r"money (was|were) the most common|most (common|often) (answered|named|given) money",
                         text, re.IGNORECASE), text
    # The chart draws "All forms other than money" and "Money": the sentence names those two, the
    # combination as answers together and without ranking it against money (reviewer R7).
    assert "money (25%)" in text and "all forms other than money together (75%" in text, text
    assert "followed by" not in text and "most often answered" not in text, text
    assert [w for w in ("goods", "shelter", "affection") if w in text.lower()] == []


@pytest.mark.parametrize("country", ["MDA", "ALL"])
def test_lists_are_in_the_order_of_their_numbers(survey, country: str) -> None:
    said = 0
    for analysis_id in [*LISTS, "sample_country"]:
        spec = analysis.spec(analysis_id)
        if spec.get("synthesis_only") and country != "ALL":
            continue
        result = analysis.run(analysis_id, survey, country, NAMES)
        text = result.narrative(spec["text"], PLACES[country], "")
        first = analysis_results._SENTENCE_END.split(text)[0] if text else ""
        numbers = ([int(n.replace(",", "")) for n in re.findall(r"([\d,]+) in [A-Z]", first)]
                   if analysis_id == "sample_country" else [int(n) for n in SHARE.findall(first)])
        assert numbers == sorted(numbers, reverse=True), (analysis_id, first)
        said += len(numbers) >= 2
    assert said >= 8


def test_withheld_answers_are_named_after_the_list_in_the_form_order(survey, monkeypatch) -> None:
    """Moldova's boys' offenders: four relationships withheld, none placed among the published ones.

    A top-N list ranks a withheld count last, so Moldova's five shown options are all published;
    with every option shown (no ``top``) its four withheld ones are in the table and named.
    """
    spec = analysis.spec("boys_offender_rel")
    codes = survey.instrument.codes("boys_offender_rel")
    labels = survey.instrument.choice_labels("boys_offender_rel")

    def withheld_shown() -> tuple[analysis_results.Result, list[str]]:
        result = analysis.run("boys_offender_rel", survey, "MDA", NAMES)
        values = {v["name"]: v for v in result.values if v["country"] == "MDA"}
        shown = set(result.shares.index)  # the options the table and chart show
        return result, [c for c in codes if values[f"boys_offender_rel.{c}.pct"]["suppressed"] and labels[c] in shown]

    assert spec["top"] and withheld_shown()[1] == []
    monkeypatch.setitem(spec, "top", None)
    result, hidden = withheld_shown()
    assert len(hidden) >= 2
    text = result.narrative(spec["text"], "Moldova", "NOTE.")
    listed, _, named = text.partition("The numbers for ")
    assert named, text
    words = [labels[c][0].lower() + labels[c][1:] for c in hidden]
    assert not any(w in listed for w in words)
    assert [named.index(w) for w in words] == sorted(named.index(w) for w in words)
    assert not SHARE.search(named)


@pytest.mark.parametrize("country", ["MDA", "ALL"])
def test_a_sentence_names_only_the_options_its_table_shows(survey, country: str) -> None:
    """Moldova's boys' offenders: the sentence gave "person in authority (21%)", a row its table (top 5) has not."""
    checked = 0
    for analysis_id, spec in ((a, analysis.spec(a)) for a in LISTS):
        if spec.get("kind") != "multi" or not spec.get("top"):
            continue
        result = analysis.run(analysis_id, survey, country, NAMES)
        labels = survey.instrument.choice_labels(spec["question"])
        text = result.narrative(spec["text"], PLACES[country], "").lower()
        absent = [label for label in labels.values() if label not in result.shares.index]
        assert absent, analysis_id
        named = [label for label in absent if re.search(rf"\b{re.escape(label.lower())}\b", text)]
        assert not named, (analysis_id, country, named, text)
        checked += 1
    assert checked >= 2


def _code_truth(survey, analysis_id: str, country: str) -> dict[str, float]:
    """Each chart row's true share at the place (pandas), a declared combination's as its members' sum."""
    truth = _true_shares(survey, analysis_id, country).to_dict()
    for name, combo in (analysis.spec(analysis_id).get("combine") or {}).items():
        truth[name] = sum(truth.get(m, 0.0) for m in combo["members"])
    return truth


@pytest.mark.parametrize("country", ["MDA", "ALL"])
def test_a_chart_draws_its_answers_in_the_order_its_sentence_lists_them(survey, country: str) -> None:
    """Moldova's barriers: the chart drew the five in the pooled order (stigma 57% above fear 70%)."""
    compared = 0
    for analysis_id in LISTS:
        spec = analysis.spec(analysis_id)
        result = analysis.run(analysis_id, survey, country, NAMES)
        if spec.get("order") == "scale":
            continue
        if spec["kind"] == "ratings":
            # A battery's rows: its short labels (``items:``), else the questions as asked.
            labels = {q: (spec.get("items") or {}).get(q, {}).get("label") or survey.instrument.label(q)
                      for q in spec["questions"]}
        else:
            labels = {**survey.instrument.choice_labels(spec["question"]),
                      **{n: str(c["label"]) for n, c in (spec.get("combine") or {}).items()}}
        code_of = {label: code for code, label in labels.items()}
        rows = [code_of[label] for label in result.shares.index]
        ranked = [a.code for a in result.context["ranked"].ranking.ranked]
        truth = _code_truth(survey, analysis_id, country)
        # The answers the sentence ranks lead the chart, in the order of their true shares ...
        lead = [c for c in rows if c in ranked]
        assert rows[:len(lead)] == lead, (analysis_id, country, rows, ranked)
        shares = [round(truth[c], 6) for c in lead]
        assert shares == sorted(shares, reverse=True), (analysis_id, country, dict(zip(lead, shares, strict=True)))
        # ... and in the very order the sentence lists them.
        assert lead == [c for c in ranked if c in rows], (analysis_id, country)
        compared += len(lead) >= 2
    assert compared >= 8


def test_a_scale_keeps_its_order_and_its_caption_says_so(survey) -> None:
    spec = analysis.spec("age_band")
    assert spec.get("order") == "scale"
    result = analysis.run("age_band", survey, "MDA", NAMES)
    labels = survey.instrument.choice_labels("age_band")
    form = [labels[c] for c in survey.instrument.codes("age_band") if labels[c] in result.shares.index]
    assert [r for r in result.shares.index if r in form] == form


# --------------------------------------------------------------------------- a country beside itself


def test_no_pooled_column_where_no_other_country_is_in_the_population(tmp_path: Path) -> None:
    """Moldova with Albanian workers who supported no boys: the boys' tables would pool Moldova alone."""
    frame = pd.read_csv(repo_root() / STUDY.data["survey"], dtype=str, keep_default_na=False)
    keep = (frame["country"] == "MDA") | ((frame["country"] == "ALB") & (frame["supported_boys"] != "yes"))
    path = tmp_path / "export.csv"
    frame[keep].to_csv(path, index=False)
    survey = load_survey(path)
    names = {**NAMES, "ALL": "All countries in the data (2)"}
    boys = analysis.run("boys_age", survey, "MDA", names)
    assert boys.table.frame.columns.get_level_values(0).unique().tolist() == ["Moldova"]
    assert not [v for v in boys.values if v["country"] == "ALL"]
    # A table whose population does hold Albanian workers keeps its pooled column.
    gender = analysis.run("gender", survey, "MDA", names)
    assert "All countries in the data (2)" in gender.table.frame.columns.get_level_values(0)


# --------------------------------------------------------------------------- built reports


@pytest.fixture(scope="module")
def built(study_build: Path, moldova_partner_build: Path) -> dict[str, Path]:
    """Moldova and the synthesis from the embedded data, and Moldova from its own rows alone
    (English; conftest's shared ``study_build`` and ``moldova_partner_build``)."""
    return {"MDA": study_build / report_folder("MDA"), "ALL": study_build / report_folder("ALL"),
            "partner": moldova_partner_build / report_folder("MDA")}


def _texts(folder: Path) -> list[str]:
    root = lxml_html.fromstring((folder / "report.html").read_bytes())
    for bad in root.iter("style", "script"):
        bad.drop_tree()
    return [" ".join(" ".join(e.itertext()).split()) for e in
            root.iter("p", "li", "figcaption", "caption", "th", "td", "h1", "h2", "h3", "summary")]


def _nested(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        if depth >= 2:
            return True
        depth -= ch == ")" and depth > 0
    return False


@pytest.mark.parametrize("report", ["MDA", "ALL", "partner"])
def test_no_parentheses_inside_parentheses(built: dict[str, Path], report: str) -> None:
    texts = _texts(built[report])
    assert len(texts) > 200
    assert [t for t in texts if _nested(t)] == []


def test_a_one_country_build_never_sets_its_country_beside_all_countries(built: dict[str, Path]) -> None:
    # The findings: every text with a share, every caption and table header (the introduction
    # describes the study, and may say a synthesis report covers all its countries).
    findings = [t for t in _texts(built["partner"]) if "%" in t or t.startswith(("Figure", "Table"))]
    assert len(findings) > 30
    pooled = locales.render_count(locales.COUNT_PHRASES["All {count} countries"], len(STUDY.countries))
    for phrase in (pooled, "all countries", "All countries in the data", "the countries in the data", "(all ",
                   "countries"):
        assert [t for t in findings if phrase.lower() in t.lower()] == [], phrase
    # and no table has a column for more than Moldova
    root = lxml_html.fromstring((built["partner"] / "report.html").read_bytes())
    columns = {" ".join(" ".join(th.itertext()).split()) for head in root.iter("thead") for th in head.iter("th")}
    assert "Moldova" in columns
    assert [h for h in columns if "countr" in h.lower()] == []


def test_a_national_caption_holds_no_note_for_the_synthesis(built: dict[str, Path]) -> None:
    root = lxml_html.fromstring((built["MDA"] / "report.html").read_bytes())
    captions = [" ".join(" ".join(e.itertext()).split()) for e in root.iter("figcaption", "caption")]
    assert captions
    assert [c for c in captions if "synthesis" in c or "by country" in c] == []


def test_no_caption_says_its_breakdown_twice_and_no_header_names_a_code(built: dict[str, Path]) -> None:
    texts = [t for report in ("MDA", "ALL") for t in _texts(built[report])]
    captions = [t for t in texts if t.startswith(("Figure", "Table"))]
    assert [t for t in captions if re.search(r"\bby (\w+ ){0,3}\w+ by ", t)] == []
    assert [t for t in texts if re.search(r"org type|across country\b", t)] == []
    root = lxml_html.fromstring((built["MDA"] / "report.html").read_bytes())
    headers = {" ".join(" ".join(th.itertext()).split()) for th in root.iter("th")}
    assert [h for h in headers if re.search(r"\b(bottom|top)\b", h)] == []
    assert "Poor or no action at all (%)" in headers and "Yes (%)" in headers


def _figures(folder: Path) -> list[dict]:
    found = []
    for notebook in sorted(folder.glob("sections/*/executed.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                meta = (output.get("metadata") or {}).get("perspectives") or {}
                if meta.get("kind") == "figure":
                    found.append({**meta, "folder": notebook.parent})
    return found


def test_every_chart_of_a_report_is_one_width_and_draws_no_title(built: dict[str, Path]) -> None:
    figures = [f for report in ("MDA", "ALL") for f in _figures(built[report])]
    assert len(figures) > 20
    widths = {Image.open(f["folder"] / f["png"]).size[0] for f in figures}
    assert len(widths) == 1, widths
    for figure in figures:
        # The caption without its number and n: "Figure 3. Highest level of education — Moldova (n = 54)".
        title = re.sub(r"^Figure \d+\. ", "", figure["caption"]).split(" (n = ")[0]
        assert not [t for t in figure["texts"] if title in t or t in title and len(t) > 25], (title, figure["texts"])


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _said_table(text: str) -> bool:
    """Whether a paragraph is a table said in a sentence in its place (report_display's table sentences)."""

    from perspectives.report_display import TABLE_UNIFORM

    sentences = Texts(i18n.Translator("en"), {}).node("sentences")
    # What each table sentence says after the table's caption, up to its first field.
    marks = [str(template).split("{caption}")[1].split("{")[0]
             for template in (sentences["table_withheld"], sentences["table_mostly_withheld"], TABLE_UNIFORM)]
    assert all(len(mark) >= 5 for mark in marks), marks  # a mark that matches every paragraph checks nothing
    return any(mark in " ".join(text.split()) for mark in marks)


def _chart_and_sentence(figure) -> tuple[list[str], str, str, str]:
    """What a built page shows of one chart: the answers its data table behind it names (its rows),
    the chart's text alternative (written from the numbers it drew, in
    the order it drew them), the paragraphs between the heading above it and the chart (a table standing
    there shows another result), and its caption."""
    data = figure.getnext()
    # A subtotal row ("no or don't know (combined)") is the combined answer the chart draws and the sentence names.
    labels = [_words(subtotal_name(" ".join(" ".join(th.itertext()).split())))
              for th in data.iter("th") if th.get("scope") == "row"]
    labels = [label for label in labels if label != "respondents"]  # the base's row, no answer
    said = []
    for before in figure.getparent().itersiblings(preceding=True):
        if before.tag.startswith("h") or before.find(".//figure") is not None:
            break
        if before.tag == "table" or before.find(".//table") is not None or _said_table(" ".join(before.itertext())):
            continue  # another result's table, or its sentence (both name answers too), not a sentence of this chart
        said.insert(0, " ".join(before.itertext()))
    caption = " ".join(" ".join(figure.find("figcaption").itertext()).split())
    return labels, _words(figure.find(".//img").get("alt")), _words(" ".join(said)), caption


def _order_named(labels: list[str], text: str) -> list[str]:
    """The labels a text names, in the order it first names them (a label inside a longer one found once)."""
    found: dict[str, int] = {}
    for label in sorted(set(labels), key=len, reverse=True):
        start = 0
        while (at := text.find(label, start)) >= 0:
            if not any(a <= at < a + len(other) for other, a in found.items()):
                found[label] = at
                break
            start = at + 1
    return sorted(found, key=found.get)


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_a_built_chart_and_its_sentence_list_the_answers_in_one_order(built: dict[str, Path], report: str) -> None:
    """Read from the built page: the order the chart drew its answers in and the order its sentence lists them."""
    root = lxml_html.fromstring((built[report] / "report.html").read_bytes())
    scale_note = "the answers are drawn in the order of their scale, not by size"
    checked = 0
    for figure in root.iter("figure"):
        labels, drawn, said, caption = _chart_and_sentence(figure)
        if scale_note in caption.lower():
            continue
        # The answers both name (a chart by country draws a combination's parts, not the combination).
        chart = _order_named(labels, drawn)
        named = [label for label in _order_named(labels, said) if label in chart]
        if len(named) >= 2:
            assert named == [label for label in chart if label in named], (caption, named, chart)
            checked += 1
    assert checked >= (6 if report == "MDA" else 4)


# --------------------------------------------------------------------------- agreement


def _catalogue(folder: Path, lang: str, text: str) -> i18n.Translator:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lang}.yml").write_text(text, encoding="utf-8")
    return i18n.Translator(lang, folder)


def test_a_sentence_takes_the_cldr_plural_form_of_its_count(tmp_path: Path) -> None:
    template = analysis.spec("boys_online_share")["text"]
    assert isinstance(template, dict) and template["count"] == "base"
    key = json.dumps(template["other"])
    tr = _catalogue(tmp_path, "bs", f'{key}: {{one: "JEDAN {{base}} {{place}} {{any.pct_n}}", '
                                    f'few: "NEKOLIKO {{base}} {{place}} {{any.pct_n}}", '
                                    f'other: "MNOGO {{base}} {{place}} {{any.pct_n}}"}}\n')
    share = SimpleNamespace(pct_n="50% (n = 11)")
    said = {n: analysis_results.fill(template, translator=tr, base=analysis_results.Count(n), place="X", any=share).split()[0]
            for n in (21, 22, 25, 101, 104)}
    # Bosnian (CLDR): 21 and 101 one, 22 and 104 few, 25 other.
    assert said == {21: "JEDAN", 22: "NEKOLIKO", 25: "MNOGO", 101: "JEDAN", 104: "NEKOLIKO"}
    english = analysis_results.fill(template, base=analysis_results.Count(1), place="Moldova", any=share)
    assert english.startswith("Of the 1 worker in Moldova who")
    assert analysis_results.fill(template, base=analysis_results.Count(1254), place="X", any=share).startswith("Of the 1,254 workers")


class _Share:
    """A published share as a sentence's cell reads it (a stand-in with the same attributes)."""

    def __init__(self, share: float, count: int) -> None:
        self.percent, self.count = share, count
        self.pct, self.n = f"{share:.0f}%", str(count)
        self.pct_n, self.pct_n_inner = f"{self.pct} (n = {count})", f"{self.pct}, n = {count}"


def test_a_translation_follows_the_gender_of_the_answer_it_names(tmp_path: Path) -> None:
    template = "The answer most often given was {top.label} ({top.pct_n})."
    tr = _catalogue(tmp_path, "es", "\n".join([
        '"Money": {gender: masculine}',
        '"Goods or gifts": {text: "las cosas", gender: feminine}',
        f'{json.dumps(template)}: {{text: "El más frecuente fue {{top.label}} ({{top.pct_n}}).", '
        'agree: {field: top.label, feminine: "La más frecuente fue {top.label} ({top.pct_n})."}}', ""]))

    def said(code: str, english: str, label: str) -> str:
        answer = analysis_results.Answer(code, label, english, _Share(60.0, 30))
        other = analysis_results.Answer("x", "otra", "Other", _Share(40.0, 20), 1)
        return analysis_results.fill(template, translator=tr, top=analysis_results.Ranking([answer, other]).field("top"))

    assert said("goods", "Goods or gifts", "cosas") == "La más frecuente fue cosas (60%, n = 30)."
    assert said("money", "Money", "dinero") == "El más frecuente fue dinero (60%, n = 30)."
    # The report texts' own templates follow the gender of a field's text in the language too.
    tr2 = _catalogue(tmp_path / "t", "es", "\n".join([
        '"age group": {text: "grupo de edad", gender: masculine}',
        '"type of organisation": {text: "forma de organización", gender: feminine}',
        '"The most common {topic}.": {text: "El {topic} más común.", agree: {field: topic, '
        'feminine: "La {topic} más común."}}', ""]))
    texts = Texts(tr2, fields={})
    assert texts.fill("The most common {topic}.", topic="forma de organización") == "La forma de organización más común."
    assert texts.fill("The most common {topic}.", topic="grupo de edad") == "El grupo de edad más común."


def test_a_catalogue_entry_with_gender_forms_keeps_its_placeholders(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "es.yml").write_text('"Was {top.label}.": {text: "Fue {top.label}.", agree: {field: top.label, '
                                   'feminine: "Fue {otra}."}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="placeholders"):
        i18n.load_catalogue("es", folder)



def test_a_tie_for_first_place_is_said_in_words() -> None:
    """Two answers with the same share both lead: the plural form counts them, neither is placed first."""
    template = analysis.spec("age_band")["text"]
    tied = [analysis_results.Answer("21_30", "21 to 30", "21 to 30", _Share(35.0, 19), 1),
            analysis_results.Answer("31_40", "31 to 40", "31 to 40", _Share(35.0, 19), 2),
            analysis_results.Answer("41_50", "41 to 50", "41 to 50", _Share(30.0, 16), 3)]
    ranking = analysis_results.Ranking(tied, bounds={})
    text = analysis_results.fill(template, place="Moldova", **{r: ranking.field(r) for r in ("top", "then", "ranked")})
    assert text == ("The largest age groups among the workers in Moldova were 21 to 30 and 31 to 40, with 35% each, "
                    "followed by 41 to 50 (30%).")


@pytest.mark.parametrize(("lang", "girls", "boys"), [("en", "girls", "boys"), ("ro", "fete", "băieți"),
                                                     ("es", "niñas", "niños")])
def test_a_caption_over_two_groups_gives_each_its_base_as_a_reader_expects(tmp_path, monkeypatch, lang, girls, boys):
    """'(girls n = 46; boys n = 28)', never '(n = Girls 46; Boys 28)', in every language."""
    from perspectives import report, report_display

    captions: list[str] = []
    monkeypatch.setattr(report_display, "display", lambda obj, metadata=None, **_: captions.append(
        ((metadata or {}).get("perspectives") or {}).get("caption", "")))
    report.Section("csea_online", "MDA", lang, output_dir=str(tmp_path)).run("forms")
    data = load_survey().eligible
    mda = data[data["country"] == "MDA"]
    n_girls, n_boys = int((mda["girls_online_share"] > 0).sum()), int((mda["boys_online_share"] > 0).sum())
    figure = next(c for c in captions if c.startswith(("Figure 14", "Figura 14")))
    assert figure.endswith(f"({girls} n = {n_girls}; {boys} n = {n_boys})"), figure


@pytest.mark.parametrize(("label", "inside"), [
    ("A vorbi despre sex și sexualitate este tabu", "a vorbi despre sex și sexualitate este tabu"),
    ("Fear of how others will react", "fear of how others will react"),
    ("NGO staff", "NGO staff"), ("ECPAT members", "ECPAT members"), ("21 to 30", "21 to 30"),
])
def test_a_label_inside_a_sentence_starts_small_unless_an_acronym(label: str, inside: str) -> None:
    """The Romanian belief "A vorbi despre ..." read "apoi A vorbi" in the middle of a sentence."""
    from perspectives.summary import inside_sentence

    assert inside_sentence(label) == inside


# --------------------------------------------------------------------------- issue 26: how sentences open


@pytest.mark.parametrize("report", ["MDA", "ALL", "partner"])
def test_no_sentence_opens_on_a_digit(built: dict[str, Path], report: str) -> None:
    """"72% of workers ..." was how the recommendations' evidence and several findings opened."""
    assert opening_on_a_digit(built[report] / "report.html") == []


def test_no_romanian_sentence_opens_on_a_digit(romanian_build: Path) -> None:
    for report in ("MDA", "ALL"):
        assert opening_on_a_digit(romanian_build / report_folder(report, lang="ro") / "report.html") == [], report


def test_a_list_of_one_is_no_list() -> None:
    """"..., in the order of their shares: the adult watching the call (46%)." is not said."""
    template = analysis.spec("age_band")["text"]
    one = [analysis_results.Answer("21_30", "21 to 30", "21 to 30", _Share(46.0, 25), 1),
           analysis_results.Answer("31_40", "31 to 40", "31 to 40", _Withheld(), 2)]
    ranking = analysis_results.Ranking(one, bounds={})  # the withheld answer could lead: no "largest"
    text = analysis_results.fill(template, "NOTE.", place="Moldova",
                                 **{r: ranking.field(r) for r in ("top", "then", "ranked")})
    assert "in the order of their shares" not in text
    # what is left out is said to be withheld, as a sentence dropped for a withheld number
    assert text == "NOTE."
    # Two answers are a list, in the order of their shares.
    two = [*one[:1], analysis_results.Answer("41_50", "41 to 50", "41 to 50", _Share(30.0, 16), 3), one[1]]
    text = analysis_results.fill(template, place="Moldova",
                                 **{r: analysis_results.Ranking(two, bounds={}).field(r) for r in ("top", "then", "ranked")})
    assert "in the order of their shares: 21 to 30 (46%) and 41 to 50 (30%)." in text


class _Withheld:
    """A withheld cell as a sentence reads it."""

    percent = count = None
    pct = n = pct_n = pct_n_inner = analysis_results.WITHHELD


@pytest.mark.parametrize("report", ["MDA", "ALL"])
def test_the_flow_of_responses_is_told_once(built: dict[str, Path], report: str) -> None:
    """Received, analysed and left out: told in words in the methods chapter only (the table counts it)."""
    told = flow_told(built[report])
    assert len(told) == 1, told
    assert "received" in told[0]


def test_every_statistic_the_synthesis_prints_is_explained(built: dict[str, Path]) -> None:
    """χ²(1) = 29.43, F(5, 407) = 1.98, p < .001: each symbol explained for a lay reader."""
    assert unexplained_statistics(built["ALL"] / "report.html") == {}


@pytest.mark.parametrize("lang", ["en", "ro", "es", "sq", "bs"])
def test_the_synthesis_names_its_countries_in_words_a_sentence_may_open_on(lang: str) -> None:
    """Bosnian sentences open on their place ("{place}: ..."): "6 zemalja: ..." opened on a digit."""
    tr = i18n.Translator(lang)
    held = sum(1 for c in STUDY.countries if c.conversations)
    for count in {len(STUDY.countries), held}:
        phrase = tr.plural("the {count} countries", count)
        assert not phrase[:1].isdigit(), (lang, count, phrase)
    # and a sentence opening on a phrase in lower case still opens with a capital
    text = analysis_results.fill("{place}: {n} of them.", place=tr.plural("the {count} countries", 6), n=3)
    assert text[:1].isupper(), text
