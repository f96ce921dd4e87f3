"""Tests for perspectives.disclosure: golden tables at the boundaries and an attacker.

Golden patterns are worked by hand from the rules in the module header; the attacker
check is cross-examined with an independent null-space computation (scipy.linalg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.linalg import null_space

from perspectives import disclosure as dc
from perspectives.stats import frequency, multi_frequency

ROOT = Path(__file__).resolve().parents[1]


def one_column(counts: list[int], labels: list[str] | None = None) -> pd.DataFrame:
    """A frequency-shaped count table: categories x ['n']."""
    return pd.DataFrame({"n": counts}, index=labels or [f"c{i}" for i in range(len(counts))])


# --- settings -----------------------------------------------------------------------------

def test_settings_read_params_study_yml() -> None:
    block = yaml.safe_load((ROOT / "params" / "study.yml").read_text(encoding="utf-8"))["disclosure"]
    got = dc.settings()
    assert (got.threshold, got.reliability_min_n) == (block["threshold"], block["reliability_min_n"])
    assert dc.repo_root() == ROOT


def test_settings_from_other_file_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "study.yml"
    path.write_text("disclosure:\n  threshold: 10\n  reliability_min_n: 50\n", encoding="utf-8")
    assert dc.settings(path) == dc.DisclosureSettings(10, 50)
    path.write_text("disclosure:\n  threshold: 1\n  reliability_min_n: 25\n", encoding="utf-8")
    with pytest.raises(ValueError):
        dc.settings(path)


# --- primary suppression at the boundaries -------------------------------------------------

@pytest.mark.parametrize("t", [5, 10])
def test_primary_boundaries_non_additive(t: int) -> None:
    # Multi-select shape (base 100, not additive): only the count itself matters.
    counts = one_column([0, 1, t - 1, t])
    sup = dc.suppress(counts, additive_rows=False, additive_cols=False, threshold=t,
                      col_totals=pd.Series({"n": 100}))
    assert sup.reason["n"].tolist() == ["", "primary", "primary", ""]
    assert sup.mask["n"].tolist() == [False, True, True, False]
    assert sup.safe_counts["n"].isna().tolist() == [False, True, True, False]
    assert sup.safe_counts["n"].iloc[[0, 3]].tolist() == [0.0, float(t)]


@pytest.mark.parametrize(("t", "shares"), [(5, ["10%", "80%"]), (10, ["17%", "67%"])])
def test_publish_frequency_boundaries(t: int, shares: list[str]) -> None:
    freq = frequency(pd.Series(["b"] * 1 + ["c"] * (t - 1) + ["d"] * t + ["e"] * 40),
                     ["a", "b", "c", "d", "e"])
    pub = dc.publish_frequency(freq, threshold=t, reliability_min_n=25)
    # Two cells are hidden in the one additive column, so no complementary cell is needed.
    assert pub.table["n"].tolist() == ["0", f"<{t}", f"<{t}", str(t), "40", str(2 * t + 40)]
    # Bases 50 and 60: t/50 = 10%, 40/50 = 80%; 10/60 = 16.7% -> 17%, 40/60 = 66.7% -> 67%.
    assert pub.table["%"].tolist() == ["0%", "–", "–", *shares, "100%"]
    assert pub.table.index.tolist() == ["a", "b", "c", "d", "e", "Total"]
    assert any(note.startswith(f"<{t}:") for note in pub.notes)
    assert not any(note.startswith("†") for note in pub.notes)


def test_threshold_argument_overrides_params() -> None:
    counts = one_column([9, 40])
    assert not dc.suppress(counts, additive_rows=False, additive_cols=False).mask.any().any()
    assert dc.suppress(counts, additive_rows=False, additive_cols=False, threshold=10).mask["n"].tolist() == [True, False]


# --- small bases: 0% and 100% --------------------------------------------------------------

def test_small_base_hides_zero_and_hundred_percent() -> None:
    freq = frequency(pd.Series(["yes", "yes", "yes"]), ["yes", "no"])
    pub = dc.publish_frequency(freq, threshold=5, reliability_min_n=25)
    assert pub.suppression.reason["n"].tolist() == ["primary", "small_base"]
    assert pub.table.loc[["yes", "no"], "n"].tolist() == ["<5", "<5"]
    assert pub.table.loc[["yes", "no"], "%"].tolist() == ["–", "–"]
    assert any("zeros included" in note for note in pub.notes)


def test_zero_base_has_nothing_to_hide() -> None:
    freq = frequency(pd.Series([None, None], dtype=object), ["yes", "no"])
    pub = dc.publish_frequency(freq, threshold=5, reliability_min_n=25)
    assert not pub.suppression.mask.any().any()
    assert pub.table["n"].tolist() == ["0", "0", "0"]
    assert pub.table["%"].tolist() == ["", "", ""]
    assert pub.notes == []


def test_small_column_in_a_crosstab_is_hidden_whole_and_protected() -> None:
    counts = pd.DataFrame({"ALB": [4, 0, 0], "COL": [30, 12, 8], "MEX": [25, 14, 9]},
                          index=["female", "male", "other"])
    sup = dc.suppress(counts, additive_rows=True, additive_cols=True, threshold=5)
    assert sup.reason["ALB"].tolist() == ["primary", "small_base", "small_base"]
    # Every row now holds one hidden ALB cell, so each row hides its smallest other cell
    # (female: MEX 25; male: COL 12; other: COL 8). That leaves MEX with a single hidden
    # cell, so MEX hides its smallest visible one too (other: 9).
    assert sup.reason["COL"].tolist() == ["", "complementary", "complementary"]
    assert sup.reason["MEX"].tolist() == ["complementary", "", "complementary"]
    assert dc.audit(sup, counts) == []


# --- complementary suppression ----------------------------------------------------------------

def test_complementary_in_rows_only() -> None:
    counts = pd.DataFrame([[2, 10, 20], [30, 40, 50]], columns=list("xyz"))
    sup = dc.suppress(counts, additive_rows=True, additive_cols=False, threshold=5)
    assert sup.reason.to_numpy().tolist() == [["primary", "complementary", ""], ["", "", ""]]


def test_complementary_in_columns_only_prefers_smallest_non_zero() -> None:
    counts = one_column([0, 2, 20, 10, 30])
    sup = dc.suppress(counts, additive_rows=False, additive_cols=True, threshold=5)
    assert sup.reason["n"].tolist() == ["", "primary", "", "complementary", ""]


def test_complementary_in_rows_and_columns_gives_a_rectangle() -> None:
    counts = pd.DataFrame([[2, 10, 20], [30, 40, 50]], columns=list("xyz"))
    sup = dc.suppress(counts, additive_rows=True, additive_cols=True, threshold=5)
    assert sup.mask.to_numpy().tolist() == [[True, True, False], [True, True, False]]
    assert sup.reason.iat[0, 0] == "primary"
    pub = dc.publish(counts, additive_rows=True, additive_cols=True, threshold=5,
                     reliability_min_n=25)
    assert pub.table.loc[0].tolist() == ["<5", "–", "29% (n=20)"]
    assert pub.table.loc[1].tolist() == ["–", "–", "71% (n=50)"]
    assert pub.table.loc["Total"].tolist() == ["n=32", "n=50", "n=70"]
    assert len(pub.notes) == 2


def test_zero_is_hidden_only_when_nothing_else_is_left() -> None:
    # Column y: 20 is hidden to protect row 0; the rest of y is zero, so a zero must go.
    counts = pd.DataFrame([[3, 20], [40, 0], [50, 0]], columns=["x", "y"])
    sup = dc.suppress(counts, additive_rows=True, additive_cols=True, threshold=5)
    assert sup.reason.to_numpy().tolist() == [
        ["primary", "complementary"], ["complementary", "complementary"], ["", ""]]
    assert dc.audit(sup, counts) == []


def test_multi_select_gets_primary_suppression_only() -> None:
    selected = pd.DataFrame({"a": [1] * 30 + [0] * 30, "b": [1] + [0] * 59, "c": [1] * 45 + [0] * 15})
    freq = multi_frequency(selected, ["a", "b", "c"])
    pub = dc.publish_frequency(freq, threshold=5, reliability_min_n=25)
    assert pub.suppression.reason["n"].tolist() == ["", "primary", ""]
    assert pub.table["n"].tolist() == ["30", "<5", "45", "60"]
    assert pub.table["%"].tolist() == ["50%", "–", "75%", ""]  # no 100% for ticks


# --- reliability marks ----------------------------------------------------------------------

@pytest.mark.parametrize(("base", "shown", "marked"), [(24, "50%†", True), (25, "48%", False)])
def test_reliability_mark_boundary(base: int, shown: str, marked: bool) -> None:
    freq = frequency(pd.Series(["a"] * 12 + ["b"] * (base - 12)), ["a", "b"])
    pub = dc.publish_frequency(freq, threshold=5, reliability_min_n=25)
    assert pub.table.loc["a", "%"] == shown
    assert any(note.startswith("†") for note in pub.notes) is marked


def test_reliability_mark_on_crosstab_columns() -> None:
    counts = pd.DataFrame({"ALB": [10, 10], "COL": [30, 10]}, index=["yes", "no"])
    pub = dc.publish(counts, additive_rows=False, additive_cols=True, threshold=5,
                     reliability_min_n=25)
    assert pub.table["ALB"].tolist() == ["50%† (n=10)", "50%† (n=10)", "n=20"]
    assert pub.table["COL"].tolist() == ["75% (n=30)", "25% (n=10)", "n=40"]
    assert pub.notes == [dc.RELIABILITY_MARK + ": based on fewer than 25 respondents; "
                         "read as an indication only."]


# --- the attacker ---------------------------------------------------------------------------

ATTACKABLE = pd.DataFrame(
    {"ALB": [30, 3, 12], "BIH": [25, 8, 6], "MEX": [40, 9, 1]}, index=["female", "male", "other"])


def test_audit_catches_primary_only_pattern_and_passes_after_suppress() -> None:
    weak = (ATTACKABLE >= 1) & (ATTACKABLE < 5)
    found = dc.audit(weak, ATTACKABLE, additive_rows=True, additive_cols=True)
    assert sorted(found) == ["male x ALB = 3 (by subtraction)", "other x MEX = 1 (by subtraction)"]
    sup = dc.suppress(ATTACKABLE, additive_rows=True, additive_cols=True, threshold=5)
    assert (sup.mask | ~weak).all().all()  # the weak cells stay hidden
    assert dc.audit(sup, ATTACKABLE) == []


def test_audit_sees_no_totals_in_non_additive_tables() -> None:
    weak = (ATTACKABLE >= 1) & (ATTACKABLE < 5)
    assert dc.audit(weak, ATTACKABLE, additive_rows=False, additive_cols=False) == []


def test_audit_combines_lines_to_recover_a_bridge_cell() -> None:
    # Two protected 2x2 blocks joined by one hidden cell: no line has a single unknown, yet
    # rows 0+1 minus columns 0+1 leave exactly cell (1, 2).
    counts = pd.DataFrame(np.arange(1, 26).reshape(5, 5) + 10)
    hidden = np.zeros((5, 5), dtype=bool)
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[i, j] = True
    found = dc.audit(pd.DataFrame(hidden), counts, additive_rows=True, additive_cols=True)
    assert found == [f"1 x 2 = {counts.iat[1, 2]} (by combining totals)"]
    assert independent_recoverable(hidden, True, True) == {(1, 2)}


def independent_recoverable(hidden: np.ndarray, rows: bool, cols: bool) -> set[tuple[int, int]]:
    """Cells fixed by the totals: those on which every solution of A x = 0 vanishes."""
    cells = [tuple(c) for c in np.argwhere(hidden)]
    eqs = []
    if rows:
        eqs += [[1.0 if c[0] == i else 0.0 for c in cells] for i in range(hidden.shape[0])]
    if cols:
        eqs += [[1.0 if c[1] == j else 0.0 for c in cells] for j in range(hidden.shape[1])]
    if not cells or not eqs:
        return set()
    basis = null_space(np.array(eqs))
    return {cell for k, cell in enumerate(cells) if np.allclose(basis[k], 0.0, atol=1e-9)}


@pytest.mark.parametrize("seed", range(40))
def test_suppress_random_tables_are_safe(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 7)), int(rng.integers(2, 7)))
    # Mostly small counts so that many cells need suppression, with some true zeros.
    values = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 12, 30, 80], size=shape)
    counts = pd.DataFrame(values)
    t = int(rng.choice([5, 10]))
    rows, cols = bool(seed % 3), bool(seed % 3 != 1)
    sup = dc.suppress(counts, additive_rows=rows, additive_cols=cols, threshold=t)
    hidden = sup.mask.to_numpy()
    assert hidden[(values >= 1) & (values < t)].all()  # primary never skipped
    assert np.array_equal(sup.safe_counts.to_numpy()[~hidden], values[~hidden].astype(float))
    for line in ([hidden[i, :] for i in range(shape[0])] if rows else []) + (
            [hidden[:, j] for j in range(shape[1])] if cols else []):
        assert line.sum() != 1
    assert dc.audit(sup, counts) == []
    assert independent_recoverable(hidden, rows, cols) == set()
    again = dc.suppress(counts, additive_rows=rows, additive_cols=cols, threshold=t)
    assert again.reason.equals(sup.reason)  # same inputs, same table


def test_publish_row_percentages() -> None:
    counts = pd.DataFrame({"yes": [30, 3], "no": [10, 40]}, index=["ALB", "COL"])
    pub = dc.publish(counts, additive_rows=True, additive_cols=False, percent="row",
                     threshold=5, reliability_min_n=25)
    # COL row: 3 is primary, 40 complementary (the row adds up to its published total 43).
    assert pub.table.loc["ALB"].tolist() == ["75% (n=30)", "25% (n=10)", "n=40"]
    assert pub.table.loc["COL"].tolist() == ["<5", "–", "n=43"]
    assert pub.table.columns.tolist() == ["yes", "no", "Total"]


# --- input checks -------------------------------------------------------------------------

def test_suppress_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        dc.suppress(one_column([1.5, 3]), additive_rows=False, additive_cols=True, threshold=5)
    with pytest.raises(ValueError):
        dc.suppress(one_column([10, 3]), additive_rows=False, additive_cols=True, threshold=5,
                    col_totals=pd.Series({"n": 20}))
    with pytest.raises(ValueError, match="single cell"):
        dc.suppress(one_column([3, 40]), additive_rows=True, additive_cols=False, threshold=5)
    with pytest.raises(ValueError):
        dc.suppress(one_column([3, 40]), additive_rows=False, additive_cols=False, threshold=1)


def test_forced_cells_are_hidden_and_their_line_protected():
    """A cell withheld by another table (force) is hidden here, and a partner cell with it."""
    from perspectives.disclosure import audit, suppress

    counts = pd.DataFrame({"n": [40, 30, 20]}, index=["a", "b", "c"])
    force = pd.DataFrame({"n": [False, True, False]}, index=counts.index)
    result = suppress(counts, additive_rows=False, additive_cols=True, threshold=5, force=force)
    assert result.mask.loc["b", "n"] and result.mask["n"].sum() == 2  # b plus its complement (c, the smallest)
    assert result.mask.loc["c", "n"]
    assert audit(result, counts, additive_rows=False, additive_cols=True) == []
