"""The survivors' part of a report: participants who raised each theme, and the excerpts.

Purpose
    A section of the survivors' chapter (``Section.survivor_themes``) shows how many of the
    conversation participants raised each of its themes, through one small-cell mask per
    theme, or, where most counts would be withheld, whether some or all of them did (0 where none did);
    then the consented excerpts that passed the identifying-details screen, and how many were
    blocked. Apart from :mod:`perspectives.report` because it reads the conversations, not
    the survey, and its rules (the presence table, the excerpts' language) are its own.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

import pandas as pd

from . import analysis_subsets, analysis_tables, disclosure, figures, locales, report_display
from .escape import markdown_text as md
from .i18n import Gender
from .project import Project


def _subset_theme_matrix(conversations: pd.DataFrame, codebook: Any, project: Project) -> pd.DataFrame:
    """Participants raising each theme (every level) by country, once per conversations frame."""
    from . import qualitative_counts

    return analysis_subsets.cached_for_frame(conversations, "themes", "matrix",
                                     lambda: qualitative_counts.theme_matrix(conversations, codebook, level=None,
                                                                      project=project))


# Under a theme table that says some or all rather than counts, 0 where none did (see survivor_themes).
# Said in every section, so short: the explanation is said once, in the definitions ("Some or all",
# params/report_texts.yml), and each note refers to it.
THEMES_PRESENCE_NOTE = ("For {place}, the table says whether some or all of the participants raised each theme, "
                        "and 0 where none did (see “Some or all” in the definitions).")
# The same under the synthesis's theme tables (translated with the other notes).
PRESENCE_NOTE = ("Where a cell reads some or all, it says whether some or all of the participants raised the "
                 "theme, and 0 where none did (see “Some or all” in the definitions).")


# Said instead of a theme table whose every cell would be withheld.
THEMES_NOT_SHOWN = ("The themes raised in the conversations in {place} are not shown: with so few participants, "
                    "every count by theme would be withheld under the small-cell rule.")


def gender_mask(section) -> disclosure.Mask:
    """The conversations' participants by gender and place, through the small-cell rule (once per frame)."""
    participants = section.participants
    places = [c.iso3 for c in section.study.countries if (participants["country"] == c.iso3).any()]
    counts = pd.crosstab(participants["gender"], participants["country"]).reindex(
        index=["female", "male"], columns=places, fill_value=0)
    return analysis_subsets.cached_for_frame(participants, "mask", "conversations.gender",
                                             lambda: disclosure.suppress(disclosure.layout("conversations.gender", counts),
                                                                         rules=disclosure.settings(project=section.project)))


def participants_gender(section, place: str | None = None) -> Gender:
    """The grammatical gender of a place's participants (default: the report's own) as its gender table publishes it.

    The catalogues' ``agree: {field: participants, ...}`` forms choose by it
    (:func:`perspectives.qualitative_counts.group_gender`).
    """
    from . import qualitative_counts

    own = place or ("*" if section.is_synthesis else section.country)
    mask = gender_mask(section)
    shown = {gender: mask.count(f"{own}|{gender}") for gender in ("female", "male")}
    return Gender(qualitative_counts.group_gender(section.participants, None if own == "*" else own, shown))


def theme_masks(section, codes: list[str]) -> dict[str, disclosure.Mask]:
    """One mask per theme: participants who raised it (or not) by country, with the pooled count."""
    return masks_of(section.conversations, codes, section.project)


def mask_tasks(conversations: pd.DataFrame, project: Project) -> list[functools.partial]:
    """Every theme's mask search as one call each (for a build server's warm-up: the same in every report)."""
    from . import qualitative

    codebook = qualitative.load_codebook(project=project)
    codes = list(_subset_theme_matrix(conversations, codebook, project).index)
    return [functools.partial(masks_of, conversations, [code], project) for code in codes]


