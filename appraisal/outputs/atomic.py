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
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path

from appraisal.errors import OutputError

__all__ = [
    "atomic_output_dir",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_destination",
    "clean_stale_staging",
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


def _refuse_link_or_missing_folder(path: Path, what: str, link_fix: str, folder_fix: str
                                   ) -> None:
    """Refuse to write ``what`` through a symbolic link or into a folder that does not exist."""
    if path.is_symlink():
        msg = (f"refusing to write {what}: it is a symbolic link (to {os.readlink(path)!r}); "
               f"{link_fix}")
        raise OutputError(msg)
    if not path.parent.is_dir():
        msg = f"cannot write {what}: folder {str(path.parent)!r} does not exist; {folder_fix}"
        raise OutputError(msg)


def _check_destination(path: Path, *, force: bool, protect: Sequence[PathLike]) -> None:
    """Refuse destinations that could damage an input or an unrelated file."""
    for item in protect:
        if _same_file(path, Path(item)):
            msg = (
                f"refusing to write output {str(path)!r}: it is the input file {str(item)!r}; "
                "the toolkit never writes over an input, choose another output name"
            )
            raise OutputError(msg)
    _refuse_link_or_missing_folder(path, f"output {str(path)!r}",
                                   "give the real file's path or another name",
                                   "create it first or choose another folder")
    if path.is_dir():
        msg = f"cannot write output {str(path)!r}: it is a folder; give a file name"
        raise OutputError(msg)
    if path.exists() and not force:
        raise _exists_error(path)


def check_destination(path: PathLike, *, force: bool = False,
                      protect: Sequence[PathLike] = ()) -> None:
    """Refuse a destination before any work is done, as :func:`atomic_write` would.

    Raises
    ------
    OutputError
        If *path* is a protected input (same path or hard link), a symbolic link, a
        folder, in a missing folder, or exists without ``force``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> case = Path(tempfile.mkdtemp()) / "case.yaml"
    >>> _ = case.write_text("title: T")
    >>> check_destination(case, force=True, protect=[case])
    Traceback (most recent call last):
    ...
    appraisal.errors.OutputError: refusing to write output '...case.yaml': it is the input ...
    """
    _check_destination(Path(path), force=force, protect=protect)


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
    return 0o666 & ~_umask()  # the permission bits of a newly created file


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_files(paths: Sequence[Path]) -> None:
    """``fsync`` every file, all at once: a few threads share the list, so the filesystem
    can write the files and commit them to its journal together instead of one commit per
    file (on ext4, a run's nine files took a quarter of the time of one after the other).
    Each file is still flushed by its own ``fsync``; the first error is raised when all
    are done.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> files = [folder / f"{i}.txt" for i in range(3)]
    >>> for f in files:
    ...     _ = f.write_text("x")
    >>> _fsync_files(files)
    >>> _fsync_files([*files, folder / "missing.txt"])
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No such file or directory: '...missing.txt'
    """
    if len(paths) < 2:
        for path in paths:
            _fsync_file(path)
        return
    import threading

    todo, errors = list(reversed(paths)), []

    def work() -> None:
        while True:
            try:
                path = todo.pop()  # (atomic: no two threads get the same file)
            except IndexError:
                return
            try:
                _fsync_file(path)
            except OSError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(len(paths), 8))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; folders cannot be opened on Windows, where this is a no-op."""
    if os.name == "posix":
        _fsync_file(folder)


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


def atomic_write(path: PathLike, writer: Callable[[Path], None], *, force: bool = False,
                 protect: Sequence[PathLike] = ()) -> Path:
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
    # In a staging folder of atomic_output_dir, the commit flushes every file at once.
    durable_now = os.path.abspath(path.parent) not in _STAGING_FOLDERS
    try:
        writer(tmp)
        if durable_now:
            _fsync_file(tmp)
        os.chmod(tmp, existing_mode if existing_mode is not None else _umask_mode())
        _put_in_place(tmp, path, force=force)
        if durable_now:
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


#: Staging and retired folders of :func:`atomic_output_dir`: ``.<target>.appraisal-<random>.tmp``
#: (the new run being written, or the old run after the swap) and ``.old`` (the old run moved
#: aside where the folders cannot be exchanged in one step).
_STAGING_INFIX = ".appraisal-"
#: The staging folders of the :func:`atomic_output_dir` blocks running now (absolute paths):
#: :func:`atomic_write` into one leaves the ``fsync`` to the commit, which flushes every
#: file of the folder (and the folder) before the run is put in place.
_STAGING_FOLDERS: set[str] = set()


def _try_lock(folder: Path) -> int | None:
    """Hold an exclusive advisory lock on *folder*; ``None`` if another process holds it.

    The lock dies with the process, so a folder nobody holds belongs to a run that
    ended (or was killed) and can be cleaned. Without ``fcntl`` (Windows) every
    folder counts as held, so nothing is ever cleaned by mistake.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def clean_stale_staging(target: PathLike) -> list[Path]:
    """Remove staging folders that killed runs left beside *target*; restore a moved-aside run.

    A folder is stale when no running process holds its lock. When *target* is
    missing but a stale ``.old`` folder exists (a run killed between moving the old
    folder aside and moving the new one in, on systems without an atomic exchange),
    the old run is put back first, so the folder is again the previous run, whole.

    Returns
    -------
    list of pathlib.Path
        The folders removed or restored.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> parent = pathlib.Path(tempfile.mkdtemp())
    >>> (parent / ".run.appraisal-abc123.tmp").mkdir()
    >>> [p.name for p in clean_stale_staging(parent / "run")]
    ['.run.appraisal-abc123.tmp']
    >>> list(parent.iterdir())
    []
    """
    target = Path(target)
    pattern = re.compile(
        rf"^\.{re.escape(target.name)}{re.escape(_STAGING_INFIX)}[A-Za-z0-9_]+\.(tmp|old)$")
    try:  # (names first: the folder may hold many other entries)
        with os.scandir(target.parent) as entries:
            found = sorted(target.parent / e.name for e in entries
                           if pattern.match(e.name) and e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    done = []
    for folder in found:
        fd = _try_lock(folder)
        if fd is None:
            continue  # a live run owns it
        try:
            if folder.suffix == ".old" and not os.path.lexists(target):
                os.rename(folder, target)
            else:
                shutil.rmtree(folder, ignore_errors=True)
            done.append(folder)
        except OSError:
            pass
        finally:
            _unlock(fd)
    return done


def _exchange_syscall() -> Callable[[Path, Path], None] | None:
    """``renameat2(RENAME_EXCHANGE)`` (Linux): swap two folders in one atomic step."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2

    def exchange(a: Path, b: Path) -> None:
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange):
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(b))

    return exchange


_EXCHANGE = _exchange_syscall()


def _swap(staging: Path, target: Path) -> Path:
    """Put *staging* at *target* and return where the old folder now is.

    With an atomic exchange (Linux) the two folders trade names in one step. Otherwise
    (or where the filesystem refuses it) the old folder is first renamed aside to a
    locked ``.old`` sibling and the new one renamed in; a kill between the two leaves
    the ``.old`` folder, which :func:`clean_stale_staging` puts back on the next run.
    """
    if _EXCHANGE is not None:
        try:
            _EXCHANGE(staging, target)
            return staging
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
                raise
    aside = staging.with_suffix(".old")
    fd = _try_lock(target)  # keep other runs' cleaners from restoring it under our feet
    try:
        os.rename(target, aside)
        try:
            os.rename(staging, target)
        except BaseException:
            os.rename(aside, target)
            raise
    finally:
        _unlock(fd)
    return aside


def _carry_over(source: Path, staging: Path, *, skip: set[str] = frozenset(),
                prefix: str = "") -> None:
    """Hard-link (or copy) into *staging* every entry of *source* the new run does not write.

    Entries named in *skip* (paths relative to the run folder: an earlier run's files
    that this run does not write) are left behind, so they go with the old folder.
    """
    for entry in sorted(source.iterdir()):
        if prefix + entry.name in skip:
            continue
        dest = staging / entry.name
        if entry.is_dir() and not entry.is_symlink():
            if dest.exists() and not dest.is_dir():
                continue  # the run writes a file where a folder was: the run wins
            dest.mkdir(exist_ok=True)
            shutil.copymode(entry, dest)
            _carry_over(entry, dest, skip=skip, prefix=f"{prefix}{entry.name}/")
        elif not os.path.lexists(dest):
            try:
                os.link(entry, dest, follow_symlinks=False)
            except OSError:
                if entry.is_symlink():
                    os.symlink(os.readlink(entry), dest)
                else:
                    shutil.copy2(entry, dest)


def _earlier_run(target: Path, manifest: str, known: Collection[str]) -> set[str]:
    """The files of the earlier run in *target*: those its manifest lists (none if it is
    unreadable) or, in a folder written before manifests existed, those present whose
    names a run could have written."""
    if not os.path.lexists(target / manifest) and target.is_dir():
        return {p.name for p in target.iterdir()
                if p.name in known and p.is_file() and not p.is_symlink()}
    try:
        data = json.loads((target / manifest).read_text(encoding="utf-8"))
        files = data.get("files", []) if isinstance(data, dict) else []
        return {str(f["name"]) for f in files if isinstance(f, dict) and "name" in f}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _write_manifest(staging: Path, name: str) -> None:
    """List every file of the staged run, with size and SHA-256, in ``staging/name``."""
    files = []
    for item in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = item.relative_to(staging).as_posix()
        if rel == name:
            continue
        data = item.read_bytes()
        files.append({"name": rel, "bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    text = json.dumps({"written_by": "appraisal", "files": files}, indent=2) + "\n"
    (staging / name).write_text(text, encoding="utf-8")


@contextlib.contextmanager
def atomic_output_dir(
    target: PathLike, *, force: bool = False, protect: Sequence[PathLike] = (),
    manifest: str | None = None, known: Collection[str] = (),
) -> Iterator[Path]:
    """Build several output files in a staging folder, then commit them in one step.

    Write every file into the yielded staging folder (a hidden sibling of
    *target*, so renames never cross a filesystem). On a clean exit the run is
    committed; if the block raises (or the process is interrupted), the staging
    folder is deleted and *target* is untouched.

    All or nothing, in one step: when *target* does not exist yet, the staging
    folder is renamed to it. When it exists, every name is checked first (nothing
    changes if a file exists without ``force`` or is a protected input), the
    files of *target* that the run does not write are hard-linked into the
    staging folder, and the two folders are exchanged in one atomic rename; the
    old folder is kept until the exchange succeeded, then deleted. At every
    instant *target* is either the previous run or the new one, whole.

    Staging folders left by killed runs (no live process holds their lock) are
    removed when the next run starts.

    Parameters
    ----------
    target : str or os.PathLike
        Output folder; its parent must exist. A symbolic link is refused.
    force : bool, default False
        Replace files that already exist in *target*.
    protect : sequence of paths, default ()
        Input files that must never be replaced.
    manifest : str, optional
        Name of a manifest file (JSON: every file the run wrote, with size and SHA-256)
        written into the folder with the run. When *target* holds a manifest of that
        name from an earlier run, the files it lists that this run does not write are
        removed with the commit (``--force`` replaces the whole run: nothing stale is
        left beside the new results); files it does not list (the user's own) are kept.
    known : collection of str, default ()
        For a folder written before manifests existed (no manifest of that name): the
        names of the files an earlier run could have written. With ``force``, those of
        them this run does not write are removed with the commit, as if a manifest had
        listed them; any other file is the user's and is kept.

    Raises
    ------
    OutputError
        If a file exists without ``force``, is a protected input, *target* is a
        symbolic link or a file, or the parent folder is missing.

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
    _refuse_link_or_missing_folder(target, f"outputs to {str(target)!r}",
                                   "give the real folder's path, so the outputs go where you "
                                   "can see them", "create it first")
    clean_stale_staging(target)
    if target.exists() and not target.is_dir():
        msg = f"cannot write outputs to {str(target)!r}: it is a file, not a folder"
        raise OutputError(msg)
    try:
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}"
                                        f"{_STAGING_INFIX}", suffix=".tmp"))
    except OSError as exc:
        msg = f"could not write outputs to {str(target)!r}: {exc.strerror or exc}"
        raise OutputError(msg) from exc
    lock = _try_lock(staging)
    _STAGING_FOLDERS.add(os.path.abspath(staging))
    try:
        stale: set[str] = set()
        try:
            yield staging
            if manifest is not None:
                _write_manifest(staging, manifest)
                new = {p.relative_to(staging).as_posix() for p in staging.rglob("*")}
                stale = _earlier_run(target, manifest, known) - new if force else set()
        except OSError as exc:  # disk full, file too large, read-only, permission denied
            raise _write_failed(target, exc) from exc
        retired = _commit_dir(staging, target, force=force, protect=protect, stale=stale)
    finally:
        _STAGING_FOLDERS.discard(os.path.abspath(staging))
        _unlock(lock)
        shutil.rmtree(staging, ignore_errors=True)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _write_failed(target: Path, exc: OSError) -> OutputError:
    """One plain message for a failed write: what failed, on which file, and that nothing
    changed (the staging folder is removed; the output folder is as it was)."""
    name = f" ({Path(exc.filename).name})" if getattr(exc, "filename", None) else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"could not write outputs to {str(target)!r}: {reason}{name}; nothing "
                       "was changed (any earlier outputs there are as they were)")


