"""The XLSForm expression evaluator (skip logic and constraints) and the one message style."""

from __future__ import annotations

import pandas as pd
import pytest

from perspectives.expressions import UnsupportedExpression, evaluate
from perspectives.instrument import load_instrument
from perspectives.problems import DataError, Problem, column_letter

FRAME = pd.DataFrame({
    "a": ["yes", "no", None, "yes"],
    "n": ["5", "0", None, "100"],
    "m": ["x y", "", None, "y"],
}, dtype=object)


@pytest.mark.parametrize("expression, expected", [
    ("${a} = 'yes'", [True, False, False, True]),
    ("${a} != 'yes'", [False, True, True, False]),       # an empty answer is '' in XPath
    ("${n} > 0", [True, False, False, True]),            # an empty answer is NaN: no comparison holds
    ("${n} >= 0 and ${n} <= 50", [True, True, False, False]),
    ("${n} > 0 or ${a} = 'no'", [True, True, False, True]),
    ("not(${a} = 'yes')", [False, True, True, False]),
    ("selected(${m}, 'y')", [True, False, False, True]),
    ("count-selected(${m}) <= 1", [False, True, True, True]),
    ("(${a} = 'yes') and (${n} > 50)", [False, False, False, True]),
    ("", [True, True, True, True]),
])
def test_xpath_semantics(expression, expected):
    assert evaluate(expression, FRAME).tolist() == expected


def test_constraint_with_the_current_answer():
    assert evaluate(". >= 0 and . <= 50", FRAME, current="n").tolist() == [True, True, False, False]


@pytest.mark.parametrize("expression", ["${a} = 'yes' and", "today() > 0", "${missing} = 'x'", "${a} + 1", "."])
def test_unsupported_expressions_are_refused_not_guessed(expression):
    with pytest.raises(UnsupportedExpression):
        evaluate(expression, FRAME)


def test_every_expression_of_the_form_is_understood():
    instrument = load_instrument()
    names = {q.name: [None] for q in instrument.questions.values()}
    frame = pd.DataFrame(names, dtype=object)
    for question in instrument.answer_questions():
        for expression in instrument.relevance(question.name):
            evaluate(expression, frame)
        if question.constraint:
            evaluate(question.constraint, frame, current=question.name)


def test_group_relevance_is_part_of_a_questions_relevance():
    instrument = load_instrument()
    assert instrument.relevance("boys_age") == ["${boys_online_share} > 0"]
    assert instrument.relevance("tech_share") == ["${elig_csea} = 'yes'", "${se_share} > 0"]
    assert instrument["gender"].group_path == ("about_you",) and instrument.relevance("country") == []


def test_message_names_file_question_column_rows_values_expected_and_fix():
    problem = Problem("unknown answer code(s) 'F'", fix="use the form's codes", question="gender",
                      label="What is your gender?", column="about_you/gender", rows=list(range(2, 11)),
                      values=["F", "M"], expected="one of female, male, other")
    text = problem.text("export.csv")
    assert text == ("export.csv, question 'What is your gender?' (column about_you/gender), rows 2, 3, 4, 5, 6 "
                    "and 4 more: unknown answer code(s) 'F' (values 'F', 'M'). Expected: one of female, male, "
                    "other. Fix: use the form's codes")
    error = DataError("export.csv", [problem, Problem("the file is empty", fix="export again")])
    assert str(error).startswith("export.csv: 2 problems to fix")
    assert error.rows == list(range(2, 11)) and error.fix == "use the form's codes"


def test_spreadsheet_column_letters():
    assert [column_letter(i) for i in (0, 8, 25, 26, 51, 52, 701, 702)] == \
        ["A", "I", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_range_constraints_are_recognised_for_messages():
    from perspectives.expressions import bounds

    assert bounds(". >= 0 and . <= 100") == (0.0, 100.0)
    assert bounds(" . >= -5 and . <= 2.5 ") == (-5.0, 2.5)
    assert bounds("count-selected(.) <= 3") is None and bounds("") is None
