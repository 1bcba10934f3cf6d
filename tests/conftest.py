"""Shared fixtures: the minimal case as YAML text, and a helper that writes a case file.

The minimal case (two options, one cost line, one benefit line, 2025 base year, ten years)
is the same appraisal as ``data/examples/minimal.yaml``; tests edit its text to build
bad inputs and hand-check its results.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Under CI the property tests draw the same examples on every run, so a submission passes
# or fails on its code, not on the draw; locally they keep exploring new examples (and
# Hypothesis replays any failure it has found before). No per-example deadline under CI:
# a loaded machine can take over Hypothesis's default 200 ms on any example, and time
# is measured by the benchmarks, not the tests.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

# The report's compiled templates go to a folder of this test session, not the user's cache
# (a run keeps them in ~/.cache/appraisal; the CLI tests' subprocesses inherit the setting).
_TEMPLATE_CACHE: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _TEMPLATE_CACHE
    if "APPRAISAL_CACHE_DIR" not in os.environ:
        _TEMPLATE_CACHE = tempfile.mkdtemp(prefix="appraisal-test-cache-")
        os.environ["APPRAISAL_CACHE_DIR"] = _TEMPLATE_CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    if _TEMPLATE_CACHE is not None:
        shutil.rmtree(_TEMPLATE_CACHE, ignore_errors=True)

MINIMAL_CASE = """\
schema_version: 1
title: Minimal two-option case
base_year: 2025
horizon_years: 10
options:
  - name: Business as usual
    counterfactual: true
  - name: New service
lines:
  - option: New service
    name: Set-up and running costs
    kind: cost
    values: {2025: 100, 2026: 50, 2027: 50}
  - option: New service
    name: Avoided costs
    kind: benefit
    values: {2028: 30, 2029: 30, 2030: 30, 2031: 30, 2032: 30, 2033: 30, 2034: 30}
"""


@pytest.fixture
def minimal_text() -> str:
    """YAML text of the minimal two-option case."""
    return MINIMAL_CASE


def _write_case(tmp_path: Path, text: str | bytes, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def write_case() -> Callable[..., Path]:
    """``write_case(tmp_path, text, name="case.yaml") -> Path``: write a case file."""
    return _write_case


@pytest.fixture
def edited_copy(tmp_path: Path) -> Callable[[Path, dict], Path]:
    """Copy a workbook and set cells on the copy: ``edited_copy(book, {(sheet, ref): value})``
    returns the edited copy's path (the original is untouched)."""
    import openpyxl

    def edit(book: Path, edits: dict) -> Path:
        target = tmp_path / "edited.xlsx"
        shutil.copy(book, target)
        wb = openpyxl.load_workbook(target)
        for (title, ref), value in edits.items():
            wb[title][ref].value = value
        wb.save(target)
        return target

    return edit


@pytest.fixture
def refused_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                ) -> Callable[[Path, str], dict[str, str]]:
    """``refused_run(book, sheet)``: ``appraisal run`` of a workbook that must be refused:
    asserts exit code 1, "Nothing was written.", no output folder and the input's bytes
    unchanged, and returns the problems said on *sheet* (its name as a ``Sheet!Cell``
    reference starts, e.g. ``'Optimism bias'``), each line by its cell."""
    from appraisal.cli import main

    def run(book: Path, sheet: str) -> dict[str, str]:
        before = book.read_bytes()
        out = tmp_path / "refused-out"
        assert main(["run", str(book), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert "Nothing was written." in err
        assert not out.exists()
        assert book.read_bytes() == before
        return {line.split(": error ", 1)[0].strip(): line for line in err.splitlines()
                if line.startswith(f"  {sheet}!")}

    return run