def masks_of(conversations: pd.DataFrame, codes: list[str], project: Project) -> dict[str, disclosure.Mask]:
    """:func:`theme_masks` of a conversations frame (cached by frame: one search per theme and frame)."""
    from . import qualitative

    codebook = qualitative.load_codebook(project=project)
    matrix = _subset_theme_matrix(conversations, codebook, project)
    places = list(matrix.columns)
    out_of = analysis_subsets.cached_for_frame(
        conversations, "themes", "out_of",
        lambda: conversations.groupby("country")["participant_id"].nunique().reindex(places).fillna(0).astype(int))
    masks = {}
    for code in codes:
        masks[code] = analysis_subsets.cached_for_frame(
            conversations, "mask", f"theme:{code}",
            lambda code=code: disclosure.suppress(
                disclosure.layout(f"themes.{code}",
                                  pd.DataFrame([matrix.loc[code], out_of - matrix.loc[code]], index=["yes", "no"]),
                                  shown=["yes"]),
                rules=disclosure.settings(project=project)))
    return masks


def is_counted(masks: dict[str, disclosure.Mask], place: str) -> bool:
    """Whether a place's participants are enough for counts by theme (at least twice the threshold).

    With fewer, a count other than none or all of them is below the threshold or leaves
    fewer than it: the small-cell rule could print no count but those, so the table says
    instead whether some or all of them raised the theme (0 where none did).
    """
    mask = next(iter(masks.values()), None)
    return mask is not None and mask.layout.value(f"{place}|*") >= 2 * mask.threshold


def mostly_published(masks: dict[str, disclosure.Mask], place: str) -> bool:
    """Whether at least half of a place's counts by theme can be published.

    A table of counts most of whose cells are withheld tells a reader little but that the
    numbers are small; where so, the table says 0, some or all instead (:func:`presence`).
    """
    shown = sum(mask.count(f"{place}|yes") is not None for mask in masks.values())
    return 2 * shown >= len(masks)


PRESENCE_WORDS = ("none", "some", "all")  # what a presence table says in place of a count


def presence_word(mask: disclosure.Mask, place: str) -> str | None:
    """Whether none, some or all of a place's participants raised a theme (English), or None where withheld."""
    count, base = mask.count(f"{place}|yes"), mask.count(f"{place}|*")
    if count is None:
        # Withheld on a base of at least the threshold: neither none nor all of them.
        return "some" if base is not None and base >= mask.threshold else None
    return "none" if count == 0 else "all" if count == base else "some"


def presence(section, mask: disclosure.Mask, place: str) -> disclosure.Entry:
    """Some or all of a place's participants raised a theme, or the count 0, as its mask publishes it.

    Zero is printed as the count it is, ``0``, in every theme table and heatmap as in every
    table of the survey: one form for one meaning, and a numeral reads alike in every
    language. "some" (a count withheld on a base of at least the threshold) and "all" stay
    words: the one is no number, and the other is clearer said than as the base again.
    """
    word = presence_word(mask, place)
    if word is None:
        return disclosure.text(disclosure.WITHHELD_MARK)
    if word == "none":
        return mask.n(f"{place}|yes")
    # Each word a literal of its own: the catalogues' keys are read from the calls' text.
    gender = participants_gender(section, place)
    said = {"some": section.t("some", participants=gender), "all": section.t("all", participants=gender)}
    return disclosure.text(said[word])


def place_masks(section) -> dict[str, disclosure.Mask]:
    """The masks of every theme a table lists (levels 1 and 2, every section): the place's counts by theme."""
    from . import qualitative

    codebook = qualitative.load_codebook(project=section.project)
    matrix = _subset_theme_matrix(section.conversations, codebook, section.project)
    codes = [c for c in matrix.index if c in codebook.codes and codebook.codes[c].level <= 2]
    return masks_of(section.conversations, codes, section.project)


def counts_shown(section, masks: dict[str, disclosure.Mask], place: str) -> bool:
    """Whether a place's column of theme counts prints counts, rather than some or all (the one rule).

    Counts where the place's participants are enough for them (:func:`is_counted`) and at
    least half of its counts by theme can be published (:func:`mostly_published`), judged
    over every theme table of the place (:func:`place_masks`), so that a country's theme
    tables all print counts or all say some or all, never one way in one section and the
    other in the next. The synthesis's pooled column ("*") is judged by the section's own
    themes (``masks``): pooled over every country, the counts are mostly publishable in some
    sections, and a rule over every section would put words in place of them all. The
    report's own table, the synthesis's table by country and its heatmap, and the
    recommendations' evidence all follow it, so that one theme of one place reads alike in
    every one of them.
    """
    every = masks if place == "*" else place_masks(section)
    return is_counted(every, place) and mostly_published(every, place)


