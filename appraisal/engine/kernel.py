"""The engine's inner loop as linear algebra: profile matrices, discount factors, multipliers.

Present value is linear in a line's amounts, so for a chunk of draws every line's PV is a
matrix product of its compiled **profile** (real flows per year) with each draw's
**discount factors**, then a product with the per-line multipliers (done by the caller).
This module holds the parts that do not depend on what the multipliers are:

- :class:`LineProfiles`: each schedule's profile matrices ``(T, lines)``, built once per
  compiled case (:func:`line_profiles` caches them on it). Lines with an outcome persisting
  over several years also get one column per persistence year ``k``, so that a drop-off
  draw enters as a polynomial in ``keep = 1 - drop_off`` (Horner's rule) and the flows
  are never rebuilt per draw.
- :func:`raw_present_values`: a chunk's PV per line before the multipliers. Whole-year
  delays read the discount factors that many years later (``sum_t flow(t - k) df(t) =
  sum_u flow(u) df(u + k)``; what is pushed past the horizon meets a zero factor). Draws
  are grouped by their delay row, so each group costs one ``(draws, T) @ (T, lines)``
  product per schedule and distinct delay: no per-draw loop, and no product computed for a
  delay a draw does not have. The discount factors are kept years first
  (:func:`year_factors`) and read in place; a product runs only over the years in which
  some of its columns is non-zero.
- :func:`row_tiled_product` and :func:`column_tiled_product`: products whose every number
  is the same whatever the number of draws sharing them (draws along the rows, or along
  the columns for the persistence years, so that Horner's rule runs over contiguous rows).
- :func:`blas_threads`: the BLAS thread count for these shapes, set deliberately.
- :func:`chunk_for_budget`: draws per chunk so the working arrays fit a memory budget.

Kernels: no validation (the engine validates its inputs).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["BLAS_THREADS", "DEFAULT_MEMORY", "LineProfiles", "blas_threads", "check_memory",
           "chunk_for_budget", "column_tiled_product", "delay_groups", "discount_factors",
           "line_profiles", "memory_budget", "raw_present_values", "reused_heap",
           "row_tiled_product", "year_factors"]

#: BLAS threads inside the engine. Its products are tall and thin (draws x years times
#: years x lines, years ~ 10-100): a second thread splits a product too small to pay for
#: the synchronisation (measured on 2 cores, issue 14: 10^6 draws of the prevention case
#: 4.0 s with two threads, 1.2 s with one; time super-linear in lines with two threads).
#: Parallelism comes from chunks on processes or Dask workers instead.
BLAS_THREADS = 1

#: Default working-memory budget, in MB (2**20 bytes).
DEFAULT_MEMORY = 512.0
_UNITS = {"": 1.0, "mb": 1.0, "m": 1.0, "mib": 1.0, "gb": 1024.0, "g": 1024.0, "gib": 1024.0,
          "kb": 1 / 1024, "k": 1 / 1024, "kib": 1 / 1024}

_CONTROLLER: list[Any] = []
_BUDGET: contextvars.ContextVar[float] = contextvars.ContextVar("memory_budget",
                                                               default=DEFAULT_MEMORY)


@contextlib.contextmanager
def memory_budget(memory: Any) -> Iterator[float]:
    """Make ``memory`` (MB or a size with a unit) the default budget inside the block.

    For callers that cannot pass ``memory=`` down (``appraisal run --memory``: the lenses
    run inside :func:`appraisal.evaluate`). An explicit ``memory=`` still wins.

    Examples
    --------
    >>> with memory_budget("1GB"):
    ...     check_memory(None, "example")
    1024.0
    """
    token = _BUDGET.set(check_memory(memory, "memory_budget"))
    try:
        yield _BUDGET.get()
    finally:
        _BUDGET.reset(token)


_BLAS_LOCK = threading.Lock()
#: The limit of the outermost :func:`blas_threads` blocks: ``[threads, depth, limiter]``.
_BLAS_HELD: list[Any] = [None, 0, None]


@contextlib.contextmanager
def blas_threads(n: int = BLAS_THREADS) -> Iterator[None]:
    """Limit the BLAS library numpy uses to ``n`` threads inside the block (threadpoolctl).

    The controller (which scans the loaded native libraries) is built once per process.
    The limit is the process's, not the thread's: blocks asking for the same ``n`` share it
    (the first to enter sets it, the last to leave restores it), so threads running chunks
    at the same time can each hold a block without one thread's exit lifting the limit
    under another's products. A block asking for another ``n`` inside one already held
    sets its own (not safe while other threads compute).

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1):
    ...     float((np.ones((3, 2)) @ np.ones((2, 4))).sum())
    24.0
    """
    with _BLAS_LOCK:
        if not _CONTROLLER:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
        shared = not _BLAS_HELD[1] or _BLAS_HELD[0] == n
        if shared:
            if not _BLAS_HELD[1]:
                _blas_control()
                _BLAS_HELD[0] = n
                _BLAS_HELD[2] = _CONTROLLER[0].limit(limits=n, user_api="blas")
                _blas_control()
            _BLAS_HELD[1] += 1
    if not shared:
        with _CONTROLLER[0].limit(limits=n, user_api="blas"):
            yield
        return
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_HELD[1] -= 1
            if not _BLAS_HELD[1]:
                _blas_control()
                _BLAS_HELD[2].restore_original_limits()
                _blas_control()
                _BLAS_HELD[0] = _BLAS_HELD[2] = None


def _blas_control() -> None:
    """Let the calling thread set OpenBLAS's thread count (threadpoolctl 3.6 and later
    take it from the first thread to set it, and ignore other threads until that one lets
    go; here :data:`_BLAS_LOCK` orders the threads instead, so whichever thread enters
    first or leaves last sets the count, and none keeps control afterwards)."""
    import threadpoolctl

    clear = getattr(getattr(threadpoolctl, "OpenBLASController", None),
                    "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


#: glibc's ``mallopt`` parameters, and the values :func:`reused_heap` sets: freed blocks up
#: to 32 MB (glibc's largest mmap threshold on 64-bit) stay in the heap, and up to 128 MB
#: of free memory at its top is kept rather than handed back to the system.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_MMAP_THRESHOLD, _HEAP_TRIM_THRESHOLD = 32 * 2**20, 128 * 2**20
#: On leaving: a trim threshold twice the mmap threshold, as glibc's own dynamic
#: adjustment leaves it after freeing a block that large.
_HEAP_TRIM_AFTER = 2 * _HEAP_MMAP_THRESHOLD
_HEAP_LOCK = threading.Lock()
_HEAP_DEPTH = [0]


def _libc() -> Any:
    """The C library when it is glibc (``mallopt`` and ``malloc_trim``), else ``None``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (glibc only: musl's mallopt does nothing)
        return libc if libc.mallopt and libc.malloc_trim else None
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def reused_heap() -> Iterator[None]:
    """Keep freed working arrays in the heap for the next chunk inside the block (glibc).

    A chunk of draws allocates and frees tens of MB of arrays; with glibc's default
    thresholds much of it is handed back to the system at each free and faulted in again,
    page by page, by the next chunk (measured on the prevention case's Monte Carlo, 16,384
    draws a chunk: about 8,000 page faults and 25 ms of system time a chunk, a quarter of
    its CPU time). Inside the block freed blocks up to 32 MB stay in the heap and up to
    128 MB of free memory is kept at its top; on leaving, the heap is trimmed and the trim
    threshold set to what glibc's own adjustment reaches (64 MB). Nested blocks share one
    setting. No effect on other C libraries; the numbers computed never change.

    Examples
    --------
    >>> with reused_heap():
    ...     float(np.ones(10**6).sum())
    1000000.0
    """
    libc = _libc()
    if libc is None:
        yield
        return
    with _HEAP_LOCK:
        if not _HEAP_DEPTH[0]:
            libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _HEAP_TRIM_THRESHOLD)
        _HEAP_DEPTH[0] += 1
    try:
        yield
    finally:
        with _HEAP_LOCK:
            _HEAP_DEPTH[0] -= 1
            if not _HEAP_DEPTH[0]:
                libc.mallopt(_M_TRIM_THRESHOLD, _HEAP_TRIM_AFTER)
                libc.malloc_trim(0)


