"""One output protocol for every command (issue 13, item 3).

``run``, ``report``, ``template``, ``convert`` and ``uncertainty`` all write through
:mod:`appraisal.outputs.atomic`: never through a symbolic link, never over an input (same
path or a hard link), the permissions of a replaced file kept, and ``run --force`` over
an earlier run's folder replaces the whole run (its manifest says which files were the
run's). Before, ``report -o`` wrote through a symlink and over a hard link of the input,
``--force`` turned a 0600 report into 0644, a second run left the first run's lens files
beside the new ``results.json``, and ``convert a.yaml b.yaml`` copied YAML to YAML.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "examples"


@pytest.fixture
def case(tmp_path) -> Path:
    path = tmp_path / "case.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", path)
    return path


def _uncertain(tmp_path: Path) -> Path:
    path = tmp_path / "unc.yaml"
    path.write_text((EXAMPLES / "minimal.yaml").read_text(encoding="utf-8") + (
        "uncertainty:\n  draws: 50\n  seed: 3\n  inputs:\n    - name: cost\n"
        "      target: {kind: cost}\n      field: scale\n"
        "      distribution: {dist: uniform, low: 0.9, high: 1.2}\n"), encoding="utf-8")
    return path


# (id, argv builder given (case, output), output kind)
COMMANDS = [
    ("report", lambda c, o: ["report", str(c), "-o", str(o), "--force"], "file"),
    ("template-from", lambda c, o: ["template", "--from", str(c), "-o", str(o), "--force"],
     "xlsx"),
    ("convert", lambda c, o: ["convert", str(c), str(o), "--force"], "xlsx"),
]


@pytest.mark.parametrize(("argv", "kind"), [c[1:] for c in COMMANDS],
                         ids=[c[0] for c in COMMANDS])
def test_no_command_writes_through_a_symlink(tmp_path, case, refused, argv, kind):
    real = tmp_path / ("real.xlsx" if kind == "xlsx" else "real.html")
    real.write_bytes(b"the file the link points at")
    link = tmp_path / ("link.xlsx" if kind == "xlsx" else "link.html")
    link.symlink_to(real.name)
    refused(argv(case, link), inputs=[case, real], pattern=r"symbolic link")
    assert link.is_symlink()
    assert real.read_bytes() == b"the file the link points at"


@pytest.mark.parametrize(("argv", "kind"), [c[1:] for c in COMMANDS],
                         ids=[c[0] for c in COMMANDS])
def test_no_command_writes_over_a_hard_link_of_its_input(tmp_path, case, refused, argv, kind):
    link = tmp_path / ("hard.xlsx" if kind == "xlsx" else "hard.html")
    os.link(case, link)
    refused(argv(case, link), inputs=[case], pattern=r"it is the input file")
    assert os.path.samefile(case, link)  # still the same file: nothing replaced it


def test_run_and_uncertainty_refuse_a_symlinked_folder(tmp_path, refused):
    case = _uncertain(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to("real")
    refused(["run", str(case), "--out", str(tmp_path / "out")], inputs=[case],
            pattern="symbolic link")
    refused(["uncertainty", str(case), "--out", str(tmp_path / "out")], inputs=[case],
            pattern="symbolic link")
    assert list((tmp_path / "real").iterdir()) == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_report_force_keeps_the_permissions_of_the_file_it_replaces(tmp_path, case, capsys,
                                                                     mode):
    from appraisal.cli.commands import main

    out = tmp_path / "report.html"
    assert main(["report", str(case), "-o", str(out)]) == 0
    out.chmod(mode)
    assert main(["report", str(case), "-o", str(out), "--force"]) == 0
    capsys.readouterr()
    assert out.stat().st_mode & 0o777 == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml", "report.html"]


@pytest.mark.parametrize(("source", "target"), [("case.yaml", "copy.yaml"),
                                                ("case.yaml", "copy.yml"),
                                                ("book.xlsx", "copy.xlsx")])
def test_convert_refuses_a_same_format_conversion(tmp_path, case, refused, capsys, source,
                                                  target):
    from appraisal.cli.commands import main

    if source == "book.xlsx":
        assert main(["convert", str(case), str(tmp_path / "book.xlsx")]) == 0
        capsys.readouterr()
    src = tmp_path / source
    refused(["convert", str(src), str(tmp_path / target)], inputs=[src],
            pattern=r"error \[same-format\] .*convert changes the format")


def test_run_force_over_an_earlier_run_replaces_the_whole_run(tmp_path, capsys):
    """The prevention example writes lens tables the minimal one does not; none stay."""
    from appraisal.cli.commands import main

    out = tmp_path / "out"
    first = tmp_path / "prevention.yaml"
    shutil.copy(EXAMPLES / "early_help_prevention.yaml", first)
    assert main(["run", str(first), "--out", str(out)]) == 0
    earlier = {p.name for p in out.iterdir()}
    (out / "my-notes.txt").write_text("the user's own file")
    second = tmp_path / "minimal.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", second)
    assert main(["run", str(second), "--out", str(out), "--force"]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["name"] for f in manifest["files"]}
    now = {p.name for p in out.iterdir()}
    assert now == listed | {"manifest.json", "my-notes.txt"}
    assert earlier - now, "the earlier run had lens files the minimal case does not write"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["title"] == "Minimal two-option case"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no staging


def test_the_manifest_lists_every_file_with_its_hash(tmp_path, case, capsys):
    import hashlib

    from appraisal.cli.commands import main

    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out)]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]
    for entry in manifest["files"]:
        data = (out / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


FOLDER_AS_CASE = [
    ("validate", lambda d, t: ["validate", str(d)]),
    ("run", lambda d, t: ["run", str(d), "--out", str(t / "out")]),
    ("report", lambda d, t: ["report", str(d), "-o", str(t / "r.html")]),
    ("convert", lambda d, t: ["convert", str(d), str(t / "c.xlsx")]),
    ("uncertainty", lambda d, t: ["uncertainty", str(d), "--out", str(t / "u")]),
    ("template-from", lambda d, t: ["template", "--from", str(d), "-o", str(t / "t.xlsx")]),
]


@pytest.mark.parametrize("argv", [f[1] for f in FOLDER_AS_CASE],
                         ids=[f[0] for f in FOLDER_AS_CASE])
def test_a_folder_given_as_the_case_is_named_as_a_folder(tmp_path, refused, argv):
    folder = tmp_path / "case.yaml"
    folder.mkdir()
    text = refused(argv(folder, tmp_path), inputs=[], pattern=r"is a folder")
    assert "no such file" not in text.lower()
