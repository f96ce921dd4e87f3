"""Read a raw survey export, validate it against the instrument, apply the inclusion rule.

Purpose
    One entry point, :func:`load_survey`, for every kind of export a partner may hold:
    Kobo/ODK CSV (select-multiple as space-separated codes or as one 0/1 column per
    option, ``services/legal``), XLSX, and SPSS ``.sav`` (via pyreadstat). The export is
    checked against the XLSForm before anything else runs; a problem stops the build with
    one :class:`DataError` naming the file, the question (by its label), the rows and the fix.

Inputs
    A path to the export; the :class:`~perspectives.instrument.Instrument`.

Outputs
    :class:`SurveyData`: ``eligible`` (one row per eligible complete; select-multiple
    answers as boolean columns ``<question>/<code>`` plus the code set), ``exclusions``
    (the exclusion log: partial responses and disqualified ones by unmet criterion),
    ``source`` (file name and SHA-256, never the path).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .instrument import ELIGIBILITY, Instrument, load_instrument

MULTI_SEP = "/"  # Kobo's separator between a select-multiple question and its option
SUPPORTED = (".csv", ".xlsx", ".sav")


class DataError(ValueError):
    """A raw export that cannot be used as it is; the message says what to fix."""

    def __init__(self, file: str, problem: str, *, column: str | None = None, label: str | None = None,
                 rows: list[int] | None = None, fix: str = "") -> None:
        where = f"{file}"
        if column:
            where += f", question '{label or column}' (column {column})"
        if rows:
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            where += f", rows {shown}"
        message = f"{where}: {problem}"
        if fix:
            message += f". Fix: {fix}"
        super().__init__(message)
        self.file, self.column, self.rows, self.fix = file, column, rows or [], fix


@dataclass
class SurveyData:
    """A validated export: the eligible completes, the exclusion log and the source stamp."""

    eligible: pd.DataFrame
    exclusions: pd.DataFrame
    source: dict[str, str]
    instrument: Instrument

    def multi(self, question: str) -> pd.DataFrame:
        """Boolean frame (one column per option) for a select-multiple question; NaN row = not asked."""
        codes = self.instrument.codes(question)
        frame = self.eligible[[f"{question}{MULTI_SEP}{code}" for code in codes]].copy()
        frame.columns = codes
        return frame


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Letters of the study's languages that the two legacy Windows code pages encode at
# different byte values: Albanian and Spanish (Windows-1252, which also reads Latin-1 text)
# and Romanian and Bosnian (Windows-1250).
_LETTERS = {
    "cp1252": set("ëËçÇñÑáÁéÉíÍóÓúÚüÜ¿¡"),
    "cp1250": set("ăĂâÂîÎșȘşŞțȚţŢčČćĆđĐšŠžŽ"),
}


def _decode(raw: bytes, name: str) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), else the study's legacy code page.

    Single-byte code pages decode any bytes, so detectors (charset-normalizer included)
    cannot tell Windows-1252 from Windows-1250 on short texts; we pick the one under which
    the text holds more letters of the study's languages, and refuse a tie between two
    different readings rather than guess.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    readings = {}
    for encoding, letters in _LETTERS.items():
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings[encoding] = (sum(ch in letters for ch in text), text)
    if not readings:
        raise DataError(name, "the file is neither UTF-8 nor Windows-1252/1250 text",
                        fix="save the export as 'CSV UTF-8' and try again")
    ranked = sorted(readings.items(), key=lambda item: -item[1][0])
    if len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0] and ranked[0][1][1] != ranked[1][1][1]:
        raise DataError(name, "the file's encoding is ambiguous (not UTF-8)",
                        fix="save the export as 'CSV UTF-8' and try again")
    return ranked[0][1][1]


def _read_table(path: Path) -> pd.DataFrame:
    name = path.name
    if not path.exists():
        raise DataError(name, "file not found", fix="check the path given to --data")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(name, f"unsupported file type '{suffix or '(none)'}'",
                        fix=f"export the survey as one of {', '.join(SUPPORTED)}")
    if path.stat().st_size == 0:
        raise DataError(name, "the file is empty", fix="export the data again; the file has no rows")
    try:
        if suffix == ".csv":
            import io

            text = _decode(path.read_bytes(), name)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str)
        else:
            import pyreadstat

            frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
            frame = frame.astype(object).where(frame.notna(), None).astype(str).replace({"None": np.nan})
    except DataError:
        raise
    except Exception as error:  # a parser's own message is the best description of a broken file
        raise DataError(name, f"the file could not be read as {suffix} ({type(error).__name__}: {error})",
                        fix="open it in a spreadsheet program and export it again") from error
    if frame.empty:
        raise DataError(name, "the file has a header but no responses", fix="export the responses, not only the form")
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def _rows(mask: pd.Series) -> list[int]:
    """1-based data row numbers (as a spreadsheet shows them, header = row 1)."""
    return [int(i) + 2 for i in np.flatnonzero(mask.to_numpy())]


def _fold_multi_columns(frame: pd.DataFrame, instrument: Instrument, name: str) -> pd.DataFrame:
    """Turn Kobo's one-column-per-option layout into space-separated codes."""
    for question in instrument.answer_questions():
        if not question.is_select_multiple:
            continue
        prefix = question.name + MULTI_SEP
        option_cols = [c for c in frame.columns if c.startswith(prefix)]
        if not option_cols:
            continue
        codes = [c[len(prefix):] for c in option_cols]
        unknown = sorted(set(codes) - set(instrument.codes(question.name)))
        if unknown:
            raise DataError(name, f"unknown option column(s) {unknown}", column=question.name, label=question.label,
                            fix=f"use the option codes of the form: {instrument.codes(question.name)}")
        values = frame[option_cols].apply(pd.to_numeric, errors="coerce")
        bad = values.notna() & ~values.isin([0, 1])
        if bad.any().any():
            raise DataError(name, "option columns must hold 0 or 1", column=question.name, label=question.label,
                            rows=_rows(bad.any(axis=1)), fix="mark each ticked option with 1 and others with 0")
        asked = values.notna().any(axis=1)
        joined = values.apply(lambda row, cs=codes: " ".join(c for c, v in zip(cs, row, strict=True) if v == 1), axis=1)
        if question.name in frame.columns:
            raise DataError(name, "the question appears both as one column and as option columns",
                            column=question.name, label=question.label, fix="keep one layout")
        frame = frame.drop(columns=option_cols)
        frame[question.name] = joined.where(asked, np.nan)
    return frame


