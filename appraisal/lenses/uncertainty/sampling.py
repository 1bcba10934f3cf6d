"""Reproducible, chunked Monte Carlo sampling of the uncertain inputs.

Draws are generated in fixed **blocks** of ``block_size`` draws. Within block ``b``, input
``name`` gets its own random stream seeded by ``SeedSequence(entropy,
spawn_key=(*root_key, b, key(name)))``, where ``key(name)`` is a stable hash of the name.
Chunks are whole blocks, so:

- draw ``i`` is identical whatever the chunk size, the number of workers or the backend;
- the first ``n`` draws do not depend on the total ``n`` (a short run is a prefix of a
  long one: the last block is generated in full and cut);
- adding, removing or reordering *other* inputs leaves an input's draws unchanged (common
  random numbers across versions of a case), except for inputs tied by a correlation,
  which is induced per block.

Uniforms are kept strictly inside (0, 1) and mapped through each distribution's ``ppf``.
:func:`run_monte_carlo` evaluates a model chunk by chunk on any backend and keeps only the
requested outputs, so memory is bounded by the chunk size for everything else.

The model interface is ``model(inputs) -> outputs``: named input arrays with leading axis
``D`` (shape ``[D]`` for scalar inputs) in, named output arrays with leading axis ``D``
(e.g. ``"npsv"`` of shape ``[D, O]``) out.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from appraisal.engine.kernel import reused_heap
from appraisal.errors import Issues
from appraisal.lenses.uncertainty.backends import Backend, resolve_backend
from appraisal.lenses.uncertainty.correlation import Correlation
from appraisal.lenses.uncertainty.distributions import Constant, Distribution

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "Chunk",
    "ChunkPlan",
    "Model",
    "MonteCarloResult",
    "central_inputs",
    "run_monte_carlo",
    "sample_chunk",
    "sample_inputs",
    "seed_sequence",
    "uniform_block",
]

Model = Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]

DEFAULT_BLOCK_SIZE = 4096
DEFAULT_CHUNK_SIZE = 65536
_U_MIN, _U_MAX = 2.0**-53, 1.0 - 2.0**-53


class Chunk(NamedTuple):
    """Draws ``start`` to ``stop - 1`` of every input (unpacks as ``start, stop, inputs``)."""

    start: int
    stop: int
    inputs: dict[str, np.ndarray]


@dataclass(frozen=True)
class ChunkPlan:
    """How ``n`` draws split into blocks and chunks (chunks are whole blocks).

    Examples
    --------
    >>> plan = ChunkPlan(n=10_000, chunk_size=4096, block_size=4096)
    >>> plan.n_chunks, plan.bounds(2)
    (3, (8192, 10000))
    """

    n: int
    chunk_size: int
    block_size: int

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return -(-self.n // self.chunk_size)

    def bounds(self, index: int) -> tuple[int, int]:
        """``(start, stop)`` draw indices of chunk ``index``."""
        start = index * self.chunk_size
        return start, min(start + self.chunk_size, self.n)


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """The root :class:`numpy.random.SeedSequence` for ``seed`` (a non-negative int or one).

    Examples
    --------
    >>> seed_sequence(2024).entropy
    2024
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    found = Issues()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        found.error("invalid-seed", f"'seed' must be a non-negative integer or a "
                    f"numpy SeedSequence (got {seed!r})", field="seed",
                    fix="pass an explicit seed, e.g. seed=20240601, and record it")
    found.raise_if_errors("seed")
    return np.random.SeedSequence(int(seed))


