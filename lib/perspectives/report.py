"""The section runtime a report notebook talks to.

Purpose
    Keeps notebooks thin: a notebook creates one :class:`Section` from its parameters and
    calls ``section.run("gender")``, ``section.say(...)``, ``section.heading(...)``. The
    section loads the data once, runs the analyses of ``params/analyses.yml``, writes every
    table (CSV, after disclosure control) and figure (PNG; SVG too if the study asks) into
    the run's folder, shows them with captions and the n they rest on, and records every
    key number.

Inputs
    The notebook's parameters: ``country`` (ISO3 or ALL), ``lang``, ``data_path``,
    ``conversations_path``, ``output_dir``, ``id_column``. Fixed strings (headings, captions, table words,
    narrative templates) go through :class:`perspectives.i18n.Translator` for ``lang``;
    answer and question labels come from the XLSForm's column of that language.

Outputs
    In ``output_dir``: ``tables/*.csv``, ``figures/*.png`` (and ``*.svg``), ``values.json``
    (a list of {name, value, n, country, section}), shown in the notebook as Markdown, HTML tables
    and images; nothing row-level. With ``lang`` other than English, also
    ``missing_translations.json`` listing the strings shown in English for want of a translation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from . import alttext, analysis, disclosure, figures, fmt, i18n
from .analysis import ALL
from .study import load_grid, load_study, repo_root, report_folder


def _subset_theme_matrix(conversations: pd.DataFrame, codebook: Any) -> pd.DataFrame:
    """Participants raising each theme (every level) by country, once per conversations frame."""
    from . import qualitative

    return analysis.cached_for_frame(conversations, "themes", "matrix",
                            lambda: qualitative.theme_matrix(conversations, codebook, level=None))


@lru_cache(maxsize=4)
def survey_data(data_path: str | None, id_column: str | None = None):
    """The validated survey (``readers.SurveyData``) of an export, read once per process.

    Args:
        data_path: the export, or None for the embedded one.
        id_column: its respondent id column, or None for the reader's rule.
    """
    from .readers import load_survey

    return load_survey(data_path, id_column=id_column or None)


def warm_up(data_path: str | None = None, conversations_path: str | None = None, lang: str = "en",
            id_column: str = "", countries: list[str] | None = None, decisions: str | None = None,
            gazetteer: bool = True) -> None:
    """Load once what every section run loads first, in a process that then forks the runs.

    The build's fork server calls this before forking: each run then starts with the study's
    parameter files parsed, the survey read and validated (with the rows of each analysis
    population and place), and the fonts loaded, rather than paying for them again (about
    half a second a run). Only caches of functions of input files are filled; each run still
    gets its own copy of them and a fresh namespace. ``countries`` limits the places whose
    rows are selected ahead to those of the runs due (default: every study country).
    ``decisions`` is a file of the small-cell rule's results a previous build saved: read
    first, rewritten with the results of this warm-up (see ``disclosure.load_decisions``).
    ``gazetteer``: whether runs due will screen excerpts (the synthesis, or a country that
    held conversations): the screen's place names are then read here, once.
    """
    import io

    from . import disclosure, qualitative, screen

    load_study()
    load_grid()
    analysis.load_specs()
    disclosure.settings()
    i18n.Translator(lang)
    survey = survey_data(str(data_path) if data_path else None, id_column or None)
    qualitative.load_conversations(conversations_path)
    # The identifying-details screen's gazetteer (a 16 MB JSON file, ~0.5 s) once, not per run.
    if gazetteer:
        screen.warm_up()
    # Drawing one small figure loads the fonts and the text layout machinery.
    fig = figures.share_bars(pd.DataFrame({"warm-up": [50.0]}, index=["warm-up"]), "warm-up")
    fig.savefig(io.BytesIO(), format="png")
    figures.plt.close(fig)
    # Last: a population query that does not fit the data fails here, after the rest is warm.
    analysis.warm_subsets(survey.eligible, [c.iso3 for c in load_study().countries]
                          if countries is None else list(countries))
    # Every question's mask (the one pattern of withheld cells its tables share) once, for all runs.
    if decisions:
        disclosure.load_decisions(decisions)
    analysis.warm_masks(survey, workers=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                        else os.cpu_count() or 1)
    sample_mask(survey, load_study())  # every methods run's sample flow
    if decisions:
        disclosure.save_decisions(decisions)


def sample_mask(survey, study) -> disclosure.Mask:
    """The one mask of the sample flow: outcome (and first unmet criterion) by country.

    The eligible counts are the base of every other table, so they stay published here.
    Computed once per process and survey (the build's run server does it before forking:
    with a hundred countries its search takes seconds, which every methods run would pay).
    """
    from .instrument import ELIGIBILITY
    from .readers import exclusion_summary

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
        return disclosure.suppress(lay)

    return analysis.cached_for_frame(eligible, "mask", "sample", compute)


class Section:
    """One run of one section notebook for one report."""

    def __init__(self, section: str, country: str = ALL, lang: str = "en", data_path: str | None = None,
                 conversations_path: str | None = None, output_dir: str | None = None, id_column: str = "") -> None:
        self.study = load_study()
        known = {c.iso3 for c in self.study.countries} | {ALL}
        if country not in known:
            raise ValueError(f"unknown country {country!r}; use one of {sorted(known)}")
        sections = {s.id: s for s in load_grid().sections}
        if section not in sections:
            raise ValueError(f"unknown section {section!r}; known: {sorted(sections)}")
        self.section, self.country, self.lang = section, country, lang
        self.t = i18n.Translator(lang)
        self.title = self.t(sections[section].title)
        self.data_path = data_path
        self.id_column = id_column or None  # the export's id column (--id-column); None: the reader's rule
        self.conversations_path = conversations_path
        default_dir = repo_root() / "outputs" / "scratch" / report_folder(country) / section
        self.output_dir = Path(output_dir) if output_dir else default_dir
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.values: list[dict[str, Any]] = []
        # (recorded name, country) -> true value of each value the masks withhold: in memory
        # only (finish() writes self.values, never this), for in-process comparisons.
        self.withheld: dict[tuple[str, str], Any] = {}
        self.notes: list[str] = []
        # Published numbers of the analyses written in the notebook, by recorded name (for say()).
        self.v: dict[str, analysis.Cell] = {}
        # Country names from CLDR in the report's language (the study's English names in
        # English); the pooled picture named with the study's count in the language's own words.
        self.names = {c.iso3: self.t.country(c.iso3) for c in self.study.countries}
        self.names[ALL] = self.t.plural("All {count} countries", len(self.study.countries))
        self._pooled_place = self.t.plural("the {count} countries", len(self.study.countries))
        self._pooled_checked = False

    # ------------------------------------------------------------------ data
    @property
    def survey(self):
        """The validated survey (eligible completes, exclusion log, source stamp)."""
        survey = survey_data(str(self.data_path) if self.data_path else None, self.id_column)
        if not self._pooled_checked:
            # A partner's export may hold one country only: the pooled column then says what
            # it pools instead of claiming every country of the study.
            present = sorted(set(survey.eligible["country"]))
            if set(present) != {c.iso3 for c in self.study.countries}:
                self.names[ALL] = self.t("All countries in the data ({n})", n=len(present))
                self._pooled_place = self.t("the countries in the data")
            self._pooled_checked = True
        return survey if self.t.is_default else i18n.LocalisedSurvey(survey, self.t)

    @property
    def place(self) -> str:
        """How the narrative names the report's population."""
        return self._pooled_place if self.country == ALL else self.names[self.country]

    @property
    def is_synthesis(self) -> bool:
        """Whether this run is the synthesis (all countries pooled)."""
        return self.country == ALL

    # ------------------------------------------------------------------ display
    def header(self) -> None:
        """The section's title as the report's heading."""
        display(Markdown(f"# {self.title}"))

    def heading(self, text: str, level: int = 2) -> None:
        """A heading of ``level`` (default 2) in the report."""
        display(Markdown(f"{'#' * level} {text}"))

    def _paragraph(self, text: str) -> None:
        """A paragraph of narrative already filled and translated."""
        display(Markdown(text))

    def say(self, template: str, **fields: Any) -> None:
        """A paragraph written in the notebook, in the report's language, with its numbers.

        The template goes through the language's catalogue (a missing translation falls back
        to English and is listed), then its fields are filled: ``{place}`` (the report's
        population), ``{v[NAME]}`` (a number published by ``crosstab`` or ``table`` in this
        run, by its recorded name without the measure: ``{v[barriers_by_gender.stigma_shame.female].pct}``;
        ``.n``, ``.pct`` and ``.pct_n`` choose the form) and any ``fields`` given. A sentence
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
        self._paragraph(analysis.fill(self.t(template), self._withheld_note(), place=self.place,
                                      v=self.v, **fields))

    def _record(self, name: str, value: Any, n: int | None = None, country: str | None = None, **extra: Any) -> None:
        """Record a number of this run that is not a count of respondents (an age range, a count of excerpts)."""
        self.values.append({"name": name, "value": value, "n": n, "country": country or self.country,
                            "section": self.section, **extra})

    def show_table(self, table: disclosure.PublishedTable, stem: str, caption: str) -> None:
        """Write a published table as CSV and show it.

        Only a :class:`perspectives.disclosure.PublishedTable` is accepted: every number in it
        came from a disclosure mask. Beside the CSV, ``tables/<stem>.disclosure.json`` says for
        each cell that shows a count or a share which cells of which question it sums, so that
        the audit (:mod:`perspectives.audit`) can check the table without recomputing it.

        Raises:
            TypeError: ``table`` did not come from :mod:`perspectives.disclosure`.
        """
        if not isinstance(table, disclosure.PublishedTable):
            raise TypeError(f"show_table accepts only a disclosure.PublishedTable, got {type(table).__name__}")
        folder = self.output_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        frame = i18n.translate_frame(table.frame, self.t)
        flat = frame.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = [" ".join(str(part) for part in col if part) for col in flat.columns]
        flat.to_csv(folder / f"{stem}.csv", index_label="")
        # Positions are the CSV's data rows and columns (0-based, the index column not counted).
        (folder / f"{stem}.disclosure.json").write_text(
            "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                              for item in table.describe()) + "\n]\n", encoding="utf-8")
        self._note(table.notes)
        # Marked as a caption so the DOCX renderer gives it Word's Caption style.
        display(Markdown("*" + self.t("Table: {caption}", caption=caption) + "*"),
                metadata={"perspectives": {"kind": "caption", "of": "table"}})
        # The metadata lets other renderers (DOCX) rebuild a native table from the CSV.
        display(HTML(frame.to_html(classes="report-table", na_rep="", border=0)),
                metadata={"perspectives": {"kind": "table", "csv": f"tables/{stem}.csv", "caption": caption}})

    def show_figure(self, fig, stem: str, caption: str) -> None:
        """Save ``fig`` under ``stem`` in the study's formats and show it with its caption.

        The numbers the chart drew go with it: the assembler writes the figure's text
        alternative from them.
        """
        # The numbers the chart drew go with it: the assembler writes its text alternative from them.
        chart = alttext.attached(fig)
        png = figures.save(fig, self.output_dir / "figures", stem, self.study.figure_formats)
        display(Image(data=png, format="png"),
                metadata={"perspectives": {"kind": "figure", "png": f"figures/{stem}.png", "caption": caption,
                                           **({"chart": chart.to_json()} if chart else {})}})
        display(Markdown(f"*{caption}*"), metadata={"perspectives": {"kind": "caption", "of": "figure"}})

    # ------------------------------------------------------------------ analyses
    def run(self, analysis_id: str, show_table: bool = True) -> analysis.Result:
        """Compute, publish and narrate one analysis of ``params/analyses.yml``.

        The table, the figure, the sentence and the recorded values all read the analysis's
        one disclosure mask: a sentence that would print a withheld number is dropped and a
        note says that some numbers are withheld.
        """
        spec = analysis.spec(analysis_id)
        if spec.get("synthesis_only") and not self.is_synthesis:
            return None
        result = analysis.run(analysis_id, self.survey, self.country, self.names)
        for value in result.values:
            value["section"] = self.section
        self.values.extend(result.values)
        self.withheld.update(result.withheld)
        if not self.t.is_default:
            from .disclosure import settings

            result.context = i18n.translate_fields(result.context, self.t, settings().threshold)
        if spec.get("text"):
            if spec.get("question") == analysis.COUNTRY_QUESTION and not self.t.is_default:
                result.context.update(analysis.country_fields(result.context, self.names, self.t, self.t.plural,
                                                              self.lang))
            self._paragraph(result.narrative(self.t(spec["text"]), self.place, self._withheld_note()))
        figure = spec.get("figure")
        caption_base = self.t(figure["caption"] if figure else spec.get("caption")
                              or analysis_id.replace("_", " ").capitalize())
        where = self.names[self.country]
        n_text = result.base_text or (disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}")
        caption = self.t("{caption} — {place} (n = {n})", caption=caption_base, place=where, n=n_text)
        if figure:
            caption = self.t("Figure {number}. {caption}", number=figure["number"], caption=caption)
            self._draw(result, spec, f"fig{figure['number']:02d}_{analysis_id}", caption)
        # A breakdown by something other than country adds its cross-table; the pooled table is
        # shown by the analysis of that question already.
        breakdown_only = spec.get("by") not in (None, "country")
        if show_table and result.table is not None and not result.table.empty and not breakdown_only:
            self.show_table(result.table, analysis_id, self.t("{caption} — {place}", caption=caption_base, place=where))
        if self.is_synthesis and spec.get("by") and f"by_{spec['by']}" in result.tables:
            by_table = result.tables[f"by_{spec['by']}"]
            self.show_table(by_table, f"{analysis_id}_by_{spec['by']}",
                            self.t("{caption} by {by} (counts and column %)", caption=caption_base,
                                   by=self.t(spec["by"].replace("_", " "))))
        if self.is_synthesis and "by_means" in result.context:
            means = result.context["by_means"]
            mean_caption = self.t("{caption}: mean by country", caption=caption_base)
            self.show_figure(figures.country_means(means, mean_caption, self.t("Mean (%)")),
                             f"{analysis_id}_means", mean_caption)
        if result.test is not None and "{test}" not in spec.get("text", ""):
            self._say_test(result, self.t(spec["by"].replace("_", " ")))
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

    def _say_test(self, result: analysis.Result, by: str) -> None:
        """The test's sentence, or why it is not shown (its table has withheld cells)."""
        if result.test_withheld:
            self._paragraph(self.t("The test across {by} is not shown: its table has withheld cells, which "
                                   "its statistic could reveal.", by=by))
            return
        template = ("Test across {by}: {test} (some expected counts are small; read with care)."
                    if getattr(result.test, "small_expected", False) else "Test across {by}: {test}.")
        self._paragraph(self.t(template, by=by, test=fmt.fmt_test(result.test)))

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
        self.show_figure(fig, f"{result.analysis_id}_{kind}", title)

    def _publish(self, result: analysis.Result, caption: str, figure: bool) -> None:
        """Record, show and (optionally) draw a result computed for this run."""
        for value in result.values:
            value["section"] = self.section
        self.values.extend(result.values)
        self.withheld.update(result.withheld)
        self.v.update({k: v for k, v in result.context.items() if isinstance(v, analysis.Cell)})
        n_text = disclosure.WITHHELD_MARK if result.base is None else f"{result.base:,}"
        where = self.names[self.country]
        self.show_table(result.table, result.analysis_id,
                        self.t("{caption} — {place} (n = {n})", caption=caption, place=where, n=n_text))
        if figure and result.shares is not None:
            self._draw_shares(result, caption)

    def _withheld_note(self) -> str:
        """Said once where a sentence was dropped because its number is withheld."""
        return self.t("Some numbers for {place} are withheld under the small-cell rule; the table shows "
                      "those that can be published.", place=self.place)

    def _draw(self, result: analysis.Result, spec: dict, stem: str, caption: str) -> None:
        title = self.t("{caption} — {place}", caption=self.t(spec["figure"]["caption"]), place=self.names[self.country])
        if result.figure_kind == "stacked" and result.shares is not None:
            fig = figures.stacked_shares(result.shares, title)
            if result.shares.isna().any().any():
                caption += " " + self.t("Blank segments are withheld under the small-cell rule.")
        elif self.is_synthesis and "by_safe_shares" in result.context and spec.get("by") == "country":
            shares = result.context["by_safe_shares"].T
            fig = figures.country_shares(shares, title)
            if shares.isna().any().any():
                # Many countries are drawn as dots (figures.country_shares): no segments then.
                caption += " " + self.t("Blank segments are withheld under the small-cell rule."
                                        if len(shares) <= self.study.many_countries
                                        else "Withheld values are not drawn (small-cell rule).")
        elif result.shares is not None:
            fig = figures.share_bars(result.shares, title)
        else:
            return
        self.show_figure(fig, stem, caption)

    # ------------------------------------------------------------------ end
    def finish(self) -> Path:
        """Explain the marks used and write ``values.json``; returns its path."""
        if self.notes:
            self._paragraph(f"**{self.t('Notes on the tables.')}** " + " ".join(self.t(n) for n in self.notes))
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
        fields = {key: analysis.Cell(mask, f"{own}|{key}") for key in ("eligible", "partial", "disqualified")}
        total_n = mask.count(f"{own}|*")
        self._paragraph(analysis.fill(
            t("Of {total} responses received for {place}, {eligible} were eligible and complete and are "
              "analysed here; {partial} stopped before the end and {disqualified} did not meet an "
              "eligibility criterion."),
            self._withheld_note(), total=analysis.WITHHELD if total_n is None else f"{total_n:,}", place=self.place,
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

        return qualitative.load_conversations(self.conversations_path)

    def conversations_sample(self) -> None:
        """Who took part in the conversations (counts only), or a plain note where none were held."""
        from . import qualitative

        country = None if self.is_synthesis else self.country
        self._paragraph(self.t(qualitative.conversations_note(country)))
        if not qualitative.has_conversations(country):
            return
        participants = self.participants
        places = [c.iso3 for c in self.study.countries if (participants["country"] == c.iso3).any()]
        counts = pd.crosstab(participants["gender"], participants["country"]).reindex(
            index=["female", "male"], columns=places, fill_value=0)
        mask = analysis.cached_for_frame(participants, "mask", "conversations.gender",
                                lambda: disclosure.suppress(disclosure.layout("conversations.gender", counts)))
        rows = places if self.is_synthesis else [self.country]
        women, men, everyone = self.t("Young women"), self.t("Young men"), self.t("All")
        table = disclosure.table({
            women: {self.names.get(p, p): mask.n(f"{p}|female") for p in rows},
            men: {self.names.get(p, p): mask.n(f"{p}|male") for p in rows},
            everyone: {self.names.get(p, p): mask.base_n(f"{p}|*") for p in rows},
        })
        self.show_table(table, "conversation_participants",
                        self.t("Conversation participants by gender — {place}", place=self.names[self.country]))
        _, values = qualitative.participant_summary(participants, country)
        low, high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                     for c in ("age_at_conversation.min", "age_at_conversation.max"))
        first_low, first_high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                                 for c in ("age_first_targeted.min", "age_first_targeted.max"))
        self._paragraph(self.t("Participants were aged {low} to {high} at the time of the conversation; in the "
                        "participants table, the ages at which they were first targeted run from {first_low} "
                        "to {first_high}.", low=low, high=high, first_low=first_low, first_high=first_high))
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

        folder = Path(self.conversations_path).parent / "participants.csv" if self.conversations_path else None
        return qualitative.load_participants(folder)

    def _note(self, notes: Iterable[str]) -> None:
        for note in notes:
            if note not in self.notes:
                self.notes.append(note)

    def _theme_masks(self, codes: list[str]) -> dict[str, disclosure.Mask]:
        """One mask per theme: participants who raised it (or not) by country, with the pooled count."""
        from . import qualitative

        conversations = self.conversations
        codebook = qualitative.load_codebook()
        matrix = _subset_theme_matrix(conversations, codebook)
        places = list(matrix.columns)
        out_of = conversations.groupby("country")["participant_id"].nunique().reindex(places).fillna(0).astype(int)
        masks = {}
        for code in codes:
            counts = pd.DataFrame([matrix.loc[code], out_of - matrix.loc[code]], index=["yes", "no"])
            masks[code] = analysis.cached_for_frame(
                conversations, "mask", f"theme:{code}",
                lambda counts=counts, code=code: disclosure.suppress(
                    disclosure.layout(f"themes.{code}", counts, shown=["yes"])))
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

    def _presence(self, mask: disclosure.Mask, place: str) -> disclosure.Entry:
        """None, some or all of a place's participants raised a theme, as its mask publishes it."""
        count, base = mask.count(f"{place}|yes"), mask.count(f"{place}|*")
        if count is None:
            # Withheld on a base of at least the threshold: neither none nor all of them.
            return disclosure.text(self.t("some") if base is not None and base >= mask.threshold
                                   else disclosure.WITHHELD_MARK)
        return disclosure.text(self.t("none") if count == 0 else self.t("all") if count == base else self.t("some"))

    @staticmethod
    def _presence_note(threshold: int) -> str:
        # Filled in English like the other notes; finish() translates each note.
        return (f"Where fewer than {2 * threshold} people took part, a count by theme could be printed only as "
                f"none or all of them (any other is below {threshold} or leaves fewer than {threshold}): the table "
                "says whether none, some or all of them raised each theme.")

    def survivor_themes(self) -> None:
        """How many participants raised each theme of this section, with screened, consented excerpts."""
        from . import qualitative

        country = None if self.is_synthesis else self.country
        if not self.is_synthesis:
            self._paragraph(self.t(qualitative.conversations_note(country)))
            if not qualitative.has_conversations(country):
                return
        codebook = qualitative.load_codebook()
        conversations = self.conversations
        summary = qualitative.section_theme_summary(conversations, codebook, self.section, country)
        if summary.empty:
            return
        summary = summary[summary["level"] <= 2]
        codes = list(summary["code"])
        masks = self._theme_masks(codes)
        own = "*" if self.is_synthesis else self.country
        out_of = int(summary["out_of"].iloc[0])
        participants = self.t("Participants")
        labels = {code: self.t(label) for code, label in zip(summary["code"], summary["label"], strict=True)}
        threshold = next(iter(masks.values())).threshold if masks else 0
        if self._counted(masks, own):
            table = disclosure.table({
                participants: {labels[c]: masks[c].n(f"{own}|yes") for c in codes},
                "%": {labels[c]: masks[c].pct(f"{own}|yes") for c in codes},
            })
            for code in codes:
                self.values.append(self._cell_value(masks[code], f"{own}|yes", f"themes.{code}.n"))
        else:
            table = disclosure.table({participants: {labels[c]: self._presence(masks[c], own) for c in codes}})
            self._note([self._presence_note(threshold)])
        self.show_table(table, f"themes_{self.section}",
                        self.t("Conversation participants who raised each theme (of {out_of}) — {place}",
                               out_of=out_of, place=self.names[self.country]))
        if self.is_synthesis:
            places = list(next(iter(masks.values())).layout.places) if masks else []
            counted = [p for p in places if self._counted(masks, p)]
            matrix = disclosure.table({self.names.get(p, p): {labels[c]: masks[c].n(f"{p}|yes") if p in counted
                                                              else self._presence(masks[c], p) for c in codes}
                                       for p in places})
            if codes:
                self.show_table(matrix, f"themes_{self.section}_by_country",
                                self.t("Participants who raised each theme, by country"))
                if len(counted) < len(places):
                    self._note([self._presence_note(threshold)])
                safe = pd.DataFrame({self.names.get(p, p): [masks[c].count(f"{p}|yes") for c in codes]
                                     for p in counted}, index=[labels[c] for c in codes], dtype=float)
                if counted:
                    self.show_figure(figures.heatmap(safe, self.t("Participants raising each theme, by country")),
                                     f"themes_{self.section}_heatmap",
                                     self.t("Participants who raised each theme, by country (blank: withheld under "
                                            "the small-cell rule, fewer than {threshold} or able to reveal such a "
                                            "number)", threshold=threshold))
                for code in codes:
                    for place in counted:
                        self.values.append(self._cell_value(masks[code], f"{place}|yes",
                                                            f"themes.{code}.{place}.n"))
        excerpts, log = qualitative.section_excerpts(conversations, codebook, self.section, country)
        if excerpts:
            # Excerpts are what participants said (or, here, synthetic summaries): never machine-translated.
            self.t.note_missing("conversation excerpts (shown as recorded)")
            self._paragraph(self.t("**Excerpts** (in the embedded data these are synthetic summaries; an excerpt is shown "
                            "only with the participant's consent and after a screen for identifying details):")
                     + "\n\n" + "\n\n".join(f"> {text}" for text in excerpts))
        blocked = int(log["blocked"].sum()) if len(log) else 0
        self._record(f"excerpts.{self.section}.blocked", blocked)
        if blocked:
            self._paragraph(self.t("The identifying-details screen withheld {blocked} excerpt(s) on these themes.",
                            blocked=blocked))

    def _count_text(self, k: int, n: int) -> str:
        """How the evidence lines name a count of participants: never the count itself.

        The evidence lines do not say which theme and place a count belongs to, so they
        cannot read the theme masks; the theme tables print each count that the one mask
        publishes, and these lines only say out of how many participants.
        """
        del k  # printing it (or whether it is zero) could undo the theme tables' mask
        return self.t("some or none of the {n}", n=n)

    def _qualitative_inputs(self) -> dict:
        return {"conversations": self.conversations, "participants": self.participants,
                "count_text": self._count_text}

    def open_text(self, question: str, k: int = 3) -> None:
        """Approved, screened answers to an open question; otherwise only how many were received."""
        from .open_text import load_approvals, select_open_text

        chosen = select_open_text(self.survey.eligible, question, load_approvals(self.data_path),
                                  self.study.data.get("id_column", "respondent_id"),
                                  None if self.is_synthesis else self.country, k)
        eligible = self.survey.eligible
        answered = eligible[question].notna() & (eligible[question].astype(str).str.strip() != "")
        places = [c for c in self.survey.instrument.codes("country") if (eligible["country"] == c).any()]
        counts = pd.crosstab(answered.map({True: "yes", False: "no"}), eligible["country"]).reindex(
            index=["yes", "no"], columns=places, fill_value=0)
        mask = analysis.cached_for_frame(eligible, "mask", f"open_text:{question}", lambda: disclosure.suppress(
            disclosure.layout(f"open_text.{question}", counts, shown=["yes"])))
        own = "*" if self.is_synthesis else self.country
        self.values.append(self._cell_value(mask, f"{own}|yes", f"open_text.{question}.received"))
        self._record(f"open_text.{question}.blocked", chosen.blocked)
        if chosen.received == 0:
            return
        label = self.survey.instrument.label(question)
        if chosen.shown:
            self._paragraph(self.t("Answers to the open question '{label}', approved for publication and screened for "
                            "identifying details:", label=label) + "\n\n" +
                     "\n\n".join(f"> {text}" for text in chosen.shown))
        else:
            self._paragraph(analysis.fill(
                self.t("{n} workers answered the open question '{label}'; no answer is shown because none "
                       "has been approved for publication and passed the identifying-details screen."),
                self.t("No answer to the open question '{label}' is shown: none has been approved for "
                       "publication and passed the identifying-details screen.", label=label),
                n=analysis.Cell(mask, f"{own}|yes").n, label=label))

    def recommendations(self) -> None:
        """The recommendations with the evidence each rests on (this country's where it has some)."""
        from . import qualitative

        country = None if self.is_synthesis else self.country
        # The recommendations are composed by perspectives.qualitative in English only.
        self.t.note_missing("recommendations text (perspectives.qualitative composes it in English)")
        self._paragraph(qualitative.render_recommendations(country, **self._qualitative_inputs()))

    def roundtable(self) -> None:
        """The expert roundtable's summary for this report's country, or for all."""
        from . import qualitative

        country = None if self.is_synthesis else self.country
        self.t.note_missing("roundtable text (perspectives.qualitative composes it in English)")
        self._paragraph(qualitative.render_roundtable(country, **self._qualitative_inputs()))

    # ------------------------------------------------------------------ summary
    def summary(self) -> None:
        """Key findings, filled from the values the other sections of this report recorded."""
        from .summary import key_findings

        report_dir = self.output_dir.parent
        findings, used = key_findings(report_dir, self.country, self.place, translate=self.t)
        for heading, bullets in findings:
            self.heading(heading, 3)
            self._paragraph("\n".join(f"- {b}" for b in bullets))
        self._record("summary.values_used", used)
        self._loss(report_dir.parent)

    def _loss(self, report_folder: Path) -> None:
        """Say and record how many of the report's counts the small-cell rule withholds.

        The summary runs after every other section, so it counts them all: each distinct count
        the report sets out to give (in its tables and recorded values), and those withheld
        (:func:`perspectives.audit.loss`). The counts are of cells, not of people: recorded
        without ``cells``, so no audit reads them as a count of respondents.
        """
        from .audit import loss

        found = loss(report_folder)
        self._record("disclosure.counts.published", found.published)
        self._record("disclosure.counts.withheld", found.withheld)
        self._paragraph(self.t("Of the {published} counts this report sets out to give, {withheld} ({share}) are "
                               "withheld under the small-cell rule.", published=f"{found.published:,}",
                               withheld=f"{found.withheld:,}", share=fmt.fmt_pct(100.0 * found.share)))
