"""Value tree and weighting: swing weights down the tree, direct weights, AHP sets,
combining stakeholder sets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.mca import (
    CombineRule,
    Criterion,
    Direction,
    PairwiseComparison,
    PiecewiseScale,
    Purpose,
    ValueTree,
    WeightSet,
    combine_weight_sets,
    resolve_weights,
)
from appraisal.lenses.mca.weights import weight_set_problems

UP = Direction.INCREASE


def crit(ident, purpose=None, **kw):
    return Criterion(id=ident, name=ident.title(), direction=kw.pop("direction", UP),
                     purpose=purpose, **kw)


@pytest.fixture
def tree():
    """prevent -> (relate -> trust), wait, repeat; npsv at the root."""
    return ValueTree(
        purposes=(Purpose(id="prevent", name="Prevent"),
                  Purpose(id="relate", name="Relate", parent="prevent")),
        criteria=(crit("trust", "relate"), crit("wait", "prevent"), crit("repeat", "prevent"),
                  crit("npsv")))


def test_tree_indexing(tree):
    assert tree.node_ids == ("prevent", "relate", "trust", "wait", "repeat", "npsv")
    assert tree.parent_index.tolist() == [-1, 0, 1, 0, 0, -1]
    assert tree.depth.tolist() == [1, 2, 3, 2, 2, 1]
    assert tree.children(None) == ("prevent", "npsv")
    assert tree.children("prevent") == ("relate", "wait", "repeat")
    member = tree.membership()
    assert member[0].tolist() == [True, True, True, False]
    assert member[1].tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    ("purposes", "criteria", "code"),
    [
        ((), (crit("a"), crit("a")), "duplicate-id"),
        ((), (crit("a", "nowhere"),), "unknown-reference"),
        ((Purpose(id="p", name="P", parent="q"), Purpose(id="q", name="Q", parent="p")),
         (crit("a", "p"),), "cycle"),
        ((Purpose(id="p", name="P"),), (crit("a"),), "empty-purpose"),
        ((), (), "no-criteria"),
        ((), (crit("a", scale=PiecewiseScale(((0, 0), (1, 80), (2, 40)))),), "bad-value-function"),
    ],
)
def test_bad_trees_are_refused(purposes, criteria, code):
    with pytest.raises(AppraisalValidationError) as info:
        ValueTree(purposes=purposes, criteria=criteria)
    assert code in [i.code for i in info.value.issues]


def test_global_swings_are_normalised(tree):
    ws = WeightSet(name="officers", method="swing",
                   values=(("trust", 100), ("wait", 40), ("repeat", 60), ("npsv", 80)))
    resolved = resolve_weights(ws, tree)
    np.testing.assert_allclose(resolved.criteria, np.array([100, 40, 60, 80]) / 280)
    # a purpose's weight is the sum of its criteria's
    assert resolved.nodes[0] == pytest.approx(200 / 280)


def test_local_swings_are_normalised_down_the_tree(tree):
    """Hand calculation: root (prevent 100, npsv 50) -> 2/3, 1/3; under prevent
    (relate 100, wait 50, repeat 50) -> 1/2, 1/4, 1/4; trust is relate's only child."""
    ws = WeightSet(name="panel", method="swing", scope="local",
                   values=(("prevent", 100), ("npsv", 50), ("relate", 100), ("wait", 50),
                           ("repeat", 50)))
    resolved = resolve_weights(ws, tree)
    np.testing.assert_allclose(resolved.criteria, [1 / 3, 1 / 6, 1 / 6, 1 / 3])
    np.testing.assert_allclose(resolved.nodes[:2], [2 / 3, 1 / 3])
    assert resolved.criteria.sum() == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.1, 1000), min_size=5, max_size=5), st.floats(0.01, 100))
def test_local_swings_sum_to_one_and_ignore_scale(swings, factor):
    t = ValueTree(purposes=(Purpose(id="prevent", name="P"),
                            Purpose(id="relate", name="R", parent="prevent")),
                  criteria=(crit("trust", "relate"), crit("wait", "prevent"),
                            crit("repeat", "prevent"), crit("npsv")))
    ids = ("prevent", "npsv", "relate", "wait", "repeat")
    one = resolve_weights(WeightSet(name="a", method="swing", scope="local",
                                    values=tuple(zip(ids, swings, strict=True))), t)
    scaled = resolve_weights(WeightSet(name="a", method="swing", scope="local",
                                       values=tuple((k, v * factor) for k, v in
                                                    zip(ids, swings, strict=True))), t)
    assert one.criteria.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(one.criteria, scaled.criteria)