def _name_key(name: str) -> int:
    """A stable 64-bit key for an input name (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def uniform_block(names: Sequence[str], block: int, root: np.random.SeedSequence,
                  block_size: int, correlation: Correlation | None = None) -> np.ndarray:
    """Uniforms in (0, 1) for block ``block``: shape ``[block_size, len(names)]``.

    Pure kernel: does not validate. Column ``k`` comes from the stream of ``names[k]``;
    the correlation, if any, is induced on its inputs' columns.

    Examples
    --------
    >>> root = np.random.SeedSequence(7)
    >>> a = uniform_block(["x", "y"], 0, root, 8)
    >>> b = uniform_block(["y"], 0, root, 8)
    >>> bool(np.array_equal(a[:, 1], b[:, 0]))  # y's draws do not depend on x
    True
    """
    u = np.empty((block_size, len(names)))
    for k, name in enumerate(names):
        child = np.random.SeedSequence(root.entropy, spawn_key=(
            *root.spawn_key, block, _name_key(name)), pool_size=root.pool_size)
        u[:, k] = np.random.Generator(np.random.PCG64(child)).random(block_size)
    np.clip(u, _U_MIN, _U_MAX, out=u)
    if correlation is not None:
        columns = [list(names).index(n) for n in correlation.names]
        u[:, columns] = correlation.induce(u[:, columns])
    return u


def _check_specs(specs: Any, found: Issues) -> None:
    if not isinstance(specs, Mapping):
        found.error("invalid-argument", f"'specs' must map input names to distributions "
                    f"(got {type(specs).__name__})", field="specs",
                    fix="pass a dict such as {'demand': Triangular(0.8, 1.0, 1.3)}")
        return
    for name, spec in specs.items():
        if not isinstance(name, str) or not isinstance(spec, Distribution):
            found.error("invalid-argument", f"input {name!r} must be named by a string and "
                        f"map to a Distribution (got {type(spec).__name__})",
                        field=f"specs.{name}", fix="build it with e.g. Normal(mean, sd)")


def _check_count(value: Any, field_name: str, found: Issues, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        found.error("invalid-argument", f"'{field_name}' must be a positive integer (got "
                    f"{value!r})", field=field_name, fix=f"give '{field_name}' as e.g. 10000")


def _plan(specs: Any, n: Any, seed: Any, correlation: Any, chunk_size: Any,
          block_size: Any, source: str) -> tuple[ChunkPlan, np.random.SeedSequence]:
    """Validate the sampling arguments (all problems at once) and plan the chunks."""
    found = Issues()
    _check_specs(specs, found)
    _check_count(n, "n", found)
    _check_count(chunk_size, "chunk_size", found, optional=True)
    _check_count(block_size, "block_size", found)
    if correlation is not None and not isinstance(correlation, Correlation):
        found.error("invalid-argument", f"'correlation' must be a Correlation (got "
                    f"{type(correlation).__name__})", field="correlation",
                    fix="build it with Correlation.from_groups(...)")
    elif correlation is not None and isinstance(specs, Mapping):
        missing = [n for n in correlation.names if n not in specs]
        if missing:
            found.error("unknown-input", f"correlated inputs {missing} have no distribution",
                        field="correlation", fix="declare a distribution for each correlated "
                        "input, or drop it from the correlation")
    try:
        root = seed_sequence(seed)
    except ValueError as exc:
        found.extend(getattr(exc, "issues", []))
    found.raise_if_errors(source)
    size = DEFAULT_CHUNK_SIZE if chunk_size is None else int(chunk_size)
    size = max(1, -(-size // int(block_size))) * int(block_size)  # round up to whole blocks
    return ChunkPlan(int(n), size, int(block_size)), root


def sample_chunk(specs: Mapping[str, Distribution], plan: ChunkPlan, index: int,
                 root: np.random.SeedSequence,
                 correlation: Correlation | None = None) -> Chunk:
    """Inputs for chunk ``index`` of ``plan``: whole blocks, cut at ``plan.n``.

    Pure kernel: does not validate (see :func:`sample_inputs`).
    """
    start, stop = plan.bounds(index)
    tied = () if correlation is None else correlation.names
    random_names = sorted(n for n, s in specs.items() if not isinstance(s, Constant) or n in tied)
    first = start // plan.block_size
    n_blocks = -(-(stop - start) // plan.block_size)
    blocks = [uniform_block(random_names, b, root, plan.block_size, correlation)
              for b in range(first, first + n_blocks)]
    inputs: dict[str, np.ndarray] = {}
    for name, spec in specs.items():
        if isinstance(spec, Constant):
            inputs[name] = np.full(stop - start, spec.value)
        else:
            # one whole, contiguous block at a time: numpy's vectorised functions may round
            # a strided or tail element differently, so a draw's value must not depend on
            # where its chunk starts or ends
            k = random_names.index(name)
            inputs[name] = np.concatenate([spec.ppf(np.ascontiguousarray(u[:, k]))
                                           for u in blocks])[: stop - start]
    return Chunk(start, stop, inputs)


def sample_inputs(specs: Mapping[str, Distribution], n: int,
                  seed: int | np.random.SeedSequence, correlation: Correlation | None = None,
                  chunk_size: int | None = None, *,
                  block_size: int = DEFAULT_BLOCK_SIZE) -> Iterator[Chunk]:
    """Yield the draws of every input, one chunk at a time.

    Parameters
    ----------
    specs : mapping of str to Distribution
        The uncertain inputs.
    n : int
        Number of draws.
    seed : int or numpy.random.SeedSequence
        Root seed; record it to reproduce the run.
    correlation : Correlation, optional
        Rank correlation between some of the inputs (induced per block).
    chunk_size : int, optional
        Draws per chunk, rounded up to whole blocks (default 65536).
    block_size : int
        Draws per block: the unit of seeding and of correlation induction. Changing it
        changes the draws.

    Yields
    ------
    Chunk
        ``(start, stop, inputs)`` with ``inputs[name]`` of shape ``[stop - start]``
        (integer indices for :class:`~appraisal.lenses.uncertainty.distributions.Discrete`).

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Normal, Uniform
    >>> specs = {"cost": Normal(100.0, 10.0), "uplift": Uniform(1.0, 1.2)}
    >>> [(start, stop) for start, stop, _ in sample_inputs(specs, 10_000, 42,
    ...                                                     chunk_size=4096)]
    [(0, 4096), (4096, 8192), (8192, 10000)]
    >>> whole = next(sample_inputs(specs, 10_000, 42)).inputs["cost"]
    >>> parts = np.concatenate([c.inputs["cost"] for c in sample_inputs(specs, 10_000, 42,
    ...                                                                 chunk_size=4096)])
    >>> bool(np.array_equal(whole, parts))
    True
    """
    plan, root = _plan(specs, n, seed, correlation, chunk_size, block_size, "sample_inputs")
    return (sample_chunk(specs, plan, i, root, correlation) for i in range(plan.n_chunks))


def central_inputs(specs: Mapping[str, Distribution]) -> dict[str, np.ndarray]:
    """One draw at every input's central value (arrays of shape ``[1]``).

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Triangular
    >>> central_inputs({"uplift": Triangular(0.8, 1.0, 1.3)})
    {'uplift': array([1.])}
    """
    found = Issues()
    _check_specs(specs, found)
    found.raise_if_errors("central_inputs")
    return {name: np.asarray([spec.central]) for name, spec in specs.items()}


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Requested outputs (and inputs) of a Monte Carlo run, with what reproduces it.

    ``outputs[name]`` and ``inputs[name]`` have leading axis ``n``; ``totals[name]`` is
    the sum over the chunks of an output the model reduces chunk by chunk (integer counts:
    exact, whatever the chunks); arrays are read-only.
    """

    outputs: Mapping[str, np.ndarray]
    inputs: Mapping[str, np.ndarray]
    n: int
    entropy: int | Sequence[int]
    spawn_key: tuple[int, ...]
    chunk_size: int
    block_size: int
    correlation: Correlation | None = field(default=None)
    totals: Mapping[str, np.ndarray] = field(default_factory=dict)

    def seed_record(self) -> dict[str, Any]:
        """What a manifest needs to reproduce the draws: the seed, the number of draws and
        the block size. Not the chunk size, which changes no draw and no figure but is
        chosen from the memory budget and the threads of the machine that ran (so the
        record, like the figures, is the same on every machine)."""
        return {"entropy": self.entropy, "spawn_key": list(self.spawn_key), "n": self.n,
                "block_size": self.block_size}


