"""The fields a report's texts take from its recorded counts, and the conditions those counts set.

Purpose
    From the values a report's section runs recorded (their ``values.json``): the counts its
    fixed texts state (responses, participants, ages), the grammatical gender of its young
    participants as the counts publish it, and whether it prints a pooled figure or a test.
    Apart from :mod:`perspectives.summary`, which re-exports them, to keep each module short.

Inputs
    The recorded values (dicts with ``name``, ``value``, ``country``, ``suppressed``, ``cells``)
    and a :class:`perspectives.texts.Texts`.

Outputs
    Counts (None where missing or withheld), booleans, and fields added to the texts.
"""

from __future__ import annotations

from typing import Any

from .i18n import Gender
from .texts import Markdown, Texts

__all__ = ["COUNTS", "participants_gender", "pooled_beside", "prints_a_test", "recorded_count", "with_counts"]


def recorded_count(values: list[dict[str, Any]], name: str, code: str) -> int | None:
    """A recorded count of the report's own place, or None when missing or withheld."""
    for item in values:
        if item["name"] == name and item.get("country") == code:
            if item.get("suppressed") or item.get("value") is None:
                return None
            return int(item["value"])
    return None


def pooled_beside(values: list[dict[str, Any]], code: str, synthesis_code: str) -> bool:
    """Whether a national report prints values for two or more countries together beside its own."""
    if code == synthesis_code:
        return False
    return any(item.get("country") == synthesis_code and len((item.get("cells") or {}).get("places") or []) >= 2
               for item in values)


def prints_a_test(values: list[dict[str, Any]], code: str) -> bool:
    """Whether the report's runs published a statistical test for the report's own place."""
    return any(item.get("country") == code and not item.get("suppressed") and item.get("value") is not None
               and (item["name"].endswith(".chi2.p") or item["name"].endswith(".anova.p")) for item in values)


COUNTS = {
    "n_received": "sample.responses.n", "n_eligible": "sample.eligible.n", "n_partial": "sample.partial.n",
    "n_disqualified": "sample.disqualified.n", "n_participants": "conversations.participants.n",
    "age_min": "conversations.age_at_conversation.min", "age_max": "conversations.age_at_conversation.max",
}


def with_counts(texts: Texts, values: list[dict[str, Any]], code: str) -> None:
    """Add the fields a report's texts take from its recorded counts (None when withheld)."""
    for field_name, name in COUNTS.items():
        texts.fields[field_name] = recorded_count(values, name, code)
    if texts.fields["age_min"] is not None and texts.fields["age_max"] is not None:
        texts.fields["ages"] = Markdown(texts.plain_text("sentences.ages", n_years=texts.fields["age_max"]))
    texts.fields["participants"] = participants_gender(values, code)


def participants_gender(values: list[dict[str, Any]], code: str) -> Gender:
    """The grammatical gender of the report's participants as their recorded counts publish it."""
    from .qualitative_counts import published_group_gender

    shown = {gender: recorded_count(values, f"conversations.{gender}.n", code) for gender in ("female", "male")}
    return Gender(published_group_gender(shown, recorded_count(values, "conversations.participants.n", code)))