def by_country_counted(section, masks: dict[str, disclosure.Mask]) -> bool:
    """Whether the synthesis's table and heatmap of themes by country print counts in every column.

    One scale of labels for each: counts where every country's column prints them
    (:func:`counts_shown`), else "0", "some" and "all" in every column, so that no count
    (a dark "5") stands among words. A country's own report keeps its own decision.
    """
    places = [p for p in (next(iter(masks.values())).layout.places if masks else []) if p != "*"]
    return all(counts_shown(section, masks, p) for p in places)


def theme_cell(section, masks: dict[str, disclosure.Mask], code: str, place: str,
               counted: bool | None = None) -> disclosure.Entry:
    """What a theme table prints for one theme and place: a count, "some"/"all", or the withheld mark.

    The one decision for every published theme cell (:func:`counts_shown` for the place, or
    ``counted`` where a table by country decides for all its columns: :func:`by_country_counted`;
    then the theme's mask), used by the national table, the table by country and the heatmap.
    """
    if counts_shown(section, masks, place) if counted is None else counted:
        return masks[code].n(f"{place}|yes")
    return presence(section, masks[code], place)


def cell_bounds(section, masks: dict[str, disclosure.Mask], code: str, place: str,
                counted: bool | None = None) -> tuple[int, int]:
    """The least and the most a place's published theme cell (:func:`theme_cell`) allows its count to be.

    A count is itself; 0 is none; "all" is the place's participants; "some" is at least one
    and at most one fewer than them; a withheld cell anything from 0 to them (a cell can be
    withheld to protect another, so the rule bounds it by no more than its base).
    """
    mask = masks[code]
    base = int(mask.layout.value(f"{place}|*"))
    if counts_shown(section, masks, place) if counted is None else counted:
        count = mask.count(f"{place}|yes")
        return (count, count) if count is not None else (0, base)
    word = presence_word(mask, place)
    return {"none": (0, 0), "all": (base, base), "some": (1, base - 1)}.get(word or "", (0, base))


def published_bounds(section, masks: dict[str, disclosure.Mask], code: str) -> tuple[int, int]:
    """The least and the most the report's published cells allow the count of its own place to be.

    The own place's cell bounds it; in the synthesis, so do the countries' cells, added up
    (a reader can add "all" of Colombia's participants and "some" of four others' to at least 5).
    """
    own = "*" if section.is_synthesis else section.country
    low, high = cell_bounds(section, masks, code, own)
    if section.is_synthesis:
        places = [p for p in masks[code].layout.places if p != "*"]
        parts = [cell_bounds(section, masks, code, p, by_country_counted(section, masks)) for p in places]
        low, high = max(low, sum(lo for lo, _ in parts)), min(high, sum(hi for _, hi in parts))
    return low, high


def says_presence(section, masks: dict[str, disclosure.Mask]) -> bool:
    """Whether the report's own theme table of these themes says some or all rather than counts.

    The one decision the table (:func:`own_theme_table`) and the recommendations' evidence
    (:func:`theme_presence`) both follow, so that the two use the same words.
    """
    return not counts_shown(section, masks, "*" if section.is_synthesis else section.country)


def _table_themes(section, theme: str) -> tuple[str, list[str]] | None:
    """The section whose theme table would hold ``theme`` (its codebook entry's), and the themes that table lists."""
    from . import qualitative, qualitative_counts

    codebook = qualitative.load_codebook(project=section.project)
    if theme not in codebook.codes:
        return None
    table_section = codebook.codes[theme].section
    country = None if section.is_synthesis else section.country
    summary = qualitative_counts.section_theme_summary(section.conversations, codebook, table_section, country,
                                                       project=section.project)
    return table_section, list(summary.loc[summary["level"] <= 2, "code"])