@dataclass(frozen=True, slots=True, eq=False)
class LineProfiles:
    """Profile matrices of a compiled case, per schedule.

    Attributes
    ----------
    n_lines, n_years : int
        ``L`` and ``T``.
    gross : tuple of (lines, matrix)
        Per schedule: the lines discounted on it ``(n_s,)`` and their gross real flows as
        columns ``(T, n_s)`` (before delays, scale, optimism bias and additionality).
    static : tuple of (lines, matrix)
        The same restricted to lines without persistence (used when drop-off is drawn).
    timed : tuple of (lines, matrix)
        Per schedule: the lines with persistence ``(p_s,)`` and their persistence-year
        flows ``(T, K * p_s)``, column ``k * p_s + i`` (persistence year ``k`` of the
        ``i``-th line) = ``value[t] * amounts[t - lag - k]`` for ``k < persistence`` (zero
        beyond), so a line's flows are ``sum_k keep^k`` times its ``k`` column; a
        product's persistence year ``k`` is then one contiguous block of columns.
    K : int
        Most persistence years of any line (1 when none persists).
    rows : dict of (str, int) to (ndarray, ndarray)
        For each profile matrix above, keyed by ``("gross" | "static" | "timed",
        schedule)``: the first row and
        one past the last row on which each of its columns is non-zero (``(0, 0)`` for a
        column of zeros). A product then skips the years in which every column it takes
        is zero: each sum gets the same terms in the same order, less terms that are
        exactly zero (see :func:`raw_present_values`).
    """

    n_lines: int
    n_years: int
    gross: tuple[tuple[np.ndarray, np.ndarray], ...]
    static: tuple[tuple[np.ndarray, np.ndarray], ...]
    timed: tuple[tuple[np.ndarray, np.ndarray], ...]
    K: int
    rows: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]

    def span(self, key: tuple[str, int], columns: np.ndarray | None = None
             ) -> tuple[int, int]:
        """``(a, b)``: the rows of profile matrix ``key`` (see ``rows``) outside which
        every column in ``columns`` (default: all) is zero; ``a == b`` when all are."""
        first, stop = self.rows[key]
        if columns is not None:
            first, stop = first[columns], stop[columns]
        nonzero = stop > first
        if not nonzero.any():
            return 0, 0
        return int(first[nonzero].min()), int(stop[nonzero].max())


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


