"""The vectorised engine: compile once, evaluate any number of draws, in chunks.

Properties: D identical draws give D copies of the deterministic result; chunking never
changes a result; a per-draw delay equals building the case with that delay; PV is
linear in the amounts; every per-line input broadcasts over the draws axis.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.case.model import Case
from appraisal.engine.compile import CompiledCase, compile_case, evaluate_arrays, yearly_flows
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.discounting import factors_from_rates
from appraisal.inputs.load import example_path, load_case

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw, max_lines: int = 6) -> Case:
    """Small random cases: 2-4 options (one counterfactual), 1-6 lines, 1-12 years."""
    horizon = draw(st.integers(1, 12))
    years = list(range(2025, 2025 + horizon))
    n_options = draw(st.integers(2, 4))
    cf = draw(st.integers(0, n_options - 1))
    options = [{"name": f"o{k}", "counterfactual": k == cf} for k in range(n_options)]
    lines = []
    for i in range(draw(st.integers(1, max_lines))):
        amounts = draw(st.dictionaries(st.sampled_from(years), st.floats(0, 1e6),
                                       min_size=1, max_size=horizon))
        lines.append({
            "option": f"o{draw(st.integers(0, n_options - 1))}",
            "name": f"l{i}",
            "kind": draw(st.sampled_from(["cost", "benefit"])),
            "schedule": draw(st.sampled_from(["standard", "health", "reduced"])),
            "category": draw(st.sampled_from(["capital", "operating", ""])),
            "values": amounts,
        })
    return case_from_records(title="random", base_year=2025, horizon_years=horizon,
                             options=options, lines=lines)


@pytest.fixture(scope="module")
def capital() -> CompiledCase:
    return compile_case(load_case(example_path("capital")))


def _tile(row: np.ndarray, draws: int) -> np.ndarray:
    return np.tile(row, (draws, 1))


# --------------------------------------------------------------------------- draws axis


@SETTINGS
@given(case=cases(), draws=st.integers(1, 7))
def test_identical_draws_give_copies_of_the_deterministic_result(case, draws):
    compiled = compile_case(case)
    one = evaluate_arrays(compiled)
    many = evaluate_arrays(compiled, scale=_tile(compiled.scale, draws),
                           ob_uplift=_tile(compiled.ob_uplift, draws),
                           rate_shift=np.zeros(draws))
    assert many.pv_lines.shape == (draws, compiled.n_lines)
    assert many.npsv.shape == (draws, len(compiled.option_names))
    for name in ("pv_lines", "pv_costs", "pv_benefits", "npsv"):
        got, want = getattr(many, name), getattr(one, name)
        np.testing.assert_allclose(got, np.repeat(want, draws, axis=0), rtol=1e-12, atol=1e-9)


@SETTINGS
@given(case=cases(), draws=st.integers(1, 5))
def test_identical_per_draw_delays_give_copies_of_the_deterministic_result(case, draws):
    compiled = compile_case(case)
    one = evaluate_arrays(compiled)
    many = evaluate_arrays(compiled, delay=_tile(compiled.delay, draws))
    np.testing.assert_allclose(many.pv_lines, np.repeat(one.pv_lines, draws, axis=0),
                               rtol=1e-12, atol=1e-9)


@SETTINGS
@given(case=cases(), data=st.data())
def test_chunk_size_does_not_change_results(case, data):
    compiled = compile_case(case)
    draws = data.draw(st.integers(1, 40))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    scale = rng.uniform(0.5, 1.5, (draws, compiled.n_lines))
    shift = rng.uniform(-0.01, 0.01, draws)
    delay = rng.integers(0, 3, (draws, compiled.n_lines))
    chunk = data.draw(st.integers(1, draws + 3))
    for kwargs in ({"scale": scale, "rate_shift": shift}, {"scale": scale, "delay": delay}):
        whole = evaluate_arrays(compiled, **kwargs, chunk_size=draws + 10)
        chunked = evaluate_arrays(compiled, **kwargs, chunk_size=chunk)
        np.testing.assert_allclose(chunked.pv_lines, whole.pv_lines, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_a_chunk_size_below_one_is_refused(capital, bad):
    with pytest.raises(AppraisalValidationError, match=r"chunk_size") as info:
        evaluate_arrays(capital, scale=np.ones((3, capital.n_lines)), chunk_size=bad)
    assert [i.field for i in info.value.issues] == ["chunk_size"]
    assert info.value.issues[0].fix


@SETTINGS
@given(case=cases(max_lines=4), data=st.data())
def test_delay_per_draw_equals_building_the_case_with_that_delay(case, data):
    compiled = compile_case(case)
    draws = data.draw(st.integers(1, 4))
    delays = np.array(data.draw(st.lists(
        st.lists(st.integers(0, 4), min_size=compiled.n_lines, max_size=compiled.n_lines),
        min_size=draws, max_size=draws)))
    out = evaluate_arrays(compiled, delay=delays)
    for d in range(draws):
        delayed = replace(case, lines=tuple(replace(ln, delay=int(k))
                                            for ln, k in zip(case.lines, delays[d], strict=True)))
        expected = evaluate_arrays(compile_case(delayed))
        np.testing.assert_allclose(out.pv_lines[d], expected.pv_lines[0], rtol=1e-12,
                                   atol=1e-9)


@pytest.mark.parametrize("bad", [-1, 0.7, np.nan])
def test_negative_or_fractional_delays_are_refused(capital, bad):
    delay = np.zeros((2, capital.n_lines))
    delay[1, -1] = bad
    with pytest.raises(AppraisalValidationError, match="delay") as info:
        evaluate_arrays(capital, delay=delay)
    assert [i.field for i in info.value.issues] == ["delay"]
    assert info.value.issues[0].fix


def test_whole_delays_given_as_floats_are_accepted(capital):
    as_int = evaluate_arrays(capital, delay=np.ones((1, capital.n_lines), dtype=int))
    as_float = evaluate_arrays(capital, delay=np.ones((1, capital.n_lines)))
    np.testing.assert_array_equal(as_float.pv_lines, as_int.pv_lines)


def test_delay_by_hand():
    """100 in 2025 delayed two years is discounted as 100 in 2027: 100 / 1.035^2 = 93.3511;
    amounts pushed past the horizon are dropped."""
    case = case_from_records(title="T", base_year=2025, horizon_years=3,
                             options=[{"name": "BAU", "counterfactual": True}],
                             lines=[{"option": "BAU", "name": "c", "kind": "cost",
                                     "values": {2025: 100, 2027: 50}}])
    out = evaluate_arrays(compile_case(case), delay=[[0], [2], [3]])
    np.testing.assert_allclose(out.pv_lines[:, 0],
                               [100 + 50 / 1.035**2, 100 / 1.035**2, 0.0], rtol=1e-12)


# --------------------------------------------------------------------------- linearity


@SETTINGS
@given(horizon=st.integers(1, 15), data=st.data())
def test_pv_is_linear_in_amounts(horizon, data):
    years = list(range(2025, 2025 + horizon))
    amounts = st.lists(st.floats(0, 1e6), min_size=horizon, max_size=horizon)
    x, y = data.draw(amounts), data.draw(amounts)
    a, b = data.draw(st.floats(0, 100)), data.draw(st.floats(0, 100))
    schedule = data.draw(st.sampled_from(["standard", "health", "reduced"]))

    def pv(values):
        case = case_from_records(
            title="T", base_year=2025, horizon_years=horizon,
            options=[{"name": "BAU", "counterfactual": True}],
            lines=[{"option": "BAU", "name": "c", "kind": "cost", "schedule": schedule,
                    "values": dict(zip(years, values, strict=True))}])
        return float(evaluate_arrays(compile_case(case)).pv_lines[0, 0])

    combined = pv([a * u + b * v for u, v in zip(x, y, strict=True)])
    assert combined == pytest.approx(a * pv(x) + b * pv(y), rel=1e-9, abs=1e-6)


@SETTINGS
@given(case=cases())
def test_option_totals_are_sums_of_their_lines(case):
    compiled = compile_case(case)
    out = evaluate_arrays(compiled)
    for o in range(len(compiled.option_names)):
        mine = compiled.line_option == o
        assert out.pv_costs[0, o] == pytest.approx(out.pv_lines[0, mine & compiled.is_cost].sum(),
                                                   rel=1e-12, abs=1e-9)
        assert out.pv_benefits[0, o] == pytest.approx(
            out.pv_lines[0, mine & ~compiled.is_cost].sum(), rel=1e-12, abs=1e-9)


def test_multipliers_scale_line_present_values(capital):
    base = evaluate_arrays(capital).pv_lines[0]
    L = capital.n_lines
    factors = np.linspace(0.5, 2.0, L)
    np.testing.assert_allclose(evaluate_arrays(capital, value_multiplier=factors).pv_lines[0],
                               base * factors, rtol=1e-12)
    np.testing.assert_allclose(evaluate_arrays(capital, scale=factors).pv_lines[0],
                               base * factors, rtol=1e-12)
    no_ob = evaluate_arrays(capital, ob_uplift=np.zeros(L)).pv_lines[0]
    np.testing.assert_allclose(no_ob * (1 + capital.ob_uplift), base, rtol=1e-12)


def test_rate_shift_equals_discounting_at_shifted_rates(capital):
    """A shift of +1 point on every one-year rate, per draw, matches the kernel applied to
    the shifted rate vectors."""
    shifts = np.array([0.0, 0.01, -0.005])
    out = evaluate_arrays(capital, rate_shift=shifts)
    real, _ = yearly_flows(capital)
    for d, s in enumerate(shifts):
        df = factors_from_rates(capital.rates + s)
        expected = (real * df[capital.line_schedule]).sum(axis=1)
        np.testing.assert_allclose(out.pv_lines[d], expected, rtol=1e-12)


def test_rate_shift_per_schedule(capital):
    S = len(capital.schedule_names)
    assert S == 2
    shift = np.array([[0.01, 0.0]])  # shift only the first schedule
    out = evaluate_arrays(capital, rate_shift=shift).pv_lines[0]
    base = evaluate_arrays(capital).pv_lines[0]
    first = capital.line_schedule == 0
    assert np.all(out[first] < base[first])
    np.testing.assert_array_equal(out[~first], base[~first])


def test_yearly_flows_discount_to_the_line_present_values(capital):
    real, discounted = yearly_flows(capital)
    assert real.shape == discounted.shape == (capital.n_lines, capital.n_years)
    np.testing.assert_allclose(discounted.sum(axis=1), evaluate_arrays(capital).pv_lines[0],
                               rtol=1e-12)


# --------------------------------------------------------------------------- compile


def test_compiled_arrays_are_read_only(capital):
    for name in ("years", "amounts", "real", "rates", "ob_uplift", "scale", "delay",
                 "line_option", "is_cost", "price_factors"):
        with pytest.raises(ValueError, match=r"read-only"):
            getattr(capital, name)[...] = 0


def test_nominal_amounts_are_converted_with_the_deflator():
    """HMT GDP deflator (calendar, 2024 = 100; R package greenbook, Dec 2025 QNA):
    D_2022 = 90.5005, D_2023 = 96.2507. Nominal 100 a year in 2022-2024, in 2024 prices:
    100 x 100 / 90.5005 = 110.4966, 100 x 100 / 96.2507 = 103.8953, and 100."""
    case = case_from_records(
        title="T", base_year=2022, horizon_years=3, price_year=2024,
        parameters={"allow_unconfirmed": ["gdp_deflator"]},
        options=[{"name": "BAU", "counterfactual": True}],
        lines=[{"option": "BAU", "name": "c", "kind": "cost", "price_basis": "nominal",
                "values": {2022: 100, 2023: 100, 2024: 100}}])
    compiled = compile_case(case)
    np.testing.assert_allclose(compiled.real[0], [1e4 / 90.5005, 1e4 / 96.2507, 100.0],
                               rtol=1e-12)


def test_unconfirmed_deflator_without_opt_in_fails_at_compile_time():
    case = case_from_records(
        title="T", base_year=2024, horizon_years=2,
        options=[{"name": "BAU", "counterfactual": True}],
        lines=[{"option": "BAU", "name": "c", "kind": "cost", "price_year": 2020,
                "values": {2024: 100}}])
    with pytest.raises(AppraisalValidationError) as info:
        compile_case(case)
    assert "deflator" in {i.code for i in info.value.issues}
    assert "allow_unconfirmed" in str(info.value)


def test_schedule_map_switches_to_the_reduced_schedule(capital):
    alt = compile_case(capital.case, schedule_map={"standard": "reduced"})
    assert set(alt.schedule_names) == {"reduced", "health"}
    np.testing.assert_array_equal(alt.rates[alt.schedule_names.index("reduced"), :30], 0.03)
    np.testing.assert_array_equal(
        alt.rates[alt.schedule_names.index("health")],
        capital.rates[capital.schedule_names.index("health")])


def test_a_delay_past_the_horizon_is_a_warning():
    case = case_from_records(title="T", base_year=2025, horizon_years=3,
                             options=[{"name": "BAU", "counterfactual": True}],
                             lines=[{"option": "BAU", "name": "c", "kind": "cost", "delay": 2,
                                     "values": {2026: 100}}])
    compiled = compile_case(case)
    assert [w.code for w in compiled.warnings] == ["delay-past-horizon"]


# --------------------------------------------------------------------------- bad input


def test_inputs_that_disagree_on_the_number_of_draws_are_refused(capital):
    L = capital.n_lines
    with pytest.raises(ValueError, match=r"disagree on the number of draws"):
        evaluate_arrays(capital, scale=np.ones((3, L)), ob_uplift=np.zeros((4, L)))


def test_per_line_inputs_of_the_wrong_width_are_refused(capital):
    with pytest.raises(ValueError, match=f"'scale' must have shape \\(draws, {capital.n_lines}"):
        evaluate_arrays(capital, scale=np.ones((2, capital.n_lines + 1)))
