"""The LibreOffice recalculation harness used to check exported formulas.

The decisive test writes formulas whose cached values are deliberately wrong and
checks that LibreOffice's output holds the right ones, with a control run
(recalculation switched off in the profile) proving the check can fail.
"""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from appraisal.errors import AppraisalValidationError, OutputError
from appraisal.outputs import recalc as _recalc
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip
from appraisal.outputs.xlsx_cells import (
    define_name,
    save_workbook,
    write_formula,
    write_number,
    write_text,
)


@pytest.fixture(scope="module")
def soffice() -> str:
    return soffice_or_skip()


@pytest.fixture(scope="module")
def stale_workbook(tmp_path_factory) -> Path:
    """Live formulas whose cached values are all wrong (as if written by a buggy engine)."""
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    write_number(inputs["A1"], 2)
    write_number(inputs["A2"], 3)
    write_number(inputs["A3"], 0.035)
    write_text(inputs["A4"], "=1+1")  # text, not a formula: must stay text
    define_name(book, "rate", inputs, "A3")
    calc = book.create_sheet("Calc lines")
    write_formula(calc["B1"], "=Inputs!A1*Inputs!A2", 999)
    write_formula(calc["B2"], "=SUM(Inputs!A1:A2)/rate", -1)
    write_formula(calc["B3"], '=IF(B1>5,"high","low")', "wrong")
    write_formula(calc["B4"], "=1/(1+rate)^2", 0)
    write_formula(calc["B5"], "=B1>100", True)
    folder = tmp_path_factory.mktemp("stale")
    return save_workbook(book, folder / "stale.xlsx", full_calc_on_load=False)


@pytest.mark.libreoffice
def test_wrong_cached_values_are_recalculated(soffice, stale_workbook, tmp_path):
    cached = read_values(stale_workbook)
    assert cached["Calc lines"]["B1"] == 999  # the stale values really are in the file
    before = stale_workbook.read_bytes()
    out = recalculate(stale_workbook, tmp_path)
    assert out == tmp_path / "stale.xlsx"
    values = read_values(out)
    calc = values["Calc lines"]
    assert calc["B1"] == 6
    assert calc["B2"] == pytest.approx(5 / 0.035, rel=1e-12)
    assert calc["B3"] == "high"
    assert calc["B4"] == pytest.approx(1 / 1.035**2, rel=1e-12)
    assert calc["B5"] is False
    assert values["Inputs"]["A4"] == "=1+1"
    assert openpyxl.load_workbook(out)["Inputs"]["A4"].data_type == "s"
    # the input is untouched and LibreOffice left no lock file beside it
    assert stale_workbook.read_bytes() == before
    assert sorted(p.name for p in stale_workbook.parent.iterdir()) == ["stale.xlsx"]


@pytest.mark.libreoffice
def test_control_without_recalculation_keeps_the_wrong_values(soffice, stale_workbook, tmp_path):
    # Proves the profile setting is what makes the test above pass.
    out = recalculate(stale_workbook, tmp_path, recalc="never")
    calc = read_values(out)["Calc lines"]
    assert calc["B1"] == 999
    assert calc["B3"] == "wrong"


@pytest.mark.libreoffice
def test_refuses_to_replace_the_input_or_an_existing_result(soffice, stale_workbook, tmp_path):
    with pytest.raises(OutputError, match="input"):
        recalculate(stale_workbook, stale_workbook.parent, force=True)
    (tmp_path / "stale.xlsx").write_bytes(b"previous")
    with pytest.raises(OutputError, match="already exists"):
        recalculate(stale_workbook, tmp_path)
    assert (tmp_path / "stale.xlsx").read_bytes() == b"previous"


# --- without LibreOffice: failure handling with stand-in executables ------------------------


def fake_soffice(folder: Path, body: str) -> str:
    script = folder / "fake-soffice"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_timeout_kills_the_whole_process_group(tmp_path):
    pid_file = tmp_path / "pids"
    exe = fake_soffice(tmp_path, f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pid_file)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(60)
    """)
    book = tmp_path / "in.xlsx"
    openpyxl.Workbook().save(book)
    with pytest.raises(OutputError, match="did not finish"):
        recalculate(book, tmp_path, soffice=exe, timeout=2)
    for pid in map(int, pid_file.read_text().split()):
        with pytest.raises(ProcessLookupError):
            _signal_zero_unless_zombie(pid)


def _signal_zero_unless_zombie(pid: int) -> None:
    """Raise ProcessLookupError if *pid* is gone (a reaped or zombie process counts as gone)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists() and "zombie" in status.read_text():
        raise ProcessLookupError(pid)
    os.kill(pid, 0)


def test_failure_reports_exit_code_and_message(tmp_path):
    exe = fake_soffice(tmp_path, """
        import sys
        sys.stderr.write("Error: source file could not be loaded")
        sys.exit(1)
    """)
    book = tmp_path / "in.xlsx"
    openpyxl.Workbook().save(book)
    with pytest.raises(OutputError, match=r"exit code 1.*could not be loaded"):
        recalculate(book, tmp_path, soffice=exe)


def test_conversion_runs_on_a_private_copy_with_a_recalculating_profile(tmp_path):
    seen = tmp_path / "seen.txt"
    exe = fake_soffice(tmp_path, f"""
        import shutil, sys
        from pathlib import Path
        args = sys.argv[1:]
        outdir = Path(args[args.index("--outdir") + 1])
        profile = next(a for a in args if a.startswith("-env:UserInstallation=file://"))
        xcu = Path(profile.split("file://", 1)[1]) / "user" / "registrymodifications.xcu"
        Path({str(seen)!r}).write_text(args[-1] + "\\n" + xcu.read_text())
        outdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(args[-1], outdir / Path(args[-1]).name)
    """)
    source_dir = tmp_path / "user"
    source_dir.mkdir()
    book = source_dir / "case.xlsx"
    openpyxl.Workbook().save(book)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = recalculate(book, out_dir, soffice=exe)
    assert out.read_bytes() == book.read_bytes()
    converted_path, profile = seen.read_text().split("\n", 1)
    assert Path(converted_path) != book
    assert not Path(converted_path).exists()  # the private copy was cleaned up
    assert '"OOXMLRecalcMode" oor:op="fuse"><value>0</value>' in profile.replace("\n ", " ")
    assert sorted(p.name for p in source_dir.iterdir()) == ["case.xlsx"]


def test_missing_input_and_missing_soffice(tmp_path, monkeypatch):
    with pytest.raises(AppraisalValidationError, match="does not exist"):
        recalculate(tmp_path / "nope.xlsx", tmp_path)
    book = tmp_path / "in.xlsx"
    openpyxl.Workbook().save(book)
    monkeypatch.setattr(_recalc, "find_soffice", lambda: None)
    with pytest.raises(OutputError, match="libreoffice-calc-nogui"):
        recalculate(book, tmp_path)
    with pytest.raises(AppraisalValidationError, match="recalc must be"):
        recalculate(book, tmp_path, recalc="sometimes")


def test_skip_helper_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(_recalc, "find_soffice", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        soffice_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="libreoffice-calc-nogui"):
        soffice_or_skip()
    monkeypatch.setattr(_recalc, "find_soffice", lambda: "/usr/bin/soffice")
    assert soffice_or_skip() == "/usr/bin/soffice"
