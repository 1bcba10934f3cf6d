"""Rank correlation between inputs: Iman–Conover induction and a Gaussian copula.

Inputs are sampled independently on the unit hypercube and then *rearranged* (Iman–Conover)
or *transformed* (Gaussian copula) so that the chosen inputs have a target Spearman rank
correlation. Because both act on uniforms, the marginal distributions are untouched: each
input still goes through its own ``ppf`` afterwards.

- **Iman–Conover** (the default) permutes each column of a block of draws so that the
  ranks follow normal scores with the target correlation. Every input keeps exactly the
  uniform values it was drawn with, so marginals are preserved draw for draw. The
  rearrangement needs a whole block of draws; :mod:`~appraisal.lenses.uncertainty.sampling`
  therefore applies it per fixed block, which keeps draw ``i`` independent of chunk size.
- **Gaussian copula** maps each draw separately (normal scores times a Cholesky factor),
  so it needs no block, at the price of changing which uniform each input receives.

Targets are Spearman correlations; both methods convert them to the normal scale with
``r = 2 sin(pi rho / 6)`` (Pearson 1907), which gives the exact rank correlation for the
Gaussian copula.

Inputs that share one evidence source are declared as a group
(:meth:`Correlation.from_groups`): ``rho = 1`` makes them move together exactly
(comonotone), a smaller ``rho`` partly together.

References
----------
Iman, R. L. and Conover, W. J. (1982). A distribution-free approach to inducing rank
correlation among input variables. *Communications in Statistics - Simulation and
Computation* 11(3), 311-334.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues
from appraisal.fields import did_you_mean, field_path
from appraisal.lenses.uncertainty.distributions import Locator, PathKey, Report

__all__ = [
    "CORRELATION_METHODS",
    "Correlation",
    "CorrelationGroup",
    "correlation_factor",
    "gaussian_copula",
    "iman_conover",
    "parse_correlation",
    "spearman_to_normal",
]

CORRELATION_METHODS: tuple[str, ...] = ("iman-conover", "gaussian-copula")
# Numerical slack for symmetry, the unit diagonal and the smallest eigenvalue.
_TOLERANCE = 1e-10
# Uniforms are kept inside (0, 1) so that unbounded inverse CDFs stay finite.
_U_MIN, _U_MAX = 2.0**-53, 1.0 - 2.0**-53


def _special() -> Any:
    """:mod:`scipy.special`, imported on first use (``import appraisal`` stays light)."""
    from scipy import special

    return special


def spearman_to_normal(rho: npt.ArrayLike) -> np.ndarray:
    """Pearson correlation of normal scores giving Spearman ``rho``: ``2 sin(pi rho / 6)``.

    Examples
    --------
    >>> spearman_to_normal([0.0, 0.5, 1.0]).round(4).tolist()
    [0.0, 0.5176, 1.0]
    """
    return 2.0 * np.sin(np.pi * np.asarray(rho, dtype=np.float64) / 6.0)


def correlation_factor(matrix: npt.ArrayLike) -> np.ndarray:
    """A factor ``F`` with ``F @ F.T == matrix``: Cholesky, or eigen-based if singular.

    Pure kernel: does not validate (``matrix`` must be symmetric positive semi-definite).

    Examples
    --------
    >>> f = correlation_factor([[1.0, 1.0], [1.0, 1.0]])
    >>> bool(np.allclose(f @ f.T, 1.0))
    True
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def _nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """Clip negative eigenvalues and restore the unit diagonal (a small, explicit repair).

    ``2 sin(pi rho / 6)`` can push a valid but nearly singular Spearman matrix slightly
    outside the positive semi-definite cone; the repair moves it back by about that much.
    """
    values, vectors = np.linalg.eigh(matrix)
    if values.min() >= 0.0:
        return matrix
    fixed = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / np.outer(scale, scale)


def _ranks(x: np.ndarray) -> np.ndarray:
    """``x.argsort(axis=0, kind="stable").argsort(axis=0, kind="stable")``: the same
    ranks, sorting contiguous columns once and inverting the permutation by a scatter (a
    stable sort has one answer, so the ranks do not depend on how they are found).

    Examples
    --------
    >>> _ranks(np.array([[0.3, 2.0], [0.1, 2.0], [0.2, 1.0]])).tolist()
    [[2, 1], [0, 2], [1, 0]]
    """
    columns = np.ascontiguousarray(x.T)  # (K, D)
    # distinct values have one sorting permutation: the faster unstable sort finds it;
    # with a tie (almost never, for continuous scores) the stable sort decides
    order = np.argsort(columns, axis=1)
    ordered = np.take_along_axis(columns, order, axis=1)
    if (ordered[:, 1:] == ordered[:, :-1]).any():
        order = np.argsort(columns, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(x.shape[0])[None, :], axis=1)
    return ranks.T


