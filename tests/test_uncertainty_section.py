"""The ``uncertainty:`` case section: parsing, located errors, round trip, pickling."""

from __future__ import annotations

import pickle
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appraisal.lenses.uncertainty.lens  # noqa: F401  (registers the section)
from appraisal import AppraisalValidationError, load_case
from appraisal.case.schema import LENS_SECTIONS
from appraisal.errors import Issues
from appraisal.lenses.catalogue import section_parsers
from appraisal.lenses.uncertainty import PERT, Constant, Uniform
from appraisal.lenses.uncertainty.section import (
    UncertaintySpec,
    parse_uncertainty_section,
    target_lines,
)

BASE = textwrap.dedent("""\
    schema_version: 1
    title: Two options
    base_year: 2025
    horizon_years: 10
    options:
      - name: Business as usual
        counterfactual: true
      - name: New service
    lines:
      - option: New service
        name: Set-up and running costs
        kind: cost
        category: operating
        values: {2025: 100, 2026: 50, 2027: 50}
      - option: New service
        name: Avoided costs
        kind: benefit
        values: {2028: 30, 2029: 30, 2030: 30, 2031: 30, 2032: 30, 2033: 30, 2034: 30}
    """)

GOOD = textwrap.dedent("""\
    uncertainty:
      draws: 500
      seed: 7
      inputs:
        - name: cost
          target: {kind: cost}
          field: scale
          distribution: {kind: pert, low: 0.9, mode: 1.0, high: 1.4}
          group: costs
        - name: benefit
          target: {line: Avoided costs}
          field: value_multiplier
          distribution: {dist: uniform, low: 0.8, high: 1.2}
        - name: rates
          field: rate_shift
          distribution: {dist: uniform, low: -0.01, high: 0.01}
        - name: late
          target: {lines: [Avoided costs]}
          field: delay
          distribution: {dist: discrete, values: [0, 1], probabilities: [0.7, 0.3]}
      correlation:
        pairs: [{inputs: [cost, benefit], rho: 0.3}]
      scenarios:
        low: {cost: 1.4, benefit: 0.8}
      two_way: [cost, benefit]
      sobol: {base_samples: 256}
    """)


def _write(tmp_path, text):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path, section):
    with pytest.raises(AppraisalValidationError) as info:
        load_case(_write(tmp_path, BASE + textwrap.dedent(section)))
    return info.value.errors


def test_the_readers_are_given_the_section_parser():
    raw = {"inputs": [{"name": "x", "target": {"kind": "cost"}, "field": "scale",
                       "distribution": {"dist": "uniform", "low": 0.9, "high": 1.1}}]}
    where = {"option_names": ["A"], "locate": str, "path": ("uncertainty",)}
    assert (section_parsers()["uncertainty"](raw, issues=Issues(), **where)
            == parse_uncertainty_section(raw, issues=Issues(), **where))
    assert set(section_parsers()) == set(LENS_SECTIONS)


def test_good_section_parses_every_part(tmp_path):
    case = load_case(_write(tmp_path, BASE + GOOD))
    spec = case.sections["uncertainty"]
    assert isinstance(spec, UncertaintySpec)
    assert spec.input_names == ("cost", "benefit", "rates", "late")
    assert (spec.draws, spec.seed, spec.sobol_base_samples) == (500, 7, 256)
    assert spec.input("cost").distribution == PERT(0.9, 1.0, 1.4)  # 'kind' read as 'dist'
    assert spec.input("cost").lines == (0,)
    assert spec.input("benefit").lines == (1,)
    assert spec.input("rates").target == "all"
    assert spec.scenarios == {"low": {"cost": 1.4, "benefit": 0.8}}
    assert spec.correlation is not None
    assert spec.correlation.names == ("cost", "benefit")
    assert spec.groups == {"costs": ["cost"]}
    assert spec.two_way == ("cost", "benefit")


def test_to_data_parses_back_to_an_equal_section_and_pickles(tmp_path):
    case = load_case(_write(tmp_path, BASE + GOOD))
    spec = case.sections["uncertainty"]
    again = parse_uncertainty_section(spec.to_data(), case_data={"lines": [
        {"option": ln.option, "name": ln.name, "kind": ln.kind, "category": ln.category}
        for ln in case.lines]}, option_names=[o.name for o in case.options])
    assert again == spec
    assert pickle.loads(pickle.dumps(spec)) == spec


def _located(issue):
    return re.fullmatch(r".*case\.yaml:\d+:\d+", issue.location) is not None


