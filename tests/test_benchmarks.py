"""Smoke tests of the benchmark scripts: they run at small sizes and print their tables.

No timing is asserted: only that each script exits cleanly (its own consistency checks
passed, e.g. the uncertainty benchmark's floor kernel equals the engine) and prints what
it reports. The scripts without a ``--quick`` flag run with their size arguments turned
down. All six run at once, in separate processes, to keep the wall time short.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

RUNS = {
    "uncertainty": ["bench_uncertainty.py", "--quick"],
    "engine": ["bench_engine.py", "--draws", "2000", "--loop-sample", "10", "--chunk", "512"],
    "report": ["bench_report.py", "-n", "1"],
    "excel": ["bench_excel.py", "--lines", "40", "--years", "8", "--repeat", "2"],
    "excel read": ["bench_excel_read.py", "--lines", "40", "--years", "8", "--repeat", "1"],
    "dask": ["bench_dask.py", "--draws", "20000", "--workers", "2"],
}


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess[str]]:
    """Start every benchmark at once; wait for all of them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    procs = {name: subprocess.Popen([sys.executable, str(BENCH / args[0]), *args[1:]],
                                    cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
             for name, args in RUNS.items()}
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


def test_uncertainty_quick_prints_table_and_every_target(runs):
    run = runs["uncertainty"]
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert re.search(r"^measure\s+size\s+seconds\s+detail$", out, re.MULTILINE)
    for row in ("Monte Carlo, serial", "Monte Carlo, 2 processes", "per-draw loop",
                "engine kernel", "floor kernel", "Sobol, 31 inputs, N=2^9",
                "peak working memory, chunk 4,096", "peak working memory, chunk 8,192",
                "floor, same sampling, whole run", "case Monte Carlo end to end",
                "its floor, same sampling", "case Monte Carlo by stage (CPU s)",
                "generated 500 lines x 60 years", "time against lines"):
        assert row in out, row
    targets = re.findall(r"^target .* (met|NOT met) +\(", out, re.MULTILINE)
    assert len(targets) == 10, out  # 10th: the case's Monte Carlo against its floor
    assert "10,000 draws" in out
    assert "16,896 evals" in out  # N (K + 2) = 512 x 33 model evaluations


def test_engine_benchmark_small(runs):
    run = runs["engine"]
    assert run.returncode == 0, run.stderr
    assert "vectorised engine :     2,000 draws" in run.stdout
    assert "speed-up vs per-draw evaluate" in run.stdout
    assert "peak memory" in run.stdout


def test_report_benchmark_one_render(runs):
    run = runs["report"]
    # exit status 1 means "over the time budget": a timing verdict, not a failure here
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(r"renders: 1, mean \d+\.\d+ s", run.stdout)
    assert "budget" in run.stdout


def test_excel_benchmark_small(runs):
    run = runs["excel"]
    assert run.returncode == 0, run.stderr
    assert "input workbook: 40 lines x 8 years" in run.stdout
    assert len(re.findall(r"^  run \d: read \d+\.\d+ s, appraise", run.stdout, re.MULTILINE)) == 2
    for step in ("read", "appraise", "write results.xlsx", "total"):
        assert re.search(rf"^  {re.escape(step)} +(\d+\.\d+ +){{2}}\d+\.\d+ s$", run.stdout,
                         re.MULTILINE), step
    assert re.search(r"^median total \d+\.\d+ s \(target < 5 s: (met|NOT met)\)", run.stdout,
                     re.MULTILINE)


def test_excel_read_benchmark_small(runs):
    """The grid and the formulas pass always; calamine when installed (not a dependency)."""
    run = runs["excel read"]
    assert run.returncode == 0, run.stderr
    assert "input workbook: 40 lines x 8 years" in run.stdout
    for way in ("grid", "formulas"):
        assert re.search(rf"^{way} +best of 1: \d+\.\d+ s \([\d,]+ cells or formulas",
                         run.stdout, re.MULTILINE), way
    # half the generated lines have generated profiles: 20 x 8 year formulas, and more
    found = re.search(r"^formulas +best of 1: [\d.]+ s \(([\d,]+)", run.stdout, re.MULTILINE)
    assert int(found.group(1).replace(",", "")) >= 20 * 8
    assert re.search(r"^calamine(?: +best of 1: |: not installed)", run.stdout, re.MULTILINE)


def test_dask_small_run_is_identical_to_serial(runs):
    run = runs["dask"]
    assert run.returncode == 0, run.stderr
    assert re.search(r"^  Dask LocalCluster, 2 workers", run.stdout, re.MULTILINE), run.stdout
    assert re.search(r"^results identical .*: yes$", run.stdout, re.MULTILINE), run.stdout