def iman_conover(u: npt.ArrayLike, factor: npt.ArrayLike) -> np.ndarray:
    """Rearrange each column of ``u`` [D, K] so ranks follow normal scores with ``F F^T``.

    Pure kernel: does not validate. Each output column is a permutation of the same input
    column. ``factor`` is a factor of the target correlation on the normal-score scale.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> u = rng.random((2000, 2))
    >>> out = iman_conover(u, correlation_factor(spearman_to_normal([[1, .7], [.7, 1]])))
    >>> bool(np.array_equal(np.sort(out, axis=0), np.sort(u, axis=0)))
    True
    >>> ranks = out.argsort(axis=0).argsort(axis=0)
    >>> round(float(np.corrcoef(ranks, rowvar=False)[0, 1]), 1)
    0.7
    """
    u = np.asarray(u, dtype=np.float64)
    return np.take_along_axis(np.sort(u, axis=0), _target_ranks(u, factor), axis=0)


def _target_ranks(u: np.ndarray, factor: npt.ArrayLike) -> np.ndarray:
    """The ranks :func:`iman_conover` gives each row of ``u`` ``[D, K]``: those of the
    normal scores with the sample correlation removed and ``F F^T`` imposed."""
    scores = _special().ndtri(np.clip(u, _U_MIN, _U_MAX))
    scores -= scores.mean(axis=0)
    # Remove the sample correlation the scores happen to have, then impose the target.
    # The correlation of the centred scores as np.corrcoef gives it (to rounding; a tenth
    # of its time on a block of draws, where its checks and copies dominate)
    cross = scores.T @ scores
    scale = np.sqrt(np.diag(cross))
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant column: nan, as there
        sample = np.clip(cross / scale[:, None] / scale[None, :], -1.0, 1.0)
    try:
        whitening = np.linalg.inv(np.linalg.cholesky(sample))
    except np.linalg.LinAlgError:  # fewer draws than inputs: no exact whitening exists
        whitening = np.linalg.pinv(correlation_factor(sample))
    target = scores @ whitening.T @ np.asarray(factor, dtype=np.float64).T
    return _ranks(target)


def gaussian_copula(u: npt.ArrayLike, factor: npt.ArrayLike) -> np.ndarray:
    """Map independent uniforms ``u`` [..., K] to uniforms with a Gaussian copula ``F F^T``.

    Pure kernel: does not validate. Works draw by draw (any leading shape).

    Examples
    --------
    >>> u = np.array([[0.5, 0.9]])
    >>> gaussian_copula(u, correlation_factor(np.eye(2))).round(6).tolist()
    [[0.5, 0.9]]
    """
    u = np.asarray(u, dtype=np.float64)
    z = _special().ndtri(np.clip(u, _U_MIN, _U_MAX)) @ np.asarray(factor, dtype=np.float64).T
    return np.clip(_special().ndtr(z), _U_MIN, _U_MAX)


@dataclass(frozen=True)
class CorrelationGroup:
    """Inputs sharing one evidence source, correlated with each other at ``rho``.

    ``rho = 1`` declares them fully correlated (they move together exactly).
    """

    inputs: tuple[str, ...]
    rho: float = 1.0
    name: str = ""


