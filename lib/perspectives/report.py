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

import csv
import functools
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import (
    analysis,
    analysis_results,
    analysis_subsets,
    config,
    disclosure,
    figures,
    i18n,
    report_analyses,
    report_display,
    report_narrative,
    report_samples,
    report_themes,
)
from .escape import markdown_fields
from .escape import markdown_text as md
from .project import Project, default, project_of
from .report_upstream import NOTHING_UPSTREAM, Upstream, UpstreamError, printed_cell, runs_before
from .study import Grid, report_folder


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
            gazetteer: bool = True, light: bool = False, project: str | None = None,
            shared_decisions: str | None = None) -> None:
    """Load once what every section run loads first, in a process that then forks the runs.

    The build's fork server calls this before forking: each run then starts with the study's
    configuration files parsed and validated (:func:`perspectives.config.load_files`: the
    report's texts, the recommendations and the roundtable among them), the survey read and
    validated (with the rows of each analysis population), the screen's word lists of every
    language built (where runs screen excerpts), and the fonts loaded, rather than paying
    for them again (about half a second a run). Only caches of functions of input files are filled; each run still gets
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
    ``shared_decisions``: the decisions cache's file for these inputs
    (``perspectives.build.warm.shared_decisions``), read as ``decisions`` is and, after a full
    warm-up, written with the same results, for a build of the same inputs elsewhere.
    """
    import io

    from . import disclosure, qualitative, screen

    study_folder = project_of(project)
    study = study_folder.study
    _ = study_folder.grid
    # Every configuration file parsed and validated here, not in each run: the runs read the
    # report's texts, the recommendations and the roundtable, each a parse and a schema compiled.
    config.load_files(study_folder.root)
    analysis.load_specs(project=study_folder)
    disclosure.settings(project=study_folder)
    i18n.Translator(lang, project=study_folder)
    figures.use_theme(study_folder)
    survey = survey_data(str(data_path) if data_path else None, id_column or None, study_folder)
    conversations = qualitative.load_conversations(conversations_path, project=study_folder, shared=True)
    # The identifying-details screen's gazetteer (a 16 MB JSON file, ~0.5 s) once, not per run.
    if gazetteer:
        screen.warm_up(study)
    # Drawing one small figure loads the fonts and the text layout machinery.
    fig = figures.share_bars(pd.DataFrame({"warm-up": [50.0]}, index=["warm-up"]), "warm-up")
    fig.savefig(io.BytesIO(), format="png")
    figures.plt.close(fig)
    saved = [path for path in (decisions, shared_decisions) if path]
    if light:
        for path in saved:
            disclosure.load_decisions(path)
        return
    # Last: a population query that does not fit the data fails here, after the rest is warm.
    # The populations' rows, pooled; each national run selects its own country's rows itself
    # (milliseconds): selected here for every place they were copies of every population,
    # the run server's largest growth with the countries (130 MB at a hundred, of 360).
    analysis_subsets.warm_subsets(survey.eligible, [], study_folder)
    # Every question's mask (the one pattern of withheld cells its tables share) once, for all runs.
    for path in saved:
        disclosure.load_decisions(path)
    # With them, one mask per conversation theme (the same in every report): searched beside
    # the questions', built here from what the search found. Always, as the questions' are, so
    # that a full warm-up saves the same results however the server came to it.
    themes = report_themes.mask_tasks(conversations, study_folder)
    analysis.warm_masks(survey, workers=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                        else os.cpu_count() or 1, extra=themes)
    for task in themes:
        task()
    report_samples.sample_mask(survey, study)  # every methods run's sample flow
    for path in saved:
        disclosure.save_decisions(path)


class AnalysisError(RuntimeError):
    """An analysis of ``params/analyses.yml`` failed in a section; the message names it."""


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
    printed: dict[str, set[tuple[Any, ...]]] = {}
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
            stem = path.name[: -len(".disclosure.json")]
            shown.setdefault(stem, set()).update(str((c.get("cells") or {}).get("universe")) for c in cells)
            printed.setdefault(stem, set()).update(_printed_cells(path.with_name(f"{stem}.csv"), cells))
            # A part counted in its combination's row reads as any withheld cell: its description says which.
            combined = combined or any(c.get("combined") for c in cells)
        tables = [path.read_text(encoding="utf-8") for path in sorted((folder / "tables").glob("*.csv"))]
        reliability = reliability or any(disclosure.RELIABILITY_MARK in text for text in tables)
    return Upstream(values=values, shown=shown, reliability=reliability,
                    folders=tuple(Path(sections_dir) / name for name in reads), combined=combined, printed=printed)


