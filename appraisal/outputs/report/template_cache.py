"""Compiled report templates kept between runs: jinja2's bytecode cache in a user cache folder.

Compiling the report's templates (jinja2 source to Python code) takes about a third of
a second, on every run. jinja2's :class:`~jinja2.FileSystemBytecodeCache` keeps the
compiled code of each template in a file and reuses it while the template is unchanged,
so only the first run after an install or a template change pays for it. The rendered
page is the same either way: the cached code is the code the compiler produced.

A cache entry is reused only when all of these match (otherwise the template is compiled
again and the entry replaced):

- the template's name and file (the key);
- its source text, the jinja2 version, and every environment setting the compiler reads:
  the environment class, autoescape, delimiters, whitespace options, extensions, and
  the name and calling convention of every filter and test (the checksum,
  :func:`environment_fingerprint`);
- the Python version (jinja2's own header of every entry).

The folder is ``$APPRAISAL_CACHE_DIR`` if set (an empty value turns the cache off), else
the user's cache folder (``$XDG_CACHE_HOME/appraisal`` or ``~/.cache/appraisal``;
``%LOCALAPPDATA%\\appraisal\\Cache`` on Windows, ``~/Library/Caches/appraisal`` on macOS),
then ``jinja2`` under it. Like Python's own ``__pycache__``, the entries are code run
as the user, so the folder is created readable by the user only and not used if
another user owns it or others may write to it. A folder that cannot be created, an
entry that cannot be read or written: the template is compiled as if there were no
cache, and the run goes on.

jinja2 is imported with this module, which is imported only when a report is rendered.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

__all__ = ["TemplateBytecodeCache", "cache_dir", "environment_fingerprint", "template_cache"]

#: The environment variable naming the cache folder (empty: no cache).
CACHE_ENV = "APPRAISAL_CACHE_DIR"


def cache_dir() -> Path | None:
    """The folder of the compiled templates, or None when ``APPRAISAL_CACHE_DIR`` is empty.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"APPRAISAL_CACHE_DIR": "my-cache"}):
    ...     cache_dir().as_posix()
    'my-cache/jinja2'
    >>> with mock.patch.dict(os.environ, {"APPRAISAL_CACHE_DIR": ""}):
    ...     print(cache_dir())
    None
    """
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen).expanduser() / "jinja2" if chosen else None
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        root = base / "appraisal" / "Cache"
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches" / "appraisal"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "appraisal"
    return root / "jinja2"


def _callable_name(value: object) -> str:
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"


def environment_fingerprint(env: jinja2.Environment) -> str:
    """A digest of the jinja2 version and every environment setting the compiler reads.

    Two environments with the same fingerprint compile the same source to the same code.

    Examples
    --------
    >>> a, b = jinja2.Environment(), jinja2.Environment(autoescape=True)
    >>> environment_fingerprint(a) == environment_fingerprint(jinja2.Environment())
    True
    >>> environment_fingerprint(a) == environment_fingerprint(b)
    False
    """
    autoescape = env.autoescape if isinstance(env.autoescape, bool) else _callable_name(
        env.autoescape)
    parts = [
        jinja2.__version__, _callable_name(type(env)), _callable_name(env.code_generator_class),
        autoescape, env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
        env.newline_sequence, env.keep_trailing_newline, env.optimized, env.is_async,
        sorted(env.extensions),
        # The compiler looks filters and tests up by name for their calling convention
        # (pass_context, pass_eval_context, pass_environment).
        sorted((name, str(getattr(f, "jinja_pass_arg", None))) for name, f in env.filters.items()),
        sorted((name, str(getattr(f, "jinja_pass_arg", None))) for name, f in env.tests.items()),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class TemplateBytecodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's file-system bytecode cache, keyed also by the environment's fingerprint,
    and never failing a render: a cache that cannot be read or written is skipped.

    Parameters
    ----------
    directory : str or Path
        An existing folder.
    fingerprint : str
        :func:`environment_fingerprint` of the environment the cache serves.

    Examples
    --------
    >>> import tempfile
    >>> env = jinja2.Environment(loader=jinja2.DictLoader({"t": "{{ 1 + 1 }}"}))
    >>> env.bytecode_cache = TemplateBytecodeCache(tempfile.mkdtemp(),
    ...                                            environment_fingerprint(env))
    >>> env.get_template("t").render()
    '2'
    >>> len(os.listdir(env.bytecode_cache.directory))
    1
    """

    def __init__(self, directory: str | os.PathLike[str], fingerprint: str) -> None:
        super().__init__(os.fspath(directory), "appraisal-%s.cache")
        self.fingerprint = fingerprint

    def get_source_checksum(self, source: str) -> str:
        """SHA-1 of the fingerprint and the template source (jinja2 uses SHA-1 of the source)."""
        return hashlib.sha1(f"{self.fingerprint}\0{source}".encode(), usedforsecurity=False
                            ).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        """Load the entry; an unreadable or damaged one counts as missing."""
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Write the entry (atomically, by jinja2); a folder that cannot be written is skipped."""
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _private_folder(folder: Path) -> bool:
    """Create *folder* (user only) if missing; True if it is usable as a cache."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid"):  # POSIX: ours, and nobody else may write to it
        return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return True


def template_cache(env: jinja2.Environment) -> TemplateBytecodeCache | None:
    """The bytecode cache for *env* (built, filters registered), or None if there is none.

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"APPRAISAL_CACHE_DIR": tempfile.mkdtemp()}):
    ...     template_cache(jinja2.Environment()) is not None
    True
    >>> with mock.patch.dict(os.environ, {"APPRAISAL_CACHE_DIR": ""}):
    ...     print(template_cache(jinja2.Environment()))
    None
    """
    try:
        folder = cache_dir()
    except (RuntimeError, KeyError):  # no home folder to put it in (Path.home() failed)
        return None
    if folder is None or not _private_folder(folder):
        return None
    return TemplateBytecodeCache(folder, environment_fingerprint(env))