def validate(frame: pd.DataFrame, instrument: Instrument, name: str, id_column: str) -> pd.DataFrame:
    """Check columns, ids, codes, ranges and multi-selects; return a typed copy."""
    frame = _fold_multi_columns(frame, instrument, name)
    expected = [id_column] + [q.name for q in instrument.answer_questions()]
    missing = [column for column in expected if column not in frame.columns]
    if missing:
        labels = [instrument.label(c) if c in instrument.questions else c for c in missing[:5]]
        raise DataError(name, f"{len(missing)} expected column(s) missing: {missing[:5]} ({'; '.join(labels)})",
                        fix="export with the form's own column names (XML names, not labels); "
                            "run `perspectives instrument` for a blank template")
    ids = frame[id_column]
    if ids.isna().any():
        raise DataError(name, "respondent id is empty", column=id_column, rows=_rows(ids.isna()),
                        fix="every response needs an id")
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        raise DataError(name, "duplicate respondent ids", column=id_column, rows=_rows(duplicated),
                        fix="remove repeated submissions or give each response its own id")
    typed = frame[expected].copy()
    for question in instrument.answer_questions():
        column = typed[question.name]
        present = column.notna() & (column.astype(str).str.strip() != "")
        if question.is_select_one:
            codes = set(instrument.codes(question.name))
            bad = present & ~column.astype(str).str.strip().isin(codes)
            if bad.any():
                seen = sorted(set(column[bad].astype(str)))[:5]
                raise DataError(name, f"unknown answer code(s) {seen}", column=question.name, label=question.label,
                                rows=_rows(bad), fix=f"use one of {sorted(codes)}")
            typed[question.name] = column.where(present, np.nan).astype(object)
        elif question.is_select_multiple:
            codes = set(instrument.codes(question.name))
            tokens = column.where(present, "").astype(str).str.replace(",", " ").str.split()
            malformed = present & column.astype(str).str.contains(r"[,;|]", regex=True)
            if malformed.any():
                raise DataError(name, "select-multiple answers must be separated by single spaces",
                                column=question.name, label=question.label, rows=_rows(malformed),
                                fix="export select-multiple as space-separated codes or as one column per option")
            bad = tokens.apply(lambda ts, cs=codes: bool(set(ts) - cs))
            if bad.any():
                seen = sorted({t for ts in tokens[bad] for t in ts} - codes)[:5]
                raise DataError(name, f"unknown option code(s) {seen}", column=question.name, label=question.label,
                                rows=_rows(bad), fix=f"use the option codes {sorted(codes)}")
            typed[question.name] = column.where(column.notna(), np.nan)
        elif question.is_numeric:
            numbers = pd.to_numeric(column.where(present), errors="coerce")
            not_number = present & numbers.isna()
            if not_number.any():
                raise DataError(name, "not a number", column=question.name, label=question.label,
                                rows=_rows(not_number), fix="enter whole numbers")
            out_of_range = numbers.notna() & ((numbers < 0) | (numbers > 100))
            if out_of_range.any():
                raise DataError(name, "value out of range 0-100", column=question.name, label=question.label,
                                rows=_rows(out_of_range), fix="slider answers are percentages from 0 to 100")
            typed[question.name] = numbers
    return typed


