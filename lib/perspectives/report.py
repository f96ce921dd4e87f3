"""The section runtime a report notebook talks to.

Purpose
    Keeps notebooks thin: a notebook creates one :class:`Section` from its parameters and
    calls ``section.run("gender")``, ``section.say(...)``, ``section.heading(...)``. The
    section loads the data once, runs the analyses of ``params/analyses.yml``, writes every
    table (CSV, after disclosure control) and figure (PNG; SVG too if the study asks) into
    the run's folder, shows them with captions and the n they rest on, and records every
    key number.

Inputs
    The notebook's parameters: ``country`` (ISO3 or the synthesis code, ALL), ``lang``, ``data_path``,
    ``conversations_path``, ``output_dir``, ``id_column``, ``project`` (the study folder: the
    build gives it; None takes the one around the notebook's working directory). Fixed strings (headings, captions, table words,
    narrative templates) go through :class:`perspectives.i18n.Translator` for ``lang``;
    answer and question labels come from the XLSForm's column of that language.

Outputs
    In ``output_dir``: ``tables/*.csv``, ``figures/*.png`` (and ``*.svg``), ``values.json``
    (a list of {name, value, n, country, section}), shown in the notebook as Markdown, HTML tables
    and images; nothing row-level. Every text from data or configuration (names, labels,
    answers, excerpts, titles, catalogue strings) enters the Markdown as text
    (:func:`perspectives.escape.markdown_text`) and the CSV through
    :func:`perspectives.escape.csv_cell`. With ``lang`` other than English, also
    ``missing_translations.json`` listing the strings shown in English for want of a translation.
"""

from __future__ import annotations

import dataclasses
import json
import os
import string
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from . import (
    alttext,
    analysis,
    analysis_kinds,
    analysis_masks,
    analysis_results,
    analysis_subsets,
    analysis_tables,
    disclosure,
    figures,
    figures_png,
    fmt,
    i18n,
    locales,
)
from .escape import frame_csv, markdown_fields
from .escape import markdown_text as md
from .project import Project, default, project_of
from .study import Grid, report_folder


def _subset_theme_matrix(conversations: pd.DataFrame, codebook: Any, project: Project) -> pd.DataFrame:
    """Participants raising each theme (every level) by country, once per conversations frame."""
    from . import qualitative_counts

    return analysis_subsets.cached_for_frame(conversations, "themes", "matrix",
                                     lambda: qualitative_counts.theme_matrix(conversations, codebook, level=None,
                                                                      project=project))


def survey_data(data_path: str | None, id_column: str | None = None, project: Project | None = None):
    """The validated survey (``readers.SurveyData``) of an export, read once per version of the file.

    Args:
        data_path: the export, or None for the study's embedded one.
        id_column: its respondent id column, or None for the reader's rule.
        project: the study folder, which keeps the survey (default: the one around the working directory).
    """
    from .readers import load_survey

    project = default(project)
    path = Path(data_path) if data_path else project.path(project.study.data["survey"])
    return project.cached("survey", (str(data_path or ""), id_column or None),
                          lambda: load_survey(data_path, id_column=id_column or None, project=project),
                          [path, project.study_file, project.instrument_sources / "survey.csv",
                           project.instrument_sources / "choices.csv"], keep=4)


def warm_up(data_path: str | None = None, conversations_path: str | None = None, lang: str = "en",
            id_column: str = "", countries: list[str] | None = None, decisions: str | None = None,
            gazetteer: bool = True, light: bool = False, project: str | None = None) -> None:
    """Load once what every section run loads first, in a process that then forks the runs.

    The build's fork server calls this before forking: each run then starts with the study's
    parameter files parsed, the survey read and validated (with the rows of each analysis
    population), and the fonts loaded, rather than paying for them again (about half a
    second a run). Only caches of functions of input files are filled; each run still gets
    its own copy of them and a fresh namespace. ``countries`` (the places of the runs due)
    is kept for callers and not read: no place's own rows are selected ahead (see below).
    ``decisions`` is a file of the small-cell rule's results a previous build saved: read
    first, rewritten with the results of this warm-up (see ``disclosure.load_decisions``).
    ``gazetteer``: whether runs due will screen excerpts (the synthesis, or a country that
    held conversations): the screen's place names are then read here, once.
    ``light``: for a build with a single run due, load what every run reads (the parameters,
    the survey, the saved results of the small-cell rule) but leave the populations, places
    and masks to the run, which selects and builds only those it publishes: warming them all
    ahead took most of the time of an edited section's rebuild. The saved results are then
    left as they are. ``project``: the study folder of the runs (the one its runs open with
    :meth:`Project.at`); None takes the one around the working directory.
    """
    import io

    from . import disclosure, qualitative, screen

    study_folder = project_of(project)
    study = study_folder.study
    _ = study_folder.grid
    analysis.load_specs(project=study_folder)
    disclosure.settings(project=study_folder)
    i18n.Translator(lang, project=study_folder)
    figures.use_theme(study_folder)
    survey = survey_data(str(data_path) if data_path else None, id_column or None, study_folder)
    qualitative.load_conversations(conversations_path, project=study_folder)
    # The identifying-details screen's gazetteer (a 16 MB JSON file, ~0.5 s) once, not per run.
    if gazetteer:
        screen.warm_up(study)
    # Drawing one small figure loads the fonts and the text layout machinery.
    fig = figures.share_bars(pd.DataFrame({"warm-up": [50.0]}, index=["warm-up"]), "warm-up")
    fig.savefig(io.BytesIO(), format="png")
    figures.plt.close(fig)
    if light:
        if decisions:
            disclosure.load_decisions(decisions)
        return
    # Last: a population query that does not fit the data fails here, after the rest is warm.
    # The populations' rows, pooled; each national run selects its own country's rows itself
    # (milliseconds): selected here for every place they were copies of every population,
    # the run server's largest growth with the countries (130 MB at a hundred, of 360).
    analysis_subsets.warm_subsets(survey.eligible, [], study_folder)
    # Every question's mask (the one pattern of withheld cells its tables share) once, for all runs.
    if decisions:
        disclosure.load_decisions(decisions)
    analysis.warm_masks(survey, workers=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                        else os.cpu_count() or 1)
    sample_mask(survey, study)  # every methods run's sample flow
    if decisions:
        disclosure.save_decisions(decisions)


def sample_mask(survey, study) -> disclosure.Mask:
    """The one mask of the sample flow: outcome (and first unmet criterion) by country.

    The eligible counts are the base of every other table, so they stay published here.
    Computed once per process and survey (the build's run server does it before forking:
    with a hundred countries its search takes seconds, which every methods run would pay).
    """
    from .inclusion import exclusion_summary
    from .instrument import ELIGIBILITY

    log, eligible = survey.exclusions, survey.eligible

    def compute() -> disclosure.Mask:
        places = [c.iso3 for c in study.countries
                  if (eligible["country"] == c.iso3).any() or (log["country"] == c.iso3).any()]
        countries = log["country"].where(log["country"].isin(places), "(none)")
        if (countries == "(none)").any():
            places.append("(none)")  # exclusions without a country: in the pooled column only
        # Every criterion of the form, in its order, whatever the data: a country's rows (and
        # so its pattern) must not depend on which criteria other countries' entrants failed.
        criteria = [f"criterion:{c}" for c in (*ELIGIBILITY, "not_answered")]
        columns, categories = {}, ["eligible", "partial", "no_consent", *criteria]
        for place in places:
            summary = exclusion_summary(log[countries == place])
            by_criterion = summary.query("outcome == 'disqualified' and criterion != ''")
            column = {"eligible": int((eligible["country"] == place).sum()),
                      "partial": int(summary.query("outcome == 'partial'")["n"].sum()),
                      "no_consent": int(summary.query("outcome == 'no_consent'")["n"].sum())}
            for criterion, n in zip(by_criterion["criterion"], by_criterion["n"], strict=True):
                if f"criterion:{criterion}" not in criteria:
                    raise ValueError(f"an entrant was disqualified for {criterion!r}, which is no criterion of the form")
                column[f"criterion:{criterion}"] = int(n)
            columns[place] = column
        counts = pd.DataFrame(columns).reindex(categories).fillna(0).astype(int)
        published = [f"{p}|eligible" for p in [*places, "*"]]
        lay = disclosure.layout("sample", counts, groups={"disqualified": criteria}, published=published)
        return disclosure.suppress(lay, rules=disclosure.settings(project=analysis_subsets.survey_project(survey)))

    return analysis_subsets.cached_for_frame(eligible, "mask", "sample", compute)