def _monte_carlo_task(model: Model, specs: Mapping[str, Distribution], plan: ChunkPlan,
                      root: np.random.SeedSequence, correlation: Correlation | None,
                      outputs: Sequence[str] | None, keep: Sequence[str],
                      totals: Sequence[str], index: int
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                 dict[str, np.ndarray]]:
    """Evaluate one chunk; return its requested outputs, kept inputs and totals."""
    start, stop, inputs = sample_chunk(specs, plan, index, root, correlation)
    result = model(inputs)
    found = Issues()
    if not isinstance(result, Mapping):
        found.error("bad-model-output", f"the model must return a mapping of output names "
                    f"to arrays (got {type(result).__name__})", field="model",
                    fix="return e.g. {'npsv': array of shape [D, O]}")
        found.raise_if_errors("run_monte_carlo")
    wanted = [n for n in result if n not in totals] if outputs is None else list(outputs)
    summed: dict[str, np.ndarray] = {}
    for name in totals:
        value = np.asarray(result.get(name, 0.0))
        if name not in result or value.dtype.kind not in "iub":
            found.error("bad-total", f"the model must return the total {name!r} as integer "
                        f"counts (got {value.dtype if name in result else 'none'})",
                        field=f"totals.{name}", fix="return integer counts for the chunk, "
                        "or keep the output per draw instead")
        summed[name] = value
    picked: dict[str, np.ndarray] = {}
    for name in wanted:
        if name not in result:
            found.error("missing-output", f"the model returned no output {name!r} (it "
                        f"returned {sorted(result)})", field=f"outputs.{name}",
                        fix="request only outputs the model returns")
            continue
        value = np.asarray(result[name])
        if value.ndim == 0 or value.shape[0] != stop - start:
            found.error("bad-output-shape", f"output {name!r} must have leading axis "
                        f"{stop - start} (one row per draw; got shape {value.shape})",
                        field=f"outputs.{name}", fix="keep the draws axis first in the model")
        picked[name] = value
    found.raise_if_errors("run_monte_carlo")
    return picked, {name: inputs[name] for name in keep}, summed


