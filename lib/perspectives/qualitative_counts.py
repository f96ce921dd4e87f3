"""The counting rule of the conversations and what the reports print from it.

Purpose
    Count how many participants raised each theme (the one counting rule every report uses:
    distinct participants, a code counting for its ancestors), recompute the counts the
    published report prints (``data/conversation_counts.yml``), build the theme tables and
    the participants' summary of a report, choose consented, screened excerpts, and write the
    sentence on where conversations were held. Separate from :mod:`perspectives.qualitative`,
    which reads and validates the data these functions count.

Inputs
    The validated tables and codebook of :mod:`perspectives.qualitative`,
    ``data/conversation_counts.yml`` and ``params/study.yml`` (the countries' order, which of
    them held conversations, the synthesis code).

Outputs
    Count tables (``pd.Series``/``pd.DataFrame``), the printed counts as :class:`CountTarget`,
    screened excerpts with their :class:`perspectives.screen.ScreenLog` (no excerpt text in a
    log) and plain sentences in the report's language.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perspectives import locales
from perspectives.i18n import Gender, Translator
from perspectives.project import Project, default
from perspectives.qualitative import (
    Codebook,
    QualitativeDataError,
    excerpt_translations,
    load_codebook,
    load_participants,
    read_data_file,
    split_codes,
    study_countries,
)
from perspectives.screen import ScreenLog, screen_excerpts
from perspectives.study import Country

__all__ = [
    "CountTarget",
    "load_counts",
    "participants_raising",
    "participants_receiving",
    "count_target",
    "observed_range",
    "theme_matrix",
    "section_theme_summary",
    "select_excerpts",
    "conversations_note",
    "has_conversations",
    "participant_summary",
    "section_excerpts",
    "Excerpt",
    "group_gender",
]

# The grammatical gender of a group all of whose members give one gender (the
# participants table's values); a mixed group is "mixed", and a catalogue's form for it, or
# the entry's own text, serves.
GROUP_GENDERS = {"female": "feminine", "male": "masculine"}

# The study's file of printed counts, from the study folder's root.
COUNTS_FILE = "data/conversation_counts.yml"
_COUNT_KINDS = ("participants", "theme", "support", "attribute", "range")


# ------------------------------------------------------------------------------ counting

def theme_raisers(conversations: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """Code -> country -> the participants who raised that code or one of its descendants.

    Every code is filed under itself and each of its ancestors (``a.b.c`` under ``a``,
    ``a.b`` and ``a.b.c``), so a count per theme is one lookup rather than a scan of the
    notes for each theme.
    """
    index: dict[str, dict[str, set[str]]] = {}
    for pid, country, themes in conversations[["participant_id", "country", "themes"]].itertuples(index=False):
        for code in split_codes(themes):
            parts = code.split(".")
            for depth in range(1, len(parts) + 1):
                index.setdefault(".".join(parts[:depth]), {}).setdefault(country, set()).add(pid)
    return index


def count_by_country(raisers: dict[str, dict[str, set[str]]], code: str, order: list[str]) -> pd.Series:
    by_country = raisers.get(code, {})
    return pd.Series([len(by_country.get(c, ())) for c in order], index=pd.Index(order, name="country"),
                     dtype="int64", name=code)


def country_order(present: Iterable[str], study_path: Path | str | None = None,
                   project: Project | None = None) -> list[str]:
    present = set(present)
    return [c.iso3 for c in study_countries(study_path, project)[0] if c.iso3 in present]


def participants_raising(conversations: pd.DataFrame, code: str,
                         codebook: Codebook | None = None, *, project: Project | None = None) -> pd.Series:
    """Distinct participants per country who raised ``code`` or any of its descendants.

    Indexed by the countries present in ``conversations`` (study order); a country with no
    conversations is absent, never a zero. ``project``: the study folder (default: the one
    around the working directory), for the codebook and the countries' order.
    """
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if code not in codebook:
        raise KeyError(f"unknown theme code {code!r}; see {codebook.path}")
    return count_by_country(theme_raisers(conversations), code,
                             country_order(conversations["country"], project=project))


def participants_receiving(participants: pd.DataFrame, support_code: str,
                           codebook: Codebook | None = None, *, project: Project | None = None) -> pd.Series:
    """Participants per country whose ``support_received`` includes ``support_code``."""
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if support_code not in codebook.support_codes:
        raise KeyError(f"unknown support code {support_code!r}; see {codebook.path}")
    has = participants["support_received"].map(lambda v: support_code in split_codes(v))
    order = country_order(participants["country"], project=project)
    counts = participants[has].groupby("country")["participant_id"].nunique()
    return counts.reindex(order, fill_value=0).astype(int).rename(support_code)


@dataclass(frozen=True)
class CountTarget:
    """A count printed in the published report (see data/conversation_counts.yml)."""

    id: str
    country: str
    kind: str
    count: int
    out_of: int
    paraphrase: str
    line: int
    target: str = ""
    min: int | None = None
    max: int | None = None
    eligible: str = ""
    note: str = ""
    subset_of: str = ""
    disjoint_from: tuple[str, ...] = ()


def load_counts(path: Path | str | None = None, codebook: Codebook | None = None,
                study_path: Path | str | None = None, *, project: Project | None = None) -> list[CountTarget]:
    """Read and validate the report's printed counts (default: the project's ``data/conversation_counts.yml``)."""
    path = Path(path) if path is not None else default(project).path(COUNTS_FILE)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    countries, synthesis = study_countries(study_path, project)
    valid_countries = {c.iso3 for c in countries} | {synthesis}
    out: list[CountTarget] = []
    for i, entry in enumerate(read_data_file(path)["counts"], start=1):
        try:
            t = CountTarget(**{**entry, "disjoint_from": tuple(entry.get("disjoint_from", ()))})
        except TypeError as exc:
            raise QualitativeDataError(path, f"entry {i} has wrong fields ({exc})", "see the field list at the top") from exc
        where = f"entry {t.id!r}"
        if t.kind not in _COUNT_KINDS:
            raise QualitativeDataError(path, f"{where}: unknown kind {t.kind!r}", f"use one of {', '.join(_COUNT_KINDS)}")
        if t.country not in valid_countries:
            raise QualitativeDataError(path, f"{where}: unknown country {t.country!r}", "use an ISO3 code or the synthesis code")
        if t.kind == "theme" and t.target not in codebook:
            raise QualitativeDataError(path, f"{where}: unknown theme code {t.target!r}", "use a codebook code")
        if t.kind == "support" and t.target not in codebook.support_codes:
            raise QualitativeDataError(path, f"{where}: unknown support code {t.target!r}", "use a support code")
        if not 0 <= t.count <= t.out_of:
            raise QualitativeDataError(path, f"{where}: count {t.count} not within 0..{t.out_of}", "check the numbers")
        if t.kind == "range" and (t.min is None or t.max is None):
            raise QualitativeDataError(path, f"{where}: a range needs min and max", "add both")
        earlier = {o.id for o in out}
        refs = [r for r in (t.subset_of, *t.disjoint_from) if r]
        if any(r not in earlier for r in refs):
            raise QualitativeDataError(path, f"{where}: subset_of/disjoint_from names an id not listed earlier",
                                       "refer only to entries above this one")
        out.append(t)
    ids = [t.id for t in out]
    if len(ids) != len(set(ids)):
        raise QualitativeDataError(path, "duplicate ids", "give each entry a unique id")
    return out


def _scope(df: pd.DataFrame, country: str, synthesis: str) -> pd.DataFrame:
    return df if country == synthesis else df[df["country"] == country]


def _attribute_mask(participants: pd.DataFrame, expression: str) -> pd.Series:
    column, _, value = expression.partition("=")
    if column not in participants.columns:
        raise KeyError(f"no participants column {column!r}")
    return participants[column].astype(str) == value


def count_target(target: CountTarget, conversations: pd.DataFrame, participants: pd.DataFrame,
                 codebook: Codebook | None = None, study_path: Path | str | None = None, *,
                 project: Project | None = None) -> int:
    """Recompute one printed count from the data, with the same functions the reports use."""
    codebook = codebook if codebook is not None else load_codebook(project=project)
    synthesis = study_countries(study_path, project)[1]
    people = _scope(participants, target.country, synthesis)
    if target.kind == "participants":
        return int(people["participant_id"].nunique())
    if target.kind == "theme":
        series = participants_raising(_scope(conversations, target.country, synthesis), target.target, codebook,
                                      project=project)
        return int(series.sum())
    if target.kind == "support":
        return int(participants_receiving(people, target.target, codebook, project=project).sum())
    if target.kind == "attribute":
        return int(_attribute_mask(people, target.target).sum())
    if target.kind == "range":
        if target.eligible:
            people = people[_attribute_mask(people, target.eligible)]
        values = people[target.target].astype(int)
        return int(values.between(target.min, target.max).sum())
    raise ValueError(f"unknown count kind {target.kind!r}")


def observed_range(participants: pd.DataFrame, column: str, country: str | None = None) -> tuple[int, int]:
    """Smallest and largest value of a numeric participants column (optionally one country)."""
    people = participants if country is None else participants[participants["country"] == country]
    values = people[column].astype(int)
    return int(values.min()), int(values.max())


# ------------------------------------------------------------------------------ tables for reports

def theme_matrix(conversations: pd.DataFrame, codebook: Codebook, level: int | None = 1, *,
                 project: Project | None = None) -> pd.DataFrame:
    """Themes x countries: distinct participants raising each theme (descendants included).

    ``level`` picks codebook depth (1: top-level themes); ``None`` lists every code. Only
    countries with conversations in the data appear as columns, in the order of ``project``'s
    study (default: the one around the working directory); absent countries are absent, not
    zero-filled.
    """
    codes = list(codebook.codes) if level is None else codebook.at_level(level)
    if not codes:
        raise ValueError(f"the codebook has no codes at level {level}")
    order = country_order(conversations["country"], project=project)
    raisers = theme_raisers(conversations)
    matrix = pd.DataFrame([count_by_country(raisers, code, order).to_numpy() for code in codes],
                          index=codes, columns=order, dtype="int64")
    matrix.index.name = "theme"
    matrix.columns.name = "country"
    return matrix


def section_theme_summary(conversations: pd.DataFrame, codebook: Codebook, section_id: str,
                          country: str | None = None, *, project: Project | None = None) -> pd.DataFrame:
    """For one report section: each theme, its label, participants raising it and out of how many.

    ``country`` None is the synthesis (``project``'s synthesis code; default: the study folder
    around the working directory).
    """
    codes = codebook.in_section(section_id)
    scope = conversations if country is None else conversations[conversations["country"] == country]
    if country is not None and scope.empty:
        raise ValueError(f"no conversations for {country}; use conversations_note({country!r}) instead")
    raisers = theme_raisers(scope)
    out_of = int(scope["participant_id"].nunique())
    rows = [
        {
            "code": code,
            "label": codebook.label(code),
            "level": codebook.codes[code].level,
            "participants": len(set().union(*raisers.get(code, {}).values())),
            "out_of": out_of,
            "country": country if country is not None else study_countries(None, project)[1],
        }
        for code in codes
    ]
    return pd.DataFrame(rows, columns=["code", "label", "level", "participants", "out_of", "country"])


class Excerpt(str):
    """An excerpt as an edition prints it: its translation into the edition's language, or as recorded.

    ``translated`` says which: False for the text as it was recorded (in the language it was
    said in, or for the synthetic data written in).
    """

    __slots__ = ("translated",)
    translated: bool

    def __new__(cls, text: str, translated: bool = False) -> Excerpt:  # noqa: D102 - the class says it
        made = super().__new__(cls, text)
        made.translated = translated
        return made


def _screen_with_translations(rows: pd.DataFrame, study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows whose excerpt and every translation of it pass the screen, and the log of the others.

    A translation is the same account in other words: a detail the screen finds in any of
    them holds the excerpt back in every edition. Each text is screened on its own, with its
    own language's word lists (the excerpt as recorded with all of them, as always): read as
    one text, a word of one language looked like a name in another, and held back excerpts
    no edition would print with anything identifying in them. A row is logged once, at the
    first text that holds it back.
    """
    passed, log = screen_excerpts(rows, "excerpt", study=study)
    logs = [log]
    for lang, column in excerpt_translations(rows.columns).items():
        given = passed[column].astype(str).str.strip() != ""
        kept, held = screen_excerpts(passed[given], column, lang=lang, study=study)
        passed = passed[~given | passed.index.isin(kept.index)]
        if len(held):
            logs.append(held)
    return passed, pd.concat(logs, ignore_index=True) if len(logs) > 1 else log


