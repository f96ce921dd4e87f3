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
    ``conversations_path``, ``output_dir``. Fixed strings (headings, captions, table words,
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
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from . import alttext, analysis, figures, fmt, i18n
from .study import load_grid, load_study, repo_root, report_folder

ALL = "ALL"


@lru_cache(maxsize=4)
def _survey(data_path: str | None):
    from .readers import load_survey

    return load_survey(data_path)


def warm_up(data_path: str | None = None, conversations_path: str | None = None, lang: str = "en",
            countries: list[str] | None = None) -> None:
    """Load once what every section run loads first, in a process that then forks the runs.

    The build's fork server calls this before forking: each run then starts with the study's
    parameter files parsed, the survey read and validated (with the rows of each analysis
    population and place), and the fonts loaded, rather than paying for them again (about
    half a second a run). Only caches of functions of input files are filled; each run still
    gets its own copy of them and a fresh namespace. ``countries`` limits the places whose
    rows are selected ahead to those of the runs due (default: every study country).
    """
    import io

    from . import disclosure, qualitative

    load_study()
    load_grid()
    analysis.load_specs()
    disclosure.settings()
    i18n.Translator(lang)
    survey = _survey(str(data_path) if data_path else None)
    qualitative.load_conversations(conversations_path)
    # Drawing one small figure loads the fonts and the text layout machinery.
    fig = figures.share_bars(pd.DataFrame({"warm-up": [50.0]}, index=["warm-up"]), "warm-up")
    fig.savefig(io.BytesIO(), format="png")
    figures.plt.close(fig)
    # Last: a population query that does not fit the data fails here, after the rest is warm.
    analysis.warm_subsets(survey.eligible, [c.iso3 for c in load_study().countries]
                          if countries is None else list(countries))


class Section:
    """One run of one section notebook for one report."""

    def __init__(self, section: str, country: str = ALL, lang: str = "en", data_path: str | None = None,
                 conversations_path: str | None = None, output_dir: str | None = None) -> None:
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
        self.conversations_path = conversations_path
        default_dir = repo_root() / "outputs" / "scratch" / report_folder(country) / section
        self.output_dir = Path(output_dir) if output_dir else default_dir
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.values: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.names = {c.iso3: self.t(c.name) for c in self.study.countries}
        self.names[ALL] = self.t("All six countries")
        self._pooled_place = self.t("the six countries")
        self._pooled_checked = False

    # ------------------------------------------------------------------ data
    @property
    def survey(self):
        """The validated survey (eligible completes, exclusion log, source stamp)."""
        survey = _survey(str(self.data_path) if self.data_path else None)
        if not self._pooled_checked:
            # A partner's export may hold one country only: the pooled column then says what
            # it pools instead of claiming the six countries.
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
        return self.country == ALL

    # ------------------------------------------------------------------ display
    def header(self) -> None:
        """The section's title as the report's heading."""
        display(Markdown(f"# {self.title}"))

    def heading(self, text: str, level: int = 2) -> None:
        display(Markdown(f"{'#' * level} {text}"))

    def say(self, text: str) -> None:
        """A paragraph of narrative (already filled with computed values)."""
        display(Markdown(text))

    def record(self, name: str, value: Any, n: int | None = None, country: str | None = None, **extra: Any) -> None:
        """Record a key number of this run (read by the summary, the tests and the claims check)."""
        self.values.append({"name": name, "value": value, "n": n, "country": country or self.country,
                            "section": self.section, **extra})

    def show_table(self, table: pd.DataFrame, stem: str, caption: str) -> None:
        """Write a published table as CSV and show it (tables reaching here passed disclosure control)."""
        folder = self.output_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        table = i18n.translate_frame(table, self.t)
        flat = table.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = [" ".join(str(part) for part in col if part) for col in flat.columns]
        flat.to_csv(folder / f"{stem}.csv", index_label="")
        # Marked as a caption so the DOCX renderer gives it Word's Caption style.
        display(Markdown("*" + self.t("Table: {caption}", caption=caption) + "*"),
                metadata={"perspectives": {"kind": "caption", "of": "table"}})
        # The metadata lets other renderers (DOCX) rebuild a native table from the CSV.
        display(HTML(table.to_html(classes="report-table", na_rep="", border=0)),
                metadata={"perspectives": {"kind": "table", "csv": f"tables/{stem}.csv", "caption": caption}})

    def show_figure(self, fig, stem: str, caption: str) -> None:
        # The numbers the chart drew go with it: the assembler writes its text alternative from them.
        chart = alttext.attached(fig)
        png = figures.save(fig, self.output_dir / "figures", stem, self.study.figure_formats)
        display(Image(data=png, format="png"),
                metadata={"perspectives": {"kind": "figure", "png": f"figures/{stem}.png", "caption": caption,
                                           **({"chart": chart.to_json()} if chart else {})}})
        display(Markdown(f"*{caption}*"), metadata={"perspectives": {"kind": "caption", "of": "figure"}})

    # ------------------------------------------------------------------ analyses
    def run(self, analysis_id: str, show_table: bool = True) -> analysis.Result:
        """Compute, publish and narrate one analysis of ``params/analyses.yml``."""
        spec = analysis.spec(analysis_id)
        if spec.get("synthesis_only") and not self.is_synthesis:
            return None
        result = analysis.run(analysis_id, self.survey, self.country, self.names)
        for value in result.values:
            value["section"] = self.section
        self.values.extend(result.values)
        if not self.t.is_default:
            from .disclosure import settings

            result.context = i18n.translate_fields(result.context, self.t, settings().threshold)
        if spec.get("text"):
            self.say(result.narrative(self.t(spec["text"]), self.place))
        figure = spec.get("figure")
        caption_base = self.t(figure["caption"] if figure else spec.get("caption")
                              or analysis_id.replace("_", " ").capitalize())
        where = self.names[self.country]
        caption = self.t("{caption} — {place} (n = {n})", caption=caption_base, place=where, n=result.base_text or f"{result.base:,}")
        if figure:
            caption = self.t("Figure {number}. {caption}", number=figure["number"], caption=caption)
            self._draw(result, spec, f"fig{figure['number']:02d}_{analysis_id}", caption)
        # A breakdown by something other than country adds its cross-table; the pooled table is
        # shown by the analysis of that question already.
        breakdown_only = spec.get("by") not in (None, "country")
        if show_table and not result.table.empty and not breakdown_only:
            self.show_table(result.table, analysis_id, self.t("{caption} — {place}", caption=caption_base, place=where))
        if self.is_synthesis and "by_table" in result.context and spec.get("by"):
            by_table = result.context["by_table"].rename_axis(index=None, columns=None)
            self.show_table(by_table, f"{analysis_id}_by_{spec['by']}",
                            self.t("{caption} by {by} (counts and column %)", caption=caption_base,
                                   by=self.t(spec["by"].replace("_", " "))))
        if self.is_synthesis and "by_means" in result.context:
            means = result.context["by_means"]
            mean_caption = self.t("{caption}: mean by country", caption=caption_base)
            self.show_figure(figures.mean_bars(means, mean_caption, self.t("Mean (%)")),
                             f"{analysis_id}_means", mean_caption)
        if result.test is not None and "{test}" not in spec.get("text", ""):
            by = self.t(spec["by"].replace("_", " "))
            template = ("Test across {by}: {test} (some expected counts are small; read with care)."
                        if getattr(result.test, "small_expected", False) else "Test across {by}: {test}.")
            self.say(self.t(template, by=by, test=fmt.fmt_test(result.test)))
        for note in result.notes:
            if note not in self.notes:
                self.notes.append(note)
        return result

    def _draw(self, result: analysis.Result, spec: dict, stem: str, caption: str) -> None:
        title = self.t("{caption} — {place}", caption=self.t(spec["figure"]["caption"]), place=self.names[self.country])
        if result.figure_kind == "stacked" and result.shares is not None:
            fig = figures.stacked_shares(result.shares, title)
        elif self.is_synthesis and "by_safe_shares" in result.context and spec.get("by") == "country":
            shares = result.context["by_safe_shares"].T
            fig = figures.stacked_shares(shares, title)
            if shares.isna().any().any():
                caption += " " + self.t("Blank segments are withheld under the small-cell rule.")
        elif result.shares is not None:
            fig = figures.share_bars(result.shares, title)
        else:
            return
        self.show_figure(fig, stem, caption)

    # ------------------------------------------------------------------ end
    def finish(self) -> Path:
        """Explain the marks used and write ``values.json``; returns its path."""
        if self.notes:
            self.say(f"**{self.t('Notes on the tables.')}** " + " ".join(self.t(n) for n in self.notes))
        self.t.write_missing(self.output_dir)
        path = self.output_dir / "values.json"
        path.write_text(json.dumps(self.values, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path

    # ------------------------------------------------------------------ sample flow
    def sample_flow(self) -> None:
        """Responses received, excluded (partial; disqualified by criterion) and analysed."""
        from .analysis import publish_counts
        from .readers import exclusion_summary

        survey = self.survey
        log = survey.exclusions
        eligible = survey.eligible
        if not self.is_synthesis:
            log = log[log["country"] == self.country]
            eligible = eligible[eligible["country"] == self.country]
        summary = exclusion_summary(log)
        partial = int(summary.query("outcome == 'partial'")["n"].sum())
        disqualified = int(summary.query("outcome == 'disqualified' and criterion == ''")["n"].sum())
        no_consent = int(summary.query("outcome == 'no_consent'")["n"].sum())
        total = len(eligible) + partial + disqualified + no_consent
        t = self.t
        counts = pd.Series({t("Eligible and complete (analysed)"): len(eligible), t("Partial responses"): partial,
                            t("Disqualified by an eligibility question"): disqualified,
                            t("Did not consent"): no_consent})
        published = publish_counts(counts, total, True)
        table = pd.DataFrame({t("Responses"): published["n"], "%": published["percent"]})
        table.loc[t("All responses received")] = [f"{total:,}", ""]
        self.show_table(table, "sample_flow", t("What happened to the responses — {place}", place=self.names[self.country]))
        criteria = summary.query("outcome == 'disqualified' and criterion != ''").set_index("criterion")["n"]
        if len(criteria):
            labels = {name: self.survey.instrument.label(name) for name in criteria.index
                      if name in self.survey.instrument.questions}
            crit_pub = publish_counts(criteria.astype(int), int(criteria.sum()), True)
            crit_table = pd.DataFrame({t("Disqualified"): crit_pub["n"], "%": crit_pub["percent"]})
            crit_table.index = [labels.get(i, i) for i in crit_table.index]
            self.show_table(crit_table, "disqualified_by_criterion", t("First eligibility criterion not met"))
        for name, value in (("responses", total), ("eligible", len(eligible)), ("partial", partial),
                            ("disqualified", disqualified)):
            self.record(f"sample.{name}.n", int(value), n=total)
        for criterion, value in criteria.items():
            self.record(f"sample.disqualified.{criterion}.n", int(value), n=disqualified)
        self.say(t("Of {total} responses received for {place}, {eligible} were eligible and complete and are "
                   "analysed here; {partial} stopped before the end and {disqualified} did not meet an "
                   "eligibility criterion.", total=f"{total:,}", place=self.place, eligible=f"{len(eligible):,}",
                   partial=f"{partial:,}", disqualified=f"{disqualified:,}"))

    # ------------------------------------------------------------------ survivors
    @property
    def conversations(self):
        from . import qualitative

        return qualitative.load_conversations(self.conversations_path)

    def conversations_sample(self) -> None:
        """Who took part in the conversations (counts only), or a plain note where none were held."""
        from . import disclosure, qualitative

        country = None if self.is_synthesis else self.country
        self.say(self.t(qualitative.conversations_note(country)))
        if not qualitative.has_conversations(country):
            return
        table, values = qualitative.participant_summary(self.participants, country)
        counts = table[["female", "male"]]
        several = len(counts) > 1  # with one country the column totals are the cells themselves
        published = disclosure.publish(counts, additive_rows=True, additive_cols=several,
                                       row_totals=counts.sum(axis=1), col_totals=counts.sum() if several else None,
                                       percent="none")
        shown = published.table.rename(columns={"female": self.t("Young women"), "male": self.t("Young men")})
        shown[self.t("All")] = [f"{int(t):,}" for t in counts.sum(axis=1)]
        shown.index = [self.names.get(i, i) for i in shown.index]
        self.show_table(shown, "conversation_participants",
                        self.t("Conversation participants by gender — {place}", place=self.names[self.country]))
        self._note(published.notes)
        low, high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                     for c in ("age_at_conversation.min", "age_at_conversation.max"))
        first_low, first_high = (dict((n, v) for n, v, _ in values)[f"conversations.{c}"]
                                 for c in ("age_first_targeted.min", "age_first_targeted.max"))
        self.say(self.t("Participants were aged {low} to {high} at the time of the conversation; in the "
                        "participants table, the ages at which they were first targeted run from {first_low} "
                        "to {first_high}.", low=low, high=high, first_low=first_low, first_high=first_high))
        for name, value, n in values:
            self.record(name, value, n=n)

    @property
    def participants(self):
        from . import qualitative

        folder = Path(self.conversations_path).parent / "participants.csv" if self.conversations_path else None
        return qualitative.load_participants(folder)

    def _note(self, notes: list[str]) -> None:
        for note in notes:
            if note not in self.notes:
                self.notes.append(note)

    def survivor_themes(self) -> None:
        """How many participants raised each theme of this section, with screened, consented excerpts."""
        from . import disclosure, qualitative

        country = None if self.is_synthesis else self.country
        if not self.is_synthesis:
            self.say(self.t(qualitative.conversations_note(country)))
            if not qualitative.has_conversations(country):
                return
        codebook = qualitative.load_codebook()
        conversations = self.conversations
        summary = qualitative.section_theme_summary(conversations, codebook, self.section, country)
        if summary.empty:
            return
        summary = summary[summary["level"] <= 2]
        out_of = int(summary["out_of"].iloc[0])
        counts = summary.set_index("code")["participants"]
        published = analysis.publish_counts(counts, out_of, additive=False)
        theme, participants = self.t("Theme"), self.t("Participants")
        table = pd.DataFrame({theme: [self.t(label) for label in summary["label"]],
                              participants: published["n"].to_numpy(),
                              "%": published["percent"].to_numpy()}, index=summary["code"].to_numpy())
        table = table.set_index(theme)
        self.show_table(table, f"themes_{self.section}",
                        self.t("Conversation participants who raised each theme (of {out_of}) — {place}",
                               out_of=out_of, place=self.names[self.country]))
        self._note(published.attrs["notes"])
        hidden = published["n"].str.startswith("<") | (published["n"] == disclosure.WITHHELD_MARK)
        for code, value in counts.items():
            self.record(f"themes.{code}.n", None if hidden[code] else int(value), n=out_of, suppressed=bool(hidden[code]))
        if self.is_synthesis:
            matrix = qualitative.theme_matrix(conversations, codebook, level=None)
            matrix = matrix.loc[[c for c in summary["code"] if c in matrix.index and codebook.codes[c].level <= 2]]
            if not matrix.empty:
                published = disclosure.publish(matrix, additive_rows=False, additive_cols=False, percent="none",
                                               total_label=None)
                sup = published.suppression
                relabel = {"index": lambda c: self.t(codebook.label(c)), "columns": lambda c: self.names.get(c, c)}
                self.show_table(published.table.rename(**relabel).rename_axis(index=None, columns=None),
                                f"themes_{self.section}_by_country",
                                self.t("Participants who raised each theme, by country"))
                safe = sup.safe_counts.rename(**relabel)
                self.show_figure(figures.heatmap(safe, self.t("Participants raising each theme, by country")),
                                 f"themes_{self.section}_heatmap",
                                 self.t("Participants who raised each theme, by country (blank: fewer than "
                                        "{threshold}, withheld)", threshold=sup.threshold))
        excerpts, log = qualitative.section_excerpts(conversations, codebook, self.section, country)
        if excerpts:
            # Excerpts are what participants said (or, here, synthetic summaries): never machine-translated.
            self.t.note_missing("conversation excerpts (shown as recorded)")
            self.say(self.t("**Excerpts** (in the embedded data these are synthetic summaries; an excerpt is shown "
                            "only with the participant's consent and after a screen for identifying details):")
                     + "\n\n" + "\n\n".join(f"> {text}" for text in excerpts))
        blocked = int(log["blocked"].sum()) if len(log) else 0
        self.record(f"excerpts.{self.section}.blocked", blocked)
        if blocked:
            self.say(self.t("The identifying-details screen withheld {blocked} excerpt(s) on these themes.",
                            blocked=blocked))

    def _count_text(self, k: int, n: int) -> str:
        """'k of n' under the small-cell rule (1 to threshold-1 is not printed)."""
        from .disclosure import settings

        threshold = settings().threshold
        if 0 < k < threshold:
            return self.t("fewer than {threshold} of {n}", threshold=threshold, n=n)
        return self.t("{k} of {n}", k=k, n=n)

    def _qualitative_inputs(self) -> dict:
        return {"conversations": self.conversations, "participants": self.participants,
                "count_text": self._count_text}

    def open_text(self, question: str, k: int = 3) -> None:
        """Approved, screened answers to an open question; otherwise only how many were received."""
        from .open_text import load_approvals, select_open_text

        chosen = select_open_text(self.survey.eligible, question, load_approvals(self.data_path),
                                  self.study.data.get("id_column", "respondent_id"),
                                  None if self.is_synthesis else self.country, k)
        self.record(f"open_text.{question}.received", chosen.received)
        self.record(f"open_text.{question}.blocked", chosen.blocked)
        if chosen.received == 0:
            return
        label = self.survey.instrument.label(question)
        if chosen.shown:
            self.say(self.t("Answers to the open question '{label}', approved for publication and screened for "
                            "identifying details:", label=label) + "\n\n" +
                     "\n\n".join(f"> {text}" for text in chosen.shown))
        else:
            self.say(self.t("{n} workers answered the open question '{label}'; no answer is shown because none "
                            "has been approved for publication and passed the identifying-details screen.",
                            n=chosen.received, label=label))

    def recommendations(self) -> None:
        """The recommendations with the evidence each rests on (this country's where it has some)."""
        from . import qualitative

        country = None if self.is_synthesis else self.country
        # The recommendations are composed by perspectives.qualitative in English only.
        self.t.note_missing("recommendations text (perspectives.qualitative composes it in English)")
        self.say(qualitative.render_recommendations(country, **self._qualitative_inputs()))

    def roundtable(self) -> None:
        from . import qualitative

        country = None if self.is_synthesis else self.country
        self.t.note_missing("roundtable text (perspectives.qualitative composes it in English)")
        self.say(qualitative.render_roundtable(country, **self._qualitative_inputs()))

    # ------------------------------------------------------------------ summary
    def summary(self) -> None:
        """Key findings, filled from the values the other sections of this report recorded."""
        from .summary import key_findings

        report_dir = self.output_dir.parent
        findings, used = key_findings(report_dir, self.country, self.place, translate=self.t)
        for heading, bullets in findings:
            self.heading(heading, 3)
            self.say("\n".join(f"- {b}" for b in bullets))
        self.record("summary.values_used", used)
