"""``evaluate(case)``: hand-worked results, increments, switching values, the reduced-rate test.

Method: Green Book 2018 paras 5.53-5.56 (NPSV = PV benefits - PV costs; BCR = PV benefits /
PV costs; increments against business as usual), A6 (3.5% STPR, year 0 undiscounted),
2.16 (switching values); EAC = PV costs / sum_{t=0..n-1} DF_t over the n-year appraisal
period (an annuity-due: ``appraisal.greenbook.discounting.annuity_factor``; a level stream
returns its level, tests/test_method_discounting.py); DfT value-for-money categories.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.case.model import Case
from appraisal.engine.compile import evaluate_arrays
from appraisal.engine.results import AppraisalResult
from appraisal.greenbook.cba import vfm_category
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate
from appraisal.params.packs import ParameterPack

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
EXAMPLES = ("minimal", "capital", "prevention", "falls")

# Minimal case by hand at the 3.5% STPR (years 2025..2034 are t = 0..9):
#   PV costs    = 100 + 50/1.035 + 50/1.035^2 = 100 + 48.309179 + 46.675535 = 194.984714
#   sum_{t=1..9} 1.035^-t = (1 - 1.035^-9) / 0.035 = 7.607687
#   annuity     = sum_{t=0..9} 1.035^-t = 1 + 7.607687 = 8.607687 (the years the flows occupy)
#   PV benefits = 30 x sum_{t=3..9} 1.035^-t = 30 x (7.607687 - 0.966184 - 0.933511)
#               = 30 x 5.707993 = 171.239767
#   NPSV        = 171.239767 - 194.984714 = -23.744947 (BAU: 0, so the increment is the same)
#   BCR         = 171.239767 / 194.984714 = 0.878221 -> DfT "Poor" (below 1.0)
#   EAC         = 194.984714 / 8.607687 = 22.652395
PV_COSTS = 100 + 50 / 1.035 + 50 / 1.035**2
ANNUITY = (1 - 1.035**-9) / 0.035
EAC_ANNUITY = 1 + ANNUITY  # DF_0 = 1 plus DF_1..DF_9
PV_BENEFITS = 30 * sum(1.035**-t for t in range(3, 10))


@pytest.fixture
def minimal_result(minimal_text, write_case, tmp_path) -> AppraisalResult:
    return evaluate(load_case(write_case(tmp_path, minimal_text)))


def test_minimal_case_by_hand(minimal_result):
    """The arithmetic is written out above the test (Green Book 2018 5.53-5.56, A6)."""
    assert round(PV_COSTS, 6) == 194.984714
    assert round(PV_BENEFITS, 6) == 171.239767
    assert round(ANNUITY, 6) == 7.607687
    assert round(EAC_ANNUITY, 6) == 8.607687
    new = minimal_result.option("New service")
    assert new.pv_costs == pytest.approx(194.984714, abs=1e-6)
    assert new.pv_benefits == pytest.approx(171.239767, abs=1e-6)
    assert new.npsv == pytest.approx(-23.744947, abs=1e-6)
    assert new.bcr == pytest.approx(0.878221, abs=1e-6)
    assert new.eac == pytest.approx(22.652395, abs=1e-6)
    assert new.inc_npsv == pytest.approx(-23.744947, abs=1e-6)
    assert new.inc_bcr == pytest.approx(0.878221, abs=1e-6)
    assert new.vfm_category == "Poor"
    assert minimal_result.preferred_option == "Business as usual"


def test_minimal_switching_values_by_hand(minimal_result):
    """Costs must fall by 23.744947 / 194.984714 = 12.18%, or benefits rise by
    23.744947 / 171.239767 = 13.87%, for the new service to break even."""
    by_subject = {s.subject: s.change for s in minimal_result.switching_values
                  if s.target == "line" and "NPSV against business as usual" in s.test}
    assert by_subject["Set-up and running costs"] == pytest.approx(-23.744947 / 194.984714,
                                                                    rel=1e-6)
    assert by_subject["Avoided costs"] == pytest.approx(23.744947 / 171.239767, rel=1e-6)


def test_the_shipped_minimal_example_is_the_hand_worked_case(minimal_result):
    shipped = evaluate(load_case(example_path("minimal")))
    for a, b in zip(shipped.options, minimal_result.options, strict=True):
        assert (a.name, a.pv_costs, a.pv_benefits) == (b.name, b.pv_costs, b.pv_benefits)


def test_public_sector_cost_bcr_by_hand():
    """Costs 100 in year 0; fiscal saving 60 and social benefit 80 in year 1.
    PV fiscal = 60/1.035 = 57.971014, PV social = 80/1.035 = 77.294686.
    Benefit-cost form: (57.971014 + 77.294686) / 100 = 1.352657 -> Low.
    Public-sector-cost form (DfT: the cost and the saving fall on the public budget, so
    PVC = 100 - 57.971014 and PVB = the social benefit): 77.294686 / 42.028986 = 1.839080
    -> Medium. (That form needs every cost line's value type, so the cost is fiscal.)"""
    records = dict(
        title="T", base_year=2025, horizon_years=2,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "c", "kind": "cost", "value_type": "fiscal",
                "values": {2025: 100}},
               {"option": "A", "name": "f", "kind": "benefit", "value_type": "fiscal",
                "values": {2026: 60}},
               {"option": "A", "name": "s", "kind": "benefit", "value_type": "social",
                "values": {2026: 80}}])
    standard = evaluate(case_from_records(**records)).option("A")
    public = evaluate(case_from_records(bcr_definition="public_sector_cost", **records))
    a = public.option("A")
    assert standard.inc_bcr == pytest.approx(1.352657, abs=1e-6)
    assert standard.vfm_category == "Low"
    assert a.pv_fiscal_benefits == pytest.approx(57.971014, abs=1e-6)
    assert a.inc_bcr == pytest.approx(1.839080, abs=1e-6)
    assert a.vfm_category == "Medium"
    assert a.npsv == pytest.approx(standard.npsv)  # NPSV does not depend on the BCR form


