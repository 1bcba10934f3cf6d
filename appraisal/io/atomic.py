"""Atomic, input-preserving writes: a temporary file in the target folder, then a rename.

Every output the toolkit writes (workbooks, HTML reports, JSON and CSV sidecars)
goes through :func:`atomic_write`, which follows the safe write protocol:

1. refuse a destination that is a symlink, a folder, or the same file as any
   protected input (same resolved path, or same device and inode: hard links);
2. refuse to replace an existing file unless ``force=True``;
3. write to ``tempfile.mkstemp(dir=<target folder>)``, so the final rename never
   crosses a filesystem, then ``fsync`` the temporary file;
4. give it the permission bits of the file it replaces (or the umask default),
   because ``mkstemp`` creates files readable by the owner only;
5. ``os.replace`` it over the destination (atomic on POSIX) and ``fsync`` the
   folder, so a crash leaves either the old complete file or the new one;
6. on any exception, including ``KeyboardInterrupt``, remove the temporary file
   and leave the destination untouched.

Without ``force`` the new file is put in place with ``os.link``, which fails if
the name exists, so a file created by someone else between the check and the
rename is never replaced either.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from appraisal.errors import OutputError

__all__ = [
    "atomic_output_dir",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
]

PathLike = str | os.PathLike[str]


def _same_file(a: Path, b: Path) -> bool:
    """True when *a* and *b* name the same file (resolved path, or same inode)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: they cannot be the same file
        return False


def _check_destination(path: Path, *, force: bool, protect: Sequence[PathLike]) -> None:
    """Refuse destinations that could damage an input or an unrelated file."""
    for item in protect:
        if _same_file(path, Path(item)):
            msg = (
                f"refusing to write output {str(path)!r}: it is the input file {str(item)!r}; "
                "the toolkit never writes over an input, choose another output name"
            )
            raise OutputError(msg)
    if path.is_symlink():
        msg = (
            f"refusing to write output {str(path)!r}: it is a symbolic link; "
            "give the real file's path or another name"
        )
        raise OutputError(msg)
    if not path.parent.is_dir():
        msg = (
            f"cannot write output {str(path)!r}: folder {str(path.parent)!r} does not exist; "
            "create it first or choose another folder"
        )
        raise OutputError(msg)
    if path.is_dir():
        msg = f"cannot write output {str(path)!r}: it is a folder; give a file name"
        raise OutputError(msg)
    if path.exists() and not force:
        raise _exists_error(path)


def _exists_error(path: Path) -> OutputError:
    msg = (
        f"output {str(path)!r} already exists and was not replaced; "
        "pass force=True (--force on the command line) to replace it, or choose another name"
    )
    return OutputError(msg)


def _umask() -> int:
    """The process umask (newly created files get ``0o666 & ~umask``)."""
    try:  # Linux publishes the umask without changing it (no race with other threads)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _umask_mode() -> int:
    """Permission bits a newly created file would get under the current umask."""
    return 0o666 & ~_umask()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; folders cannot be opened on Windows, where this is a no-op."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _put_in_place(tmp: Path, path: Path, *, force: bool) -> None:
    """Move *tmp* to *path*: replace when forced, otherwise link-then-unlink (no clobber)."""
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError:  # filesystem without hard links: checked above, fall back to rename
        if path.exists():
            raise _exists_error(path) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def atomic_write(
    path: PathLike,
    writer: Callable[[Path], None],
    *,
    force: bool = False,
    protect: Sequence[PathLike] = (),
) -> Path:
    """Write a file atomically: ``writer`` fills a temporary file that is then renamed.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Its folder must exist.
    writer : callable
        Called once with the temporary file's path (in the destination folder);
        it must write the complete content there, e.g. ``workbook.save``.
    force : bool, default False
        Replace *path* if it exists. Without it an existing file is never touched.
    protect : sequence of paths, default ()
        Input files that must never be written over; the destination is refused
        if it is any of them (same resolved path or a hard link to it).

    Returns
    -------
    pathlib.Path
        The destination path.

    Raises
    ------
    OutputError
        If the destination is a protected input, a symlink, a folder, in a
        missing folder, exists without ``force``, or the write itself failed
        (disk full, permission denied); the message names the path.
        Exceptions raised by *writer* that are not ``OSError`` propagate
        unchanged. In every case the temporary file is removed and the
        destination is as it was.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> out = atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("hello"))
    >>> out.read_text()
    'hello'
    >>> atomic_write(out, lambda tmp: tmp.write_text("again"))
    Traceback (most recent call last):
    ...
    appraisal.errors.OutputError: output '...a.txt' already exists and was not replaced; ...
    >>> _ = atomic_write(out, lambda tmp: tmp.write_text("again"), force=True)
    >>> out.read_text(), sorted(p.name for p in folder.iterdir())
    ('again', ['a.txt'])
    """
    path = Path(path)
    _check_destination(path, force=force, protect=protect)
    existing_mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp)
        _fsync_file(tmp)
        os.chmod(tmp, existing_mode if existing_mode is not None else _umask_mode())
        _put_in_place(tmp, path, force=force)
        _fsync_dir(path.parent)
    except OutputError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        msg = f"could not write output {str(path)!r}: {exc.strerror or exc}; nothing was changed"
        raise OutputError(msg) from exc
    except BaseException:  # KeyboardInterrupt and writer errors: clean up, then propagate
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(
    path: PathLike, data: bytes, *, force: bool = False, protect: Sequence[PathLike] = ()
) -> Path:
    """Write *data* to *path* atomically (see :func:`atomic_write` for the rules).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = atomic_write_bytes(Path(tempfile.mkdtemp()) / "b.bin", b"\\x00\\x01")
    >>> out.read_bytes()
    b'\\x00\\x01'
    """
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), force=force, protect=protect)


