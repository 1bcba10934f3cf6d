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

from appraisal.outputs.report import render_report
from appraisal.outputs.report.render import build_environment

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

    # the demo report end to end: appraise the prevention example (every lens, including its
    # 10,000-draw Monte Carlo), build the report context from the result and render it
    import appraisal
    from appraisal.outputs.report.context import report_context

    start = time.perf_counter()
    case = appraisal.load_case(appraisal.example_path("prevention"))
    result = appraisal.evaluate(case)
    t_eval = time.perf_counter() - start
    ctx = report_context(result)
    t_ctx = time.perf_counter() - start - t_eval
    demo_html = render_report(ctx)
    t_demo = time.perf_counter() - start
    print(f"demo report end to end: {t_demo:.2f} s (appraisal {t_eval:.2f} s, context "
          f"{t_ctx:.2f} s, render {t_demo - t_eval - t_ctx:.2f} s; "
          f"{len(demo_html) / 1024:.0f} KiB); rendering alone is "
          f"{(t_demo - t_eval) / BUDGET_SECONDS:.2f} of the {BUDGET_SECONDS:.0f} s budget")
    return 0 if max(cold, mean, t_demo - t_eval) <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
