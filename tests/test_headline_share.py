"""The headline share of women, published to the nearest ten points (issue 25).

The pooled gender table of the embedded data (the counts of issue 15's Moldova inside the
six countries) withholds Moldova's women and its one man; the pooled share of women at a
whole percent (81% of 413) would then bound Moldova's men and other answers to 0..3, below
the threshold. To the nearest ten points (80%: 310 to 351 of 413) it bounds them to 0..26,
so the rule publishes it so. Here: how a sentence says it in each language, how the summary
names it, and that nothing prints it as a whole percent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from perspectives import analysis_results, disclosure, i18n, locales, summary

COUNTS = pd.DataFrame({"ALB": [34, 16, 0], "BIH": [38, 11, 0], "COL": [72, 17, 0], "MDA": [53, 1, 0],
                       "MEX": [67, 23, 1], "PER": [71, 9, 0]}, index=["female", "male", "other"])
TEMPLATE = ["In {place}, {female.pct_n} of the workers who answered were women.",
            "About {female.about} of the workers in {place} who answered were women (a rounded share; see "
            "“Withheld number” in the definitions)."]


@pytest.fixture(scope="module")
def mask() -> disclosure.Mask:
    return disclosure.suppress(disclosure.layout("gender", COUNTS), threshold=5)


def test_the_pooled_share_reads_as_an_approximate_figure_and_never_as_a_whole_percent(mask) -> None:
    pooled = analysis_results.Cell(mask, "*|female")
    assert (pooled.about, pooled.rounded_to) == ("80%", "10")
    assert pooled.pct == pooled.pct_n == pooled.n == disclosure.WITHHELD_MARK  # never "80%" as if exact
    national = analysis_results.Cell(mask, "COL|female")  # a published share has no approximate form
    assert national.about == national.rounded_to == disclosure.WITHHELD_MARK and national.pct == "81%"
    text = analysis_results.fill(TEMPLATE, "NOTE", female=pooled, place="all six countries")
    assert text == ("About 80% of the workers in all six countries who answered were women (a rounded share; "
                    "see “Withheld number” in the definitions).")
    assert analysis_results.fill(TEMPLATE, "NOTE", female=national, place="Colombia").startswith(
        "In Colombia, 81% (n = 72) of the workers")


@pytest.mark.parametrize(("lang", "word"), [("ro", "circa"), ("es", "alrededor del"), ("bs", "oko"), ("sq", "Rreth")])
def test_each_language_says_about_in_its_words_and_its_percent_sign(mask, lang: str, word: str) -> None:
    about = f"{word} {locales.percent_text(80.0, 0, lang)}"  # CLDR's percent pattern: "80 %" (no-break) in ro
    tr = i18n.Translator(lang)
    fields = i18n.translate_fields({"female": analysis_results.Cell(mask, "*|female")}, tr, 5)
    text = locales.percents_in_text(analysis_results.fill(TEMPLATE, "", translator=tr, place="X", **fields), lang)
    # The rounding is said by the pointer to the definition (its term in the language), not in points.
    assert about in text and tr("Withheld number") in text and not tr.missing, (text, tr.missing)


def _record(mask: disclosure.Mask, cell: str, name: str) -> dict:
    return mask.record(cell, name, measure="percent", country="ALL")


def test_the_summary_names_the_approximate_share_apart(mask) -> None:
    values = [_record(mask, "*|female", "gender.female.pct"), _record(mask, "*|male", "gender.male.pct")]
    assert values[0]["digits"] == -1 and values[0]["value"] == 80.0
    table = summary.value_table(values, "ALL")
    assert table["gender.female.pct.about"] == "80%" and "gender.female.pct" not in table
    assert table["gender.male.pct"] == "19%"
    found, _ = summary.key_findings(values, "ALL", "all six countries")
    sentences = [s for _, block in found for s in block]
    assert "About 80% of the workers in all six countries who answered the survey were women." in sentences
    assert not any(s.startswith("80%") for s in sentences)
    # Nor is it a share to rank or compare.
    assert summary._Values(values, "ALL").get("gender.female.pct") is None


def test_a_mean_is_judged_with_a_coarse_share_at_its_own_precision() -> None:
    # A slider's bands (low: answers 0..50, high: 51..100) at two places. A holds 8 low and 2
    # high (withheld, its base 10 printed), B 30 and 30 (printed). The pooled high band (32 of
    # 70, 45.7%) is printed alone to the nearest ten points: "about 50%", 32 to 38 of 70, so A's
    # high answers are 2 to 8, not known to be small. A pooled mean of 24.0 would add that the
    # 70 answers sum to at most 24.05 x 70 = 1683.5 while each high one is at least 51: at most
    # 33 high answers, so A's are 2 or 3, known to be small. Worked with the share at its own
    # precision, the mean is withheld; a share read as no interval at all (or as a whole
    # percent) would let it through.
    counts = pd.DataFrame({"A": [8, 2], "B": [30, 30]}, index=["low", "high"])
    lay = disclosure.layout("slider", counts)
    mask = disclosure.Mask(lay, 5, frozenset({"A|low", "A|high", "*|low", "*|high"}), 25, {"*|high": -1})
    assert mask.approximate("*|high") == (50.0, -1) and mask.share("*|high") is None
    ranges = {"low": (0.0, 50.0), "high": (51.0, 100.0)}
    assert disclosure.means_published(mask, {"*": 24.0}, ranges) == {"*": None}
    # A mean that leaves A's high answers able to reach the threshold is published.
    assert disclosure.means_published(mask, {"*": 40.0}, ranges) == {"*": 40.0}


def test_a_pooled_mean_beside_the_other_places_means_keeps_a_withheld_band_able_to_reach_the_threshold() -> None:
    # Two places, bands low (answers 0..50) and high (51..100). A: 5 respondents, 3 low and 2
    # high, its base printed and its bands withheld (its mean too). B: 20 low and 20 high,
    # printed, with its mean 50.0 (20 answers of 25 and 20 of 75). A's answers (3 of 10, 2 of
    # 90) sum to 210, so the pooled mean is 2210 / 45 = 49.11, printed 49.1. Worked by hand:
    # B's mean puts B's sum within 49.95 x 40 = 1998 and 50.05 x 40 = 2002; the pooled mean
    # puts the two sums within 49.05 x 45 = 2207.25 and 49.15 x 45 = 2211.75; so A's sum is
    # 205.25 to 213.75, and each high answer being at least 51, A holds at most 4 high
    # answers: a withheld count known to be below 5 (it could be 5 without the means). The
    # pooled mean is withheld. Judged each mean against its own bands alone, as before, the
    # pooled row only said 51 x (A's high + 20) <= 2211.75, which bounds nothing.
    counts = pd.DataFrame({"A": [3, 2], "B": [20, 20]}, index=["low", "high"])
    lay = disclosure.layout("slider", counts)
    mask = disclosure.Mask(lay, 5, frozenset({"A|low", "A|high", "*|low", "*|high"}), 25, {})
    ranges = {"low": (0.0, 50.0), "high": (51.0, 100.0)}
    assert mask.count("A|*") == 5 and mask.count("B|high") == 20 and mask.count("A|high") is None
    published = disclosure.means_published(mask, {"A": None, "B": 50.0, "*": 2210 / 45}, ranges)
    assert published == {"A": None, "B": 50.0, "*": None}
    # Without B's mean, B's sum is only known to lie within 20 x 51 = 1020 and 20 x 50 + 20 x 100
    # = 3000, and A's high answers may be all five: the pooled mean is published.
    assert disclosure.means_published(mask, {"A": None, "B": None, "*": 2210 / 45}, ranges) == \
        {"A": None, "B": None, "*": 49.1}


def test_the_gender_sentence_says_the_men_s_number_as_the_table_prints_it(mask) -> None:
    # Review 2, R4: the synthesis said only "about 80% … rounded … so that no small group can be worked
    # out" while Table A1 prints the men exactly (77, 19%): the sentence now says that number too, and
    # why the women's share alone is rounded.
    import yaml

    from perspectives.study import repo_root

    template = yaml.safe_load((repo_root() / "params" / "analyses.yml").read_text(encoding="utf-8"))["gender"]["text"]
    men = analysis_results.Cell(mask, "*|male")
    assert (men.pct, men.n) == ("19%", "77")  # published exactly, as the table prints it
    text = analysis_results.fill(template, "", female=analysis_results.Cell(mask, "*|female"), male=men,
                                 place="the six countries")
    assert text.startswith("In the six countries, 19% (n = 77) of the workers who answered were men and about 80%")
    # Why it is rounded is said in the definition, not in the body (review 3, item 4).
    assert "(a rounded share; see “Withheld number” in the definitions)" in text and "because" not in text
    # a country whose shares are published says them exactly, as before
    assert analysis_results.fill(template, "", female=analysis_results.Cell(mask, "COL|female"),
                                 male=analysis_results.Cell(mask, "COL|male"), place="Colombia").startswith(
        "In Colombia, 81% (n = 72) of the workers")