def excerpt_in(row: pd.Series, lang: str | None) -> Excerpt:
    """A row's excerpt in ``lang``: its translation column's text where it has one, else as recorded."""
    column = excerpt_translations(row.index).get(lang or "")
    translation = str(row[column]).strip() if column is not None else ""
    return Excerpt(translation, True) if translation else Excerpt(str(row["excerpt"]))


def select_excerpts(conversations: pd.DataFrame, theme: str, country: str | None = None, k: int = 3,
                    seed: int = 20210726, codebook: Codebook | None = None, *,
                    project: Project | None = None, lang: str | None = None) -> tuple[list[Excerpt], ScreenLog]:
    """Up to ``k`` excerpts on ``theme`` with consent to quote that pass the identifying-details screen.

    The choice is seeded, so a build repeats it exactly, and is the same in every language.
    The log says how many were considered, lacked consent, were blocked and were eligible; it
    holds no excerpt text. ``project``: the study folder (default: the one around the working
    directory), whose codebook and countries (the screen's places) apply. ``lang``: the
    edition's language; an excerpt with a translation into it (an ``excerpt::LANG`` column)
    is given in that translation, any other as recorded. The consent and the screen apply to
    the excerpt and all its translations together.
    """
    project = default(project)
    codebook = codebook if codebook is not None else load_codebook(project=project)
    if theme not in codebook:
        raise KeyError(f"unknown theme code {theme!r}; see {codebook.path}")
    if k < 0:
        raise ValueError("k must be zero or more")
    scope = conversations if country is None else conversations[conversations["country"] == country]
    on_theme = scope[scope["themes"].map(lambda v: any(c == theme or c.startswith(theme + ".") for c in split_codes(v)))]
    consented = on_theme[on_theme["consent_to_quote"] == "yes"]
    passed, log = _screen_with_translations(consented, project.study)
    rng = random.Random(seed)
    labels = sorted(passed.index)
    chosen = sorted(rng.sample(labels, min(k, len(labels))))
    excerpts = [excerpt_in(passed.loc[i], lang) for i in chosen]
    screen_log = ScreenLog(considered=len(on_theme), without_consent=len(on_theme) - len(consented),
                           blocked=len(log), passed=len(passed), log=log)
    return excerpts, screen_log


