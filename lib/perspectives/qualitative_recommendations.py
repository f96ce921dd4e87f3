"""The expert roundtable's insights and the study's recommendations, with their evidence in words.

Purpose
    Read and validate ``data/roundtable.yml`` and ``data/recommendations.yml`` (each link to a
    theme, a survey item or a finding checked), and render both as Markdown: each
    recommendation followed by what young people raised, what the survey found and what the
    experts said. Separate from :mod:`perspectives.qualitative` (the conversations' data) and
    :mod:`perspectives.qualitative_counts` (their counting rule), which it draws on.

Inputs
    ``data/roundtable.yml``, ``data/recommendations.yml``, the codebook and tables of
    :mod:`perspectives.qualitative`, the report's texts (:class:`perspectives.texts.Texts`)
    and what the report can state (:class:`Evidence`).

Outputs
    Validated lists of insights and recommendation groups, and Markdown strings (every text
    from the data files written as text: :func:`perspectives.escape.markdown_text`). A bad
    file raises :class:`perspectives.qualitative.QualitativeDataError` naming the file, the
    entry and the fix.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perspectives import fmt, locales
from perspectives.escape import markdown_text
from perspectives.i18n import Gender, quotes_for
from perspectives.project import Project, default
from perspectives.qualitative import (
    Codebook,
    QualitativeDataError,
    load_codebook,
    load_conversations,
    load_participants,
    read_data_file,
    study_countries,
)
from perspectives.qualitative_counts import count_by_country, country_order, group_gender, theme_raisers
from perspectives.study import load_study

__all__ = [
    "SURVEY_ITEMS",
    "load_roundtable",
    "load_recommendations",
    "roundtable_experts",
    "render_roundtable",
    "render_recommendations",
    "Evidence",
    "counted_evidence",
]

# The study's files this module reads, from the study folder's root.
ROUNDTABLE_FILE = "data/roundtable.yml"
RECOMMENDATIONS_FILE = "data/recommendations.yml"

# Item names of the frontline workers' survey instrument that evidence may cite.
SURVEY_ITEMS: tuple[str, ...] = (
    "country", "gender", "age_band", "education", "experience", "org_type", "area", "services",
    "se_share", "tech_share", "supported_boys", "supported_girls", "boys_online_share",
    "girls_online_share", "boys_age", "girls_age", "boys_offender_female_share",
    "girls_offender_female_share", "offender_origin", "boys_offender_rel", "girls_offender_rel",
    "boys_exchange", "girls_exchange", "boys_facilitator", "girls_facilitator", "boys_forms",
    "girls_forms", "beliefs", "barriers", "gov_funding", "gov_awareness", "gov_training",
    "gov_advocacy", "gov_legislation", "gov_services", "gov_law_enforcement", "gov_coordination",
    "public_awareness", "scen_victim", "scen_recording", "scen_flipped", "scen_viewer", "scen_dating",
)


# ------------------------------------------------------------------------------ evidence

@dataclass(frozen=True)
class Evidence:
    """What one report can state as the evidence behind a recommendation.

    A report builds it from what its runs published (:meth:`perspectives.report.Section.recommendations`):
    every count goes through the theme tables' small-cell masks, every finding is a sentence
    whose numbers the section runs recorded.

    Attributes:
        participants: young people who held a conversation in the report's place (0: none held).
        theme_count: a theme code -> how many of them raised it, or None when withheld.
        theme_table: a theme code -> the stem of the table that shows its count (for
            ``[[table:STEM]]``), or None.
        theme_figure: a theme code -> the stem of the figure the report drew of its table (for
            ``[[figure:STEM]]``), or None.
        theme_presence: a theme code -> ``none``, ``some`` or ``all`` where its table says
            that in place of a count (a report's presence table), else None: the evidence
            then says the table's word, never that the count is withheld.
        finding: (result, template) -> the finding filled and followed by where it is shown
            (Markdown), or None when its values are withheld or not shown there.
        cites_tables: a report, whose evidence states a theme only with the table that shows
            it (a theme ``theme_table`` gives None for is left out); False outside a report,
            which has no tables: the themes are then stated with no reference.
        gender: the grammatical gender of the participants as the report publishes it
            (``feminine`` only where its counts show all of them women:
            :func:`perspectives.qualitative_counts.group_gender`), which the sentences on them
            agree with (a catalogue's ``agree: {field: participants, ...}``); None: the texts'
            own ``participants`` field, if any.
    """

    participants: int
    theme_count: Callable[[str], int | None]
    theme_table: Callable[[str], str | None] = lambda code: None
    theme_presence: Callable[[str], str | None] = lambda code: None
    theme_figure: Callable[[str], str | None] = lambda code: None
    finding: Callable[[str, str], str | None] = lambda result, template: None
    cites_tables: bool = True
    gender: str | None = None

    def agreement(self) -> dict[str, Any]:
        """The field the sentences on the participants agree with (none when the gender is not known here)."""
        return {} if self.gender is None else {"participants": Gender(self.gender)}


def counted_evidence(country: str | None, conversations: pd.DataFrame, participants: pd.DataFrame,
                     study_path: Path | str | None = None, *, project: Project | None = None) -> Evidence:
    """Evidence from the conversations as they are, counts unmasked (for use outside a report).

    A report never uses this: its counts go through the theme tables' masks.
    """
    _, synthesis = study_countries(study_path, project)
    whole = country is None or country == synthesis
    scope = conversations if whole else conversations[conversations["country"] == country]
    people = participants if whole else participants[participants["country"] == country]
    raisers, order = theme_raisers(scope), country_order(scope["country"], study_path, project)
    people = people.drop_duplicates("participant_id")
    shown = {gender: int((people["gender"] == gender).sum()) for gender in ("female", "male")}
    return Evidence(participants=int(people["participant_id"].nunique()),
                    theme_count=lambda code: int(count_by_country(raisers, code, order).sum()),
                    cites_tables=False, gender=group_gender(people, None, shown))


def _label(text: str) -> str:
    """A title as a heading or inside a sentence: without its closing full stop."""
    return text.strip().rstrip(".")


def _theme_lines(texts: Any, themes: list[str], evidence: Evidence, codebook: Codebook) -> list[str]:
    """What young people in the report's place raised: one sentence naming every theme, then where it is shown.

    A report's evidence states only what a figure or table of the report shows, and cites it: a
    theme nothing published shows is left out (see :class:`Evidence`), as is a theme nobody
    there raised (no evidence for the recommendation; the theme tables show the zero) and one
    whose count is withheld (a count the reader cannot see is no evidence). A theme is given
    with how many raised it only where the report publishes that count; those so counted come
    first, in the order of their counts, then the others in the recommendation's order. The
    figures or tables are cited once, after the sentence.
    """
    counted: list[tuple[int, str, tuple[str | None, str | None]]] = []
    named: list[tuple[str, tuple[str | None, str | None]]] = []
    out_of = {"n_participants": evidence.participants}
    for code in themes:
        where = (evidence.theme_table(code), evidence.theme_figure(code))
        if where[0] is None and evidence.cites_tables:
            continue  # nothing the reader could find: not stated, so never cited with a table that lacks it
        theme = _theme_name(texts, codebook.label(code))
        word, k = evidence.theme_presence(code), evidence.theme_count(code)
        if word == "some":
            named.append((theme, where))
        elif word == "all":
            named.append((texts.text("recommendations.evidence.theme_all", theme=theme, **out_of) or "", where))
        elif word is None and k:  # a count of 0 is no evidence; None is withheld
            counted.append((k, texts.text("recommendations.evidence.theme_counted", theme=theme, n_raised=k,
                                          **out_of) or "", where))
    counted.sort(key=lambda item: -item[0])  # stable: equal counts keep the recommendation's order
    said = [(text, where) for _, text, where in counted] + named
    if not said:
        return []
    line = texts.fill(texts.node("recommendations.evidence.themes"), n_themes=len(said), **evidence.agreement(),
                      themes=_markdown(locales.join([text for text, _ in said], texts.tr.lang)))
    shown = [where for _, where in said]
    return [_see(texts, fmt.opening(line), [t for t, _ in shown], [f for _, f in shown])] if line else []


def _theme_name(texts: Any, label: str) -> str:
    """A theme named inside a sentence: its translated label in the language's quotation marks.

    A label is a name ("Complaint withdrawn"), not a sentence: the evidence says who raised
    the theme in a sentence of its own and names the theme by its label, quoted.
    """
    name = texts.tr(label)
    return _markdown(texts.fill(quotes_for(texts.tr, name), label=name) or "")


def _see(texts: Any, line: str, tables: list[str | None], figures: list[str | None]) -> str:
    """A sentence followed by the figures, or else the tables, that show what it states, each cited once.

    The figures are cited where every theme stated is drawn in one (their tables are in the
    annex); otherwise the tables, which every theme stated has.
    """
    kind, stems = ("figure", figures) if figures and all(figures) else ("table", tables)
    markers = [_markdown(f"[[{kind}:{stem}]]") for stem in dict.fromkeys(s for s in stems if s is not None)]
    if not markers:
        return line
    if len(markers) == 1:
        referenced = texts.text(f"recommendations.evidence.survey_{kind}", finding=_markdown(line),
                                **{f"{kind}_number": markers[0]})
    else:
        referenced = texts.text(f"recommendations.evidence.survey_{kind}s", finding=_markdown(line),
                                **{f"{kind}_numbers": _markdown(locales.join(markers, texts.tr.lang))})
    return referenced or line


def _markdown(text: str) -> Any:
    from perspectives.texts import Markdown

    return Markdown(text)


def _finding_values(template: str) -> set[str]:
    """The recorded values a finding's sentence states (its ``{v[name]}`` fields)."""
    return {name[2:-1] for _, name, _, _ in string.Formatter().parse(template)
            if name and name.startswith("v[") and name.endswith("]")}


def _findings(entry: dict[str, Any], evidence: Evidence) -> list[str]:
    """A recommendation's survey findings, each in full with its figure or table (withheld ones left out).

    Every finding is the recommendation's own: :func:`load_recommendations` refuses a file
    stating one recorded value under two recommendations, so no line is repeated and none
    points the reader to another recommendation instead.
    """
    said: list[str] = []
    for finding in entry.get("findings", []) or []:
        filled = evidence.finding(str(finding["result"]), str(finding["text"]))
        if filled:
            said.append(filled)
    return said


def _evidence(texts: Any, entry: dict[str, Any], evidence: Evidence, codebook: Codebook,
              insights: dict[str, dict[str, Any]]) -> str:
    """The evidence behind a recommendation, in sentences: young people first, then the survey, then the experts."""
    said = _theme_lines(texts, entry.get("themes", []), evidence, codebook) if evidence.participants else []
    said += _findings(entry, evidence)
    points = [locales.inside_sentence(_label(texts.tr(insights[i]["title"]))) for i in entry.get("insights", []) or []]
    # The experts' point alone is said as where the recommendation comes from, not as "a related point".
    key = "roundtable" if said else "roundtable_only"
    said += [line for point in points if (line := texts.text(f"recommendations.evidence.{key}", insight_title=point))]
    if not said:  # said plainly: a recommendation is never left looking as if it had evidence of its own
        said = [texts.text(_none_key(texts)) or ""]
    return f"**{markdown_text(texts.tr('Evidence:'))}** " + " ".join(said)


def _none_key(texts: Any) -> str:
    """The sentence for a recommendation with no evidence of the report's own: by report and by sources held."""
    report = "synthesis" if "synthesis" in texts.conditions else "national"
    held = "" if "conversations" in texts.conditions else "_no_conversations"
    return f"recommendations.evidence.none_{report}{held}"


def _default_texts(country: str | None, study_path: Path | str | None, project: Project | None = None) -> Any:
    """English texts for a rendering outside a report (the report passes its own)."""
    from perspectives.i18n import Translator
    from perspectives.texts import Texts, report_conditions, report_fields

    project = default(project)
    study = load_study(study_path) if study_path else project.study
    tr = Translator("en", project=project)
    code = country or study.synthesis_code
    place = tr.country(code) if code != study.synthesis_code else tr.plural(
        "the {count} countries", sum(1 for c in study.countries if c.conversations))
    from perspectives.disclosure import WITHHELD_MARK

    synthesis = code == study.synthesis_code
    held = any(c.conversations for c in study.countries if synthesis or c.iso3 == code)
    conditions = report_conditions(national=not synthesis, conversations=held, pooled=False,
                                   countries=len(study.countries))
    texts = Texts(tr, report_fields(study, tr, code, place=place), conditions)
    texts.fields["withheld_mark"] = WITHHELD_MARK
    return texts


def _check_findings(path: Path, rec: dict[str, Any]) -> None:
    """A recommendation's findings: each a result and a sentence whose fields are recorded values or the place."""
    for finding in rec.get("findings", []) or []:
        if not isinstance(finding, dict) or not str(finding.get("result", "")).strip() or not str(
                finding.get("text", "")).strip():
            raise QualitativeDataError(path, f"recommendation {rec['number']}: a finding needs a result and a text",
                                       "write `- result: <analysis id>` and `text: \"...\"`", column="findings")
        parsed = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(str(finding["text"]))
                  if name is not None]
        bad = sorted({f for f, _, _ in parsed if f != "place" and not (f.startswith("v[") and f.endswith("]"))})
        if bad:
            raise QualitativeDataError(path, f"recommendation {rec['number']}: a finding uses {bad}",
                                       "use {place} and recorded values as {v[name]}", column="findings")
        # A format spec or conversion would print the value otherwise than the report writes it
        # ({v[x]:.1} turns "59%" into "5"): a number is never reshaped by a sentence.
        reshaped = sorted({f"{{{f}{'!' + c if c else ''}{':' + p if p else ''}}}" for f, p, c in parsed if p or c})
        if reshaped:
            raise QualitativeDataError(path, f"recommendation {rec['number']}: a finding reshapes a value: {reshaped}",
                                       "write each field bare, as {v[name]} or {place}: the report formats the "
                                       "value itself", column="findings")


def _check_own_values(path: Path, rec: dict[str, Any], stated: dict[str, int]) -> None:
    """Each recorded value is stated under one recommendation: evidence of its own, never a repeat of another's."""
    number = int(rec["number"])
    for finding in rec.get("findings", []) or []:
        for value in sorted(_finding_values(str(finding["text"]))):
            first = stated.setdefault(value, number)
            if first != number:
                raise QualitativeDataError(
                    path, f"recommendation {number}: the finding on {value} repeats one of recommendation {first}",
                    "give each recommendation a finding of its own (another result), or leave this one out",
                    column="findings")


def _check_own_themes(path: Path, rec: dict[str, Any], cited: dict[str, int], codebook: Codebook) -> None:
    """Each theme (with the themes under it) is cited under one recommendation, as each recorded value is.

    The count of a theme is the same young people wherever it is cited, so citing it (or a theme
    above or below it) twice gives two recommendations one piece of evidence.
    """
    number = int(rec["number"])
    for theme in rec.get("themes", []) or []:
        if theme not in codebook:
            continue  # _check_links names it
        for code in codebook.subtree(theme):
            first = cited.setdefault(code, number)
            if first != number:
                raise QualitativeDataError(
                    path, f"recommendation {number}: the theme {theme} repeats {code} of recommendation {first}",
                    "cite each theme under the one recommendation it supports", column="themes")


def _check_links(path: Path, entry_id: str, entry: dict[str, Any], codebook: Codebook) -> None:
    bad = [t for t in entry.get("themes", []) if t not in codebook]
    if bad:
        raise QualitativeDataError(path, f"{entry_id}: unknown theme code(s) {bad}", "use codes from the codebook",
                                   column="themes")
    bad = [s for s in entry.get("survey_items", []) if s not in SURVEY_ITEMS]
    if bad:
        raise QualitativeDataError(path, f"{entry_id}: unknown survey item(s) {bad}",
                                   "use the instrument's item names", column="survey_items")


def load_roundtable(path: Path | str | None = None, codebook: Codebook | None = None, *,
                    project: Project | None = None) -> list[dict[str, Any]]:
    """Read and validate the roundtable insights and their evidence links (default: the project's file)."""
    path = Path(path) if path is not None else default(project).path(ROUNDTABLE_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    insights = read_data_file(path)["insights"]
    ids = [str(item.get("id", "")) for item in insights]
    if len(set(ids)) != len(ids):
        raise QualitativeDataError(path, "two insights share an id", "give each insight its own id", column="id")
    for item in insights:
        for key in ("id", "title", "text"):
            if not str(item.get(key, "")).strip():
                raise QualitativeDataError(path, f"an insight has no {key}", f"add {key}", column=key)
        _check_links(path, item["id"], item, codebook)
    return insights


def roundtable_experts(path: Path | str | None = None, *, project: Project | None = None) -> int | None:
    """How many experts took part in the roundtable (``experts:``), or None when not recorded."""
    path = Path(path) if path is not None else default(project).path(ROUNDTABLE_FILE)
    experts = read_data_file(path).get("experts")
    if experts is None:
        return None
    if isinstance(experts, bool) or not isinstance(experts, int) or experts < 1:
        raise QualitativeDataError(path, f"experts is {experts!r}", "write the number of experts, e.g. experts: 19",
                                   column="experts")
    return experts


def load_recommendations(path: Path | str | None = None, codebook: Codebook | None = None, *,
                         project: Project | None = None) -> list[dict[str, Any]]:
    """Read and validate the recommendations: groups of numbered items with evidence links."""
    path = Path(path) if path is not None else default(project).path(RECOMMENDATIONS_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    groups = read_data_file(path)["groups"]
    numbers = []
    stated: dict[str, int] = {}  # each recorded value a finding states -> its recommendation
    cited: dict[str, int] = {}  # each theme code cited (with those under it) -> its recommendation
    for group in groups:
        for rec in group["items"]:
            for key in ("number", "title", "text"):
                if not str(rec.get(key, "")).strip():
                    raise QualitativeDataError(path, f"a recommendation has no {key}", f"add {key}", column=key)
            if not isinstance(rec.get("claim_ids", []), list):
                raise QualitativeDataError(path, f"recommendation {rec['number']}: claim_ids is not a list",
                                           "write claim_ids: []", column="claim_ids")
            _check_links(path, f"recommendation {rec['number']}", rec, codebook)
            _check_findings(path, rec)
            _check_own_values(path, rec, stated)
            _check_own_themes(path, rec, cited, codebook)
            numbers.append(int(rec["number"]))
    if numbers != list(range(1, len(numbers) + 1)):
        raise QualitativeDataError(path, f"recommendations are numbered {numbers}", "number them 1, 2, 3 ... in order")
    return groups


def _inputs(conversations: pd.DataFrame | None, participants: pd.DataFrame | None,
            codebook: Codebook | None, project: Project | None) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
    codebook = codebook if codebook is not None else load_codebook(project=project)
    participants = participants if participants is not None else load_participants(codebook=codebook,
                                                                                   project=project)
    conversations = conversations if conversations is not None else load_conversations(
        codebook=codebook, participants=participants, project=project)
    return conversations, participants, codebook


def render_roundtable(country: str | None = None, *, texts: Any = None, path: Path | str | None = None,
                      study_path: Path | str | None = None, project: Project | None = None) -> str:
    """Markdown of the roundtable's insights: a heading, a sentence, each insight as a paragraph.

    The insights apply across the study's countries, so a national report shows the same ones.
    """
    texts = texts or _default_texts(country, study_path, project)
    out = [f"## {texts.heading('roundtable_insights')}", texts.text("recommendations.roundtable_intro") or ""]
    for item in load_roundtable(path, project=project):
        out.append(f"**{markdown_text(_label(texts.tr(item['title'])))}.** {markdown_text(texts.tr(item['text']))}")
    return "\n\n".join(p for p in out if p) + "\n"


def render_recommendations(country: str | None = None, *, texts: Any = None, evidence: Evidence | None = None,
                           conversations: pd.DataFrame | None = None, participants: pd.DataFrame | None = None,
                           codebook: Codebook | None = None, path: Path | str | None = None,
                           roundtable_path: Path | str | None = None,
                           study_path: Path | str | None = None, project: Project | None = None) -> str:
    """Markdown of the recommendations: by group, each a heading, its text and its evidence in words.

    Args:
        country: the report's country, or None (or the synthesis code) for the synthesis.
        texts: the report's texts (:class:`perspectives.texts.Texts`); English by default.
        evidence: what the report can state (:class:`Evidence`); by default the conversations'
            counts as they are, with no survey findings (outside a report only).
        conversations: the coded conversation segments (default: the study's).
        participants: the conversation participants (default: the study's).
        codebook: the theme codebook (default: the study's).
        path: the recommendations file (default ``data/recommendations.yml``).
        roundtable_path: the roundtable's insights, which recommendations name (default ``data/roundtable.yml``).
        study_path: the study file.
        project: the study folder (default: the one around the working directory).

    Raises:
        QualitativeDataError: a recommendation names an insight the roundtable file does not have.

    Returns:
        Markdown: a level-2 heading per group with its sentence, a level-3 heading per
        recommendation, its text, then a paragraph of evidence (theme counts, findings with
        the figure or table that shows them, related points of the roundtable). No theme,
        item or value is named by its code.
    """
    conversations, participants, codebook = _inputs(conversations, participants, codebook, project)
    texts = texts or _default_texts(country, study_path, project)
    evidence = evidence or counted_evidence(country, conversations, participants, study_path, project=project)
    insights = {i["id"]: i for i in load_roundtable(roundtable_path, codebook, project=project)}
    groups = load_recommendations(path, codebook, project=project)
    unknown = sorted({str(i) for g in groups for r in g["items"] for i in r.get("insights", []) or []} - set(insights))
    if unknown:
        raise QualitativeDataError(Path(path or default(project).path(RECOMMENDATIONS_FILE)),
                                   f"unknown roundtable insight(s) {unknown}",
                                   "use ids of data/roundtable.yml", column="insights")
    out = []
    if evidence.participants:
        report = "synthesis" if "synthesis" in texts.conditions else "national"
        out.append(texts.text(f"recommendations.young_people_intro_{report}", n_participants=evidence.participants,
                              **evidence.agreement()) or "")
    for group in groups:
        out.append(f"## {markdown_text(texts.tr(group['title']))}")
        sentence = f"recommendations.groups.{group['id']}"
        if texts.has(sentence):
            out.append(texts.text(sentence) or "")
        for rec in group["items"]:
            out.append(f"### {int(rec['number'])}. {markdown_text(_label(texts.tr(rec['title'])))}")
            out.append(markdown_text(texts.tr(rec["text"])))
            out.append(_evidence(texts, rec, evidence, codebook, insights))
    return "\n\n".join(p for p in out if p) + "\n"
