"""``run --force`` over a folder written before manifests existed (no ``manifest.json``).

Such a folder cannot say which of its files an earlier run wrote. Keeping them all would
leave the earlier run's lens tables beside the new ``results.json`` (the folder mixes two
cases, issue 13); removing them all would delete the user's own files. ``--force`` means
"replace the run", so the files a run could have written, recognised by name
(:data:`appraisal.outputs.files.RUN_FILE_NAMES`), go with the earlier run, and every
other file is kept, as a manifest's folder does.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from appraisal.outputs.files import MANIFEST, RUN_FILE_NAMES, write_outputs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples"
CORE = {"results.json", "options.csv", "lines.csv", "cashflows.csv", "switching_values.csv",
        "parameters_used.csv", "results.xlsx", "report.html"}


def _old_run(tmp_path: Path, capsys) -> tuple[Path, set[str]]:
    """An earlier run of the prevention example (it writes many lens tables), made to look
    as a version before manifests left it, with two files of the user's own beside it."""
    from appraisal.cli.commands import main

    out = tmp_path / "out"
    first = tmp_path / "prevention.yaml"
    shutil.copy(EXAMPLES / "early_help_prevention.yaml", first)
    assert main(["run", str(first), "--out", str(out)]) == 0
    (out / MANIFEST).unlink()
    earlier = {p.name for p in out.iterdir()}
    (out / "my-notes.txt").write_text("the user's own file")
    (out / "my-summary.csv").write_text("a,b\n1,2\n")
    capsys.readouterr()
    return out, earlier


def test_force_over_a_pre_manifest_run_replaces_the_whole_run(tmp_path, capsys):
    from appraisal.cli.commands import main

    out, earlier = _old_run(tmp_path, capsys)
    second = tmp_path / "minimal.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", second)
    assert main(["run", str(second), "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    listed = {f["name"] for f in json.loads((out / MANIFEST).read_text())["files"]}
    now = {p.name for p in out.iterdir()}
    assert now == listed | {MANIFEST, "my-notes.txt", "my-summary.csv"}
    gone = earlier - now
    assert gone, "the earlier run had lens tables the minimal case does not write"
    assert gone <= RUN_FILE_NAMES
    assert (out / "my-notes.txt").read_text() == "the user's own file"
    assert (out / "my-summary.csv").read_text() == "a,b\n1,2\n"
    title = json.loads((out / "results.json").read_text(encoding="utf-8"))["title"]
    assert title == "Minimal two-option case"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_without_force_a_pre_manifest_run_is_not_touched(tmp_path, capsys, refused):
    out, _ = _old_run(tmp_path, capsys)
    case = tmp_path / "minimal.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", case)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused(["run", str(case), "--out", str(out)], inputs=[case],
            pattern=r"already exists and was not replaced; .*--force")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_force_over_a_folder_of_the_users_own_files_keeps_them(tmp_path, capsys):
    """No manifest and no file a run writes: nothing is the toolkit's, nothing goes."""
    from appraisal.cli.commands import main

    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "data.csv").write_text("x\n1\n")
    (out / "uncertainty.json").write_text("{}")  # the uncertainty command's, not run's
    assert main(["run", str(EXAMPLES / "minimal.yaml"), "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    assert {"notes.txt", "data.csv", "uncertainty.json", "results.json"} <= {
        p.name for p in out.iterdir()}
    assert (out / "data.csv").read_text() == "x\n1\n"


def test_a_manifest_still_decides_when_there_is_one(tmp_path, capsys):
    """A file named like a run's output but not in the earlier run's manifest was put there
    by the user after that run: it is kept."""
    from appraisal.cli.commands import main

    out = tmp_path / "out"
    assert main(["run", str(EXAMPLES / "minimal.yaml"), "--out", str(out)]) == 0
    (out / "mca_scores.csv").write_text("the user's own table\n")
    assert main(["run", str(EXAMPLES / "minimal.yaml"), "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    assert (out / "mca_scores.csv").read_text() == "the user's own table\n"


def _to_frames_names() -> dict[str, set[str]]:
    """Every ``"*.csv"`` key a payload's ``to_frames`` can return, by module (read from the
    package's source, so a table added without updating RUN_FILE_NAMES fails here)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "appraisal").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "to_frames":
                names = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant)
                         and isinstance(c.value, str) and c.value.endswith(".csv")}
                if names:
                    rel = path.relative_to(REPO / "appraisal").as_posix()
                    found.setdefault(rel, set()).update(names)
    return found


def test_run_file_names_are_every_table_a_run_can_write():
    from appraisal.lenses.catalogue import LENSES

    # only the uncertainty lens keeps its tables out of a run's folder
    assert [lens.name for lens in LENSES if not lens.tables] == ["uncertainty"]
    found = _to_frames_names()
    assert found, "no to_frames found: the scan is broken"
    lens_tables = set().union(*(names for module, names in found.items()
                                if not module.startswith("lenses/uncertainty/")))
    assert RUN_FILE_NAMES == CORE | lens_tables


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_file_an_example_writes_is_recognised(tmp_path, example):
    from appraisal import evaluate, load_case

    written = write_outputs(evaluate(load_case(EXAMPLES / example)), tmp_path / "out",
                            formats=("json", "csv"))
    assert {p.name for p in written} - {MANIFEST} <= RUN_FILE_NAMES