def atomic_write_text(
    path: PathLike,
    text: str,
    *,
    encoding: str = "utf-8",
    force: bool = False,
    protect: Sequence[PathLike] = (),
) -> Path:
    """Write *text* to *path* atomically, exactly as given (no newline translation).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = atomic_write_text(Path(tempfile.mkdtemp()) / "r.csv", "a,b\\r\\n1,2\\r\\n")
    >>> out.read_bytes()
    b'a,b\\r\\n1,2\\r\\n'
    """

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as handle:
            handle.write(text)

    return atomic_write(path, write, force=force, protect=protect)


@contextlib.contextmanager
def atomic_output_dir(
    target: PathLike, *, force: bool = False, protect: Sequence[PathLike] = ()
) -> Iterator[Path]:
    """Build several output files in a staging folder, then move them all into *target*.

    Write every file into the yielded staging folder (a hidden sibling of
    *target*, so moves never cross a filesystem). On a clean exit the files are
    moved into *target*; if the block raises, the staging folder is deleted and
    *target* is untouched.

    All or nothing: when *target* does not exist yet, the whole staging folder
    is renamed to it in one atomic step. When it exists, every name is checked
    first (nothing moves if any file exists without ``force`` or is a protected
    input), then each file is renamed atomically; only an operating-system
    failure between two renames can leave a partial set.

    Parameters
    ----------
    target : str or os.PathLike
        Output folder; its parent must exist.
    force : bool, default False
        Replace files that already exist in *target*.
    protect : sequence of paths, default ()
        Input files that must never be replaced.

    Raises
    ------
    OutputError
        If a file exists without ``force``, is a protected input, or the
        parent folder is missing.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "run1"
    >>> with atomic_output_dir(out) as staging:
    ...     _ = (staging / "results.json").write_text("{}")
    ...     _ = (staging / "report.html").write_text("<html></html>")
    >>> sorted(p.name for p in out.iterdir())
    ['report.html', 'results.json']
    """
    target = Path(target)
    if not target.parent.is_dir():
        msg = (
            f"cannot write outputs to {str(target)!r}: folder {str(target.parent)!r} does not "
            "exist; create it first"
        )
        raise OutputError(msg)
    if target.exists() and not target.is_dir():
        msg = f"cannot write outputs to {str(target)!r}: it is a file, not a folder"
        raise OutputError(msg)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield staging
        _commit_dir(staging, target, force=force, protect=protect)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit_dir(staging: Path, target: Path, *, force: bool, protect: Sequence[PathLike]) -> None:
    """Move the staged files into *target* (see :func:`atomic_output_dir`)."""
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    try:
        for item in files:
            _fsync_file(item)
        if not target.exists():
            staging.chmod(0o777 & ~_umask())  # mkdtemp made it owner-only
            for item in files:
                item.chmod(_umask_mode())
            os.rename(staging, target)
            _fsync_dir(target.parent)
            return
        moves = [(item, target / item.relative_to(staging)) for item in files]
        for _, dest in moves:
            _check_destination_in_dir(dest, force=force, protect=protect)
        for item, dest in moves:
            dest.parent.mkdir(parents=True, exist_ok=True)
            item.chmod(dest.stat().st_mode & 0o7777 if dest.exists() else _umask_mode())
            os.replace(item, dest)
        _fsync_dir(target)
    except OutputError:
        raise
    except OSError as exc:
        msg = f"could not write outputs to {str(target)!r}: {exc.strerror or exc}"
        raise OutputError(msg) from exc


def _check_destination_in_dir(dest: Path, *, force: bool, protect: Sequence[PathLike]) -> None:
    """Like :func:`_check_destination`, but sub-folders may still have to be created."""
    if not dest.parent.exists():
        return
    _check_destination(dest, force=force, protect=protect)
