"""Atomic writes: never touch an input, never leave a partial or temporary file.

Scenarios follow the reliability test plan, section 2.5 (safe write protocol) and
7.5 (fault injection F01, F02, F03, F04, F09, F11, F12, F13).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import OutputError
from appraisal.outputs import atomic
from appraisal.outputs.atomic import (
    atomic_output_dir,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
)

REPO = Path(__file__).resolve().parents[1]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_content_and_leaves_only_the_destination(tmp_path):
    seen = []

    def writer(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("results")

    out = atomic_write(tmp_path / "out.txt", writer)
    assert out.read_text() == "results"
    assert _names(tmp_path) == ["out.txt"]
    # F09: the temporary file lives in the destination folder, so the rename never
    # crosses a filesystem, and it is hidden and distinctly named
    assert seen[0].parent == tmp_path
    assert seen[0].name.startswith(".out.txt.")
    assert seen[0].name.endswith(".tmp")


def test_existing_file_is_never_touched_without_force(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("previous")
    before = target.stat()
    calls = []
    with pytest.raises(OutputError, match="already exists") as info:
        atomic_write(target, lambda tmp: calls.append(tmp.write_text("new")))
    assert str(target) in str(info.value)
    assert "force" in str(info.value)
    assert target.read_text() == "previous"
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert calls == []  # refused before any work was done
    assert _names(tmp_path) == ["out.txt"]


def test_force_replaces_and_keeps_permission_bits(tmp_path):
    # F12: mkstemp creates 0600; the replaced file keeps the destination's bits
    target = tmp_path / "out.txt"
    target.write_text("previous")
    target.chmod(0o640)
    atomic_write_text(target, "new", force=True)
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_new_file_gets_the_umask_default_not_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        out = atomic_write_bytes(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_exception_inside_writer_keeps_old_file_and_removes_temp(tmp_path):
    # F02: simulated crash mid-write: half the new content is written, then an error
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old complete file")

    def crashing_writer(tmp: Path) -> None:
        tmp.write_bytes(b"new but incompl")
        raise ValueError("boom in the middle of saving")

    with pytest.raises(ValueError, match="boom"):
        atomic_write(target, crashing_writer, force=True)
    assert target.read_bytes() == b"old complete file"
    assert _names(tmp_path) == ["results.xlsx"]


def test_keyboard_interrupt_removes_temp_and_propagates(tmp_path):
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")

    def interrupted(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted, force=True)
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["results.xlsx"]


def test_disk_full_becomes_output_error_naming_the_path(tmp_path):
    # F03 (b): a write failing with ENOSPC
    target = tmp_path / "report.html"

    def full_disk(tmp: Path) -> None:
        tmp.write_bytes(b"<html>")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="No space left") as info:
        atomic_write(target, full_disk)
    assert str(target) in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert _names(tmp_path) == []


def test_failing_rename_leaves_destination_and_no_temp(tmp_path, monkeypatch):
    # F04/F05, root-proof: the final rename is refused (read-only folder, file open in Excel)
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="Permission denied"):
        atomic_write_bytes(target, b"new", force=True)
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["results.xlsx"]


def test_file_created_during_the_write_is_not_clobbered(tmp_path):
    # Another process creates the output between our check and our rename.
    target = tmp_path / "out.txt"

    def racing_writer(tmp: Path) -> None:
        tmp.write_text("ours")
        target.write_text("theirs")

    with pytest.raises(OutputError, match="already exists"):
        atomic_write(target, racing_writer)
    assert target.read_text() == "theirs"
    assert _names(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("how", ["same", "relative", "hardlink", "via-symlinked-folder"])
def test_refuses_to_write_over_a_protected_input(tmp_path, monkeypatch, how):
    source = tmp_path / "case.xlsx"
    source.write_bytes(b"the user's workbook")
    if how == "same":
        dest = source
    elif how == "relative":
        monkeypatch.chdir(tmp_path)
        dest = Path("sub/../case.xlsx")
        (tmp_path / "sub").mkdir()
    elif how == "hardlink":
        dest = tmp_path / "copy.xlsx"
        os.link(source, dest)
    else:
        (tmp_path / "alias").symlink_to(tmp_path)
        dest = tmp_path / "alias" / "case.xlsx"
    with pytest.raises(OutputError, match="never writes over an input"):
        atomic_write_bytes(dest, b"output", force=True, protect=[source])
    assert source.read_bytes() == b"the user's workbook"


def test_refuses_a_symlink_destination(tmp_path):
    # F11: a planted symlink must not redirect the write to another file
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (tmp_path / "out.txt").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        atomic_write_text(tmp_path / "out.txt", "new", force=True)
    assert victim.read_text() == "untouched"


def test_missing_folder_and_folder_destination_are_refused(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        atomic_write_text(tmp_path / "nowhere" / "out.txt", "x")
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_text(tmp_path, "x", force=True)


def test_durability_order_fsync_replace_fsync(tmp_path, monkeypatch):
    # F13: fsync(temp) before the rename, fsync(folder) after it
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def spy_fsync(fd):
        kind = "dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"
        events.append(f"fsync-{kind}")
        real_fsync(fd)

    def spy_replace(src, dst):
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "replace", spy_replace)
    (tmp_path / "out.txt").write_text("old")
    atomic_write_text(tmp_path / "out.txt", "new", force=True)
    assert events == ["fsync-file", "replace", "fsync-dir"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
@pytest.mark.parametrize("earlier_run", [False, True])
def test_a_staged_run_is_flushed_whole_before_it_is_put_in_place(tmp_path, monkeypatch,
                                                                  earlier_run):
    """Every file of the run (one written by atomic_write in the staging folder too, which
    leaves its flush to the commit) is flushed once, and the staging folder, before the
    run is put in place; the parent folder after (issue 14: the files are flushed
    together, not one after the other)."""
    events = []
    real_fsync, real_rename = os.fsync, os.rename

    def spy_fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        events.append(("fsync", path if os.path.isdir(path) else Path(path).name))
        real_fsync(fd)

    def spy_rename(src, dst):
        events.append(("rename", Path(src).name, Path(dst).name))
        real_rename(src, dst)

    def spy_exchange(a, b):
        events.append(("rename", Path(a).name, Path(b).name))
        real_exchange(a, b)

    target = tmp_path / "run"
    if earlier_run:
        target.mkdir()
        (target / "old.txt").write_text("old")
    real_exchange = atomic._EXCHANGE
    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "rename", spy_rename)
    if real_exchange is not None:
        monkeypatch.setattr(atomic, "_EXCHANGE", spy_exchange)
    with atomic_output_dir(target, force=True) as staging:
        for name in ("a.csv", "b.csv", "c.html"):
            (staging / name).write_text(name)
        atomic_write_bytes(staging / "d.xlsx", b"xlsx")
        assert events == []  # nothing flushed while the run is written
    put = next(i for i, e in enumerate(events) if e[0] == "rename" and e[2] == "run")
    before, after = events[:put], events[put + 1:]
    assert sorted(e[1] for e in before[:-1]) == ["a.csv", "b.csv", "c.html", "d.xlsx"]
    assert before[-1] == ("fsync", str(staging))
    assert after == [("fsync", str(tmp_path))]
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["a.csv", "b.csv", "c.html", "d.xlsx", *(["old.txt"] if earlier_run else [])])


def test_flushing_files_together_reports_the_first_failure(tmp_path):
    files = [tmp_path / f"{i}.txt" for i in range(5)]
    for f in files[:4]:
        f.write_text("x")
    with pytest.raises(FileNotFoundError):
        atomic._fsync_files(files)


def test_text_is_written_exactly_with_its_encoding(tmp_path):
    out = atomic_write_text(tmp_path / "a.csv", "£,€\r\n1,2\n", encoding="utf-8")
    assert out.read_bytes() == "£,€\r\n1,2\n".encode()


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=4096), exists=st.booleans(), force=st.booleans())
def test_property_destination_is_old_or_new_never_partial(data, exists, force):
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.bin"
        if exists:
            target.write_bytes(b"OLD")
        try:
            atomic_write_bytes(target, data, force=force)
        except OutputError:
            assert exists
            assert not force
            assert target.read_bytes() == b"OLD"
        else:
            assert target.read_bytes() == data
        assert _names(Path(folder)) == ["out.bin"]


def test_sigkill_during_write_leaves_previous_file_intact(tmp_path):
    # F01: a real process killed with SIGKILL while its writer is half-way through
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("needs POSIX signals")
    target = tmp_path / "results.bin"
    target.write_bytes(b"previous complete output")
    marker = tmp_path / "started"
    child = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from appraisal.outputs.atomic import atomic_write
        def slow(tmp):
            with open(tmp, "wb") as handle:
                handle.write(b"half of the new")
                handle.flush()
                Path({str(marker)!r}).write_text("x")
                time.sleep(60)
        atomic_write({str(target)!r}, slow, force=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", child])
    try:
        for _ in range(600):
            if marker.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), "child never reached the middle of its write"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert target.read_bytes() == b"previous complete output"
    stale = [p.name for p in tmp_path.iterdir() if p.name.startswith(".results.bin.")]
    assert len(stale) == 1  # the killed write's hidden temp; the destination is intact


# --- several files: atomic_output_dir -----------------------------------------------------


def test_output_dir_new_target_appears_complete(tmp_path):
    target = tmp_path / "run"
    with atomic_output_dir(target) as staging:
        assert staging.parent == tmp_path
        assert not target.exists()  # nothing visible until the block succeeds
        (staging / "results.json").write_text("{}")
        (staging / "tables").mkdir()
        (staging / "tables" / "pv.csv").write_text("a\n")
    assert _names(target) == ["results.json", "tables"]
    assert (target / "tables" / "pv.csv").read_text() == "a\n"
    assert _names(tmp_path) == ["run"]


def _write_run(target: Path, *, fail: bool = False, **options) -> None:
    with atomic_output_dir(target, **options) as staging:
        (staging / "results.json").write_text("{}")
        if fail:
            raise RuntimeError("model failed")
        (staging / "report.html").write_text("new report")


def test_output_dir_error_inside_block_writes_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="model failed"):
        _write_run(tmp_path / "run", fail=True)
    assert _names(tmp_path) == []


def test_output_dir_existing_files_all_or_nothing(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "report.html").write_text("old report")
    with pytest.raises(OutputError, match="already exists"):
        _write_run(target)
    # results.json sorts first but was not moved: the conflict is found before any move
    assert _names(target) == ["report.html"]
    assert (target / "report.html").read_text() == "old report"
    assert _names(tmp_path) == ["run"]

    _write_run(target, force=True)
    assert (target / "report.html").read_text() == "new report"
    assert _names(target) == ["report.html", "results.json"]


def test_output_dir_never_replaces_a_protected_input(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    source = target / "case.yaml"
    source.write_text("title: x\n")

    def overwrite_input() -> None:
        with atomic_output_dir(target, force=True, protect=[source]) as staging:
            (staging / "case.yaml").write_text("overwritten")

    with pytest.raises(OutputError, match="input"):
        overwrite_input()
    assert source.read_text() == "title: x\n"


def test_output_dir_permissions_follow_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output_dir(tmp_path / "run") as staging:
            (staging / "a.txt").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "run" / "a.txt").stat().st_mode & 0o777 == 0o644


def test_umask_fallback_without_proc(monkeypatch):
    # The /proc reading and the os.umask fallback agree
    from_proc = atomic._umask()

    def no_proc(self, *args, **kwargs):
        raise OSError("no /proc")

    monkeypatch.setattr(Path, "read_text", no_proc)
    assert atomic._umask() == from_proc


def test_output_dir_failed_move_is_an_output_error(tmp_path, monkeypatch):
    target = tmp_path / "run"

    def refuse(*_args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OutputError, match="Permission denied"):
        _write_run(target)
    assert _names(tmp_path) == []