def theme_table_stem(section, theme: str) -> str | None:
    """The stem of the report's theme table that lists ``theme`` (``themes_<section>``), whether or not it was shown."""
    found = _table_themes(section, theme)
    return f"themes_{found[0]}" if found is not None and theme in found[1] else None


def theme_presence(section, theme: str) -> str | None:
    """What the report says of ``theme`` in place of a count: as its section's theme table says it.

    The theme's section (its codebook entry) decides, with the masks of that section's themes,
    whether the report's table of them says none, some or all (:func:`says_presence`); a theme
    whose section shows no table is said in the words the table would use.

    Returns:
        ``none``, ``some`` or ``all`` (English: the catalogue gives the report's word) where
        the table says that instead of counts; None where it shows counts, or the withheld mark.
    """
    found = _table_themes(section, theme)
    if found is None:
        return None
    codes = found[1]
    masks = theme_masks(section, codes if theme in codes else [*codes, theme])
    if not says_presence(section, {c: masks[c] for c in codes} or {theme: masks[theme]}):
        return None
    return presence_word(masks[theme], "*" if section.is_synthesis else section.country)


def national_presence(section, masks: dict[str, disclosure.Mask], codes: list[str], labels: dict[str, str],
                       caption: str) -> None:
    """A national theme table most of whose counts would be withheld: 0, some or all, or one sentence.

    Each cell is what the theme's mask publishes (:func:`presence`); where even that is
    withheld in every row, the table is not printed and one sentence says why.
    """
    place = md(section.names[section.country])
    cells = {labels[c]: theme_cell(section, masks, c, section.country) for c in codes}
    if all(cell.text == disclosure.WITHHELD_MARK for cell in cells.values()):
        section._paragraph(section.t(THEMES_NOT_SHOWN, place=place))
        return
    table = disclosure.table({section.t("Participants", participants=participants_gender(section)): cells})
    if says_themes_instead(section, table, masks, codes, labels):
        return
    note = section.t(THEMES_PRESENCE_NOTE, place=section.names[section.country],
                     participants=participants_gender(section))
    report_display.show_table(section, table, f"themes_{section.section}", caption, extra_notes=[note])


# A sub-theme's row in a table is indented under its theme: the spaces are non-breaking, so
# that HTML, the PDF printed from it and Word all keep them (a CSV cell holds them too), after
# an invisible word joiner, so that no writer trims them as leading white space (pandas does).
SUBTHEME_INDENT = "\u2060" + "\u00a0" * 4


def indented(label: str) -> str:
    """A sub-theme's label as a table's row heads it: indented under its theme."""
    return SUBTHEME_INDENT + label


# Under a heatmap of themes by country where some countries' cells say some or all (counts_shown).
HEATMAP_WORDS_NOTE = ("A cell that reads some or all says whether some or all of the participants in that country "
                      "raised the theme (see “Some or all” in the definitions).")


def heatmap_names(section_id: str) -> tuple[str, str]:
    """The heatmap of a section's themes by country: its figure's stem and its result (its data table's stem).

    One rule for the chapter that draws it and the recommendations that cite it
    (``[[figure:RESULT]]``).
    """
    return f"themes_{section_id}_heatmap", f"themes_{section_id}_by_country"


def show_theme_heatmap(section, masks: dict[str, disclosure.Mask], codes: list[str], labels: dict[str, str],
                       places: list[str], counted: list[str], subthemes: Collection[str] = ()) -> None:
    """The themes by country as a heatmap: every country that held conversations is a column.

    A sub-theme (``subthemes``) reads under its theme: its row's label is indented
    (:data:`perspectives.figures.SUBTHEME_INDENT`), as in the tables.

    Each cell is what the table by country prints (:func:`theme_cell`): a count (0 included)
    drawn as one, "some" or "all" written as the word, and the withheld mark, which the
    caption explains (``report_display.show_figure``). The chart's data table gives the
    published counts (0 and all are counts the mask publishes). ``counted``: the places whose
    cells are counts (:func:`counts_shown`).
    """
    columns = [section.names.get(p, p) for p in places]
    rows = [labels[c] for c in codes]
    counts = pd.DataFrame([[masks[c].count(f"{p}|yes") for p in places] for c in codes],
                          index=rows, columns=columns, dtype=float)
    # Each cell as the table prints it (theme_cell): a count is drawn as a count (its number,
    # 0 included), a withheld one as the mark, and "some" or "all" as the word.
    cells = [[theme_cell(section, masks, c, p, len(counted) == len(places)) for p in places] for c in codes]
    words = pd.DataFrame([["" if cell.refs or cell.text == disclosure.WITHHELD_MARK else cell.text for cell in line]
                          for line in cells], index=rows, columns=columns, dtype=object)
    caption = section.t("Participants who raised each theme, by country")
    if len(counted) < len(places):
        caption += ". " + section.t(HEATMAP_WORDS_NOTE)
    stem, result = heatmap_names(section.section)
    report_display.show_figure(section, figures.heatmap(counts, section.t("Participants raising each theme, by country"),
                                                        words, sub=[labels[c] for c in codes if c in subthemes]),
                               stem, caption, result=result)


