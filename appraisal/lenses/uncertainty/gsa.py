"""Global sensitivity analysis: Sobol indices, Morris screening and given-data methods.

This is the only module that imports SALib. SALib works on the unit hypercube here: every
input is sampled on [0, 1] and mapped through its distribution's ``ppf``, so the SALib
problem bounds are [0, 1] and any input distribution can take part.

- :func:`sobol_analysis`: first-order (S1) and total-order (ST) Sobol indices with bootstrap
  confidence intervals (Saltelli et al. 2010 estimators, as ``SALib.analyze.sobol``), for
  inputs or parameter groups. First and total order use :func:`sobol_first_total`, a
  vectorised re-implementation that gives SALib's numbers exactly for all outputs at once;
  second order calls SALib. The Saltelli design is built by a vectorised equivalent of
  ``SALib.sample.sobol.sample`` (scrambled Sobol' points, same row layout; checked in the
  tests) and evaluated chunk by chunk on any backend.
- :func:`sobol_convergence`: Sobol' points nest, so one run at ``n_max`` gives the analyses
  at ``n_max / 2``, ``n_max / 4``, ... for free; it reports, per doubling, the largest
  change in any ST, the widest ST confidence interval and whether the ranking held.
- :func:`morris_screening`: elementary effects (mu, mu*, sigma) to screen many inputs cheaply
  before Sobol.
- :func:`given_data_indices`: RBD-FAST, delta (Borgonovo) or PAWN indices on existing Monte
  Carlo draws: no extra model runs.

Seeds: pass ``rng`` (a :class:`numpy.random.Generator` or an int). Integer seeds for SALib
and the Sobol' scrambling are drawn from it, and recorded in the result's ``settings``.

Correlated inputs: Sobol and Morris indices assume independent inputs. For Sobol, inputs
correlated with each other can be put in one *group*; a correlation inside groups is then
honoured (induced per sample row with a Gaussian copula), and the group indices are valid.

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. *Computer Physics Communications*
181(2), 259-270.
Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley.
Herman, J. and Usher, W. (2017). SALib: an open-source Python library for sensitivity
analysis. *Journal of Open Source Software* 2(9), 97.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import numpy as np
from SALib.analyze import delta as salib_delta
from SALib.analyze import morris as salib_morris
from SALib.analyze import pawn as salib_pawn
from SALib.analyze import rbd_fast as salib_rbd_fast
from SALib.analyze import sobol as salib_sobol
from SALib.sample import morris as salib_morris_sample
from scipy import special
from scipy.stats import qmc

from appraisal.engine.kernel import blas_threads, reused_heap
from appraisal.errors import Issues
from appraisal.lenses.uncertainty.backends import Backend, resolve_backend
from appraisal.lenses.uncertainty.correlation import Correlation, gaussian_copula
from appraisal.lenses.uncertainty.distributions import Distribution

__all__ = [
    "ConvergenceReport",
    "ConvergenceStep",
    "SensitivityResult",
    "given_data_indices",
    "morris_screening",
    "saltelli_unit_sample",
    "sobol_analysis",
    "sobol_convergence",
    "sobol_first_total",
]

_U_MIN, _U_MAX = 2.0**-53, 1.0 - 2.0**-53
_DEFAULT_EVALUATIONS_PER_CHUNK = 65536
_GIVEN_DATA_METHODS = ("rbd_fast", "delta", "pawn")


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Sensitivity indices of one method for every output column.

    ``indices[key]`` has shape ``[len(outputs), len(names)]`` (``S2`` adds a last axis):
    e.g. ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for Sobol, ``mu``, ``mu_star``, ``sigma``,
    ``mu_star_conf`` for Morris. ``*_conf`` entries are half-widths of the
    ``conf_level`` bootstrap interval. ``names`` are inputs, or groups when grouped.
    ``variance`` (Sobol only) is each output's total variance ``V`` over the design's
    ``A`` and ``B`` rows, the denominator of the indices, in the output's units squared:
    ``S1 * V`` and ``ST * V`` are the first-order and total partial variances.
    """

    method: str
    names: tuple[str, ...]
    outputs: tuple[str, ...]
    indices: Mapping[str, np.ndarray]
    n_evaluations: int
    settings: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    variance: np.ndarray | None = None

    def partial_variances(self, key: str = "S1") -> np.ndarray:
        """``indices[key] * variance`` per output and input (units squared).

        Examples
        --------
        >>> from appraisal.lenses.uncertainty.distributions import Uniform
        >>> res = sobol_analysis(lambda x: {"y": 3 * x["a"] + x["b"]},
        ...                      {"a": Uniform(0, 1), "b": Uniform(0, 1)}, 1024, rng=1)
        >>> res.partial_variances("S1").round(2).tolist()  # analytic: 9/12 and 1/12
        [[0.75, 0.08]]
        """
        if self.variance is None:
            msg = f"{self.method} results carry no output variance"
            raise ValueError(msg)
        return np.asarray(self.indices[key]) * np.asarray(self.variance)[:, None]

    def to_frame(self) -> Any:
        """Long pandas DataFrame: one row per (output, input), one column per index."""
        import pandas as pd

        index = pd.MultiIndex.from_product([self.outputs, self.names], names=["output", "input"])
        data = {k: v.reshape(-1) for k, v in self.indices.items() if v.ndim == 2}
        return pd.DataFrame(data, index=index)


