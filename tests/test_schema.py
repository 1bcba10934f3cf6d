"""The case schema: one set of rules for every front end, every problem reported at once."""

from __future__ import annotations

import copy

import pytest

from appraisal.case.model import Case
from appraisal.case.schema import (
    CASE_FIELDS,
    LINE_FIELDS,
    OPTION_FIELDS,
    SCHEMA_VERSION,
    build_case,
)
from appraisal.errors import AppraisalValidationError

MINIMAL = {
    "schema_version": SCHEMA_VERSION,
    "title": "T",
    "base_year": 2025,
    "horizon_years": 5,
    "options": [{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    "lines": [{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
              {"option": "A", "name": "b", "kind": "benefit", "values": {2026: 60}}],
}


def _data(**changes):
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def _line(**changes):
    line = {"option": "A", "name": "x", "kind": "cost", "values": {2025: 1}}
    line.update(changes)
    return {k: v for k, v in line.items() if v is not None}


def _issues(data, **kwargs):
    with pytest.raises(AppraisalValidationError) as info:
        build_case(data, **kwargs)
    return info.value.issues


def test_minimal_data_builds_a_case():
    case = build_case(_data(), source="mem", source_sha256="abc")
    assert isinstance(case, Case)
    assert (case.source_path, case.source_sha256) == ("mem", "abc")
    assert [ln.name for ln in case.lines] == ["c", "b"]


def test_field_tables_have_unique_names_and_the_required_fields():
    for table in (CASE_FIELDS, OPTION_FIELDS, LINE_FIELDS):
        names = [f.name for f in table]
        assert len(names) == len(set(names))
    required = {f.name for f in CASE_FIELDS if f.required}
    assert required == {"schema_version", "title", "base_year", "horizon_years", "options",
                        "lines"}
    assert {f.name for f in LINE_FIELDS if f.required} == {"option", "name", "kind"}


def test_every_core_line_field_is_accepted():
    """The field table is the schema: a line using every core field (one profile form)
    builds. (Lenses add further fields; they test them.)"""
    line = _line(category="capital", agency="Council", value_type="fiscal", cashable=True,
                 price_basis="real", price_year=2025, schedule="health",
                 optimism_bias={"project_type": "standard_buildings"}, delay=1, scale=2.0,
                 source="s")
    assert set(line) <= {f.name for f in LINE_FIELDS}
    case = build_case(_data(lines=[line]))
    built = case.lines[0]
    assert (built.schedule, built.delay, built.scale, built.cashable) == ("health", 1, 2.0, True)


@pytest.mark.parametrize("missing", ["schema_version", "title", "base_year", "horizon_years",
                                     "options"])
def test_each_required_case_field_is_reported(missing):
    data = _data()
    del data[missing]
    issues = _issues(data)
    assert any(i.code == "missing" and i.field == missing for i in issues)


def test_every_problem_is_reported_at_once_with_its_field_path():
    data = _data(titel="T", horizon_years=-3, options=[{"name": "BAU"}, {"name": "BAU"}],
                 lines=[_line(kind="expense"), _line(name="y", values={1990: 5})])
    issues = _issues(data)
    found = {(i.code, i.field) for i in issues}
    assert ("unknown-key", "titel") in found
    assert ("out-of-range", "horizon_years") in found
    assert ("duplicate-name", "options[1].name") in found
    assert ("counterfactual", "options") in found
    assert ("bad-choice", "lines[0].kind") in found
    assert len(issues) >= 5
    # by default (no locator) a problem is located by its field path
    assert all(i.location == (i.field or "<python>") for i in issues)


def test_the_locator_is_used_for_locations():
    issues = _issues(_data(title=42), locate=lambda path: f"Sheet!{len(path)}")
    assert [(i.field, i.location) for i in issues] == [("title", "Sheet!1")]


def test_unknown_keys_suggest_the_closest_field():
    issues = _issues(_data(lines=[_line(catgory="capital")]))
    assert [(i.code, i.field, i.fix) for i in issues] == [
        ("unknown-key", "lines[0].catgory", "did you mean 'category'?")]


@pytest.mark.parametrize(
    ("line", "code", "field"),
    [
        (_line(values={2025: -1}), "out-of-range", "lines[0].values[2025]"),
        (_line(values={2031: 1}), "year-outside-horizon", "lines[0].values[2031]"),
        (_line(values={}), "empty", "lines[0].values"),
        (_line(values=None), "profile", "lines[0]"),
        (_line(profile={"type": "one_off", "year": 2025, "amount": 1}), "profile", "lines[0]"),
        (_line(values=None, profile={"type": "constant", "start": 2027, "end": 2026,
                                     "amount": 1}), "bad-range", "lines[0].profile.end"),
        (_line(values=None, profile={"type": "growth", "start": 2025, "end": 2026,
                                     "amount": 1}), "missing", "lines[0].profile.rate"),
        (_line(values=None, profile={"type": "one_off", "year": 2025, "amount": 1,
                                     "rate": 0.1}), "unknown-key", "lines[0].profile.rate"),
        (_line(option="B"), "unknown-option", "lines[0].option"),
        (_line(kind="benefit", optimism_bias={"project_type": "standard_buildings"}),
         "optimism-bias-benefit", "lines[0].optimism_bias"),
        (_line(optimism_bias={"project_type": "standard_buildings", "uplift": 0.2,
                              "source": "s"}), "optimism-bias", "lines[0].optimism_bias"),
        (_line(optimism_bias={"uplift": 0.2}), "missing", "lines[0].optimism_bias.source"),
        (_line(optimism_bias={"uplift": 24}), "out-of-range",
         "lines[0].optimism_bias.uplift"),
        (_line(price_basis="nominal", price_year=2020), "price-year-nominal",
         "lines[0].price_year"),
        (_line(value_type="social", cashable=True), "cashable-not-fiscal", "lines[0].cashable"),
        (_line(delay=-1), "out-of-range", "lines[0].delay"),
        (_line(scale=-2.0), "out-of-range", "lines[0].scale"),
        (_line(schedule="flat"), "bad-choice", "lines[0].schedule"),
        (_line(kind=True), "wrong-type", "lines[0].kind"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_line_rules(line, code, field):
    issues = _issues(_data(lines=[line]))
    assert (code, field) in {(i.code, i.field) for i in issues}, [str(i) for i in issues]


def test_duplicate_line_names_within_an_option():
    issues = _issues(_data(lines=[_line(), _line()]))
    assert [(i.code, i.field) for i in issues] == [("duplicate-name", "lines[1].name")]


def test_same_line_name_in_two_options_is_fine():
    case = build_case(_data(lines=[_line(), _line(option="BAU")]))
    assert [ln.option for ln in case.lines] == ["A", "BAU"]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"schema_version": 2}, "schema-version", "schema_version"),
        ({"horizon_years": 501}, "out-of-range", "horizon_years"),
        ({"base_year": 1066}, "out-of-range", "base_year"),
        ({"base_year": True}, "wrong-type", "base_year"),
        ({"options": []}, "wrong-type", "options"),
        ({"lines": {"a": 1}}, "wrong-type", "lines"),
        ({"parameters": {"allow_unconfirmed": "gdp_deflator"}}, "wrong-type",
         "parameters.allow_unconfirmed"),
        ({"prices": {"deflator_extend_growth": 0.02}}, "missing", "prices.source"),
        ({"prices": {"deflator": {2024: 0}}}, "out-of-range", "prices.deflator[2024]"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_case_rules(changes, code, field):
    issues = _issues(_data(**changes))
    assert (code, field) in {(i.code, i.field) for i in issues}, [str(i) for i in issues]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"vintage": "GB2099"}, "bad-choice", "vintage"),
        ({"timing": "mid-year"}, "bad-choice", "timing"),
        ({"bcr_definition": "npv"}, "bad-choice", "bcr_definition"),
        ({"organisation": 5}, "wrong-type", "organisation"),
        ({"description": ["a", "list"]}, "wrong-type", "description"),
    ],
    ids=["vintage", "timing", "bcr_definition", "organisation", "description"],
)
def test_bad_choices_of_case_conventions_are_reported(changes, code, field):
    """A bad convention is refused with a fix, never silently replaced by the default."""
    issues = _issues(_data(**changes))
    found = [i for i in issues if (i.code, i.field) == (code, field)]
    assert found, [str(i) for i in issues]
    assert all(i.fix for i in found)


def test_a_bad_convention_is_reported_with_every_other_problem():
    """Conventions are checked before raising, so they join the other problems."""
    issues = _issues(_data(timing="mid-year", horizon_years="ten"))
    assert {("bad-choice", "timing"), ("wrong-type", "horizon_years")} <= {
        (i.code, i.field) for i in issues}


def test_root_must_be_a_mapping():
    issues = _issues(["not", "a", "case"])
    assert [i.code for i in issues] == ["wrong-type"]


def test_case_options_parsed():
    data = _data(timing="mid", bcr_definition="public_sector_cost", vintage="GB2022",
                 price_year=2024,
                 prices={"deflator_basis": "financial", "deflator": {2030: 120},
                         "deflator_extend_growth": 0.02, "source": "OBR"},
                 parameters={"allow_unconfirmed": ["gdp_deflator"]})
    for line in data["lines"]:  # DfT's BCR needs to know who bears each cost
        line.setdefault("value_type", "fiscal")
    case = build_case(data)
    assert (case.timing, case.bcr_definition, case.vintage) == ("mid", "public_sector_cost",
                                                               "GB2022")
    assert case.prices.deflator_basis == "financial"
    assert dict(case.prices.deflator) == {2030: 120.0}
    assert case.allow_unconfirmed == ("gdp_deflator",)


def test_explicit_values_checked_in_bulk_give_what_the_per_value_checks_give():
    """Whole-number years and plain amounts take a bulk path; anything else is checked
    value by value. Both must build the same profile (years as 2026.0 take the slow path)."""
    values = {2027: 3, 2025: 1.5, 2026: 0}
    fast = build_case(_data(lines=[_line(values=values)])).lines[0].profile
    slow = build_case(_data(lines=[_line(values={float(y): a for y, a in values.items()})]))
    assert fast == slow.lines[0].profile
    assert fast.values == ((2025, 1.5), (2026, 0.0), (2027, 3.0))
    assert all(type(a) is float for _, a in fast.values)


@pytest.mark.parametrize(("values", "code", "year"), [
    ({2025: 1, 2026: -2}, "out-of-range", 2026),
    ({2025: 1, 2031: 2}, "year-outside-horizon", 2031),
    ({2025: 1, 2027: float("nan")}, "not-finite", 2027),
    ({2025: True}, "wrong-type", 2025),
])
def test_a_bad_value_among_good_ones_is_still_located(values, code, year):
    (issue,) = _issues(_data(lines=[_line(values=values)]))
    assert issue.code == code
    assert issue.field == f"lines[0].values[{year}]"