def survivor_themes(section) -> None:
    """How many participants raised each theme of this section, with screened, consented excerpts."""
    from . import qualitative, qualitative_counts

    country = None if section.is_synthesis else section.country
    if not qualitative_counts.has_conversations(country, project=section.project):
        # Said where the survivors' part would be; where conversations were held, their number
        # is said once, under "Who took part", and each theme table's caption repeats it.
        section._paragraph(md(qualitative_counts.conversations_note(country, section.participants, translate=section.t,
                                                             project=section.project)))
        return
    codebook = qualitative.load_codebook(project=section.project)
    conversations = section.conversations
    summary = qualitative_counts.section_theme_summary(conversations, codebook, section.section, country,
                                                project=section.project)
    if summary.empty:
        return
    summary = summary[summary["level"] <= 2]
    codes = list(summary["code"])
    masks = theme_masks(section, codes)
    out_of = int(summary["out_of"].iloc[0])
    labels = {code: section.t(label) for code, label in zip(summary["code"], summary["label"], strict=True)}
    subthemes = {code for code, level in zip(summary["code"], summary["level"], strict=True) if level > 1}
    chart_labels = dict(labels)
    labels = {code: indented(label) if code in subthemes else label for code, label in labels.items()}
    # Each section's table is named by its topic: five captions alike told a reader nothing.
    own_theme_table(section, masks, codes, labels, section.t(
        "{topic}: conversation participants who raised each theme (of {out_of}) — {place}",
        topic=section.t(codebook.sections[section.section]), out_of=out_of, place=section.names[section.country],
        participants=participants_gender(section)))
    if section.is_synthesis:
        places = list(next(iter(masks.values())).layout.places) if masks else []
        scale = by_country_counted(section, masks)  # one scale of labels for the table and the heatmap
        counted = places if scale else []
        recorded = [p for p in places if is_counted(masks, p)]  # values.json: every count a place could give
        matrix = disclosure.table({section.names.get(p, p): {labels[c]: theme_cell(section, masks, c, p, scale)
                                                             for c in codes} for p in places})
        if codes:
            # The chart first: its table goes behind it, in the annex, whole (section.charted).
            show_theme_heatmap(section, masks, codes, chart_labels, places, counted, subthemes)
            report_display.show_table(section, matrix, f"themes_{section.section}_by_country",
                            section.t("Participants who raised each theme, by country"),
                            result=f"themes_{section.section}_by_country")
            if len(counted) < len(places):
                report_display.add_notes(section, [PRESENCE_NOTE])
            for code in codes:
                for place in recorded:
                    section.values.append(section._cell_value(masks[code], f"{place}|yes",
                                                        f"themes.{code}.{place}.n"))
    excerpts, log = qualitative_counts.section_excerpts(conversations, codebook, section.section, country,
                                                 project=section.project, lang=section.lang)
    report = section.texts() if excerpts or len(log) else None
    if excerpts:
        # Only a build from the embedded synthetic data calls its excerpts synthetic.
        lead = report.text("survivors.excerpts_synthetic" if "synthetic" in report.conditions
                           else "survivors.excerpts")
        section._paragraph(f"{lead}\n\n" + "\n\n".join(f"> {excerpt_markdown(section, text)}" for text in excerpts))
        excerpts_language(section, report, excerpts)
    blocked = int(log["blocked"].sum()) if len(log) else 0
    # A count of excerpts printed alone passes the small-cell threshold as any count does:
    # below it the report says only that some were held back, and values.json withholds it.
    shown = blocked == 0 or disclosure.statistic_shown(blocked, disclosure.settings(project=section.project).threshold)
    section._record(f"excerpts.{section.section}.blocked", blocked if shown else None,
                    **({} if shown else {"suppressed": True}))
    if blocked:
        section._paragraph(report.text("survivors.excerpts_blocked", n_blocked=blocked) if shown
                           else report.text("survivors.excerpts_blocked_some"))


