"""The YAML safety layer (:mod:`appraisal.yaml_safety`): values converted by our rules, each
problem at its line and column, never a PyYAML object."""

from __future__ import annotations

import pytest

from appraisal.yaml_safety import parse_yaml


def test_values_and_their_locations():
    data, locate, issues = parse_yaml("title: T\nlines:\n  - amount: 1.5e3\n    year: 2025\n",
                                      "case.yaml")
    assert not issues.has_errors
    assert data == {"title": "T", "lines": [{"amount": 1500.0, "year": 2025}]}
    assert locate(("lines", 0, "year")) == "case.yaml:4:5"  # where the field is written


@pytest.mark.parametrize(("text", "code"), [
    ("flag: yes\n", "yaml-1.1-boolean"),
    ("count: 010\n", "leading-zero"),
    ("x: .nan\n", "not-finite"),
    ("a: 1\na: 2\n", "duplicate-key"),
    ("a: &x 1\nb: *x\n", "yaml-alias"),
    ("a: !!str 1\n", "yaml-tag"),
    ("a: " + "[" * 200 + "]" * 200 + "\n", "too-deep"),
])
def test_yaml_11_surprises_are_located_errors(text, code):
    _, _, issues = parse_yaml(text, "case.yaml")
    codes = [i.code for i in issues.errors]
    assert codes, f"{text!r} was accepted"
    assert code in codes, codes
    assert all(i.location.startswith("case.yaml:") for i in issues.errors)
