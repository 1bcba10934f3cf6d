"""Smoke test of ``benchmarks/bench_schema_libraries.py`` at a small size: it runs, and
the toolkit's own reader finds all three planted mistakes, each at its field path. The
libraries it compares are not dependencies; those missing are said to be skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_schema_library_benchmark_runs_and_our_reader_finds_every_mistake():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_schema_libraries.py"),
                          "--lines", "40", "--years", "5", "--repeat", "1"],
                         capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    row = next(line for line in out.splitlines() if line.startswith("appraisal (build_case)"))
    assert row.split()[-1] == "3"
    for field in ("lines[3].kind", "lines[11].values[2026]", "lines[20].name"):
        assert f"  {field}: error [" in out, field