def own_theme_table(section, masks: dict[str, disclosure.Mask], codes: list[str], labels: dict[str, str],
                     caption: str) -> None:
    """The report's own place's theme table: counts, or 0, some or all (see :func:`mostly_published`).

    The counts are recorded as their masks publish them, whichever the table shows; where the
    table says some or all instead, each is marked ``printed: false``, so that no sentence (the
    summary's) states a count the table does not print.
    """
    own = "*" if section.is_synthesis else section.country
    counted = is_counted(masks, own)
    presence_table = says_presence(section, masks)
    if counted:
        for code in codes:
            entry = section._cell_value(masks[code], f"{own}|yes", f"themes.{code}.n")
            if presence_table:
                entry["printed"] = False
            # What a reader can prove of the count from the published cells: the summary ranks by it.
            entry["bounds"] = list(published_bounds(section, masks, code))
            section.values.append(entry)
    if not section.is_synthesis and presence_table:
        national_presence(section, masks, codes, labels, caption)
        return
    if not presence_table:
        # Counts alone, as the table by country prints them: a share of a few participants (one
        # person is ten points of ten) is no estimate, and its small-base mark would fall on zeros.
        table = disclosure.table({
            section.t("Participants", participants=participants_gender(section)): {labels[c]: masks[c].n(f"{own}|yes") for c in codes},
        })
    else:
        table = disclosure.table({section.t("Participants", participants=participants_gender(section)): {labels[c]: theme_cell(section, masks, c, own) for c in codes}})
        if says_themes_instead(section, table, masks, codes, labels):
            return
        report_display.add_notes(section, [PRESENCE_NOTE])
    report_display.show_table(section, table, f"themes_{section.section}", caption)


# Said in place of a theme table every cell of which reads the same word: the word and the
# themes, and nothing of why a count is not given (that is said once, in the definitions, to
# which a short pointer leads where the word is "some"). Where none of the participants raised
# any theme, or all of them every theme, the word would read badly ("raised by 0 of the 9"), so
# the sentence says so in words. In the synthesis, where the chart (or table) by country
# follows, the sentence points to it rather than list the themes again. A word that is the
# withheld mark is no number to say: the sentence says the counts are not shown.
# Each entry: (national sentence, synthesis sentence); written here so that the catalogues'
# keys are read from it.
THEMES_SAID = {
    "count": ("Each of these themes was raised by {word} of the {out_of} participants: {themes}.",
              "Each theme of this section was raised by {word} of the {out_of} participants. Where "
              "each theme was raised is shown by country below."),
    "none": ("None of these themes was raised by any of the {out_of} participants: {themes}.",
             "No theme of this section was raised by any of the {out_of} participants."),
    "all": ("Each of these themes was raised by every one of the {out_of} participants: {themes}.",
            "Each theme of this section was raised by every one of the {out_of} participants. Where each "
            "theme was raised is shown by country below."),
    "withheld": ("How many of the {out_of} participants raised each of these themes is not shown: {themes}.",
                 "How many of the {out_of} participants raised each of these themes is not shown: {themes}."),
}
SOME_POINTER = "See “Some or all” in the definitions."
WITHHELD_POINTER = "See “Withheld number” in the definitions."


