"""Time the HTML report: render the example context N times, print seconds per render.

Usage::

    python benchmarks/bench_report.py            # 20 renders of the example context
    python benchmarks/bench_report.py -n 50 --context path/to/context.json

The first render (template compilation) is timed separately. The budget is 3 s per
report (issue 7); the script prints the ratio to it and exits with status 1 if the
mean render is over budget. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from appraisal.report import render_report
from appraisal.report.render import build_environment

BUDGET_SECONDS = 3.0
DEFAULT_CONTEXT = Path(__file__).resolve().parents[1] / "tests" / "data" / \
    "report_context_example.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=20, help="timed renders (default 20)")
    parser.add_argument("--context", type=Path, default=DEFAULT_CONTEXT,
                        help="report context JSON (default: the test example)")
    args = parser.parse_args(argv)
    context = json.loads(args.context.read_text(encoding="utf-8"))

    build_environment.cache_clear()
    start = time.perf_counter()
    html = render_report(context)
    cold = time.perf_counter() - start

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        render_report(context)
        times.append(time.perf_counter() - start)
    mean = statistics.fmean(times)
    print(f"context: {args.context.name} ({len(html) / 1024:.0f} KiB of HTML)")
    print(f"first render (compiles templates): {cold:.3f} s")
    print(f"renders: {args.repeat}, mean {mean:.3f} s, median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s per render")
    print(f"budget {BUDGET_SECONDS:.1f} s: mean is {mean / BUDGET_SECONDS:.3f} of it")
    return 0 if max(cold, mean) <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
