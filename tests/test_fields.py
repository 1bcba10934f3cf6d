"""Field paths and suggestions (:mod:`appraisal.fields`): one way to name a field."""

from __future__ import annotations

import pytest

from appraisal.fields import did_you_mean, field_path


@pytest.mark.parametrize(("path", "text"), [
    (("lines", 2, "profile", "amount"), "lines[2].profile.amount"),
    (("uncertainty", "inputs", 0, "distribution", "low"),
     "uncertainty.inputs[0].distribution.low"),
    ((0, "name"), "[0].name"),
    (("values", 2025), "values[2025]"),
    (("flags", True), "flags.True"),  # a boolean key is a key, not an index
    ((), "")])
def test_field_path(path, text):
    assert field_path(path) == text


def test_did_you_mean_suggests_only_close_choices():
    assert did_you_mean("counterfactul", ["counterfactual", "name"]) == (
        "did you mean 'counterfactual'?")
    assert did_you_mean("x", ["counterfactual", "name"]) == ""
    assert did_you_mean(2025, [2024, 1999]) == "did you mean '2024'?"
    assert did_you_mean("Q1", []) == ""
