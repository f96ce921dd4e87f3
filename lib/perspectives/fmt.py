"""The one house style for statistics, percentages and counts in the reports.

Purpose
    Every number a report prints goes through these helpers, so the national reports and
    the synthesis say a statistic the same way (APA-like: no leading zero on p, two
    decimals on a test statistic, whole percentages unless asked otherwise).

Inputs
    Plain numbers (floats, ints, numpy scalars) and the result objects of
    :mod:`perspectives.stats` (``ChiSquareResult``, ``AnovaResult``).

Outputs
    Display strings such as ``"χ²(10) = 25.65, p = .004"``, ``"F(5, 407) = 1.98, p = .081"``
    (in a report's language, its decimal mark: ``"F(5, 407) = 1,98, p = 0,081"`` in Romanian),
    ``"41% (n = 171)"`` and ``"n = 1,254"`` (one mark for a count, spaced as in the sentences,
    in every language: :func:`perspectives.locales.number_text` writes its number as the
    language does); :func:`round_half_up`, the rounding rule behind all of them; and
    :func:`one_pair`, which keeps a sentence to one pair of parentheses where two would meet.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral, Real
from typing import TYPE_CHECKING

from perspectives import locales

if TYPE_CHECKING:  # imported where a test is formatted: a share or a count needs no numpy/pandas
    from perspectives.stats import AnovaResult, ChiSquareResult

__all__ = [
    "decimal",
    "fmt_chi2",
    "fmt_f",
    "fmt_n",
    "fmt_p",
    "fmt_pct",
    "fmt_test",
    "one_pair",
    "opening",
    "p_number",
    "pct",
    "pct_with_n",
    "round_half_up",
    "WITHHELD_MARK",
]

# The one mark of a value a report does not give, wherever a reader meets it: a table's cell
# withheld under the small-cell rule (or counted only within a combined answer), a chart's bar
# or segment left undrawn, a share that cannot be computed. Its one home: the rule
# (perspectives.disclosure), the charts and the independent audit (which imports none of the
# rule's code) all read it from here; every table and chart that shows it says what it means.
WITHHELD_MARK = "–"
# Shown where a share cannot be computed (no respondents in the base): the same mark.
NOT_AVAILABLE = WITHHELD_MARK
# The one form of a count's mark, in tables, captions and sentences alike.
COUNT_FORM = "n = {n}"
# A base written in the house form ("(n = 54)", "girls n = 46", "n = –") breaks nowhere on the
# printed page: where a report is written out (HTML, Word), its spaces become non-breaking.
_BASE_SPACES = re.compile(r"(?<![\w])n = (?=\d|" + re.escape(WITHHELD_MARK) + ")")
NO_BREAK = "\u00a0"


def unbroken_bases(text: str) -> str:
    """``text`` with every base it writes (``n = 54``) held on one line by non-breaking spaces."""
    return _BASE_SPACES.sub(f"n{NO_BREAK}={NO_BREAK}", text)
# Two pairs of parentheses side by side: a label's own, "(silence)", then the share after it.
_ADJACENT_PAIRS = re.compile(r"\)\s+\((?=[^()]*\))")


def round_half_up(x: float, digits: int = 0) -> float:
    """Round ``x`` to ``digits`` decimals, halves away from zero (43.5 -> 44).

    Python's ``round`` rounds halves to even and works on the binary value, so
    ``round(25.645, 2)`` gives 25.64; published reports (SPSS, Excel) give 25.65. We round
    the shortest decimal representation of the float, which is the number a reader sees.
    """
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"round_half_up needs a real number, got {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        return x
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(quantum, rounding=ROUND_HALF_UP))


def _fixed(x: float, digits: int) -> str:
    """Format ``x`` with exactly ``digits`` decimals after half-up rounding (none when ``digits`` < 0: 81 -> "80")."""
    value = round_half_up(x, digits)
    if value == 0:
        value = 0.0  # avoid printing "-0.00"
    return f"{value:.{max(digits, 0)}f}"


def decimal(x: float, digits: int, lang: str = locales.ENGLISH) -> str:
    """``x`` rounded half up to ``digits`` decimals, with ``lang``'s decimal mark (1.98; 1,98 in Romanian).

    No group mark: a test's statistic and degrees of freedom are printed as one run of figures.
    """
    text = _fixed(x, digits)
    mark = locales.decimal_mark(lang)
    return text if mark == "." else text.replace(".", mark)


def p_number(p: float, digits: int = 3, lang: str = locales.ENGLISH) -> str:
    """A probability (a p-value, a significance level) as the reports write it in ``lang``.

    Where the decimal mark is a point the leading zero is left out, as the house style
    (APA) writes it: ``.081``, ``.05``. Where it is a comma the zero stays (``0,081``): a
    bare ``,081`` would read as punctuation.
    """
    text = decimal(p, digits, lang)
    return text.removeprefix("0") if locales.decimal_mark(lang) == "." and text.startswith("0.") else text


def fmt_p(p: float, lang: str = locales.ENGLISH) -> str:
    """Format a p-value: ``"p = .004"``, ``"p < .001"``, ``"p > .999"`` (``"p = 0,004"`` in Romanian)."""
    p = float(p)
    if math.isnan(p) or p < 0 or p > 1:
        raise ValueError(f"a p-value lies in [0, 1], got {p}")
    if p < 0.001:
        return "p < " + p_number(0.001, 3, lang)
    if round_half_up(p, 3) >= 1.0:
        # .9995 and above would print as "1.000", which claims certainty.
        return "p > " + p_number(0.999, 3, lang)
    return "p = " + p_number(p, 3, lang)


def _check_df(df: float, name: str) -> int:
    """Degrees of freedom are positive whole numbers in every test we report."""
    if isinstance(df, bool) or not isinstance(df, Real) or float(df) != int(df) or df < 1:
        raise ValueError(f"{name} must be a positive whole number, got {df!r}")
    return int(df)


def fmt_chi2(stat: float, df: int, p: float, lang: str = locales.ENGLISH) -> str:
    """Format a chi-square test: ``"χ²(10) = 25.65, p = .004"`` (numbers as ``lang`` writes them)."""
    return f"χ²({_check_df(df, 'df')}) = {decimal(float(stat), 2, lang)}, {fmt_p(p, lang)}"


def fmt_f(stat: float, df1: int, df2: int, p: float, lang: str = locales.ENGLISH) -> str:
    """Format an F test: ``"F(5, 407) = 1.98, p = .081"`` (numbers as ``lang`` writes them)."""
    d1, d2 = _check_df(df1, "df1"), _check_df(df2, "df2")
    return f"F({d1}, {d2}) = {decimal(float(stat), 2, lang)}, {fmt_p(p, lang)}"


def _whole(n: float, name: str) -> int:
    """Accept ints, numpy ints and integral floats; reject fractions, NaN and negatives."""
    if isinstance(n, bool):
        raise TypeError(f"{name} must be a count, got a bool")
    integral_float = isinstance(n, Real) and math.isfinite(float(n)) and float(n).is_integer()
    if not (isinstance(n, Integral) or integral_float):
        raise ValueError(f"{name} must be a whole number, got {n!r}")
    value = int(n)
    if value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}")
    return value


def pct(count: float, total: float) -> float:
    """Percentage ``100 * count / total`` as a float; NaN when ``total`` is 0."""
    count_i, total_i = _whole(count, "count"), _whole(total, "total")
    if count_i > total_i:
        raise ValueError(f"count {count_i} exceeds its total {total_i}")
    if total_i == 0:
        return math.nan
    return 100.0 * count_i / total_i


def fmt_pct(value: float, digits: int = 0) -> str:
    """Format a percentage value: ``41.4 -> "41%"``; NaN gives ``"–"``."""
    value = float(value)
    if math.isnan(value):
        return NOT_AVAILABLE
    return _fixed(value, digits) + "%"


def fmt_number(value: float, digits: int = 0) -> str:
    """Format a plain number (a mean, a share without its sign): ``39.5 -> "40"``; NaN gives ``"–"``."""
    value = float(value)
    if math.isnan(value):
        return NOT_AVAILABLE
    return _fixed(value, digits)


def fmt_mean(value: float) -> str:
    """A mean share as the report prints it, in a table and a sentence alike: ``18.8 -> "19"``.

    The one home of a printed mean's decimals: whole units, as the shares beside it print
    (``values.json`` keeps the published mean's own decimals for the fidelity check). NaN
    gives ``"–"``.
    """
    return fmt_number(value, 0)


def fmt_n(n: int) -> str:
    """Format a count of respondents: ``"n = 413"``, ``"n = 1,254"``."""
    return COUNT_FORM.format(n=f"{_whole(n, 'n'):,}")


def one_pair(text: str) -> str:
    """A sentence with no two pairs of parentheses side by side: the second joins the first.

    A label with its own parentheses followed by its share, ``stigma (silence) (57%)``, reads
    ``stigma (silence; 57%)``: one pair, the label's words first. Text without such a meeting
    is returned as it is.
    """
    return _ADJACENT_PAIRS.sub("; ", text)


def opening(text: str) -> str:
    """A sentence whose first letter is a capital.

    A translation may open a sentence on a field whose words run in lower case inside a
    sentence (Bosnian "{place}: ...", the place "šest zemalja"); the sentence still opens
    with a capital. Text opening on anything but a letter is returned as it is.
    """
    return text[:1].upper() + text[1:]


def pct_with_n(count: int, total: int, digits: int = 0) -> str:
    """Percentage with its count, the house form: ``"41% (n = 171)"``."""
    return f"{fmt_pct(pct(count, total), digits)} ({fmt_n(count)})"


def fmt_test(result: ChiSquareResult | AnovaResult, lang: str = locales.ENGLISH) -> str:
    """Format a test result from :mod:`perspectives.stats` in the house style, numbers as ``lang`` writes them."""
    from perspectives.stats import AnovaResult, ChiSquareResult

    if isinstance(result, ChiSquareResult):
        return fmt_chi2(result.statistic, result.df, result.p, lang)
    if isinstance(result, AnovaResult):
        return fmt_f(result.statistic, result.df_between, result.df_within, result.p, lang)
    raise TypeError(f"no house format for {type(result).__name__}")