def runs_before(section: str, grid: Grid | None = None) -> set[str]:
    """The sections the grid runs before ``section``: its ``after``, and theirs.

    ``grid``: the run grid (default: that of the study folder around the working directory).
    """
    grid = {s.id: s for s in (grid or default().grid).sections}
    before: set[str] = set()
    todo = list(grid[section].after)
    while todo:
        name = todo.pop()
        if name not in before:
            before.add(name)
            todo.extend(grid[name].after)
    return before


class AnalysisError(RuntimeError):
    """An analysis of ``params/analyses.yml`` failed in a section; the message names it."""


class UpstreamError(RuntimeError):
    """A run read a section that ``params/grid.yml`` does not run before it, or one not built."""


@dataclasses.dataclass(frozen=True)
class Upstream:
    """What the finished runs of the sections a run reads published, for the report's texts.

    Attributes:
        values: their recorded values (``values.json``), section by section in grid order.
        shown: each published table (by CSV stem) and the questions and themes its cells count.
        reliability: whether one of their tables shows the reliability mark.
        folders: their run folders, finished.
        combined: whether one of their tables shows the mark of an answer counted in a combined one.
    """

    values: list[dict[str, Any]]
    shown: dict[str, set[str]]
    reliability: bool
    folders: tuple[Path, ...] = ()
    combined: bool = False


NOTHING_UPSTREAM = Upstream(values=[], shown={}, reliability=False)

# Under a theme table that says none, some or all rather than counts (see Section.survivor_themes).
THEMES_PRESENCE_NOTE = ("Most counts by theme for {place} would be withheld under the small-cell rule (a count "
                        "below {threshold}, or one leaving fewer than {threshold}, is not shown): the table says "
                        "instead whether none, some or all of the participants raised each theme.")
# Said instead of a theme table whose every cell would be withheld.
THEMES_NOT_SHOWN = ("The themes raised in the conversations in {place} are not shown: with so few participants, "
                    "every count by theme would be withheld under the small-cell rule.")


def read_upstream(sections_dir: Path, section: str, report: str, reads: Iterable[str],
                  grid: Grid | None = None) -> Upstream:
    """The one way a run reads other sections' outputs: finished runs the build ran before it.

    A section's run reads only the run folders of the sections ``params/grid.yml`` lists in
    its ``after`` (directly or through them): the build starts it once those runs are in
    place, so what it reads is finished and stays so while it runs. Every other folder (a
    section still running, written in a hidden ``.<id>.tmp-*`` folder beside, or one that is
    not running yet) is never looked at.

    Args:
        sections_dir: the folder of the report's run folders (``outputs/<REPORT>/sections``).
        section: the id of the section reading.
        report: the report's code, for the messages.
        reads: the ids of the sections it reads.
        grid: the run grid (default: that of the study folder around the working directory).

    Returns:
        An :class:`Upstream` of those runs.

    Raises:
        UpstreamError: a section read is not run before this one (name it in ``after``), or
            it has no finished run in ``sections_dir`` (build it first).
    """
    grid = grid or default().grid
    before = runs_before(section, grid)
    grid = {s.id: s for s in grid.sections}
    reads = [s.id for s in grid.values() if s.id in set(reads)]
    undeclared = [name for name in reads if name not in before]
    if undeclared:
        raise UpstreamError(
            f"section {section!r} reads the outputs of {', '.join(map(repr, undeclared))}, which params/grid.yml "
            f"does not run before it, so they could be read while they are being written. Fix: add them to "
            f"{section!r}'s after: list in params/grid.yml")
    values: list[dict[str, Any]] = []
    shown: dict[str, set[str]] = {}
    reliability = combined = False
    for name in reads:
        folder = Path(sections_dir) / name
        if not (folder / "values.json").is_file():
            raise UpstreamError(f"section {section!r} of {report} reads section {name!r}, which has not been run "
                                f"for {report}. Fix: build it first (perspectives build without --section), or "
                                f"run its notebook first")
        values.extend(json.loads((folder / "values.json").read_text(encoding="utf-8")))
        for path in sorted((folder / "tables").glob("*.disclosure.json")):
            cells = json.loads(path.read_text(encoding="utf-8"))
            shown.setdefault(path.name[: -len(".disclosure.json")], set()).update(
                str((c.get("cells") or {}).get("universe")) for c in cells)
        tables = [path.read_text(encoding="utf-8") for path in sorted((folder / "tables").glob("*.csv"))]
        reliability = reliability or any(disclosure.RELIABILITY_MARK in text for text in tables)
        combined = combined or any(disclosure.COMBINED_MARK in text for text in tables)
    return Upstream(values=values, shown=shown, reliability=reliability,
                    folders=tuple(Path(sections_dir) / name for name in reads), combined=combined)