def _long_case(horizon: int, **extra) -> Case:
    return case_from_records(
        title="Long", base_year=2025, horizon_years=horizon,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
               {"option": "A", "name": "b", "kind": "benefit",
                "values": {2025 + horizon - 1: 1000}}], **extra)


def test_reduced_rate_sensitivity_for_horizons_over_50_years():
    """Green Book 2026 (quoted by DfT TAG, 16 Apr 2026): horizons beyond 50 years also report
    the reduced schedule. Benefit 1000 at t = 50: standard PV = 1000 x 1.035^-30 x 1.03^-20,
    reduced PV = 1000 x 1.03^-30 x 1.0257^-20."""
    assert evaluate(_long_case(50)).reduced_schedule is None
    result = evaluate(_long_case(51))
    block = result.reduced_schedule
    assert block is not None
    assert "51 years exceeds 50" in block["reason"]
    standard = result.option("A").pv_benefits
    reduced = next(o for o in block["options"] if o["name"] == "A")["pv_benefits"]
    assert standard == pytest.approx(1000 * 1.035**-30 * 1.03**-20, rel=1e-12)
    assert reduced == pytest.approx(1000 * 1.03**-30 * 1.0257**-20, rel=1e-12)


def test_no_reduced_rate_rule_in_the_2022_vintage():
    assert evaluate(_long_case(60, vintage="GB2022")).reduced_schedule is None


def test_an_explicit_pack_replaces_the_cases_parameters():
    result = evaluate(_long_case(10), pack=ParameterPack.green_book("GB2022"))
    assert result.compiled.pack.vintage == "GB2022"


