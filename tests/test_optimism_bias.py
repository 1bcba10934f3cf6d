"""Optimism bias: the published table, mitigation, combined projects, duration stretch.

Source of every expected number: HM Treasury, *Supplementary Green Book Guidance:
Optimism Bias* (2003), Table 2 "Optimism Bias Guidelines" (from Mott MacDonald 2002),
and its method: OB_resultant = OB_upper x (1 - sum c_i m_i); combined projects weight the
upper bounds by share of capex (or of duration).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.case.model import Case, LineOptimismBias
from appraisal.engine.compile import compile_case
from appraisal.errors import AppraisalValidationError, ParameterError
from appraisal.greenbook.optimism_bias import (
    combined_uplift,
    mitigated_uplift,
    project_types,
    stretch_profile,
    table_uplift,
)
from appraisal.inputs.load import example_path, load_case
from appraisal.params.packs import ParameterPack

#: HMT 2003 Table 2, % uplift: (duration upper, duration lower, capex upper, capex lower).
TABLE_2 = {
    "standard_buildings": (4, 1, 24, 2),
    "non_standard_buildings": (39, 2, 51, 4),
    "standard_civil_engineering": (20, 1, 44, 3),
    "non_standard_civil_engineering": (25, 3, 66, 6),
    "equipment_development": (54, 10, 200, 10),
}


@pytest.fixture(scope="module")
def pack() -> ParameterPack:
    return ParameterPack.green_book()


@pytest.mark.parametrize("project_type", sorted(TABLE_2))
def test_table_2_values(pack, project_type):
    """HMT 2003 Table 2, every project type, both measures and both bounds."""
    d_up, d_low, c_up, c_low = TABLE_2[project_type]
    assert table_uplift(pack, project_type, "duration", "upper") == pytest.approx(d_up / 100)
    assert table_uplift(pack, project_type, "duration", "lower") == pytest.approx(d_low / 100)
    assert table_uplift(pack, project_type, "capex", "upper") == pytest.approx(c_up / 100)
    assert table_uplift(pack, project_type, "capex", "lower") == pytest.approx(c_low / 100)


def test_outsourcing_is_measured_on_opex_and_has_no_duration_value(pack):
    """HMT 2003 Table 2: outsourcing 41% upper and 0% lower, measured on operating
    expenditure (footnote); works duration is N/A in the source, so none is shipped."""
    assert table_uplift(pack, "outsourcing", "opex", "upper") == pytest.approx(0.41)
    assert table_uplift(pack, "outsourcing", "opex", "lower") == 0.0
    with pytest.raises(ParameterError, match=r"measures for this type: opex"):
        table_uplift(pack, "outsourcing", "duration", "upper")


def test_project_types_are_the_six_of_table_2(pack):
    assert set(project_types(pack)) == {*TABLE_2, "outsourcing"}


def test_unknown_project_type_lists_the_known_ones(pack):
    with pytest.raises(ParameterError, match=r"'standard_bildings'.*standard_buildings"):
        table_uplift(pack, "standard_bildings", "capex", "upper")


def test_mitigation_formula_by_hand():
    """HMT 2003: OB = OB_upper x (1 - sum c_i m_i). Non-standard buildings capex upper 51%,
    business case contributing 23% of the bias and half mitigated, design 10% unmitigated:
    0.51 x (1 - 0.23 x 0.5) = 0.51 x 0.885 = 0.45135."""
    got = mitigated_uplift(0.51, {"business case": 0.23, "design": 0.10},
                           {"business case": 0.5})
    assert got == pytest.approx(0.45135, abs=1e-12)


def test_mitigation_of_several_areas_by_hand():
    """0.24 x (1 - (0.34 x 1.0 + 0.2 x 0.25)) = 0.24 x 0.61 = 0.1464."""
    got = mitigated_uplift(0.24, {"a": 0.34, "b": 0.2}, {"a": 1.0, "b": 0.25})
    assert got == pytest.approx(0.1464, abs=1e-12)


def test_full_mitigation_of_every_area_removes_the_bias():
    assert mitigated_uplift(0.66, {"a": 0.6, "b": 0.4}, {"a": 1.0, "b": 1.0}) == 0.0


@pytest.mark.parametrize(
    ("contributions", "mitigation", "message"),
    [
        ({"a": 1.2}, {}, "contribution of 'a' must be in \\[0, 1\\]"),
        ({"a": 0.7, "b": 0.6}, {}, "sum to 1.300"),
        ({"a": 0.5}, {"b": 0.5}, "mitigation given for 'b', which has no contribution"),
        ({"a": 0.5}, {"a": 1.5}, "mitigation factor of 'a' must be in \\[0, 1\\]"),
    ],
)
def test_bad_mitigation_inputs_are_refused(contributions, mitigation, message):
    with pytest.raises(ValueError, match=message):
        mitigated_uplift(0.5, contributions, mitigation)


def test_combined_project_weighted_by_capex_share(pack):
    """HMT 2003 (combined projects): 70% standard buildings, 30% standard civil
    engineering; capex upper 0.7 x 24% + 0.3 x 44% = 16.8% + 13.2% = 30%; duration upper
    0.7 x 4% + 0.3 x 20% = 2.8% + 6% = 8.8%."""
    shares = {"standard_buildings": 0.7, "standard_civil_engineering": 0.3}
    assert combined_uplift(pack, shares) == pytest.approx(0.30, abs=1e-12)
    assert combined_uplift(pack, shares, "duration") == pytest.approx(0.088, abs=1e-12)


@pytest.mark.parametrize("shares", [{"standard_buildings": 0.7}, {"standard_buildings": 1.2,
                                    "standard_civil_engineering": -0.2}])
def test_combined_shares_must_be_a_split(pack, shares):
    with pytest.raises(ValueError, match=r"shares must be >= 0 and sum to 1"):
        combined_uplift(pack, shares)


def test_the_capital_example_applies_the_hand_computed_uplifts():
    """The capital example: refurbishment is non-standard buildings, mitigated
    (0.51 x (1 - 0.23 x 0.5) = 0.45135; duration 0.39 x (1 - 0.22 x 0.5) = 0.3471, its own
    mitigation); new build is the 70/30 mix
    (capex 30%, duration 8.8%)."""
    compiled = compile_case(load_case(example_path("capital")))
    by_name = {(ln.option, ln.name): i for i, ln in enumerate(compiled.case.lines)}
    refurb = by_name[("Refurbish", "Refurbishment works")]
    build = by_name[("New build", "Construction")]
    assert compiled.ob_uplift[refurb] == pytest.approx(0.45135, abs=1e-12)
    assert compiled.optimism_bias[refurb].duration_uplift == pytest.approx(0.3471)
    assert compiled.ob_uplift[build] == pytest.approx(0.30, abs=1e-12)
    assert compiled.optimism_bias[build].duration_uplift == pytest.approx(0.088)
    # the uplift multiplies the line's PV; the stretch keeps its undiscounted total
    assert compiled.real[build].sum() == pytest.approx(3e6 + 5e6 + 2e6)


def _one_cost_case(ob: LineOptimismBias) -> Case:
    case = case_from_records(
        title="OB", base_year=2025, horizon_years=5,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "Build"}],
        lines=[{"option": "Build", "name": "capex", "kind": "cost",
                "values": {2025: 100, 2026: 100}}])
    return replace(case, lines=(replace(case.lines[0], optimism_bias=ob),))


def test_outsourcing_defaults_to_the_opex_measure():
    compiled = compile_case(_one_cost_case(LineOptimismBias(project_type="outsourcing")))
    assert compiled.optimism_bias[0].measure == "opex"
    assert compiled.ob_uplift[0] == pytest.approx(0.41)


def test_lower_bound_and_explicit_uplift():
    lower = compile_case(_one_cost_case(LineOptimismBias(project_type="standard_buildings",
                                                         bound="lower")))
    assert lower.ob_uplift[0] == pytest.approx(0.02)
    explicit = compile_case(_one_cost_case(LineOptimismBias(uplift=0.15, source="own data")))
    assert explicit.ob_uplift[0] == pytest.approx(0.15)
    assert explicit.optimism_bias[0].source == "own data"


def test_unknown_project_type_fails_at_compile_time():
    with pytest.raises(AppraisalValidationError) as info:
        compile_case(_one_cost_case(LineOptimismBias(project_type="castle")))
    assert [i.code for i in info.value.issues] == ["optimism-bias"]
    assert "castle" in info.value.issues[0].message


def test_stretch_profile_by_hand():
    """Two years of 100 stretched by 50% spread over three years: 200 / 3 = 66.67 each."""
    out = stretch_profile([0, 100, 100, 0, 0], 0.5)
    np.testing.assert_allclose(out, [0, 200 / 3, 200 / 3, 200 / 3, 0], rtol=1e-12)


def test_stretch_profile_keeps_spending_past_the_end_in_the_last_year():
    """Doubling a two-year span gives 50 a year over four years; the 150 that would fall
    in years 1-3 stays in year 1, the last year of the profile."""
    out = stretch_profile([100, 100], 1.0)
    np.testing.assert_allclose(out, [50, 150])
    out = stretch_profile([100, 0, 0], 1.0)
    np.testing.assert_allclose(out, [50, 50, 0])


def test_negative_duration_uplift_is_refused():
    with pytest.raises(ValueError, match=r"must be >= 0"):
        stretch_profile([1.0, 2.0], -0.1)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(0, 1e9), min_size=1, max_size=30),
       uplift=st.floats(0, 3))
def test_stretch_keeps_the_total_and_never_starts_earlier(values, uplift):
    out = stretch_profile(values, uplift)
    assert out.shape == (len(values),)
    assert out.sum() == pytest.approx(sum(values), rel=1e-9, abs=1e-6)
    assert np.all(out >= -1e-6 * max(1.0, max(values)))
    nonzero = np.flatnonzero(values)
    if nonzero.size:
        np.testing.assert_array_equal(out[: nonzero[0]], 0.0)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0, 1e9), min_size=1, max_size=30))
def test_zero_stretch_is_the_identity(values):
    np.testing.assert_array_equal(stretch_profile(values, 0.0), values)


def test_risk_areas_and_shares_are_checked_with_the_case_at_their_keys(tmp_path):
    """A misspelt mitigated risk area would mitigate nothing (the uplift stays higher), and
    shares or contributions that do not add up change the uplift: each is refused when the
    case is read, at its own key, beside the case's other problems (here a misspelt kind),
    with the nearest risk area suggested."""
    text = example_path("capital").read_text(encoding="utf-8")
    bad = (text.replace("mitigation: {inadequacy of the business case: 0.5}",
                        "mitigation: {inadequacy of the busines case: 0.5}")
           .replace("design complexity: 0.1}", "design complexity: 0.9}")
           .replace("standard_civil_engineering: 0.3}", "standard_civil_engineering: 0.35}")
           .replace("kind: cost", "kind: costt", 1))
    assert bad.count("busines case") == 2  # the cost's mitigation and the duration's
    path = tmp_path / "case.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(AppraisalValidationError) as info:
        load_case(path)
    issues = info.value.issues
    lines = bad.splitlines()

    def at(issue):  # the text at the issue's line:column
        row, col = (int(n) for n in issue.location.rsplit(":", 2)[1:])
        return lines[row - 1][col - 1:]

    ob = [i for i in issues if i.code == "optimism-bias"]
    assert [i.field for i in ob] == [
        "lines[1].optimism_bias.contributions",
        "lines[1].optimism_bias.mitigation.inadequacy of the busines case",
        "lines[1].optimism_bias.duration.mitigation.inadequacy of the busines case",
        "lines[4].optimism_bias.shares"]
    assert "sum to 1.13; they must not exceed 1" in ob[0].message
    for issue in ob[1:3]:
        assert at(issue).startswith("inadequacy of the busines case: 0.5")
        assert "did you mean 'inadequacy of the business case'?" in issue.fix
    assert "sum to 1.05; they must sum to 1" in ob[3].message
    assert at(ob[3]).startswith("shares:")
    assert any(i.code == "bad-choice" and "costt" in i.message for i in issues)