def run_monte_carlo(model: Model, specs: Mapping[str, Distribution], n: int,
                    seed: int | np.random.SeedSequence, chunk_size: int | None = None,
                    backend: Backend | int | str | None = None, *,
                    correlation: Correlation | None = None,
                    outputs: Sequence[str] | None = None, keep_inputs: bool | Sequence[str] = (),
                    block_size: int = DEFAULT_BLOCK_SIZE,
                    totals: Sequence[str] = ()) -> MonteCarloResult:
    """Evaluate ``model`` on ``n`` draws, chunk by chunk, keeping only what is asked for.

    Parameters
    ----------
    model : callable
        ``model(inputs) -> outputs`` (see the module docstring). For process or Dask
        backends it must be picklable (a module-level function).
    specs, n, seed, correlation, chunk_size, block_size
        As for :func:`sample_inputs`.
    backend : Backend, int, str or None
        See :func:`~appraisal.lenses.uncertainty.backends.resolve_backend`.
    outputs : sequence of str, optional
        Outputs to keep (default: all the model returns).
    keep_inputs : bool or sequence of str
        Inputs whose draws to keep as well (``True``: all), e.g. for value of information.
    totals : sequence of str
        Outputs the model reduces per chunk to integer counts (any shape, not per draw):
        summed over the chunks into ``result.totals`` instead of kept per draw. Integer
        sums do not depend on the chunks, the order or the backend.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.distributions import Normal
    >>> def model(x):
    ...     return {"npsv": np.stack([np.zeros_like(x["gain"]), x["gain"]], axis=1)}
    >>> res = run_monte_carlo(model, {"gain": Normal(1.0, 2.0)}, 20_000, seed=1)
    >>> res.outputs["npsv"].shape, round(float(res.outputs["npsv"][:, 1].mean()), 1)
    ((20000, 2), 1.0)
    """
    plan, root = _plan(specs, n, seed, correlation, chunk_size, block_size, "run_monte_carlo")
    keep = list(specs) if keep_inputs is True else [keep_inputs] if isinstance(
        keep_inputs, str) else list(keep_inputs or ())
    found = Issues()
    if not callable(model):
        found.error("invalid-argument", "'model' must be callable", field="model",
                    fix="pass a function taking and returning mappings of arrays")
    for name in keep:
        if name not in specs:
            found.error("unknown-input", f"cannot keep input {name!r}: it has no "
                        "distribution", field="keep_inputs", fix="keep only uncertain inputs")
    found.raise_if_errors("run_monte_carlo")
    wanted = None if outputs is None else [outputs] if isinstance(outputs, str) \
        else list(outputs)
    summed = [totals] if isinstance(totals, str) else list(totals)
    task = functools.partial(_monte_carlo_task, model, dict(specs), plan, root, correlation,
                             wanted, keep, summed)
    collected: list[dict[str, np.ndarray]] = [{}, {}]
    sums: dict[str, np.ndarray] = {}
    with reused_heap():  # each chunk's working arrays reused by the next
        for index, (*parts, part_totals) in enumerate(resolve_backend(backend).map(
                task, plan.n_chunks, desc="Monte Carlo")):
            start, stop = plan.bounds(index)
            for name, value in part_totals.items():
                sums[name] = value.astype(np.int64) if name not in sums else sums[name] + value
            for store, part in zip(collected, parts, strict=True):
                for name, value in part.items():
                    if name not in store:  # allocate once: peak memory is the kept arrays
                        store[name] = np.empty((plan.n, *value.shape[1:]), dtype=value.dtype)
                    store[name][start:stop] = value
    for store in (*collected, sums):
        for value in store.values():
            value.flags.writeable = False
    return MonteCarloResult(MappingProxyType(collected[0]), MappingProxyType(collected[1]),
                            plan.n, root.entropy, tuple(root.spawn_key), plan.chunk_size,
                            plan.block_size, correlation, MappingProxyType(sums))
