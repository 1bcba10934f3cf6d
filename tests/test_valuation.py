"""Valuation of non-market impacts, the outcome chain and additionality (issue 3, parts 1 and 3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.valuation import (
    CHAIN_FACTORS,
    AdditionalityShares,
    additionality_factor,
    growth_factors,
    outcome_chain,
    persistence_filter,
)
from appraisal.lenses.pipeline import evaluate

BAU = {"name": "BAU", "counterfactual": True}


def _case(lines, *, base_year=2025, horizon=5, allow=(), **extra):
    return case_from_records(title="T", base_year=base_year, horizon_years=horizon,
                             options=[BAU, {"name": "A"}], lines=lines,
                             parameters={"allow_unconfirmed": list(allow)}, **extra)


def _benefit(**fields):
    return {"option": "A", "name": "b", "kind": "benefit", "source": "test", **fields}


# ---------------------------------------------------------------- known answers: values
def test_wellby_arithmetic_green_book_wellbeing_guidance():
    """HMT Wellbeing guidance (2021), as illustrated in the reference note (T8): 0.2 points
    of life satisfaction x £13,000 = £2,600 per person per year (2019 prices)."""
    case = _case([_benefit(values={2019: 0.2}, unit_value={"measure": "wellby"})],
                 base_year=2019, horizon=1, allow=["wellbeing_values"])
    result = evaluate(case)
    assert result.pv_lines[0] == pytest.approx(2600.0)
    assert case.lines[0].schedule == "health"  # health and wellbeing values default to it


def test_wellby_low_and_high_are_the_published_range():
    """Wellbeing guidance (2021) p.33 / Annex 2: £10,000 (low) to £16,000 (high), 2019."""
    rows = {}
    for variant in ("low", "central", "high"):
        case = _case([_benefit(values={2019: 1}, unit_value={"measure": "wellby",
                                                              "variant": variant})],
                     base_year=2019, horizon=1, allow=["wellbeing_values"])
        rows[variant] = evaluate(case).pv_lines[0]
    assert rows == {"low": 10_000.0, "central": 13_000.0, "high": 16_000.0}


def test_wellby_rebased_with_the_financial_year_deflator():
    """HMT GDP deflators (ONS L8GG), reference note section 6: 2019-20 -> 2024-25 ratio
    100 / 80.8738 = 1.236494, so £13,000 (2019) is £16,074 in 2024-25 prices."""
    case = _case([_benefit(values={2024: 1}, unit_value={"measure": "wellby"})],
                 base_year=2024, horizon=1, allow=["wellbeing_values", "gdp_deflator"],
                 prices={"deflator_basis": "financial"})
    assert evaluate(case).pv_lines[0] == pytest.approx(13_000 * 100 / 80.8738)
    assert round(evaluate(case).pv_lines[0]) == 16_074


def test_carbon_value_by_year_desnz_2023_table_3():
    """DESNZ (Nov 2023) data tables, Table 3, 2022 prices: 2030 central £294.50/tCO2e,
    low exactly half and high 1.5 times the central value."""
    lines = [_benefit(values={2030: 10}, unit_value={"measure": "carbon", "variant": v},
                      name=v) for v in ("low", "central", "high")]
    case = _case(lines, base_year=2030, horizon=1, price_year=2022,
                 allow=["carbon_values", "gdp_deflator"])
    pv = evaluate(case).pv_lines
    assert pv.tolist() == pytest.approx([1472.5, 2945.0, 4417.5])


def test_carbon_between_published_years_is_interpolated_log_linearly():
    """DESNZ (Nov 2023) Table 3 central: 2025 £273.06, 2030 £294.50 (2022 prices)."""
    case = _case([_benefit(values={2027: 1}, unit_value={"measure": "carbon"})],
                 base_year=2027, horizon=1, price_year=2022,
                 allow=["carbon_values", "gdp_deflator"])
    expected = 273.06 * (294.50 / 273.06) ** (2 / 5)
    assert evaluate(case).pv_lines[0] == pytest.approx(expected)


def test_carbon_outside_the_shipped_years_is_a_located_error():
    case = _case([_benefit(values={2051: 1}, unit_value={"measure": "carbon"})],
                 base_year=2051, horizon=1, price_year=2022,
                 allow=["carbon_values", "gdp_deflator"])
    with pytest.raises(AppraisalValidationError) as err:
        compile_case(case)
    assert "2020..2050" in str(err.value)
    assert "lines[0]" in str(err.value)


def test_qaly_value_is_opt_in_and_valued_when_allowed():
    """Green Book 2022 WTP for a QALY, £70,000 (secondary sources; price year unconfirmed)."""
    line = _benefit(values={2022: 2}, unit_value={"measure": "qaly"})
    with pytest.raises(AppraisalValidationError) as err:
        compile_case(_case([line], base_year=2022, horizon=1))
    assert "unconfirmed-parameter" in str(err.value)
    assert "allow_unconfirmed: [qaly_values]" in str(err.value)
    case = _case([line], base_year=2022, horizon=1, allow=["qaly_values"])
    assert evaluate(case).pv_lines[0] == pytest.approx(140_000.0)


def test_vpf_tag_a411_rebased_from_2010_prices():
    """DfT TAG data book Table A4.1.1: VPF £1,632,892 in 2010 prices and values; with a
    deflator of 80 (2010) and 100 (2025) it is £2,041,115 in 2025 prices."""
    case = _case([_benefit(values={2025: 1}, unit_value={"measure": "vpf"})], horizon=1,
                 allow=["gdp_deflator"], prices={"deflator": {2010: 80.0, 2025: 100.0},
                                                 "source": "test index"})
    assert evaluate(case).pv_lines[0] == pytest.approx(1_632_892 * 100 / 80)


def test_explicit_value_with_real_growth_and_rebasing():
    line = _benefit(values={2025: 1, 2027: 1},
                    unit_value={"value": 100.0, "unit": "visit", "price_year": 2025,
                                "source": "s", "real_growth": {"rate": 0.02, "source": "g"}})
    compiled = compile_case(_case([line], horizon=3))
    assert compiled.real[0].tolist() == pytest.approx([100.0, 0.0, 100.0 * 1.02 ** 2])


def test_growth_factors_known_answer():
    assert growth_factors([2019, 2021], 2019, 0.02).tolist() == pytest.approx([1.0, 1.0404])


# -------------------------------------------------------------- known answers: the chain
def test_outcome_chain_by_hand_through_the_engine():
    """Cohort 100 in year 0; 0.8 x 0.5 x 2 x (1-0.25)(1-0.1)(1-0.2) x (1-0.5) = 0.216 net per
    person; lag 1, persistence 3, drop-off 50%: 21.6, 10.8, 5.4 in years 1-3; valued at £10
    (case prices) and discounted at 3.5%."""
    line = _benefit(values={2025: 100}, unit_value={"value": 10.0, "price_year": 2025,
                                                     "source": "s"},
                    outcome={"engagement": 0.8, "success": 0.5, "quantity_per_outcome": 2,
                             "deadweight": 0.25, "displacement": 0.1, "leakage": 0.2,
                             "attribution_to_others": 0.5, "lag": 1, "persistence": 3,
                             "drop_off": 0.5, "source": "s"})
    result = evaluate(_case([line], horizon=5))
    assert result.real_flows[0].tolist() == pytest.approx([0, 216.0, 108.0, 54.0, 0])
    expected = sum(v / 1.035 ** t for t, v in ((1, 216.0), (2, 108.0), (3, 54.0)))
    assert result.pv_lines[0] == pytest.approx(expected)
    assert result.compiled.additionality[0] == pytest.approx(0.216)


def test_outcome_chain_wrapper_known_answer():
    out = outcome_chain([100.0, 100.0, 0.0], engagement=0.8, success=0.5, deadweight=0.25,
                        attribution_to_others=0.5, persistence=2, drop_off=0.5)
    assert out.tolist() == pytest.approx([15.0, 22.5, 7.5])


def test_outcome_chain_carries_a_draws_axis():
    deadweight = np.array([0.0, 0.5])  # two draws
    out = outcome_chain(np.array([10.0, 0.0]), deadweight=deadweight)
    assert out.tolist() == [[10.0, 0.0], [5.0, 0.0]]


@settings(max_examples=60, deadline=None)
@given(q=st.lists(st.floats(0, 1e4), min_size=1, max_size=12), lag=st.integers(0, 4),
       n=st.integers(1, 6), drop=st.floats(0, 1))
def test_persistence_recursion_equals_the_direct_sum(q, lag, n, drop):
    arr = np.array(q)
    T = arr.size
    direct = np.zeros(T)
    for t in range(T):
        for k in range(n):
            s = t - lag - k
            if s >= 0:
                direct[t] += (1 - drop) ** k * arr[s]
    assert persistence_filter(arr, lag, drop, n) == pytest.approx(direct, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------ properties: additionality
fraction = st.floats(0.0, 1.0)


@settings(max_examples=80, deadline=None)
@given(values=st.fixed_dictionaries({k: fraction for k in CHAIN_FACTORS[:-1]}),
       factor=st.sampled_from(CHAIN_FACTORS[:-1]), a=fraction, b=fraction)
def test_additionality_is_monotone_in_each_factor(values, factor, a, b):
    lo, hi = sorted((a, b))
    low = float(additionality_factor(**{**values, factor: lo}))
    high = float(additionality_factor(**{**values, factor: hi}))
    if factor in ("engagement", "success"):
        assert high >= low
    else:  # deadweight, displacement, leakage and attribution to others reduce it
        assert high <= low


@settings(max_examples=40, deadline=None)
@given(values=st.fixed_dictionaries({k: fraction for k in CHAIN_FACTORS[:-2]}))
def test_additionality_is_zero_when_all_is_attributed_to_others(values):
    assert float(additionality_factor(**values, attribution_to_others=1.0)) == 0.0
    line = _benefit(values={2025: 100}, unit_value={"value": 5.0, "price_year": 2025,
                                                     "source": "s"},
                    outcome={**values, "attribution_to_others": 1.0, "source": "s"})
    assert evaluate(_case([line], horizon=2)).pv_lines[0] == 0.0


# ------------------------------------------------------------- the draws axis in the engine
def _chain_case(drop_off=0.3, deadweight=0.2):
    line = _benefit(profile={"type": "constant", "start": 2025, "end": 2030, "amount": 50},
                    unit_value={"value": 20.0, "price_year": 2025, "source": "s"},
                    outcome={"success": 0.5, "deadweight": deadweight,
                             "attribution_to_others": 0.2,
                             "lag": 1, "persistence": 4, "drop_off": drop_off, "source": "s"})
    cost = {"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}}
    return _case([cost, line], horizon=10)


def test_per_draw_drop_off_matches_compiling_each_value():
    compiled = compile_case(_chain_case(0.3))
    drops = np.array([[0.0, 0.1], [0.0, 0.6], [0.0, 0.3]])
    out = evaluate_arrays(compiled, drop_off=drops)
    for k, d in enumerate((0.1, 0.6, 0.3)):
        one = evaluate_arrays(compile_case(_chain_case(d)))
        assert out.npsv[k] == pytest.approx(one.npsv[0], rel=1e-12)


def test_per_draw_additionality_matches_compiling_each_value():
    compiled = compile_case(_chain_case(deadweight=0.2))
    adds = [float(additionality_factor(success=0.5, deadweight=d, attribution_to_others=0.2))
            for d in (0.1, 0.4)]
    out = evaluate_arrays(compiled, additionality=[[1.0, adds[0]], [1.0, adds[1]]])
    for k, d in enumerate((0.1, 0.4)):
        one = evaluate_arrays(compile_case(_chain_case(deadweight=d)))
        assert out.npsv[k] == pytest.approx(one.npsv[0], rel=1e-12)


def test_drop_off_draws_outside_zero_one_are_rejected():
    compiled = compile_case(_chain_case())
    with pytest.raises(AppraisalValidationError, match="'drop_off' draws must be fractions"):
        evaluate_arrays(compiled, drop_off=[[0.0, 1.5]])


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("factor", ["engagement", "deadweight", "attribution_to_others",
                                    "drop_off"])
def test_factor_outside_zero_one_is_located_in_the_yaml(tmp_path, factor):
    text = f"""schema_version: 1
