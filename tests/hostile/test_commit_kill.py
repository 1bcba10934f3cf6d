"""A ``--force`` commit of an output folder is one step: killed anywhere, old or new, whole.

Reliability test plan, 7.5 F01 (interrupted write: "destination is always either the
previous complete file or the new complete file ... next run cleans stale temps"),
applied to a whole output folder. Kills are simulated exactly (``os._exit`` in a child
process before or after each rename-like call, so no ``finally`` block runs) and for
real (SIGKILL at random moments).
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from appraisal.errors import OutputError
from appraisal.outputs import atomic
from appraisal.outputs.atomic import atomic_output_dir, clean_stale_staging

REPO = Path(__file__).resolve().parents[2]
N_FILES = 12


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _run_files(tag: str) -> dict[str, str]:
    return {f"file{i:02d}.csv": f"{tag} {i}\n" for i in range(N_FILES)}


def _old_state() -> dict[str, str]:
    return {**_run_files("old"), "notes.txt": "user's own file\n"}


def _new_state() -> dict[str, str]:
    return {**_run_files("new"), "notes.txt": "user's own file\n"}


def _make_old(target: Path) -> None:
    with atomic_output_dir(target) as stage:
        for name, text in _run_files("old").items():
            (stage / name).write_text(text)
    (target / "notes.txt").write_text("user's own file\n")


def _commit_new(target: Path) -> None:
    with atomic_output_dir(target, force=True) as stage:
        for name, text in _run_files("new").items():
            (stage / name).write_text(text)


def _leftovers(parent: Path, target: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != target.name)


# --- in process: the k-th rename fails -------------------------------------------------------


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_failing_rename_at_every_step_keeps_the_old_run(tmp_path, monkeypatch, exchange):
    target = tmp_path / "out"
    _make_old(target)
    calls = {"n": 0}
    real_rename = os.rename
    real_exchange = atomic._EXCHANGE

    def counted(real):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == calls["fail_at"]:
                raise OSError(errno.EIO, "Input/output error (injected)")
            return real(*args, **kwargs)
        return wrapper

    if not exchange or real_exchange is None:
        monkeypatch.setattr(atomic, "_EXCHANGE", None)
    else:
        monkeypatch.setattr(atomic, "_EXCHANGE", counted(real_exchange))
    monkeypatch.setattr(os, "rename", counted(real_rename))
    # a clean commit counts the calls; then fail at each one in turn
    calls["fail_at"] = 0
    _commit_new(target)
    total = calls["n"]
    assert total >= 1
    for k in range(1, total + 1):
        _make_fresh = tmp_path / f"case{k}"
        _make_fresh.mkdir()
        t = _make_fresh / "out"
        monkeypatch.setattr(os, "rename", real_rename)
        _make_old(t)
        monkeypatch.setattr(os, "rename", counted(real_rename))
        calls["n"], calls["fail_at"] = 0, k
        with pytest.raises(OutputError, match="injected"):
            _commit_new(t)
        assert _snapshot(t) == _old_state(), f"rename {k} of {total}"
        assert _leftovers(_make_fresh, t) == []


# --- a kill at every rename, in a child process ----------------------------------------------

_CHILD = textwrap.dedent("""
    import os, shutil, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from appraisal.outputs import atomic
    target, mode, when, k = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    count = [0]
    def killing(real):
        def wrapper(*args, **kwargs):
            count[0] += 1
            if count[0] == k and when == "before":
                os._exit(137)
            out = real(*args, **kwargs)
            if count[0] == k and when == "after":
                os._exit(137)
            return out
        return wrapper
    if mode == "two-renames" or atomic._EXCHANGE is None:
        atomic._EXCHANGE = None
    else:
        atomic._EXCHANGE = killing(atomic._EXCHANGE)
    os.rename = killing(os.rename)
    os.replace = killing(os.replace)
    shutil.rmtree = killing(shutil.rmtree)
    with atomic.atomic_output_dir(target, force=True) as stage:
        for i in range({n}):
            (stage / f"file{{i:02d}}.csv").write_text(f"new {{i}}\\n")
    print(count[0])