# ------------------------------------------------------------------------------ notes

def conversations_note(country: str | None, participants: pd.DataFrame | None = None,
                       study_path: Path | str | None = None, translate: Translator | None = None, *,
                       project: Project | None = None, gender: str | None = None) -> str:
    """One plain sentence on the conversations held in ``country`` (None or the synthesis code: all).

    In ``translate``'s language (English without one), the countries named as that language names them;
    ``gender``: the participants' grammatical gender as the report publishes it, which a
    translation's ``agree: {field: participants}`` forms follow (None: the entry's own text).
    """
    tr = translate or Translator(project=project)
    countries, synthesis = study_countries(study_path, project)

    def name(c: Country) -> str:
        return c.name if tr.is_default else tr.country(c.iso3)

    participants = participants if participants is not None else load_participants(study_path=study_path,
                                                                                    project=project)
    # The countries whose conversations the data hold (a partner's file may hold fewer than the study).
    present = set(participants["country"])
    held = [c for c in countries if c.conversations and c.iso3 in present]
    if country is None or country == synthesis:
        n = int(participants["participant_id"].nunique())
        none = [name(c) for c in countries if not c.conversations]
        names = locales.join([name(c) for c in held], tr.lang)
        if none:
            return tr("Conversations were held with {n} young survivors in {countries}; none were held in {others}.",
                      n=n, countries=names, others=locales.join(none, tr.lang))
        return tr("Conversations were held with {n} young survivors in {countries}.", n=n, countries=names)
    by_code = {c.iso3: c for c in countries}
    if country not in by_code:
        raise KeyError(f"unknown country {country!r}; use an ISO3 code from params/study.yml")
    c = by_code[country]
    if not c.conversations:
        return tr("No conversations with young survivors were held in {country}, so this report draws only on the "
                  "frontline workers' survey and the expert roundtable.", country=name(c))
    n = int(participants.loc[participants["country"] == country, "participant_id"].nunique())
    agreement = {"participants": Gender(gender)} if gender else {}
    return tr("Conversations were held with {n} young survivors in {country}.", n=n, country=name(c), **agreement)


