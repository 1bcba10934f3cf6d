"""SIGINT and SIGTERM during ``appraisal run``: one line, exit 130/143, nothing partial.

Reliability test plan 7.2 L09 ("SIGINT during a run: exit 130; no partial outputs; temps
removed"), extended to SIGTERM (128 + 15). The signal is sent by the process to itself
from inside an output writer, i.e. while the staging folder holds partial files.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import os, signal, sys, time
    sys.path.insert(0, {repo!r})
    import appraisal.cli.commands as cli
    import appraisal.outputs.files as files
    def stall(result, stage, command):  # the report, the last file written: stalls
        (stage / "partial.bin").write_bytes(b"x" * 1_000_000)
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        time.sleep(30)
        return []
    files._report = stall
    sys.exit(cli.main(["run", {case!r}, "--out", sys.argv[2], *sys.argv[3:]]))
""")


def _run(tmp_path: Path, name: str, *extra: str) -> subprocess.CompletedProcess:
    code = _CHILD.format(repo=str(REPO), case=str(REPO / "data" / "examples" / "minimal.yaml"))
    return subprocess.run([sys.executable, "-c", code, name, str(tmp_path / "out"), *extra],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_signal_during_first_run_leaves_nothing(tmp_path, name, code):
    done = _run(tmp_path, name)
    assert done.returncode == code
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert f"interrupted ({name})" in lines[0]
    assert list(tmp_path.iterdir()) == []  # no output folder, no hidden staging folder


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_signal_during_forced_rerun_keeps_the_previous_run(tmp_path, name, code):
    from appraisal.cli.commands import main

    case = REPO / "data" / "examples" / "minimal.yaml"
    assert main(["run", str(case), "--out", str(tmp_path / "out")]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    done = _run(tmp_path, name, "--force")
    assert done.returncode == code
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.slow
def test_real_sigterm_from_outside_while_staging(tmp_path):
    """SIGTERM from another process while the staging folder exists."""
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        import appraisal.cli.commands as cli
        import appraisal.outputs.files as files
        def slow(result, stage, command):
            (stage / "partial.bin").write_bytes(b"x" * 1_000_000)
            time.sleep(30)
            return []
        files._report = slow
        sys.exit(cli.main(["run", {str(REPO / "data/examples/minimal.yaml")!r}, "--out",
                           {str(tmp_path / "out")!r}]))
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            (p / "partial.bin").exists() for p in tmp_path.iterdir()):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    # (60 s, not 30: it timed out once at 30 s with two test suites sharing 2 cores, cause
    # not found; alone this takes under a second)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "Traceback" not in err
    assert "interrupted (SIGTERM)" in err
    assert list(tmp_path.iterdir()) == []