title: T
base_year: 2025
horizon_years: 3
options:
  - name: BAU
    counterfactual: true
  - name: A
lines:
  - option: A
    name: b
    kind: benefit
    values: {{2025: 10}}
    outcome:
      persistence: 2
      {factor}: 25
"""
    path = tmp_path / "case.yaml"
    path.write_text(text)
    from appraisal.inputs.load import load_case

    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    issue = err.value.issues[0]
    assert issue.location == "case.yaml:16:7"
    assert issue.field == f"lines[0].outcome.{factor}"
    assert "between 0.0 and 1.0" in issue.message
    assert "(got 25.0)" in issue.message
    assert "0.25 for 25%" in issue.fix


@pytest.mark.parametrize(("unit_value", "text"), [
    ({"measure": "wellbeing"}, "must be one of wellby, qaly, vpf, carbon"),
    ({"measure": "wellby", "variant": "middle"}, "'variant' must be one of low, central"),
    ({"value": 10.0, "source": "s"}, "needs its 'price_year'"),
    ({"measure": "wellby", "value": 3.0}, "exactly one of 'measure'"),
    ({"value": 10.0, "price_year": 2025, "real_growth": {"rate": 0.02}}, "give its 'source'"),
])
def test_bad_unit_values_are_rejected_with_a_reason(unit_value, text):
    with pytest.raises(AppraisalValidationError) as err:
        _case([_benefit(values={2025: 1}, unit_value=unit_value)])
    assert text in str(err.value)
    assert all(i.field.startswith("lines[0].unit_value") for i in err.value.issues)


def test_nominal_line_cannot_carry_a_unit_value():
    with pytest.raises(AppraisalValidationError, match="nominal-unit-value"):
        _case([_benefit(values={2025: 1}, price_basis="nominal",
                        unit_value={"value": 1.0, "price_year": 2025, "source": "s"})])


def test_persistence_longer_than_the_horizon_is_rejected():
    with pytest.raises(AppraisalValidationError, match="longer than the appraisal period"):
        _case([_benefit(values={2025: 1}, outcome={"persistence": 9})], horizon=3)


def test_outcome_chain_wrapper_names_every_bad_argument():
    with pytest.raises(AppraisalValidationError) as err:
        outcome_chain([1.0], engagement=1.2, leakage=-0.1, persistence=0)
    fields = {i.field for i in err.value.issues}
    assert fields == {"engagement", "leakage", "persistence"}
    assert "between 0 and 1 (got 1.2)" in str(err.value)


def test_additionality_shares_are_the_kernels_keywords():
    shares = {"deadweight": np.array([0.1, 0.5]), "displacement": 0.2, "leakage": 0.25,
              "attribution_to_others": 0.4}
    kept = (1 - shares["deadweight"]) * 0.8 * 0.75 * 0.6
    np.testing.assert_allclose(AdditionalityShares(**shares).net_of(3.0), 3.0 * kept)
    np.testing.assert_allclose(additionality_factor(0.5, quantity_per_outcome=2.0, **shares),
                               0.5 * 2.0 * kept)
    with pytest.raises(TypeError, match="substitution"):
        additionality_factor(substitution=0.1)
    with pytest.raises(TypeError, match=r"outcome_chain\(\) got an unexpected .*'substitution'"):
        outcome_chain([1.0], substitution=0.1)