# ------------------------------------------------------------------------------ report glue

def has_conversations(country: str | None, study_path: Path | str | None = None, *,
                      project: Project | None = None) -> bool:
    """Whether conversations were held in ``country`` (the synthesis always has some)."""
    countries, synthesis = study_countries(study_path, project)
    if country is None or country == synthesis:
        return any(c.conversations for c in countries)
    return any(c.iso3 == country and c.conversations for c in countries)


def participant_summary(participants: pd.DataFrame, country: str | None = None
                        ) -> tuple[pd.DataFrame, list[tuple[str, int, int]]]:
    """Counts the report prints about who took part: by country and gender, and age ranges.

    Returns a table (country x gender counts, before disclosure control) and the values to
    record as ``(name, value, n)``. Ages are reported as ranges only.
    """
    scope = participants if country is None else participants[participants["country"] == country]
    if scope.empty:
        return pd.DataFrame(), []
    table = pd.crosstab(scope["country"], scope["gender"]).reindex(columns=["female", "male"], fill_value=0)
    table["total"] = table.sum(axis=1)
    values: list[tuple[str, int, int]] = []
    n = int(len(scope))
    values.append(("conversations.participants.n", n, n))
    for gender in ("female", "male"):
        values.append((f"conversations.{gender}.n", int((scope["gender"] == gender).sum()), n))
    for iso3, row in table.iterrows():
        values.append((f"conversations.{iso3}.n", int(row["total"]), n))
    for column in ("age_at_conversation", "age_first_targeted"):
        values.append((f"conversations.{column}.min", int(scope[column].min()), n))
        values.append((f"conversations.{column}.max", int(scope[column].max()), n))
    return table, values


