"""Time the start-up of the command line as whole processes; print medians.

Usage::

    python benchmarks/bench_startup.py           # 5 counted runs of each command
    python benchmarks/bench_startup.py -n 9
    python benchmarks/bench_startup.py --against DIR   # also DIR's code, runs alternated
    python benchmarks/bench_startup.py --against DIR --instructions   # and valgrind counts

Times ``python -c pass`` (the floor), ``appraisal --help``, ``appraisal --version`` and
``appraisal run`` of the minimal example (into a temporary folder, every output it writes
by default), each as ``python -m appraisal ...``; prints each median in seconds (wall and
CPU, user + system, of the process), its excess over the floor, and the load average.
Targets (issues 14 and 16): ``--help`` and ``--version`` under 0.3 s, ``run minimal``
under 1 s, on a 2-core machine.

The runs are those of an installed package used a second time: Python's bytecode is
cached (in a temporary ``PYTHONPYCACHEPREFIX``, so nothing is written in the source
tree, even when ``PYTHONDONTWRITEBYTECODE`` is set) and so are the report's compiled
templates (in a temporary ``APPRAISAL_CACHE_DIR``); the first run of each command fills
the caches and is not counted. ``run minimal, no template cache`` is the first run after
an install or a template change (templates compiled). Also times ``appraisal.evaluate``
of the prevention example in this process (deterministic: no Monte Carlo; target under
0.1 s, issue 16). With ``--against DIR`` (a copy of earlier code, e.g. ``git archive REV
appraisal data templates | tar -x -C DIR``) ``run minimal`` is also timed with DIR first on
``PYTHONPATH``, its runs alternated with this tree's so both see the same load. With
``--instructions`` (needs valgrind) ``run minimal`` is also run once under valgrind's
cachegrind, caches warm, and the instructions it executed are printed (and DIR's with
``--against``): a count that does not depend on the machine's load, which on a shared machine
moves the times of single runs by a tenth of a second. Not part of the test run; it judges
nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _medians(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU seconds of *runs* whole processes (after one uncounted warm-up)."""
    walls, cpus = [], []
    for i in range(runs + 1):  # the first run fills the caches and is not counted
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if i:
            walls.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _alternated(commands: dict[str, tuple[list[str], dict[str, str], Path]], runs: int
                ) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each command (run in its folder), their runs
    alternated (one uncounted warm-up of each first)."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs + 1):
        for name, (command, env, cwd) in commands.items():
            cpu, start = _children_cpu(), time.perf_counter()
            subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if i:
                walls[name].append(time.perf_counter() - start)
                cpus[name].append(_children_cpu() - cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]))
            for name in commands}


def _instructions(command: list[str], env: dict[str, str], cwd: Path) -> int | None:
    """Instructions executed by *command* (valgrind's cachegrind ``I refs``; its children
    not counted), or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", *command], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(",", "")) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="counted runs of each")
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="also time `run minimal` with the code in DIR, runs alternated")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions of one `run minimal` (valgrind)")
    args = parser.parse_args(argv)
    py = sys.executable
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            "APPRAISAL_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run = [py, "-m", "appraisal", "run", str(ROOT / "data" / "examples" / "minimal.yaml"),
               "--out", str(Path(tmp) / "out"), "--force"]
        commands = {
            "python -c pass": ([py, "-c", "pass"], env),
            "appraisal --help": ([py, "-m", "appraisal", "--help"], env),
            "appraisal --version": ([py, "-m", "appraisal", "--version"], env),
            "appraisal run minimal": (run, env),
            "run minimal, no template cache": (run, {**env, "APPRAISAL_CACHE_DIR": ""}),
        }
        medians = {name: _medians(cmd, args.runs, e) for name, (cmd, e) in commands.items()}
        counts = {}
        if args.instructions:
            counts["run minimal"] = _instructions(run, env, ROOT)
        if args.against:
            # (run from DIR: ``python -m`` puts the working folder first on sys.path)
            against = args.against.resolve()
            other = {**env, "PYTHONPATH": os.pathsep.join([str(against), env["PYTHONPATH"]])}
            medians.update(_alternated({
                "run minimal (alternated)": (run, env, ROOT),
                f"run minimal, {args.against.name}": (run, other, against)}, args.runs))
            if args.instructions:  # (its caches warmed by the alternated runs)
                counts[f"run minimal, {args.against.name}"] = _instructions(run, other, against)
    load_after = os.getloadavg()
    import appraisal

    case = appraisal.load_case(appraisal.example_path("prevention"))
    appraisal.evaluate(case)  # imports and caches
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        appraisal.evaluate(case)
        times.append(time.perf_counter() - start)
    floor = medians["python -c pass"][0]
    print(f"median of {args.runs} runs (whole process, seconds; bytecode cached); "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, "
          f"{os.cpu_count()} CPUs")
    print(f"  {'command':<32} {'wall':>7} {'CPU':>7}   over python -c pass (wall)")
    for name, (wall, cpu) in medians.items():
        print(f"  {name:<32} {wall:7.3f} {cpu:7.3f}   +{wall - floor:6.3f}")
    for name, count in counts.items():
        print(f"  {name}: " + ("valgrind not found" if count is None else
                               f"{count / 1e6:,.0f} million instructions (valgrind, one run)"))
    print(f"evaluate(prevention), in process, median of {args.runs}: "
          f"{statistics.median(times):.3f} s (target < 0.1 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
