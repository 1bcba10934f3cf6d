"""Robustness, stakeholder agreement and the value-for-money frontier."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from appraisal.lenses.mca import agreement, dominance, rank_descending, weight_ranges
from appraisal.lenses.mca.aggregation import TIE_ATOL
from appraisal.lenses.mca.decision import benefit_weights, vfm_frontier
from appraisal.lenses.mca.robustness import rank_reversals

values_st = hnp.arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 5)),
                       elements=st.floats(0, 100, allow_nan=False))


def weights_for(data, n):
    w = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n)))
    return w / w.sum()


@settings(max_examples=100, deadline=None)
@given(values_st, st.data())
def test_a_dominated_option_never_ranks_first(values, data):
    w = weights_for(data, values.shape[1])
    dom = dominance(values)
    scores = (values * w).sum(axis=-1)
    ranks = rank_descending(scores)
    for j in np.flatnonzero(dom.any(axis=0)):
        # scores within TIE_ATOL are tied by design (rank_descending), so a dominated
        # option shares first place only when its score ties with the best one
        assert ranks[j] > 1 or scores.max() - scores[j] <= TIE_ATOL


def test_dominance_pairs():
    v = np.array([[80, 60, 50], [70, 60, 50], [90, 10, 50], [80, 60, 50]])
    dom = dominance(v)
    assert dom[0, 1]
    assert dom[3, 1]
    assert not dom[0, 3]
    assert not dom[3, 0]
    assert not dom[:, 0].any()
    assert not dom[:, 2].any()
    assert dominance(np.stack([v, v[::-1]])).shape == (2, 4, 4)


@settings(max_examples=100, deadline=None)
@given(values_st, st.data())
def test_weight_ranges_bound_where_the_top_option_changes(values, data):
    _n_opt, n_crit = values.shape
    assume(n_crit >= 2)
    w = weights_for(data, n_crit)
    scores = (values * w).sum(axis=-1)
    assume(np.sort(scores)[-1] - np.sort(scores)[-2] > 1e-6)   # a unique top option
    r = weight_ranges(values, w, np.eye(n_crit))
    top = int(np.argmax(scores))
    assert r.top == top

    def top_at(k, t):
        ww = w * (1 - t) / (1 - w[k])
        ww[k] = t
        s = (values * ww).sum(axis=-1)
        return s

    for k in range(n_crit):
        assert r.lower[k] <= w[k] + 1e-12 <= r.upper[k] + 2e-12
        for t in np.linspace(r.lower[k], r.upper[k], 7)[1:-1]:
            s = top_at(k, t)
            assert s[top] >= s.max() - 1e-7
        for bound, by, step in ((r.lower[k], r.taken_by_lower[k], -1e-4),
                                (r.upper[k], r.taken_by_upper[k], 1e-4)):
            if by >= 0:
                s = top_at(k, bound + step)
                assert s[by] > s[top] - 1e-9


def test_weight_range_for_a_purpose_moves_its_criteria_together():
    # purpose P holds criteria 0 and 1; moving P's weight scales both in proportion
    values = np.array([[90.0, 90.0, 0.0], [0.0, 0.0, 100.0]])
    w = np.array([0.3, 0.3, 0.4])
    member = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    r = weight_ranges(values, w, member)
    # option 0 scores 90 t, option 1 scores 100 (1 - t): equal at t = 100/190
    assert abs(r.lower[0] - 100 / 190) < 1e-12
    assert r.taken_by_lower[0] == 1
    assert r.upper[0] == 1.0
    assert r.taken_by_upper[0] == -1


def test_weight_ranges_all_pairs_and_draws():
    values = np.array([[80.0, 40.0], [50.0, 60.0], [10.0, 95.0]])
    r = weight_ranges(values, np.array([0.5, 0.5]), np.eye(2), all_pairs=True)
    # below w1 = 0.5, options 1 and 2 swap at 7/15 (before 0 and 1 do, at 0.4);
    # above it the order 0 > 1 > 2 holds all the way to 1. Brute force agrees.
    grid = np.linspace(0, 1, 20001)
    orders = [tuple(rank_descending(values @ np.array([t, 1 - t]))) for t in grid]
    changes = grid[1:][np.array([a != b for a, b in itertools.pairwise(orders)])]
    assert abs(r.change_below[0] - 7 / 15) < 1e-12
    assert abs(r.change_below[0] - changes[changes < 0.5].max()) < 1e-4
    assert np.isnan(r.change_above[0])
    assert not (changes > 0.5).any()
    stacked = weight_ranges(np.stack([values, values]), np.array([[0.5, 0.5], [0.9, 0.1]]),
                            np.eye(2))
    assert stacked.lower.shape == (2, 2)
    single = weight_ranges(values, np.array([0.9, 0.1]), np.eye(2))
    np.testing.assert_allclose(stacked.lower[1], single.lower)


def test_rank_reversal_found_with_local_scales_and_not_with_fixed_ones():
    perf = np.array([[2.0, 3.0], [9.0, 4.0], [3.0, 9.0], [2.0, 4.0]])

    def local(present):
        lo, hi = perf[present].min(axis=0), perf[present].max(axis=0)
        return ((perf - lo) / (hi - lo) * 0.5).sum(axis=-1)

    def fixed(present):
        return (perf / 10 * 0.5).sum(axis=-1)

    assert rank_reversals(local, 4) == [(0, 1, 2, 1.0)]
    assert rank_reversals(fixed, 4) == []


def test_agreement_between_weight_sets():
    scores = np.array([[70.0, 60.0, 50.0], [72.0, 55.0, 58.0], [40.0, 80.0, 50.0]])
    a = agreement(scores)
    assert a.ranks.tolist() == [[1, 2, 3], [1, 3, 2], [3, 1, 2]]
    assert a.rank_spread.tolist() == [2, 2, 1]
    assert not bool(a.same_top)
    np.testing.assert_allclose(np.diag(a.kendall_tau), 1.0)
    assert a.kendall_tau[0, 1] == a.kendall_tau[1, 0]
    assert abs(a.kendall_tau[0, 1] - 1 / 3) < 1e-12   # one of three pairs swapped
    disputed = a.disputed_pairs()
    assert disputed[0, 1]
    assert disputed[1, 2]
    assert disputed[0, 2]
    assert not np.diag(disputed).any()
    calm = agreement(np.array([[70.0, 60.0, 50.0], [90.0, 20.0, 10.0]]))
    assert bool(calm.same_top)
    assert not calm.disputed_pairs().any()
    np.testing.assert_allclose(calm.kendall_tau, 1.0)


def test_vfm_frontier_and_benefit_weights():
    on, beaten = vfm_frontier([40, 60, 55, 80, 60], [10, 20, 25, 40, 30])
    assert on.tolist() == [True, True, False, True, False]
    assert np.flatnonzero(beaten[4]).tolist() == [1]
    stacked, _ = vfm_frontier([[40, 60], [60, 40]], [[10, 20], [10, 20]])
    assert stacked.tolist() == [[True, True], [True, False]]
    np.testing.assert_allclose(benefit_weights([0.5, 0.5], [True, False]), [0.0, 1.0])
    assert np.isnan(benefit_weights([1.0], [True])).all()