def test_eac_does_not_depend_on_line_order(minimal_result):
    """Reliability plan P11: reordering lines changes no per-option result."""
    case = minimal_result.case
    health_first = replace(case, lines=(replace(case.lines[1], schedule="health"),
                                        case.lines[0]))
    health_last = replace(case, lines=(case.lines[0],
                                       replace(case.lines[1], schedule="health")))
    a = evaluate(health_first).option("New service")
    b = evaluate(health_last).option("New service")
    assert a.eac == pytest.approx(b.eac, rel=1e-12)
    # the annuity is the standard (STPR) one whichever schedule the lines use
    # (Green Book 2018 A6; EAC = PV costs / sum of DF_0..DF_9 at 3.5%, written out above)
    assert a.eac == pytest.approx(a.pv_costs / EAC_ANNUITY, rel=1e-12)


def test_eac_uses_the_stpr_even_when_every_line_is_on_the_health_schedule(minimal_result):
    case = minimal_result.case
    health = replace(case, lines=tuple(replace(ln, schedule="health") for ln in case.lines))
    new = evaluate(health).option("New service")
    assert new.eac == pytest.approx(new.pv_costs / EAC_ANNUITY, rel=1e-12)


def _vfm_case(benefit: float, **extra) -> Case:
    return case_from_records(
        title="VfM", base_year=2025, horizon_years=2, **extra,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
               {"option": "A", "name": "b", "kind": "benefit", "values": {2025: benefit}}])


def test_a_confirmed_vfm_band_is_not_flagged():
    """BCR 1.2 is 'Low' (DfT VfM categories, [C] in the parameter table): no flag."""
    result = evaluate(_vfm_case(120))
    assert result.option("A").vfm_category == "Low"
    assert result.option("A").bcr_note == ""
    assert "value_for_money" not in result.manifest["unconfirmed_parameters_used"]
    assert [r.get("category") for r in result.parameters_used
            if r.table_name == "value_for_money"] == ["Low"]


def test_a_vfm_category_from_an_unconfirmed_band_is_flagged_wherever_it_is_shown():
    """BCR 2.5 is 'High', whose 4.0 upper edge is C2 (secondary source): the category is
    still shown, but flagged per option in results.json and in the manifest's
    unconfirmed_parameters_used (which the summary text lists)."""
    from appraisal.cli.commands import summary_text

    result = evaluate(_vfm_case(250))
    a = result.option("A")
    assert a.vfm_category == "High"
    assert "'High' is unconfirmed (confidence C2)" in a.bcr_note
    assert "allow_unconfirmed: [value_for_money]" in a.bcr_note
    assert result.to_dict()["options"][1]["incremental"]["bcr_note"] == a.bcr_note
    assert "value_for_money" in result.manifest["unconfirmed_parameters_used"]
    assert "value_for_money" in summary_text(result)
    assert result.warnings == ()  # a label, not a problem with the input


def test_opting_in_to_the_vfm_bands_acknowledges_them():
    result = evaluate(_vfm_case(250, parameters={"allow_unconfirmed": ["value_for_money"]}))
    assert result.option("A").vfm_category == "High"
    assert result.option("A").bcr_note == ""
    assert "value_for_money" in result.manifest["unconfirmed_parameters_used"]


@st.composite
def cases(draw) -> Case:
    """Small random cases: 2-4 options (one counterfactual), 1-6 lines, 1-12 years."""
    horizon = draw(st.integers(1, 12))
    years = list(range(2025, 2025 + horizon))
    n_options = draw(st.integers(2, 4))
    cf = draw(st.integers(0, n_options - 1))
    lines = []
    for i in range(draw(st.integers(1, 6))):
        lines.append({
            "option": f"o{draw(st.integers(0, n_options - 1))}",
            "name": f"l{i}",
            "kind": draw(st.sampled_from(["cost", "benefit"])),
            "category": draw(st.sampled_from(["capital", "operating", ""])),
            "schedule": draw(st.sampled_from(["standard", "health"])),
            "values": draw(st.dictionaries(st.sampled_from(years), st.floats(1, 1e6),
                                           min_size=1, max_size=horizon)),
        })
    return case_from_records(
        title="random", base_year=2025, horizon_years=horizon,
        options=[{"name": f"o{k}", "counterfactual": k == cf} for k in range(n_options)],
        lines=lines)