def _generator(rng: Any, found: Issues) -> np.random.Generator | None:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    found.error("invalid-seed", f"'rng' must be a numpy Generator or a non-negative int "
                f"(got {rng!r})", field="rng", fix="pass rng=np.random.default_rng(seed)")
    return None


def _int_seed(generator: np.random.Generator) -> int:
    # SALib only seeds its bootstrap ``if seed:``, so 0 would fall back to global state.
    return int(generator.integers(1, 2**31 - 1))


def _check_specs(specs: Any, found: Issues) -> list[str]:
    if not isinstance(specs, Mapping) or not specs or not all(
            isinstance(k, str) and isinstance(v, Distribution) for k, v in specs.items()):
        found.error("invalid-argument", "'specs' must map input names to distributions (at "
                    "least one)", field="specs", fix="pass e.g. {'cost': Normal(100, 10)}")
        return []
    return list(specs)


def _group_index(names: list[str], groups: Any, found: Issues) -> tuple[list[str], np.ndarray]:
    """Group label per input (ungrouped inputs are their own group), SALib's order."""
    label = {n: n for n in names}
    if groups is not None:
        if not isinstance(groups, Mapping):
            found.error("invalid-argument", "'groups' must map group names to input lists",
                        field="groups", fix="pass e.g. {'unit costs': ['capex', 'opex']}")
            groups = {}
        seen: dict[str, str] = {}
        for group, members in groups.items():
            for member in members:
                if member not in label:
                    found.error("unknown-input", f"group {group!r} lists {member!r}, which "
                                "has no distribution", field=f"groups.{group}",
                                fix="list only uncertain inputs")
                elif member in seen:
                    found.error("input-in-two-groups", f"{member!r} is in groups "
                                f"{seen[member]!r} and {group!r}", field=f"groups.{group}",
                                fix="put each input in at most one group")
                else:
                    seen[member] = group
                    label[member] = str(group)
    labels = [label[n] for n in names]
    unique = list(dict.fromkeys(labels))
    return unique, np.array([unique.index(x) for x in labels])


def _problem(names: list[str], group_names: list[str], group_of: np.ndarray,
             bounds: Sequence[Sequence[float]] | None = None) -> dict[str, Any]:
    problem: dict[str, Any] = {"num_vars": len(names), "names": list(names),
                               "bounds": [list(b) for b in bounds] if bounds is not None
                               else [[0.0, 1.0]] * len(names)}
    if len(group_names) < len(names):
        problem["groups"] = [group_names[g] for g in group_of]
    return problem


def saltelli_unit_sample(k: int, n: int, *, seed: int, group_of: np.ndarray | None = None,
                         calc_second_order: bool = False, start: int = 0,
                         stop: int | None = None,
                         correlation_factors: Sequence[tuple[np.ndarray, np.ndarray]] = (),
                         ) -> np.ndarray:
    """Rows of the Saltelli design on [0, 1]^k for base points ``start`` to ``stop - 1``.

    Pure kernel: does not validate. Same layout as ``SALib.sample.sobol.sample`` with
    bounds [0, 1] (rows for base point ``i``: ``A_i``, ``AB_i`` per group, ``BA_i`` per
    group if ``calc_second_order``, ``B_i``), without its Python loops. The base points come
    from ``scipy.stats.qmc.Sobol(2k, scramble=True, rng=seed)``; SALib passes the legacy
    ``seed=`` keyword, which scipy maps to a different stream, so the two designs share
    layout and properties but not values for the same integer.
    ``correlation_factors`` are ``(columns, factor)`` pairs: a Gaussian copula applied to
    those columns of ``A`` and ``B`` before crossing, which keeps within-group dependence.

    Examples
    --------
    >>> saltelli_unit_sample(3, 8, seed=1).shape  # n (k + 2) rows
    (40, 3)
    """
    stop = n if stop is None else stop
    engine = qmc.Sobol(d=2 * k, scramble=True, rng=seed)
    if start:
        engine.fast_forward(start)
    base = engine.random(stop - start)
    a, b = base[:, :k], base[:, k:]
    for columns, factor in correlation_factors:
        a[:, columns] = gaussian_copula(a[:, columns], factor)
        b[:, columns] = gaussian_copula(b[:, columns], factor)
    group_of = np.arange(k) if group_of is None else np.asarray(group_of)
    swap = group_of[None, :] == np.arange(group_of.max() + 1)[:, None]  # [groups, k]
    blocks = [a[:, None, :], np.where(swap[None], b[:, None, :], a[:, None, :])]
    if calc_second_order:
        blocks.append(np.where(swap[None], a[:, None, :], b[:, None, :]))
    blocks.append(b[:, None, :])
    return np.concatenate(blocks, axis=1).reshape(-1, k)


