"""The XLSForm's ``relevant`` and ``constraint`` expressions, evaluated over a whole export at once.

Purpose
    The reader must know, for each respondent, whether a question was shown (to tell a
    required question left unanswered from one the form skipped) and whether an answer obeys
    the form's constraint (``. >= 0 and . <= 100``, ``count-selected(.) <= 3``). The
    expressions are the form's own, so the rule lives in one place: ``data/instrument/``.

    ODK and pyxform parse these expressions but do not evaluate them outside a device, so
    this module keeps a small evaluator of the XPath subset XLSForms use for skip logic:
    ``${name}``, ``.``, string and number literals, ``= != < <= > >=``, ``and``, ``or``,
    ``not()``, ``selected()``, ``count-selected()``, ``string-length()`` and parentheses.
    Anything else raises :class:`UnsupportedExpression` rather than being guessed.

Inputs
    An expression (str) and a frame of answers as text (one column per question, ``None``
    where there is no answer), optionally the column that ``.`` stands for.

Outputs
    A boolean :class:`pandas.Series` aligned with the frame (XPath semantics: a missing
    answer is the empty string, which no number comparison satisfies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["UnsupportedExpression", "bounds", "evaluate", "names_in"]


class UnsupportedExpression(ValueError):
    """An expression outside the subset this evaluator understands."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.\-]*\})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<func>not|selected|count-selected|string-length)\s*(?=\()
    | (?P<word>and|or)\b
    | (?P<paren>[(),])
    | (?P<dot>\.)(?![\w.])
    )""", re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(expression: str) -> list[_Token]:
    tokens, position = [], 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise UnsupportedExpression(f"cannot read {text[position:]!r} in {expression!r}")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


def names_in(expression: str) -> list[str]:
    """Question names an expression refers to with ``${...}``, in order of appearance."""
    return re.findall(r"\$\{([^}]+)\}", expression)


class _Parser:
    """Recursive descent over the tokens; each node evaluates to a Series (text, number or bool)."""

    def __init__(self, expression: str, frame: pd.DataFrame, current: str | None) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.position = 0
        self.frame = frame
        self.current = current

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, kind: str | None = None, text: str | None = None) -> _Token:
        token = self._peek()
        if token is None or (kind and token.kind != kind) or (text and token.text != text):
            raise UnsupportedExpression(f"unexpected end or token in {self.expression!r}")
        self.position += 1
        return token

    def parse(self) -> pd.Series:
        value = self._or()
        if self._peek() is not None:
            raise UnsupportedExpression(f"unexpected {self._peek().text!r} in {self.expression!r}")
        return _truth(value)

    def _or(self) -> pd.Series:
        value = self._and()
        while (token := self._peek()) and token.kind == "word" and token.text == "or":
            self._take()
            value = _truth(value) | _truth(self._and())
        return value

    def _and(self) -> pd.Series:
        value = self._comparison()
        while (token := self._peek()) and token.kind == "word" and token.text == "and":
            self._take()
            value = _truth(value) & _truth(self._comparison())
        return value

    def _comparison(self) -> pd.Series | str | float:
        left = self._operand()
        token = self._peek()
        if token and token.kind == "op":
            self._take()
            return _compare(left, token.text, self._operand(), self.frame.index)
        return left

    def _operand(self) -> pd.Series | str | float:
        token = self._take()
        if token.kind == "ref":
            return self._column(token.text[2:-1])
        if token.kind == "dot":
            if self.current is None:
                raise UnsupportedExpression(f"'.' without a current question in {self.expression!r}")
            return self._column(self.current)
        if token.kind == "number":
            return float(token.text)
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind == "paren" and token.text == "(":
            value = self._or()
            self._take("paren", ")")
            return value
        if token.kind == "func":
            return self._function(token.text)
        raise UnsupportedExpression(f"unexpected {token.text!r} in {self.expression!r}")

    def _function(self, name: str) -> pd.Series:
        self._take("paren", "(")
        args = [self._or()]
        while (token := self._peek()) and token.text == ",":
            self._take()
            args.append(self._or())
        self._take("paren", ")")
        if name == "not" and len(args) == 1:
            return ~_truth(args[0])
        if name == "selected" and len(args) == 2 and isinstance(args[1], str):
            code = args[1]
            return _text(args[0], self.frame.index).map(lambda value: code in value.split()).astype(bool)
        if name == "count-selected" and len(args) == 1:
            return _text(args[0], self.frame.index).map(lambda value: float(len(value.split())))
        if name == "string-length" and len(args) == 1:
            return _text(args[0], self.frame.index).map(lambda value: float(len(value)))
        raise UnsupportedExpression(f"{name}() with these arguments in {self.expression!r}")

    def _column(self, name: str) -> pd.Series:
        if name not in self.frame.columns:
            raise UnsupportedExpression(f"${{{name}}} is not a column of the data")
        return self.frame[name]


def _text(value: pd.Series | str | float, index: pd.Index) -> pd.Series:
    """XPath string value: a missing answer is the empty string."""
    if isinstance(value, pd.Series):
        # Each distinct value converted once: a column of 30,000 answers holds a few dozen.
        codes, uniques = pd.factorize(value, use_na_sentinel=False)
        text = np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in uniques],
                        dtype=object)
        return pd.Series(text[codes], index=value.index, dtype=object)
    return pd.Series(str(value), index=index)


def _number(value: pd.Series | str | float, index: pd.Index) -> pd.Series:
    """XPath number value: text that is not a number (the empty string included) is NaN."""
    if isinstance(value, pd.Series):
        if value.dtype == bool:
            return value.astype(float)
        return pd.to_numeric(_text(value, index), errors="coerce").astype(float)
    try:
        return pd.Series(float(value), index=index)
    except ValueError:
        return pd.Series(np.nan, index=index)


def _truth(value: pd.Series | str | float) -> pd.Series:
    if isinstance(value, pd.Series) and value.dtype == bool:
        return value
    raise UnsupportedExpression("a condition is expected where a value was given")


_COMPARE = {"=": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}


def _compare(left: pd.Series | str | float, op: str, right: pd.Series | str | float, index: pd.Index) -> pd.Series:
    """XPath 1.0 comparison: numeric when either side is a number, else string equality."""
    numeric = isinstance(left, float) or isinstance(right, float) or op not in ("=", "!=")
    if numeric:
        a, b = _number(left, index), _number(right, index)
        result = pd.Series(_COMPARE[op](a.to_numpy(), b.to_numpy()), index=index)
        # NaN compares false under every operator in XPath, '!=' included.
        return result & a.notna() & b.notna()
    a, b = _text(left, index), _text(right, index)
    return pd.Series(_COMPARE[op](a.to_numpy(dtype=object), b.to_numpy(dtype=object)), index=index).astype(bool)


def evaluate(expression: str, frame: pd.DataFrame, current: str | None = None) -> pd.Series:
    """Evaluate a relevance or constraint expression for every row of ``frame``.

    Args:
        expression: the XLSForm expression, e.g. ``"${se_share} > 0"``.
        frame: answers as text, one column per question name; ``None``/NaN = no answer.
        current: the column ``.`` refers to (constraints); None for relevance.

    Returns:
        A boolean Series with the frame's index; an empty expression is true everywhere.

    Raises:
        UnsupportedExpression: the expression uses syntax outside the supported subset or
            names a question that is not a column of ``frame``.
    """
    if not expression.strip():
        return pd.Series(True, index=frame.index)
    return _Parser(expression, frame, current).parse()


_BOUNDS = re.compile(r"\s*\.\s*>=\s*(-?\d+(?:\.\d+)?)\s+and\s+\.\s*<=\s*(-?\d+(?:\.\d+)?)\s*")


def bounds(constraint: str) -> tuple[float, float] | None:
    """(low, high) of a range constraint ``. >= low and . <= high``; None for any other expression."""
    match = _BOUNDS.fullmatch(constraint or "")
    return (float(match.group(1)), float(match.group(2))) if match else None
