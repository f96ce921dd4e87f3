"""How a section's run shows what it publishes in the notebook, and writes its tables and figures.

Purpose
    Every ``IPython.display`` call of a section's run is made here: paragraphs and headings
    as Markdown, a published table written as CSV (with the cells it counts, for the audit)
    and shown as HTML, a figure saved in the study's formats and shown with its caption, and
    the notes on the marks the tables used. The metadata attached to each output is what the
    assembler and the Word renderer read. Apart from :mod:`perspectives.report` so that the
    section object holds the run's state and this module what it prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from . import alttext, analysis_tables, disclosure, figures, figures_png, i18n, locales
from .escape import frame_csv
from .escape import markdown_text as md
from .texts import Markdown as Filled
from .texts import Texts


def markdown(text: str) -> None:
    """Show Markdown already escaped (a heading, a title)."""
    display(Markdown(text))


def paragraph(text: str, lang: str) -> None:
    """A paragraph of narrative already filled and translated: Markdown whose texts are escaped.

    Its shares are written as the report's language ``lang`` writes them (CLDR), but in a quote.
    """
    display(Markdown(locales.percents_in_text(text, lang)))


def show_notes(section: Any) -> None:
    """The notes on the marks the run's tables used, in one paragraph."""
    # Marked, so a report that notes the marks under each table can leave it out.
    display(Markdown(f"**{md(section.t('Notes on the tables.'))}** " + " ".join(md(note_text(section, n))
                                                                             for n in section.notes)),
            metadata={"perspectives": {"kind": "notes"}})


# Said instead of a table, or under it, where the small-cell rule leaves a reader nothing to read
# (every share and the number who answered withheld: counts alone cannot be weighed). The number
# who answered is often large and withheld because it differs by a few from another number the
# report gives (Moldova's 53 answers on technology beside its 54 workers): "too few answers"
# misread it. Which of the two reasons holds is not said: that would tell the base's size.
TABLE_TOO_FEW = ("{caption}: not shown. The number who answered is withheld under the small-cell rule, and every "
                 "share with it: it is small, or, with the other numbers the report gives, it would let a small "
                 "number be worked out.")
COLUMNS_TOO_FEW = ("{places}: not shown. The number who answered is withheld under the small-cell rule, and every "
                   "share with it: it is small, or, with the other numbers the report gives, it would let a small "
                   "number be worked out.")


def readable_part(section, table: disclosure.PublishedTable) -> tuple[disclosure.PublishedTable | None, list[str]]:
    """The one rule for a table a reader could not read: its unreadable column groups left out, with a note.

    A column group whose every share and base are withheld
    (:meth:`perspectives.disclosure.PublishedTable.unreadable`) is not printed, and a note
    in the report's language names it; a table left with no such group is not printed at all
    (None), and its caller says one sentence instead. Nothing is un-withheld: what is printed
    is what the masks published.
    """
    dropped = table.unreadable()
    if not dropped:
        return table, []
    groups = {c[0] if isinstance(c, tuple) else c for c in table.columns}
    if set(dropped) >= groups:
        return None, []
    names = [section.t(str(g)) if str(g) in section.t.catalogue else str(g) for g in dropped]
    return table.without(dropped), [section.t(COLUMNS_TOO_FEW, places=locales.join(names, section.lang))]


def place_in_title(section, table: disclosure.PublishedTable, where: str) -> str:
    """The place a table's title names: ``where``, unless the table prints no column of it.

    A table whose columns are places (the country's and all countries') and whose country's
    column is not printed (:func:`readable_part`) is titled by the places it prints, so that its
    title never names a place it does not show.
    """
    printed, _ = readable_part(section, table)
    if printed is None:
        return where
    groups = list(dict.fromkeys(str(c[0] if isinstance(c, tuple) else c) for c in printed.columns))
    named = [g for g in groups if g in set(section.names.values())]
    if not named or where in groups:
        return where
    return locales.join(named, section.lang)