def test_direct_weights_must_sum_to_one(tree):
    ws = WeightSet(name="partners", method="direct",
                   values=(("trust", 0.4), ("wait", 0.2), ("repeat", 0.2), ("npsv", 0.3)))
    problems = weight_set_problems(ws, tree)
    assert [(p[0], p[1]) for p in problems] == [("weights-not-summing-to-one", ("weights",))]
    with pytest.raises(AppraisalValidationError, match=r"sum to 1\.1"):
        resolve_weights(ws, tree)


@pytest.mark.parametrize(
    ("ws", "code"),
    [
        (WeightSet(name="a", method="swing", values=(("trust", 100), ("wait", 50))),
         "missing-weight"),
        (WeightSet(name="a", method="swing", values=(("trust", 1), ("wait", 1), ("repeat", 1),
                                                     ("npsv", -1))), "negative-weight"),
        (WeightSet(name="a", method="swing", values=(("trust", 1), ("wait", 1), ("repeat", 1),
                                                     ("npsv", 1), ("cost", 1))),
         "unknown-reference"),
        (WeightSet(name="a", method="vote"), "bad-choice"),
        (WeightSet(name="a", method="swing", scope="local",
                   values=(("prevent", 0), ("npsv", 0), ("relate", 1), ("wait", 1),
                           ("repeat", 1))), "zero-weights"),
    ],
)
def test_bad_weight_sets(tree, ws, code):
    assert code in [p[0] for p in weight_set_problems(ws, tree)]


def test_hierarchical_ahp(tree):
    ws = WeightSet(name="panel", method="ahp", scope="local", comparisons=(
        PairwiseComparison(node=None, items=("prevent", "npsv"), matrix=[[1, 3], [1 / 3, 1]]),
        PairwiseComparison(node="prevent", items=("relate", "wait", "repeat"),
                           matrix=[[1, 2, 2], [0.5, 1, 1], [0.5, 1, 1]])))
    resolved = resolve_weights(ws, tree)
    np.testing.assert_allclose(resolved.criteria, [0.375, 0.1875, 0.1875, 0.25])
    assert [(node, items) for node, items, _ in resolved.ahp] == [
        (None, ("prevent", "npsv")), ("prevent", ("relate", "wait", "repeat"))]


def test_global_ahp_reorders_items_to_criteria(tree):
    ws = WeightSet(name="panel", method="ahp", comparisons=(PairwiseComparison(
        items=("npsv", "trust", "wait", "repeat"), matrix=np.ones((4, 4))),))
    np.testing.assert_allclose(resolve_weights(ws, tree).criteria, [0.25] * 4)
    missing = WeightSet(name="panel", method="ahp", comparisons=(PairwiseComparison(
        items=("npsv", "trust"), matrix=np.ones((2, 2))),))
    assert "bad-items" in [p[0] for p in weight_set_problems(missing, tree)]


def test_ahp_missing_group_is_reported(tree):
    ws = WeightSet(name="panel", method="ahp", scope="local", comparisons=(
        PairwiseComparison(node=None, items=("prevent", "npsv"), matrix=[[1, 3], [1 / 3, 1]]),))
    problems = weight_set_problems(ws, tree)
    assert [p[0] for p in problems] == ["missing-comparison"]
    assert "prevent" in problems[0][2]


def test_combine_weight_sets():
    sets = np.array([[0.6, 0.3, 0.1], [0.2, 0.4, 0.4]])
    np.testing.assert_allclose(combine_weight_sets(sets, CombineRule()), [0.4, 0.35, 0.25])
    np.testing.assert_allclose(
        combine_weight_sets(sets, CombineRule(method="weighted", stakeholder_weights=(1, 0))),
        sets[0])
    geo = combine_weight_sets(sets, CombineRule(method="geometric"))
    expected = np.sqrt(sets[0] * sets[1])
    np.testing.assert_allclose(geo, expected / expected.sum())
    # over draws: [D, S, C] -> [D, C]
    assert combine_weight_sets(np.stack([sets] * 4), CombineRule()).shape == (4, 3)
