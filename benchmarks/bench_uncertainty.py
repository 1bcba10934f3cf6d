"""Uncertainty benchmark: Monte Carlo and Sobol on the prevention example, in one run.

Measures, on ``data/examples/early_help_prevention.yaml`` (26 lines, 40 years, 4 options):

1. **Monte Carlo**: 10^6 draws of 10 uncertain inputs (five line-scale groups, optimism
   bias, drop-off, additionality, a benefit delay in whole years, a discount-rate shift)
   through :func:`appraisal.lenses.uncertainty.run_monte_carlo` and the vectorised engine, one
   engine call per chunk: wall time and draws/s in this process and on a 2-process
   :class:`~appraisal.lenses.uncertainty.ProcessBackend`; peak traced memory at two chunk sizes.
2. **Per-draw loop**: the same model called once per draw on a sample of draws, timed and
   extrapolated to the full run (it checks it gets the same numbers as the chunked run).
3. **Floor**: the plain-numpy formulation of ``benchmarks/floor.py`` (per draw, the line
   profiles times that draw's discount factors, shifted for delays, then the per-line
   multipliers; one BLAS thread), asserted equal to the engine on the same draws and timed
   against it twice: on one chunk of prepared inputs (kernel against kernel), and over the
   whole run with the same sampling (the Monte Carlo end to end against sampling + floor).
4. **Sobol**: one scale per line plus the five scalars (31 inputs) at N = 2^13 through
   :func:`appraisal.lenses.uncertainty.sobol_analysis`: sampling, engine evaluation, analysis.
5. **The case's own Monte Carlo** (its ``uncertainty:`` section) end to end through
   :func:`~appraisal.lenses.uncertainty.lens.analyse_uncertainty`, 10^6 draws, under the
   default 512 MB budget, in a fresh process (after a 2,000-draw warm-up run): wall and
   CPU time, the split by stage (sampling, engine and case model, counting, summaries,
   acceptability, EVPI/EVPPI) and the peak resident memory of the whole process
   (``VmHWM``). Beside it, the floor with the same sampling: the same chunks of the
   same draws, mapped to the engine's inputs by the case model and evaluated by
   ``benchmarks/floor.py`` (NPSV only), also in a fresh process, and the ratio of the two.
6. **A generated case**, 5,000 lines x 60 years x 10^4 draws (a scale, a rate shift and a
   delay per draw): time and peak traced memory, and the time at 100 to 5,000 lines with
   the fitted exponent of time against lines.

Every ratio is measured in the same run, so it holds on a noisy shared machine. The
distributions are illustrative spreads for exercising the machinery, not published values.

Targets (issue 5, 2-core machine): 10^6 draws in under 20 s with memory bounded by the
chunk size; at least 100x the per-draw loop; the engine within 1.5x of the floor (issue
14); the Sobol run (sampling, evaluation and analysis) in under 60 s.

Run: ``python benchmarks/bench_uncertainty.py [--quick] [--workers 2]``
(``--quick``: 10^4 draws and N = 2^9, a few seconds; for smoke tests), or
``python benchmarks/bench_uncertainty.py --case-only [--repeat 3] [--baseline DIR]`` for item
5 alone: its stages median of fresh processes, each after a run of the version in *DIR*
(``git archive <commit> appraisal data | tar -x -C DIR``) when given, with the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from floor import Floor

import appraisal
from appraisal.engine.compile import CompiledCase, compile_case, evaluate_arrays
from appraisal.engine.kernel import reused_heap
from appraisal.lenses.uncertainty import (
    PERT,
    Discrete,
    Distribution,
    LogNormal,
    Normal,
    ProcessBackend,
    Triangular,
    run_monte_carlo,
    sample_inputs,
    sobol_analysis,
    sobol_first_total,
)

EXAMPLE = "prevention"
SEED = 20261122
TARGET_MC_S = 20.0
TARGET_LOOP_X = 100.0
TARGET_FLOOR_X = 1.5
TARGET_SOBOL_S = 60.0
TARGET_CASE_MC_S = 3.0  # issue 14
TARGET_MB = 512
TARGET_BIG_S = 3.0
TARGET_EXPONENT = 1.05

# --------------------------------------------------------------------- the model
_COMPILED: dict[str, CompiledCase] = {}
_LAYOUT: dict[str, Any] = {}


def compiled_example(name: str = EXAMPLE) -> CompiledCase:
    """The compiled example case, compiled once per process."""
    if name not in _COMPILED:
        _COMPILED[name] = compile_case(appraisal.load_case(appraisal.example_path(name)))
    return _COMPILED[name]


def scale_groups(c: CompiledCase) -> tuple[list[str], np.ndarray]:
    """Five scale groups by line attributes: ``(names, group of each line)``."""
    names = ["scale_costs_uplifted", "scale_costs_other", "scale_benefits_fiscal",
             "scale_benefits_economic", "scale_benefits_social"]
    group = []
    for line, ob in zip(c.case.lines, c.ob_uplift, strict=True):
        if line.kind == "cost":
            group.append(0 if ob > 0 else 1)
        else:
            group.append({"fiscal": 2, "economic": 3}.get(line.value_type, 4))
    return names, np.array(group)


BENEFIT_DELAY = Discrete((0, 1, 2), (0.6, 0.3, 0.1))  # whole years, benefit lines only
SCALARS: dict[str, Distribution] = {
    "ob_realised": PERT(0.25, 1.0, 1.5),  # share of the compiled optimism-bias uplift
    "drop_off_factor": Triangular(0.5, 1.0, 1.5),  # multiplies each line's drop-off
    "additionality_factor": Triangular(0.7, 1.0, 1.2),  # multiplies each outcome chain
    "benefit_delay": BENEFIT_DELAY,
    "rate_shift": Normal(0.0, 0.005, low=-0.02, high=0.02),  # on every one-year rate
}
_GROUP_SPECS: tuple[Distribution, ...] = (
    Triangular(0.9, 1.0, 1.4), Triangular(0.95, 1.0, 1.2), PERT(0.6, 1.0, 1.3),
    PERT(0.5, 1.0, 1.2), LogNormal.from_median(1.0, 1.25))


def mc_specs(c: CompiledCase) -> dict[str, Distribution]:
    """Ten inputs: five line-scale groups and the five scalars."""
    names, _ = scale_groups(c)
    return {**dict(zip(names, _GROUP_SPECS, strict=True)), **SCALARS}


def sobol_specs(c: CompiledCase) -> dict[str, Distribution]:
    """One scale per line (its group's distribution) and the five scalars."""
    _, group = scale_groups(c)
    return {**{f"scale_{i:02d}": _GROUP_SPECS[g] for i, g in enumerate(group)}, **SCALARS}


def engine_inputs(c: CompiledCase, x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map named draws ``[D]`` to :func:`evaluate_arrays` keyword arrays ``[D, L]``."""
    L = c.n_lines
    if "layout" not in _LAYOUT or _LAYOUT["layout"][0] is not c:
        names, group = scale_groups(c)
        benefit = ~c.is_cost & (c.line_option != c.counterfactual)
        _LAYOUT["layout"] = (c, names, group, benefit)
    _, names, group, benefit = _LAYOUT["layout"]
    if f"scale_{0:02d}" in x:
        scale = np.stack([x[f"scale_{i:02d}"] for i in range(L)], axis=1)
    else:
        scale = np.stack([x[n] for n in names], axis=1)[:, group]
    delay = BENEFIT_DELAY.lookup(x["benefit_delay"]).astype(np.int64)
    return {
        "scale": scale,
        "ob_uplift": c.ob_uplift[None, :] * x["ob_realised"][:, None],
        "additionality": np.minimum(c.additionality[None, :]
                                    * x["additionality_factor"][:, None], 1.0),
        "drop_off": np.minimum(c.drop_off[None, :] * x["drop_off_factor"][:, None], 1.0),
        "delay": delay[:, None] * benefit[None, :],
        "rate_shift": x["rate_shift"],
    }


class EngineModel:
    """``model(inputs) -> {"npsv": [D, O]}`` through the engine; picklable (by name).

    ``chunk_size=None`` evaluates each call in one engine chunk, so the Monte Carlo chunk
    size bounds the memory. Records the seconds spent inside calls (``seconds``) and, with
    ``record=True``, the outputs of every call in order (``calls``; in-process only).
    """

    def __init__(self, example: str = EXAMPLE, chunk_size: int | None = None, *,
                 record: bool = False) -> None:
        self.example, self.chunk_size, self.record = example, chunk_size, record
        self.seconds, self.calls = 0.0, []

    def __getstate__(self) -> dict[str, Any]:
        return {"example": self.example, "chunk_size": self.chunk_size, "record": False,
                "seconds": 0.0, "calls": []}

    def __call__(self, x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        start = time.perf_counter()
        c = compiled_example(self.example)
        n = len(next(iter(x.values())))
        out = evaluate_arrays(c, **engine_inputs(c, x), chunk_size=self.chunk_size or n)
        self.seconds += time.perf_counter() - start
        if self.record:
            self.calls.append(out.npsv)
        return {"npsv": out.npsv}


# --------------------------------------------------------------------- generated cases
def generated_case(n_lines: int, n_years: int, n_options: int = 10, seed: int = 0) -> Any:
    """A synthetic case: ``n_lines`` lines with random amounts in every year, spread over
    ``n_options`` options (the first the counterfactual) and two discount schedules."""
    from appraisal import case_from_records

    rng = np.random.default_rng(seed)
    years = [int(y) for y in range(2025, 2025 + n_years)]
    options = [{"name": f"o{k}", "counterfactual": k == 0} for k in range(n_options)]
    lines = [{"option": f"o{i % n_options}", "name": f"l{i}",
              "kind": "cost" if i % 3 == 0 else "benefit",
              "schedule": ("standard", "health")[i % 2],
              "values": dict(zip(years, map(float, rng.uniform(0, 1e5, n_years)),
                                 strict=True))} for i in range(n_lines)]
    return case_from_records(title="generated", base_year=2025, horizon_years=n_years,
                             options=options, lines=lines)


def generated_draws(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """A common scale, a rate shift and a delay per draw (one value for every line)."""
    rng = np.random.default_rng(seed)
    return {"scale": rng.uniform(0.8, 1.2, (n, 1)), "rate_shift": rng.uniform(-0.01, 0.01, n),
            "delay": rng.integers(0, 3, (n, 1))}


# --------------------------------------------------------------------- the case's own run
_CASE_RUN = r"""
import functools, json, os, resource, sys, threading, time
import appraisal
from appraisal.lenses.uncertainty import case_model, lens, sampling, streaming, voi
case = appraisal.load_case(appraisal.example_path(sys.argv[1]))
backend = None if sys.argv[3] == "default" else sys.argv[3]
lens.analyse_uncertainty(case, draws=2000, backend=backend)  # warm-up: imports, BLAS
stages, lock, local = {}, threading.Lock(), threading.local()
def wrap(owner, name, label):
    # CPU time of the calling thread (stages run side by side in threads), exclusive of the
    # stages called inside it
    f = getattr(owner, name)
    @functools.wraps(f)
    def g(*a, **k):
        inner = getattr(local, "inner", None)
        local.inner = [0.0]
        t = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            spent = time.thread_time() - t
            with lock:
                stages[label] = stages.get(label, 0.0) + spent - local.inner[0]
            if inner is not None:
                inner[0] += spent
            local.inner = inner
    setattr(owner, name, g)
wrap(sampling, "sample_chunk", "sampling")
wrap(case_model.CaseModel, "__call__", "engine and case model")
wrap(streaming.ChunkTotals, "__call__", "counting")
wrap(lens, "_monte_carlo", "summaries")
wrap(lens, "_acceptability", "acceptability")
wrap(lens, "_value_of_information", "EVPI/EVPPI")
wrap(voi, "_evppi", "EVPI/EVPPI")
run_mc, used = lens.run_monte_carlo, {}
def record_chunk(*a, **k):  # the chunk the run chose (not in the seed record: it changes no draw)
    res = run_mc(*a, **k)
    used["chunk"] = res.chunk_size
    return res
lens.run_monte_carlo = record_chunk
t, c = time.perf_counter(), time.process_time()
res = lens.analyse_uncertainty(case, draws=int(sys.argv[2]), backend=backend)
wall, cpu = time.perf_counter() - t, time.process_time() - c
stages = {k: stages[k] for k in ("sampling", "engine and case model", "counting", "summaries",
                                 "acceptability", "EVPI/EVPPI") if k in stages}
stages["rest"] = cpu - sum(stages.values())
try:  # this process's own high-water mark: ru_maxrss would count the parent's at the fork
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
chunk = used["chunk"]
threads = 1  # the threads the run used (a version without them: 1)
if backend != "serial" and hasattr(lens, "default_threads"):
    model = case_model.CaseModel(case)
    threads = lens.default_threads(model, int(sys.argv[2]), 3 if model.has_equity else 2,
                                   model.memory)
print(json.dumps({"wall": wall, "cpu": cpu, "stages": stages, "rss_mb": rss, "chunk": chunk,
                  "threads": threads, "load": os.getloadavg()[0]}))
"""


def case_monte_carlo(n: int, example: str = EXAMPLE, code: str | None = None,
                     backend: str = "default") -> dict[str, Any]:
    """The case's own Monte Carlo in a fresh process: wall and CPU seconds, CPU by stage
    (each stage's own thread's CPU time: with threads the stages run side by side), peak
    resident memory of the whole process (MB; ``VmHWM`` on Linux, else ``ru_maxrss``),
    the chunk and the threads used. ``code``: a folder holding another version's
    ``appraisal`` package to run instead of this one (``git archive <commit> appraisal data
    | tar -x -C DIR``). ``backend``: ``"default"`` (what the user gets) or ``"serial"``."""
    import json
    import os
    import subprocess

    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([code, *filter(None, [env.get("PYTHONPATH")])])
    # "-c" puts the working directory first on the path: run the baseline from its folder
    out = subprocess.run([sys.executable, "-c", _CASE_RUN, example, str(n), backend],
                         check=True, capture_output=True, text=True, env=env, cwd=code).stdout
    return json.loads(out.strip().splitlines()[-1])


def case_floor_fresh(n: int, threads: int = 1, chunk: int | None = None) -> tuple[float, float]:
    """:func:`case_floor` in a fresh process, as the case's Monte Carlo is measured (a
    process that has run the other sections holds a larger, more fragmented heap)."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--case-floor", str(n), "--floor-threads",
                          str(threads), "--floor-chunk", str(chunk or 0)], check=True,
                         capture_output=True, text=True).stdout
    wall, cpu = json.loads(out.strip().splitlines()[-1])
    return wall, cpu


