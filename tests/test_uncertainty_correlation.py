"""Tests for appraisal.lenses.uncertainty.correlation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from appraisal.errors import AppraisalValidationError, Issues
from appraisal.lenses.uncertainty.correlation import (
    Correlation,
    CorrelationGroup,
    correlation_factor,
    gaussian_copula,
    iman_conover,
    parse_correlation,
    spearman_to_normal,
)

TARGET = np.array([[1.0, 0.8, 0.3], [0.8, 1.0, 0.5], [0.3, 0.5, 1.0]])


def _locate(path: tuple) -> str:
    return "case.yaml:" + "/".join(map(str, path))


def _spearman(x: np.ndarray) -> np.ndarray:
    return np.corrcoef(stats.rankdata(x, axis=0), rowvar=False)


def test_spearman_to_normal_inverts_pearsons_relation():
    """For bivariate normals, rho_S = (6 / pi) asin(r / 2) (Pearson 1907, Drapers' Company
    Research Memoirs, Biometric Series IV); spearman_to_normal is its inverse."""
    rho = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(6 / np.pi * np.arcsin(spearman_to_normal(rho) / 2), rho,
                               atol=1e-12)


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_target_rank_correlation_is_induced(method: str):
    u = np.random.default_rng(0).random((8192, 3))
    out = Correlation(("a", "b", "c"), TARGET, method).induce(u)
    np.testing.assert_allclose(_spearman(out), TARGET, atol=0.02)
    assert np.all((out > 0) & (out < 1))


def test_iman_conover_keeps_every_marginal_sample_exactly():
    u = np.random.default_rng(1).random((1000, 3))
    out = Correlation(("a", "b", "c"), TARGET).induce(u)
    np.testing.assert_array_equal(np.sort(out, axis=0), np.sort(u, axis=0))


def test_iman_conover_kernel_with_independent_target_keeps_inputs_independent():
    u = np.random.default_rng(2).random((4000, 2))
    out = iman_conover(u, correlation_factor(np.eye(2)))
    assert abs(_spearman(out)[0, 1]) < 0.02
    np.testing.assert_array_equal(np.sort(out, axis=0), np.sort(u, axis=0))


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_fully_correlated_group_is_exactly_comonotone(method: str):
    corr = Correlation.from_groups([CorrelationGroup(("x", "y", "z"), 1.0, "UCD")],
                                   method=method)
    out = corr.induce(np.random.default_rng(3).random((500, 3)))
    ranks = out.argsort(axis=0).argsort(axis=0)
    np.testing.assert_array_equal(ranks[:, 0], ranks[:, 1])
    np.testing.assert_array_equal(ranks[:, 0], ranks[:, 2])


def test_partly_correlated_group_and_pairs_combine():
    corr = Correlation.from_groups([CorrelationGroup(("a", "b", "c"), 0.6)], {("c", "d"): -0.4})
    assert corr.names == ("a", "b", "c", "d")
    expected = np.array([[1, .6, .6, 0], [.6, 1, .6, 0], [.6, .6, 1, -.4], [0, 0, -.4, 1]])
    np.testing.assert_array_equal(corr.matrix, expected)
    assert not corr.matrix.flags.writeable


def test_gaussian_copula_is_drawwise():
    factor = correlation_factor(spearman_to_normal(TARGET))
    u = np.random.default_rng(4).random((100, 3))
    np.testing.assert_array_equal(gaussian_copula(u, factor)[17:40],
                                  gaussian_copula(u[17:40], factor))


@pytest.mark.parametrize(("matrix", "codes"), [
    ([[1, 0.5], [0.4, 1]], {"not-symmetric"}),
    ([[2, 0.5], [0.5, 1]], {"bad-diagonal", "out-of-range"}),
    ([[1, 1.5], [1.5, 1]], {"out-of-range"}),
    ([[1, .9, -.9], [.9, 1, .9], [-.9, .9, 1]], {"not-positive-semidefinite"}),
    ([[1, 0], [0, 1], [0, 0]], {"bad-shape"}),
    ([[1, np.nan], [np.nan, 1]], {"not-finite"}),
])
def test_invalid_matrices_are_refused_with_reasons(matrix: list, codes: set[str]):
    names = ("a", "b", "c")[: len(matrix[0])]
    with pytest.raises(AppraisalValidationError) as caught:
        Correlation(names, np.array(matrix, dtype=float))
    assert {i.code for i in caught.value.issues} == codes
    assert all(i.fix for i in caught.value.issues)


def test_conflicting_group_and_pair_is_reported():
    with pytest.raises(AppraisalValidationError) as caught:
        Correlation.from_groups([CorrelationGroup(("a", "b"), 0.5)], {("a", "b"): 0.7})
    assert [i.code for i in caught.value.issues] == ["conflicting-correlation"]


def test_overlapping_full_groups_are_inconsistent():
    """a~b = 1 and b~c = 1 force a~c = 1; leaving it at 0 is not a correlation matrix."""
    with pytest.raises(AppraisalValidationError) as caught:
        Correlation.from_groups([CorrelationGroup(("a", "b")), CorrelationGroup(("b", "c"))])
    assert caught.value.issues[0].code == "not-positive-semidefinite"


def test_parse_groups_and_pairs():
    found = Issues()
    data = {"method": "gaussian-copula",
            "groups": [{"name": "UCD", "inputs": ["a", "b"], "rho": 1.0}],
            "pairs": [{"inputs": ["b", "c"], "rho": 0.3}, {"inputs": ["a", "c"], "rho": 0.3}]}
    corr = parse_correlation(data, locate=_locate, issues=found, path=("correlation",),
                             inputs=["a", "b", "c"])
    assert not found.items
    assert corr == Correlation(("a", "b", "c"), [[1, 1, .3], [1, 1, .3], [.3, .3, 1]],
                               "gaussian-copula")


def test_parse_matrix_round_trip():
    corr = Correlation(("a", "b", "c"), TARGET)
    found = Issues()
    assert parse_correlation(corr.to_dict(), locate=_locate, issues=found) == corr
    assert not found.items


def test_parse_reports_every_problem_with_its_location():
    found = Issues()
    data = {"method": "cholesky", "grups": [],
            "groups": [{"inputs": ["a", "bb"], "rho": 1.5}],
            "pairs": [{"inputs": ["a"], "rho": 0.2}]}
    assert parse_correlation(data, locate=_locate, issues=found, path=("correlation",),
                             inputs=["a", "b"]) is None
    got = {(i.code, i.field) for i in found.errors}
    assert got == {
        ("unknown-key", "correlation.grups"),
        ("unknown-method", "correlation.method"),
        ("unknown-input", "correlation.groups[0].inputs"),
        ("out-of-range", "correlation.groups[0].rho"),
        ("bad-inputs", "correlation.pairs[0].inputs"),
    }
    unknown = next(i for i in found.errors if i.code == "unknown-input")
    assert unknown.location == "case.yaml:correlation/groups/0/inputs"
    assert "'b'" in unknown.fix
    assert next(i for i in found.errors if i.code == "unknown-key").fix == \
        "did you mean 'groups'?"


def test_parse_inconsistent_pairs_is_located_at_the_section():
    found = Issues()
    data = {"pairs": [{"inputs": ["a", "b"], "rho": 0.9}, {"inputs": ["b", "c"], "rho": 0.9},
                      {"inputs": ["a", "c"], "rho": -0.9}]}
    assert parse_correlation(data, locate=_locate, issues=found, path=("correlation",)) is None
    assert found.errors[0].code == "not-positive-semidefinite"
    assert found.errors[0].location == "case.yaml:correlation"


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, (3, 3), elements=st.floats(-1.2, 1.2)))
def test_any_matrix_is_either_valid_or_refused(raw: np.ndarray):
    """Reliability plan P20 for correlation specs: valid, or the toolkit's own error."""
    matrix = (raw + raw.T) / 2
    np.fill_diagonal(matrix, 1.0)
    try:
        corr = Correlation(("a", "b", "c"), matrix)
    except AppraisalValidationError as err:
        issues = err.issues
        assert issues
        return
    assert np.linalg.eigvalsh(corr.matrix).min() >= -1e-9
    out = corr.induce(np.random.default_rng(0).random((256, 3)))
    assert np.all(np.isfinite(out))
    assert np.all((out > 0) & (out < 1))
