"""Where chunks of draws are evaluated: in this process, in local processes, or on Dask.

A backend maps a function ``fn(chunk_index)`` over ``range(n_tasks)`` and yields the
results **in chunk order**, whatever order the workers finish in. Each chunk builds its own
inputs from the seed and its index (see :mod:`~appraisal.lenses.uncertainty.sampling`), so only
the chunk index travels to a worker, and results are identical across backends for the
same seed.

- :class:`SerialBackend`: one chunk after another, in this process.
- :class:`ThreadBackend`: ``workers`` threads of this process
  (:class:`concurrent.futures.ThreadPoolExecutor`), BLAS on one thread each. numpy
  releases the interpreter lock in its array loops and BLAS products, so chunks of numpy
  work run side by side on the machine's cores; nothing is pickled or copied. ``fn`` must
  be safe to call from several threads at once (the case model is: it only reads what it
  holds).
- :class:`ProcessBackend`: ``workers`` local processes
  (:class:`concurrent.futures.ProcessPoolExecutor`). ``fn`` must be picklable: the model
  must be a module-level function (or a picklable callable object).
- :class:`DaskBackend`: a :mod:`dask.distributed` cluster; a ``LocalCluster`` it starts
  itself, or an existing scheduler ``address``. Dask is an optional extra
  (``pip install 'appraisal[dask]'``) and is imported only here, only when used.

Backends submit a bounded window of tasks ahead of the one being consumed, so memory
holds a few chunk results at a time, not all of them. Use a backend as a context manager
to keep its pool or cluster alive across several runs; otherwise each :meth:`map` call
starts and stops its own.

A progress bar (tqdm) is drawn on stderr only when stderr is a terminal.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

from tqdm import tqdm

from appraisal.errors import AppraisalValidationError, BackendError, Issue, Issues
from appraisal.limits import RUN_MAXIMA, run_size_issue

__all__ = [
    "Backend",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "ThreadBackend",
    "available_cores",
    "resolve_backend",
]

T = TypeVar("T")


@runtime_checkable
class Backend(Protocol):
    """Anything with ``map(fn, n_tasks, *, desc)`` yielding ``fn(i)`` for i in order."""

    def map(self, fn: Callable[[int], T], n_tasks: int, *, desc: str = "") -> Iterator[T]:
        """Yield ``fn(0), fn(1), ..., fn(n_tasks - 1)`` in that order."""
        ...


def _progress(total: int, desc: str) -> Any:
    return tqdm(total=total, desc=desc or None, unit="chunk", file=sys.stderr,
                disable=not sys.stderr.isatty(), leave=False)


def _windowed(submit: Callable[[int], Any], result: Callable[[Any], T], n_tasks: int,
              window: int, desc: str) -> Iterator[T]:
    """Submit up to ``window`` tasks ahead and yield their results in index order."""
    pending: collections.deque[Any] = collections.deque()
    submitted = 0
    with _progress(n_tasks, desc) as bar:
        while submitted < n_tasks or pending:
            while submitted < n_tasks and len(pending) < window:
                pending.append(submit(submitted))
                submitted += 1
            value = result(pending.popleft())
            bar.update(1)
            yield value


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it).

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on every platform
        return max(1, os.cpu_count() or 1)


def _check_workers(workers: object, source: str, what: str) -> None:
    """A positive count of workers (``what``: ``"workers"`` or ``"threads"``), at most its
    limit in :data:`~appraisal.limits.RUN_MAXIMA` (the command line's options have the
    same limits)."""
    found = Issues()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        found.error("invalid-argument", f"'workers' must be a positive integer (got "
                    f"{workers!r})", field="workers", fix="use e.g. workers=4")
    elif too_many := run_size_issue(what, workers):
        found.error("too-many", f"'workers' {too_many}", field="workers",
                    fix=f"use at most {RUN_MAXIMA[what]:,}; one per core is usually fastest")
    found.raise_if_errors(source)


class SerialBackend:
    """Evaluate chunks one after another in this process.

    Examples
    --------
    >>> list(SerialBackend().map(lambda i: i * i, 4))
    [0, 1, 4, 9]
    """

    def map(self, fn: Callable[[int], T], n_tasks: int, *, desc: str = "") -> Iterator[T]:
        """Yield ``fn(i)`` for ``i`` in ``range(n_tasks)``."""
        with _progress(n_tasks, desc) as bar:
            for i in range(n_tasks):
                value = fn(i)
                bar.update(1)
                yield value

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return "SerialBackend()"


class _PoolBackend:
    """What the process and thread backends share: an executor of ``workers``, made for one
    :meth:`map` or held for a ``with`` block, and the chunks submitted a window ahead."""

    workers: int
    _executor: Executor | None

    def _new_executor(self) -> Executor:
        raise NotImplementedError

    def _submit(self, executor: Executor, fn: Callable[[int], T], i: int) -> Future[T]:
        raise NotImplementedError

    def _running(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"

    def __enter__(self) -> Self:
        self._executor = self._new_executor()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def map(self, fn: Callable[[int], T], n_tasks: int, *, desc: str = "") -> Iterator[T]:
        """Yield ``fn(i)`` in index order, computed by the workers."""
        executor = self._executor or self._new_executor()
        try:
            with self._running():
                yield from _windowed(lambda i: self._submit(executor, fn, i), _result,
                                     n_tasks, 2 * self.workers, desc)
        finally:  # on an error, the chunks submitted ahead and not yet started are dropped
            if executor is not self._executor:
                executor.shutdown(cancel_futures=True)


def _result(future: Future[T]) -> T:
    return future.result()


class ProcessBackend(_PoolBackend):
    """Evaluate chunks in ``workers`` local processes.

    Parameters
    ----------
    workers : int
        Number of worker processes (>= 1).
    mp_context : multiprocessing context, optional
        E.g. ``multiprocessing.get_context("spawn")``; the platform default otherwise.

    Examples
    --------
    >>> ProcessBackend(workers=2)
    ProcessBackend(workers=2)
    """

    def __init__(self, workers: int, *, mp_context: Any = None) -> None:
        _check_workers(workers, "ProcessBackend", "workers")
        self.workers = workers
        self.mp_context = mp_context
        self._executor: Executor | None = None

    def _new_executor(self) -> Executor:
        return ProcessPoolExecutor(self.workers, mp_context=self.mp_context)

    def _submit(self, executor: Executor, fn: Callable[[int], T], i: int) -> Future[T]:
        return executor.submit(fn, i)


class ThreadBackend(_PoolBackend):
    """Evaluate chunks in ``workers`` threads of this process.

    Each chunk runs in the context (:mod:`contextvars`: the memory budget, numpy's error
    state) of the call to :meth:`map`, with BLAS held to one thread
    (:func:`~appraisal.engine.kernel.blas_threads`) while chunks run: the cores are shared
    out by chunks, not inside each product. Results are those of :class:`SerialBackend`,
    in the same order.

    Parameters
    ----------
    workers : int, optional
        Number of threads (>= 1; default: the cores this process may use,
        :func:`available_cores`).

    Examples
    --------
    >>> list(ThreadBackend(workers=2).map(lambda i: i * i, 4))
    [0, 1, 4, 9]
    """

    def __init__(self, workers: int | None = None) -> None:
        workers = available_cores() if workers is None else workers
        _check_workers(workers, "ThreadBackend", "threads")
        self.workers = workers
        self._executor: Executor | None = None

    def _new_executor(self) -> Executor:
        return ThreadPoolExecutor(self.workers, thread_name_prefix="appraisal-chunk")

    def _submit(self, executor: Executor, fn: Callable[[int], T], i: int) -> Future[T]:
        # a context each: one context cannot run in two threads at once
        return executor.submit(contextvars.copy_context().run, fn, i)

    def _running(self) -> contextlib.AbstractContextManager[Any]:
        from appraisal.engine.kernel import blas_threads

        return blas_threads()


def _call(fn: Callable[[int], T], i: int) -> T:
    """``fn(i)``: the task a Dask worker runs, *fn* being the object scattered to it."""
    return fn(i)


#: Seconds to wait for a remote Dask scheduler before giving up (``--dask-timeout``).
DASK_TIMEOUT = 10.0


class DaskBackend:
    """Evaluate chunks on a Dask cluster (``dask.distributed``).

    Parameters
    ----------
    address : str, optional
        Scheduler address (e.g. ``"tcp://10.0.0.5:8786"``). If omitted, a
        ``LocalCluster`` is started with the options below and closed afterwards.
    n_workers, threads_per_worker, processes : optional
        ``LocalCluster`` options (ignored with ``address`` or ``client``).
    memory_limit : str or float, optional
        Memory limit of each worker of the ``LocalCluster`` (e.g. ``"1GB"``; Dask's
        default, ``"auto"``, shares the machine's memory between the workers), where Dask
        starts spilling, pausing and, past 95 %, restarting the worker. The chunk each
        worker evaluates at a time comes from the run's ``memory`` budget, so keep this
        above that budget plus about 150 MB for the worker itself.
    client : distributed.Client, optional
        An existing client to use (not closed by this backend).
    window : int, optional
        Tasks submitted ahead of the one being consumed (default: 4 per worker thread).
    timeout : float, default 10
        Seconds to wait for the scheduler at ``address``; if it cannot be reached in
        that time, :class:`~appraisal.errors.BackendError` names the address and the
        timeout.

    Examples
    --------
    >>> DaskBackend(n_workers=2)
    DaskBackend(local, n_workers=2)
    """

    def __init__(self, address: str | None = None, *, n_workers: int = 2,
                 threads_per_worker: int = 1, processes: bool = True, client: Any = None,
                 window: int | None = None, timeout: float = DASK_TIMEOUT,
                 memory_limit: str | float | None = None) -> None:
        self.address = address
        self.memory_limit = memory_limit
        self.timeout = timeout
        self.n_workers = n_workers
        self.threads_per_worker = threads_per_worker
        self.processes = processes
        self.window = window
        self._client = client
        self._owned: list[Any] = []

    def __repr__(self) -> str:
        where = self.address or ("client" if self._client is not None else "local")
        return f"DaskBackend({where}, n_workers={self.n_workers})"

    @staticmethod
    def _import() -> Any:
        try:
            import dask.distributed as distributed
        except ImportError as exc:
            msg = ("the Dask backend needs the optional 'dask' extra: "
                   "pip install 'appraisal[dask]' (or dask and distributed)")
            raise ImportError(msg) from exc
        return distributed

    def __enter__(self) -> DaskBackend:
        if self._client is None:
            distributed = self._import()
            if self.address is None:
                import dask

                # Workers set up for chunks of numpy work (measured on the prevention
                # case, benchmarks/bench_dask.py): no statistical profiler (it samples
                # every thread's stack every 10 ms; there is no dashboard to show it on),
                # and glibc's own memory trimming instead of Dask's MALLOC_TRIM_THRESHOLD_
                # of 64 kB, which turns off glibc's adaptive mmap threshold so every large
                # temporary array is mapped and zeroed afresh: each chunk took twice the
                # CPU time it takes in this process. A worker then keeps the memory of its
                # largest chunk, which the run's memory budget bounds.
                with dask.config.set({
                        "distributed.worker.profile.enabled": False,
                        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                    cluster = distributed.LocalCluster(
                        n_workers=self.n_workers, threads_per_worker=self.threads_per_worker,
                        processes=self.processes, dashboard_address=None,
                        memory_limit="auto" if self.memory_limit is None
                        else self.memory_limit)
                client = distributed.Client(cluster)
                self._owned = [client, cluster]
            else:
                try:
                    client = distributed.Client(self.address, timeout=self.timeout)
                except (OSError, TimeoutError) as exc:
                    msg = (f"could not reach the Dask scheduler at {self.address} within "
                           f"{self.timeout:g} s ({type(exc).__name__}); check that it is "
                           "running and the address, or raise --dask-timeout")
                    raise BackendError(msg) from None
                self._owned = [client]
            self._client = client
        return self

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` in use (None outside ``with`` unless one was given)."""
        return self._client

    def __exit__(self, *exc: object) -> None:
        for resource in self._owned:
            resource.close()
        if self._owned:
            self._client = None
        self._owned = []

    def map(self, fn: Callable[[int], T], n_tasks: int, *, desc: str = "") -> Iterator[T]:
        """Yield ``fn(i)`` in index order, computed on the cluster."""
        if self._client is not None:
            yield from self._map(fn, n_tasks, desc)
            return
        with self:
            yield from self._map(fn, n_tasks, desc)

    def _map(self, fn: Callable[[int], T], n_tasks: int, desc: str) -> Iterator[T]:
        client = self._client
        if self.window is not None:
            window = self.window
        else:
            threads = sum(client.nthreads().values()) or 1
            window = 4 * threads
        # fn (the model with its compiled case, often hundreds of kB) goes to every worker
        # once and stays there: each task sends only its index, and the worker calls the
        # same object each time, so what the model caches between chunks is kept (sent
        # with each task, fn was unpickled afresh for every chunk: Dask caches only small
        # functions). pure=False: the same (fn, i) must run even if Dask has seen it before.
        shared = client.scatter(fn, broadcast=True, hash=False)
        try:
            yield from _windowed(lambda i: client.submit(_call, shared, i, pure=False),
                                 lambda future: future.result(), n_tasks, window, desc)
        finally:
            shared.release()


def resolve_backend(backend: Backend | int | str | None, *,
                    timeout: float = DASK_TIMEOUT) -> Backend:
    """Turn a backend argument into a backend.

    ``None`` or ``"serial"``: serial; an integer ``n``: ``n`` local processes (1 means
    serial); ``"threads"``: a thread per available core (:class:`ThreadBackend`);
    ``"dask"``: a local Dask cluster; a ``"tcp://..."`` (or other scheme) address:
    that Dask scheduler; a backend object: itself.

    Examples
    --------
    >>> resolve_backend(None), resolve_backend(3)
    (SerialBackend(), ProcessBackend(workers=3))
    """
    if isinstance(backend, bool):
        pass  # neither a worker count nor a backend: reported below
    elif backend is None or backend == "serial" or backend == 1:
        return SerialBackend()
    elif isinstance(backend, int):
        return ProcessBackend(workers=backend)
    elif backend == "threads":
        return ThreadBackend()
    elif backend == "dask":
        return DaskBackend()
    elif isinstance(backend, str) and "://" in backend:
        return DaskBackend(address=backend, timeout=timeout)
    elif isinstance(backend, Backend):
        return backend
    message = f"unknown backend {backend!r}"
    fix = ("use None, 'serial', a number of workers, 'threads', 'dask', a scheduler address "
           "or a backend")
    raise AppraisalValidationError([Issue("invalid-argument", message, "", "backend", fix)],
                                   source="resolve_backend")
