"""Smoke test of ``benchmarks/package_size.py``: it counts and prints every layer."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "package_size.py"


def test_count_separates_code_from_docstrings_comments_and_blanks():
    count = runpy.run_path(str(SCRIPT))["count"]
    source = ('"""Module."""\n\n# a comment\ndef f(x):\n    """Doc\n\n    more."""\n'
              "    return (x +\n            1)  # why\n")
    assert count(source) == (9, 3)


def test_prints_each_layer_and_a_total_that_adds_up():
    out = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    rows = {m[1]: (int(m[2]), int(m[3]))
            for m in re.finditer(r"^(\S+)\s+(\d+)\s+(\d+)$", out, re.MULTILINE)}
    layers = {"(top)", "case", "cli", "engine", "greenbook", "inputs", "lenses", "outputs",
              "params"}
    assert layers <= set(rows)
    total = rows.pop("all")
    assert total == (sum(t for t, _ in rows.values()), sum(c for _, c in rows.values()))
    assert all(0 < code < lines for lines, code in rows.values())
