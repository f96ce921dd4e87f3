"""A list of codes in one cell that repeats a code, or leaves an empty place, is refused.

A survey tool writes each ticked option of a select-multiple question once ("legal medical"): an
answer "legal legal medical" was typed or joined by hand, and its repeat may stand for an option
that was lost. It was read as two options ticked, without a word. The coded notes' ``;``-separated
themes (and a participant's support codes) alike: ``a;;b`` or ``a;`` dropped the empty place and
``a;a`` read as ``a``, though the codebook says nothing of a separator that tolerates either (the
cell is one code per place: ``data/codebook.yml``, ``perspectives.qualitative.split_codes``). The
cells themselves, as written in the test, are the independent reading.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import tiny_frame

from perspectives import qualitative as q
from perspectives.readers import DataError, load_survey
from perspectives.study import repo_root

DATA = repo_root() / "data" / "synthetic"


def _refused(tmp_path: Path, frame: pd.DataFrame) -> DataError:
    path = tmp_path / "repeats.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        load_survey(path)
    return caught.value


def test_a_select_multiple_answer_naming_an_option_twice_is_refused(tmp_path: Path) -> None:
    frame = tiny_frame()
    options = frame.loc[1, "barriers"].split()
    frame.loc[1, "barriers"] = " ".join([options[0], *options])
    frame.loc[4, "barriers"] = " ".join([*options, options[-1]])
    error = _refused(tmp_path, frame)
    (problem,) = [p for p in error.problems if p.question == "barriers"]
    assert list(problem.rows) == [3, 6] and problem.column == "barriers"
    assert problem.values == [frame.loc[1, "barriers"], frame.loc[4, "barriers"]]
    message = problem.text("repeats.csv")
    assert message.startswith("repeats.csv, question ") and "(column barriers), rows 3, 6" in message
    assert "name an option more than once" in message and "Fix: the survey tool writes each ticked option once" \
        in message


def test_repeats_inside_kobos_two_layouts_are_refused_too(tmp_path: Path) -> None:
    """With Kobo's option columns beside the answer, the columns cannot say whether an option was written twice."""
    from perspectives.instrument import load_instrument

    frame = tiny_frame()
    codes = load_instrument().codes("barriers")
    for code in codes:
        frame[f"barriers/{code}"] = frame["barriers"].map(
            lambda v, c=code: "" if not isinstance(v, str) or not v else ("1" if c in v.split() else "0"))
    options = frame.loc[2, "barriers"].split()
    frame.loc[2, "barriers"] = " ".join([*options, options[0]])
    error = _refused(tmp_path, frame)
    assert [list(p.rows) for p in error.problems if p.question == "barriers"] == [[4]]


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_csv(DATA / "conversations.csv", dtype=str, keep_default_na=False),
            pd.read_csv(DATA / "participants.csv", dtype=str, keep_default_na=False))


def _load(tmp_path: Path, conv: pd.DataFrame, part: pd.DataFrame) -> pd.DataFrame:
    conv.to_csv(tmp_path / "conversations.csv", index=False)
    part.to_csv(tmp_path / "participants.csv", index=False)
    return q.load_conversations(tmp_path / "conversations.csv")


@pytest.mark.parametrize(("cell", "message"), [
    ("{a};;{b}", "an empty place between ';' separators"),
    ("{a};", "an empty place between ';' separators"),
    (";{a}", "an empty place between ';' separators"),
    ("{a}; ;{b}", "an empty place between ';' separators"),
    ("{a};{b};{a}", "a code written twice in one cell"),
])
def test_a_themes_cell_with_an_empty_place_or_a_repeated_code_is_refused(tmp_path: Path, cell: str,
                                                                         message: str) -> None:
    conv, part = _tables()
    a, b = sorted(q.load_codebook().codes)[:2]
    conv.loc[3, "themes"] = cell.format(a=a, b=b)
    with pytest.raises(q.QualitativeDataError, match=message) as caught:
        _load(tmp_path, conv, part)
    text = str(caught.value)
    assert text.startswith("conversations.csv") and "column 'themes'" in text and "Fix:" in text
    assert repr(conv.loc[3, "themes"]) in text and caught.value.rows == [5]


def test_a_support_cell_with_a_repeated_code_is_refused(tmp_path: Path) -> None:
    conv, part = _tables()
    code = next(iter(q.load_codebook().support_codes))
    part.loc[2, "support_received"] = f"{code};{code}"
    with pytest.raises(q.QualitativeDataError, match="a code written twice") as caught:
        _load(tmp_path, conv, part)
    assert "participants.csv" in str(caught.value) and caught.value.column == "support_received"
    assert caught.value.rows == [4]


def test_the_embedded_tables_and_a_blank_support_cell_still_load(tmp_path: Path) -> None:
    conv, part = _tables()
    part.loc[2, "support_received"] = ""
    assert len(_load(tmp_path, conv, part)) == len(conv)