def _output_names(outputs: str | Sequence[str] | None) -> list[str] | None:
    """Requested outputs as a list (a single name is allowed)."""
    if outputs is None:
        return None
    return [outputs] if isinstance(outputs, str) else list(outputs)


def _column_labels(name: str, shape: tuple[int, ...]) -> list[str]:
    if len(shape) == 1:
        return [name]
    return [f"{name}[{','.join(map(str, i))}]" for i in np.ndindex(*shape[1:])]


def _evaluate(model: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
              specs: Mapping[str, Distribution], outputs: Sequence[str] | None,
              rows: Callable[[int], np.ndarray], index: int) -> tuple[list[str], np.ndarray]:
    """Map unit rows of chunk ``index`` through the inputs' ppf, run the model, flatten."""
    u = np.clip(rows(index), _U_MIN, _U_MAX)
    inputs = {name: spec.ppf(u[:, k]) for k, (name, spec) in enumerate(specs.items())}
    result = model(inputs)
    found = Issues()
    if not isinstance(result, Mapping):
        found.error("bad-model-output", "the model must return a mapping of output names to "
                    f"arrays (got {type(result).__name__})", field="model",
                    fix="return e.g. {'npsv': array of shape [D, O]}")
        found.raise_if_errors("model evaluation")
    wanted = list(result) if outputs is None else list(outputs)
    labels: list[str] = []
    columns: list[np.ndarray] = []
    for name in wanted:
        value = np.asarray(result[name], dtype=np.float64) if name in result else None
        if value is None or value.ndim == 0 or value.shape[0] != u.shape[0]:
            found.error("bad-model-output", f"output {name!r} is missing or does not have one "
                        f"row per sample ({u.shape[0]})", field=f"outputs.{name}",
                        fix="return every requested output with the draws axis first")
            continue
        labels += _column_labels(name, value.shape)
        columns.append(value.reshape(value.shape[0], -1))
    found.raise_if_errors("model evaluation")
    return labels, np.hstack(columns)


def _collect(parts: Iterator[tuple[list[str], np.ndarray]], n_rows: int
             ) -> tuple[list[str], np.ndarray]:
    labels: list[str] = []
    out = np.empty((0, 0))
    position = 0
    for chunk_labels, block in parts:
        labels = chunk_labels
        if position == 0:
            out = np.empty((n_rows, block.shape[1]))
        out[position:position + block.shape[0]] = block
        position += block.shape[0]
    return labels, out


def _finite_outputs(labels: list[str], y: np.ndarray, found: Issues) -> None:
    bad = ~np.isfinite(y).all(axis=0)
    for c in np.flatnonzero(bad):
        found.error("not-finite", f"output {labels[c]!r} has "
                    f"{int((~np.isfinite(y[:, c])).sum())} NaN or infinite values; SALib "
                    "would spread them to every index", field=f"outputs.{labels[c]}",
                    fix="find the inputs at which the model divides by zero or overflows")


def sobol_first_total(y: np.ndarray, k: int, *, num_resamples: int = 100,
                      conf_level: float = 0.95, seed: int = 1) -> dict[str, np.ndarray]:
    """First- and total-order indices for every column of ``y`` at once (no second order).

    Pure kernel: does not validate (``y`` is ``[n (k + 2), C]`` in Saltelli row order, no
    constant columns). It computes exactly what ``SALib.analyze.sobol.analyze`` computes
    for each column (same normalisation, Saltelli et al. 2010 S1 and Jansen ST
    estimators, same bootstrap resamples for the same ``seed``; checked in the tests) but
    takes each resample's means as a product with the resample's counts of each draw, so
    no input's draws are gathered per resample: many times faster with many inputs (the
    confidence intervals equal SALib's to rounding).

    Examples
    --------
    >>> u = saltelli_unit_sample(2, 512, seed=3)
    >>> y = (3 * u[:, 0] + u[:, 1])[:, None]
    >>> sobol_first_total(y, 2)["S1"].round(1).tolist()
    [[0.9, 0.1]]
    """
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    step = k + 2
    n = y.shape[0] // step
    blocks = y.reshape(n, step, -1)  # [N, k + 2, C]
    a, ab, b = blocks[:, 0], blocks[:, 1:-1], blocks[:, -1]
    z = float(special.ndtri(0.5 + conf_level / 2.0))
    r = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    var = np.var(np.concatenate([a, b]), axis=0)  # [C]
    resampled = np.concatenate([a[r], b[r]])  # [2N, R, C]: A's then B's resampled rows
    var_r = np.var(resampled, axis=0)  # [R, C]
    spread = np.ptp(resampled, axis=(0, 1))  # SALib: no CI if 0
    del resampled
    out = {key: np.zeros((y.shape[1], k)) for key in ("S1", "S1_conf", "ST", "ST_conf")}
    eps = np.finfo(float).eps

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.zeros_like(num), where=den > eps)

    # how many times each resample takes each draw: a resample's mean of a per-draw term is
    # then one product (R, N) @ (N, C), not a gather of every input's draws (the same
    # terms, summed in another order: equal to rounding)
    counts = np.bincount((np.arange(num_resamples)[:, None] * n + r.T).ravel(),
                         minlength=num_resamples * n).reshape(num_resamples, n)
    counts = counts.astype(np.float64)
    for j in range(k):
        ab_j = ab[:, j]
        first, total = b * (ab_j - a), (a - ab_j) ** 2
        out["S1"][:, j] = ratio(np.mean(first, axis=0), var)
        out["ST"][:, j] = ratio(0.5 * np.mean(total, axis=0), var)
        with blas_threads():  # small products: a second thread only waits (measured)
            s1_r = ratio((counts @ first) / n, var_r)
            st_r = ratio(0.5 * ((counts @ total) / n), var_r)
        out["S1_conf"][:, j] = np.where(spread != 0.0, z * s1_r.std(axis=0, ddof=1), 0.0)
        out["ST_conf"][:, j] = np.where(spread != 0.0, z * st_r.std(axis=0, ddof=1), 0.0)
    return out


