"""The prevention case's Monte Carlo on a Dask ``LocalCluster`` against the serial run.

Usage::

    python benchmarks/bench_dask.py                    # 10^7 draws, 2 workers of 1 GB
    python benchmarks/bench_dask.py --draws 1000000 --worker-memory 768MB

Runs the Monte Carlo of ``data/examples/early_help_prevention.yaml``'s own ``uncertainty:``
section (sampling, engine, summaries, acceptability curves, EVPI/EVPPI; no Sobol or
Morris) through :func:`~appraisal.lenses.uncertainty.lens.analyse_uncertainty` twice, each
in a fresh process: serially, and with the Dask backend (what ``appraisal uncertainty
--dask`` uses, :class:`~appraisal.lenses.uncertainty.DaskBackend`) on a ``LocalCluster`` of
``--workers`` single-threaded worker processes, each with a Dask memory limit of
``--worker-memory``; both with the same ``--memory`` budget, which sets the chunk each
worker evaluates at a time. Prints for each: wall time, draws a second, the chunk, the peak
resident memory of the driving process (it keeps the per-draw outputs that percentiles and
EVPI/EVPPI need) and of each worker (``ru_maxrss``, read on the worker at the end); then
whether the two ``uncertainty`` results are identical (their JSON text, every float
written exactly) and the ratio of the times. Exits 1 if they differ.

Above 10^6 draws (the analysis's own limit: its summaries keep every draw's outputs), or
with ``--level monte-carlo``, the benchmark runs the same Monte Carlo itself: the case
model with the totals the analysis counts chunk by chunk (η curve, P(best), VfM bands),
through :func:`~appraisal.lenses.uncertainty.run_monte_carlo` on each backend, keeping the
NPSV of every draw (8 bytes per draw per option in the driver; each worker holds one chunk
chosen from ``--memory``); identical means the same NPSV array and totals, bit for bit.

Measured in one run on the same machine, so the ratio holds on a shared one; not part of
the test run (tests/test_uncertainty_backends.py checks Dask equals serial on small runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "data" / "examples" / "early_help_prevention.yaml"
#: The most draws :func:`analyse_uncertainty` takes (``appraisal.limits``); beyond it the
#: benchmark runs the Monte Carlo itself (see the module docstring).
FULL_ANALYSIS_MAX = 1_000_000


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    """Peak resident memory of this process (MB; Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def _whole_analysis(args: argparse.Namespace) -> bool:
    return args.level == "analysis" or (args.level == "auto" and args.draws <= FULL_ANALYSIS_MAX)


def _one(args: argparse.Namespace) -> dict[str, Any]:
    """One run in this (fresh) process; what it measured."""
    import appraisal
    import appraisal.lenses.uncertainty.lens as lens_module
    from appraisal.engine.kernel import check_memory
    from appraisal.lenses.uncertainty.case_model import CaseModel, case_spec
    from appraisal.lenses.uncertainty.lens import (
        ETA_GRID,
        MAX_CHUNK,
        _vfm_bands,
        analyse_uncertainty,
        monte_carlo_chunk,
    )
    from appraisal.lenses.uncertainty.streaming import ChunkTotals

    case = appraisal.load_case(CASE)
    spec = dataclasses.replace(case_spec(case), sobol_base_samples=None)  # Monte Carlo only
    analyse_uncertainty(case, spec=spec, draws=2_000)  # imports and caches
    model = CaseModel(case, spec, memory=check_memory(args.memory, "--memory"))
    # Time the distributed part (sampling and engine, chunk by chunk, on the backend) apart
    # from what the driving process does after it (summaries, curves, EVPI/EVPPI).
    mc_seconds: list[float] = []
    run_monte_carlo = lens_module.run_monte_carlo

    def timed(*a: Any, **k: Any) -> Any:
        started = time.perf_counter()
        out = run_monte_carlo(*a, **k)
        mc_seconds.append(time.perf_counter() - started)
        return out

    if _whole_analysis(args):
        chunk = monte_carlo_chunk(model, args.draws, 3 if model.has_equity else 2,
                                  model.memory)

        def analyse(backend: Any) -> str:
            lens_module.run_monte_carlo = timed
            result = analyse_uncertainty(case, spec=spec, draws=args.draws,
                                         memory=args.memory, backend=backend)
            return json.dumps(result.to_dict(), sort_keys=True)
    else:
        # Over the analysis's limit of draws: the same Monte Carlo (the case model with its
        # counted totals, as analyse_uncertainty runs it) keeping only the NPSV per draw,
        # so the driver holds 8 bytes per draw per option; each worker's chunk from the
        # budget alone.
        chunk = monte_carlo_chunk(model, MAX_CHUNK, 1, model.memory)
        counted = ChunkTotals(model, ETA_GRID if model.has_equity else None,
                              bands=[low for _, low in _vfm_bands(model)])

        def analyse(backend: Any) -> str:
            result = timed(counted, spec.distributions, args.draws, spec.seed, chunk, backend,
                           correlation=spec.correlation, outputs=["npsv"],
                           totals=ChunkTotals.TOTALS)
            digest = hashlib.sha256(np.ascontiguousarray(result.outputs["npsv"]).tobytes())
            for name in sorted(result.totals):
                digest.update(np.ascontiguousarray(result.totals[name]).tobytes())
            npsv = result.outputs["npsv"]
            return json.dumps({"npsv_and_totals_sha256": digest.hexdigest(),
                               "mean_npsv": npsv.mean(axis=0).tolist(),
                               "p05_npsv": np.quantile(npsv, 0.05, axis=0).tolist(),
                               "p95_npsv": np.quantile(npsv, 0.95, axis=0).tolist()})
    workers: list[float] = []
    workers_cpu = 0.0
    cpu = _cpu_seconds()
    start = time.perf_counter()
    if args.one == "serial":
        text = analyse("serial")  # the serial reference (the default would use threads)
        seconds_on_cluster = time.perf_counter() - start
    else:
        from appraisal.lenses.uncertainty import DaskBackend

        with DaskBackend(n_workers=args.workers, memory_limit=args.worker_memory) as dask:
            started = time.perf_counter()
            text = analyse(dask)
            seconds_on_cluster = time.perf_counter() - started
            workers = sorted(dask.client.run(_peak_mb).values())
            workers_cpu = sum(dask.client.run(_cpu_seconds).values())
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    Path(args.save).write_text(text, encoding="utf-8")
    return {"seconds": seconds, "chunk": chunk, "driver_mb": _peak_mb(), "workers_mb": workers,
            "seconds_on_cluster": seconds_on_cluster, "cpu": cpu, "workers_cpu": workers_cpu,
            "sha256": hashlib.sha256(text.encode()).hexdigest(), "mc_seconds": mc_seconds[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="1GB",
                        help="Dask memory limit of each worker (default 1GB)")
    parser.add_argument("--memory", default="256MB",
                        help="appraisal's working-memory budget, sets the chunk (default 256MB)")
    parser.add_argument("--level", choices=("auto", "analysis", "monte-carlo"), default="auto",
                        help="the whole analysis (up to 10^6 draws, its limit) or the Monte "
                             "Carlo alone (auto: the analysis when it can)")
    parser.add_argument("--one", choices=("serial", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args)))
        return 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for which in ("serial", "dask"):
            save = str(Path(tmp) / f"{which}.json")
            done = subprocess.run(
                [sys.executable, __file__, "--one", which, "--save", save,
                 "--draws", str(args.draws), "--workers", str(args.workers),
                 "--worker-memory", args.worker_memory, "--memory", args.memory,
                 "--level", args.level],
                env=env, cwd=ROOT, capture_output=True, text=True, check=False)
            if done.returncode:
                print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
                return done.returncode
            runs[which] = json.loads(done.stdout.strip().splitlines()[-1])
        same = Path(tmp, "serial.json").read_bytes() == Path(tmp, "dask.json").read_bytes()
    load = os.getloadavg()
    what = ("the whole analysis (no Sobol/Morris)" if _whole_analysis(args) else
            "sampling, engine and counted totals; NPSV kept per draw")
    print(f"prevention case Monte Carlo, {args.draws:,} draws, {what}; budget "
          f"{args.memory}; load average {load[0]:.2f}, {os.cpu_count()} CPUs")
    print(f"  {'run':<40} {'wall s':>7} {'of it MC':>8} {'draws/s':>9} {'chunk':>7} "
          f"{'driver MB':>9}  workers MB")
    for which, label in (("serial", "serial, this process"),
                         ("dask", f"Dask LocalCluster, {args.workers} workers x "
                                  f"{args.worker_memory}")):
        r = runs[which]
        workers = ", ".join(f"{w:.0f}" for w in r["workers_mb"]) or "-"
        print(f"  {label:<40} {r['seconds_on_cluster']:7.1f} {r['mc_seconds']:8.1f} "
              f"{args.draws / r['seconds_on_cluster']:9,.0f} {r['chunk']:7,} "
              f"{r['driver_mb']:9.0f}  {workers}")
    rest = ("the driver's summaries, curves and EVPI/EVPPI" if _whole_analysis(args) else
            "the driver's mean and percentiles")
    print(f"  (of it MC: sampling and engine, chunk by chunk on the backend; the rest is {rest})")
    print(f"  (Dask, with starting and stopping the cluster: {runs['dask']['seconds']:.1f} s)")
    print(f"  CPU s: serial {runs['serial']['cpu']:.1f}; Dask driver {runs['dask']['cpu']:.1f} "
          f"+ workers {runs['dask']['workers_cpu']:.1f}")
    print(f"results identical (JSON of the results, sha256 {runs['serial']['sha256'][:12]}): "
          f"{'yes' if same else 'NO'}")
    ratio = runs["dask"]["seconds_on_cluster"] / runs["serial"]["seconds_on_cluster"]
    print(f"Dask / serial time: {ratio:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
