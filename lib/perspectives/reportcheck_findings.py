"""What the check of a built report finds: one finding, and numbers that must run 1..N.

Purpose
    The finding type and the number helpers every format's check shares
    (:mod:`perspectives.reportcheck_markup`, :mod:`perspectives.reportcheck_pdf`, the
    report's check in :mod:`perspectives.reportcheck`), kept below them so that each format's
    check stands on its own.

Inputs
    None: plain values.

Outputs
    :class:`Finding`, :func:`numbers_in_order`, :func:`short_numbers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One thing a reader could not use: the format, a short rule name and what was found."""

    format: str   # html, pdf, docx, numbering, axe
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.format}: {self.rule}: {self.message}"


def numbers_in_order(numbers: Sequence[int]) -> bool:
    """Whether ``numbers`` is exactly 1, 2, ..., N (an empty list is in order)."""
    return list(numbers) == list(range(1, len(numbers) + 1))


def short_numbers(numbers: Sequence[int]) -> str:
    """The first twenty numbers, comma separated, for a message (``(none)`` for none)."""
    shown = ", ".join(map(str, numbers[:20]))
    return (shown + ", ..." if len(numbers) > 20 else shown) or "(none)"