def _check_matrix(names: Sequence[str], matrix: np.ndarray, report: Report,
                  key: str | None) -> None:
    """Report every way ``matrix`` fails to be a correlation matrix for ``names``."""
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if list(names).count(n) > 1})
        report(key, "duplicate-input", f"inputs listed more than once: {dupes}",
               "list each input once")
    k = len(names)
    if matrix.ndim != 2 or matrix.shape != (k, k):
        report(key, "bad-shape", f"the correlation matrix must be {k}x{k} for inputs "
               f"{list(names)} (got shape {matrix.shape})", "give one row and column per input")
        return
    if not np.isfinite(matrix).all():
        report(key, "not-finite", "the correlation matrix has missing or infinite entries",
               "fill every entry with a number in [-1, 1]")
        return
    problems = [
        (not np.allclose(matrix, matrix.T, rtol=0.0, atol=_TOLERANCE), "not-symmetric",
         "the correlation matrix is not symmetric", "make entry (i, j) equal entry (j, i)"),
        (not np.allclose(np.diag(matrix), 1.0, rtol=0.0, atol=_TOLERANCE), "bad-diagonal",
         f"the diagonal must be all 1 (got {np.diag(matrix).tolist()})",
         "set each input's correlation with itself to 1"),
        (bool(np.any(np.abs(matrix) > 1.0 + _TOLERANCE)), "out-of-range",
         f"correlations must lie in [-1, 1] (largest magnitude {np.abs(matrix).max():g})",
         "enter correlations as numbers between -1 and 1, not percentages"),
    ]
    for failed, code, message, fix in problems:
        if failed:
            report(key, code, message, fix)
    if not any(p[0] for p in problems):
        smallest = float(np.linalg.eigvalsh(0.5 * (matrix + matrix.T)).min())
        if smallest < -_TOLERANCE:
            report(key, "not-positive-semidefinite",
                   "the correlations are mutually inconsistent (matrix not positive "
                   f"semi-definite; smallest eigenvalue {smallest:.3g})",
                   "weaken the strongest correlations or check their signs: if a~b and b~c "
                   "are strong, a~c cannot be weak or negative")


def _raise_if_invalid(names: Sequence[str], matrix: np.ndarray, method: str) -> None:
    issues = Issues()

    def report(key: str | None, code: str, message: str, fix: str) -> None:
        issues.error(code, message, field=key or "correlation", fix=fix)

    if method not in CORRELATION_METHODS:
        report("method", "unknown-method", f"unknown correlation method {method!r}",
               f"use one of: {', '.join(CORRELATION_METHODS)}")
    _check_matrix(names, matrix, report, "matrix")
    issues.raise_if_errors("Correlation")


