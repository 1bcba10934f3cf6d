"""Time the start-up of the command line as whole processes; print medians.

Usage::

    python benchmarks/bench_startup.py           # 7 runs of each command
    python benchmarks/bench_startup.py -n 15

Times ``appraisal --help``, ``appraisal --version`` and ``appraisal run`` of the minimal
example (into a temporary folder), each as ``python -m appraisal ...``, and ``python -c
pass`` as the floor; prints each median in seconds and its excess over the floor. Targets
(issues 14 and 16): ``--help`` and ``--version`` under 0.3 s, ``run minimal`` under 1 s,
on a 2-core machine. Also times ``appraisal.evaluate`` of the prevention example in this
process (deterministic: no Monte Carlo; target under 0.1 s, issue 16). Not part of the test
run; it judges nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for i in range(runs + 1):  # the first run warms the file cache and is not counted
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=7, help="counted runs of each")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "appraisal --help": [py, "-m", "appraisal", "--help"],
            "appraisal --version": [py, "-m", "appraisal", "--version"],
            "appraisal run minimal": [py, "-m", "appraisal", "run",
                                      str(ROOT / "data" / "examples" / "minimal.yaml"),
                                      "--out", str(Path(tmp) / "out"), "--force"],
        }
        medians = {name: _median_seconds(cmd, args.runs, env) for name, cmd in commands.items()}
    import appraisal

    case = appraisal.load_case(appraisal.example_path("prevention"))
    appraisal.evaluate(case)  # imports and caches
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        appraisal.evaluate(case)
        times.append(time.perf_counter() - start)
    floor = medians["python -c pass"]
    print(f"median of {args.runs} runs (whole process, seconds)")
    for name, seconds in medians.items():
        print(f"  {name:<24} {seconds:7.3f}   +{seconds - floor:6.3f} over python -c pass")
    print(f"evaluate(prevention), in process, median of {args.runs}: "
          f"{statistics.median(times):.3f} s (target < 0.1 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
