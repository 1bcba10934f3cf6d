"""Value of information from Monte Carlo draws: EVPI and regression-based EVPPI.

Net benefit draws have shape ``[D, O]``: one value per draw and option (e.g. NPSV of each
option against the counterfactual, in £).

- **EVPI**, the expected value of perfect information: ``E[max_o NB_o] - max_o E[NB_o]``,
  what resolving *all* uncertainty before deciding would be worth.
- **EVPPI** for a parameter or a group: the same for learning only those parameters. It
  is estimated by non-parametric regression on the existing draws (Strong, Oakley and
  Brennan 2014): each option's net benefit relative to the first option is regressed on a
  spline basis of the parameter(s); the fitted values estimate ``E[NB | parameters]``, and
  ``EVPPI = E[max_o fitted_o] - max_o E[fitted_o]``. No extra model runs are needed.

Regression bases (``[D, m]``, built on standardised parameters):

- one parameter: a cubic regression spline with ``knots`` interior knots at equally
  spaced quantiles (it reproduces any cubic; ``knots + 4`` columns with the intercept);
- two parameters: the tensor product of their spline bases (``(knots + 4)²`` columns);
- three or more: an additive spline basis plus pairwise linear interactions (GAM-like;
  interactions beyond pairwise products are not captured);
- a parameter with at most ``knots + 3`` distinct values (e.g. a scenario choice) enters
  as indicator columns instead of a spline.

Guarantee: the reported EVPPI lies in ``[0, EVPI]``. Regression noise can push the raw
estimate slightly below 0 (a parameter that does not matter) or above EVPI; the result
keeps the raw value and says whether it was clipped. Over-flexible bases bias EVPPI
upwards, so keep ``knots`` small relative to the number of draws.

References
----------
Strong, M., Oakley, J. E. and Brennan, A. (2014). Estimating multiparameter partial
expected value of perfect information from a probabilistic sensitivity analysis sample: a
nonparametric regression approach. *Medical Decision Making* 34(3), 311-326.

Björck, Å. (1967). Iterative refinement of linear least squares solutions I. *BIT* 7,
257-278 (the refinement step of the chunked fit; here on the normal equations in working
precision, whose accuracy depends on the square of the basis's condition number, so it
is held to the direct solve by a test rather than taken on trust: see Carson, E. and
Daužickaitė, I. (2024), *A comparison of mixed precision iterative refinement approaches
for least-squares problems*, arXiv:2405.18363, on refinement with the normal and
semi-normal equations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from appraisal.errors import Issues

__all__ = [
    "EVPPIResult",
    "cubic_spline_basis",
    "evpi",
    "evppi",
    "evppi_many",
    "evppi_table",
    "regression_basis",
]

DEFAULT_KNOTS = 3


def _net_benefit(net_benefit: Any, found: Issues) -> np.ndarray | None:
    try:
        nb = np.asarray(net_benefit, dtype=np.float64)
    except (TypeError, ValueError):
        nb = np.empty(0)
    if nb.ndim != 2 or nb.shape[0] < 2 or nb.shape[1] < 1:
        found.error("bad-shape", "'net_benefit' must be a [draws, options] array with at "
                    f"least 2 draws (got shape {nb.shape})", field="net_benefit",
                    fix="stack the options' net benefit draws as columns")
        return None
    if not np.isfinite(nb).all():
        found.error("not-finite", f"'net_benefit' has {int((~np.isfinite(nb)).sum())} NaN or "
                    "infinite value(s)", field="net_benefit",
                    fix="find the draws where the model divides by zero or overflows")
        return None
    return nb


def _row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=1)`` column by column (the same numbers: a maximum does not round;
    a reduction over a short last axis is slow in numpy)."""
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(out, a[:, j], out=out)
    return out


#: Rows from which the regression's column means and variances are taken column by column
#: (pairwise sums, within rounding of numpy's ``axis=0`` reduction and four times faster
#: on a tall array of a few columns); up to this, by the ``axis=0`` reduction itself.
_COLUMNWISE_ROWS = 1 << 17


def _column_mean(a: np.ndarray) -> np.ndarray:
    """``a.mean(axis=0)``; column by column beyond :data:`_COLUMNWISE_ROWS` rows."""
    if a.shape[0] <= _COLUMNWISE_ROWS:
        return a.mean(axis=0)
    return np.array([a[:, j].mean() for j in range(a.shape[1])])


