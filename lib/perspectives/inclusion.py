"""The study's inclusion rule: eligible completes apart, the rest to the exclusion log.

Purpose
    A response is an eligible complete when it says 'yes' to every eligibility question of
    the form and was completed; every other response goes to the exclusion log as partial,
    disqualified (with the first criterion it did not meet) or without consent. The log
    holds no id. Apart from the reader (:mod:`perspectives.readers`, step 6), because the rule
    is the study's, not the export's, and the report counts its log
    (:func:`exclusion_summary`).

Inputs
    Typed answers, one row per response.

Outputs
    The eligible rows, the exclusion log and its counts (no row-level data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .instrument import COMPLETED, CONSENT, ELIGIBILITY
from .readers_cells import per_distinct

# The columns the inclusion rule reads besides the eligibility questions.
RULE_COLUMNS = (CONSENT, COMPLETED, "country")
# The answers of an excluded response that its row of the exclusion log shows (so they are
# checked even on a row that is no data, such as one the survey's reviewers rejected).
LOGGED_COLUMNS = ("country",)


def outcomes(typed: pd.DataFrame) -> pd.Series:
    """Eligible / partial / disqualified / no_consent for every row (the rule of :func:`apply_inclusion`).

    A response is eligible only with 'yes' to consent: one saying 'no' is 'no_consent' whatever
    else it holds (the reader refuses such answers, :meth:`AnswerChecks.check_relevance`; this
    rule never counts them even so), and one without a consent answer but with every
    eligibility answer 'yes' is 'no_consent' too, never eligible.
    """
    hurdle_yes = pd.concat([typed[h] == "yes" for h in ELIGIBILITY], axis=1).all(axis=1)
    completed = per_distinct(typed[COMPLETED], lambda column: column.astype(str).str.strip().str.lower() == "yes")
    consent = typed[CONSENT]
    no_consent = consent.eq("no") | (hurdle_yes & ~consent.eq("yes"))
    which = np.where(no_consent, 0, np.where(~hurdle_yes, 1, np.where(~completed, 2, 3)))
    # One shared text per outcome, not one per row (a large export has a million rows).
    return pd.Series(OUTCOME_WORDS[which], index=typed.index, dtype="str")


OUTCOME_WORDS = np.array(["no_consent", "disqualified", "partial", "eligible"], dtype=object)



def exclusion_log(typed: pd.DataFrame, reason: np.ndarray) -> pd.DataFrame:
    """The exclusion log: outcome, the first eligibility criterion not met, country (no id)."""
    # Object arrays filled by masks: one shared text per criterion, not one per row.
    first_unmet = np.full(len(typed), "not_answered", dtype=object)
    for hurdle in reversed(ELIGIBILITY):  # reversed so the earliest unmet criterion wins
        first_unmet[(typed[hurdle] != "yes").to_numpy()] = hurdle
    criterion = np.full(len(typed), "", dtype=object)
    disqualified = reason == "disqualified"
    criterion[disqualified] = first_unmet[disqualified]
    log = pd.DataFrame({
        "outcome": pd.Series(reason, index=typed.index, dtype="str"),
        "criterion": pd.Series(criterion, index=typed.index, dtype="str"),
        **{name: typed[name].fillna("unknown") for name in LOGGED_COLUMNS},
    }, index=typed.index)
    return log[log["outcome"] != "eligible"].reset_index(drop=True)


def apply_inclusion(typed: pd.DataFrame, id_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's rule: complete and 'yes' on all five hurdles; everything else goes to the log.

    Args:
        typed: validated answers, one row per response (id column included).
        id_column: the id column's name (kept in ``eligible``, never in the log).

    Returns:
        (eligible completes, exclusion log with outcome, unmet criterion and country).
    """
    reason = outcomes(typed).to_numpy(dtype=object)
    eligible = typed[reason == "eligible"].reset_index(drop=True)
    return eligible, exclusion_log(typed, reason)


def exclusion_summary(exclusions: pd.DataFrame) -> pd.DataFrame:
    """Counts by outcome and, for the disqualified, by unmet criterion (no row-level data)."""
    by_outcome = exclusions.groupby("outcome").size().rename("n")
    disq = exclusions[exclusions["outcome"] == "disqualified"].groupby("criterion").size().rename("n")
    rows = [{"outcome": o, "criterion": "", "n": int(n)} for o, n in by_outcome.items()]
    rows += [{"outcome": "disqualified", "criterion": c, "n": int(n)} for c, n in disq.items()]
    return pd.DataFrame(rows, columns=["outcome", "criterion", "n"])