def case_only(n: int, repeat: int, baseline: str | None) -> int:
    """Only the case's own Monte Carlo (item 5): ``repeat`` rounds of fresh processes, each
    round the version in ``baseline`` when given, this version as the user gets it (threads
    on more than one core) and this version on one thread (the same machine load); then
    the floor with the same sampling, serial and on the same threads; medians of wall and
    CPU time (by stage), and the ratios."""
    import os
    import statistics

    runs, serial, base = [], [], []
    for k in range(repeat):
        if baseline is not None:
            base.append(case_monte_carlo(n, code=baseline))
        runs.append(case_monte_carlo(n))
        serial.append(case_monte_carlo(n, backend="serial"))
        print(f"  round {k + 1}: this version {runs[-1]['wall']:.2f} s wall, "
              f"{runs[-1]['cpu']:.2f} s CPU ({runs[-1]['threads']} threads, chunk "
              f"{runs[-1]['chunk']:,}); on one thread {serial[-1]['wall']:.2f} s wall, "
              f"{serial[-1]['cpu']:.2f} s CPU"
              + (f"; baseline {base[-1]['wall']:.2f} s wall, {base[-1]['cpu']:.2f} s CPU"
                 if base else "")
              + f" (load average {os.getloadavg()[0]:.1f})", flush=True)
    threads = runs[0]["threads"]
    floor_wall, floor_cpu = case_floor_fresh(n)
    floor_wall_t, floor_cpu_t = (case_floor_fresh(n, threads, runs[0]["chunk"]) if threads > 1
                                 else (floor_wall, floor_cpu))

    def median(rs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r["stages"].get(key, 0.0) if key in rs[0]["stages"]
                                 else r[key] for r in rs)

    stages = [*runs[0]["stages"], "cpu", "wall", "rss_mb"]
    print(f"case Monte Carlo, {n:,} draws, median of {repeat} fresh processes (stages: CPU s "
          "of the thread running each; rss_mb: peak resident MB of the whole process)")
    print(f"{'stage':<24s} {'this version':>13s} {'one thread':>11s}"
          + (f" {'baseline':>10s} {'ratio':>7s}" if base else ""))
    for key in stages:
        now = median(runs, key)
        line = f"{key:<24s} {now:13.2f} {median(serial, key):11.2f}"
        if base:
            then = median(base, key)
            line += f" {then:10.2f} {now / then if then else float('nan'):7.2f}"
        print(line)
    cpu, wall = median(runs, "cpu"), median(runs, "wall")
    print(f"floor with the same sampling: {floor_wall:.2f} s wall, {floor_cpu:.2f} s CPU on one "
          f"thread; {floor_wall_t:.2f} s wall, {floor_cpu_t:.2f} s CPU on {threads} threads")
    print(f"case Monte Carlo / floor: {cpu / floor_cpu:.2f}x in CPU time (against the floor on "
          f"one thread), {wall / floor_wall_t:.2f}x in wall time (against the floor on "
          f"{threads} threads; target <= {TARGET_FLOOR_X:g}x); {wall:.2f} s wall, {cpu:.2f} s "
          f"CPU (target < {TARGET_CASE_MC_S:g} s)")
    return 0