def uniform_kind(section, word: str) -> str:
    """What the one word of a uniform theme table (:func:`theme_cell`) is: ``"count"``, ``"some"`` or ``"withheld"``.

    A count (0 included) and "all" are published numbers; the withheld mark is none; "some"
    says a count is withheld. Read from the word the table prints, so the sentence says what it shows.
    """
    if word == disclosure.WITHHELD_MARK:
        return "withheld"
    published = {section.t("all", participants=participants_gender(section))}
    return "count" if word.replace(",", "").isdigit() or word in published else "some"


def says_themes_instead(section, table: disclosure.PublishedTable, masks: dict[str, disclosure.Mask],
                        codes: list[str], labels: dict[str, str]) -> bool:
    """Say a theme table whose every cell reads the same word in one sentence instead; whether it did.

    The rule is the tables' one (``tables.min_distinct_cells`` in ``params/study.yml``,
    :func:`perspectives.analysis_tables.sentence_rule`). In the synthesis the chart by country
    that follows (:func:`show_theme_heatmap`, or its table) shows where each theme was raised,
    so the sentence names no theme and points to it instead of repeating it. A published word
    (a count, 0 or "all") is said as it is, none and all of them in words (:data:`THEMES_SAID`);
    "some" and a withheld count point to their definition.
    """
    rule = analysis_tables.study_sentence_rule(section.study, table.frame)
    if rule != analysis_tables.UNIFORM_RULE:
        return False
    word = next(str(v).strip() for v in table.frame.to_numpy().ravel() if str(v).strip())
    names = [locales.inside_sentence(labels[c].replace(SUBTHEME_INDENT, "").strip()) for c in codes]
    own = "*" if section.is_synthesis else section.country
    mask = next(iter(masks.values()))
    out_of = int(mask.layout.value(f"{own}|*"))
    kind = uniform_kind(section, word)
    if kind == "count":
        # None of them raised any theme, or all of them every one: said in words.
        presence = presence_word(masks[codes[0]], own)
        kind = presence if presence in ("none", "all") else "count"
    national, by_country = THEMES_SAID["count" if kind == "some" else kind]
    said = section.t(by_country if section.is_synthesis else national, word=md(word),
                     themes=md(locales.join(names, section.lang)), out_of=out_of,
                     participants=participants_gender(section))
    pointer = {"some": section.t(SOME_POINTER), "withheld": section.t(WITHHELD_POINTER)}.get(kind)
    section._paragraph(f"{said} {pointer}" if pointer else said)
    return True


def excerpt_markdown(section, text: str) -> str:
    """An excerpt as Markdown, the synthetic data's mark (:data:`qualitative.SYNTHETIC_TAG`) in the report's words.

    The mark is a report string: the generator writes it at the head of every excerpt, in
    each language's column, and the report prints its own language's word for it.
    """
    from .qualitative import SYNTHETIC_TAG

    if not text.startswith(SYNTHETIC_TAG):
        return md(text)
    return f"{md(section.t('[synthetic]'))} {md(text.removeprefix(SYNTHETIC_TAG).lstrip())}"


def excerpts_language(section, report, excerpts: list) -> None:
    """What a reader is told of the language the excerpts are quoted in.

    An excerpt is printed in the translation the conversations file gives for the report's
    language (an ``excerpt::LANG`` column), else as recorded: a real one in the language of
    its conversation, a synthetic one in the language the generator wrote it in (a report in
    that language needs no word on it). Nothing is machine-translated.
    """
    from .texts import SYNTHETIC_EXCERPTS_LANGUAGE

    translated = [bool(getattr(text, "translated", False)) for text in excerpts]
    if not all(translated):
        # An excerpt quoted as recorded is not the report's language, nor machine-translated.
        section.t.note_missing("conversation excerpts (shown as recorded)")
    if "synthetic" in report.conditions:
        if all(translated) or section.lang == SYNTHETIC_EXCERPTS_LANGUAGE:
            return
        language = locales.language_name(SYNTHETIC_EXCERPTS_LANGUAGE, section.lang)
        key = "survivors.excerpts_partly_synthetic" if any(translated) else "survivors.excerpts_language_synthetic"
        section._paragraph(report.text(key, language=language))
        return
    key = ("survivors.excerpts_translated" if all(translated) else "survivors.excerpts_partly_translated"
           if any(translated) else "survivors.excerpts_as_recorded")
    section._paragraph(report.text(key))