def show_table(section, table: disclosure.PublishedTable, stem: str, caption: str, result: str | None = None,
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
    table, too_few = readable_part(section, table)
    if table is None:
        paragraph(section.t(TABLE_TOO_FEW, caption=md(caption)), section.lang)
        return
    extra_notes = [*too_few, *extra_notes]
    caption = locales.percents_in_text(caption, section.lang)
    frame = i18n.translate_frame(table.frame, section.t, (*i18n.TABLE_WORDS, *analysis_tables.combination_label_texts(section.project)))
    # Row labels that are shares ("0-25%") as the language writes them, as the cells are at assembly.
    if not section.t.is_default and not isinstance(frame.index, pd.MultiIndex):
        frame.index = pd.Index([locales.percents_in_text(str(label), section.lang) for label in frame.index],
                               name=frame.index.name)
    if result is None or result not in section.charted:
        # A table in the body that a sentence says better (tables in params/study.yml); the
        # table behind a chart is kept whole, in the annex.
        rule = analysis_tables.study_sentence_rule(section.study, table.frame)
        if rule is not None:
            said = table_sentence(section, table, frame, caption, rule)
            if said:
                paragraph(said, section.lang)
            return
    frame, subtotal_notes = marked_subtotals(section, table, frame)
    extra_notes = [*subtotal_notes, *extra_notes]
    folder = section.output_dir / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    flat = frame.copy()
    if isinstance(flat.columns, pd.MultiIndex):
        flat.columns = [" ".join(str(part) for part in col if part) for col in flat.columns]
    # Spreadsheets read a cell starting with "=", "+", "-" or "@" as a formula: neutralised.
    (folder / f"{stem}.csv").write_bytes(frame_csv(flat, index_label="").encode("utf-8"))
    # Positions are the CSV's data rows and columns (0-based, the index column not counted).
    (folder / f"{stem}.disclosure.json").write_text(
        "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          for item in table.describe()) + "\n]\n", encoding="utf-8")
    add_notes(section, table.notes)
    # Marked as a caption so the DOCX renderer gives it Word's Caption style.
    display(Markdown("*" + md(section.t("Table: {caption}", caption=caption)) + "*"),
            metadata={"perspectives": {"kind": "caption", "of": "table"}})
    # The metadata lets other renderers (DOCX) rebuild a native table from the CSV.
    settings = disclosure.settings(project=section.project)
    notes = [note_text(section, n) for n in disclosure.notes_for([table], settings.threshold,
                                                               settings.reliability_min_n)]
    notes = [locales.percents_in_text(note, section.lang) for note in [*notes, *extra_notes]]
    subtotal_rows = sorted(analysis_tables.subtotals(table))
    display(HTML(frame.to_html(classes="report-table", na_rep="", border=0)),
            metadata={"perspectives": {"kind": "table", "csv": f"tables/{stem}.csv", "caption": caption,
                                       **({"subtotals": subtotal_rows} if subtotal_rows else {}),
                                       **({"result": result} if result else {}),
                                       **({"notes": notes} if notes else {})}})


# A combination printed beside the answers it adds up: its row is named as a subtotal in every
# format (HTML, PDF, Word and the CSV read the same label), and a note under the table says what it adds up.
SUBTOTAL_LABEL = "{label} (combined)"
SUBTOTAL_NOTE = "“{label}” is a subtotal: it adds up {parts}, shown above it."
# Said in place of a table in the body that a sentence says better (analysis_tables.sentence_rule).
# The base's row of a table (its English label), said as the respondents an answer's count is of.
BASE_ROW = "Respondents"
# A share printed with its count in one cell: "86% (n = 42)".
_SHARE_WITH_N = re.compile(r"(?P<share>\S+%)\s*\(n = (?P<count>[^)]+)\)")
TABLE_UNIFORM = "{caption}: every entry of the table reads “{word}”: {rows}."


def marked_subtotals(section, table: disclosure.PublishedTable, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The table's subtotal rows labelled as such (:data:`SUBTOTAL_LABEL`), with one note for each.

    A subtotal is read from what the cells count (:func:`perspectives.analysis_tables.subtotals`).
    """
    found = analysis_tables.subtotals(table)
    if not found or isinstance(frame.index, pd.MultiIndex):
        return frame, []
    labels = [str(label) for label in frame.index]
    notes = []
    for row, parts in found.items():
        listed = locales.join([section.t(i18n.quotes_for(section.t, labels[k].strip()), label=labels[k].strip())
                               for k in parts], section.lang)
        labels[row] = section.t(SUBTOTAL_LABEL, label=labels[row])
        notes.append(section.t(SUBTOTAL_NOTE, label=labels[row], parts=listed))
    out = frame.copy()
    out.index = pd.Index(labels, name=frame.index.name)
    return out, notes


def _count_share(values: list[str]) -> tuple[str | None, str | None]:
    """A published cell's count and share as the table prints them (``12``, ``40%``), either may be None."""
    if len(values) == 2 and values[1].endswith("%") and not values[0].endswith("%"):
        return values[0], values[1]
    if len(values) == 1:
        found = _SHARE_WITH_N.fullmatch(values[0])
        if found:
            return found["count"], found["share"]
        value = values[0].removeprefix("n = ")
        return (None, value) if value.endswith("%") else (value, None)
    return None, None


def _group_sentence(section, texts, group: str, rows: list[tuple[str, str, list[str]]]) -> str | None:
    """What a table publishes in one column group, as a sentence; None when it publishes no answer's number."""
    base, answers = None, []
    for english, label, values in rows:
        count, share = _count_share(values)
        if english == BASE_ROW:
            base = count
        elif count is not None or share is not None:
            answers.append(texts.text("sentences.table_answer", answer_count=count, share=share, option=label)
                           or texts.text("sentences.table_answer_share", share=share or count, option=label))
    if not answers:
        return None
    listed = Filled(locales.join([str(a) for a in answers], section.lang))
    place = None
    if group == section.names.get(section.synthesis):
        place = section.t.plural("the {count} countries", len(section.study.countries))
    elif group in set(section.names.values()):
        place = group
    paths = ("table_place", "table_place_no_base", "table_column", "table_column_no_base", "table_base", "table_answers")
    for path in paths if place or group else paths[4:]:
        said = texts.text(f"sentences.{path}", column_place=place, column=group or None, base=base, answers=listed)
        if said is not None:
            return said
    return None


def _bases_blanked(table: disclosure.PublishedTable, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (the table's cells, in any language) with every base outside the base's row left empty.

    A cell that counts all of a place's people (its mask cell ``PLACE|*``) is no answer: in a
    table whose rows are places and whose columns answers (participants by gender, the last
    column all of them), it would be read as "9 answered “Colombia”". The base's own row
    (:data:`BASE_ROW`) is kept: the sentence says it as the respondents the answers are of.
    """
    out = frame.copy()
    for (i, j), entry in table.entries.items():
        is_base = all(measure == "count" and cell.endswith("|*") for measure, _, cell, _ in entry.refs)
        if is_base and str(table.frame.index[i]).strip() != BASE_ROW:
            out.iat[i, j] = ""
    return out


def table_sentence(section, table: disclosure.PublishedTable, frame: pd.DataFrame, caption: str, rule: str) -> str:
    """The sentence said in place of a table (``rule``: :func:`perspectives.analysis_tables.sentence_rule`), escaped.

    A table whose answers' numbers are all withheld is said to be withheld; otherwise each
    column group that publishes an answer's number says it in a sentence (with its base where
    the table prints it), built from the printed cells only, so that nothing the table would
    have withheld is said.
    """
    if rule == analysis_tables.UNIFORM_RULE:
        word = next(str(v).strip() for v in frame.to_numpy().ravel() if str(v).strip())
        rows = locales.join([str(r).replace("\u2060", "").strip() for r in frame.index], section.lang)
        return section.t(TABLE_UNIFORM, caption=md(caption), word=md(word), rows=md(rows))
    texts = Texts(section.t)
    # The table's own (English) labels tell a base's row; the report's language's are said.
    groups: dict[str, list[tuple[str, str, list[str]]]] = {}
    places = set(section.names.values())
    english_cells = analysis_tables.published_cells(_bases_blanked(table, table.frame), places)
    cells = analysis_tables.published_cells(_bases_blanked(table, frame), places)
    for (_, english, _), (group, label, values) in zip(english_cells, cells, strict=True):
        groups.setdefault(group, []).append((english, label, values))
    groups, compared = _answers_in_every_group(groups)
    said = [s for g, rows in groups.items() if (s := _group_sentence(section, texts, g, rows)) is not None]
    if not said and compared:
        return ""  # no answer published in every column: one group's women beside another's men says nothing
    if not said:
        return texts.plain_text("sentences.table_withheld", caption=caption)
    return " ".join([texts.plain_text("sentences.table_mostly_withheld", caption=caption), *said])


def _answers_in_every_group(groups: dict[str, list[tuple[str, str, list[str]]]]
                            ) -> tuple[dict[str, list[tuple[str, str, list[str]]]], bool]:
    """Each column group's rows less the answers another group does not publish, and whether any was left out.

    A sentence in place of a mostly withheld table sets its groups side by side: it states an
    answer for every group that publishes any or for none, so that a reader never compares
    Mexico's women with the six countries' men (the base's row is kept).

    Args:
        groups: column group -> its rows as ``(English label, label, printed values)``.

    Returns:
        The groups with only the common answers' rows (and the base's), and True where an
        answer some group publishes was left out.
    """
    published = {g: {english for english, _, values in rows if english != BASE_ROW and any(_count_share(values))}
                 for g, rows in groups.items()}
    # A group that publishes no answer says nothing and constrains nothing (its base alone is no answer).
    common = set.intersection(*[p for p in published.values() if p] or [set()])
    kept = {g: [row for row in rows if row[0] == BASE_ROW or row[0] in common] for g, rows in groups.items()}
    return kept, any(published[g] - common for g in groups)


# Said in the caption of every chart that writes the withheld mark in place of a value.
CHART_MARK_NOTE = ("{mark}: not shown under the small-cell rule (the number is below {threshold}, would let one "
                   "below {threshold} be worked out, or is counted in a combined answer).")


def show_figure(section, fig, stem: str, caption: str, result: str | None = None) -> bool:
    """Save ``fig`` under ``stem`` in the study's formats and show it with its caption.

    The numbers the chart drew go with it: the assembler writes the figure's text
    alternative from them. ``result`` names the analysis it draws (see :func:`show_table`).
    A chart with too little to show (:func:`perspectives.figures.too_little_to_show`) is
    neither saved nor shown: its result's table stays in the body in its place, and the
    report's numbering (:mod:`perspectives.outline`) has no figure for it in any format.

    Returns:
        Whether the figure was shown.
    """
    # The numbers the chart drew go with it: the assembler writes its text alternative from them.
    chart = alttext.attached(fig)
    if figures.too_little_to_show(chart):
        figures.plt.close(fig)
        return False
    # Words a chart draws itself (an axis label) in the report's language where the catalogue has them.
    for text in fig.findobj(figures.plt.Text):
        if text.get_text() in section.t.catalogue:
            text.set_text(section.t(text.get_text()))
        # The values on the bars too: shares as the report's language writes them.
        text.set_text(locales.percents_in_text(text.get_text(), section.lang))
    if any(text.get_visible() and text.get_text() == disclosure.WITHHELD_MARK for text in fig.findobj(figures.plt.Text)):
        # The chart writes the withheld mark where a value would be: its caption says what it means.
        settings = disclosure.settings(project=section.project)
        caption = caption.rstrip() + (" " if caption.rstrip().endswith(".") else ". ") + section.t(CHART_MARK_NOTE, mark=disclosure.WITHHELD_MARK,
                                                     threshold=settings.threshold)
    caption = locales.percents_in_text(caption, section.lang)
    if result is not None:
        section.charted.add(result)
    png = figures_png.save(fig, section.output_dir / "figures", stem, section.study.figure_formats)
    # The words drawn into the picture, for the check of what a reader meets in English.
    texts = sorted({t.get_text() for t in fig.findobj(figures.plt.Text) if t.get_visible() and t.get_text().strip()})
    display(Image(data=png, format="png"),
            metadata={"perspectives": {"kind": "figure", "png": f"figures/{stem}.png", "caption": caption,
                                       "texts": texts, **({"result": result} if result else {}),
                                       **({"chart": chart.to_json()} if chart else {})}})
    display(Markdown(f"*{md(caption)}*"), metadata={"perspectives": {"kind": "caption", "of": "figure"}})
    return True


def note_text(section, note: str) -> str:
    """A table note in the report's language: through its template when it explains a mark."""
    settings = disclosure.settings(project=section.project)
    fields = {"threshold": settings.threshold, "reliability_min_n": settings.reliability_min_n}
    for name, template in disclosure.NOTES.items():
        if note == template.format(mark=disclosure.note_mark(name), **fields):
            return section.t(template, mark=disclosure.note_mark(name), **fields)
    return section.t(note)


def add_notes(section, notes: Iterable[str]) -> None:
    """Add the notes of a table to the run's, each once (:func:`show_notes` shows them)."""
    for note in notes:
        if note not in section.notes:
            section.notes.append(note)
