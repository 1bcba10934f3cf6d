"""Checks that catch common appraisal errors (issue 3, part 7): each rule, with its line."""

from __future__ import annotations

import pytest

from appraisal import case_from_records
from appraisal.engine.checks import check_case
from appraisal.engine.compile import compile_case
from appraisal.errors import Severity
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate

OPTIONS = [{"name": "BAU", "counterfactual": True}, {"name": "A"}]
ALLOW = {"allow_unconfirmed": ["wellbeing_values", "qaly_values", "gdp_deflator"]}


def _line(name="b", **fields):
    return {"option": "A", "name": name, "kind": "benefit", "values": {2025: 1},
            "source": "s", **fields}


def _warnings(*lines, **extra):
    case = case_from_records(title="T", base_year=2025, horizon_years=3, options=OPTIONS,
                             lines=list(lines), parameters=ALLOW,
                             prices={"deflator_extend_growth": 0.02, "source": "test"}, **extra)
    return compile_case(case).warnings


def _codes(warnings):
    return [w.code for w in warnings]


def test_examples_are_clean():
    for name in ("minimal", "capital", "prevention", "falls"):
        assert evaluate(load_case(example_path(name))).warnings == (), name


def test_qalys_and_wellbys_for_one_effect_are_a_double_count():
    warnings = _warnings(_line("health", unit_value={"measure": "qaly"}),
                         _line("wellbeing", unit_value={"measure": "wellby"}))
    w = next(w for w in warnings if w.code == "double-count")
    assert w.severity is Severity.WARNING
    assert "line 'wellbeing' (A)" in w.message
    assert "'health'" in w.message
    assert w.field == "lines[1].unit_value"
    distinct = _warnings(_line("health", unit_value={"measure": "qaly"}, effect="mobility"),
                         _line("wellbeing", unit_value={"measure": "wellby"},
                               effect="loneliness"))
    assert "double-count" not in _codes(distinct)


def test_the_same_effect_twice_is_a_double_count():
    warnings = _warnings(_line("x", effect="Fewer falls"), _line("y", effect="fewer falls"))
    assert _codes(warnings) == ["double-count"]
    assert "'x'" in warnings[0].message


def test_the_same_unit_value_twice_for_one_agency_is_flagged():
    uv = {"value": 5.0, "price_year": 2025, "source": "s"}
    assert "double-count" not in _codes(_warnings(_line("x", unit_value=uv),
                                                  _line("y", unit_value=uv)))
    lines = [_line(n, unit_value={"code": "ILL-POL-01"}) for n in ("x", "y")]
    warnings = case_from_records(
        title="T", base_year=2024, horizon_years=2, options=OPTIONS,
        lines=[{**ln, "values": {2024: 1}} for ln in lines],
        unit_value_packs=[{"shipped": "illustrative"}],
        parameters={"allow_unconfirmed": ["unit_values:illustrative"]})
    codes = _codes(compile_case(warnings).warnings)
    assert codes == ["double-count"]


@pytest.mark.parametrize("fields", [{"transfer": True}, {"name": "Housing benefit paid"},
                                    {"category": "Universal Credit"}])
def test_transfers_counted_as_benefits(fields):
    w = _warnings(_line(**fields))
    assert _codes(w) == ["transfer-as-benefit"]
    assert "not a gain to society" in w[0].message


def test_a_transfer_as_a_cost_is_not_flagged():
    line = {**_line(name="Council tax"), "kind": "cost"}
    assert _warnings(line) == ()


def test_a_health_value_on_the_standard_schedule():
    w = _warnings(_line(unit_value={"measure": "wellby"}, schedule="standard"))
    assert _codes(w) == ["health-on-standard-schedule"]
    assert "WELLBY" in w[0].message
    assert _warnings(_line(unit_value={"measure": "wellby"})) == ()  # health by default


def test_a_value_used_outside_its_price_year_without_rebasing():
    w = _warnings(_line(unit_value={"measure": "wellby", "rebase": False}))
    assert _codes(w) == ["value-not-rebased"]
    assert "2019 prices" in w[0].message
    w = _warnings(_line(unit_value={"measure": "wellby"}, price_year=2025))
    assert _codes(w) == ["value-not-rebased"]
    assert "'price_year' 2025" in w[0].message


@pytest.mark.parametrize(("outcome", "text"), [
    ({"deadweight": 0.0}, "deadweight is 0"),
    ({"deadweight": 0.95}, "deadweight 0.95 is outside"),
    ({"deadweight": 0.3, "success": 0.99}, "success 0.99 is outside"),
    ({"deadweight": 0.3, "attribution_to_others": 0.95}, "attribution_to_others 0.95 is outside"),
    ({"deadweight": 0.3, "persistence": 2, "drop_off": 0.95}, "drop_off 0.95"),
])
def test_additionality_factors_outside_plausible_ranges(outcome, text):
    w = _warnings(_line(outcome={"source": "s", **outcome}))
    assert [x.code for x in w] == ["additionality-range"]
    assert text in w[0].message
    assert w[0].field.startswith("lines[0].outcome.")


def test_values_and_chains_with_no_source():
    line = {k: v for k, v in _line(unit_value={"value": 3.0, "price_year": 2025},
                                   outcome={"deadweight": 0.3}).items() if k != "source"}
    w = _warnings(line)
    assert sorted(_codes(w)) == ["no-source", "no-source"]
    assert {x.field for x in w} == {"lines[0].unit_value.source", "lines[0].outcome.source"}


def test_warnings_are_located_in_the_yaml(tmp_path):
    text = (example_path("minimal").read_text()
            + "  - option: New service\n    name: Tax credits received\n    kind: benefit\n"
              "    values: {2030: 5}\n")
    path = tmp_path / "case.yaml"
    path.write_text(text)
    result = evaluate(load_case(path))
    w = result.warnings[0]
    assert w.code == "transfer-as-benefit"
    assert w.location == "case.yaml:18:5"
    assert w.to_dict() in result.to_dict()["warnings"]


def test_check_case_runs_on_a_case_alone():
    case = case_from_records(title="T", base_year=2025, horizon_years=1, options=OPTIONS,
                             lines=[_line(transfer=True)])
    assert _codes(check_case(case)) == ["transfer-as-benefit"]
