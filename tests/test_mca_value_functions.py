"""Value functions: stated points are mapped exactly, monotonicity, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.mca import Direction, LocalScale, direct_value, linear_value, piecewise_value


@st.composite
def monotone_points(draw):
    n = draw(st.integers(2, 6))
    xs = sorted(draw(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=n, max_size=n,
                              unique=True)))
    vs = sorted(draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)))
    if vs[0] == vs[-1]:
        vs[0], vs[-1] = 0.0, 100.0
    rising = draw(st.booleans())
    return [[x, v] for x, v in zip(xs, vs if rising else vs[::-1], strict=True)], rising


@settings(max_examples=100, deadline=None)
@given(monotone_points())
def test_piecewise_maps_the_stated_points_exactly(case):
    points, rising = case
    xs = np.array([p[0] for p in points])
    vs = np.array([p[1] for p in points])
    direction = "increase" if rising else "decrease"
    np.testing.assert_array_equal(piecewise_value(xs, points, direction), vs)
    # monotone in between and flat beyond the ends
    grid = np.linspace(xs[0] - 10, xs[-1] + 10, 101)
    out = piecewise_value(grid, points, direction)
    steps = np.diff(out)
    assert np.all(steps >= -1e-9) if rising else np.all(steps <= 1e-9)
    assert out[0] == vs[0]
    assert out[-1] == vs[-1]


@settings(max_examples=50, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_linear_maps_worst_to_0_and_best_to_100(worst, best):
    if abs(best - worst) < 1e-6:
        return
    out = linear_value([worst, best, (worst + best) / 2], worst, best)
    np.testing.assert_allclose(out, [0.0, 100.0, 50.0], atol=1e-7)


def test_linear_is_held_at_the_ends():
    np.testing.assert_array_equal(linear_value([70, 60, 5, -10], worst=60, best=5),
                                  [0.0, 0.0, 100.0, 100.0])


def test_direct_decrease_turns_the_rating_round():
    np.testing.assert_array_equal(direct_value([0, 25, 100], Direction.DECREASE), [100, 75, 0])
    np.testing.assert_array_equal(direct_value([0, 25, 100]), [0, 25, 100])


def test_value_functions_broadcast_over_draws():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]] * 3)
    assert piecewise_value(x, [[0, 0], [4, 100]]).shape == (3, 2, 2)
    assert linear_value(x, 0, 4).shape == (3, 2, 2)


def test_local_scale_uses_the_options_present():
    scale = LocalScale()
    x = np.array([[10.0, 20.0, 40.0]])
    np.testing.assert_allclose(scale.apply(x, Direction.INCREASE), [[0.0, 100 / 3, 100.0]])
    np.testing.assert_allclose(scale.apply(x, Direction.DECREASE), [[100.0, 200 / 3, 0.0]])
    present = np.array([True, True, False])
    np.testing.assert_allclose(scale.apply(x, Direction.INCREASE, present)[0, :2], [0.0, 100.0])
    assert scale.apply(np.array([[5.0, 5.0]]), Direction.INCREASE).tolist() == [[50.0, 50.0]]


@pytest.mark.parametrize(
    ("points", "direction", "field", "text"),
    [
        ([[0, 0], [5, 60], [10, 40]], "increase", "points[2][1]", "not monotone"),
        ([[0, 100], [5, 20], [10, 40]], "decrease", "points[2][1]", "not monotone"),
        ([[0, 0], [0, 100]], "increase", "points[1][0]", "not above"),
        ([[0, 0], [10, 120]], "increase", "points[1][1]", "outside 0–100"),
        ([[0, 50]], "increase", "points", "at least 2"),
        ([[0, 50], [10, 50]], "increase", "points", "same value"),
    ],
)
def test_piecewise_bad_points_are_located(points, direction, field, text):
    with pytest.raises(AppraisalValidationError) as info:
        piecewise_value([1.0], points, direction)
    issue = info.value.issues[0]
    assert issue.field == field
    assert text in issue.message


def test_direct_rating_outside_0_100_is_an_error():
    with pytest.raises(AppraisalValidationError) as info:
        direct_value([[50, 101]])
    assert info.value.issues[0].code == "score-out-of-range"
    assert info.value.issues[0].field == "rating[0, 1]"


def test_linear_needs_distinct_ends():
    with pytest.raises(AppraisalValidationError, match="equals worst"):
        linear_value([1.0], 5, 5)
