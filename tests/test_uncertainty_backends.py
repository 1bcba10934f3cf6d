"""Tests for appraisal.lenses.uncertainty.backends: same seed, same answer, on every backend."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.uncertainty.backends import (
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    ThreadBackend,
    available_cores,
    resolve_backend,
)
from appraisal.lenses.uncertainty.correlation import Correlation, CorrelationGroup
from appraisal.lenses.uncertainty.distributions import Discrete, LogNormal, Normal, Triangular
from appraisal.lenses.uncertainty.gsa import sobol_analysis
from appraisal.lenses.uncertainty.sampling import run_monte_carlo

SPECS = {
    "capex": Triangular(0.9, 1.0, 1.4),
    "demand": Normal(100.0, 20.0),
    "value": LogNormal.from_median(12.0, 1.3),
    "scenario": Discrete(("low", "central", "high"), (0.25, 0.5, 0.25)),
}
CORR = Correlation.from_groups([CorrelationGroup(("capex", "demand"), 0.5)])


def npsv_model(x):
    """Module-level (picklable) model: NPSV of two options per draw."""
    uplift = np.array([0.9, 1.0, 1.1])[x["scenario"]]
    gain = x["demand"] * x["value"] * uplift - 1000.0 * x["capex"]
    return {"npsv": np.stack([np.zeros_like(gain), gain], axis=1)}


def bad_model(x):
    return {"npsv": x["demand"][:1]}


def slow_first(i: int) -> int:
    time.sleep(0.2 if i == 0 else 0.0)  # the first task finishes last
    return i * 10


def _run(backend):
    return run_monte_carlo(npsv_model, SPECS, 20_000, seed=99, chunk_size=4096,
                           backend=backend, correlation=CORR).outputs["npsv"]


def test_serial_and_local_processes_give_identical_draws():
    serial = _run(None)
    np.testing.assert_array_equal(serial, _run(ProcessBackend(workers=2)))
    np.testing.assert_array_equal(serial, _run(2))


def test_dask_local_cluster_gives_identical_draws_and_sobol_indices():
    """DESIGN: the engine runs its chunks on Dask; same seed, same answer (LocalCluster with
    two worker processes)."""
    pytest.importorskip("dask.distributed")
    serial = _run(SerialBackend())
    sobol_serial = sobol_analysis(npsv_model, SPECS, 256, rng=5, chunk_size=512)
    with DaskBackend(n_workers=2, processes=True) as dask:
        np.testing.assert_array_equal(serial, _run(dask))
        sobol_dask = sobol_analysis(npsv_model, SPECS, 256, rng=5, chunk_size=512,
                                    backend=dask)
    for key in ("S1", "ST"):
        np.testing.assert_array_equal(sobol_serial.indices[key], sobol_dask.indices[key])


def test_threads_give_identical_draws_and_sobol_indices():
    """Issue 14: chunks in threads of this process; same seed, same answer, whatever the
    number of threads."""
    serial = _run(None)
    for backend in (ThreadBackend(workers=2), ThreadBackend(workers=3), "threads"):
        np.testing.assert_array_equal(serial, _run(backend))
    sobol_serial = sobol_analysis(npsv_model, SPECS, 256, rng=5, chunk_size=512)
    sobol_threads = sobol_analysis(npsv_model, SPECS, 256, rng=5, chunk_size=512,
                                   backend=ThreadBackend(2))
    for key in ("S1", "ST"):
        np.testing.assert_array_equal(sobol_serial.indices[key], sobol_threads.indices[key])


@pytest.mark.parametrize("backend", [ProcessBackend(workers=2), ThreadBackend(workers=2)])
def test_results_come_back_in_chunk_order(backend):
    assert list(backend.map(slow_first, 5)) == [0, 10, 20, 30, 40]


def test_threads_run_chunks_at_once_in_the_callers_context():
    """The chunks of a ThreadBackend overlap (two threads: the second chunk starts before
    the first ends), and each sees the context of the call to map (the memory budget)."""
    import threading

    from appraisal.engine.kernel import check_memory, memory_budget

    both = threading.Barrier(2, timeout=10)

    def chunk(i: int) -> tuple[float, str]:
        both.wait()  # both chunks must be running at once, or this times out
        return check_memory(None, "test"), threading.current_thread().name

    with memory_budget("1GB"):
        got = list(ThreadBackend(workers=2).map(chunk, 2))
    assert [budget for budget, _ in got] == [1024.0, 1024.0]
    assert len({name for _, name in got}) == 2
    assert all(name != threading.main_thread().name for _, name in got)


@pytest.mark.parametrize("kind", [ProcessBackend, ThreadBackend])
def test_context_manager_reuses_one_pool(kind):
    with kind(workers=2) as backend:
        first = list(backend.map(slow_first, 3))
        second = list(backend.map(slow_first, 3))
    assert first == second == [0, 10, 20]


@pytest.mark.parametrize("backend", [2, ThreadBackend(workers=2)])
def test_worker_errors_arrive_as_the_toolkits_errors(backend):
    with pytest.raises(AppraisalValidationError) as caught:
        run_monte_carlo(bad_model, SPECS, 10_000, seed=1, chunk_size=4096, backend=backend)
    assert caught.value.issues[0].code == "bad-output-shape"


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys):
    list(SerialBackend().map(lambda i: i, 50, desc="Monte Carlo"))
    assert capsys.readouterr().err == ""


def test_resolve_backend():
    assert isinstance(resolve_backend(None), SerialBackend)
    assert isinstance(resolve_backend("serial"), SerialBackend)
    assert isinstance(resolve_backend(1), SerialBackend)
    assert resolve_backend(4).workers == 4
    assert resolve_backend("tcp://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"
    assert resolve_backend("dask").address is None
    assert resolve_backend("threads").workers == available_cores()
    backend = ProcessBackend(workers=3)
    assert resolve_backend(backend) is backend
    with pytest.raises(AppraisalValidationError, match="unknown backend"):
        resolve_backend("gpu")
    with pytest.raises(AppraisalValidationError, match="unknown backend"):
        resolve_backend(True)
    with pytest.raises(AppraisalValidationError, match="positive integer"):
        ProcessBackend(workers=0)
    with pytest.raises(AppraisalValidationError, match="positive integer"):
        ThreadBackend(workers=0)
    # the command line's limits hold from Python too, each in its own words
    assert ThreadBackend(workers=256).workers == ProcessBackend(workers=256).workers == 256
    with pytest.raises(AppraisalValidationError, match="limit of 256 threads") as info:
        ThreadBackend(workers=257)
    assert info.value.issues[0].code == "too-many"
    with pytest.raises(AppraisalValidationError, match="256 workers: each worker is a process"):
        resolve_backend(100_000)


def test_missing_dask_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r"appraisal\[dask\]"):
        list(DaskBackend().map(lambda i: i, 2))


class _CountingModel:
    """A callable model with a large payload (Dask caches only small functions by their
    bytes) that counts its own calls."""

    def __init__(self) -> None:
        self.payload = np.zeros(50_000)
        self.calls = 0

    def __call__(self, i: int) -> int:
        self.calls += 1
        return self.calls


def test_dask_sends_the_model_to_each_worker_once():
    """Issue 14, item 5: every task on a worker calls the same model object (what it
    caches between chunks is kept), instead of one unpickled afresh for each chunk."""
    pytest.importorskip("dask.distributed")
    with DaskBackend(n_workers=1, processes=True, window=1) as dask:
        assert list(dask.map(_CountingModel(), 6)) == [1, 2, 3, 4, 5, 6]


def _worker_settings() -> tuple[object, object]:
    import os

    import dask

    return (dask.config.get("distributed.worker.profile.enabled"),
            os.environ.get("MALLOC_TRIM_THRESHOLD_"))


def test_the_local_cluster_is_set_up_for_numpy_chunks(monkeypatch):
    """Workers of the LocalCluster DaskBackend starts: the memory limit asked for, no
    statistical profiler, and glibc's own trimming (Dask's MALLOC_TRIM_THRESHOLD_ doubled
    each chunk's CPU time: docs/performance.md, Dask)."""
    pytest.importorskip("dask.distributed")
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with DaskBackend(n_workers=1, memory_limit="700MB") as dask:
        assert list(dask.client.run(_worker_settings).values()) == [(False, None)]
        limits = [w["memory_limit"] for w in dask.client.scheduler_info()["workers"].values()]
        assert limits == [700_000_000]
    assert dask.client is None  # closed with the cluster it started