def _output_variance(y: np.ndarray, rows_per_base: int) -> np.ndarray:
    """Variance of each output column over the design's A and B rows (SALib's denominator)."""
    blocks = y.reshape(-1, rows_per_base, y.shape[1])
    return np.var(np.concatenate([blocks[:, 0], blocks[:, -1]]), axis=0)


def _sobol_indices(problem: dict[str, Any], labels: list[str], y: np.ndarray, k: int, *,
                   calc_second_order: bool, num_resamples: int, conf_level: float,
                   seed: int) -> tuple[dict[str, np.ndarray], list[str]]:
    keys = ["S1", "S1_conf", "ST", "ST_conf"] + (["S2", "S2_conf"] if calc_second_order else [])
    out = {key: np.zeros((y.shape[1], k, k) if key.startswith("S2") else (y.shape[1], k))
           for key in keys}
    constant = np.ptp(y, axis=0) == 0.0
    notes = [f"output {labels[c]!r} is constant: all its indices are set to 0"
             for c in np.flatnonzero(constant)]
    live = np.flatnonzero(~constant)
    if not calc_second_order and live.size:
        # Bootstrap gathers are [N, resamples, outputs]: batch outputs to bound memory.
        per_batch = max(1, 2**22 // (y.shape[0] // (k + 2) * num_resamples))
        for first in range(0, live.size, per_batch):
            cols = live[first:first + per_batch]
            part = sobol_first_total(y[:, cols], k, num_resamples=num_resamples,
                                     conf_level=conf_level, seed=seed)
            for key, value in part.items():
                out[key][cols] = value
        return out, notes
    for c in live:
        result = salib_sobol.analyze(problem, y[:, c], calc_second_order=calc_second_order,
                                     num_resamples=num_resamples, conf_level=conf_level,
                                     seed=seed)
        for key in keys:
            out[key][c] = np.nan_to_num(np.asarray(result[key]), nan=0.0) \
                if key.startswith("S2") else np.asarray(result[key])
    return out, notes


@dataclass(frozen=True)
class _SobolRun:
    """A planned Sobol run: validated arguments, problem and seeds."""

    specs: Mapping[str, Distribution]
    names: list[str]
    group_names: list[str]
    problem: dict[str, Any]
    rows: Callable[[int], np.ndarray]
    rows_per_base: int
    base_per_chunk: int
    n: int
    settings: dict[str, Any]


def _plan_sobol(specs: Any, n: Any, rng: Any, groups: Any, calc_second_order: bool,
                correlation: Any, chunk_size: Any, source: str) -> _SobolRun:
    found = Issues()
    names = _check_specs(specs, found)
    generator = _generator(rng, found)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 or n & (n - 1):
        found.error("invalid-argument", f"'n' must be a power of 2, at least 2 (got {n!r}); "
                    "Sobol' points lose their balance otherwise", field="n",
                    fix="use e.g. n=2**13 (8192)")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        found.error("invalid-argument", f"'chunk_size' must be a positive integer (got "
                    f"{chunk_size!r})", field="chunk_size", fix="use e.g. 65536")
    group_names, group_of = _group_index(names, groups, found)
    factors: list[tuple[np.ndarray, np.ndarray]] = []
    if correlation is not None:
        if not isinstance(correlation, Correlation):
            found.error("invalid-argument", "'correlation' must be a Correlation",
                        field="correlation", fix="build it with Correlation.from_groups")
        else:
            factors = _group_factors(correlation, names, group_of, found)
    found.raise_if_errors(source)
    generator = cast(np.random.Generator, generator)
    sampler_seed, bootstrap_seed = _int_seed(generator), _int_seed(generator)
    dg = len(group_names)
    rows_per_base = (2 * dg + 2) if calc_second_order else (dg + 2)
    target = _DEFAULT_EVALUATIONS_PER_CHUNK if chunk_size is None else chunk_size
    base_per_chunk = 2 ** max(0, int(np.floor(np.log2(max(1, target // rows_per_base)))))
    base_per_chunk = min(base_per_chunk, int(n))
    rows = functools.partial(_saltelli_chunk, len(names), int(n), sampler_seed, group_of,
                             calc_second_order, base_per_chunk, tuple(factors))
    settings = {"n": int(n), "sampler_seed": sampler_seed, "bootstrap_seed": bootstrap_seed,
                "calc_second_order": calc_second_order,
                "groups": {g: [m for m, i in zip(names, group_of, strict=True)
                               if group_names[i] == g] for g in group_names}}
    return _SobolRun(dict(specs), names, group_names, _problem(names, group_names, group_of),
                     rows, rows_per_base, base_per_chunk, int(n), settings)


def _group_factors(correlation: Correlation, names: list[str], group_of: np.ndarray,
                   found: Issues) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copula factors per group; every correlated pair must lie inside one group."""
    missing = [c for c in correlation.names if c not in names]
    if missing:
        found.error("unknown-input", f"correlated inputs {missing} have no distribution",
                    field="correlation", fix="declare them or drop them from the correlation")
        return []
    position = [names.index(c) for c in correlation.names]
    factors = []
    for g in np.unique(group_of[position]):
        inside = [i for i, p in enumerate(position) if group_of[p] == g]
        outside = [i for i, p in enumerate(position) if group_of[p] != g]
        if np.any(correlation.matrix[np.ix_(inside, outside)] != 0.0):
            found.error("correlation-across-groups", "Sobol indices need independent "
                        "groups, but some correlated inputs are in different groups",
                        field="groups", fix="put correlated inputs in one group")
            return []
        if len(inside) > 1:
            sub = Correlation(tuple(correlation.names[i] for i in inside),
                              correlation.matrix[np.ix_(inside, inside)], "gaussian-copula")
            columns = np.array([position[i] for i in inside])
            factors.append((columns, sub.normal_factor()))
    return factors


def _saltelli_chunk(k: int, n: int, seed: int, group_of: np.ndarray, second: bool,
                    per_chunk: int, factors: tuple[tuple[np.ndarray, np.ndarray], ...],
                    index: int) -> np.ndarray:
    start = index * per_chunk
    return saltelli_unit_sample(k, n, seed=seed, group_of=group_of, calc_second_order=second,
                                start=start, stop=min(n, start + per_chunk),
                                correlation_factors=factors)


def _run_sobol(model: Any, run: _SobolRun, outputs: Sequence[str] | None,
               backend: Any) -> tuple[list[str], np.ndarray]:
    task = functools.partial(_evaluate, model, run.specs, _output_names(outputs), run.rows)
    n_chunks = -(-run.n // run.base_per_chunk)
    with reused_heap():  # each chunk's working arrays reused by the next
        labels, y = _collect(resolve_backend(backend).map(task, n_chunks, desc="Sobol"),
                             run.n * run.rows_per_base)
    found = Issues()
    _finite_outputs(labels, y, found)
    found.raise_if_errors("sobol_analysis")
    return labels, y


def sobol_analysis(model: Any, specs: Mapping[str, Distribution], n: int, *, rng: Any,
                   outputs: Sequence[str] | None = None,
                   groups: Mapping[str, Sequence[str]] | None = None,
                   correlation: Correlation | None = None, calc_second_order: bool = False,
                   num_resamples: int = 100, conf_level: float = 0.95,
                   chunk_size: int | None = None,
                   backend: Backend | int | str | None = None) -> SensitivityResult:
    """First- and total-order Sobol indices of every output column.

    Parameters
    ----------
    model : callable
        ``model(inputs) -> outputs`` with a leading draws axis (see
        :mod:`~appraisal.lenses.uncertainty.sampling`).
    specs : mapping of str to Distribution
        Uncertain inputs.
    n : int
        Base sample size, a power of 2. The model runs ``n (K + 2)`` times (``n (2K + 2)``
        with second order), K being the number of inputs or groups.
    rng : numpy.random.Generator or int
        Source of the integer seeds for the Sobol' scrambling and the bootstrap.
    outputs : sequence of str, optional
        Outputs to analyse (default: all the model returns). Trailing axes become
        columns, e.g. ``npsv[2]``.
    groups : mapping of str to list of str, optional
        Parameter groups: indices are reported per group.
    correlation : Correlation, optional
        Correlation between inputs of the same group (honoured with a Gaussian copula).
    calc_second_order : bool
        Also compute second-order indices ``S2`` (doubles the cost).
    num_resamples, conf_level
        Bootstrap resamples and confidence level (the reliability plan asks for at least
        1,000 resamples in final reports).
    chunk_size : int, optional
        Model evaluations per chunk (rounded to whole base points).
    backend : Backend, int, str or None
        Where to evaluate the chunks.

    Returns
    -------
    SensitivityResult
        ``indices`` ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (and ``S2``, ``S2_conf``).

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Uniform
    >>> specs = {"a": Uniform(0, 1), "b": Uniform(0, 1)}
    >>> res = sobol_analysis(lambda x: {"y": 3 * x["a"] + x["b"]}, specs, 1024, rng=1)
    >>> res.indices["S1"].round(1).tolist()  # analytic: 0.9 and 0.1
    [[0.9, 0.1]]
    """
    run = _plan_sobol(specs, n, rng, groups, calc_second_order, correlation, chunk_size,
                      "sobol_analysis")
    labels, y = _run_sobol(model, run, outputs, backend)
    indices, notes = _sobol_indices(run.problem, labels, y, len(run.group_names),
                                    calc_second_order=calc_second_order,
                                    num_resamples=num_resamples, conf_level=conf_level,
                                    seed=run.settings["bootstrap_seed"])
    return _sobol_result(run, labels, y, indices, notes, num_resamples, conf_level)


def _sobol_result(run: _SobolRun, labels: Sequence[str], y: np.ndarray,
                  indices: dict[str, np.ndarray], notes: Sequence[str], num_resamples: int,
                  conf_level: float) -> SensitivityResult:
    """The :class:`SensitivityResult` of a Sobol analysis of the model outputs ``y``."""
    settings = {**run.settings, "num_resamples": num_resamples, "conf_level": conf_level}
    return SensitivityResult("sobol", tuple(run.group_names), tuple(labels),
                             MappingProxyType(indices), y.shape[0],
                             MappingProxyType(settings), tuple(notes),
                             _output_variance(y, run.rows_per_base))


@dataclass(frozen=True)
class ConvergenceStep:
    """One sample size of a convergence check (the first step has nothing to compare)."""

    n: int
    max_st_change: float | None
    max_st_ci_width: float
    ranking_stable: bool | None


@dataclass(frozen=True, eq=False)
class ConvergenceReport:
    """Sobol indices at doubling sample sizes and whether they have settled.

    ``converged`` is true when, at the largest ``n``, the largest change of any ST since
    ``n / 2`` is below ``st_tolerance``, the widest ST interval (full width, twice SALib's
    ``ST_conf``) is below ``ci_tolerance``, and the ranking of the top inputs held.
    """

    steps: tuple[ConvergenceStep, ...]
    result: SensitivityResult
    st_tolerance: float
    ci_tolerance: float
    converged: bool


def sobol_convergence(model: Any, specs: Mapping[str, Distribution], n_max: int, *,
                      rng: Any, n_min: int = 256, st_tolerance: float = 0.02,
                      ci_tolerance: float = 0.05, top: int = 5,
                      **options: Any) -> ConvergenceReport:
    """Check Sobol convergence by doubling ``n`` from ``n_min`` to ``n_max``.

    The model runs once, at ``n_max``: Sobol' points nest, so the first ``n`` base points
    of that design are the design for ``n``. Each analysis uses the same bootstrap seed.
    The other keywords (``outputs``, ``groups``, ``correlation``, ``calc_second_order``,
    ``num_resamples``, ``conf_level``, ``chunk_size``, ``backend``) are those of
    :func:`sobol_analysis`, with its defaults; ``top`` is how many of the largest ST must
    keep their order. The default tolerances follow the reliability test plan
    (section 4.5).

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Uniform
    >>> specs = {"a": Uniform(0, 1), "b": Uniform(0, 1)}
    >>> rep = sobol_convergence(lambda x: {"y": 3 * x["a"] + x["b"]}, specs, 8192,
    ...                         rng=2, n_min=2048)
    >>> [s.n for s in rep.steps], rep.converged
    ([2048, 4096, 8192], True)
    """
    try:
        bound = inspect.signature(sobol_analysis).bind(model, specs, n_max, rng=rng, **options)
    except TypeError as exc:  # an unknown keyword: name this function, not sobol_analysis
        msg = f"sobol_convergence() {exc}"
        raise TypeError(msg) from None
    bound.apply_defaults()
    opt = bound.arguments
    second, num_resamples, conf_level = (opt["calc_second_order"], opt["num_resamples"],
                                         opt["conf_level"])
    run = _plan_sobol(specs, n_max, rng, opt["groups"], second, opt["correlation"],
                      opt["chunk_size"], "sobol_convergence")
    found = Issues()
    if isinstance(n_min, bool) or not isinstance(n_min, int) or n_min < 2 or \
            n_min & (n_min - 1) or n_min > n_max:
        found.error("invalid-argument", f"'n_min' must be a power of 2 between 2 and n_max "
                    f"(got {n_min!r})", field="n_min", fix="use e.g. n_min=256")
    found.raise_if_errors("sobol_convergence")
    labels, y = _run_sobol(model, run, opt["outputs"], opt["backend"])
    steps: list[ConvergenceStep] = []
    previous: dict[str, np.ndarray] | None = None
    n = n_min
    while n <= n_max:
        indices, notes = _sobol_indices(
            run.problem, labels, y[: n * run.rows_per_base], len(run.group_names),
            calc_second_order=second, num_resamples=num_resamples, conf_level=conf_level,
            seed=run.settings["bootstrap_seed"])
        st = indices["ST"]
        order = np.argsort(-st, axis=1)[:, :top]
        steps.append(ConvergenceStep(
            n, None if previous is None else float(np.abs(st - previous["ST"]).max()),
            float(2.0 * indices["ST_conf"].max()),
            None if previous is None else bool(np.array_equal(
                order, np.argsort(-previous["ST"], axis=1)[:, :top]))))
        previous = indices
        n *= 2
    last = steps[-1]
    converged = last.max_st_change is not None and last.max_st_change < st_tolerance and \
        last.max_st_ci_width < ci_tolerance and bool(last.ranking_stable)
    final = _sobol_result(run, labels, y, cast(dict, previous), notes, num_resamples,
                          conf_level)
    return ConvergenceReport(tuple(steps), final, st_tolerance, ci_tolerance, converged)


def morris_screening(model: Any, specs: Mapping[str, Distribution], trajectories: int, *,
                     rng: Any, num_levels: int = 4, groups: Mapping[str, Sequence[str]] |
                     None = None, optimal_trajectories: int | None = None,
                     outputs: Sequence[str] | None = None, num_resamples: int = 100,
                     conf_level: float = 0.95,
                     backend: Backend | int | str | None = None) -> SensitivityResult:
    """Morris elementary effects (mu, mu*, sigma) of every output column.

    Each input moves on a grid of ``num_levels`` equally likely quantile levels,
    ``(j + 0.5) / num_levels``, so unbounded distributions stay finite. Effects are per
    unit step of that probability grid, which makes them comparable across inputs. The
    model runs ``trajectories (K + 1)`` times.

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Normal
    >>> specs = {"big": Normal(0, 10), "small": Normal(0, 1), "none": Normal(0, 1)}
    >>> res = morris_screening(lambda x: {"y": x["big"] + x["small"]}, specs, 20, rng=3)
    >>> [res.names[i] for i in np.argsort(-res.indices["mu_star"][0])]
    ['big', 'small', 'none']
    """
    found = Issues()
    names = _check_specs(specs, found)
    generator = _generator(rng, found)
    for value, label, low in ((trajectories, "trajectories", 2), (num_levels, "num_levels", 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            found.error("invalid-argument", f"'{label}' must be an integer >= {low} (got "
                        f"{value!r})", field=label, fix=f"use e.g. {label}=20")
    group_names, group_of = _group_index(names, groups, found)
    found.raise_if_errors("morris_screening")
    generator = cast(np.random.Generator, generator)
    edge = 0.5 / num_levels
    problem = _problem(names, group_names, group_of, [[edge, 1.0 - edge]] * len(names))
    sample_seed, bootstrap_seed = _int_seed(generator), _int_seed(generator)
    x = salib_morris_sample.sample(problem, trajectories, num_levels=num_levels,
                                   optimal_trajectories=optimal_trajectories,
                                   seed=sample_seed)
    per_chunk = max(1, _DEFAULT_EVALUATIONS_PER_CHUNK // x.shape[1])
    task = functools.partial(_evaluate, model, dict(specs), _output_names(outputs),
                             functools.partial(_slice_rows, x, per_chunk))
    labels, y = _collect(resolve_backend(backend).map(task, -(-x.shape[0] // per_chunk),
                                                      desc="Morris"), x.shape[0])
    _finite_outputs(labels, y, found)
    found.raise_if_errors("morris_screening")
    keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    indices = {key: np.zeros((y.shape[1], len(group_names))) for key in keys}
    for c in range(y.shape[1]):
        result = salib_morris.analyze(problem, x, y[:, c], num_resamples=num_resamples,
                                      conf_level=conf_level, num_levels=num_levels,
                                      seed=bootstrap_seed)
        for key in keys:
            indices[key][c] = np.asarray(result[key], dtype=np.float64)
    settings = {"trajectories": trajectories, "num_levels": num_levels,
                "sample_seed": sample_seed, "bootstrap_seed": bootstrap_seed,
                "optimal_trajectories": optimal_trajectories}
    return SensitivityResult("morris", tuple(group_names), tuple(labels),
                             MappingProxyType(indices), x.shape[0], MappingProxyType(settings))


def _slice_rows(x: np.ndarray, per_chunk: int, index: int) -> np.ndarray:
    return x[index * per_chunk:(index + 1) * per_chunk]


@contextlib.contextmanager
def _contained_global_state() -> Iterator[None]:
    """Restore numpy's global RNG and the warnings machinery after a SALib call.

    ``SALib.analyze.delta`` and ``pawn`` seed and draw from ``np.random``'s global state and
    change warning filters and ``warnings.formatwarning``; the caller's state must not
    change. Not thread-safe (nor is SALib's use of global state).
    """
    state = np.random.get_state()  # noqa: NPY002 - saving SALib's global state, not using it
    formatter = warnings.formatwarning
    try:
        with warnings.catch_warnings():
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002 - restoring it
        warnings.formatwarning = formatter


def given_data_indices(inputs: Mapping[str, Any], output: Any, *, rng: Any,
                       method: str = "rbd_fast", output_name: str = "output",
                       **options: Any) -> SensitivityResult:
    """Sensitivity indices from existing draws (no extra model runs).

    Parameters
    ----------
    inputs : mapping of str to array
        Input draws ``[D]`` each (e.g. ``MonteCarloResult.inputs``).
    output : array_like
        Output draws ``[D]`` or ``[D, C, ...]`` from the same run.
    rng : numpy.random.Generator or int
        Source of the integer seed for the bootstrap.
    method : {"rbd_fast", "delta", "pawn"}
        ``rbd_fast``: first-order indices ``S1`` (Plischke 2010); ``delta``: Borgonovo's
        moment-independent delta, as SALib 1.6 reports it (``delta_raw`` on the draws as
        given, plus its ``delta_balanced`` and ``delta_step`` variants); ``pawn``:
        statistics of the Kolmogorov-Smirnov distance (``median`` is the usual summary).
        Delta and PAWN are defined for dependent inputs too.
    output_name : str
        Label stem for the output columns.
    **options
        Passed to the SALib analysis (e.g. ``M`` for RBD-FAST, ``S`` for PAWN,
        ``num_resamples``). For delta, ``delta_method`` is SALib's ``method``
        (``"delta"`` by default; ``"all"`` adds its first-order estimate, more slowly).

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> x = {"a": rng.random(4000), "b": rng.random(4000)}
    >>> res = given_data_indices(x, 3 * x["a"] + x["b"], rng=rng)
    >>> res.indices["S1"].round(1).tolist()
    [[0.9, 0.1]]
    """
    found = Issues()
    generator = _generator(rng, found)
    if method not in _GIVEN_DATA_METHODS:
        found.error("invalid-argument", f"unknown method {method!r}", field="method",
                    fix=f"use one of: {', '.join(_GIVEN_DATA_METHODS)}")
    names = list(inputs) if isinstance(inputs, Mapping) else []
    try:
        x = np.column_stack([np.asarray(inputs[n], dtype=np.float64) for n in names])
        y = np.asarray(output, dtype=np.float64)
    except (TypeError, ValueError):
        x, y = np.empty((0, 0)), np.empty(0)
    if not names or x.ndim != 2 or y.ndim == 0 or x.shape[0] != y.shape[0] or x.shape[0] < 10:
        found.error("bad-shape", "'inputs' and 'output' must hold the same draws (at least 10 "
                    f"rows; got inputs {x.shape}, output {y.shape})", field="inputs",
                    fix="pass the inputs and outputs kept from one Monte Carlo run")
    elif not np.isfinite(x).all():
        found.error("not-finite", "'inputs' has NaN or infinite values", field="inputs",
                    fix="pass finite draws")
    labels = _column_labels(output_name, y.shape)
    columns = y.reshape(y.shape[0], -1) if y.ndim else y.reshape(0, 0)
    if not found.has_errors:
        _finite_outputs(labels, columns, found)
    found.raise_if_errors("given_data_indices")
    seed = _int_seed(cast(np.random.Generator, generator))
    bounds = np.column_stack([x.min(axis=0), x.max(axis=0)])
    problem = _problem(names, names, np.arange(len(names)), bounds.tolist())
    salib_options = dict(options)
    if method == "delta":
        salib_options["method"] = salib_options.pop("delta_method", "delta")
    results = []
    for c in range(columns.shape[1]):
        if method == "rbd_fast":
            results.append(salib_rbd_fast.analyze(problem, x, columns[:, c], seed=seed,
                                                  **salib_options))
        else:
            analyze = salib_delta.analyze if method == "delta" else salib_pawn.analyze
            with _contained_global_state():
                results.append(analyze(problem, x, columns[:, c], seed=seed, **salib_options))
    keys = [k for k, v in results[0].items() if k not in ("names", "notes")
            and np.asarray(v).dtype.kind in "fi" and np.shape(v) == (len(names),)]
    indices = {k: np.array([np.asarray(r[k], dtype=np.float64) for r in results])
               for k in keys}
    notes = tuple(f"{labels[c]}: {note}" for c, r in enumerate(results)
                  for note in r.get("notes", []) if isinstance(note, str) and note.strip())
    return SensitivityResult(method, tuple(names), tuple(labels), MappingProxyType(indices),
                             0, MappingProxyType({"seed": seed, **salib_options}), notes)
