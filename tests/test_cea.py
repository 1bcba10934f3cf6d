"""Cost-effectiveness kernels (appraisal.greenbook.cea): a published ICER worked example, the
dominance rules, INB, CEAC/CEAF properties and located errors."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.cea import ceac, frontier, icer, inb, shipped_thresholds


def test_herc_worked_example():
    """US Department of Veterans Affairs, Health Economics Resource Center (HERC),
    "Cost-effectiveness analysis" guidance page, worked example of six strategies
    (UC 5,000/1; A 12,000/1.5; B 10,000/2; C 25,000/3; D 35,000/4; E 55,000/5 QALYs):
    A is dominated, C extendedly dominated, ICERs on the frontier B 5,000, D 12,500,
    E 20,000. The HERC page itself could not be retrieved here; the inputs and expected
    table are as transcribed (with the HERC address) in DARTH-git/dampack
    tests/testthat/test_calculate_icers.R at commit 729d4a898e03110ae7cde3e17e8408e1c66ad80a."""
    f = frontier([55000, 35000, 25000, 10000, 12000, 5000], [5, 4, 3, 2, 1.5, 1],
                 ["E", "D", "C", "B", "A", "UC"])
    table = f.to_frame()
    assert table["option"].tolist() == ["UC", "B", "D", "E", "C", "A"]
    assert table["status"].tolist() == ["frontier"] * 4 + ["extendedly dominated",
                                                          "dominated"]
    assert [r["inc_cost"] for r in f.rows] == [None, 5000, 25000, 20000, None, None]
    assert [r["inc_effect"] for r in f.rows] == [None, 1, 2, 1, None, None]
    assert [r["icer"] for r in f.rows] == [None, 5000, 12500, 20000, None, None]
    assert f.rows[-1]["dominated_by"] in {"UC", "B"}
    assert f.rows[-2]["dominated_by"] == "B and D"


def test_dampack_equal_effect_reference():
    """dampack test "default reference strategy" (same file and commit): with two options
    equally effective, the cheaper one is the reference and the dearer one dominated."""
    f = frontier([163771.0, 164848.7, 163765.1], [6.48273, 6.52861, 6.52861],
                 ["No Treat", "Treat all", "Test & treat"])
    assert f.on_frontier == ["Test & treat"]
    assert f.status("Treat all") == f.status("No Treat") == "dominated"


def test_icer_quadrants_and_dominated_is_reported_as_dominated():
    assert icer(5000, 0.5).value == pytest.approx(10000)
    assert icer(5000, 0.5).status == "more costly, more effective"
    sw = icer(-5000, -0.5)
    assert (sw.value, sw.status) == (pytest.approx(10000), "less costly, less effective")
    assert icer(100, -0.1).status == "dominated"
    assert icer(100, -0.1).value is None
    assert icer(100, 0).status == "dominated"
    assert icer(-100, 0.2).status == "dominant"
    assert icer(0, 0).status == "identical"
    assert str(icer(100, -0.1)) == "dominated"


@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 100)), min_size=1, max_size=8,
                unique=True))
@settings(max_examples=200, deadline=None)
def test_frontier_properties(points):
    """Every option is classified once; a strongly dominated option is reported as
    dominated; ICERs strictly rise along the frontier; no frontier option is dominated."""
    costs = [p[0] for p in points]
    effects = [p[1] for p in points]
    names = [f"o{k}" for k in range(len(points))]
    f = frontier(costs, effects, names)
    assert sorted(r["option"] for r in f.rows) == sorted(names)
    for i in range(len(points)):
        for j in range(len(points)):
            if i != j and costs[j] <= costs[i] and effects[j] >= effects[i] and (
                    costs[j] < costs[i] or effects[j] > effects[i]):
                assert f.status(names[i]) == "dominated"
    icers = [r["icer"] for r in f.rows if r["status"] == "frontier"][1:]
    assert all(a <= b * (1 + 1e-9) for a, b in pairwise(icers))
    assert all(x >= 0 for x in icers)
    # the option with the highest net benefit at any positive threshold is on the frontier
    for k in (1.0, 1e3, 1e5):
        nb = np.array(effects) * k - np.array(costs)
        best = [names[o] for o in np.flatnonzero(np.isclose(nb, nb.max(), rtol=1e-12,
                                                             atol=1e-9))]
        assert any(f.status(b) == "frontier" for b in best)


def test_inb_and_thresholds_from_data():
    rows = shipped_thresholds()
    lower = next(r for r in rows if r.get("variant") == "lower")
    assert lower.unit == "£ per QALY gained"
    assert "PMG36" in lower.source
    assert inb(5000, 0.4, lower.value) == pytest.approx(0.4 * lower.value - 5000)
    out = inb(np.array([1000.0, 2000.0, 3000.0]), 0.1, [lower.value, 2 * lower.value])
    assert out.shape == (3, 2)


def test_non_positive_threshold_is_a_located_error():
    with pytest.raises(AppraisalValidationError) as exc:
        inb(100, 0.1, [20000, 0])
    issue = exc.value.issues[0]
    assert (issue.code, issue.field) == ("out-of-range", "threshold[1]")
    assert issue.fix
    with pytest.raises(AppraisalValidationError, match="positive"):
        inb(100, 0.1, -5)
    with pytest.raises(AppraisalValidationError) as exc:
        ceac([[0, 1]], [[0, 1]], [np.nan])
    assert exc.value.issues[0].field == "thresholds[0]"


def test_bad_costs_and_effects_are_located():
    with pytest.raises(AppraisalValidationError, match="same length"):
        frontier([1, 2], [1])
    with pytest.raises(AppraisalValidationError, match="one distinct name"):
        frontier([1, 2], [1, 2], ["a", "a"])
    with pytest.raises(AppraisalValidationError, match="draws, options"):
        ceac([1, 2], [1, 2], [20000])


@given(st.integers(2, 4), st.integers(1, 60), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_ceac_values_are_probabilities_summing_to_one(n_options, n_draws, seed):
    rng = np.random.default_rng(seed)
    costs = rng.normal(1000, 300, (n_draws, n_options))
    effects = rng.normal(0.1, 0.05, (n_draws, n_options))
    res = ceac(costs, effects, [1000, 20000, 30000, 1e6])
    assert np.all((res.probability >= 0) & (res.probability <= 1))
    np.testing.assert_allclose(res.probability.sum(axis=1), 1.0)
    np.testing.assert_allclose(res.ceaf, res.probability[np.arange(4), res.best])
    # the frontier option maximises expected net benefit
    nb = effects.mean(axis=0)[None, :] * res.thresholds[:, None] - costs.mean(axis=0)
    np.testing.assert_allclose(res.expected_nb, nb)
    assert np.array_equal(res.best, nb.argmax(axis=1))


def test_ceac_deterministic_limit_matches_frontier():
    """With one draw, the CEAC is 1 for the option that the frontier picks at the
    threshold: the frontier option whose ICER is the highest below the threshold."""
    costs = np.array([5000, 12000, 10000, 25000, 35000, 55000.0])
    effects = np.array([1, 1.5, 2, 3, 4, 5.0])
    names = ["UC", "A", "B", "C", "D", "E"]
    res = ceac(costs[None, :], effects[None, :], [4000, 10000, 15000, 25000], names)
    picked = [names[int(np.argmax(p))] for p in res.probability]
    assert picked == ["UC", "B", "D", "E"]
    d = res.to_dict()
    assert d["frontier_option"] == picked
    assert d["frontier_probability"] == [1.0] * 4
