"""Linear additive model and TOPSIS: known answers, properties, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.mca import linear_additive, rank_descending, topsis
from appraisal.lenses.mca.aggregation import topsis_kernel

# Hwang & Yoon (1981) Multiple Attribute Decision Making: Methods and Applications,
# Springer (Lecture Notes in Economics and Mathematical Systems 186), p. 133: fighter
# aircraft example. Criteria: maximum speed (Mach), ferry range (NM), maximum payload (lb),
# acquisition cost ($m, a cost), reliability, manoeuvrability.
AIRCRAFT = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
AIRCRAFT_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
AIRCRAFT_BENEFIT = [True, True, True, False, True, True]


def test_topsis_hwang_yoon_1981_aircraft():
    """Hwang & Yoon (1981) p. 133: relative closeness C* = 0.643, 0.268, 0.613,
    0.312 (A1 > A3 > A4 > A2). The book rounds its normalised matrix to 4 places (and
    slips in a few), so agreement is to the 3 decimals it prints."""
    closeness = topsis(AIRCRAFT, AIRCRAFT_WEIGHTS, AIRCRAFT_BENEFIT)
    np.testing.assert_allclose(closeness, [0.643, 0.268, 0.613, 0.312], atol=1.5e-3)
    assert rank_descending(closeness).tolist() == [1, 4, 2, 3]


def test_topsis_tzeng_huang_2011():
    """Tzeng & Huang (2011) Multiple Attribute Decision Making: Methods and Applications,
    CRC Press, TOPSIS numerical example (as reproduced in scikit-criteria's
    test_TOPSIS_tzeng2011multiple): closeness 0.5037, 0.6581, 0.7482, 0.3340."""
    closeness = topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3],
                       [True, True, True], normalisation="vector")
    np.testing.assert_allclose(closeness, [0.5037, 0.6581, 0.7482, 0.3340], atol=1e-4)


def test_topsis_normalisations_are_named_and_differ():
    results = {n: topsis(AIRCRAFT, AIRCRAFT_WEIGHTS, AIRCRAFT_BENEFIT, normalisation=n)
               for n in ("vector", "max", "minmax", "sum")}
    assert all(np.all((r >= 0) & (r <= 1)) for r in results.values())
    assert not np.allclose(results["vector"], results["minmax"])
    # With min-max normalisation the best option on every criterion would score 1.
    dominant = topsis([[3, 1], [1, 5], [3, 0]], [0.5, 0.5], [True, False], normalisation="minmax")
    assert dominant[2] == pytest.approx(1.0)


def test_topsis_over_draws_matches_each_draw():
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 10, size=(5, 4, 3))
    w = rng.dirichlet(np.ones(3), size=5)
    stacked = topsis(x, w, [True, False, True])
    for d in range(5):
        np.testing.assert_allclose(stacked[d], topsis(x[d], w[d], [True, False, True]))


def test_topsis_constant_criterion_is_ignored():
    x = np.array([[5.0, 1.0], [5.0, 3.0], [5.0, 2.0]])
    np.testing.assert_allclose(topsis(x, [0.9, 0.1], [True, True]),
                               topsis(x[:, 1:], [0.1], [True]))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"normalisation": "l2"}, "bad-choice"),
        ({"weights": [0.5, -0.1, 0.6]}, "negative-weight"),
        ({"weights": [0.5, 0.5]}, "bad-shape"),
        ({"benefit": [True, True]}, "bad-benefit"),
        ({"matrix": [[1, -2, 3], [2, 2, 2]]}, "negative-performance"),
        ({"matrix": [[1, np.nan, 3], [2, 2, 2]]}, "not-finite"),
    ],
)
def test_topsis_bad_input(kwargs, code):
    args = {"matrix": [[1, 2, 3], [2, 2, 2]], "weights": [0.2, 0.3, 0.5],
            "benefit": [True, True, False]} | kwargs
    with pytest.raises(AppraisalValidationError) as info:
        topsis(**args)
    assert info.value.issues[0].code == code


def test_linear_additive_contributions_sum_to_scores():
    values = [[80, 20, 50], [40, 90, 60]]
    scores, parts = linear_additive(values, [0.5, 0.3, 0.2])
    np.testing.assert_allclose(scores, [56.0, 59.0])
    np.testing.assert_allclose(parts.sum(axis=-1), scores)


@pytest.mark.parametrize(
    ("values", "weights", "code"),
    [
        ([[80, 120]], [0.5, 0.5], "score-out-of-range"),
        ([[80, 20]], [0.5, 0.6], "weights-not-summing-to-one"),
        ([[80, 20]], [1.5, -0.5], "negative-weight"),
        ([[80, 20]], [1.0], "bad-shape"),
    ],
)
def test_linear_additive_bad_input(values, weights, code):
    with pytest.raises(AppraisalValidationError) as info:
        linear_additive(values, weights)
    assert info.value.issues[0].code == code


matrices = hnp.arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 5)),
                      elements=st.floats(0, 100, allow_nan=False))


@settings(max_examples=80, deadline=None)
@given(matrices, st.data(), st.floats(0.01, 1000))
def test_scaling_all_weights_leaves_rankings_unchanged(values, data, factor):
    n_crit = values.shape[1]
    w = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=n_crit, max_size=n_crit)))
    benefit = np.array(data.draw(st.lists(st.booleans(), min_size=n_crit, max_size=n_crit)))
    w1, wk = w / w.sum(), w / w.sum() * factor
    additive = linear_additive(values, w1)[0]
    scaled = (values * wk).sum(axis=-1)
    assert rank_descending(additive).tolist() == rank_descending(scaled / factor).tolist()
    np.testing.assert_allclose(scaled, additive * factor, rtol=1e-9, atol=1e-9)
    c1 = topsis_kernel(values, w1, benefit)
    ck = topsis_kernel(values, wk, benefit)
    np.testing.assert_allclose(c1, ck, atol=1e-9)
    assert rank_descending(c1).tolist() == rank_descending(ck).tolist()


def test_rank_descending_ties_share_the_better_rank():
    assert rank_descending([3.0, 5.0, 5.0, 1.0]).tolist() == [3, 1, 1, 4]
    assert rank_descending([3.0, 5.0, 4.0], present=[True, False, True]).tolist() == [2, 0, 1]
