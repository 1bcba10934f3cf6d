"""AHP: known answers from Saaty's papers, properties, and bad input."""

from __future__ import annotations

import csv
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError, ParameterError
from appraisal.lenses.mca import ahp, random_index
from appraisal.lenses.mca.ahp import consistency_threshold

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "mca" / "ahp_consistency.csv"

# Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services
# Sciences 1(1), 83-98: "Which drink is consumed more in the U.S.?" (coffee, wine, tea,
# beer, sodas, milk, water).
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]

# Saaty (1990), "How to make a decision: the analytic hierarchy process", Eur. J. Oper.
# Res. 48(1), 9-26: criteria of the house-buying example (size, transportation,
# neighbourhood, age, yard, modern facilities, general condition, financing).
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_ahp_saaty2008_drinks():
    """Saaty (2008) Int. J. Services Sciences 1(1) 83-98, drinks example: derived
    priorities .177 .019 .042 .116 .190 .129 .327 and C.R. = 0.022."""
    result = ahp(DRINKS)
    np.testing.assert_allclose(result.weights, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327],
                               atol=5e-4)
    assert float(result.consistency_ratio) == pytest.approx(0.022, abs=5e-4)
    assert result.is_consistent
    assert result.issues == ()


def test_ahp_saaty1990_house_is_inconsistent_and_warns():
    """Saaty (1990) Eur. J. Oper. Res. 48(1) 9-26, house example criteria matrix:
    priorities .173 .054 .188 .018 .031 .036 .167 .333; lambda_max = 9.669,
    C.I. = 0.238, C.R. = 0.169 (above 0.10, so a warning)."""
    with pytest.warns(UserWarning, match="consistency ratio 0.169"):
        result = ahp(HOUSE)
    np.testing.assert_allclose(result.weights,
                               [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=5e-4)
    assert float(result.lambda_max) == pytest.approx(9.669, abs=5e-4)
    assert float(result.consistency_index) == pytest.approx(0.238, abs=5e-4)
    assert float(result.consistency_ratio) == pytest.approx(0.169, abs=5e-4)
    assert not result.is_consistent
    assert [i.code for i in result.issues] == ["ahp-inconsistent"]
    assert result.issues[0].severity.value == "warning"


def test_ahp_warning_can_be_silenced_but_is_kept():
    result = ahp(HOUSE, warn=False)
    assert result.issues
    assert not result.is_consistent


def test_random_index_table_is_saaty1980():
    """Saaty (1980) The Analytic Hierarchy Process, McGraw-Hill: RI for n = 1..10 is
    0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49; threshold C.R. 0.10."""
    expected = [0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]
    assert [random_index(n) for n in range(1, 11)] == expected
    assert consistency_threshold(5) == 0.10
    with pytest.raises(ParameterError, match="order 11"):
        random_index(11)


def test_random_index_csv_has_provenance():
    rows = list(csv.DictReader(DATA.read_text("utf-8").splitlines()))
    assert rows
    for row in rows:
        assert row["source"].startswith("Saaty"), row
        assert row["confidence"]
        assert row["edition"] == ("saaty1994" if row["parameter"] ==
                                  "consistency_ratio_threshold" else "saaty1980")


def test_geometric_mean_is_a_named_variant():
    eig = ahp(HOUSE, warn=False)
    geo = ahp(HOUSE, variant="geometric_mean", warn=False)
    assert geo.variant == "geometric_mean"
    assert eig.variant == "eigenvector"
    # Inconsistent 8 x 8: the two methods differ, but lambda_max and CR do not.
    assert not np.allclose(geo.weights, eig.weights, atol=1e-4)
    assert float(geo.consistency_ratio) == pytest.approx(float(eig.consistency_ratio))
    expected = np.exp(np.log(np.array(HOUSE)).mean(axis=1))
    np.testing.assert_allclose(geo.weights, expected / expected.sum())


@st.composite
def reciprocal_matrices(draw, n=None):
    n = n or draw(st.integers(2, 7))
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = draw(st.sampled_from(scale))
            a[j, i] = 1 / a[i, j]
    return a


@settings(max_examples=60, deadline=None)
@given(reciprocal_matrices(n=3))
def test_ahp_3x3_geometric_mean_equals_eigenvector(a):
    """Crawford & Williams (1985) J. Math. Psychol. 29(4) 387-405: for n = 3 the row
    geometric mean and the principal eigenvector give the same priorities."""
    np.testing.assert_allclose(ahp(a, warn=False).weights,
                               ahp(a, variant="geometric_mean", warn=False).weights, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.05, 20.0), min_size=2, max_size=9))
def test_ahp_consistent_matrix_recovers_weights_with_zero_cr(w):
    w = np.array(w)
    result = ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w / w.sum(), rtol=1e-7)
    assert abs(float(result.consistency_ratio)) < 1e-9


@settings(max_examples=40, deadline=None)
@given(reciprocal_matrices())
def test_ahp_lambda_max_at_least_n_and_weights_sum_to_one(a):
    result = ahp(a, warn=False)
    n = a.shape[0]
    assert float(result.lambda_max) >= n - 1e-9
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.all(result.weights > 0)


def test_ahp_over_draws_matches_each_draw():
    stacked = np.stack([np.array(DRINKS), np.array(HOUSE)[:7, :7]])
    result = ahp(stacked, warn=False)
    assert result.weights.shape == (2, 7)
    assert result.consistency_ratio.shape == (2,)
    for d in range(2):
        one = ahp(stacked[d], warn=False)
        np.testing.assert_allclose(result.weights[d], one.weights)
        assert float(result.consistency_ratio[d]) == pytest.approx(float(one.consistency_ratio))


def test_ahp_two_items_is_exactly_consistent():
    result = ahp([[1, 4], [0.25, 1]])
    np.testing.assert_allclose(result.weights, [0.8, 0.2])
    assert float(result.consistency_ratio) == 0.0


def test_ahp_rejects_non_reciprocal_with_location():
    with pytest.raises(AppraisalValidationError) as info:
        ahp([[1, 3, 5], [3, 1, 2], [1 / 5, 1 / 2, 1]])
    issue = info.value.issues[0]
    assert issue.code == "not-reciprocal"
    assert issue.field == "matrix[1][0]"
    assert "1/3" in issue.fix


@pytest.mark.parametrize(
    ("matrix", "code", "field"),
    [
        ([[1, -2], [-0.5, 1]], "not-positive", "matrix[0][1]"),
        ([[1, 0], [np.inf, 1]], "not-positive", "matrix[0][1]"),
        ([[2, 1], [1, 1]], "bad-diagonal", "matrix[0][0]"),
        ([[1, 2, 3], [0.5, 1, 2]], "not-square", "matrix"),
    ],
)
def test_ahp_bad_matrices_are_located(matrix, code, field):
    with pytest.raises(AppraisalValidationError) as info:
        ahp(matrix)
    assert (info.value.issues[0].code, info.value.issues[0].field) == (code, field)


def test_ahp_unknown_variant_and_too_many_items():
    with pytest.raises(AppraisalValidationError, match="unknown AHP variant"):
        ahp(DRINKS, variant="mean")
    with pytest.raises(AppraisalValidationError, match="order 11"):
        ahp(np.ones((11, 11)))
    big = ahp(np.ones((11, 11)), random_index_value=1.51)
    assert big.random_index_source == "given by the caller"
    np.testing.assert_allclose(big.weights, np.full(11, 1 / 11))