def _expand_multi(eligible: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Add boolean ``question/code`` columns (NaN where the question was not asked)."""
    added = {}
    for question in instrument.answer_questions():
        if not question.is_select_multiple:
            continue
        asked = eligible[question.name].notna()
        sets = eligible[question.name].fillna("").astype(str).str.split()
        for code in instrument.codes(question.name):
            ticked = sets.apply(lambda ts, c=code: c in ts)
            added[f"{question.name}{MULTI_SEP}{code}"] = ticked.astype("boolean").where(asked, pd.NA)
    return pd.concat([eligible, pd.DataFrame(added, index=eligible.index)], axis=1)


def apply_inclusion(typed: pd.DataFrame, id_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's rule: complete and 'yes' on all five hurdles; everything else goes to the log."""
    hurdle_yes = pd.concat([typed[h] == "yes" for h in ELIGIBILITY], axis=1).all(axis=1)
    first_unmet = pd.Series(pd.NA, index=typed.index, dtype="object")
    for hurdle in reversed(ELIGIBILITY):  # reversed so the earliest unmet criterion wins
        first_unmet = first_unmet.mask(typed[hurdle] != "yes", hurdle)
    completed = typed["completed"].astype(str).str.strip().str.lower() == "yes"
    reason = np.where(~hurdle_yes & typed["consent"].eq("no"), "no_consent",
                      np.where(~hurdle_yes, "disqualified", np.where(~completed, "partial", "eligible")))
    log = pd.DataFrame({
        "outcome": reason,
        "criterion": np.where(reason == "disqualified", first_unmet.fillna("not_answered"), ""),
        "country": typed["country"].fillna("unknown"),
    }, index=typed.index)
    eligible = typed[reason == "eligible"].reset_index(drop=True)
    return eligible, log[log["outcome"] != "eligible"].reset_index(drop=True)


def exclusion_summary(exclusions: pd.DataFrame) -> pd.DataFrame:
    """Counts by outcome and, for the disqualified, by unmet criterion (no row-level data)."""
    by_outcome = exclusions.groupby("outcome").size().rename("n")
    disq = exclusions[exclusions["outcome"] == "disqualified"].groupby("criterion").size().rename("n")
    rows = [{"outcome": o, "criterion": "", "n": int(n)} for o, n in by_outcome.items()]
    rows += [{"outcome": "disqualified", "criterion": c, "n": int(n)} for c, n in disq.items()]
    return pd.DataFrame(rows, columns=["outcome", "criterion", "n"])


def load_survey(path: Path | str | None = None, instrument: Instrument | None = None,
                id_column: str | None = None) -> SurveyData:
    """Read, validate and clean a raw export; default: the embedded synthetic data."""
    from .study import load_study, repo_root

    study = load_study()
    path = Path(path) if path else repo_root() / study.data["survey"]
    id_column = id_column or study.data.get("id_column", "respondent_id")
    instrument = instrument or load_instrument()
    frame = _read_table(path)
    typed = validate(frame, instrument, path.name, id_column)
    eligible, exclusions = apply_inclusion(typed, id_column)
    if eligible.empty:
        raise DataError(path.name, "no eligible complete response",
                        fix="check the eligibility answers and the completion column 'completed'")
    unknown_country = ~eligible["country"].isin([c.iso3 for c in study.countries])
    if unknown_country.any():
        raise DataError(path.name, "country code not in params/study.yml", column="country",
                        rows=_rows(unknown_country), fix="use ISO3 codes listed in params/study.yml")
    eligible = _expand_multi(eligible, instrument)
    source = {"file": path.name, "sha256": sha256_file(path), "responses": str(len(typed))}
    return SurveyData(eligible, exclusions, source, instrument)