def test_bad_inputs_are_reported_together_and_located(tmp_path):
    errors = _errors(tmp_path, """\
        uncertainty:
          inputs:
            - name: cost
              target: {line: No such line}
              field: scale
              distribution: {dist: uniform, low: 1.2, high: 0.9}
            - name: benefit
              target: {kind: benefit}
              field: drop_off
              distribution: {dist: triangular, low: 0.5, mode: 2.0, high: 1.5}
            - name: sd
              target: all
              field: scale
              distribution: {dist: normal, mean: 1.0, sd: -0.1}
            - name: weight
              field: eta
              distribution: 1.3
            - name: wrong
              field: speed
              distribution: 1.0
          correlation:
            pairs:
              - {inputs: [cost, nobody], rho: 0.5}
          scenarios:
            low: {costs: 1.4}
        """)
    codes = {e.code for e in errors}
    assert {"unknown-target", "low-above-high", "field-not-applicable", "unknown-input",
            "unknown-field"} <= codes
    assert any("sd" in e.field for e in errors)                      # negative sd
    assert any(e.field.endswith("eta") or "eta" in e.message for e in errors)  # no groups
    assert all(_located(e) for e in errors), [e.location for e in errors]
    scenario = next(e for e in errors if e.field == "uncertainty.scenarios.low.costs")
    assert "did you mean 'cost'" in scenario.fix


def test_correlation_that_is_not_positive_semidefinite_is_located(tmp_path):
    errors = _errors(tmp_path, """\
        uncertainty:
          inputs:
            - {name: a, field: scale, distribution: {dist: uniform, low: 0.9, high: 1.1}}
            - {name: b, field: scale, distribution: {dist: uniform, low: 0.9, high: 1.1}}
            - {name: c, field: scale, distribution: {dist: uniform, low: 0.9, high: 1.1}}
          correlation:
            pairs:
              - {inputs: [a, b], rho: 0.9}
              - {inputs: [b, c], rho: 0.9}
              - {inputs: [a, c], rho: -0.9}
        """)
    assert [e.code for e in errors] == ["not-positive-semidefinite"]
    assert _located(errors[0])


def test_target_that_names_no_line_and_field_target_mismatches(tmp_path):
    errors = _errors(tmp_path, """\
        uncertainty:
          draws: -3
          inputs:
            - {name: a, target: {option: Business as usual}, field: scale, distribution: 1.0}
            - {name: b, target: {line: Avoided costs}, field: rate_shift, distribution: 0.0}
            - {name: c, target: {schedule: standard}, field: scale, distribution: 1.0}
            - {name: d, target: {category: capital}, field: scale, distribution: 1.0}
            - {name: a, target: all, field: scale, distribution: 1.0}
        """)
    by_field = {e.field: e.code for e in errors}
    assert by_field["uncertainty.inputs[0].target"] == "empty-target"
    assert by_field["uncertainty.inputs[1].target"] == "bad-target"
    assert by_field["uncertainty.inputs[2].target.schedule"] == "bad-target"
    assert by_field["uncertainty.inputs[3].target.category"] == "unknown-target"
    assert by_field["uncertainty.inputs[4].name"] == "duplicate-name"
    assert by_field["uncertainty.draws"] == "invalid-value"
    assert all(_located(e) for e in errors)


def test_parser_without_collector_raises_every_problem():
    with pytest.raises(AppraisalValidationError) as info:
        parse_uncertainty_section({"inputs": [], "sobol": {"base_samples": 100}})
    assert {e.code for e in info.value.errors} == {"missing", "invalid-value"}


def test_targets_combine_their_keys():
    lines = [{"option": "A", "name": "x", "kind": "cost", "category": "capital"},
             {"option": "B", "name": "x", "kind": "cost"},
             {"option": "B", "name": "y", "kind": "benefit", "category": "capital"}]
    assert target_lines({"category": "capital"}, lines) == (0, 2)
    assert target_lines({"line": "x", "option": "B"}, lines) == (1,)
    assert target_lines({"lines": ["x", "y"], "kind": "benefit"}, lines) == (2,)


@settings(max_examples=40, deadline=None)
@given(low=st.floats(-5, 5), width=st.floats(-2, 2))
def test_uniform_bounds_parse_exactly_or_are_refused(low, width):
    found = Issues()
    raw = {"inputs": [{"name": "a", "field": "scale",
                       "distribution": {"dist": "uniform", "low": low, "high": low + width}}]}
    spec = parse_uncertainty_section(raw, case_data={"lines": [{"name": "l", "kind": "cost"}]},
                                     issues=found)
    if low + width < low:
        assert spec is None
        assert [e.code for e in found] == ["low-above-high"]
    else:
        dist = spec.input("a").distribution
        assert isinstance(dist, Uniform | Constant)
        assert (dist.low, dist.high) == (low, low + width)
