"""Colombia's and Mexico's reports say "9 answered “Colombia”" for the participants by gender.

Where the table of conversation participants by gender (one row, the country; columns young
women, young men, all) withholds both genders, the sentence said in its place reads the row
label as an answer and the "All" column as its count: "Conversation participants by gender —
Colombia: the table is not printed, ... those it can publish follow. 9 answered “Colombia”."
Nobody answered "Colombia"; 9 is how many took part. (Published English reports of Colombia and
Mexico, section "Young survivors in the conversations".)

The table is made here as ``report_samples.conversations_sample`` makes it, from a gender count
of 7 young women and 2 young men in Colombia (both withheld: 2 is small, 7 gives it away).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perspectives import analysis_tables, report_display
from perspectives import disclosure as dc
from perspectives.report import Section


def test_the_participants_sentence_does_not_read_the_country_as_an_answer(tmp_path: Path) -> None:
    mask = dc.suppress(dc.layout("gender", pd.DataFrame({"COL": [7, 2]}, index=["female", "male"])), threshold=5)
    section = Section("methods", "COL", output_dir=str(tmp_path / "run"), lang="en")
    name = section.names["COL"]
    table = dc.table({"Young women": {name: mask.n("COL|female")}, "Young men": {name: mask.n("COL|male")},
                      "All": {name: mask.base_n("COL|*")}})
    assert table.frame.loc[name, "All"] == 9 or str(table.frame.loc[name, "All"]).strip() == "9"
    rule = analysis_tables.study_sentence_rule(section.study, table.frame)
    said = report_display.table_sentence(section, table, table.frame, f"Conversation participants by gender — {name}",
                                         rule)
    assert f"answered “{name}”" not in said, said
