"""A theme table whose every cell reads 0 is said as "withheld, each number below 5".

Peru's report (English and Spanish, section "What survivors said" of the chapter on online
abuse) prints: "Each of these themes was raised by 0 of the 6 participants: how offending took
place, ... How many raised each is withheld under the small-cell rule: each number is below 5,
or would let one below 5 be worked out." The count is published (0, which the rule allows), so
the second sentence contradicts the first and tells the reader a number is hidden that is not.

The table here is made as the national theme table makes it (:func:`report_themes.theme_cell`
for a country of 6 participants, no one of whom raised either theme); the expected reading is
the table's own: every cell is a published 0, nothing is withheld.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perspectives import disclosure as dc
from perspectives import report_themes
from perspectives.report import Section


def test_themes_raised_by_nobody_are_not_said_to_be_withheld(tmp_path: Path, published) -> None:
    places = ["PER", "MDA"]
    # Peru: 6 participants, none raised either theme; Moldova: 10, several did.
    counts = {"offending": {"PER": 0, "MDA": 6}, "gifts": {"PER": 0, "MDA": 7}}
    bases = {"PER": 6, "MDA": 10}
    masks = {code: dc.suppress(dc.layout(code, pd.DataFrame({p: [yes[p], bases[p] - yes[p]] for p in places},
                                                            index=["yes", "no"])), threshold=5)
             for code, yes in counts.items()}
    labels = {"offending": "How offending took place", "gifts": "Gifts, money and manipulation"}
    section = Section("csea_online", "PER", output_dir=str(tmp_path / "run"), lang="en")
    cells = {labels[c]: report_themes.theme_cell(section, masks, c, "PER") for c in labels}
    table = dc.table({"Participants": cells})
    assert {str(v).strip() for v in table.frame.to_numpy().ravel()} == {"0"}, table.frame
    assert report_themes.says_themes_instead(section, table, masks, list(labels), labels)
    said = " ".join(data.get("text/markdown", "") for data in published)
    # None of the 6 raised either theme: said in words, as the table's zeros say.
    assert "raised by any of the 6 participants" in said and said.startswith("None of these themes"), said
    # A published zero is not withheld: the sentence must not say it is, nor that it is below 5.
    assert "withheld" not in said and "below 5" not in said, said
