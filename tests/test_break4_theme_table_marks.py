"""Mexico's support-themes table marks zeros as "estimates on few respondents" and mixes formats.

In Mexico's English report, Table 15 (support services: conversation participants who raised
each theme, of 10) prints 17 rows as "0  0%†", one as "5  50%†" and the rest as "–", while
Tables 14 and 18 of the same report give "some" or "0" for the same 10 participants. "†" reads
"based on fewer than 25 respondents; read as an indication only": a count of zero among the 10
young people is no estimate to be read with caution, and the "%" of 10 people (one person is
10 points) is the kind of share the limitations section says is no basis for comparison.

The expected reading is the report's own definition of "†" (an estimate on fewer than 25
respondents) applied to a count of zero.
"""

from __future__ import annotations

import re
from pathlib import Path

from perspectives.report import Section


def test_a_zero_count_of_participants_carries_no_small_base_mark(tmp_path: Path, published) -> None:
    section = Section("support", "MEX", "en", output_dir=str(tmp_path / "run"))
    section.survivor_themes()
    shown = "\n".join(str(d.get("text/html", "")) + str(d.get("text/markdown", "")) for d in published)
    assert "raised each theme" in shown, shown[:500]
    zeros = re.findall(r">\s*0%\s*†\s*<|\|\s*0%\s*†\s*\|", shown)
    assert not zeros, f"{len(zeros)} zero shares marked † in the themes table"
    # No share of the 10 at all, so no small-base mark on any row (the "5  50%†" row too).
    assert "†" not in shown, shown[:500]


def test_no_stray_line_for_a_participants_table_with_no_count_by_gender(tmp_path: Path, published) -> None:
    """Mexico's participants by gender publish no count by gender: no table, and no "…: not shown" line for it.

    The expected reading is the small-cell rule's own mask: where it publishes neither gender's
    count, the caption alone (with "not shown") told a reader nothing the note above does not.
    """
    from perspectives import report_themes

    section = Section("methods", "MEX", "en", output_dir=str(tmp_path / "run"))
    mask = report_themes.gender_mask(section)
    assert mask.count("MEX|female") is None and mask.count("MEX|male") is None  # the case under test
    section.conversations_sample()
    shown = "\n".join(str(d.get("text/html", "")) + str(d.get("text/markdown", "")) for d in published)
    assert "participants" in shown.lower(), shown[:500]
    assert "Conversation participants by gender" not in shown, shown
    assert not (tmp_path / "run" / "tables" / "conversation_participants.csv").exists()


def test_every_theme_table_of_one_place_uses_one_format(tmp_path: Path, published) -> None:
    """Mexico's theme tables all print counts, or all say some or all: not counts in one, words in the next.

    Read from the tables as written (the CSV beside each): a cell "some" or "all" is the words'
    format, a count other than 0 the counts' (0 and the withheld mark are both formats' cells).
    """
    from perspectives import qualitative

    styles = {}
    for section_id in qualitative.load_codebook().sections:
        section = Section(section_id, "MEX", "en", output_dir=str(tmp_path / section_id))
        section.survivor_themes()
        table = tmp_path / section_id / "tables" / f"themes_{section_id}.csv"
        if not table.exists():
            continue
        cells = {line.rsplit(",", 1)[-1].strip() for line in table.read_text(encoding="utf-8").splitlines()[1:]}
        styles[section_id] = ("words" if cells & {"some", "all"} else
                              "counts" if any(c.isdigit() and c != "0" for c in cells) else None)
    assert len([s for s in styles.values() if s]) >= 2, styles
    assert len({s for s in styles.values() if s}) == 1, styles