@SETTINGS
@given(case=cases())
def test_the_counterfactuals_increment_is_zero(case):
    result = evaluate(case)
    cf = result.option(case.counterfactual.name)
    assert cf.counterfactual
    assert (cf.inc_pv_costs, cf.inc_pv_benefits, cf.inc_npsv) == (0.0, 0.0, 0.0)
    assert cf.inc_bcr is None
    assert cf.vfm_category is None
    for m in result.options:
        assert m.inc_npsv == pytest.approx(m.npsv - cf.npsv, abs=1e-9)


@SETTINGS
@given(case=cases())
def test_preferred_option_has_the_highest_npsv(case):
    result = evaluate(case)
    best = max(m.npsv for m in result.options)
    assert result.option(result.preferred_option).npsv == best


def _gap_after(result: AppraisalResult, sv) -> tuple[float, float]:
    """Apply a switching value by scaling its line(s) in the engine; return the gap it is
    meant to close, and the size of the PVs involved (for the tolerance)."""
    compiled = result.compiled
    option = compiled.option_names.index(sv.option)
    mask = np.array([
        compiled.line_option[i] == option
        and (line.name if sv.target == "line" else (line.category or line.kind)) == sv.subject
        for i, line in enumerate(compiled.case.lines)])
    assert mask.any(), sv
    scale = compiled.scale * np.where(mask, 1.0 + sv.change, 1.0)
    npsv = evaluate_arrays(compiled, scale=scale).npsv[0]
    names = compiled.option_names
    size = float(np.abs(result.pv_lines).sum()) * (1.0 + abs(sv.change)) + 1.0
    if m := re.fullmatch(r"NPSV against business as usual of '(.+)' becomes zero", sv.test):
        return npsv[names.index(m[1])] - npsv[compiled.counterfactual], size
    if m := re.fullmatch(r"'(.+)' is no longer preferred \(runner-up '(.+)'\)", sv.test):
        return npsv[names.index(m[1])] - npsv[names.index(m[2])], size
    if m := re.fullmatch(r"'(.+)' becomes preferred", sv.test):
        return npsv[names.index(m[1])] - npsv[names.index(result.preferred_option)], size
    raise AssertionError(f"unrecognised switching-value test: {sv.test!r}")


def _check_switching_values(result: AppraisalResult) -> int:
    checked = 0
    for sv in result.switching_values:
        if sv.change is None:
            assert sv.note, sv
            continue
        gap, size = _gap_after(result, sv)
        assert abs(gap) <= 1e-9 * size, (sv, gap)
        checked += 1
    return checked


@SETTINGS
@given(case=cases())
def test_every_switching_value_closes_its_gap(case):
    """Reliability plan P16: evaluated at the reported switching value, the incremental
    NPSV (or the preference gap) is zero."""
    result = evaluate(case)
    _check_switching_values(result)
    subjects = {(s.option, s.subject) for s in result.switching_values if s.target == "line"}
    assert subjects == {(ln.option, ln.name) for ln in case.lines}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_switching_value_of_the_examples_closes_its_gap(name):
    result = evaluate(load_case(example_path(name)))
    assert _check_switching_values(result) > 0


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_are_consistent(name):
    result = evaluate(load_case(example_path(name)))
    pack = result.compiled.pack
    for m in result.options:
        assert np.isfinite([m.pv_costs, m.pv_benefits, m.npsv, m.inc_npsv]).all()
        assert m.npsv == pytest.approx(m.pv_benefits - m.pv_costs)
        if not m.counterfactual:
            assert m.vfm_category == vfm_category(m.inc_bcr, pack)
    assert result.real_flows.shape == result.discounted_flows.shape
    np.testing.assert_allclose(result.discounted_flows.sum(axis=1), result.pv_lines,
                               rtol=1e-12)


def test_identical_draws_match_the_deterministic_evaluation(minimal_result):
    compiled = minimal_result.compiled
    out = evaluate_arrays(compiled, scale=np.ones((4, compiled.n_lines)))
    npsv = [m.npsv for m in minimal_result.options]
    np.testing.assert_allclose(out.npsv, [npsv] * 4, rtol=1e-12)