def _printed_cells(csv_path: Path, described: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """The cells a table's CSV prints a number in (not the withheld mark), from its description."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]  # the header; then each row's label, then its cells
    out = set()
    for item in described:
        i, j = item["at"]
        text = rows[i][j + 1] if i < len(rows) and j + 1 < len(rows[i]) else ""
        if any(ch.isdigit() for ch in text):  # the withheld mark, or nothing, prints no number
            out.add(printed_cell(item.get("cells") or {}, item.get("measure", "count")))
    return out


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
        # The results this run drew a chart of: their tables go behind the chart, in the annex.
        self.charted: set[str] = set()
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

        report_display.markdown(f"# {md(self.title)}")
        intro = texts.chapter_intro(self.texts(), self.section, synthesis=self.is_synthesis,
                                    conversations=self._conversations_held, skip=texts.FRONT_CHAPTERS)
        if intro:
            self._paragraph(intro)

    @property
    def _conversations_held(self) -> bool:
        from . import qualitative_counts

        return qualitative_counts.has_conversations(None if self.is_synthesis else self.country, project=self.project)

    def texts(self, upstream: Upstream = NOTHING_UPSTREAM):
        """The report's fixed texts in its language, filled for it (see :func:`perspectives.report_narrative.report_texts`)."""
        return report_narrative.report_texts(self, upstream)

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
        report_display.markdown(f"{'#' * level} {md(text)}")

    def _paragraph(self, text: str) -> None:
        """A paragraph of narrative already filled and translated (see :func:`perspectives.report_display.paragraph`)."""
        report_display.paragraph(text, self.lang)

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
        """Write a published table as CSV and show it (see :func:`perspectives.report_display.show_table`)."""
        report_display.show_table(self, table, stem, caption, result=result, extra_notes=extra_notes)

    def show_figure(self, fig, stem: str, caption: str, result: str | None = None) -> None:
        """Save ``fig`` and show it with its caption (see :func:`perspectives.report_display.show_figure`)."""
        report_display.show_figure(self, fig, stem, caption, result=result)

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
            return report_analyses.run_analysis(self, analysis_id, spec, survey, show_table)
        except Exception as error:
            raise AnalysisError(f"analysis {analysis_id!r} of params/analyses.yml failed: "
                                f"{type(error).__name__}: {error}") from error

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
        report_analyses.publish(self, result, caption, figure)
        if result.test is not None:
            report_analyses.say_test(self, result, instrument.label(by))
        return result

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
        report_analyses.draw_shares(self, result, self.t(caption), kind)

    def _withheld_note(self) -> str:
        """Said once where a sentence was dropped because its number is withheld.

        An analysis's run says it only where the chart or table it stands by lost something
        no note of its own names (:func:`perspectives.report_analyses.withheld_note`).
        """
        # It stands before a chart as often as before a table: it names neither.
        return self.t("Some numbers for {place} are withheld under the small-cell rule; only those that can be "
                      "published are shown.", place=md(self.place))

    # ------------------------------------------------------------------ end
    def finish(self) -> Path:
        """Explain the marks used and write ``values.json``; returns its path."""
        if self.notes:
            report_display.show_notes(self)
        self.t.write_missing(self.output_dir)
        path = self.output_dir / "values.json"
        path.write_text(json.dumps(self.values, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path

    # ------------------------------------------------------------------ sample flow
    def sample_flow(self) -> None:
        """Responses received, excluded and analysed (see :func:`perspectives.report_samples.sample_flow`)."""
        report_samples.sample_flow(self)

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

    # ------------------------------------------------------------------ survivors
    @functools.cached_property
    def conversations(self):
        """The coded conversation segments, validated (see :func:`perspectives.qualitative.load_conversations`).

        The project's one frame of them (read, never changed): the library caches what it
        derives from a frame (the theme matrix, one mask per theme) by that frame, so the
        warm-up's masks serve every run, and a fresh copy at each access had every
        recommendation's evidence count the themes again.
        """
        from . import qualitative

        return qualitative.load_conversations(self.conversations_path, project=self.project, shared=True)

    def conversations_sample(self) -> None:
        """Who took part in the conversations (see :func:`perspectives.report_samples.conversations_sample`)."""
        report_samples.conversations_sample(self)

    @functools.cached_property
    def participants(self):
        """The conversation participants, validated (see :func:`perspectives.qualitative.load_participants`)."""
        from . import qualitative

        return qualitative.load_participants(qualitative.participants_source(self.conversations_path),
                                             project=self.project)

    def survivor_themes(self) -> None:
        """The participants who raised each theme, with excerpts (see :func:`perspectives.report_themes.survivor_themes`)."""
        report_themes.survivor_themes(self)

    def open_text(self, question: str, k: int = 3) -> None:
        """Approved, screened answers to an open question (see :func:`perspectives.report_samples.open_text`)."""
        report_samples.open_text(self, question, k)

    def recommendations(self) -> None:
        """The recommendations with their evidence (see :func:`perspectives.report_narrative.recommendations`)."""
        report_narrative.recommendations(self)

    def roundtable(self) -> None:
        """The expert roundtable's insights (the same in every report)."""
        report_narrative.roundtable(self)

    # ------------------------------------------------------------------ summary
    def summary(self) -> None:
        """The executive summary, in prose (see :func:`perspectives.report_narrative.summary`)."""
        report_narrative.write_summary(self)

