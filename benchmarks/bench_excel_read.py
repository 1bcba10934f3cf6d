"""How fast could the workbook reader read? The reader's grid against python-calamine.

Issue 15 asks whether a values pass with python-calamine (Rust; values only: no formulas, no
number formats) plus a formulas-only pass where formulas matter would read the 5,000-line,
60-year benchmark workbook faster than the reader's own grid
(:func:`appraisal.inputs.excel_grid.open_grid`, which reads every cell's value, formula and
style after the safety checks). This prints, each the best of ``--repeat`` fresh processes:

- ``grid``: every sheet's cells through the reader's grid (safety checks included);
- ``calamine``: every sheet's values through python-calamine (skipped when it is not
  installed: ``pip install python-calamine``; it is not a dependency of the toolkit);
- ``formulas``: the formulas of the Profiles sheet found by one regular expression.

    python benchmarks/bench_excel_read.py [--lines 5000] [--years 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def _grid(book: str) -> int:
    from appraisal.inputs.excel_grid import open_grid

    grid = open_grid(book)
    return sum(len(grid.sheet(name).cells) for name in grid.sheet_names)


def _calamine(book: str) -> int:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(book)
    return sum(sum(len(row) for row in wb.get_sheet_by_name(name).to_python(
        skip_empty_area=False)) for name in wb.sheet_names)


def _formulas(book: str) -> int:
    with zipfile.ZipFile(book) as z:
        names = re.findall(r'<sheet [^>]*name="([^"]*)"', z.read("xl/workbook.xml").decode())
        part = f"xl/worksheets/sheet{names.index('Profiles') + 1}.xml"
        text = z.read(part).decode()
    return len(re.findall(r'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*><f>([^<]*)</f>', text))


_WAYS = {"grid": _grid, "calamine": _calamine, "formulas": _formulas}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--years", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        start = time.perf_counter()
        n = _WAYS[args.one[0]](args.one[1])
        print(time.perf_counter() - start, n)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_excel import synthetic_case

    from appraisal.outputs.excel_template import write_template

    book = write_template(Path(tempfile.mkdtemp(prefix="bench-read-")) / "case.xlsx",
                          synthetic_case(args.lines, args.years))
    print(f"input workbook: {args.lines:,} lines x {args.years} years, "
          f"{book.stat().st_size / 2**20:.1f} MB")
    for way in _WAYS:
        if way == "calamine" and importlib.util.find_spec("python_calamine") is None:
            print("calamine: not installed (pip install python-calamine)")
            continue
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--one", way, str(book)],
                                 check=True, capture_output=True, text=True).stdout.split()
            runs.append((float(out[0]), int(out[1])))
        best = min(t for t, _ in runs)
        print(f"{way:<9} best of {args.repeat}: {best:.2f} s ({runs[0][1]:,} cells or "
              f"formulas; runs {', '.join(f'{t:.2f}' for t, _ in runs)})")


if __name__ == "__main__":
    main()