def group_gender(participants: pd.DataFrame, country: str | None, shown: dict[str, int | None]) -> str:
    """The grammatical gender of a place's participants as a group: feminine where all are women.

    ``masculine`` where all are men, else ``mixed``. It says what the published counts
    already show: a group is of one gender only where the count of that gender is published
    and equals the group (``shown``: gender -> its count as the report publishes it, None
    where withheld); otherwise it is ``mixed``, the form that tells nothing.

    Args:
        participants: the participants table (or the conversations, one row per segment).
        country: the place (None: all of them).
        shown: each gender's count of the place as published.
    """
    scope = participants if country is None else participants[participants["country"] == country]
    people = scope.drop_duplicates("participant_id")
    if len(set(people["gender"])) != 1:
        return "mixed"
    return published_group_gender(shown, len(people))


def published_group_gender(shown: dict[str, int | None], size: int | None) -> str:
    """The gender of a group of ``size`` whose published counts by gender are ``shown``.

    One gender whose published count is the whole group, every other's published zero, gives
    that gender's grammatical gender (:data:`GROUP_GENDERS`); anything else, a withheld
    count included, is ``mixed``.
    """
    if not size:
        return "mixed"
    for gender, grammatical in GROUP_GENDERS.items():
        if shown.get(gender) == size and all(shown.get(other) == 0 for other in GROUP_GENDERS if other != gender):
            return grammatical
    return "mixed"


def section_excerpts(conversations: pd.DataFrame, codebook: Codebook, section_id: str, country: str | None = None,
                     k: int = 3, seed: int = 20210726, *, project: Project | None = None, lang: str | None = None
                     ) -> tuple[list[Excerpt], pd.DataFrame]:
    """Up to ``k`` screened, consented excerpts for a section (one per top theme at most).

    Returns the excerpts (in ``lang`` where translated: :func:`select_excerpts`) and a log
    with one row per theme: considered, without consent, blocked, passed (no excerpt text).
    """
    excerpts: list[Excerpt] = []
    rows = []
    scope = conversations if country is None else conversations[conversations["country"] == country]
    top_level = [code for code in codebook.in_section(section_id) if codebook.codes[code].level == 1]
    for theme in top_level or codebook.in_section(section_id):
        chosen, log = select_excerpts(scope, theme, None, k=1, seed=seed, codebook=codebook, project=project,
                                      lang=lang)
        rows.append({"theme": theme, "considered": log.considered, "without_consent": log.without_consent,
                     "blocked": log.blocked, "passed": log.passed})
        for text in chosen:
            if text not in excerpts and len(excerpts) < k:
                excerpts.append(text)
    return excerpts, pd.DataFrame(rows, columns=["theme", "considered", "without_consent", "blocked", "passed"])
