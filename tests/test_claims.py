"""Tests for perspectives.claims: the registry of published claims and its consistency checks.

Inputs: data/claims.csv, data/quantifiers.yml. Expected values come from scipy (recomputed
p-values and contingency tables), hand arithmetic on the printed numbers, the printed report
itself, and the examples of the quantifier mapping given when the comparison kinds were asked for.
Outputs: none (pytest).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from perspectives import config
from perspectives.claims import (
    ALLOWED_KINDS,
    ALLOWED_SECTIONS,
    COLUMNS,
    COMPARISON_KINDS,
    Ranking,
    check_df,
    check_no_difference_printed,
    check_percent_vs_n,
    check_quantifier_printed,
    check_ranking_printed,
    check_test,
    chi2_range_from_shares,
    comparison_items,
    consistency_report,
    implied_denominators,
    load_claims,
    load_relations,
    load_wording,
    parse_expected,
    printed_intervals,
    ranked_pairs,
    recompute_p,
    source_inconsistencies,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def report(claims: pd.DataFrame) -> pd.DataFrame:
    return consistency_report(claims)


@pytest.fixture(scope="module")
def found(claims: pd.DataFrame) -> pd.DataFrame:
    return source_inconsistencies(claims).set_index("claim_id")


def row(claims: pd.DataFrame, cid: str) -> pd.Series:
    return claims.loc[claims["claim_id"] == cid].iloc[0]


# ----------------------------------------------------------------- registry shape

def test_registry_is_well_formed(claims: pd.DataFrame) -> None:
    assert tuple(claims.columns) == COLUMNS
    assert claims["claim_id"].is_unique
    assert set(claims["section"]) <= ALLOWED_SECTIONS
    assert set(claims["kind"]) <= ALLOWED_KINDS
    assert set(claims["kind"]) >= COMPARISON_KINDS  # every comparison kind is in use
    assert 265 <= len(claims) <= 450
    # every section of the report is represented
    assert set(claims["section"]) == ALLOWED_SECTIONS
    # line numbers point inside the 1,716-line reference
    assert claims["line"].between(1, 1716).all()
    # every claim is bound to the recorded value or computation that reproduces it (or says why not)
    kinds = claims["binding"].str.extract(r"^(\w+)", expand=False)
    assert set(kinds) <= {"value", "test", "expr", "count", "range", "fact", "calc", "none", "each", "items"}
    # only the comparison kinds list items to compare
    listed = claims["binding"].str.match(r"^(each|items)\(")
    assert set(claims.loc[listed, "kind"]) <= {"order", "extreme"}


def test_tests_carry_statistic_dfs_and_p(claims: pd.DataFrame) -> None:
    tests = claims[claims["kind"].isin(["chi2", "anova"])]
    assert len(tests) == 19
    assert tests[["statistic", "df1", "p", "precision"]].notna().all().all()
    assert tests["p_op"].isin(["=", "<"]).all()
    assert tests.loc[tests["kind"] == "anova", "df2"].notna().all()


def test_percent_rows_have_percent(claims: pd.DataFrame) -> None:
    pct = claims[claims["kind"].isin(["percent", "share_range", "mean"])]
    assert pct["percent"].notna().all()
    ranges = claims[claims["kind"] == "share_range"]
    assert (ranges["percent"] <= ranges["statistic"]).all()


def test_load_rejects_duplicates_and_bad_kinds(tmp_path: Path) -> None:
    text = (ROOT / "data" / "claims.csv").read_text()
    lines = text.splitlines()
    (tmp_path / "dup.csv").write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n")
    with pytest.raises(ValueError, match="duplicate"):
        load_claims(tmp_path / "dup.csv")
    bad = lines[1].replace(",count,", ",tally,", 1)
    (tmp_path / "kind.csv").write_text("\n".join([lines[0], bad]) + "\n")
    with pytest.raises(ValueError, match="kind"):
        load_claims(tmp_path / "kind.csv")
    bad_n = lines[1].replace(",42,", ",forty-two,", 1)
    (tmp_path / "num.csv").write_text("\n".join([lines[0], bad_n]) + "\n")
    with pytest.raises(ValueError, match="non-numeric"):
        load_claims(tmp_path / "num.csv")


def test_counts_that_must_sum_do(claims: pd.DataFrame) -> None:
    n = claims.set_index("claim_id")["n"]
    # completes per country (footnote 20) make up the 413 completes
    assert sum(n[f"M-SRV-00{i}"] for i in range(4, 10)) == n["M-SRV-001"] == 413
    # conversations per country (footnote 16) make up the 42 participants
    assert sum(n[f"M-CNV-0{i:02d}"] for i in range(6, 12)) == n["M-CNV-001"] == 42
    assert n["M-CNV-002"] + n["M-CNV-005"] == 42
    assert n["C-GEN-001"] + n["C-GEN-002"] == 413
    assert n["C-GEN-013"] + n["C-GEN-014"] == 413
    # the Colombian disclosure routes add up to the seven who spoke of disclosure
    assert sum(n[f"D-CNV-00{i}"] for i in range(2, 6)) == n["D-CNV-001"] == 7


def test_every_relation_names_known_claims(claims: pd.DataFrame) -> None:
    ids = set(claims["claim_id"])
    for rel in load_relations().relations:
        named = set(rel.ids) | ({rel.total} if rel.total else set()) | set(rel.blame)
        named |= {v for v in rel.params.values() if isinstance(v, str) and re.match(r"^[A-Z]-[A-Z]+-\d{3}", v)}
        assert named <= ids, rel


# ----------------------------------------------------------------- p-values

@pytest.mark.parametrize(
    ("kind", "stat", "df1", "df2", "expected"),
    [
        ("chi2", 25.645, 10, None, 0.004),  # footnote 23
        ("chi2", 14.605, 6, None, 0.024),  # footnote 24
        ("chi2", 7.627, 2, None, 0.022),  # footnote 29
        ("anova", 2.073, 5, 312, 0.069),  # footnote 34
    ],
)
def test_recompute_p_matches_scipy_and_print(kind: str, stat: float, df1: int, df2: int | None, expected: float) -> None:
    got = recompute_p(kind, stat, df1, df2)
    ref = stats.chi2.sf(stat, df1) if kind == "chi2" else stats.f.sf(stat, df1, df2)
    assert got == pytest.approx(ref, rel=1e-12)
    assert round(got, 3) == expected


def test_chi2_df2_closed_form() -> None:
    # with 2 df the chi-square tail is exp(-x/2): an independent check on the scipy call
    assert recompute_p("chi2", 10.147, 2) == pytest.approx(np.exp(-10.147 / 2), rel=1e-12)


def test_consistent_test_passes(claims: pd.DataFrame) -> None:
    t = check_test(row(claims, "M-GEN-006"))
    assert t.consistent and not t.gross
    assert t.recomputed_p == pytest.approx(0.00425, abs=5e-5)
    t = check_test(row(claims, "C-EXC-004"))  # p < .001
    assert t.consistent


def test_anova_decimal_slip(claims: pd.DataFrame) -> None:
    t = check_test(row(claims, "C-CASE-004"))
    assert not t.consistent
    assert not t.gross  # .081 and .81 are both above .05
    assert t.recomputed_p == pytest.approx(stats.f.sf(1.978, 5, 407))
    assert round(t.recomputed_p, 3) == 0.081


def test_anova_impossible_df2(claims: pd.DataFrame) -> None:
    r = row(claims, "C-GEN-007")
    t = check_test(r)
    assert not t.consistent and not t.gross
    # with df2 = 309 - 6 the printed p is reproduced
    assert round(stats.f.sf(2.628, 5, 303), 3) == 0.024
    d = check_df(r, claims)
    assert d is not None and not d.ok
    assert "303" in d.reason and "exceeds" in d.reason


def test_gross_flag_when_significance_flips() -> None:
    fake = {"kind": "chi2", "statistic": 2.0, "df1": 1, "df2": np.nan, "p_op": "<", "p": 0.05, "precision": 1}
    t = check_test(fake)
    assert not t.consistent and t.gross


def test_df_checks_pass_for_country_and_org_tests(claims: pd.DataFrame) -> None:
    for cid in ["M-GEN-006", "M-AREA-007", "M-AGE-008", "M-SVC-009", "C-EXC-003", "C-OFF-004", "C-FRM-001"]:
        d = check_df(row(claims, cid), claims)
        assert d is not None and d.ok, (cid, d)


# ----------------------------------------------------------------- percentages

def test_percent_vs_n(claims: pd.DataFrame) -> None:
    ok = check_percent_vs_n(row(claims, "M-EXP-001"))  # 180/413 = 43.58 -> 43.6
    assert ok is not None and ok.ok
    bad = check_percent_vs_n(row(claims, "P-AWR-002"))  # 39/413 = 9.44 -> 9, printed 10
    assert bad is not None and not bad.ok
    assert check_percent_vs_n(row(claims, "M-SVC-001")) is None  # no printed n


def test_implied_denominators_by_hand() -> None:
    # 291/D rounds to 71 for D in 407..412; 39/D rounds to 10 for D in 372..410
    assert implied_denominators(291, 71) == list(range(407, 413))
    assert implied_denominators(39, 10) == list(range(372, 411))


def test_chi2_range_matches_scipy_table() -> None:
    # 179 of 318 vs 91 of 235: one table, Pearson and Yates from scipy bound the range
    table = np.array([[179, 139], [91, 144]])
    pearson = stats.chi2_contingency(table, correction=False)[0]
    yates = stats.chi2_contingency(table, correction=True)[0]
    lo, hi = chi2_range_from_shares([(318, 179, 56, 0), (235, 91, 39, 0)])
    assert lo == pytest.approx(yates) and hi == pytest.approx(pearson)


# ----------------------------------------------------------------- the report's inconsistencies

EXPECTED = {
    "C-CASE-004": "0.81",
    "C-GEN-007": "3034",
    "C-CASE-010": "outside 33.3-50",
    "C-FRM-004": "46.058",
    "D-CNV-015": "subset 5 vs set 4",
    "D-CNV-016": "subset 5 vs set 4",
    "D-CNV-016-ES": "subset 5 vs set 4",
    "K-SCN-004": "df 1",
    "K-SCN-008": "df 1",
    "M-AGE-005": "printed 41% contradicts 'more than two thirds'",
    "M-CNV-017": "subset 14 vs set 10",
    "M-CNV-032": "values 9",
    "C-GEN-023": "values 9",  # the value outside the stated 12-17 range is named too
    "M-EDU-002": "38.499",
    "M-SVC-009": "printed 10.147",
    "M-SVC-012": "printed 16.046",
    "M-SVC-016": "67.5-68.5",
    "M-SVC-017": "67.5-68.5",
    "P-AWR-001": "407-412",
    "P-AWR-001-ES": "407-412",
    "P-AWR-002": "372-410",
    "P-AWR-002-ES": "372-410",
    "S-CNV-011-ES": "n 1 vs 10",
}


def test_found_inconsistencies_with_reasons(found: pd.DataFrame) -> None:
    assert set(found.index) == set(EXPECTED)
    for cid, fragment in EXPECTED.items():
        assert fragment in found.loc[cid, "reason"], (cid, found.loc[cid, "reason"])


def test_csv_marks_equal_function_findings(claims: pd.DataFrame, found: pd.DataFrame) -> None:
    marked = claims.loc[claims["status_hint"] == "source-inconsistent", "claim_id"]
    assert set(marked) == set(found.index)
    assert claims.loc[claims["status_hint"] == "source-inconsistent", "note"].str.len().gt(0).all()
    assert set(claims["status_hint"]) <= {"", "source-inconsistent"}


def test_gender_counselling_cannot_reach_overall() -> None:
    # by hand: 38% of 77 men and 54% of 335 women, the one other worker at most 100%
    most = (0.385 * 77 + 0.545 * 335 + 1) / 413
    assert most < 0.675  # the overall 68% is out of reach


def test_service_chi2_against_shares_by_scipy() -> None:
    # counselling: 96/128 NGO (75%), 136/235 government (58%), 49/50 other makes 68% overall
    table = np.array([[96, 32], [136, 99], [49, 1]])
    assert stats.chi2_contingency(table, correction=False)[0] > 20  # printed 10.147
    lo, hi = chi2_range_from_shares([(128, np.nan, 75, 0), (235, np.nan, 58, 0)], 50, (413, 68, 0))
    assert lo > 11 and lo <= stats.chi2_contingency(table, correction=False)[0] <= hi


def test_consistent_relations_pass(report: pd.DataFrame) -> None:
    ok = report.set_index(["claim_id", "check"])["ok"]
    assert ok[("M-SVC-015", "chi2_shares")]  # reintegration chi-square fits its shares
    assert ok[("M-SVC-018", "chi2_shares")]  # the gender counselling test fits 38% vs 54%
    assert ok[("M-SVC-007", "subgroups_overall")]  # NGO/government shares can give 68%
    assert ok[("C-GEN-003", "ratio")]  # 235/309 = 76%
    assert ok[("M-EXP-001", "percent_vs_n")]
    assert report.loc[report["check"] == "sum_counts", "ok"].all()
    assert report.loc[report["check"] == "sum_percents", "ok"].all()


# ----------------------------------------------------------------- verbal quantifiers

def test_quantifier_table_reads_as_specified() -> None:
    # The examples given with the request: "majority" > 50%, "over two-thirds" > 66.7%,
    # "one in five" 15-25%, "almost all" >= 90%.
    w = load_wording()
    assert w.quantifier("majority").admits(50.1) and not w.quantifier("majority").admits(50.0)
    assert w.quantifier("over two-thirds").admits(66.8) and not w.quantifier("over two-thirds").admits(66.7)
    one_in_five = w.quantifier("one in five")
    assert one_in_five.admits(15) and one_in_five.admits(25) and not one_in_five.admits(25.1)
    assert w.quantifier("almost all").admits(90) and not w.quantifier("almost all").admits(89.9)
    # an alias is the same reading, and phrases are looked up whatever their case
    assert w.quantifier("Most") is w.quantifier("majority")
    with pytest.raises(KeyError, match="known"):
        w.quantifier("a good many")


def test_quantifier_table_rejects_a_phrase_listed_twice(tmp_path: Path) -> None:
    (tmp_path / "q.yml").write_text(
        "quantifiers:\n  - {phrase: most, min: 50, max: 100}\n  - {phrase: half, aliases: [most], min: 45, max: 55}\n"
        "comparisons: {almost_equal_points: 2}\n")
    with pytest.raises(ValueError, match="twice"):
        load_wording(tmp_path / "q.yml")


def test_printed_share_against_its_quantifier() -> None:
    def row(phrase: str, pct: float) -> dict:
        return {"kind": "quantifier", "expected": phrase, "percent": pct, "precision": 0.0}

    # 41% printed with "more than two thirds" is the report's own contradiction (line 593)
    assert not check_quantifier_printed(row("more than two thirds", 41)).ok
    # a printed 50% may be 50.4%: "more than half" is not contradicted; 49% is
    assert check_quantifier_printed(row("more than half", 50)).ok
    assert not check_quantifier_printed(row("more than half", 49)).ok
    assert check_quantifier_printed(row("almost all", 91)).ok
    assert not check_quantifier_printed(row("one in five", 26)).ok
    assert check_quantifier_printed({"kind": "quantifier", "expected": "most", "percent": np.nan,
                                     "precision": 0.0}) is None


# ----------------------------------------------------------------- orders and extremes

def test_parse_orders_and_extremes() -> None:
    order = parse_expected("order", "ALB > MDA > COL > BIH, MEX, PER")
    assert order == Ranking((("ALB",), ("MDA",), ("COL",), ("BIH", "MEX", "PER")), (">", ">", ">"))
    star = parse_expected("order", "stigma_shame > fear_response > *")
    assert star.rest == 2 and star.named == ("stigma_shame", "fear_response")
    assert parse_expected("order", "a ~ b").ops == ("~",)
    high = parse_expected("extreme", "highest: BIH, MDA")
    assert high.direction == "highest" and high.named == ("BIH", "MDA")
    for bad in ("a", "* > a", "a > * > b", "a ~ *"):
        with pytest.raises(ValueError):
            parse_expected("order", bad)
    with pytest.raises(ValueError):
        parse_expected("extreme", "top: a")
    with pytest.raises(ValueError):
        parse_expected("no_difference", "a > b")


def test_ranked_pairs_by_hand() -> None:
    names = ["a", "b", "c", "d", "e"]
    assert ranked_pairs(parse_expected("order", "a > b, c >= *"), names) == [
        ("a", ">", "b"), ("a", ">", "c"), ("b", ">=", "d"), ("b", ">=", "e"), ("c", ">=", "d"), ("c", ">=", "e")]
    assert ranked_pairs(parse_expected("extreme", "lowest: c"), names) == [
        ("a", ">", "c"), ("b", ">", "c"), ("d", ">", "c"), ("e", ">", "c")]


def test_comparison_bindings_expand() -> None:
    each = comparison_items("each(@countries):value:gender.female.{}.pct@ALL | test:gender.chi2@ALL")
    assert each.names == ("ALB", "BIH", "COL", "MDA", "MEX", "PER")  # params/study.yml
    assert each.items[3] == ("MDA", "value:gender.female.MDA.pct@ALL") and each.test == "test:gender.chi2@ALL"
    items = comparison_items("items(rural=calc:f(a, area=rural); other=calc:f(a, area!=rural))")
    assert items.items == (("rural", "calc:f(a, area=rural)"), ("other", "calc:f(a, area!=rural)"))
    assert items.test is None
    with pytest.raises(ValueError):
        comparison_items("value:x@ALL")


def test_printed_shares_against_an_order(claims: pd.DataFrame) -> None:
    printed = printed_intervals(claims)
    base = {"kind": "extreme", "binding": "each(@countries):value:gender.female.{}.pct@ALL"}
    # the report prints Moldova 98% and Albania 68%: "lowest in Moldova" is impossible, "highest" fits
    assert check_ranking_printed({**base, "expected": "highest: MDA"}, printed).ok
    planted = check_ranking_printed({**base, "expected": "lowest: MDA"}, printed)
    assert planted is not None and not planted.ok and "ALB > MDA" in planted.reason
    # 24% and 25% (line 593) can be almost equal, and 25 > 24, but 24 cannot exceed 25
    ages = {"kind": "order", "binding": "each(21_30, 41_50):value:age_band.{}.pct@ALL"}
    assert check_ranking_printed({**ages, "expected": "21_30 ~ 41_50"}, printed).ok
    assert check_ranking_printed({**ages, "expected": "41_50 > 21_30"}, printed).ok
    assert not check_ranking_printed({**ages, "expected": "21_30 > 41_50"}, printed).ok
    # nothing printed for the other countries' barriers: nothing to judge
    none = {"kind": "extreme", "expected": "highest: MEX",
            "binding": "each(@countries):value:barriers.police_refuse.{}.pct@ALL"}
    assert check_ranking_printed(none, printed) is None


def test_printed_test_against_no_difference() -> None:
    row = {"kind": "no_difference", "statistic": 2.073, "df1": 5.0, "df2": 312.0, "p_op": "=", "p": 0.069,
           "precision": 3.0}
    assert check_no_difference_printed(row).ok  # footnote 34
    assert not check_no_difference_printed({**row, "p": 0.03}).ok  # a significant p claimed as no difference
    # a statistic whose p is well below .05 (scipy) contradicts the printed p
    assert stats.f.sf(3.5, 5, 312) < 0.01
    planted = check_no_difference_printed({**row, "statistic": 3.5})
    assert not planted.ok and "significant" in planted.reason
    # the ANOVA printed with p = 0.81 (footnote 31) is not significant either as recomputed
    assert check_no_difference_printed({**row, "statistic": 1.978, "df2": 407.0, "p": 0.81}).ok


def test_load_rejects_malformed_comparisons(tmp_path: Path) -> None:
    text = (ROOT / "data" / "claims.csv").read_text()
    lines = text.splitlines()
    header = lines[0]
    row = next(line for line in lines if line.startswith("D-BAR-006,"))
    cases = {"named": row.replace("highest: BIH, MDA", "highest: BIH, XYZ"),
             "unknown quantifier": next(line for line in lines if line.startswith("M-GEN-001-Q,")).replace(
                 "large majority", "a good many"),
             "expected": lines[1].replace(",count:conversations", ",a > b,count:conversations").replace(
                 ",participants,,", ",participants,", 1)}
    for name, bad in cases.items():
        (tmp_path / f"{name}.csv").write_text(header + "\n" + bad + "\n")
        with pytest.raises(ValueError, match="malformed comparison"):
            load_claims(tmp_path / f"{name}.csv")


def test_a_summary_restating_another_order_is_caught(claims: pd.DataFrame) -> None:
    # the summary must rank the barriers as the body does (line 252 against line 1247)
    changed = claims.copy()
    changed.loc[changed["claim_id"] == "D-BAR-005-ES", "expected"] = "fear_response > stigma_shame > *"
    found = source_inconsistencies(changed).set_index("claim_id")
    assert "D-BAR-005-ES" in found.index and "asserts" in found.loc["D-BAR-005-ES", "reason"]
    # a different wording of the same range is no contradiction ("as many as a fifth" / "roughly 20%")
    assert "C-OFF-001-ES" not in found.index


def test_every_summary_claim_points_to_its_body_claim(claims: pd.DataFrame) -> None:
    ids = set(claims["claim_id"])
    body = claims[claims["section"] != "summary"]
    body_bases = set(body["claim_id"].str.extract(r"^([A-Z]-[A-Z]+-\d{3})", expand=False))
    loose = []
    for _, row in claims[claims["section"] == "summary"].iterrows():
        base = re.match(r"^[A-Z]-[A-Z]+-\d{3}", row["claim_id"]).group(0)
        named = re.findall(r"restates ([A-Z]-[A-Z]+-\d{3}[A-Z0-9-]*)", row["note"])
        if base in body_bases or (named and set(named) <= ids) or "no body counterpart" in row["note"]:
            continue
        loose.append(row["claim_id"])
    assert not loose


# The comparisons the published report makes, found by reading it section by section; each must
# be in the registry with the kind and assertion read from the text (line numbers of the reference).
COMPARISONS = {
    "C-OFF-012": ("order", "parent > relative > family_friend > *"),  # l. 754-758, girls
    "C-OFF-013": ("order", "parent > relative > family_friend > *"),  # l. 754-758, boys
    "D-BAR-006": ("extreme", "highest: BIH, MDA"),  # l. 1253, fear of others' reactions
    "D-BAR-007": ("extreme", "highest: BIH"),  # sex taboo
    "D-BAR-008": ("extreme", "highest: COL, PER"),  # lack of confidence in help
    "D-BAR-009": ("extreme", "highest: MEX"),  # fear of being criminalised
    "D-BAR-010": ("extreme", "highest: MEX"),  # police refusing reports
    "C-EXC-007": ("extreme", "highest: MDA"),  # l. 794, goods, boys
    "C-EXC-010": ("extreme", "highest: PER"),  # l. 794, shelter, boys
    "C-OFF-009": ("no_difference", ""),  # l. 740, offender sex for boys
    "C-OFF-014": ("no_difference", ""),  # l. 754, boys and girls alike in relationships
    "M-EXP-008": ("no_difference", ""),  # l. 617, experience across organisation types
    "M-SVC-027": ("quantifier", "very few"),  # l. 653, few demographic differences in services
    "M-SVC-025": ("order", "other_areas > rural"),  # l. 645, family support
    "M-SVC-026": ("order", "other_areas > rural"),  # l. 645, legal support
    "C-CASE-006-ES2": ("quantifier", "one in five"),  # l. 178
    "C-GEN-009-Q": ("quantifier", "majority"),  # l. 714
    "M-AGE-005": ("quantifier", "more than two thirds"),  # l. 593
    "P-CNV-001": ("quantifier", "almost all"),  # l. 1532
}


def test_the_report_comparisons_are_registered(claims: pd.DataFrame) -> None:
    by_id = claims.set_index("claim_id")
    for cid, (kind, expected) in COMPARISONS.items():
        assert cid in by_id.index, cid
        assert (by_id.loc[cid, "kind"], by_id.loc[cid, "expected"]) == (kind, expected), cid


def test_comparison_claims_carry_what_they_need(claims: pd.DataFrame) -> None:
    new = claims[claims["kind"].isin(COMPARISON_KINDS)]
    computable = new[~new["binding"].str.startswith("none:")]
    # a comparison the data cannot make says why
    assert new.loc[new["binding"].str.startswith("none:"), "binding"].str.len().gt(20).all()
    ranked = computable[computable["kind"].isin(["order", "extreme"])]
    assert ranked["binding"].str.match(r"^(each|items)\(").all()
    assert computable.loc[computable["kind"] == "quantifier", "expected"].str.len().gt(0).all()
    # every "no difference" names its test: the printed footnote, or the one the report implies
    notes = claims.set_index("claim_id")["note"]
    for _, row in new[new["kind"] == "no_difference"].iterrows():
        base = re.match(r"^[A-Z]-[A-Z]+-\d{3}", row["claim_id"]).group(0)
        text = row["note"] + " " + notes.get(base, "")
        assert re.search(r"footnote \d+|no test printed", text), row["claim_id"]


# ----------------------------------------------------------------- relations as data

def test_relations_are_data_beside_the_claims() -> None:
    import ast

    from perspectives import claims as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    ids = [node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)
           and isinstance(node.value, str) and re.fullmatch(r"[A-Z]-[A-Z]+-\d{3}(-[A-Z0-9]+)*", node.value)]
    assert ids == []  # no claim id is written in the code
    known = load_relations(ROOT / "data" / "claim_relations.yml")
    kinds = {rel.kind for rel in known.relations}
    assert kinds == set(config.RELATION_KINDS)  # every kind the checks know is used
    # the ratio relation reads its percent claim, the footnote its two sizes (data, not code)
    ratio = next(rel for rel in known.relations if rel.kind == "ratio")
    assert (ratio.ids, ratio.total, dict(ratio.params)) == (("C-GEN-008",), "C-GEN-001", {"percent": "C-GEN-003"})
    assert known.levels["gender"] == 3 and known.breakdowns["by_child_gender"] == {"groups": 2}


@pytest.mark.parametrize(("text", "message"), [
    ("relations:\n  - {kind: sums, ids: [M-GEN-001]}\nlevels: {}\nbreakdowns: {}\n",
     r"data/claim_relations.yml:2: .*kind"),
    ("relations:\n  - {kind: sum_counts, ids: [M-GEN-1], total: M-SRV-001}\nlevels: {}\nbreakdowns: {}\n",
     r"data/claim_relations.yml:2: .*claim id"),
    ("relations:\n  - {kind: ratio, ids: [C-GEN-008], total: C-GEN-001}\nlevels: {}\nbreakdowns: {}\n",
     r"relation 1 \(ratio, C-GEN-008\) needs percent"),
    ("relations:\n  - {kind: sum_percents, ids: [M-GEN-001]}\nlevels: {gender: 3}\nbreakdowns: {by_x: {item: area}}\n",
     r"breakdown by_x needs either `item` \(one of levels\) or `groups`"),
])
def test_a_relations_file_that_cannot_be_used_is_refused_naming_the_entry(tmp_path: Path, text: str,
                                                                          message: str) -> None:
    path = tmp_path / "data" / "claim_relations.yml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_relations(path)
