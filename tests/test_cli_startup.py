"""Start-up of the command line: what ``appraisal --help`` imports, and every command's help.

Issues 14 and 16: ``appraisal --help`` must not pull in the heavy libraries (timing itself is
measured in ``benchmarks/bench_startup.py``, not asserted here), and every sub-command's
``--help`` gives a description and an example that parses.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.cli.commands import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"pandas", "scipy", "SALib", "openpyxl", "jinja2", "dask", "matplotlib"}


def _imported(*args: str) -> set[str]:
    """Top-level packages imported by ``python -X importtime ARGS`` (nothing written)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120, check=True)
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_help_imports_none_of_the_heavy_libraries():
    imported = _imported("-m", "appraisal", "--help")
    assert "appraisal" in imported  # the parse worked: the package itself was imported
    assert not imported & HEAVY, sorted(imported & HEAVY)


def test_import_appraisal_imports_none_of_the_heavy_libraries():
    imported = _imported("-c", "import appraisal")
    assert not imported & HEAVY, sorted(imported & HEAVY)


def test_every_command_is_in_the_parser_and_the_table():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == list(COMMANDS)
    assert {"run", "validate", "demo", "params", "template", "convert", "report",
            "uncertainty"} == set(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_help_has_a_description_and_an_example_that_parses(name):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = sub.choices[name].format_help()
    assert COMMANDS[name].description.split("\n")[0] in text
    lines = text.splitlines()
    at = lines.index("Example:")
    example = lines[at + 1].strip()
    assert example.startswith(f"appraisal {name} ")
    args = build_parser().parse_args(shlex.split(example)[1:])  # exits (status 2) if not
    assert args.command == name


def _imported_modules(*args: str) -> set[str]:
    """Every module (dotted name) imported by ``python -X importtime ARGS``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120, check=True)
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line} - {"package"}


@pytest.mark.parametrize("args", [("-c", "import appraisal"), ("-m", "appraisal", "--help"),
                                  ("-m", "appraisal", "--version")])
def test_start_up_imports_neither_numpy_nor_the_engine(args):
    """``import appraisal``, ``--help`` and ``--version`` load the public names lazily
    (PEP 562): no numpy, and nothing of the engine, the lenses or the readers."""
    imported = _imported_modules(*args)
    assert "appraisal" in imported
    assert "numpy" not in imported
    assert not {m for m in imported if m.startswith(("appraisal.engine", "appraisal.lenses",
                                                     "appraisal.inputs", "appraisal.outputs"))}


def test_a_lazy_name_is_imported_on_first_use():
    code = ("import sys, appraisal\n"
            "before = 'appraisal.lenses.pipeline' in sys.modules\n"
            "from appraisal import evaluate\n"
            "print(before, 'appraisal.lenses.pipeline' in sys.modules, evaluate.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert out.stdout.split() == ["False", "True", "evaluate"]


def test_a_case_without_lens_sections_imports_no_lens_package():
    """The minimal case has no MCA, uncertainty, affordability or cost-effectiveness
    section: appraising it imports none of those lenses."""
    imported = _imported_modules("-c", "import appraisal; appraisal.evaluate(appraisal."
                                 "load_case(appraisal.example_path('minimal')))")
    assert "appraisal.engine.compile" in imported  # the case was appraised
    assert not {m for m in imported if m.startswith((
        "appraisal.lenses.mca", "appraisal.lenses.uncertainty", "appraisal.lenses.affordability",
        "appraisal.lenses.cost_effectiveness"))}


def test_run_of_the_minimal_case_imports_only_what_it_uses(tmp_path, monkeypatch):
    """``appraisal run`` of the minimal case (YAML, no lens sections) writes every output,
    and imports openpyxl (results.xlsx) and jinja2 (report.html) for them, but neither
    pandas (the core CSV tables are written from plain rows), scipy, SALib, dask or
    matplotlib, nor the workbook reader or any optional lens, nor urllib.request (issue 14,
    item 4)."""
    monkeypatch.setenv("APPRAISAL_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    imported = _imported_modules("-m", "appraisal", "run",
                                 str(ROOT / "data" / "examples" / "minimal.yaml"),
                                 "--out", str(out))
    written = {p.name for p in out.iterdir()}
    assert {"results.json", "options.csv", "lines.csv", "cashflows.csv", "results.xlsx",
            "report.html"} <= written
    top = {m.split(".")[0] for m in imported}
    assert {"numpy", "openpyxl", "jinja2"} <= top  # the run used them
    assert not top & {"pandas", "scipy", "SALib", "dask", "distributed", "matplotlib"}, sorted(
        top & {"pandas", "scipy", "SALib", "dask", "distributed", "matplotlib"})
    # nor what xml.sax.saxutils (XML escaping) pulls in: urllib.request, http, ssl; nor
    # numpy.ma (np.unique imports it), nor concurrent.futures (with logging)
    assert not {m for m in imported if m.split(".")[0] in {"http", "ssl", "concurrent"}
                or m.startswith(("urllib.request", "xml.sax", "numpy.ma.")) or m == "numpy.ma"}
    assert not {m for m in imported if m.startswith((
        "appraisal.inputs.excel_read", "appraisal.inputs.excel_diff",
        "appraisal.inputs.excel_grid", "appraisal.xlsx_safety", "appraisal.lenses.mca",
        "appraisal.lenses.uncertainty", "appraisal.lenses.affordability",
        "appraisal.lenses.cost_effectiveness"))}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_parser_of_one_command_parses_and_helps_as_the_whole_parser(name):
    """``main`` builds only the sub-parser of the command named first (issue 14, item 4):
    that parser must read the command's example, and print its help, as the whole one."""
    def sub_parser(parser):
        return next(a for a in parser._actions if a.dest == "command").choices

    whole, alone = build_parser(), build_parser(name)
    assert list(sub_parser(alone)) == [name]
    assert sub_parser(alone)[name].format_help() == sub_parser(whole)[name].format_help()
    example = shlex.split(COMMANDS[name].example)[1:]
    assert vars(alone.parse_args(example)) == vars(whole.parse_args(example))


def test_is_fraction_is_the_fnmatch_of_the_fraction_fields():
    """``appraisal.case.sheets.is_fraction`` (which the sheets' columns ask at import)
    matches its patterns without fnmatch's regular expressions, with the same answers."""
    import fnmatch

    from appraisal.case import sheets
    from appraisal.case.schema import CASE_FIELDS, LINE_FIELDS, OPTION_FIELDS

    paths = {"", ".", "*", "profile", "profile.rate.x"}
    for pattern in sheets.FRACTION_FIELDS:
        base = pattern.rstrip("*")
        paths |= {pattern, base, base + "x", base + "x.y", base[:-1], "a." + pattern,
                  pattern + "x", base.rstrip(".") + "_x", base.upper()}
    for spec in (*CASE_FIELDS, *LINE_FIELDS, *OPTION_FIELDS):
        paths |= {spec.name, spec.name + ".x", spec.name + ".rate"}
    for path in paths:
        expected = any(fnmatch.fnmatchcase(path, p) for p in sheets.FRACTION_FIELDS)
        assert sheets.is_fraction(path) == expected, path
    assert sheets.is_fraction("optimism_bias.shares.standard_buildings")
