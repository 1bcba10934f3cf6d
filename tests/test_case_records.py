"""``case_to_records`` and ``case_from_records``: a case as plain Python data and back."""

from __future__ import annotations

import pytest

import appraisal
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.load import EXAMPLES


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_builds_again_from_its_records(name):
    case = appraisal.load_case(appraisal.example_path(name))
    again = appraisal.case_from_records(**appraisal.case_to_records(case))
    assert (again.options, again.lines, again.sections) == (case.options, case.lines,
                                                            case.sections)
    assert appraisal.evaluate(again).options == appraisal.evaluate(case).options


def test_an_uncertain_input_added_from_python_is_checked_like_yaml():
    """A bad distribution added in Python is refused with the field path, as in a file."""
    records = appraisal.case_to_records(appraisal.load_case(appraisal.example_path()))
    records["uncertainty"]["inputs"].append({
        "name": "bad", "target": {"line": "Hub running costs"}, "field": "scale",
        "distribution": {"dist": "uniform", "low": 1.2, "high": 0.9}})
    with pytest.raises(AppraisalValidationError) as info:
        appraisal.case_from_records(**records)
    n = len(records["uncertainty"]["inputs"]) - 1
    assert any(f"uncertainty.inputs[{n}].distribution" in str(i.field) or
               f"uncertainty.inputs[{n}].distribution" in str(i.location)
               for i in info.value.issues), info.value


def test_records_are_a_copy():
    case = appraisal.load_case(appraisal.example_path("minimal"))
    records = appraisal.case_to_records(case)
    records["lines"][0]["name"] = "changed"
    assert case.lines[0].name != "changed"
