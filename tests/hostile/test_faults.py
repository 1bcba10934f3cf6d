"""Faults are reported, not raised (issue 13, item 2).

A full disk (ENOSPC), a quota (EDQUOT), a file-size limit (EFBIG), a read-only file
system (EROFS), a permission refused (EACCES) or an I/O error (EIO), at any write of
``run``, ``uncertainty``, ``report``, ``convert`` or ``template``: exit 1, one plain
message naming the failure, no traceback, no staging folder or temporary file left, and
the previous output (when there is one) byte for byte as it was.

CI runs as root, where permission bits do not stop a write (test plan 0.15), so the
faults are injected: in-process by replacing ``open`` (for files the command creates in
the output folder) and ``os.rename``/``os.replace``, and, for EFBIG, with a real
``RLIMIT_FSIZE`` in a subprocess (the kernel refuses the write; SIGXFSZ ignored).
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINIMAL = (REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8")
UNCERTAINTY = ("uncertainty:\n  draws: 50\n  seed: 3\n  inputs:\n    - name: cost\n"
               "      target: {kind: cost}\n      field: scale\n"
               "      distribution: {dist: uniform, low: 0.9, high: 1.2}\n")

ERRORS = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EFBIG: "File too large",
    errno.EROFS: "Read-only file system",
    errno.EACCES: "Permission denied",
    errno.EIO: "Input/output error",
}

# (id, argv given (case, out folder), output path inside out folder or the folder itself)
COMMANDS = {
    "run": lambda c, o: ["run", str(c), "--out", str(o / "out"), "--force"],
    "uncertainty": lambda c, o: ["uncertainty", str(c), "--out", str(o / "out"), "--force"],
    "report": lambda c, o: ["report", str(c), "-o", str(o / "report.html"), "--force"],
    "convert": lambda c, o: ["convert", str(c), str(o / "case.xlsx"), "--force"],
    "template": lambda c, o: ["template", "--from", str(c), "-o", str(o / "t.xlsx"), "--force"],
}


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _setup(tmp_path: Path, command: str, previous: bool, capsys) -> tuple[Path, Path]:
    from appraisal.cli.commands import main

    case = tmp_path / "case.yaml"
    case.write_text(MINIMAL + UNCERTAINTY, encoding="utf-8")
    dest = tmp_path / "dest"
    dest.mkdir()
    if previous:
        assert main(COMMANDS[command](case, dest)) == 0
        capsys.readouterr()
    return case, dest


class _FailingFile(io.RawIOBase):
    """A writable file whose writes fail after *budget* bytes."""

    def __init__(self, real, err: int, budget: int, name: str) -> None:
        self._real, self._err, self._budget, self.name = real, err, budget, name

    def write(self, data) -> int:
        if self._budget < len(data):
            raise OSError(self._err, os.strerror(self._err), self.name)
        self._budget -= len(data)
        return self._real.write(data)

    def __getattr__(self, item):
        return getattr(self._real, item)

    def close(self) -> None:
        self._real.close()
        super().close()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._real.seekable()

    def seek(self, *args):
        return self._real.seek(*args)

    def tell(self):
        return self._real.tell()


def _inject_open(monkeypatch, dest: Path, err: int, budget: int | None) -> None:
    """Files created under *dest* fail: at open (budget None) or after *budget* bytes."""
    real_open = io.open

    def fake(file, mode="r", *args, **kwargs):
        writing = any(m in mode for m in "wax+")
        inside = isinstance(file, str | os.PathLike) and Path(os.fspath(file)).resolve(
        ).is_relative_to(dest.resolve())
        if writing and inside:
            if budget is None:
                raise OSError(err, os.strerror(err), os.fspath(file))
            handle = real_open(file, mode, *args, **kwargs)
            if "b" in mode:
                return _FailingFile(handle, err, budget, os.fspath(file))
            handle.close()
            raise OSError(err, os.strerror(err), os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake)
    monkeypatch.setattr(io, "open", fake)


def _check(refused, case: Path, dest: Path, argv, err: int) -> None:
    before = _digests(dest)
    text = refused(argv, inputs=[case], watch=dest.parent, pattern=re.escape(ERRORS[err]))
    assert _digests(dest) == before  # previous output intact, no temporary file left
    assert text.count("\n") <= 3, text  # one plain message, not a report of internals


@pytest.mark.parametrize("previous", [False, True], ids=["fresh", "over-previous"])
@pytest.mark.parametrize("err", sorted(ERRORS), ids=[errno.errorcode[e] for e in sorted(ERRORS)])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_file_that_cannot_be_created_is_one_plain_message(tmp_path, monkeypatch, capsys,
                                                            refused, command, err, previous):
    case, dest = _setup(tmp_path, command, previous, capsys)
    _inject_open(monkeypatch, dest, err, None)
    _check(refused, case, dest, COMMANDS[command](case, dest), err)


@pytest.mark.parametrize("budget", [0, 2_000, 30_000])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_disk_that_fills_during_the_write_is_one_plain_message(tmp_path, monkeypatch, capsys,
                                                                 refused, command, budget):
    """Binary writes (workbooks, through zipfile) fail part-way: the disk fills."""
    case, dest = _setup(tmp_path, command, True, capsys)
    _inject_open(monkeypatch, dest, errno.ENOSPC, budget)
    before = _digests(dest)
    from appraisal.cli.commands import main

    code = main(COMMANDS[command](case, dest))
    said = capsys.readouterr()
    text = said.out + said.err
    assert "Traceback" not in text
    assert _digests(dest) == before
    assert not [p for p in dest.rglob("*") if p.name.startswith(".")], "temporary file left"
    assert code in (0, 1)  # 0 when nothing binary needed more than the budget
    if code == 1:
        assert ERRORS[errno.ENOSPC] in text


@pytest.mark.parametrize("err", [errno.EACCES, errno.EROFS, errno.EIO, errno.EXDEV])
@pytest.mark.parametrize("command", ["run", "uncertainty"])
def test_a_refused_commit_rename_leaves_the_previous_run(tmp_path, monkeypatch, capsys,
                                                          refused, command, err):
    import appraisal.outputs.atomic as atomic

    case, dest = _setup(tmp_path, command, True, capsys)

    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err), os.fspath(args[0]))

    monkeypatch.setattr(atomic, "_EXCHANGE", fail)
    monkeypatch.setattr(atomic.os, "rename", fail)
    before = _digests(dest)
    text = refused(COMMANDS[command](case, dest), inputs=[case], watch=dest.parent,
                   pattern=rf"could not write outputs to .*{os.strerror(err)}")
    assert _digests(dest) == before
    assert "Traceback" not in text


def _limited(argv: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess:
    def preexec() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "appraisal", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180, preexec_fn=preexec,
                          check=False)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_FSIZE needs POSIX")
@pytest.mark.parametrize("limit", [500, 3_000])
@pytest.mark.parametrize("command", ["run", "uncertainty", "report", "convert"])
def test_a_real_file_size_limit_efbig(tmp_path, capsys, command, limit):
    """The kernel refuses writes past RLIMIT_FSIZE with EFBIG: a real fault, root-proof."""
    case, dest = _setup(tmp_path, command, True, capsys)
    before = _digests(dest)
    done = _limited(COMMANDS[command](case, dest), tmp_path, limit)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert "File too large" in done.stderr, done.stderr
    assert _digests(dest) == before
    assert not [p for p in dest.rglob("*") if p.name.startswith(".")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_efbig_run_leaves_no_folder_when_there_was_none(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(MINIMAL, encoding="utf-8")
    done = _limited(["run", str(case), "--out", str(tmp_path / "out")], tmp_path, 5_000)
    assert done.returncode == 1, done.stderr
    assert "File too large" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]
    shutil.rmtree(tmp_path, ignore_errors=True)
