"""A large export is read cell for cell as a small one: the streaming, column-wise reading.

The reader decodes a file in chunks and folds its rows into columns of codes chunk by chunk
(``perspectives.rawtable``), so that a 200 MB export is never held as one string per cell
(``make bench`` measures its time and memory; nothing is timed here). These tests shrink the
chunks to a few kilobytes and a few hundred cells, so that chunk boundaries fall inside rows,
inside multi-byte letters and between the two characters of a Windows line ending, and check
that the reading of the embedded export repeated with new ids is the embedded export's own
reading repeated, and that the field-team checks find exactly the copies the file was made of.
"""

from __future__ import annotations

import pandas as pd
import pytest
from variants import EMBEDDED, reference, table, write_text

from perspectives import rawtable_columns, rawtable_text
from perspectives.check import run_check
from perspectives.readers import load_survey

COPIES = 3


def _repeated(header: list[str], rows: list[list[str]], copies: int = COPIES) -> list[list[str]]:
    """The rows ``copies`` times, each copy's ids made new (R0001 -> R0001c2)."""
    index = header.index("respondent_id")
    out = []
    for copy in range(copies):
        for row in rows:
            new = list(row)
            new[index] = row[index] if copy == 0 else f"{row[index]}c{copy}"
            out.append(new)
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(rawtable_text, "READ_CHUNK", 4099)  # bytes decoded at a time (odd: splits letters)
    monkeypatch.setattr(rawtable_columns, "CHUNK_CELLS", 997)  # cells folded into columns at a time


@pytest.mark.parametrize("encoding, newline", [("utf-8", "\r\n"), ("cp1252", "\n"), ("utf-16", "\r\n")])
def test_a_repeated_export_read_in_small_chunks_is_the_embedded_reading_repeated(tmp_path, small_chunks,
                                                                                   encoding, newline):
    header, rows = table()
    text, csea = header.index("comments_text"), header.index("elig_csea")
    for n, row in enumerate(rows):  # accented letters all through the file (identical in every copy)
        # only where the form asks it (the reader refuses an answer to a question it hides)
        if n % 7 == 0 and not row[text] and row[csea] == "yes":
            row[text] = "Niño pequeño; atención en Bogotá" if encoding == "cp1252" else "Fëmijë në Tiranë; Iași"
    single = load_survey(write_text(header, rows, tmp_path / "one.csv", encoding=encoding, newline=newline))
    big = load_survey(write_text(header, _repeated(header, rows), tmp_path / "three.csv", encoding=encoding,
                                 newline=newline))
    assert big.read.responses == COPIES * len(rows)
    ids = single.eligible["respondent_id"]
    want = pd.concat([single.eligible.assign(respondent_id=ids if c == 0 else ids + f"c{c}") for c in range(COPIES)],
                     ignore_index=True)
    pd.testing.assert_frame_equal(big.eligible, want)
    pd.testing.assert_frame_equal(big.exclusions, pd.concat([single.exclusions] * COPIES, ignore_index=True))
    assert big.read.format == single.read.format
    # The single file itself reads as the embedded export, but for the letters added above.
    expected = reference()
    pd.testing.assert_frame_equal(single.eligible.drop(columns="comments_text"),
                                  expected.eligible.drop(columns="comments_text"))


def test_the_copies_of_every_submission_are_found_together(tmp_path, small_chunks):
    header, rows = table()
    path = write_text(header, _repeated(header, rows), tmp_path / "three.csv")
    result = run_check(path)
    assert result["usable"]
    # Independently: the copies among eligible completes, grouped by pandas on the file's text.
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    hurdles = ["elig_adult", "elig_role12m", "elig_caseload12m", "elig_children", "elig_csea"]
    eligible = raw[raw[hurdles].eq("yes").all(axis=1) & raw["completed"].eq("yes")]
    answers = eligible.drop(columns="respondent_id")
    groups = answers.groupby(list(answers.columns), sort=False).groups
    want = sorted(sorted(int(i) + 2 for i in members) for members in groups.values() if len(members) > 1)
    got = sorted(group["rows"] for group in result["field_checks"]["identical_submissions"])
    assert got == want and len(got) >= len(reference().eligible)
    assert result["field_checks"]["duplicate_ids"] == []


def test_a_file_of_one_chunk_and_of_many_chunks_read_the_same(tmp_path, monkeypatch):
    header, rows = table()
    path = write_text(header, _repeated(header, rows, 2), tmp_path / "two.csv")
    whole = load_survey(path)
    monkeypatch.setattr(rawtable_text, "READ_CHUNK", 1 << 30)
    monkeypatch.setattr(rawtable_columns, "CHUNK_CELLS", 1 << 30)
    pd.testing.assert_frame_equal(load_survey(path).eligible, whole.eligible)
    assert EMBEDDED.stat().st_size * 2 > 4099 * 100  # the file spans many small chunks