@dataclass(frozen=True, eq=False)
class Correlation:
    """Target Spearman rank correlations between named inputs, and how to induce them.

    Parameters
    ----------
    names : sequence of str
        The correlated inputs (others stay independent).
    matrix : array_like
        Symmetric, unit-diagonal, positive semi-definite matrix with entries in [-1, 1].
    method : {"iman-conover", "gaussian-copula"}
        How to induce the correlation (see the module docstring).

    Examples
    --------
    >>> c = Correlation.from_groups([CorrelationGroup(("a", "b"), 1.0)])
    >>> c.names, c.matrix.tolist()
    (('a', 'b'), [[1.0, 1.0], [1.0, 1.0]])
    >>> Correlation(("a", "b"), [[1, 2], [2, 1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    appraisal.errors.AppraisalValidationError: Correlation: 1 problem
      error [out-of-range] matrix: correlations must lie in [-1, 1] (largest magnitude 2) ...
    """

    names: tuple[str, ...]
    matrix: np.ndarray
    method: str = "iman-conover"

    def __post_init__(self) -> None:
        names = tuple(self.names)
        matrix = np.array(self.matrix, dtype=np.float64, copy=True)
        _raise_if_invalid(names, matrix, self.method)
        matrix = 0.5 * (matrix + matrix.T)
        np.fill_diagonal(matrix, 1.0)
        matrix.flags.writeable = False
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "matrix", matrix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Correlation) and (self.names, self.method) == (
            other.names, other.method) and bool(np.array_equal(self.matrix, other.matrix))

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_groups(cls, groups: Iterable[CorrelationGroup] = (),
                    pairs: Mapping[tuple[str, str], float] | None = None, *,
                    method: str = "iman-conover") -> Correlation:
        """Build from groups of inputs sharing a source and from single pairs.

        Pairs not covered by any group or pair are independent (correlation 0).
        """
        issues = Issues()

        def report(key: str | None, code: str, message: str, fix: str) -> None:
            issues.error(code, message, field=key or "correlation", fix=fix)

        entries = [(g.inputs, g.rho, f"group {g.name or list(g.inputs)}", "groups")
                   for g in groups]
        entries += [((a, b), rho, f"pair {a}~{b}", "pairs")
                    for (a, b), rho in (pairs or {}).items()]
        names, matrix = _assemble(entries, report)
        issues.raise_if_errors("Correlation")
        return cls(names, matrix, method)

    def normal_factor(self) -> np.ndarray:
        """Factor ``F`` of the target on the normal-score scale (``F @ F.T``)."""
        return correlation_factor(_nearest_correlation(spearman_to_normal(self.matrix)))

    def induce(self, u: npt.ArrayLike) -> np.ndarray:
        """Induce the correlation on ``u`` [D, K], columns in the order of ``names``.

        Inputs whose target rows are identical (``rho = 1`` with each other) are driven by
        one column, so they are exactly comonotone rather than nearly so.
        """
        u = np.asarray(u, dtype=np.float64)
        keep, position, factor = self._induction
        if self.method == "gaussian-copula":
            return gaussian_copula(u[:, keep], factor)[:, position]
        ordered = np.sort(u, axis=0)
        ranks = _target_ranks(u[:, keep], factor)
        if position.size != keep.size and (ordered[1:, keep] == ordered[:-1, keep]).any():
            # a tie among a leader's draws: its followers take the ranks of the leader's
            # values as placed (ties broken by position), not the ranks of the scores
            ranks = _ranks(np.take_along_axis(ordered[:, keep], ranks, axis=0))
        return np.take_along_axis(ordered, ranks[:, position], axis=0)

    @functools.cached_property
    def _induction(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`induce` needs of the matrix, found once (it runs per block of
        draws): the inputs that drive a column (one per set of inputs perfectly
        correlated with each other), each input's driving column, and the factor of the
        drivers' target on the normal-score scale."""
        lead = _leaders(self.matrix)
        keep = np.unique(lead)
        factor = correlation_factor(
            _nearest_correlation(spearman_to_normal(self.matrix[np.ix_(keep, keep)])))
        return keep, np.searchsorted(keep, lead), factor

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form accepted by :func:`parse_correlation`."""
        return {"method": self.method,
                "matrix": {"names": list(self.names), "values": self.matrix.tolist()}}


def _leaders(matrix: np.ndarray) -> np.ndarray:
    """For each input, the first input it is perfectly (rho = 1) correlated with."""
    k = matrix.shape[0]
    lead = np.arange(k)
    for i in range(k):
        for j in range(i):
            if lead[j] == j and matrix[i, j] >= 1.0 - _TOLERANCE:
                lead[i] = j
                break
    return lead


_Entry = tuple[Sequence[Any], Any, str, Any]  # (inputs, rho, label, report key)


def _assemble(entries: list[_Entry], report: Report) -> tuple[tuple[str, ...], np.ndarray]:
    """Combine groups and pairs into one matrix, reporting bad values and conflicts."""
    names: list[str] = []
    for inputs, *_ in entries:
        names.extend(n for n in inputs if n not in names)
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    set_by: dict[tuple[int, int], str] = {}
    for inputs, rho, label, key in entries:
        if not (isinstance(rho, int | float) and not isinstance(rho, bool)
                and math.isfinite(rho) and -1.0 <= rho <= 1.0):
            report(key, "out-of-range", f"{label}: rho must be a number in [-1, 1] "
                   f"(got {rho!r})", "enter rho between -1 and 1, not a percentage")
            continue
        if len(inputs) < 2 or len(set(inputs)) != len(inputs):
            report(key, "bad-group", f"{label} needs at least two different inputs "
                   f"(got {list(inputs)})", "list two or more distinct inputs")
            continue
        for a in inputs:
            for b in inputs:
                i, j = index[a], index[b]
                if i < j:
                    if (i, j) in set_by and matrix[i, j] != rho:
                        report(key, "conflicting-correlation",
                               f"{a}~{b} is set to {matrix[i, j]:g} by {set_by[i, j]} and to "
                               f"{rho:g} by {label}", "give each pair one correlation")
                    matrix[i, j] = matrix[j, i] = float(rho)
                    set_by[i, j] = label
    _check_matrix(names, matrix, report, None)
    return tuple(names), matrix


def _strings(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes) and all(
        isinstance(v, str) for v in value)


def parse_correlation(data: Any, *, locate: Locator, issues: Issues,
                      path: tuple[PathKey, ...] = (),
                      inputs: Sequence[str] | None = None) -> Correlation | None:
    """Build a :class:`Correlation` from plain data, recording every problem in ``issues``.

    Parameters
    ----------
    data : mapping
        ``method`` (optional, ``iman-conover`` or ``gaussian-copula``) and either
        ``groups`` (list of ``{inputs: [...], rho: r, name: ...}``) and/or ``pairs``
        (list of ``{inputs: [a, b], rho: r}``), or ``matrix`` (``{names: [...],
        values: [[...], ...]}``).
    locate : callable
        Maps a path tuple to a location string such as ``"case.yaml:41:7"``.
    issues : Issues
        Collector that receives one located error per problem.
    path : tuple
        Path of ``data`` inside the document.
    inputs : sequence of str, optional
        Names of the uncertain inputs; names outside it are reported.

    Returns
    -------
    Correlation or None
        ``None`` when any problem was found.

    Examples
    --------
    >>> from appraisal.fields import field_path
    >>> found = Issues()
    >>> where = lambda path: "case.yaml:" + field_path(path)
    >>> data = {"groups": [{"inputs": ["a", "b", "c"], "rho": 0.8, "name": "UCD"}]}
    >>> parse_correlation(data, locate=where, issues=found, path=("correlation",)).names
    ('a', 'b', 'c')
    >>> bad = {"pairs": [{"inputs": ["a", "b"], "rho": 0.9}, {"inputs": ["b", "c"], "rho": 0.9},
    ...                  {"inputs": ["a", "c"], "rho": -0.9}]}
    >>> parse_correlation(bad, locate=where, issues=found, path=("correlation",))
    >>> found.items[-1].code
    'not-positive-semidefinite'
    """
    start = len(issues)

    def at(*keys: PathKey) -> tuple[PathKey, ...]:
        return (*path, *keys)

    def error(keys: tuple[PathKey, ...], code: str, message: str, fix: str) -> None:
        issues.error(code, message, location=locate(keys), field=field_path(keys), fix=fix)

    if not isinstance(data, Mapping):
        error(at(), "not-a-mapping", f"expected a mapping (got {type(data).__name__})",
              "give groups, pairs or a matrix")
        return None
    for key in data:
        if key not in ("method", "groups", "pairs", "matrix"):
            close = did_you_mean(str(key), ("method", "groups", "pairs", "matrix"))
            error(at(key), "unknown-key", f"unknown key {key!r}",
                  close or "use method, groups, pairs "
                  "or matrix")
    method = data.get("method", "iman-conover")
    if method not in CORRELATION_METHODS:
        error(at("method"), "unknown-method", f"unknown correlation method {method!r}",
              f"use one of: {', '.join(CORRELATION_METHODS)}")
    known = None if inputs is None else list(inputs)

    def check_names(names: Sequence[str], keys: tuple[PathKey, ...]) -> None:
        for name in names:
            if known is not None and name not in known:
                close = did_you_mean(name, known)
                error(keys, "unknown-input", f"{name!r} is not an uncertain input",
                      close or "declare a distribution "
                      "for it or remove it")

    if "matrix" in data:
        if "groups" in data or "pairs" in data:
            error(at("matrix"), "mixed-forms", "give either a matrix or groups/pairs, not both",
                  "keep one form")
        spec = data["matrix"]
        names = spec.get("names") if isinstance(spec, Mapping) else None
        values = spec.get("values") if isinstance(spec, Mapping) else None
        if not _strings(names):
            error(at("matrix", "names"), "bad-names", "'names' must be a list of input names",
                  "list the inputs in row order")
            return None
        check_names(names, at("matrix", "names"))
        try:
            matrix = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            matrix = np.full((0,), np.nan)

        def report(key: str | None, code: str, message: str, fix: str) -> None:
            error(at("matrix", "values"), code, message, fix)

        _check_matrix(names, matrix, report, None)
        if len(issues) > start:
            return None
        return Correlation(tuple(names), matrix, method)
    entries: list[_Entry] = []
    for section in ("groups", "pairs"):
        items = data.get(section, [])
        if not isinstance(items, Sequence) or isinstance(items, str | bytes):
            error(at(section), "not-a-list", f"'{section}' must be a list", "write a list")
            continue
        for i, item in enumerate(items):
            names = item.get("inputs") if isinstance(item, Mapping) else None
            if not _strings(names) or (section == "pairs" and len(names) != 2):
                need = "two input names" if section == "pairs" else "a list of input names"
                error(at(section, i, "inputs"), "bad-inputs", f"'inputs' must be {need} "
                      f"(got {names!r})", "list the input names")
                continue
            check_names(names, at(section, i, "inputs"))
            label = f"{section[:-1]} {i + 1}" + (f" ({item['name']})" if item.get("name") else "")
            entries.append((tuple(names), item.get("rho", 1.0 if section == "groups" else None),
                            label, at(section, i, "rho")))
    if not entries and len(issues) == start:
        error(at(), "empty-correlation", "no groups, pairs or matrix given",
              "declare at least one group or pair, or remove the section")

    def report_entry(key: Any, code: str, message: str, fix: str) -> None:
        error(key if isinstance(key, tuple) else at(), code, message, fix)

    names, matrix = _assemble(entries, report_entry)
    if len(issues) > start:
        return None
    return Correlation(names, matrix, method)