class CompiledArrays(Protocol):
    """What :func:`line_profiles` reads of a compiled case
    (:class:`appraisal.engine.compile.CompiledCase` has it); the kernel needs no more."""

    @property
    def n_lines(self) -> int: ...
    @property
    def n_years(self) -> int: ...

    gross: np.ndarray | None
    real: np.ndarray
    persistence: np.ndarray | None
    value_paths: np.ndarray | None
    price_factors: np.ndarray | None
    lag: np.ndarray | None
    amounts: np.ndarray
    line_schedule: np.ndarray
    schedule_names: tuple[str, ...]
    _cache: dict[str, Any]


def line_profiles(c: CompiledArrays) -> LineProfiles:
    """The profile matrices of a compiled case (built once, cached on it)."""
    if "profiles" in c._cache:
        return c._cache["profiles"]
    L, T = c.n_lines, c.n_years
    gross = c.gross if c.gross is not None else c.real
    pers = c.persistence if c.persistence is not None else np.ones(L, np.int64)
    is_timed = pers > 1
    K = int(pers.max(initial=1))
    weights = np.zeros((L, T, K))
    if is_timed.any():
        vf = c.value_paths * c.price_factors  # type: ignore[operator]
        for line in np.flatnonzero(is_timed):
            for k in range(int(pers[line])):
                s = int(c.lag[line]) + k  # type: ignore[index]
                if s < T:
                    weights[line, s:, k] = vf[line, s:] * c.amounts[line, : T - s]
    by_schedule = [np.flatnonzero(c.line_schedule == s) for s in range(len(c.schedule_names))]

    def columns(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _frozen(lines), _frozen(gross[lines].T)

    def timed_columns(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _frozen(lines), _frozen(weights[lines].transpose(1, 2, 0).reshape(T, -1))

    gross_m = tuple(columns(idx) for idx in by_schedule)
    static_m = tuple(columns(idx[~is_timed[idx]]) for idx in by_schedule)
    timed_m = tuple(timed_columns(idx[is_timed[idx]]) for idx in by_schedule)
    rows = {}
    for key, (_, m) in [((kind, s), pair) for kind, ms in
                        (("gross", gross_m), ("static", static_m), ("timed", timed_m))
                        for s, pair in enumerate(ms)]:
        nonzero = m != 0
        any_ = nonzero.any(axis=0)
        first = np.where(any_, nonzero.argmax(axis=0), 0)
        stop = np.where(any_, T - nonzero[::-1].argmax(axis=0), 0)
        rows[key] = (_frozen(first), _frozen(stop))
    profiles = LineProfiles(n_lines=L, n_years=T, gross=gross_m, static=static_m,
                            timed=timed_m, K=K, rows=rows)
    c._cache["profiles"] = profiles
    return profiles


def delay_groups(delay: np.ndarray, n: int) -> list[tuple[slice | np.ndarray, np.ndarray]]:
    """Draws grouped by their delay row: ``[(rows, delay row)]``.

    ``delay`` is ``(n or 1, L)``, or ``(n or 1, 1)`` for one delay per draw. ``rows`` is
    ``slice(None)`` when all ``n`` draws share one row (or ``delay`` has one row to
    broadcast), else the indices of the group's draws in increasing order. Rows are keyed
    by an exact integer when the delays fit one, else by a hash whose groups are then
    checked row by row (any collision falls back to sorting the rows).

    Examples
    --------
    >>> [(r.tolist(), d.tolist()) for r, d in delay_groups(np.array([[0, 1], [0, 2],
    ...                                                            [0, 1]]), 3)]
    [([0, 2], [0, 1]), ([1], [0, 2])]
    """
    if delay.shape[0] == 1:
        return [(slice(None), delay[0])]
    varying = delay[:, (delay != delay[:1]).any(axis=0)]
    if not varying.shape[1]:
        return [(slice(None), delay[0])]
    radix = int(varying.max()) + 1
    if radix ** varying.shape[1] < 2**62:  # an exact integer key per delay row
        key = varying @ (radix ** np.arange(varying.shape[1], dtype=np.int64))
        # draws by increasing key, in draw order within a key (one stable sort of
        # integers): the groups np.unique's inverse gives, found without it
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
        bounds = np.append(starts, key.size)
        return [(order[bounds[g]:bounds[g + 1]], delay[order[bounds[g]]])
                for g in range(starts.size)]
    weights = np.random.default_rng(0).integers(1, 2**31, varying.shape[1])
    key = varying.astype(np.float64) @ weights.astype(np.float64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    if not np.array_equal(varying, varying[first[inverse]]):
        _, first, inverse = np.unique(varying, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(first.size + 1))
    return [(order[bounds[g]:bounds[g + 1]], delay[first[g]]) for g in range(first.size)]


def discount_factors(rates: np.ndarray, shift: np.ndarray | None, n_years: int, pad: int = 0,
                     *, mid: bool = False) -> np.ndarray:
    """Discount factors ``(n or 1, S, T + pad)`` of each draw and schedule, then ``pad`` zero
    years (what a delay pushes past the horizon meets a zero factor).

    The arithmetic of :func:`appraisal.greenbook.discounting.factors_from_rates` on
    ``rates + shift``, element by element in the same order (so the same numbers to the
    last bit). A view of :func:`year_factors` (years first).

    Parameters
    ----------
    rates : ndarray (S, R)
        One-year rates of each schedule (``R = T - 1``, or 1 for mid-year timing with
        ``T == 1``).
    shift : ndarray (n,) or (n, S), or None
        Added to every one-year rate of each draw (all schedules, or per schedule); ``n``
        may be 1, or a 0-d array.
    n_years : int
        ``T``.
    pad : int
        Zero years after the horizon.
    mid : bool
        Mid-year timing (every factor times ``(1 + r(1)) ** -0.5``).

    Examples
    --------
    >>> from appraisal.greenbook.discounting import factors_from_rates
    >>> rates = np.array([[0.035, 0.035, 0.035], [0.015, 0.015, 0.015]])
    >>> shift = np.array([0.0, 0.01])
    >>> df = discount_factors(rates, shift, 4, pad=2)
    >>> df.shape, df[1, 0, 4:].tolist()
    ((2, 2, 6), [0.0, 0.0])
    >>> bool(np.array_equal(df[..., :4], factors_from_rates(rates + shift[:, None, None])))
    True
    """
    return year_factors(rates, shift, n_years, pad, mid=mid).transpose(2, 1, 0)


def year_factors(rates: np.ndarray, shift: np.ndarray | None, n_years: int, pad: int = 0,
                 *, mid: bool = False) -> np.ndarray:
    """Discount factors by year, ``(T + pad, S, n or 1)``: :func:`discount_factors` with
    the years first, so that a year of every draw is one contiguous row.

    Each draw's factors are the running product of its one-year steps ``1 / (1 + (r +
    shift))``, in year order, as :func:`appraisal.greenbook.discounting.factors_from_rates`
    computes them (the same numbers to the last bit), one year of every draw at a time. A
    schedule's one-year rates take few distinct values (the Green Book's fall at year
    30, 75, ...): each draw's step is computed once per distinct rate, not once per year.
    A product with the factors of draws ``rows`` delayed ``d`` years reads
    ``out[d:d + T, s, rows].T`` (BLAS reads the transposed block in place).

    Examples
    --------
    >>> rates = np.array([[0.035, 0.035, 0.03]])
    >>> f = year_factors(rates, np.array([0.0, 0.01]), 4, pad=1)
    >>> f.shape, f[:, 0, 1].round(6).tolist()
    ((5, 1, 2), [1.0, 0.956938, 0.91573, 0.88051, 0.0])
    """
    S, R = rates.shape
    if shift is None:
        n = 1
    elif shift.ndim == 0:
        n = 1
    else:
        n = shift.shape[0]
    out = np.empty((n_years + pad, S, n))
    out[0] = 1.0
    used = min(R, n_years - 1)
    for s in range(S):
        # the one-year steps 1 / (1 + r) of each distinct rate of the schedule (each draw's
        # r = rate + shift, as rates + shift adds them), then the running product by year
        steps: dict[float, np.ndarray] = {}
        per_year = []  # the step of each year (a NaN rate gets its own)
        for r in rates[s, : max(used, 1 if mid else 0)].tolist():
            step = steps.get(r)
            if step is None:
                if shift is None or shift.ndim == 0:
                    step = np.array([r if shift is None else r + shift], dtype=np.float64)
                else:
                    step = r + (shift if shift.ndim == 1 else shift[:, s])
                np.add(1.0, step, out=step)
                np.divide(1.0, step, out=step)
                steps[r] = step
            per_year.append(step)
        if used > 0:
            out[1, s] = per_year[0]
        for t in range(2, used + 1):
            np.multiply(out[t - 1, s], per_year[t - 1], out=out[t, s])
        if mid:
            out[:n_years, s] *= np.sqrt(per_year[0])
    out[n_years:] = 0.0
    return out


def raw_present_values(p: LineProfiles, rates: np.ndarray, delay: np.ndarray,
                       keep: np.ndarray | None, shift: np.ndarray | None = None, *,
                       mid: bool = False) -> np.ndarray:
    """PV of each line for a chunk of draws, before the per-line multipliers.

    Draws are put in the order of their delay groups once (their rate shifts and keep
    fractions gathered, not their discount factors), so each group's discount factors are
    one contiguous range of draws in each year of one buffer (:func:`year_factors`); the
    result is put back in draw order at the end. Each number is the one of the plain
    formulation (each draw's factors over every year times the profile columns, Horner's
    rule in ``keep`` from the last persistence year) but for rounding: a product skips only
    years in which every column it takes is zero (exact-zero terms, but a product of fewer
    years may go through another BLAS kernel, which sums in another order: the last bits
    can differ, by about 10^-16 relative, on AVX-512 machines), and the persistence
    products put the draws along their columns (:func:`column_tiled_product`, the same
    sums). A draw's numbers do not depend on the chunk or group it falls in
    (:func:`row_tiled_product`).

    Parameters
    ----------
    p : LineProfiles
        The case's profile matrices.
    rates : ndarray (S, R)
        One-year rates of each schedule (:attr:`~appraisal.engine.compile.CompiledCase.rates`).
    delay : ndarray (n or 1, L) or (n or 1, 1) of int
        Whole years each line is delayed in each draw (one column: every line alike).
    keep : ndarray (n or 1, L), optional
        ``1 - drop_off`` per draw; ``None`` uses the compiled flows of every line.
    shift : ndarray (n or 1,) or (n or 1, S), or 0-d, optional
        Rate shift of each draw (see :func:`discount_factors`).
    mid : bool
        Mid-year timing.

    Returns
    -------
    ndarray (n, L)
    """
    T, L, K = p.n_years, p.n_lines, p.K
    per_draw = shift is not None and shift.ndim >= 1 and shift.shape[0] != 1
    n = max(shift.shape[0] if per_draw else 1, delay.shape[0],  # type: ignore[union-attr]
            1 if keep is None else keep.shape[0])
    groups = delay_groups(delay, n)
    order = None if isinstance(groups[0][0], slice) else np.concatenate(
        [rows for rows, _ in groups])
    if order is not None and per_draw:
        shift = shift[order]  # type: ignore[index]
    if order is not None and keep is not None and keep.shape[0] != 1:
        keep = keep[order]
    dfy = year_factors(rates, shift, T, int(delay.max(initial=0)), mid=mid)  # (T+pad, S, n)
    per_draw_factors = dfy.shape[2] != 1
    plain = p.gross if keep is None else p.static
    kind = "gross" if keep is None else "static"
    res = np.empty((n, L))
    # each schedule's persistence-year PVs of every draw, (K * p_s, n): filled group by
    # group, then combined by one pass of Horner's rule per schedule over contiguous rows
    terms = [None if keep is None or not lines.size else np.empty((K * lines.size, n))
             for lines, _ in p.timed]
    start = 0
    for rows, row in groups:
        stop = n if isinstance(rows, slice) else start + rows.size
        row = np.broadcast_to(row, (L,))
        block = res[start:stop]

        def product(s: int, d: int, key: tuple[str, int], m: np.ndarray,
                    columns: np.ndarray | None = None,
                    out: np.ndarray | None = None, start: int = start, stop: int = stop
                    ) -> np.ndarray:
            """The group's factors delayed ``d`` years times ``m`` (its ``columns``), over
            the years where a column is non-zero: the same sums less exact-zero terms."""
            sub = m if columns is None else m[:, columns]
            if sub.shape[1] == 1:  # a matrix-vector product (BLAS gemv), as before: its
                # sums are blocked differently, so all years, factors in draw-major order
                f = dfy[d:d + T, s]
                f = np.ascontiguousarray((f[:, start:stop] if per_draw_factors else f).T)
                return row_tiled_product(f, sub, out=out)
            a, b = p.span(key, columns)
            if a == b:  # every column zero
                rows_ = stop - start if per_draw_factors else 1
                if out is None:
                    return np.zeros((rows_, sub.shape[1]))
                out[...] = 0.0
                return out
            f = dfy[d + a:d + b, s]
            f = (f[:, start:stop] if per_draw_factors else f).T  # (rows, b - a), read in place
            return row_tiled_product(f, sub[a:b], out=out)

        for s in range(dfy.shape[1]):
            lines, m = plain[s]
            if lines.size:
                d_lines = row[lines]
                for d in sorted(set(d_lines.tolist())):  # (not np.unique: numpy.ma)
                    sel = d_lines == d
                    block[:, lines[sel]] = product(s, d, (kind, s), m, None if sel.all()
                                                   else np.flatnonzero(sel))
            into = terms[s]
            if into is None:
                continue
            lines, w = p.timed[s]
            d_lines = row[lines]
            for d in sorted(set(d_lines.tolist())):  # (not np.unique: numpy.ma)
                sel = d_lines == d
                columns = None if sel.all() else (np.arange(K)[:, None] * lines.size
                                                  + np.flatnonzero(sel)[None, :]).ravel()
                if not per_draw_factors:  # one row of factors for the group's draws
                    part = product(s, d, ("timed", s), w, columns)
                    into[slice(None) if columns is None else columns, start:stop] = part.T
                    continue
                # draws along the columns of the product: (K * p_s, draws), so that a
                # persistence year of every draw is one contiguous block of rows
                ya, yb = p.span(("timed", s), columns)
                sub = w if columns is None else w[:, columns]
                if columns is None:
                    dest = into[:, start:stop]
                else:
                    dest = np.empty((columns.size, stop - start))
                if ya == yb:
                    dest[...] = 0.0
                else:
                    column_tiled_product(sub[ya:yb].T, dfy[d + ya:d + yb, s, start:stop],
                                         out=dest)
                if columns is not None:
                    into[columns, start:stop] = dest
        start = stop
    for s, into in enumerate(terms):
        if into is None:
            continue
        lines = p.timed[s][0]
        q = lines.size
        kp = np.ascontiguousarray(keep[:, lines].T)  # type: ignore[index]  # (p_s, n)
        acc = into[(K - 1) * q:].copy()
        for k in range(K - 2, -1, -1):  # Horner's rule in keep, in place
            np.multiply(acc, kp, out=acc)
            np.add(acc, into[k * q:(k + 1) * q], out=acc)
        res[:, lines] = acc.T
    if order is None:
        return res
    back = np.empty_like(order)  # row i of the result is row back[i] of res
    back[order] = np.arange(n)
    return np.take(res, back, axis=0)


def check_memory(memory: Any, source: str) -> float:
    """A memory budget in MB (2**20 bytes): a positive number, or a string with a unit
    (``"512MB"``, ``"1.5 GB"``, ``"800k"``); ``None`` gives the default (512 MB, or the
    budget set by :func:`memory_budget`).

    Raises
    ------
    AppraisalValidationError
        If the budget is not a positive number of MB or a size with a known unit.

    Examples
    --------
    >>> check_memory("2GB", "example"), check_memory(256, "example"), check_memory(None, "x")
    (2048.0, 256.0, 512.0)
    """
    if memory is None:
        return _BUDGET.get()
    value = None
    if isinstance(memory, str):
        text = memory.strip().lower().replace(" ", "")
        digits = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = text[len(digits):]
        with contextlib.suppress(ValueError):
            value = float(digits) * _UNITS[unit] if unit in _UNITS else None
    elif isinstance(memory, int | float | np.integer | np.floating) and \
            not isinstance(memory, bool):
        value = float(memory)
    if value is None or not np.isfinite(value) or value <= 0:
        from appraisal.errors import AppraisalValidationError, Issue

        raise AppraisalValidationError([Issue(
            "out-of-range", f"'memory' must be a positive size in MB (got {memory!r})",
            field="memory", fix="give a number of MB (e.g. 512) or a size with its unit "
                                "(e.g. '2GB')")], source=source)
    return value


#: Chunks of draws are a multiple of this many draws.
_ROW_TILE = 16
#: Draws of every BLAS product: each product is cut into blocks of exactly this many draws,
#: laid out alike (the last padded with zeros), so all have one shape (:func:`_blocked`).
#: OpenBLAS chooses its kernel by a product's size and layout (tail rows, a transposed
#: operand and, on AVX-512 machines, a "small matrix" kernel below about 10^6 multiply-adds,
#: each sum in another order), so a draw in a large product and the same draw in a small
#: one (a smaller chunk, a smaller delay group) would otherwise differ in the last bits.
_BLOCK = 256


def _blocked(f: np.ndarray, m: np.ndarray, out: np.ndarray, *, draws_on_rows: bool) -> None:
    """Every product of the engine: ``f @ m`` (``draws_on_rows``; ``f`` is ``(draws, k)``)
    or ``m @ f`` (else; ``f`` is ``(k, draws)``), into ``out``, in blocks of exactly
    :data:`_BLOCK` draws, the last padded with zeros in a buffer laid out in memory as ``f``
    is. So every BLAS call of one product has one shape and one layout: OpenBLAS picks its
    kernel by both (a transposed operand, a small product), and kernels differ in the last
    bits, so a draw's result would otherwise depend on the chunk and group it falls in."""
    n = f.shape[0] if draws_on_rows else f.shape[1]
    whole = n - n % _BLOCK
    if draws_on_rows:
        for a in range(0, whole, _BLOCK):
            np.matmul(f[a:a + _BLOCK], m, out=out[a:a + _BLOCK])
        if whole < n:
            tail = np.zeros_like(f, shape=(_BLOCK, f.shape[1]))
            tail[: n - whole] = f[whole:]
            out[whole:] = (tail @ m)[: n - whole]
        return
    for a in range(0, whole, _BLOCK):
        np.matmul(m, f[:, a:a + _BLOCK], out=out[:, a:a + _BLOCK])
    if whole < n:
        tail = np.zeros_like(f, shape=(f.shape[0], _BLOCK))
        tail[:, : n - whole] = f[:, whole:]
        out[:, whole:] = (m @ tail)[:, : n - whole]


def row_tiled_product(f: np.ndarray, m: np.ndarray, out: np.ndarray | None = None
                      ) -> np.ndarray:
    """``f @ m`` in blocks of exactly :data:`_BLOCK` rows of ``f`` (:func:`_blocked`), so a
    row's result does not depend on how many rows share the product; into ``out``
    (``(rows of f, columns of m)``) when given.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f, m = rng.random((37, 30)), rng.random((30, 5))
    >>> bool(np.array_equal(row_tiled_product(f, m)[3:4], row_tiled_product(f[3:4], m)))
    True
    >>> big, m2 = rng.random((3000, 40)), rng.random((40, 26))  # big: past the small kernel
    >>> bool(np.array_equal(row_tiled_product(big, m2)[1000:1016],
    ...                     row_tiled_product(big[1000:1016], m2)))
    True
    """
    out = np.empty((f.shape[0], m.shape[1])) if out is None else out
    _blocked(f, m, out, draws_on_rows=True)
    return out


def column_tiled_product(m: np.ndarray, f: np.ndarray, out: np.ndarray | None = None
                         ) -> np.ndarray:
    """``m @ f`` with draws along the columns of ``f`` (and of the result), in blocks of
    exactly :data:`_BLOCK` columns (:func:`_blocked`): :func:`row_tiled_product`
    transposed, so a draw's result does not depend on how many draws share the product.
    Into ``out`` (``(rows of m, columns of f)``) when given.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> m, f = rng.random((5, 30)), rng.random((30, 37))
    >>> a = column_tiled_product(m, f)
    >>> bool(np.array_equal(a[:, 3:4], column_tiled_product(m, f[:, 3:4])))
    True
    >>> bool(np.array_equal(a[:, :3], column_tiled_product(m, f[:, :3])))
    True
    """
    out = np.empty((m.shape[0], f.shape[1])) if out is None else out
    _blocked(f, m, out, draws_on_rows=False)
    return out


def chunk_for_budget(memory: float, n_lines: int, n_years: int, n_options: int, *,
                     n_schedules: int = 1, persistence: int = 1, extra_per_draw: float = 0.0,
                     fixed: float = 0.0) -> int:
    """Draws per chunk so that a chunk's working arrays fit in ``memory`` MB.

    Per draw of a chunk the engine holds (float64): its inputs and multipliers (about
    twelve ``L``-vectors: scale, uplift, value multiplier, additionality, drop-off, keep,
    delay, their product, the raw and final PVs, a gathered copy and a product), the
    persistence terms of one product (``L * K``), the discount factors (``S * (T + 4)``),
    and the option sums (``8 * O``); ``extra_per_draw`` (bytes) adds the caller's own
    per-draw arrays (e.g. the outputs a Monte Carlo chunk returns). ``fixed`` (bytes) is
    held whatever the chunk and is taken off the budget.

    Returns a multiple of 16 rows (whole row tiles of the products; at least 16: a
    budget below that still runs, over budget).

    Examples
    --------
    >>> chunk_for_budget(512, n_lines=26, n_years=40, n_options=4, n_schedules=2,
    ...                  persistence=10)
    96976
    """
    per_draw = 8.0 * (12 * n_lines + n_lines * persistence + n_schedules * (n_years + 4)
                      + 8 * n_options) + extra_per_draw
    return max(1, int((memory * 2**20 - fixed) // per_draw) // _ROW_TILE) * _ROW_TILE