def case_floor(c: CompiledCase, n: int, threads: int = 1, chunk: int | None = None
               ) -> tuple[float, float]:
    """Wall and CPU seconds for the floor with the case's own sampling: the same chunks of the same
    draws (:func:`~appraisal.lenses.uncertainty.sampling.sample_inputs`), mapped to engine
    inputs by the case model, NPSV by :class:`floor.Floor` (checked against the engine on
    the first chunk), under the allocator setting the Monte Carlo runs under
    (:func:`~appraisal.engine.kernel.reused_heap`); with ``threads > 1`` the chunks in that
    many threads, as the case's Monte Carlo runs them by default, ``chunk`` draws at a time
    (default: :data:`~appraisal.lenses.uncertainty.lens.MAX_CHUNK`)."""
    from appraisal.lenses.uncertainty.case_model import CaseModel
    from appraisal.lenses.uncertainty.lens import MAX_CHUNK

    model = CaseModel(c.case, compiled=c)
    spec = model.spec
    floor = Floor(c)

    def inputs(chunk: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        kw, _ = model.engine_kwargs(chunk)
        return {k: v for k, v in kw.items() if k not in ("chunk_size", "memory")}

    first = next(sample_inputs(spec.distributions, 2000, spec.seed,
                               correlation=spec.correlation)).inputs
    assert np.allclose(floor.npsv(**inputs(first)), model(first)["npsv"], rtol=1e-9,
                       atol=1e-3), "floor and case model disagree"

    def run() -> None:
        with reused_heap():  # the allocator setting the Monte Carlo runs under
            if threads <= 1:
                for ch in sample_inputs(spec.distributions, n, spec.seed,
                                        correlation=spec.correlation, chunk_size=MAX_CHUNK):
                    floor.npsv(**inputs(ch.inputs))
                return
            from appraisal.lenses.uncertainty import ThreadBackend
            from appraisal.lenses.uncertainty.sampling import (
                DEFAULT_BLOCK_SIZE,
                ChunkPlan,
                sample_chunk,
                seed_sequence,
            )

            plan = ChunkPlan(n, chunk or MAX_CHUNK, DEFAULT_BLOCK_SIZE)
            root = seed_sequence(spec.seed)

            def task(i: int) -> None:
                # the kernel itself: the map holds BLAS to one thread for every chunk
                # (Floor.npsv sets the limit per call, rescanning the loaded libraries with
                # the interpreter lock held, which the threads would wait on)
                floor._npsv(inputs(sample_chunk(spec.distributions, plan, i, root,
                                                spec.correlation).inputs))

            for _ in ThreadBackend(threads).map(task, plan.n_chunks):
                pass

    cpu = time.process_time()
    wall = timed(run)[1]
    return wall, time.process_time() - cpu


# --------------------------------------------------------------------- helpers
def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def traced_peak(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MB) while ``fn`` runs (numpy reports to tracemalloc)."""
    return timed_peak(fn)[1]


def timed_peak(fn: Callable[[], Any]) -> tuple[float, float]:
    """Seconds and peak traced allocation (MB) of one call of ``fn``."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        _, seconds = timed(fn)
        return seconds, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def verdict(label: str, ok: bool, figure: str) -> str:
    return f"target {label:<44s} {'met' if ok else 'NOT met':<8s} ({figure})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10^4 draws, N = 2^9, small samples (smoke test)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    parser.add_argument("--case-only", action="store_true",
                        help="only the case's own Monte Carlo (stages) and its floor")
    parser.add_argument("--baseline", metavar="DIR",
                        help="with --case-only: also time the appraisal package in DIR (another "
                             "version), each run right before this version's, and print ratios")
    parser.add_argument("--repeat", type=int, default=3,
                        help="with --case-only: fresh processes of each version (default 3)")
    parser.add_argument("--case-floor", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--floor-threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--floor-chunk", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    q = args.quick
    if args.case_floor:  # one floor run in this (fresh) process, for case_floor_fresh
        import json

        print(json.dumps(case_floor(compiled_example(), args.case_floor, args.floor_threads,
                                    args.floor_chunk or None)))
        return 0
    if args.case_only:
        return case_only(10_000 if q else 1_000_000, args.repeat, args.baseline)
    n = 10_000 if q else 1_000_000
    chunk = 8192 if q else 16_384
    n_mem, chunks_mem = (8192, (4096, 8192)) if q else (250_000, (4096, 16_384))
    loop_k = 20 if q else 200
    log2n = 9 if q else 13

    c = compiled_example()
    specs = mc_specs(c)
    model = EngineModel()
    print(f"case: {c.case.title} ({c.n_lines} lines, {c.n_years} years, "
          f"{len(c.option_names)} options); {len(specs)} uncertain inputs; seed {SEED}")
    run_monte_carlo(model, specs, 1000, SEED)  # warm-up: imports, BLAS threads

    # 1. Monte Carlo through run_monte_carlo and the engine, one engine call per chunk
    mc, t_mc = timed(lambda: run_monte_carlo(model, specs, n, SEED, chunk_size=chunk,
                                             outputs="npsv"))
    npsv = mc.outputs["npsv"]
    par, t_par = timed(lambda: run_monte_carlo(EngineModel(), specs, n, SEED, chunk_size=chunk,
                                               backend=ProcessBackend(args.workers),
                                               outputs="npsv"))
    if not np.array_equal(par.outputs["npsv"], npsv):
        raise SystemExit("ProcessBackend and serial Monte Carlo disagree")
    kept_mb = npsv[:n_mem].nbytes / 2**20
    working = {size: traced_peak(lambda size=size: run_monte_carlo(
        EngineModel(), specs, n_mem, SEED, chunk_size=size, outputs="npsv")) - kept_mb
        for size in chunks_mem}

    # 2. the same model, one draw per call
    first = next(sample_inputs(specs, n, SEED, chunk_size=chunk)).inputs
    loop = np.empty((loop_k, len(c.option_names)))

    def per_draw() -> None:
        for i in range(loop_k):
            loop[i] = model({k: v[i:i + 1] for k, v in first.items()})["npsv"][0]

    _, t_loop = timed(per_draw)
    if not np.allclose(loop, npsv[:loop_k], rtol=1e-12, atol=1e-6):
        raise SystemExit("per-draw loop and chunked Monte Carlo disagree")
    t_loop_all = t_loop / loop_k * n

    # 2b. a plain loop over the deterministic API: one appraisal.evaluate per draw. Timed on
    # the case as it stands (the draw's inputs not even applied, the case's own Monte Carlo
    # section left out), so this is a lower bound on what such a loop costs per draw.
    import dataclasses

    import appraisal

    det = dataclasses.replace(c.case, sections={k: v for k, v in c.case.sections.items()
                                                if k != "uncertainty"})
    api_k = 5 if q else 20
    _, t_api = timed(lambda: [appraisal.evaluate(det) for _ in range(api_k)])
    t_api_all = t_api / api_k * n

    # 3. engine and floor on the same prepared inputs (the first Monte Carlo chunk), and
    # the floor over the whole run with the same sampling
    kw = engine_inputs(c, first)
    m = next(iter(kw.values())).shape[0]
    floor = Floor(c)
    eng = evaluate_arrays(c, **kw, chunk_size=m).npsv
    flo = floor.npsv(**kw)
    assert np.allclose(eng, flo, rtol=1e-9, atol=1e-3), "floor and engine disagree"
    assert np.allclose(flo, npsv[:m], rtol=1e-9, atol=1e-3), "floor and Monte Carlo disagree"
    reps = 3 if q else 5
    t_eng = min(timed(lambda: evaluate_arrays(c, **kw, chunk_size=m))[1] for _ in range(reps))
    t_flo = min(timed(lambda: floor.npsv(**kw))[1] for _ in range(reps))

    def floor_run() -> np.ndarray:
        return np.concatenate([floor.npsv(**engine_inputs(c, ch.inputs))
                               for ch in sample_inputs(specs, n, SEED, chunk_size=chunk)])

    flo_all, t_flo_all = timed(floor_run)
    assert np.allclose(flo_all, npsv, rtol=1e-9, atol=1e-3), "floor run and Monte Carlo differ"

    # 4. Sobol with one scale per line and the scalars; the analysis step timed again
    # on the same evaluations to split the total
    s_specs = sobol_specs(c)
    s_model = EngineModel(record=True)
    res, t_sobol = timed(lambda: sobol_analysis(s_model, s_specs, 2**log2n, rng=SEED,
                                                outputs="npsv"))
    y = np.concatenate(s_model.calls)
    _, t_analysis = timed(lambda: sobol_first_total(y, len(s_specs), num_resamples=100))
    t_eval = s_model.seconds

    # 5. the case's own Monte Carlo end to end (analyse_uncertainty: sampling, engine,
    # summaries, acceptability curves, EVPI/EVPPI, one-way, switching values) under the
    # default 512 MB budget, in a fresh process for its whole peak memory; and its floor
    case_mc = 10_000 if q else 1_000_000
    case_run = case_monte_carlo(case_mc)
    t_case, mb_case = case_run["wall"], case_run["rss_mb"]
    t_case_floor, cpu_case_floor = case_floor_fresh(case_mc)
    cpu_x = case_run["cpu"] / cpu_case_floor
    threads = case_run["threads"]  # the floor on the same threads, for the wall ratio
    t_floor_threads = case_floor_fresh(case_mc, threads, case_run["chunk"])[0] \
        if threads > 1 else t_case_floor
    wall_x = t_case / t_floor_threads

    # 6. a generated case: lines x years x draws, and time against lines
    big_l, big_t, big_d = (500, 60, 1000) if q else (5000, 60, 10_000)
    big = compile_case(generated_case(big_l, big_t))
    draws_big = generated_draws(big_d)
    evaluate_arrays(big, **{k: v[:16] for k, v in draws_big.items()}, keep_lines=False)
    t_big, mb_big = timed_peak(lambda: evaluate_arrays(big, **draws_big, keep_lines=False))
    sizes = (100, 200, 500) if q else (100, 300, 1000, 3000, 5000)
    per_size = []
    for size in sizes:
        cs = big if size == big_l else compile_case(generated_case(size, big_t))
        per_size.append(min(timed(lambda cs=cs: evaluate_arrays(cs, **draws_big,
                                                                keep_lines=False))[1]
                            for _ in range(3)))
    exponent = float(np.polyfit(np.log(sizes), np.log(per_size), 1)[0])

    # the table
    rows = [
        ("Monte Carlo, serial", f"{n:,} draws", t_mc,
         f"{n / t_mc:,.0f} draws/s (chunk {chunk:,})"),
        (f"Monte Carlo, {args.workers} processes", f"{n:,} draws", t_par,
         f"{n / t_par:,.0f} draws/s; identical to serial"),
        ("per-draw loop (extrapolated)", f"{n:,} draws", t_loop_all,
         f"{loop_k / t_loop:,.0f} draws/s; {loop_k} draws timed and extrapolated"),
        ("per-draw appraisal.evaluate (extrap.)", f"{n:,} draws", t_api_all,
         f"{api_k / t_api:,.0f} draws/s; {api_k} calls timed; a lower bound"),
        ("engine kernel, one chunk", f"{m:,} draws", t_eng,
         f"{m / t_eng:,.0f} draws/s (best of {reps}; inputs prepared)"),
        ("floor kernel, same draws", f"{m:,} draws", t_flo,
         f"{m / t_flo:,.0f} draws/s (best of {reps}; np.allclose to engine)"),
        ("floor, same sampling, whole run", f"{n:,} draws", t_flo_all,
         f"{n / t_flo_all:,.0f} draws/s; sampling + inputs + floor, equal to the Monte Carlo"),
        (f"Sobol, {len(s_specs)} inputs, N=2^{log2n}", f"{res.n_evaluations:,} evals", t_sobol,
         f"engine {t_eval:.2f} s, analysis {t_analysis:.2f} s, "
         f"sampling and the rest {t_sobol - t_eval - t_analysis:.2f} s"),
    ]
    rows += [
        ("case Monte Carlo end to end", f"{case_mc:,} draws", t_case,
         f"analyse_uncertainty as the user gets it ({threads} threads, chunk "
         f"{case_run['chunk']:,}), 512 MB budget; CPU {case_run['cpu']:.2f} s; peak RSS of "
         f"the whole process {mb_case:,.0f} MB"),
        ("  its floor, same sampling", f"{case_mc:,} draws", t_case_floor,
         f"sampling + case model inputs + floor NPSV, one thread; CPU {cpu_case_floor:.2f} "
         f"s; on {threads} threads {t_floor_threads:.2f} s wall; end to end / floor "
         f"{wall_x:.2f}x wall (same threads), {cpu_x:.2f}x CPU"),
        (f"generated {big_l:,} lines x {big_t} years", f"{big_d:,} draws", t_big,
         f"evaluate_arrays, keep_lines=False; peak traced {mb_big:,.0f} MB"),
        ("time against lines", f"{sizes[0]}-{sizes[-1]} lines", per_size[-1],
         f"fitted exponent {exponent:.2f}; " + ", ".join(
             f"{s_}: {t_:.2f} s" for s_, t_ in zip(sizes, per_size, strict=True))),
    ]
    print(f"{'measure':<34s} {'size':>16s} {'seconds':>9s}  detail")
    for label, size, seconds, detail in rows:
        print(f"{label:<34s} {size:>16s} {seconds:9.3f}  {detail}")
    for size, mb in working.items():
        print(f"{'peak working memory, chunk ' + format(size, ','):<34s} "
              f"{format(n_mem, ',') + ' draws':>16s} {mb:6.1f} MB  ({mb * 2**10 / size:.1f} KB "
              f"per chunk draw; traced peak less the {kept_mb:.1f} MB of kept outputs)")
    print("mean NPSV by option: " + ", ".join(
        f"{name} {v / 1e6:.2f}m" for name, v in zip(c.option_names, npsv.mean(axis=0),
                                                    strict=True)))
    note = "" if not q else "  [quick run: scaled down; the targets are for the full run]"
    small, big = chunks_mem
    per_small, per_big = working[small] / small, working[big] / big
    loop_x = t_loop_all / t_mc
    floor_x = t_eng / t_flo
    print(verdict(f"{n:,} draws in < {TARGET_MC_S:.0f} s", min(t_mc, t_par) < TARGET_MC_S,
                  f"serial {t_mc:.1f} s, {args.workers} processes {t_par:.1f} s") + note)
    print(verdict("memory bounded by the chunk size", per_big <= 1.5 * per_small,
                  f"{working[small]:.0f} MB at chunk {small:,}, {working[big]:.0f} MB at "
                  f"{big:,}: {per_small * 2**10:.1f} and {per_big * 2**10:.1f} KB per draw"))
    print(verdict(f">= {TARGET_LOOP_X:.0f}x the per-draw loop", loop_x >= TARGET_LOOP_X,
                  f"{loop_x:,.0f}x, serial Monte Carlo vs the same model called per draw") + note)
    api_x = t_api_all / t_mc
    print(verdict(f">= {TARGET_LOOP_X:.0f}x a per-draw loop over appraisal.evaluate",
                  api_x >= TARGET_LOOP_X, f"{api_x:,.0f}x, serial Monte Carlo vs the "
                  "deterministic API called per draw") + note)
    print(verdict(f"engine within {TARGET_FLOOR_X:g}x of the floor",
                  floor_x <= TARGET_FLOOR_X, f"engine/floor {floor_x:.2f}x on one chunk; "
                  f"serial Monte Carlo / floor with the same sampling {t_mc / t_flo_all:.2f}x"))
    print(verdict(f"Sobol ({len(s_specs)} inputs, N=2^{log2n}) in < {TARGET_SOBOL_S:.0f} s",
                  t_sobol < TARGET_SOBOL_S,
                  f"{t_sobol:.1f} s for {res.n_evaluations:,} evaluations") + note)
    print("case Monte Carlo by stage (CPU s): " + ", ".join(
        f"{k} {v:.2f}" for k, v in case_run["stages"].items()))
    print(verdict(f"case Monte Carlo {case_mc:,} draws < {TARGET_CASE_MC_S:.0f} s",
                  t_case < TARGET_CASE_MC_S, f"{t_case:.1f} s end to end") + note)
    print(verdict(f"case Monte Carlo within {TARGET_FLOOR_X:g}x of its floor",
                  max(cpu_x, wall_x) <= TARGET_FLOOR_X,
                  f"{cpu_x:.2f}x in CPU time ({case_run['cpu']:.1f} s against "
                  f"{cpu_case_floor:.1f} s for the same sampling and the floor's NPSV), "
                  f"{wall_x:.2f}x in wall time against the floor on the same {threads} "
                  "threads (the runs at different moments of a shared machine)") + note)
    print(verdict(f"peak memory < {TARGET_MB} MB", max(mb_case, mb_big) < TARGET_MB,
                  f"case Monte Carlo {mb_case:.0f} MB (whole process), generated case "
                  f"{mb_big:.0f} MB (traced numpy allocations)"))
    print(verdict(f"generated case < {TARGET_BIG_S:.0f} s, time linear in lines",
                  t_big < TARGET_BIG_S and exponent <= TARGET_EXPONENT,
                  f"{t_big:.2f} s; exponent {exponent:.2f} (target <= {TARGET_EXPONENT})")
          + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