class Section:
    """One run of one section notebook for one report."""

    def __init__(self, section: str, country: str | None = None, lang: str = "en", data_path: str | None = None,
                 conversations_path: str | None = None, output_dir: str | None = None, id_column: str = "",
                 project: Project | str | None = None) -> None:
        """Start the run of ``section`` for the report ``country``.

        Args:
            section: the section's id in the grid.
            country: an ISO3 code, or the synthesis code (None: the synthesis).
            lang: the report's language.
            data_path: a survey export (None: the study's embedded one).
            conversations_path: a conversations file (None: the study's embedded one).
            output_dir: the run's folder (None: ``outputs/scratch/<report>/<section>`` of the study folder).
            id_column: the export's id column ("": the reader's rule).
            project: the study folder (a folder, as the notebook's parameter gives it, or a
                :class:`perspectives.project.Project`); None takes the one around the
                working directory.
        """
        self.project = project_of(project)
        self.study = self.project.study
        self.synthesis = self.study.synthesis_code
        country = self.synthesis if country is None else country
        known = {c.iso3 for c in self.study.countries} | {self.synthesis}
        if country not in known:
            raise ValueError(f"unknown country {country!r}; use one of {sorted(known)}")
        sections = {s.id: s for s in self.project.grid.sections}
        if section not in sections:
            raise ValueError(f"unknown section {section!r}; known: {sorted(sections)}")
        self.section, self.country, self.lang = section, country, lang
        figures.use_theme(self.project)
        self.t = i18n.Translator(lang, project=self.project)
        self.title = self.t(sections[section].title)
        self.data_path = data_path
        self.id_column = id_column or None  # the export's id column (--id-column); None: the reader's rule
        self.conversations_path = conversations_path
        default_dir = self.project.outputs / "scratch" / report_folder(country, self.study) / section
        self.output_dir = Path(output_dir) if output_dir else default_dir
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.values: list[dict[str, Any]] = []
        # (recorded name, country) -> true value of each value the masks withhold: in memory
        # only (finish() writes self.values, never this), for in-process comparisons.
        self.withheld: dict[tuple[str, str], Any] = {}
        self.notes: list[str] = []
        # Published numbers of the analyses written in the notebook, by recorded name (for say()).
        self.v: dict[str, analysis_results.Cell] = {}
        # Country names from CLDR in the report's language (the study's English names in
        # English); the pooled picture named with the study's count in the language's own words.
        self.names = {c.iso3: self.t.country(c.iso3) for c in self.study.countries}
        self.names[self.synthesis] = self.t.plural("All {count} countries", len(self.study.countries))
        self._pooled_place = self.t.plural("the {count} countries", len(self.study.countries))
        self._pooled_checked = False
        self._upstream: Upstream | None = None

    # ------------------------------------------------------------------ data
    @property
    def survey(self):
        """The validated survey (eligible completes, exclusion log, source stamp)."""
        survey = survey_data(str(self.data_path) if self.data_path else None, self.id_column, self.project)
        if not self._pooled_checked:
            # A partner's export may hold one country only: the pooled column then says what
            # it pools instead of claiming every country of the study.
            present = sorted(set(survey.eligible["country"]))
            if set(present) != {c.iso3 for c in self.study.countries}:
                self.names[self.synthesis] = self.t("All countries in the data ({n})", n=len(present))
                self._pooled_place = self.t("the countries in the data")
            self._pooled_checked = True
        return survey if self.t.is_default else i18n.LocalisedSurvey(survey, self.t)

    @property
    def place(self) -> str:
        """How the narrative names the report's population."""
        return self._pooled_place if self.country == self.synthesis else self.names[self.country]

    @property
    def is_synthesis(self) -> bool:
        """Whether this run is the synthesis (all countries pooled)."""
        return self.country == self.synthesis

    # ------------------------------------------------------------------ display
    def header(self) -> None:
        """The section's title as the report's heading, then the chapter's opening paragraph."""
        from . import texts

        display(Markdown(f"# {md(self.title)}"))
        intro = texts.chapter_intro(self.texts(), self.section, synthesis=self.is_synthesis,
                                    conversations=self._conversations_held, skip=texts.FRONT_CHAPTERS)
        if intro:
            self._paragraph(intro)

    @property
    def _conversations_held(self) -> bool:
        from . import qualitative_counts

        return qualitative_counts.has_conversations(None if self.is_synthesis else self.country, project=self.project)

    def texts(self, upstream: Upstream = NOTHING_UPSTREAM):
        """The report's fixed texts (``params/report_texts.yml``) in its language, filled for it.

        Args:
            upstream: what the report's other sections published (:meth:`report_so_far`), for
                the texts that state counts and the conditions they set; without it only the
                study's own facts fill the texts.

        Returns:
            A :class:`perspectives.texts.Texts`.
        """
        import datetime as dt

        from . import locales, qualitative_recommendations, summary, texts

        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        date = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date() if epoch else None
        settings = disclosure.settings(project=self.project)
        values = upstream.values
        own = self.synthesis if self.is_synthesis else self.country
        conditions = texts.report_conditions(
            national=not self.is_synthesis, conversations=self._conversations_held,
            pooled=summary.pooled_beside(values, own, self.synthesis), countries=len(self.study.countries),
            tests=summary.prints_a_test(values, own), reliability=upstream.reliability,
            combined=upstream.combined)
        if texts.synthetic_survey(self.data_path, self.study):
            conditions.add("synthetic")
        report = texts.Texts(self.t, texts.report_fields(self.study, self.t, own, place=self.place, date=date),
                             conditions)
        texts.with_partners(report, self.study)
        groups = [self.t(g["title"]) for g in qualitative_recommendations.load_recommendations(project=self.project)]
        report.fields.update({
            "threshold": settings.threshold, "reliability_min_n": settings.reliability_min_n,
            "withheld_mark": disclosure.WITHHELD_MARK, "reliability_mark": disclosure.RELIABILITY_MARK,
            "combined_mark": disclosure.COMBINED_MARK, "alpha": texts.p_text(summary.ALPHA),
            "n_experts": qualitative_recommendations.roundtable_experts(project=self.project),
            "group_list": locales.join(groups, self.lang),
        })
        summary.with_counts(report, values, own)
        return report

    def report_so_far(self) -> Upstream:
        """What the report's other sections published, for a run that states their findings.

        Those are every section of the grid but this one and the sections run after it; each
        must be run before this one (``after:`` in ``params/grid.yml``), else
        :class:`UpstreamError` is raised rather than reading a run that may be half written.
        Read once per run.
        """
        if self._upstream is None:
            grid = self.project.grid
            later = {s.id for s in grid.sections if self.section in runs_before(s.id, grid)}
            reads = [s.id for s in grid.sections if s.id != self.section and s.id not in later]
            self._upstream = read_upstream(self.output_dir.parent, self.section, self.country, reads, grid)
        return self._upstream

    def front_matter(self) -> None:
        """The acknowledgements and the definitions (``params/report_texts.yml``)."""
        from . import texts

        report = self.texts(self.report_so_far())
        for part in (texts.acknowledgements(report), texts.definitions(report)):
            if part:
                self._paragraph(part)

    def introduction(self) -> None:
        """The introduction with the objectives, and the methods with their limitations."""
        from . import texts

        report = self.texts(self.report_so_far())
        for part in (texts.introduction(report, synthesis=self.is_synthesis, conversations=self._conversations_held),
                     texts.methods(report, synthesis=self.is_synthesis, conversations=self._conversations_held)):
            if part:
                self._paragraph(part)

    def heading(self, text: str, level: int = 2) -> None:
        """A heading of ``level`` (default 2) in the report; ``text`` is shown as it is written."""
        display(Markdown(f"{'#' * level} {md(text)}"))

    def _paragraph(self, text: str) -> None:
        """A paragraph of narrative already filled and translated: Markdown whose texts are escaped.

        Its shares are written as the report's language writes them (CLDR), but in a quote.
        """
        display(Markdown(locales.percents_in_text(text, self.lang)))

    def say(self, template: str, **fields: Any) -> None:
        """A paragraph written in the notebook, in the report's language, with its numbers.

        The template goes through the language's catalogue (a missing translation falls back
        to English and is listed), then its fields are filled: ``{place}`` (the report's
        population), ``{v[NAME]}`` (a number published by ``crosstab`` or ``table`` in this
        run, by its recorded name without the measure: ``{v[barriers_by_gender.stigma_shame.female].pct}``;
        ``.n``, ``.pct`` and ``.pct_n`` choose the form) and any ``fields`` given (shown as
        text: Markdown or HTML in a field is not read as markup). A sentence
        that would print a withheld number is dropped, and one note says numbers are withheld.

        Raises:
            KeyError: a field or a recorded name the run does not have.
            TypeError: a field is a number: numbers reach a sentence only as ``v[...]``, published
                through the masks (a number computed in the cell could be a small cell).
        """
        numbers = sorted(k for k, v in fields.items() if isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
        if numbers:
            raise TypeError(f"say(): {', '.join(numbers)} {'is a number' if len(numbers) == 1 else 'are numbers'}; "
                            "publish numbers with section.crosstab(...) and quote them as {v[NAME]}")
        self._paragraph(analysis_results.fill(self.t(template), self._withheld_note(), place=md(self.place),
                                      v=self.v, **markdown_fields(fields)))

    def _record(self, name: str, value: Any, n: int | None = None, country: str | None = None, **extra: Any) -> None:
        """Record a number of this run that is not a count of respondents (an age range, a count of excerpts)."""
        self.values.append({"name": name, "value": value, "n": n, "country": country or self.country,
                            "section": self.section, **extra})

    def show_table(self, table: disclosure.PublishedTable, stem: str, caption: str, result: str | None = None,
                   extra_notes: Sequence[str] = ()) -> None:
        """Write a published table as CSV and show it.

        Only a :class:`perspectives.disclosure.PublishedTable` is accepted: every number in it
        came from a disclosure mask. Beside the CSV, ``tables/<stem>.disclosure.json`` says for
        each cell that shows a count or a share which cells of which question it sums, so that
        the audit (:mod:`perspectives.audit`) can check the table without recomputing it.
        ``result`` names the analysis the table shows: the assembler moves the table of a
        result that has a chart to the annex (:mod:`perspectives.outline`). The notes for
        the marks the table's own cells use go with it, in the report's language, after them
        ``extra_notes`` (already in the report's language).

        Raises:
            TypeError: ``table`` did not come from :mod:`perspectives.disclosure`.
        """
        if not isinstance(table, disclosure.PublishedTable):
            raise TypeError(f"show_table accepts only a disclosure.PublishedTable, got {type(table).__name__}")
        caption = locales.percents_in_text(caption, self.lang)
        folder = self.output_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        frame = i18n.translate_frame(table.frame, self.t, (*i18n.TABLE_WORDS, *analysis_tables.combination_label_texts(self.project)))
        # Row labels that are shares ("0-25%") as the language writes them, as the cells are at assembly.
        if not self.t.is_default and not isinstance(frame.index, pd.MultiIndex):
            frame.index = pd.Index([locales.percents_in_text(str(label), self.lang) for label in frame.index],
                                   name=frame.index.name)
        flat = frame.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = [" ".join(str(part) for part in col if part) for col in flat.columns]
        # Spreadsheets read a cell starting with "=", "+", "-" or "@" as a formula: neutralised.
        (folder / f"{stem}.csv").write_bytes(frame_csv(flat, index_label="").encode("utf-8"))
        # Positions are the CSV's data rows and columns (0-based, the index column not counted).
        (folder / f"{stem}.disclosure.json").write_text(
            "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                              for item in table.describe()) + "\n]\n", encoding="utf-8")
        self._note(table.notes)
        # Marked as a caption so the DOCX renderer gives it Word's Caption style.
        display(Markdown("*" + md(self.t("Table: {caption}", caption=caption)) + "*"),
                metadata={"perspectives": {"kind": "caption", "of": "table"}})
        # The metadata lets other renderers (DOCX) rebuild a native table from the CSV.
        settings = disclosure.settings(project=self.project)
        notes = [self._note_text(n) for n in disclosure.notes_for([table], settings.threshold,
                                                                   settings.reliability_min_n)]
        notes = [locales.percents_in_text(note, self.lang) for note in [*notes, *extra_notes]]
        display(HTML(frame.to_html(classes="report-table", na_rep="", border=0)),
                metadata={"perspectives": {"kind": "table", "csv": f"tables/{stem}.csv", "caption": caption,
                                           **({"result": result} if result else {}),
                                           **({"notes": notes} if notes else {})}})

    def show_figure(self, fig, stem: str, caption: str, result: str | None = None) -> None:
        """Save ``fig`` under ``stem`` in the study's formats and show it with its caption.

        The numbers the chart drew go with it: the assembler writes the figure's text
        alternative from them. ``result`` names the analysis it draws (see :meth:`show_table`).
        """
        # The numbers the chart drew go with it: the assembler writes its text alternative from them.
        chart = alttext.attached(fig)
        # Words a chart draws itself (an axis label) in the report's language where the catalogue has them.
        for text in fig.findobj(figures.plt.Text):
            if text.get_text() in self.t.catalogue:
                text.set_text(self.t(text.get_text()))
            # The values on the bars too: shares as the report's language writes them.
            text.set_text(locales.percents_in_text(text.get_text(), self.lang))
        caption = locales.percents_in_text(caption, self.lang)
        png = figures_png.save(fig, self.output_dir / "figures", stem, self.study.figure_formats)
        # The words drawn into the picture, for the check of what a reader meets in English.
        texts = sorted({t.get_text() for t in fig.findobj(figures.plt.Text) if t.get_visible() and t.get_text().strip()})
        display(Image(data=png, format="png"),
                metadata={"perspectives": {"kind": "figure", "png": f"figures/{stem}.png", "caption": caption,
                                           "texts": texts, **({"result": result} if result else {}),
                                           **({"chart": chart.to_json()} if chart else {})}})
        display(Markdown(f"*{md(caption)}*"), metadata={"perspectives": {"kind": "caption", "of": "figure"}})

    # ------------------------------------------------------------------ analyses
    def run(self, analysis_id: str, show_table: bool = True) -> analysis.Result:
        """Compute, publish and narrate one analysis of ``params/analyses.yml``.

        The table, the figure, the sentence and the recorded values all read the analysis's
        one disclosure mask: a sentence that would print a withheld number is dropped and a
        note says that some numbers are withheld.

        Raises:
            AnalysisError: the analysis failed; the message names it (the build names the cell).
        """
        spec = analysis.spec(analysis_id, self.project)
        if spec.get("synthesis_only") and not self.is_synthesis:
            return None
        survey = self.survey
        try:
            return self._run(analysis_id, spec, survey, show_table)
        except Exception as error:
            raise AnalysisError(f"analysis {analysis_id!r} of params/analyses.yml failed: "
                                f"{type(error).__name__}: {error}") from error

    def _run(self, analysis_id: str, spec: dict[str, Any], survey: Any, show_table: bool) -> analysis.Result:
        result = analysis.run(analysis_id, survey, self.country, self.names, lang=self.lang)
        for value in result.values:
            value["section"] = self.section
        self.values.extend(result.values)
        self.withheld.update(result.withheld)
        cells = result.context
        if not self.t.is_default:
            result.context = i18n.translate_fields(result.context, self.t,
                                                   disclosure.settings(project=self.project).threshold)
        if spec.get("text"):
            if spec.get("question") == analysis_masks.COUNTRY_QUESTION and not self.t.is_default:
                # Counted on the analysis's own cells: the translated fields wrap them, and are no Cell.
                result.context.update(analysis_kinds.country_fields(cells, self.names, self.t, self.t.plural, self.lang,
                                                              study=self.study))
            # The sentence's fields (names, lists of countries) are text; its cells are numbers.
            narrated = dataclasses.replace(result, context=markdown_fields(result.context))
            self._paragraph(narrated.narrative(spec["text"], md(self.place), self._withheld_note(), tr=self.t))
        figure = spec.get("figure")
        caption_base = self.t(figure["caption"] if figure else spec.get("caption")
                              or analysis_id.replace("_", " ").capitalize())
        where = self.names[self.country]
        caption = self._caption_with_base(result, caption_base, where)
        if figure:
            # The reference report's figure number, when the entry gives one; the report's own
            # numbers are given at assembly (perspectives.outline), so a new figure needs none.
            number = figure.get("number")
            if number is not None:
                caption = self.t("Figure {number}. {caption}", number=number, caption=caption)
            self._draw(result, spec, f"fig{number:02d}_{analysis_id}" if number is not None else f"fig_{analysis_id}",
                       caption)
        # A breakdown by something other than country adds its cross-table; the pooled table is
        # shown by the analysis of that question already.
        breakdown_only = spec.get("by") not in (None, "country")
        if show_table and result.table is not None and not result.table.empty and not breakdown_only:
            self.show_table(result.table, analysis_id, self.t("{caption} — {place}", caption=caption_base, place=where),
                            result=analysis_id)
        by_country = spec.get("by") == analysis_masks.COUNTRY_QUESTION
        if self.is_synthesis and spec.get("by") and f"by_{spec['by']}" in result.tables:
            by_table = result.tables[f"by_{spec['by']}"]
            # Another breakdown is named by the analysis's own caption ("... by type of organisation").
            by_caption = (self.t("{caption} by country (counts and column %)", caption=caption_base) if by_country
                          else self.t("{caption} (counts and column %)", caption=caption_base))
            self.show_table(by_table, f"{analysis_id}_by_{spec['by']}", by_caption, result=analysis_id)
        if self.is_synthesis and "by_means" in result.context:
            means = result.context["by_means"]
            mean_caption = self.t("{caption}: mean by country", caption=caption_base)
            self.show_figure(figures.country_means(means, mean_caption, self.t("Mean (%)"), self.study),
                             f"{analysis_id}_means", mean_caption, result=analysis_id)
        if result.test is not None and not any("{test}" in t for t in analysis_results.template_texts(spec.get("text"))):
            self._say_test(result, self.t("countries") if by_country else self.t(spec["by"].replace("_", " ")))
        self._note(result.notes)
        return result

    # ------------------------------------------------------------------ analyses written in the notebook
    def crosstab(self, question: str, by: str, *, test: str | None = None, name: str | None = None,
                 caption: str | None = None, figure: bool = True) -> analysis.Result:
        """Publish a crosstab written in the notebook: answers to ``question`` by ``by``'s groups.

        The table, its figure and its recorded values go through the same disclosure control
        as every analysis (:func:`perspectives.analysis.crosstab`), for the report's own
        respondents; the numbers are then available to :meth:`say` as ``v["NAME.ANSWER.GROUP"]``.

        Args:
            question: a select-one or select-multiple question of the form.
            by: a select-one question (the columns).
            test: ``"chi2"`` to test independence and say the result.
            name: the recorded values' prefix (default ``<question>_by_<by>``).
            caption: the table's and figure's caption (default: the two questions' labels).
            figure: draw the shares by group as bars.

        Returns:
            The published result (see :func:`perspectives.analysis.crosstab`).
        """
        result = analysis.crosstab(self.survey, question, by, self.country, self.names, name=name, test=test)
        instrument = self.survey.instrument
        caption = self.t(caption) if caption else self.t("{question} by {by}", question=instrument.label(question),
                                                          by=instrument.label(by))
        self._publish(result, caption, figure)
        if result.test is not None:
            self._say_test(result, instrument.label(by))
        return result

    def _caption_with_base(self, result: analysis.Result, caption: str, where: str) -> str:
        """A result's caption with the base it rests on: ``(n = 54)``, or each group's (:meth:`_group_bases`)."""
        if result.group_bases:
            return self.t("{caption} — {place} ({bases})", caption=caption, place=where,
                          bases=self._group_bases(result.group_bases))
        n_text = disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}"
        return self.t("{caption} — {place} (n = {n})", caption=caption, place=where, n=n_text)

    def _group_bases(self, bases: dict[str, int | None]) -> str:
        """Each group's base as a caption states it: ``girls n = 46; boys n = 28``, in the report's language.

        A group is named by its word as a table heads it (``Girls``), in the report's
        language and, inside the caption's parentheses, with a small first letter.
        """
        parts = []
        for word, n in bases.items():
            group = self.t(word)
            parts.append(self.t("{group} n = {n}", group=group[:1].lower() + group[1:],
                                n=disclosure.WITHHELD_MARK if n is None else locales.decimal_text(n, 0, self.lang)))
        return "; ".join(parts)

    def _say_test(self, result: analysis.Result, by: str) -> None:
        """The test's sentence, or why it is not shown (its table has withheld cells)."""
        if result.test_withheld:
            self._paragraph(self.t("The test across {by} is not shown: its table has withheld cells, which "
                                   "its statistic could reveal.", by=md(by)))
            return
        template = ("Test across {by}: {test} (some expected counts are small; read with care)."
                    if getattr(result.test, "small_expected", False) else "Test across {by}: {test}.")
        self._paragraph(self.t(template, by=md(by), test=md(fmt.fmt_test(result.test))))

    def figure(self, result: analysis.Result, caption: str, kind: str = "bars") -> None:
        """Draw a published result's shares (withheld cells are not drawn).

        Args:
            result: what :meth:`crosstab` returned.
            caption: the caption (translated through the catalogue).
            kind: ``"bars"`` (grouped bars) or ``"stacked"`` (one bar per group).

        Raises:
            ValueError: an unknown kind.
        """
        if kind not in ("bars", "stacked"):
            raise ValueError(f"figure kind must be 'bars' or 'stacked', not {kind!r}")
        self._draw_shares(result, self.t(caption), kind)

    def _draw_shares(self, result: analysis.Result, caption: str, kind: str = "bars") -> None:
        title = self.t("{caption} — {place}", caption=caption, place=self.names[self.country])
        shares = result.shares if kind == "bars" else result.shares.T
        fig = figures.share_bars(shares, title) if kind == "bars" else figures.stacked_shares(shares, title)
        self.show_figure(fig, f"{result.analysis_id}_{kind}", title, result=result.analysis_id)

    def _publish(self, result: analysis.Result, caption: str, figure: bool) -> None:
        """Record, show and (optionally) draw a result computed for this run."""
        for value in result.values:
            value["section"] = self.section
        self.values.extend(result.values)
        self.withheld.update(result.withheld)
        self.v.update({k: v for k, v in result.context.items() if isinstance(v, analysis_results.Cell)})
        n_text = disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}"
        where = self.names[self.country]
        self.show_table(result.table, result.analysis_id,
                        self.t("{caption} — {place} (n = {n})", caption=caption, place=where, n=n_text),
                        result=result.analysis_id)
        if figure and result.shares is not None:
            self._draw_shares(result, caption)

    def _withheld_note(self) -> str:
        """Said once where a sentence was dropped because its number is withheld."""
        # It stands before a chart as often as before a table: it names neither.
        return self.t("Some numbers for {place} are withheld under the small-cell rule; only those that can be "
                      "published are shown.", place=md(self.place))

    def _draw(self, result: analysis.Result, spec: dict, stem: str, caption: str) -> None:
        title = self.t("{caption} — {place}", caption=self.t(spec["figure"]["caption"]), place=self.names[self.country])
        if result.figure_kind == "stacked" and result.shares is not None:
            fig = figures.stacked_shares(result.shares, title)
            if result.shares.isna().any().any():
                caption += ". " + self.t("Hatched grey segments are withheld or combined under the small-cell rule.")
        elif self.is_synthesis and "by_safe_shares" in result.context and spec.get("by") == "country":
            shares = result.context["by_safe_shares"].T
            fig = figures.country_shares(shares, title, self.study)
            if shares.isna().any().any():
                # Many countries are drawn as dots (figures.country_shares): no segments then.
                caption += ". " + self.t("Hatched grey segments are withheld or combined under the small-cell rule."
                                         if len(shares) <= self.study.many_countries
                                         else "Withheld values are not drawn (small-cell rule).")
        elif result.shares is not None:
            # Series named by fixed words (Girls, Boys) and combined answers take the report's
            # language, as in the tables.
            shares = i18n.translate_frame(result.shares, self.t, (*i18n.TABLE_WORDS, *analysis_tables.combination_label_texts(self.project)))
            fig = figures.share_bars(shares, title)
        else:
            return
        self.show_figure(fig, stem, caption, result=result.analysis_id)

    # ------------------------------------------------------------------ end
    def finish(self) -> Path:
        """Explain the marks used and write ``values.json``; returns its path."""
        if self.notes:
            # Marked, so a report that notes the marks under each table can leave it out.
            display(Markdown(f"**{md(self.t('Notes on the tables.'))}** " + " ".join(md(self._note_text(n))
                                                                                   for n in self.notes)),
                    metadata={"perspectives": {"kind": "notes"}})
        self.t.write_missing(self.output_dir)
        path = self.output_dir / "values.json"
        path.write_text(json.dumps(self.values, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path

    # ------------------------------------------------------------------ sample flow
    def sample_flow(self) -> None:
        """Responses received, excluded (partial; disqualified by criterion) and analysed."""
        mask = self._sample_mask()
        own = "*" if self.is_synthesis else self.country
        criteria = [c for c in mask.layout.categories if c.startswith("criterion:")]
        t = self.t
        rows = {t("Eligible and complete (analysed)"): "eligible", t("Partial responses"): "partial",
                t("Disqualified by an eligibility question"): "disqualified", t("Did not consent"): "no_consent"}
        total = t("All responses received")
        table = disclosure.table({
            t("Responses"): {**{label: mask.n(f"{own}|{key}") for label, key in rows.items()},
                             total: mask.base_n(f"{own}|*")},
            "%": {**{label: mask.pct(f"{own}|{key}") for label, key in rows.items()}, total: disclosure.text("")},
        })
        self.show_table(table, "sample_flow", t("What happened to the responses — {place}", place=self.names[self.country]))
        labels = {name: self.survey.instrument.label(name.split(":", 1)[1]) for name in criteria
                  if name.split(":", 1)[1] in self.survey.instrument.questions}
        labels["criterion:not_answered"] = t("Stopped at the eligibility questions")
        # Every criterion is listed, zero or not: leaving out the zeros would tell a withheld
        # cell from a zero.
        present = criteria
        if present:
            of = f"{own}|disqualified"
            crit_table = disclosure.table({
                t("Disqualified"): {labels.get(c, c): mask.n(f"{own}|{c}") for c in present},
                "%": {labels.get(c, c): mask.pct(f"{own}|{c}", of=of) for c in present},
            })
            self.show_table(crit_table, "disqualified_by_criterion", t("First eligibility criterion not met"))
        for name, key in (("responses", "*"), ("eligible", "eligible"), ("partial", "partial"),
                          ("disqualified", "disqualified")):
            self.values.append(self._cell_value(mask, f"{own}|{key}", f"sample.{name}.n", of=f"{own}|*"))
        for criterion in criteria:
            self.values.append(self._cell_value(mask, f"{own}|{criterion}",
                                                f"sample.disqualified.{criterion.split(':', 1)[1]}.n",
                                                of=f"{own}|disqualified"))
        fields = {key: analysis_results.Cell(mask, f"{own}|{key}") for key in ("eligible", "partial", "disqualified")}
        total_n = mask.count(f"{own}|*")
        self._paragraph(analysis_results.fill(
            t("Of {total} responses received for {place}, {eligible} were eligible and complete and are "
              "analysed here; {partial} stopped before the end and {disqualified} did not meet an "
              "eligibility criterion."),
            self._withheld_note(), total=analysis_results.WITHHELD if total_n is None else f"{total_n:,}", place=md(self.place),
            **{key: cell.n for key, cell in fields.items()}))

    def _cell_value(self, mask: disclosure.Mask, cell: str, name: str, **extra: Any) -> dict[str, Any]:
        """A recorded value of a mask's cell, tagged with this run's section and country."""
        country = extra.pop("country", self.country)
        measure, of = extra.pop("measure", "count"), extra.pop("of", None)
        entry = mask.record(cell, name, measure, of=of, country=country)
        entry["section"] = self.section
        if entry["suppressed"]:
            true = mask.withheld_value(cell)
            base = mask.withheld_value(of or mask.base_of(cell))
            self.withheld[(name, country)] = true if measure == "count" else (100.0 * true / base if base else None)
        return entry

    def _sample_mask(self) -> disclosure.Mask:
        """The one mask of the sample flow (see :func:`sample_mask`)."""
        return sample_mask(self.survey, self.study)

    # ------------------------------------------------------------------ survivors
    @property
    def conversations(self):
        """The coded conversation segments, validated (see :func:`perspectives.qualitative.load_conversations`)."""
        from . import qualitative

        return qualitative.load_conversations(self.conversations_path, project=self.project)

    def conversations_sample(self) -> None:
        """Who took part in the conversations (counts only), or a plain note where none were held."""
        from . import qualitative_counts

        country = None if self.is_synthesis else self.country
        self._paragraph(md(qualitative_counts.conversations_note(country, self.participants, translate=self.t,
                                                                 project=self.project)))
        if not qualitative_counts.has_conversations(country, project=self.project):
            return
        participants = self.participants
        places = [c.iso3 for c in self.study.countries if (participants["country"] == c.iso3).any()]
        counts = pd.crosstab(participants["gender"], participants["country"]).reindex(
            index=["female", "male"], columns=places, fill_value=0)
        mask = analysis_subsets.cached_for_frame(participants, "mask", "conversations.gender",
                                lambda: disclosure.suppress(disclosure.layout("conversations.gender", counts),
                                                            rules=disclosure.settings(project=self.project)))
        rows = places if self.is_synthesis else [self.country]
        women, men, everyone = self.t("Young women"), self.t("Young men"), self.t("All")
        table = disclosure.table({
            women: {self.names.get(p, p): mask.n(f"{p}|female") for p in rows},
            men: {self.names.get(p, p): mask.n(f"{p}|male") for p in rows},
            everyone: {self.names.get(p, p): mask.base_n(f"{p}|*") for p in rows},
        })
        self.show_table(table, "conversation_participants",
                        self.t("Conversation participants by gender — {place}", place=self.names[self.country]))
        _, values = qualitative_counts.participant_summary(participants, country)
        low, high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                     for c in ("age_at_conversation.min", "age_at_conversation.max"))
        first_low, first_high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                                 for c in ("age_first_targeted.min", "age_first_targeted.max"))
        self._paragraph(self.t("Participants were aged {low} to {high} at the time of the conversation; the ages "
                        "at which they were first targeted ranged from {first_low} to {first_high}.",
                        low=low, high=high, first_low=first_low, first_high=first_high))
        own = "*" if self.is_synthesis else self.country
        # Counts of people go through the mask; the age ranges are recorded as they are.
        self.values.append(self._cell_value(mask, f"{own}|*", "conversations.participants.n"))
        for gender in ("female", "male"):
            self.values.append(self._cell_value(mask, f"{own}|{gender}", f"conversations.{gender}.n"))
        for place in (places if self.is_synthesis else [self.country]):
            self.values.append(self._cell_value(mask, f"{place}|*", f"conversations.{place}.n"))
        for name, value, n in values:
            if ".age_" in name:
                self._record(name, value, n=n)

    @property
    def participants(self):
        """The conversation participants, validated (see :func:`perspectives.qualitative.load_participants`)."""
        from . import qualitative

        return qualitative.load_participants(qualitative.participants_source(self.conversations_path),
                                             project=self.project)

    def _note_text(self, note: str) -> str:
        """A table note in the report's language: through its template when it explains a mark."""
        settings = disclosure.settings(project=self.project)
        fields = {"threshold": settings.threshold, "reliability_min_n": settings.reliability_min_n}
        for mark, template in disclosure.NOTES.items():
            if note == template.format(mark=mark, **fields):
                return self.t(template, mark=mark, **fields)
        return self.t(note)

    def _note(self, notes: Iterable[str]) -> None:
        for note in notes:
            if note not in self.notes:
                self.notes.append(note)

    def _theme_masks(self, codes: list[str]) -> dict[str, disclosure.Mask]:
        """One mask per theme: participants who raised it (or not) by country, with the pooled count."""
        from . import qualitative

        conversations = self.conversations
        codebook = qualitative.load_codebook(project=self.project)
        matrix = _subset_theme_matrix(conversations, codebook, self.project)
        places = list(matrix.columns)
        out_of = conversations.groupby("country")["participant_id"].nunique().reindex(places).fillna(0).astype(int)
        masks = {}
        for code in codes:
            counts = pd.DataFrame([matrix.loc[code], out_of - matrix.loc[code]], index=["yes", "no"])
            masks[code] = analysis_subsets.cached_for_frame(
                conversations, "mask", f"theme:{code}",
                lambda counts=counts, code=code: disclosure.suppress(
                    disclosure.layout(f"themes.{code}", counts, shown=["yes"]),
                    rules=disclosure.settings(project=self.project)))
        return masks

    @staticmethod
    def _counted(masks: dict[str, disclosure.Mask], place: str) -> bool:
        """Whether a place's participants are enough for counts by theme (at least twice the threshold).

        With fewer, a count other than none or all of them is below the threshold or leaves
        fewer than it: the small-cell rule could print no count but those, so the table says
        instead whether none, some or all of them raised the theme.
        """
        mask = next(iter(masks.values()), None)
        return mask is not None and mask.layout.value(f"{place}|*") >= 2 * mask.threshold

    @staticmethod
    def _mostly_published(masks: dict[str, disclosure.Mask], place: str) -> bool:
        """Whether at least half of a place's counts by theme can be published.

        A table of counts most of whose cells are withheld tells a reader little but that the
        numbers are small; where so, the table says none, some or all instead (:meth:`_presence`).
        """
        shown = sum(mask.count(f"{place}|yes") is not None for mask in masks.values())
        return 2 * shown >= len(masks)

    def _presence(self, mask: disclosure.Mask, place: str) -> disclosure.Entry:
        """None, some or all of a place's participants raised a theme, as its mask publishes it."""
        count, base = mask.count(f"{place}|yes"), mask.count(f"{place}|*")
        if count is None:
            # Withheld on a base of at least the threshold: neither none nor all of them.
            return disclosure.text(self.t("some") if base is not None and base >= mask.threshold
                                   else disclosure.WITHHELD_MARK)
        return disclosure.text(self.t("none") if count == 0 else self.t("all") if count == base else self.t("some"))

    def _national_presence(self, masks: dict[str, disclosure.Mask], codes: list[str], labels: dict[str, str],
                           caption: str) -> None:
        """A national theme table most of whose counts would be withheld: none, some or all, or one sentence.

        Each cell is what the theme's mask publishes (:meth:`_presence`); where even that is
        withheld in every row, the table is not printed and one sentence says why.
        """
        place = md(self.names[self.country])
        cells = {labels[c]: self._presence(masks[c], self.country) for c in codes}
        if all(cell.text == disclosure.WITHHELD_MARK for cell in cells.values()):
            self._paragraph(self.t(THEMES_NOT_SHOWN, place=place))
            return
        threshold = next(iter(masks.values())).threshold
        note = self.t(THEMES_PRESENCE_NOTE, place=self.names[self.country], threshold=threshold)
        self.show_table(disclosure.table({self.t("Participants"): cells}), f"themes_{self.section}", caption,
                        extra_notes=[note])

    @staticmethod
    def _presence_note(threshold: int) -> str:
        # Filled in English like the other notes; finish() translates each note.
        return (f"Where fewer than {2 * threshold} people took part, a count by theme could be printed only as "
                f"none or all of them (any other is below {threshold} or leaves fewer than {threshold}): the table "
                "says whether none, some or all of them raised each theme.")

    def survivor_themes(self) -> None:
        """How many participants raised each theme of this section, with screened, consented excerpts."""
        from . import qualitative, qualitative_counts

        country = None if self.is_synthesis else self.country
        if not qualitative_counts.has_conversations(country, project=self.project):
            # Said where the survivors' part would be; where conversations were held, their number
            # is said once, under "Who took part", and each theme table's caption repeats it.
            self._paragraph(md(qualitative_counts.conversations_note(country, self.participants, translate=self.t,
                                                                 project=self.project)))
            return
        codebook = qualitative.load_codebook(project=self.project)
        conversations = self.conversations
        summary = qualitative_counts.section_theme_summary(conversations, codebook, self.section, country,
                                                    project=self.project)
        if summary.empty:
            return
        summary = summary[summary["level"] <= 2]
        codes = list(summary["code"])
        masks = self._theme_masks(codes)
        out_of = int(summary["out_of"].iloc[0])
        labels = {code: self.t(label) for code, label in zip(summary["code"], summary["label"], strict=True)}
        threshold = next(iter(masks.values())).threshold if masks else 0
        self._own_theme_table(masks, codes, labels, self.t(
            "Conversation participants who raised each theme (of {out_of}) — {place}",
            out_of=out_of, place=self.names[self.country]))
        if self.is_synthesis:
            places = list(next(iter(masks.values())).layout.places) if masks else []
            counted = [p for p in places if self._counted(masks, p)]
            matrix = disclosure.table({self.names.get(p, p): {labels[c]: masks[c].n(f"{p}|yes") if p in counted
                                                              else self._presence(masks[c], p) for c in codes}
                                       for p in places})
            if codes:
                self.show_table(matrix, f"themes_{self.section}_by_country",
                                self.t("Participants who raised each theme, by country"),
                                result=f"themes_{self.section}_by_country")
                if len(counted) < len(places):
                    self._note([self._presence_note(threshold)])
                safe = pd.DataFrame({self.names.get(p, p): [masks[c].count(f"{p}|yes") for c in codes]
                                     for p in counted}, index=[labels[c] for c in codes], dtype=float)
                if counted:
                    self.show_figure(figures.heatmap(safe, self.t("Participants raising each theme, by country")),
                                     f"themes_{self.section}_heatmap",
                                     self.t("Participants who raised each theme, by country (blank: withheld under "
                                            "the small-cell rule, fewer than {threshold} or able to reveal such a "
                                            "number)", threshold=threshold),
                                     result=f"themes_{self.section}_by_country")
                for code in codes:
                    for place in counted:
                        self.values.append(self._cell_value(masks[code], f"{place}|yes",
                                                            f"themes.{code}.{place}.n"))
        excerpts, log = qualitative_counts.section_excerpts(conversations, codebook, self.section, country,
                                                     project=self.project)
        report = self.texts() if excerpts or len(log) else None
        if excerpts:
            # Excerpts are what participants said (or, here, synthetic summaries): never machine-translated.
            self.t.note_missing("conversation excerpts (shown as recorded)")
            # Only a build from the embedded synthetic data calls its excerpts synthetic.
            lead = report.text("survivors.excerpts_synthetic" if "synthetic" in report.conditions
                               else "survivors.excerpts")
            self._paragraph(f"{lead}\n\n" + "\n\n".join(f"> {md(text)}" for text in excerpts))
            self._excerpts_language(report)
        blocked = int(log["blocked"].sum()) if len(log) else 0
        self._record(f"excerpts.{self.section}.blocked", blocked)
        if blocked:
            self._paragraph(report.text("survivors.excerpts_blocked", n_blocked=blocked))

    def _own_theme_table(self, masks: dict[str, disclosure.Mask], codes: list[str], labels: dict[str, str],
                         caption: str) -> None:
        """The report's own place's theme table: counts, or none, some or all (see :meth:`_mostly_published`).

        The counts are recorded as their masks publish them, whichever the table shows.
        """
        own = "*" if self.is_synthesis else self.country
        counted = self._counted(masks, own)
        if counted:
            for code in codes:
                self.values.append(self._cell_value(masks[code], f"{own}|yes", f"themes.{code}.n"))
        if not self.is_synthesis and not (counted and self._mostly_published(masks, own)):
            self._national_presence(masks, codes, labels, caption)
            return
        if counted:
            table = disclosure.table({
                self.t("Participants"): {labels[c]: masks[c].n(f"{own}|yes") for c in codes},
                "%": {labels[c]: masks[c].pct(f"{own}|yes") for c in codes},
            })
        else:
            table = disclosure.table({self.t("Participants"): {labels[c]: self._presence(masks[c], own) for c in codes}})
            self._note([self._presence_note(next(iter(masks.values())).threshold)])
        self.show_table(table, f"themes_{self.section}", caption)

    def _excerpts_language(self, report) -> None:
        """What a reader is told of the excerpts' language: they are printed as recorded, never translated.

        A real excerpt is a participant's words, in the language of its conversation. The
        synthetic ones are in the language the generator writes; a report in that language
        needs no word on it.
        """
        from .texts import SYNTHETIC_EXCERPTS_LANGUAGE

        if "synthetic" not in report.conditions:
            self._paragraph(report.text("survivors.excerpts_as_recorded"))
        elif self.lang != SYNTHETIC_EXCERPTS_LANGUAGE:
            self._paragraph(report.text("survivors.excerpts_language_synthetic",
                                        language=locales.language_name(SYNTHETIC_EXCERPTS_LANGUAGE, self.lang)))

    def open_text(self, question: str, k: int = 3) -> None:
        """Approved, screened answers to an open question; otherwise only how many were received."""
        from .open_text import load_approvals, select_open_text

        chosen = select_open_text(self.survey.eligible, question, load_approvals(self.data_path),
                                  self.study.data.get("id_column", "respondent_id"),
                                  None if self.is_synthesis else self.country, k, self.study)
        eligible = self.survey.eligible
        answered = eligible[question].notna() & (eligible[question].astype(str).str.strip() != "")
        places = [c for c in self.survey.instrument.codes("country") if (eligible["country"] == c).any()]
        counts = pd.crosstab(answered.map({True: "yes", False: "no"}), eligible["country"]).reindex(
            index=["yes", "no"], columns=places, fill_value=0)
        mask = analysis_subsets.cached_for_frame(eligible, "mask", f"open_text:{question}", lambda: disclosure.suppress(
            disclosure.layout(f"open_text.{question}", counts, shown=["yes"]),
            rules=disclosure.settings(project=self.project)))
        own = "*" if self.is_synthesis else self.country
        self.values.append(self._cell_value(mask, f"{own}|yes", f"open_text.{question}.received"))
        self._record(f"open_text.{question}.blocked", chosen.blocked)
        if chosen.received == 0:
            return
        label = self.survey.instrument.label(question)
        if chosen.shown:
            self._paragraph(self.t("Answers to the open question '{label}', approved for publication and screened for "
                            "identifying details:", label=md(label)) + "\n\n" +
                     "\n\n".join(f"> {md(text)}" for text in chosen.shown))
        else:
            self._paragraph(analysis_results.fill(
                self.t("{n} workers answered the open question '{label}'; no answer is shown because none "
                       "has been approved for publication and passed the identifying-details screen."),
                self.t("No answer to the open question '{label}' is shown: none has been approved for "
                       "publication and passed the identifying-details screen.", label=md(label)),
                n=analysis_results.Cell(mask, f"{own}|yes").n, label=md(label)))

    def recommendations(self) -> None:
        """The recommendations, each with its evidence in words and the figure or table that shows it.

        Counts of young people go through the theme tables' masks (a withheld count is said
        to be withheld); a finding's numbers are values the other sections recorded, and it
        is kept only where the table of the result it cites shows them.
        """
        from . import qualitative_recommendations

        country = None if self.is_synthesis else self.country
        upstream = self.report_so_far()
        report = self.texts(upstream)
        if self.is_synthesis:
            held = sum(1 for c in self.study.countries if c.conversations)
            report.fields["place"] = self.t.plural("the {count} countries", held)
        self._paragraph(qualitative_recommendations.render_recommendations(country, texts=report,
                                                           evidence=self._evidence(upstream, report),
                                                           project=self.project))

    def _evidence(self, upstream: Upstream, report: Any):
        """What this report can state as evidence (:class:`perspectives.qualitative_recommendations.Evidence`)."""
        from . import qualitative_counts, qualitative_recommendations
        from .summary import value_table
        from .texts import Markdown

        own = "*" if self.is_synthesis else self.country
        held = qualitative_counts.has_conversations(None if self.is_synthesis else self.country, project=self.project)
        people = self.participants if held else None
        if people is not None and not self.is_synthesis:
            people = people[people["country"] == self.country]
        n = int(people["participant_id"].nunique()) if people is not None else 0
        shown, values = upstream.shown, upstream.values
        table = value_table(values, self.synthesis if self.is_synthesis else self.country)
        by_name = {(v["name"], v.get("country")): v for v in values}
        code = self.synthesis if self.is_synthesis else self.country

        def theme_count(theme: str) -> int | None:
            return self._theme_masks([theme])[theme].count(f"{own}|yes")

        def theme_table(theme: str) -> str | None:
            return next((stem for stem, universes in shown.items()
                         if stem.startswith("themes_") and f"themes.{theme}" in universes), None)

        def finding(result: str, template: str) -> str | None:
            names = [f[len("v["):-1] for _, f, _, _ in string.Formatter().parse(template) if f and f.startswith("v[")]
            if result not in shown or not all(name in table for name in names):
                return None
            # Cite a result only for numbers its table shows (a top-five table leaves other options out).
            for name in names:
                universe = ((by_name.get((name, code)) or {}).get("cells") or {}).get("universe")
                if universe is not None and universe not in shown[result]:
                    return None
            text = Markdown(self.t(template).format(v=table, place=md(self.place)))
            if (analysis.load_specs(project=self.project).get(result) or {}).get("figure"):
                return report.text("recommendations.evidence.survey_figure", finding=text,
                                   figure_number=Markdown(f"[[figure:{result}]]"))
            return report.text("recommendations.evidence.survey_table", finding=text,
                               table_number=Markdown(f"[[table:{result}]]"))

        return qualitative_recommendations.Evidence(participants=n, theme_count=theme_count, theme_table=theme_table, finding=finding)

    def roundtable(self) -> None:
        """The expert roundtable's insights (the same in every report)."""
        from . import qualitative_recommendations

        self._paragraph(qualitative_recommendations.render_roundtable(None if self.is_synthesis else self.country,
                                                      texts=self.texts(), project=self.project))

    # ------------------------------------------------------------------ summary
    def summary(self) -> None:
        """The executive summary, in prose, from the values the other sections of this report recorded."""
        from .claim_comparisons import load_wording
        from .summary import SUMMARY_FILE, executive_summary

        upstream = self.report_so_far()
        report = self.texts(upstream)
        display(Markdown(f"# {report.heading('summary')}"))
        intro = report.text(f"chapters.summary.{'synthesis' if self.is_synthesis else 'national'}")
        text, used = executive_summary(report, upstream.values, self.synthesis if self.is_synthesis else self.country,
                                       self.synthesis, self._summary_labels, analysis.load_specs(project=self.project),
                                       spec_path=self.project.path(SUMMARY_FILE),
                                       close_points=load_wording(project=self.project).almost_equal_points)
        for part in (intro, text):
            if part:
                self._paragraph(part)
        self._record("summary.values_used", used)
        self._loss(upstream)

    def _summary_labels(self, topic: str) -> dict[str, str]:
        """A summary topic's options and their labels in the report's language."""
        from .summary import SUMMARY_FILE, option_labels

        spec = analysis.spec(topic, self.project)
        given = option_labels(topic, self.project.path(SUMMARY_FILE))
        if given:
            return {code: self.t(label) for code, label in given.items()}
        return dict(self.survey.instrument.choice_labels(spec["question"]))

    def _loss(self, upstream: Upstream) -> None:
        """Record how many of the report's counts the small-cell rule withholds (the colophon says it).

        The summary runs after every other section, so it counts them all: each distinct count
        the report sets out to give (in its tables and recorded values), and those withheld
        (:func:`perspectives.audit.loss`), read from the finished runs only. The counts are of
        cells, not of people: recorded without ``cells``, so no audit reads them as a count of
        respondents.
        """
        from .audit import loss

        found = loss(upstream.folders)
        self._record("disclosure.counts.published", found.published)
        self._record("disclosure.counts.withheld", found.withheld)
