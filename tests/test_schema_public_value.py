"""The case syntax of the public-value lenses: packs, distribution, line fields."""

from __future__ import annotations

import pytest
import yaml

import appraisal.case.public_value as spv
from appraisal.case.schema import CASE_FIELDS, LINE_FIELDS, build_case
from appraisal.errors import AppraisalValidationError
from appraisal.params.unit_values import shipped_unit_values

OPTIONS = [{"name": "BAU", "counterfactual": True}, {"name": "A"}]


def _data(**extra):
    return {"schema_version": 1, "title": "T", "base_year": 2025, "horizon_years": 3,
            "options": OPTIONS, "lines": [], **extra}


def test_new_fields_are_in_the_schema_tables():
    assert {"unit_value_packs", "distribution", "non_monetised"} <= {f.name for f in CASE_FIELDS}
    assert {"unit_value", "outcome", "incidence", "effect", "transfer"} <= {
        f.name for f in LINE_FIELDS}


def test_the_documented_syntax_builds():
    """The YAML in the module docstring is a valid fragment of a case."""
    block = spv.__doc__.split("::", 1)[1]
    data = yaml.safe_load("\n".join(line[4:] for line in block.splitlines()))
    case = build_case(_data(**data, horizon_years=5))
    line = case.lines[0]
    assert line.unit_value.measure == "wellby"
    assert line.schedule == "health"
    assert line.outcome.persistence == 3
    assert dict(line.incidence) == {"Q1": 0.6, "Q2": 0.4}
    assert line.effect == "child wellbeing"
    spec = case.sections["distribution"]
    assert spec.eta == 1.3
    assert spec.reference == 29_000
    assert "illustrative" in case.sections["unit_value_packs"]


def test_reference_income_defaults_to_the_median_group():
    dist = {"incomes": {"a": 10.0, "b": 30.0, "c": 20.0}, "income_source": "s"}
    spec = build_case(_data(distribution=dist)).sections["distribution"]
    assert spec.groups == ("a", "b", "c")  # the incomes' order unless 'groups' is given
    assert spec.reference == 20.0
    two = build_case(_data(distribution={"incomes": {"a": 10.0, "b": 30.0},
                                         "income_source": "s"})).sections["distribution"]
    assert two.reference == 20.0


def test_a_python_built_case_can_pass_a_loaded_pack():
    pack = shipped_unit_values()
    case = build_case(_data(unit_value_packs=[pack], lines=[
        {"option": "A", "name": "b", "kind": "benefit", "values": {2025: 1},
         "unit_value": {"code": "ILL-NHS-01"}}]))
    assert case.sections["unit_value_packs"]["illustrative"] is pack
    assert case.lines[0].agency == "NHS"


@pytest.mark.parametrize(("packs", "code"), [
    ([{"shipped": "illustrative", "path": "x.csv"}], "unit-value-pack"),
    ([{}], "unit-value-pack"),
    ([{"shipped": "nope"}], "unknown-pack"),
    ([{"shipped": "illustrative"}, {"shipped": "illustrative"}], "duplicate-name"),
    ([{"path": "missing.csv"}], "not-found"),
    ({"shipped": "illustrative"}, "wrong-type"),
])
def test_bad_pack_entries(packs, code, tmp_path):
    with pytest.raises(AppraisalValidationError) as err:
        build_case(_data(unit_value_packs=packs), base_dir=tmp_path)
    assert code in [i.code for i in err.value.issues]


@pytest.mark.parametrize(("dist", "field"), [
    ({"groups": ["a", "a"], "incomes": {"a": 1}, "income_source": "s"}, "distribution.groups"),
    ({"groups": "a", "incomes": {"a": 1}, "income_source": "s"}, "distribution.groups"),
    ({"income_source": "s"}, "distribution.incomes"),
    ({"incomes": {"a": 1}, "income_source": "s", "eta": -1}, "distribution.eta"),
    ({"incomes": {"a": 1}, "income_source": "s", "reference_income": 0},
     "distribution.reference_income"),
    ({"incomes": {"a": 1, "b": 2}, "households": {"a": 5}, "income_source": "s"},
     "distribution.households"),
    ({"incomes": {"a": 1}, "income_source": "s", "households": {"z": 1}},
     "distribution.households.z"),
    ({"incomes": {"a": 1}, "income_source": "s", "colour": 1}, "distribution.colour"),
])
def test_bad_distribution_sections(dist, field):
    with pytest.raises(AppraisalValidationError) as err:
        build_case(_data(distribution=dist))
    assert field in [i.field for i in err.value.issues]


def test_pack_codes_inherit_fields_only_where_the_line_is_silent():
    line = {"option": "A", "name": "b", "kind": "benefit", "values": {2025: 1},
            "agency": "ICB", "unit_value": {"code": "ILL-NHS-01"}}
    case = build_case(_data(unit_value_packs=[{"shipped": "illustrative"}], lines=[line]))
    assert (case.lines[0].agency, case.lines[0].value_type) == ("ICB", "fiscal")
    assert case.lines[0].cashable is False


def test_an_unknown_group_gets_a_did_you_mean():
    dist = {"groups": ["Q1", "Q2"], "incomes": {"Q1": 1, "Q2": 2}, "income_source": "s",
            "households": {"Q1": 5, "Q2x": 1}}
    with pytest.raises(AppraisalValidationError) as err:
        build_case(_data(distribution=dist))
    issue = next(i for i in err.value.issues if i.field == "distribution.households.Q2x")
    assert issue.fix.startswith("did you mean 'Q2'?")
    assert "use one of: Q1, Q2" in issue.fix


@pytest.mark.parametrize("dist", [
    {"groups": [], "incomes": {}, "income_source": "s"},
    {"groups": ["a", "a"], "incomes": {"a": 1}, "income_source": "s"},
    {"groups": "a", "incomes": {"a": 1}, "income_source": "s"},
    {"incomes": {"a": 1}, "income_source": "s", "reference_income": -5},
])
def test_every_distribution_problem_says_how_to_fix_it(dist):
    with pytest.raises(AppraisalValidationError) as err:
        build_case(_data(distribution=dist))
    for issue in err.value.issues:
        assert issue.fix
        assert issue.fix != "correct the value as the message says"  # the generic fallback