def _commit_dir(staging: Path, target: Path, *, force: bool,
                protect: Sequence[PathLike], stale: set[str] = frozenset()) -> Path | None:
    """Commit the staged run to *target*; returns the old folder's new place, if any."""
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    try:
        # Durable before the run is put in place: every file (content and mode, flushed
        # together) and the staging folder's entries.
        if not target.exists():
            staging.chmod(0o777 & ~_umask())  # mkdtemp made it owner-only
            mode = _umask_mode()
            for item in files:
                item.chmod(mode)
            _fsync_files(files)
            _fsync_dir(staging)
            os.rename(staging, target)
            _fsync_dir(target.parent)
            return None
        moves = [(item, target / item.relative_to(staging)) for item in files]
        for _, dest in moves:
            if dest.parent.exists():  # (a sub-folder may still have to be created)
                _check_destination(dest, force=force, protect=protect)
        for item, dest in moves:
            item.chmod(dest.stat().st_mode & 0o7777 if dest.is_file() else _umask_mode())
        _fsync_files(files)
        _carry_over(target, staging, skip=stale)
        shutil.copymode(target, staging)
        _fsync_dir(staging)
        retired = _swap(staging, target)
        _fsync_dir(target.parent)
        return retired
    except OutputError:
        raise
    except OSError as exc:
        raise _write_failed(target, exc) from exc