""")


def _child(target: Path, mode: str, when: str, k: int) -> subprocess.CompletedProcess:
    code = _CHILD.format(repo=str(REPO), n=N_FILES)
    return subprocess.run([sys.executable, "-c", code, str(target), mode, when, str(k)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("mode", ["exchange", "two-renames"])
def test_kill_at_every_rename_leaves_old_or_new_run_whole(tmp_path, mode):
    """Every rename-like step (rename, replace, exchange, and the removal of the old run),
    killed just before and just after: the folder is the old run or the new one, whole.

    With the atomic exchange (Linux ``renameat2``) this holds at every instant. Without
    it, a kill between moving the old folder aside and the new one in leaves the old run
    in a hidden ``.old`` folder, which the next run puts back before anything else
    (:func:`clean_stale_staging`), so the check there is made after that recovery.
    """
    probe = tmp_path / "probe"
    probe.mkdir()
    _make_old(probe / "out")
    done = _child(probe / "out", mode, "never", 0)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout)
    assert _snapshot(probe / "out") == _new_state()
    assert total >= 2  # at least the swap and the removal of the old run
    seen = set()
    for k in range(1, total + 1):
        for when in ("before", "after"):
            parent = tmp_path / f"{when}{k}"
            parent.mkdir()
            target = parent / "out"
            _make_old(target)
            killed = _child(target, mode, when, k)
            assert killed.returncode == 137, killed.stderr
            if mode == "exchange" and atomic._EXCHANGE is not None:
                state = _snapshot(target)
                assert state in (_old_state(), _new_state()), f"{when} call {k}"
            clean_stale_staging(target)  # what the next run does first
            state = _snapshot(target)
            assert state in (_old_state(), _new_state()), f"{when} call {k}"
            seen.add("old" if state == _old_state() else "new")
            assert _leftovers(parent, target) == [], f"{when} call {k}"
    assert seen == {"old", "new"}  # the kill points straddle the commit


def test_next_run_removes_staging_left_by_a_killed_run(tmp_path):
    target = tmp_path / "out"
    _make_old(target)
    stale = tmp_path / ".out.appraisal-deadbeef.tmp"
    stale.mkdir()
    (stale / "partial.csv").write_text("half")
    other = tmp_path / ".other.appraisal-deadbeef.tmp"  # another output's: not ours
    other.mkdir()
    _commit_new(target)
    assert _snapshot(target) == _new_state()
    assert not stale.exists()
    assert other.exists()


def test_live_staging_of_another_run_is_not_removed(tmp_path):
    target = tmp_path / "out"
    with atomic_output_dir(target) as stage:
        (stage / "a.csv").write_text("x")
        assert clean_stale_staging(target) == []  # locked by this (live) run
        assert stage.exists()
    assert _snapshot(target) == {"a.csv": "x"}


# --- real SIGKILL at random moments -----------------------------------------------------------

_LOOP = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from appraisal.outputs.atomic import atomic_output_dir
    target = Path(sys.argv[1])
    generation = 0
    while True:
        generation += 1
        with atomic_output_dir(target, force=True) as stage:
            for i in range({n}):
                (stage / f"file{{i:02d}}.csv").write_text(f"{{generation}} {{i}}\\n" * 2000)
""")


@pytest.mark.slow
def test_sigkill_at_random_moments_never_mixes_runs(tmp_path):
    rng = random.Random(20260101)
    target = tmp_path / "out"
    code = _LOOP.format(repo=str(REPO), n=N_FILES)
    for trial in range(5):
        process = subprocess.Popen([sys.executable, "-c", code, str(target)])
        deadline = time.monotonic() + 60
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        clean_stale_staging(target)
        files = _snapshot(target)
        assert len(files) == N_FILES, trial
        generations = {text.split()[0] for text in files.values()}
        assert len(generations) == 1, (trial, generations)  # one run, never a mix
        assert _leftovers(tmp_path, target) == [], trial


def test_results_json_of_a_real_forced_run_is_replaced_whole(tmp_path):
    """End to end: ``appraisal run --force`` over a previous run swaps the folder whole."""
    from appraisal.cli.commands import main

    case = REPO / "data" / "examples" / "minimal.yaml"
    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    first = json.loads((out / "results.json").read_text())
    inode = out.stat().st_ino
    assert main(["run", str(case), "--out", str(out), "--force"]) == 0
    assert json.loads((out / "results.json").read_text())["options"] == first["options"]
    assert (out / "notes.txt").read_text() == "mine"  # files the run does not own are kept
    if atomic._EXCHANGE is not None:
        assert out.stat().st_ino != inode  # a new folder was swapped in
    assert _leftovers(tmp_path, out) == []
