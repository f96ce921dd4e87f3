"""Who each published base counts: the sets of respondents the analyses rest on, as data.

Purpose
    Every share a report prints rests on a base: a country's eligible respondents, a
    sub-population of ``params/analyses.yml`` (the workers who supported boys, those with
    boys' online cases, either), the respondents the form showed a question to, those who
    answered an optional one. Each base is printed. Two bases printed for the same country
    fix their difference: the eligible workers (50) minus those asked about offenders (49)
    leaves the one worker with no online case. This is the *population differencing* of the
    Eurostat handbook (Hundepool et al. 2012, *Statistical Disclosure Control*, section 5.4
    on linked tables and section 4.2 on differencing of sub-populations; the ESSnet *Handbook
    on Statistical Disclosure Control*, 2010, "disclosure by differencing"), and no table on
    its own shows it.

    This module states every base as a set of *atoms*, so that the small-cell rule
    (:mod:`perspectives.disclosure`) can protect the bases as the cells of one more linked
    table, and the audit can find any difference of published bases:

    - the *columns* are the questions a base's definition reads: the predicates of the
      populations (``boys_online_share > 0``), the questions their relevance reads in turn
      (``supported_boys``), and, for an optional question, whether it was answered;
    - each column's values fall into *regions*: each value a predicate names, the others, a
      number's intervals between the thresholds named, and no answer;
    - an *atom* is one region per column that the form allows: a question answered only where
      its relevance holds, a required question answered wherever it does (the form's logic,
      from ``data/instrument``; nothing of the data). An atom is named by its regions, so the
      same atoms describe every country and every build.

    A base is the set of atoms where its definition holds: the population's query, the
    question's relevance, and "answered" for an optional question. The respondents of a
    place then fall one each into an atom; the atoms' counts by place are the leaves of the
    ``population`` layout, whose cells are the bases.

Inputs
    The instrument (relevance, required, constraint, choice lists) and the analyses' specs.

Outputs
    :class:`Structure` (the columns, regions and atoms; each base's atoms by its key) and
    :func:`counts` (the respondents of each place in each atom).
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .expressions import bounds, evaluate
from .instrument import ELIGIBILITY, Instrument

__all__ = ["EVERYONE", "POPULATION", "Base", "Structure", "atoms_of", "base_key", "base_of", "base_questions",
           "counts", "structure"]

POPULATION = "population"   # the universe of the atoms (the leaves of every base)
EVERYONE = "*"              # the base of every eligible respondent of a place
_ALWAYS_YES = ("consent", *ELIGIBILITY)  # every eligible respondent answered these "yes"
_CMP = re.compile(r"""(?P<col>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<lit>'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)""")
_XLS_CMP = re.compile(r"""\$\{(?P<col>[A-Za-z_][A-Za-z0-9_]*)\}\s*(?P<op>!=|>=|<=|=|>|<)\s*(?P<lit>'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)""")
_XLS_ALLOWED = re.compile(r"""^(\s|\$\{[A-Za-z_][A-Za-z0-9_]*\}|!=|>=|<=|=|>|<|'[^']*'|"[^"]*"|-?\d+(\.\d+)?|and|or|not|\(|\))*$""")


@dataclass(frozen=True)
class Base:
    """One base a table rests on: a population query, a question, and whether non-answers count."""

    query: str | None
    question: str | None
    whole_population: bool = False  # compare_multi counts a missing answer as "not ticked"


@dataclass
class Structure:
    """The columns, their regions and the atoms the form allows, and each base as atoms."""

    columns: list[str]
    regions: dict[str, list[str]]           # column -> region ids (in order)
    atoms: list[str]                        # atom ids: one region per column, joined by ","
    frame: pd.DataFrame                     # one representative row per atom (index: atom ids)
    sets: dict[str, tuple[str, ...]] = field(default_factory=dict)   # base key -> its atoms
    weights: dict[str, int] = field(default_factory=dict)            # base key -> cells resting on it
    named: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # column -> comparisons naming its regions
    known: dict[Base, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # base -> (key, atoms), memo
    # What atoms_of reads of the representative rows, worked out once: the rows typed for a
    # query, as text for the form's expressions, and each base's atoms.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def atoms_of(self, key: str) -> tuple[str, ...]:
        """The atoms of a base (``EVERYONE``: all of them)."""
        return tuple(self.atoms) if key == EVERYONE else self.sets[key]


def _literal(text: str) -> str | float:
    return text[1:-1] if text[:1] in "'\"" else float(text)


def _comparisons(expression: str, xls: bool) -> list[tuple[str, str, str | float]]:
    pattern = _XLS_CMP if xls else _CMP
    return [(m["col"], m["op"], _literal(m["lit"])) for m in pattern.finditer(expression)]


def _relevance(instrument: Instrument, name: str) -> list[str]:
    found = []
    for expression in instrument.relevance(name):
        if not _XLS_ALLOWED.match(expression):
            raise ValueError(f"the relevance of {name!r} ({expression!r}) is more than comparisons joined by "
                             "and/or/not: the bases' structure cannot be stated; simplify it")
        found.append(expression)
    return found


def base_questions(specs: Mapping[str, Any], instrument: Instrument) -> list[tuple[str, Base, int]]:
    """(analysis id, base, published cells resting on it) for every table of the analyses."""
    out: list[tuple[str, Base, int]] = []
    for analysis_id, spec in specs.items():
        if analysis_id == "bands" or not isinstance(spec, dict):
            continue
        kind, query = spec.get("kind"), spec.get("population")
        if kind == "compare_multi":
            for group, question in spec["questions"].items():
                out.append((analysis_id, Base(spec["populations"][group], question, True),
                            len(instrument.codes(question))))
        elif kind == "ratings":
            out += [(analysis_id, Base(query, q), len(instrument.codes(q))) for q in spec["questions"]]
        elif kind in ("single", "multi", "numeric"):
            if spec.get("question") == "country":
                continue
            question = spec["question"]
            size = len(instrument.codes(question)) if kind != "numeric" else 4
            out.append((analysis_id, Base(query, question), size))
    return out


def _columns(specs: Mapping[str, Any], instrument: Instrument) -> tuple[list[str], set[str]]:
    """The columns the bases read, and those whose "answered" is part of some base.

    A base reads the questions its population compares, the questions whose relevance decides
    who was asked its question, and its question itself when that one is optional (who
    answered it). A required question is answered exactly where it is asked, so its own
    column adds nothing. Select questions are included as a crosstab written in a notebook may
    count any of them on its own respondents.
    """
    bases = base_questions(specs, instrument)
    asked = {b.question for _, b, _ in bases if b.question}
    asked |= {q.name for q in instrument.answer_questions() if q.type in ("select_one", "select_multiple")}
    wanted = [c for _, b, _ in bases if b.query for c, _, _ in _comparisons(b.query, xls=False)]
    answered = {q for q in asked if q in instrument.questions and not instrument[q].required}
    wanted += sorted(answered)
    for question in sorted(q for q in asked if q in instrument.questions):
        wanted += [c for e in _relevance(instrument, question) for c, _, _ in _comparisons(e, xls=True)]
    columns: list[str] = []
    todo = list(dict.fromkeys(wanted))
    while todo:
        name = todo.pop(0)
        if name in columns or name in _ALWAYS_YES or name == "country" or name not in instrument.questions:
            continue
        columns.append(name)
        todo += [c for e in _relevance(instrument, name) for c, _, _ in _comparisons(e, xls=True)]
    return sorted(columns), answered


def _thresholds(column: str, specs: Mapping[str, Any], instrument: Instrument) -> list[tuple[str, str | float]]:
    found = []
    for _, base, _ in base_questions(specs, instrument):
        if base.query:
            found += [(op, lit) for c, op, lit in _comparisons(base.query, xls=False) if c == column]
    for name in instrument.questions:
        for expression in instrument.relevance(name):
            found += [(op, lit) for c, op, lit in _comparisons(expression, xls=True) if c == column]
    # Each comparison once (many populations and groups name the same one), in a fixed order.
    return sorted(set(found), key=lambda pair: (pair[0], str(pair[1])))


def _regions(column: str, named: Sequence[tuple[str, Any]], instrument: Instrument) -> list[tuple[str, Any]]:
    """(region id, a representative value) for each region of a column; ``.``/None: no answer.

    A number's region is named by which of the named comparisons it meets ("10": the first
    holds, the second not), so the region of any answer is found the same way.
    """
    question = instrument[column]
    out: list[tuple[str, Any]] = []
    if question.is_numeric:
        low, high = bounds(question.constraint) or (-1e9, 1e9)
        cuts = sorted({float(v) for _, v in named if isinstance(v, float) and low <= v <= high})
        candidates: list[float] = []
        for a, b in itertools.pairwise([low, *cuts, high]):
            candidates.append(a)
            # A whole number strictly between two cuts, if the question takes one (integers).
            between = np.floor(a) + 1
            if between < b:
                candidates.append(float(between))
            elif question.type == "decimal" and a < b:
                candidates.append((a + b) / 2)
        candidates.append(high)
        seen: set[str] = set()
        for value in candidates:
            rid = _pattern(value, named)
            if rid not in seen:
                seen.add(rid)
                out.append((rid, value))
    elif question.is_select_one:
        literals = {str(v) for _, v in named}
        codes = instrument.codes(column)
        out += [(code, code) for code in codes if code in literals]
        rest = [code for code in codes if code not in literals]
        if rest:
            out.append(("~", rest[0]))
    else:
        out.append(("a", "answered"))  # only whether it was answered is ever read
    out.append((".", None))
    return out


def _holds(value: float, op: str, lit: Any) -> bool:
    if not isinstance(lit, float):
        return False
    return {"==": value == lit, "!=": value != lit, ">": value > lit, ">=": value >= lit,
            "<": value < lit, "<=": value <= lit}[op]


def _pattern(value: float, named: Sequence[tuple[str, Any]]) -> str:
    return "".join("1" if _holds(value, op, lit) else "0" for op, lit in named) or "a"


_STRUCTURES: dict[tuple[int, str], Structure] = {}


def structure(instrument: Instrument, specs: Mapping[str, Any]) -> Structure:
    """The atoms the form allows for the analyses' bases, and every base's atoms.

    Raises:
        ValueError: a relevance expression that is more than comparisons (it could not be
            stated as atoms), or a population query reading a question the atoms leave out.
    """
    key = (id(instrument), repr(sorted((k, repr(v)) for k, v in specs.items())))
    if key in _STRUCTURES:
        return _STRUCTURES[key]
    columns, _ = _columns(specs, instrument)
    named = {c: _thresholds(c, specs, instrument) for c in columns}
    regions = {c: _regions(c, named[c], instrument) for c in columns}
    rows, names = [], []
    for combo in itertools.product(*(regions[c] for c in columns)):
        rows.append({c: value for c, (_, value) in zip(columns, combo, strict=True)})
        names.append(",".join(rid for rid, _ in combo))
    frame = pd.DataFrame(rows, index=names, columns=columns)
    text = _as_text(frame, instrument)
    keep = np.ones(len(frame), bool)
    for column in columns:
        shown = np.ones(len(frame), bool)
        for expression in _relevance(instrument, column):
            shown &= _evaluate_xls(expression, text).to_numpy()
        present = frame[column].notna().to_numpy()
        keep &= ~present | shown                      # an answer only where the form asks it
        if instrument[column].required:
            keep &= ~shown | present                  # and a required one wherever it does
    frame = frame[keep]
    found = Structure(columns, {c: [rid for rid, _ in regions[c]] for c in columns}, list(frame.index), frame,
                      named=named)
    for _, base, weight in base_questions(specs, instrument):
        atoms = atoms_of(base, found, instrument)
        k = base_key(atoms, found)
        if k != EVERYONE:
            found.sets[k] = atoms
            found.weights[k] = found.weights.get(k, 0) + weight
    # A crosstab written in a notebook counts a select question's own respondents: its base is
    # a cell too (tried after the analyses' bases), so that the bases' mask decides it.
    for question in instrument.answer_questions():
        if question.type in ("select_one", "select_multiple") and question.name != "country":
            atoms = atoms_of(Base(None, question.name), found, instrument)
            k = base_key(atoms, found)
            if k != EVERYONE and k not in found.sets:
                found.sets[k] = atoms
                found.weights[k] = 0
    _STRUCTURES[key] = found
    return found


def _as_text(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The representative rows as the expressions read answers: text, with the always-"yes" answers."""
    text = frame.astype(object).where(frame.notna(), None)
    for column in text.columns:
        if instrument[column].is_numeric:
            text[column] = [None if v is None else f"{v:g}" for v in text[column]]
    for name in _ALWAYS_YES:
        text[name] = "yes"
    return text


def _evaluate_xls(expression: str, text: pd.DataFrame) -> pd.Series:
    missing = [c for c in re.findall(r"\$\{([^}]+)\}", expression) if c not in text.columns]
    if missing:
        raise ValueError(f"relevance {expression!r} reads {missing}, which the bases' structure does not hold")
    return evaluate(expression, text)


def atoms_of(base: Base, found: Structure, instrument: Instrument) -> tuple[str, ...]:
    """The atoms of a base: where its population holds, its question is asked and (if optional) answered."""
    memo = found.memo
    if ("atoms", base) in memo:
        return memo[("atoms", base)]
    frame = found.frame
    keep = pd.Series(True, index=frame.index)
    if base.query:
        names = {n.id for n in ast.walk(ast.parse(base.query, mode="eval")) if isinstance(n, ast.Name)}
        missing = names - set(frame.columns)
        if missing:
            raise ValueError(f"population {base.query!r} reads {sorted(missing)}, which the bases' structure "
                             "does not hold")
        if "typed" not in memo:
            memo["typed"] = frame.astype({c: float for c in frame.columns if instrument[c].is_numeric})
        if ("query", base.query) not in memo:
            memo[("query", base.query)] = memo["typed"].query(base.query, engine="python").index
        keep &= frame.index.isin(memo[("query", base.query)])
    if base.question and not base.whole_population:
        if base.question in found.columns:
            keep &= frame[base.question].notna()
        else:
            if "text" not in memo:
                memo["text"] = _as_text(frame, instrument)
            for expression in _relevance(instrument, base.question):
                keep &= _evaluate_xls(expression, memo["text"]).to_numpy()
    memo[("atoms", base)] = atoms = tuple(a for a in found.atoms if keep[a])
    return atoms


def base_key(atoms: Sequence[str], found: Structure) -> str:
    """A base's key: ``EVERYONE`` for all atoms, otherwise a digest of its atoms (same set, same key)."""
    if tuple(atoms) == tuple(found.atoms):
        return EVERYONE
    return "set-" + hashlib.sha256("|".join(atoms).encode()).hexdigest()[:12]


def base_of(instrument: Instrument, specs: Mapping[str, Any], base: Base) -> tuple[str, tuple[str, ...]]:
    """(key, atoms) of a base in the structure of these analyses (worked out once per base)."""
    found = structure(instrument, specs)
    if base not in found.known:
        atoms = atoms_of(base, found, instrument)
        found.known[base] = (base_key(atoms, found), atoms)
    return found.known[base]


def counts(data: pd.DataFrame, found: Structure, places: Sequence[str], instrument: Instrument) -> pd.DataFrame:
    """Each place's eligible respondents by atom (atoms x places).

    Raises:
        ValueError: respondents whose answers fall in no atom the form allows (the export
            contradicts the form's logic, which the reader should have refused).
    """
    ids = pd.Series("", index=data.index, dtype=object)
    for i, column in enumerate(found.columns):
        ids = ids + ("," if i else "") + _region_of(data[column], column, found, instrument)
    unknown = ~ids.isin(found.atoms)
    if unknown.any():
        raise ValueError(f"{int(unknown.sum())} eligible respondents answer in a way the form does not allow "
                         f"(the relevance of {', '.join(found.columns)})")
    rows = pd.Categorical(ids, categories=found.atoms).codes
    cols = pd.Categorical(data["country"], categories=list(places)).codes
    ok = cols >= 0
    flat = np.bincount(rows[ok].astype(np.int64) * len(places) + cols[ok], minlength=len(found.atoms) * len(places))
    return pd.DataFrame(flat.reshape(len(found.atoms), len(places)), index=list(found.atoms), columns=list(places))


def _region_of(values: pd.Series, column: str, found: Structure, instrument: Instrument) -> pd.Series:
    """The region id of each answer (``.``: no answer)."""
    question = instrument[column]
    text = values.astype("string")
    missing = values.isna() | (text.str.strip() == "").fillna(True)
    if question.is_numeric:
        numbers = pd.to_numeric(values, errors="coerce")
        patterns = [_pattern(float(v), found.named[column]) if v == v else "." for v in numbers]
        return pd.Series(patterns, index=values.index, dtype=object).where(~missing, ".")
    if question.is_select_one:
        rids = set(found.regions[column]) - {".", "~"}
        out = np.where(text.isin(rids).fillna(False), text.astype(object), "~")
        return pd.Series(out, index=values.index, dtype=object).where(~missing, ".")
    return pd.Series("a", index=values.index, dtype=object).where(~missing, ".")