def _column_var(a: np.ndarray) -> np.ndarray:
    """``a.var(axis=0)``; column by column beyond :data:`_COLUMNWISE_ROWS` rows."""
    if a.shape[0] <= _COLUMNWISE_ROWS:
        return a.var(axis=0)
    return np.array([a[:, j].var() for j in range(a.shape[1])])


def _evpi(nb: np.ndarray) -> float:
    return float(_row_max(nb).mean() - nb.mean(axis=0).max())


def evpi(net_benefit: npt.ArrayLike) -> float:
    """Expected value of perfect information from draws ``[D, O]``.

    Examples
    --------
    Two options; the second is better in half the draws, by 1 or -1:

    >>> evpi([[0.0, 1.0], [0.0, -1.0]])
    0.5
    """
    found = Issues()
    nb = _net_benefit(net_benefit, found)
    found.raise_if_errors("evpi")
    return _evpi(cast(np.ndarray, nb))


def cubic_spline_basis(x: npt.ArrayLike, knots: npt.ArrayLike) -> np.ndarray:
    """Cubic regression spline basis ``[x, x², x³, (x - t_1)³+, ..., (x - t_K)³+]``.

    Pure kernel: does not validate. ``knots`` are the interior knots; the spline is a cubic
    polynomial between them with continuous second derivatives, and reproduces any cubic
    exactly.

    Examples
    --------
    >>> cubic_spline_basis(np.linspace(0, 1, 5), [0.5]).shape
    (5, 4)
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(knots, dtype=np.float64).reshape(-1)
    return np.column_stack([x, x**2, x**3, np.clip(x[:, None] - t[None, :], 0.0, None) ** 3])


_PREFIX = 4096


def _one_parameter_plan(x: np.ndarray, knots: int,
                        moments: tuple[float, float] | None = None) -> tuple[Any, ...]:
    """How to build one parameter's columns, from statistics over all its draws
    (``moments``: ``x.mean()`` and ``x.std()`` when already at hand)."""
    # a prefix with more distinct values than levels allows settles it without sorting all
    levels = np.unique(x[:_PREFIX])
    if levels.size <= knots + 3:
        levels = np.unique(x)
    if levels.size <= 1:
        return ("none",)
    if levels.size <= knots + 3:
        return ("levels", levels[1:])
    mean, std = (x.mean(), x.std()) if moments is None else moments
    z = (x - mean) / std
    # from a sorted copy: the same order statistics, found faster than by numpy's
    # partition for several quantiles
    return ("spline", mean, std,
            np.quantile(np.sort(z), np.linspace(0.0, 1.0, knots + 2)[1:-1]))


def _one_parameter_columns(plan: tuple[Any, ...], x: np.ndarray) -> np.ndarray:
    """Columns (without intercept) for one parameter, built on its standardised values."""
    if plan[0] == "none":
        return np.empty((x.size, 0))
    if plan[0] == "levels":
        return (x[:, None] == plan[1][None, :]).astype(np.float64)
    _, mean, std, knots = plan
    return cubic_spline_basis((x - mean) / std, knots)


def _basis_plan(p: np.ndarray, knots: int) -> tuple[Any, ...]:
    """Everything :func:`regression_basis` needs from all the draws (levels, means,
    standard deviations, knots), so the basis can then be built a chunk of rows at a time."""
    if p.shape[0] <= _COLUMNWISE_ROWS:
        parts = tuple(_one_parameter_plan(p[:, i], knots) for i in range(p.shape[1]))
        mean, std = p.mean(axis=0), p.std(axis=0)
    else:  # column by column: the same mean and standard deviation as each part's own
        mean, std = _column_mean(p), np.sqrt(_column_var(p))
        parts = tuple(_one_parameter_plan(p[:, i], knots, (mean[i], std[i]))
                      for i in range(p.shape[1]))
    return parts, mean, np.where(std > 0, std, 1.0)


def _basis_rows(plan: tuple[Any, ...], p: np.ndarray) -> np.ndarray:
    parts_plan, mean, std = plan
    d, count = p.shape
    parts = [_one_parameter_columns(part, p[:, i]) for i, part in enumerate(parts_plan)]
    ones = np.ones((d, 1))
    if count == 2:
        a, b = (np.hstack([ones, part]) for part in parts)
        return (a[:, :, None] * b[:, None, :]).reshape(d, -1)
    columns = [ones, *parts]
    if count > 2:
        z = (p - mean) / std
        i, j = np.triu_indices(count, k=1)
        columns.append(z[:, i] * z[:, j])
    return np.hstack(columns)


def regression_basis(parameters: npt.ArrayLike, *, knots: int = DEFAULT_KNOTS) -> np.ndarray:
    """Regression basis ``[D, m]`` (first column the intercept) for EVPPI.

    Pure kernel: does not validate. See the module docstring for the basis by number of
    parameters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> [regression_basis(rng.random((100, p))).shape[1] for p in (1, 2, 3)]
    [7, 49, 22]
    """
    p = np.asarray(parameters, dtype=np.float64)
    p = p.reshape(p.shape[0], -1)
    return _basis_rows(_basis_plan(p, knots), p)


def _basis_size(count: int, knots: int) -> int:
    """Columns of :func:`regression_basis` for ``count`` continuous parameters."""
    if count == 2:
        return (knots + 4) ** 2
    return 1 + count * (knots + 3) + count * (count - 1) // 2


@dataclass(frozen=True, eq=False)
class EVPPIResult:
    """EVPPI for one parameter or group, with the diagnostics needed to trust it.

    ``value`` is clipped into ``[0, evpi]``; ``raw`` is the regression estimate before
    clipping and ``clipped`` says whether clipping changed it. ``r_squared`` is the share
    of the variance of each option's incremental net benefit (options 1.. against option
    0) that the parameters explain.
    """

    parameters: tuple[str, ...]
    value: float
    raw: float
    evpi: float
    clipped: bool
    r_squared: np.ndarray
    n_basis: int
    n: int


#: Bytes of regression basis held at once (32 MB): a run whose basis ``(D, m)`` is larger
#: is fitted a chunk of rows that size at a time (10^6 draws of a two-parameter group's
#: 49-column basis would be 400 MB at once); smaller ones by one least-squares solve.
EVPPI_BASIS_BYTES = 32 * 2**20


#: Rows of basis built at a time by the chunked fit (a block of the transposed basis stays
#: in cache); fixed, so the sums, and the numbers, never depend on a memory budget.
_GRAM_ROWS = 1 << 15


def _columns_into(out: np.ndarray, plan: tuple[Any, ...], x: np.ndarray) -> None:
    """One parameter's columns as the rows of ``out`` ``(k, n)`` (the transposed basis:
    each column contiguous): :func:`_one_parameter_columns` with products for the
    powers (``z * z * z`` for ``z**3``: within an ulp, ten times faster)."""
    if plan[0] == "levels":
        for i, level in enumerate(plan[1]):
            np.equal(x, level, out=out[i], casting="unsafe")
        return
    _, mean, std, knots = plan
    z = out[0]
    np.subtract(x, mean, out=z)
    z /= std
    np.multiply(z, z, out=out[1])
    np.multiply(out[1], z, out=out[2])
    for i, t in enumerate(knots):
        h = out[3 + i]
        np.subtract(z, t, out=h)
        np.maximum(h, 0.0, out=h)
        np.multiply(h, h * h, out=h)


def _basis_block(plan: tuple[Any, ...], p: np.ndarray) -> np.ndarray:
    """The basis of :func:`_basis_rows` transposed, ``(m, n)``, to rounding."""
    parts_plan, mean, std = plan
    n, count = p.shape
    widths = [0 if part[0] == "none" else part[1].size if part[0] == "levels"
              else 3 + part[3].size for part in parts_plan]
    if count == 2:
        a, b = (np.empty((1 + w, n)) for w in widths)
        for out, part, i in ((a, parts_plan[0], 0), (b, parts_plan[1], 1)):
            out[0] = 1.0
            if part[0] != "none":
                _columns_into(out[1:], part, p[:, i])
        return (a[:, None, :] * b[None, :, :]).reshape(-1, n)
    pairs = count * (count - 1) // 2 if count > 2 else 0
    out = np.empty((1 + sum(widths) + pairs, n))
    out[0] = 1.0
    at = 1
    z = []  # each parameter's standardised values, for the pairs
    for i, (part, w) in enumerate(zip(parts_plan, widths, strict=True)):
        if w:
            _columns_into(out[at:at + w], part, p[:, i])
        if pairs:
            # a spline's first column is (x - mean) / std already: the pair's own z when
            # its mean and standard deviation are the same numbers
            same = part[0] == "spline" and part[1] == mean[i] and part[2] == std[i]
            z.append(out[at] if same else (p[:, i] - mean[i]) / std[i])
        at += w
    if pairs:
        for i, j in zip(*np.triu_indices(count, k=1), strict=True):
            np.multiply(z[i], z[j], out=out[at])
            at += 1
    return out


#: The refinement step's fitted values are added (a third pass over the rows) only when
#: their root mean square exceeds this share of the fit's: below, they change the fitted
#: values by less than a few units in the last place of the largest.
_REFINE_RTOL = 1e-12


def _least_squares(plan: tuple[Any, ...], params: np.ndarray, y: np.ndarray,
                   chunk: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Coefficients, fitted values ``(D, q)`` and basis size of ``y ~ basis(params)``.

    Up to ``chunk`` rows (default: :data:`EVPPI_BASIS_BYTES` of basis): one least-squares
    solve (``numpy.linalg.lstsq``). Larger runs: the normal equations accumulated over
    fixed blocks of rows (``B'B`` and ``B'y``, one BLAS thread), solved, then refined once
    on the residuals (``c += (B'B)^-1 B'(y - Bc)``, one step of iterative refinement,
    which brings the fit to the accuracy of the direct solve: the test
    ``test_evppi_by_chunks_equals_one_least_squares_solve`` holds them to 1e-9). The
    blocks are fixed (``chunk`` rows, at most :data:`_GRAM_ROWS`), never chosen from a
    memory budget, so a run gives the same numbers whatever the budget. Two passes over
    the rows, each building a block of the basis, and a third to add the step's fitted
    values when they are above :data:`_REFINE_RTOL` of the fit: ``O(D m^2)`` work,
    ``block x m`` memory.
    """
    from appraisal.engine.kernel import blas_threads

    D = params.shape[0]
    if chunk is None:
        width = _basis_rows(plan, params[:1]).shape[1] + y.shape[1]
        chunk = max(1024, EVPPI_BASIS_BYTES // (8 * width))
    if D <= chunk:
        basis = _basis_rows(plan, params)
        with blas_threads():
            coefficients, *_ = np.linalg.lstsq(basis, y, rcond=None)
            return coefficients, basis @ coefficients, basis.shape[1]
    block = min(chunk, _GRAM_ROWS)
    starts = range(0, D, block)
    with blas_threads():
        gram = None
        cross = None
        for start in starts:
            rows = _basis_block(plan, params[start:start + block])
            g, h = rows @ rows.T, rows @ y[start:start + block]
            gram, cross = (g, h) if gram is None else (gram + g, cross + h)
        gram, cross = cast(np.ndarray, gram), cast(np.ndarray, cross)
        m = gram.shape[0]
        # the rank cut-off of lstsq on the basis itself (eps * max(D, m)), on B'B's scale
        rcond = np.finfo(np.float64).eps * max(D, m)
        coefficients, *_ = np.linalg.lstsq(gram, cross, rcond=rcond)
        fitted = np.empty_like(y)
        correction = np.zeros_like(cross)
        for start in starts:
            rows = _basis_block(plan, params[start:start + block])
            f = rows.T @ coefficients
            fitted[start:start + block] = f
            correction += rows @ (y[start:start + block] - f)
        step, *_ = np.linalg.lstsq(gram, correction, rcond=rcond)
        coefficients = coefficients + step
        # the third pass adds the step's fitted values, unless they are below the fit's
        # rounding: by root mean square over the draws, from B'B (s'B'Bs against c'B'Bc)
        if np.einsum("ij,ik,kj->", step, gram, step) > \
                _REFINE_RTOL ** 2 * np.einsum("ij,ik,kj->", coefficients, gram, coefficients):
            for start in starts:
                fitted[start:start + block] += _basis_block(
                    plan, params[start:start + block]).T @ step
    return coefficients, fitted, m


def _prepared(nb: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """What every EVPPI of the same draws shares: EVPI, the net benefit of options 1..
    against option 0 and its variance."""
    incremental = nb[:, 1:] - nb[:, :1]
    return _evpi(nb), incremental, _column_var(incremental)


def _evppi(nb: np.ndarray, params: np.ndarray, names: tuple[str, ...],
           knots: int, chunk: int | None = None,
           prepared: tuple[float, np.ndarray, np.ndarray] | None = None) -> EVPPIResult:
    if nb.shape[1] == 1:
        return EVPPIResult(names, 0.0, 0.0, _evpi(nb), False, np.empty(0), 0, nb.shape[0])
    total, incremental, spread = _prepared(nb) if prepared is None else prepared
    params = params.reshape(params.shape[0], -1)
    _, fitted, n_basis = _least_squares(_basis_plan(params, knots), params, incremental,
                                        chunk)
    raw = float(np.clip(_row_max(fitted), 0.0, None).mean()
                - max(0.0, float(_column_mean(fitted).max())))
    value = min(max(raw, 0.0), total)
    residual = np.subtract(incremental, fitted, out=fitted)  # fitted is not needed again
    r2 = np.where(spread > 0, 1.0 - _column_var(residual) /
                  np.where(spread > 0, spread, 1.0), 0.0)
    return EVPPIResult(names, value, raw, total, value != raw, r2, n_basis, nb.shape[0])


def _parameter_array(parameters: Any, d: int | None, found: Issues,
                     field: str) -> np.ndarray | None:
    try:
        p = np.asarray(parameters, dtype=np.float64)
    except (TypeError, ValueError):
        p = np.empty(0)
    if p.ndim not in (1, 2) or p.shape[0] != d or p.size == 0:
        found.error("bad-shape", f"{field!r} must have one row per draw ({d}; got shape "
                    f"{p.shape})", field=field, fix="pass the parameter draws kept from the "
                    "same Monte Carlo run (keep_inputs=...)")
        return None
    if not np.isfinite(p).all():
        found.error("not-finite", f"{field!r} has NaN or infinite values", field=field,
                    fix="pass finite parameter draws")
        return None
    return p.reshape(d, -1)


def evppi(net_benefit: npt.ArrayLike,
          parameters: npt.ArrayLike | Mapping[str, npt.ArrayLike], *,
          knots: int = DEFAULT_KNOTS) -> EVPPIResult:
    """EVPPI of a parameter or a group of parameters, by regression on the draws.

    Parameters
    ----------
    net_benefit : array_like
        ``[D, O]`` net benefit draws.
    parameters : array_like or mapping
        The parameter draws, from the same run: ``[D]``, ``[D, P]``, or a mapping of
        names to ``[D]`` arrays (a group).
    knots : int
        Interior knots per cubic spline (>= 0; at equally spaced quantiles).

    Returns
    -------
    EVPPIResult
        With ``0 <= value <= evpi`` (see the module docstring on clipping).

    Examples
    --------
    The incremental net benefit is ``theta + noise``; learning ``theta`` is worth almost
    all of the EVPI when the noise is small:

    >>> rng = np.random.default_rng(11)
    >>> theta = rng.normal(0.0, 1.0, 20_000)
    >>> nb = np.column_stack([np.zeros_like(theta), theta + rng.normal(0, 0.1, theta.size)])
    >>> res = evppi(nb, {"theta": theta})
    >>> res.parameters, bool(0.9 * res.evpi < res.value <= res.evpi)
    (('theta',), True)
    """
    found = Issues()
    nb = _net_benefit(net_benefit, found)
    d = None if nb is None else nb.shape[0]
    if isinstance(parameters, Mapping):
        names = tuple(str(n) for n in parameters)
        arrays = [_parameter_array(v, d, found, f"parameters.{n}")
                  for n, v in parameters.items()]
        params = None if any(a is None for a in arrays) or not arrays else np.hstack(arrays)
        if not arrays:
            found.error("bad-shape", "'parameters' is empty", field="parameters",
                        fix="name at least one parameter")
    else:
        params = _parameter_array(parameters, d, found, "parameters")
        names = tuple(f"x{i}" for i in range(params.shape[1])) if params is not None else ()
    if isinstance(knots, bool) or not isinstance(knots, int) or knots < 0:
        found.error("invalid-argument", f"'knots' must be an integer >= 0 (got {knots!r})",
                    field="knots", fix="use the default (3)")
    elif params is not None and d is not None and _basis_size(params.shape[1], knots) * 10 > d:
        found.error("too-few-draws", f"{d} draws are too few for a {params.shape[1]}-parameter "
                    "regression", field="parameters",
                    fix="use more draws or fewer parameters in the group")
    found.raise_if_errors("evppi")
    return _evppi(cast(np.ndarray, nb), cast(np.ndarray, params), names, knots)


def evppi_many(net_benefit: npt.ArrayLike,
               parameter_sets: Mapping[str, Mapping[str, npt.ArrayLike]], *,
               knots: int = DEFAULT_KNOTS, executor: Executor | None = None
               ) -> dict[str, EVPPIResult]:
    """:func:`evppi` of several parameters or groups of the same draws, keyed as given.

    The same numbers as calling :func:`evppi` on each, with the net benefit checked once
    and what the fits share (EVPI, the incremental net benefit and its variance) computed
    once. With an ``executor`` (e.g. a :class:`~concurrent.futures.ThreadPoolExecutor`:
    the fits' array work releases the interpreter lock) the fits run as its tasks, the
    largest bases first, with BLAS on one thread; each fit is computed as it would be
    alone, so the numbers are the same.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> a, b = rng.normal(size=(2, 5000))
    >>> nb = np.column_stack([np.zeros(5000), a + 0.2 * b])
    >>> many = evppi_many(nb, {"a": {"a": a}, "both": {"a": a, "b": b}})
    >>> many["a"].value == evppi(nb, {"a": a}).value, list(many)
    (True, ['a', 'both'])
    """
    found = Issues()
    nb = _net_benefit(net_benefit, found)
    found.raise_if_errors("evppi")
    nb = cast(np.ndarray, nb)
    if isinstance(knots, bool) or not isinstance(knots, int) or knots < 0:
        found.error("invalid-argument", f"'knots' must be an integer >= 0 (got {knots!r})",
                    field="knots", fix="use the default (3)")
    for key, group in parameter_sets.items():  # checked first, stacked one group at a time
        arrays = [_parameter_array(v, nb.shape[0], found, f"{key}.{n}")
                  for n, v in group.items()]
        if not arrays:
            found.error("bad-shape", f"{key!r} names no parameter", field=str(key),
                        fix="name at least one parameter")
        elif all(a is not None for a in arrays):
            count = sum(cast(np.ndarray, a).shape[1] for a in arrays)
            if isinstance(knots, int) and not isinstance(knots, bool) and knots >= 0 and \
                    _basis_size(count, knots) * 10 > nb.shape[0]:
                found.error("too-few-draws", f"{nb.shape[0]} draws are too few for a "
                            f"{count}-parameter regression", field=str(key),
                            fix="use more draws or fewer parameters in the group")
    found.raise_if_errors("evppi")
    prepared = _prepared(nb) if nb.shape[1] > 1 else None

    def fit(group: Mapping[str, npt.ArrayLike]) -> EVPPIResult:
        return _evppi(nb, np.hstack([np.asarray(v, dtype=np.float64).reshape(
            nb.shape[0], -1) for v in group.values()]), tuple(str(n) for n in group), knots,
                      prepared=prepared)

    if executor is None:
        return {key: fit(group) for key, group in parameter_sets.items()}
    from appraisal.engine.kernel import blas_threads

    def width(key: str) -> int:
        group = parameter_sets[key]
        return _basis_size(sum(np.asarray(v).reshape(nb.shape[0], -1).shape[1]
                               for v in group.values()), knots)

    with blas_threads():  # one BLAS thread a fit: the cores are shared out by fits
        futures = {key: executor.submit(fit, parameter_sets[key])
                   for key in sorted(parameter_sets, key=width, reverse=True)}
        return {key: futures[key].result() for key in parameter_sets}


def evppi_table(net_benefit: npt.ArrayLike, inputs: Mapping[str, npt.ArrayLike],
                groups: Mapping[str, Sequence[str]] | None = None, *,
                knots: int = DEFAULT_KNOTS) -> dict[str, EVPPIResult]:
    """EVPPI of each input and of each named group, keyed by input or group name.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> a, b = rng.normal(size=(2, 5000))
    >>> nb = np.column_stack([np.zeros(5000), a + 0.2 * b])
    >>> table = evppi_table(nb, {"a": a, "b": b}, groups={"both": ["a", "b"]})
    >>> table["a"].value > table["b"].value, round(table["both"].value / table["both"].evpi, 2)
    (True, 1.0)
    """
    found = Issues()
    for group, members in (groups or {}).items():
        missing = [m for m in members if m not in inputs]
        if missing:
            found.error("unknown-input", f"group {group!r} names inputs without draws: "
                        f"{missing}", field=f"groups.{group}", fix="keep those inputs' draws")
    found.raise_if_errors("evppi_table")
    table = {name: evppi(net_benefit, {name: values}, knots=knots)
             for name, values in inputs.items()}
    for group, members in (groups or {}).items():
        table[group] = evppi(net_benefit, {m: inputs[m] for m in members}, knots=knots)
    return table
