"""The cost-effectiveness acceptability curve (CEAC) and frontier (CEAF) from the Monte Carlo
draws: a case with both ``cost_effectiveness:`` and ``uncertainty:`` sections (the falls
example) gets ``uncertainty.acceptability.cost_effectiveness``; the per-draw costs and
effects follow the deterministic lens's rules; the curves are probabilities summing to one
across options at every threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from appraisal import evaluate, example_path, load_case
from appraisal.engine.compile import compile_case
from appraisal.greenbook.cea import ceac
from appraisal.lenses.cost_effectiveness import ce_acceptability, ce_draws, resolve_thresholds
from appraisal.lenses.uncertainty.lens import analyse_uncertainty

THRESHOLDS = [{"threshold": 20000.0, "name": "NICE lower"},
              {"threshold": 30000.0, "name": "NICE upper"}]


@pytest.fixture(scope="module")
def falls_case():
    return load_case(example_path("falls"))


@pytest.fixture(scope="module")
def falls_unc(falls_case):
    return analyse_uncertainty(falls_case, draws=2000, keep_draws=True)


def _assert_probabilities(block: dict, names: list[str]) -> None:
    curves = block["ceac"]
    p = np.array([curves["probability_best"][n] for n in names])  # (O, K)
    assert p.shape == (len(names), len(curves["thresholds"]))
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=0, atol=1e-12)
    for row in block["at_thresholds"]:
        assert sum(row["probability_best"].values()) == pytest.approx(1.0, abs=1e-12)
        assert 0 <= row["frontier_probability"] <= 1


# ------------------------------------------------------------------ property
@given(st.integers(2, 4), st.integers(1, 50), st.data())
@settings(max_examples=80, deadline=None)
def test_ceac_from_draws_sums_to_one_at_every_threshold(n_options, n_draws, data):
    """For any draws (ties included: costs and effects on a coarse grid), the probabilities
    that each option is the most cost-effective are in [0, 1] and sum to one across the
    options at each threshold, on the grid and at the case's thresholds; the frontier
    probability is the curve of the option it names."""
    shape = (n_draws, n_options)
    costs = data.draw(arrays(np.float64, shape, elements=st.integers(-5, 5).map(
        lambda x: 1000.0 * x)))
    effects = data.draw(arrays(np.float64, shape, elements=st.integers(-3, 3).map(
        lambda x: 0.05 * x)))
    names = [f"o{k}" for k in range(n_options)]
    cf = data.draw(st.integers(0, n_options - 1))
    out = ce_acceptability(costs, effects, THRESHOLDS, names, cf)
    _assert_probabilities(out, names)
    curves = out["ceac"]
    for k, (opt, prob) in enumerate(zip(curves["frontier_option"],
                                        curves["frontier_probability"], strict=True)):
        assert prob == curves["probability_best"][opt][k]


def test_grid_includes_the_case_thresholds_and_matches_ceac():
    """The reported figures at each case threshold are appraisal.greenbook.cea.ceac's at
    that threshold, and P(cost-effective) is the share of draws with INB > 0."""
    rng = np.random.default_rng(7)
    costs = np.column_stack([np.zeros(300), rng.normal(1e5, 3e4, 300),
                             rng.normal(2e5, 5e4, 300)])
    effects = np.column_stack([np.zeros(300), rng.normal(5, 2, 300), rng.normal(8, 3, 300)])
    names = ["BAU", "A", "B"]
    out = ce_acceptability(costs, effects, THRESHOLDS, names, 0)
    assert {20000.0, 30000.0} <= set(out["ceac"]["thresholds"])
    assert max(out["ceac"]["thresholds"]) == 60000.0
    direct = ceac(costs, effects, [20000.0, 30000.0], names)
    for k, row in enumerate(out["at_thresholds"]):
        for o, n in enumerate(names):
            assert row["probability_best"][n] == direct.probability[k, o]
        inb = effects * row["threshold"] - costs
        assert row["p_cost_effective"]["A"] == float((inb[:, 1] > 0).mean())
        assert row["frontier_option"] == names[int(direct.best[k])]


# ------------------------------------------------------------------ per-draw costs, effects
def test_ce_draws_at_case_values_equal_the_deterministic_lens(falls_case):
    compiled = compile_case(falls_case)
    costs, effects = ce_draws(compiled, falls_case.sections["cost_effectiveness"])
    d = evaluate(falls_case).lenses["cost_effectiveness"].to_dict()
    np.testing.assert_allclose(costs[0], [o["cost"] for o in d["options"]], rtol=1e-12)
    np.testing.assert_allclose(effects[0], [o["effect"] for o in d["options"]], rtol=1e-12)


def test_ce_draws_follow_scale_value_and_delay(falls_case):
    """Scale moves cost and effect; a QALY value multiplier moves neither (the offsets are
    not QALY lines); a one-year delay of every line loses the last year of QALYs and
    discounts the rest one more year at the health rate (1.5%)."""
    compiled = compile_case(falls_case)
    spec = falls_case.sections["cost_effectiveness"]
    c0, e0 = ce_draws(compiled, spec)
    L = compiled.n_lines
    c2, e2 = ce_draws(compiled, spec, {"scale": np.vstack([compiled.scale,
                                                            2 * compiled.scale])})
    np.testing.assert_allclose(c2, np.vstack([c0[0], 2 * c0[0]]), rtol=1e-12)
    np.testing.assert_allclose(e2, np.vstack([e0[0], 2 * e0[0]]), rtol=1e-12)
    health = np.array([ln.category == "health" for ln in falls_case.lines], dtype=float)
    cv, ev = ce_draws(compiled, spec, {"value_multiplier": [1 + health]})
    np.testing.assert_allclose(cv, c0, rtol=1e-12)
    np.testing.assert_allclose(ev, e0, rtol=1e-12)
    _, ed = ce_draws(compiled, spec, {"delay": np.ones((1, L))})
    names = compiled.option_names
    classes = names.index("Strength and balance classes")
    assert ed[0, classes] == pytest.approx(8 * sum(1.015 ** -t for t in range(1, 10)),
                                           rel=1e-9)


# ------------------------------------------------------------------ the falls example
def test_falls_uncertainty_has_the_ceac(falls_unc, falls_case):
    block = falls_unc.to_dict()["acceptability"]["cost_effectiveness"]
    names = list(falls_unc.option_names)
    assert block["n_draws"] == 2000
    assert block["effect_unit"] == "QALY"
    _assert_probabilities(block, names)
    assert [r["threshold"] for r in block["at_thresholds"]] == [
        t["threshold"] for t in resolve_thresholds(compile_case(falls_case),
                                                   falls_case.sections["cost_effectiveness"])]
    json.dumps(block, allow_nan=False)  # JSON-safe as written to results.json


def test_falls_ceac_is_recomputed_from_the_same_draws(falls_unc, falls_case):
    """The block equals ce_acceptability of ce_draws evaluated on the Monte Carlo's own
    input draws (kept on the result), and those per-draw costs and effects agree with the
    uncertainty model's own line PVs: cost = PV costs - PV of the savings lines; the PV of
    the QALY lines = effect x QALY value x the draw's value multiplier (one £ per QALY
    figure across draws and options, the value path being flat in real terms)."""
    from appraisal.lenses.uncertainty.case_model import CaseModel

    model = CaseModel(falls_case)
    mc = falls_unc.draws
    kwargs, _ = model.engine_kwargs(mc.inputs)
    spec = falls_case.sections["cost_effectiveness"]
    costs, effects = ce_draws(model.compiled, spec, kwargs)
    again = ce_acceptability(costs, effects, resolve_thresholds(model.compiled, spec),
                             model.option_names, model.counterfactual)
    block = falls_unc.to_dict()["acceptability"]["cost_effectiveness"]
    assert again["at_thresholds"] == block["at_thresholds"]
    out = model(mc.inputs)
    onehot = model.compiled.option_matrix
    lines = falls_case.lines
    saving = np.array([ln.category == "health care saving" for ln in lines], dtype=float)
    health = np.array([ln.category == "health" for ln in lines], dtype=float)
    np.testing.assert_allclose(costs, out["pv_costs"] - (out["signed_pv_lines"] * saving)
                               @ onehot, rtol=1e-12)
    qaly_money = (out["signed_pv_lines"] * health) @ onehot
    vm = model.values("QALY value", mc.inputs["QALY value"])
    cf = model.counterfactual
    keep = [o for o in range(len(model.option_names)) if o != cf]  # usual care: 0 / 0
    per_qaly = qaly_money[:, keep] / (effects[:, keep] * vm[:, None])
    np.testing.assert_allclose(per_qaly, per_qaly[0, 0], rtol=1e-9)
    assert 60000 < per_qaly[0, 0] < 100000   # the Green Book QALY value, in 2025 prices


def test_no_ceac_without_a_cost_effectiveness_section():
    res = analyse_uncertainty(load_case(example_path("prevention")), draws=64)
    assert "cost_effectiveness" not in res.to_dict()["acceptability"]
