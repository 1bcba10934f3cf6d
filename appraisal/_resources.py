"""Locate the bundled ``data/`` and ``templates/`` folders; read installed versions.

In a wheel they are installed inside the package as ``appraisal/_data`` and
``appraisal/_templates``; in a source checkout (editable install) they are the
top-level ``data/`` and ``templates/`` folders beside the package.

:func:`installed_version` is :func:`importlib.metadata.version` without importing
:mod:`importlib.metadata` (and :mod:`email` with it) when the metadata is a plain file on
``sys.path``, for the command line's start-up.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from pathlib import Path

__all__ = ["data_dir", "installed_version", "templates_dir"]


def _find(packaged: str, source: str) -> Path:
    # the package's folder, as importlib.resources.files("appraisal") gives it for a
    # package imported from a folder (importing importlib.resources takes a few ms)
    package_root = Path(__file__).parent
    for candidate in (package_root / packaged, package_root.parent / source):
        if candidate.is_dir():
            return candidate
    msg = (
        f"cannot find the bundled '{source}' folder (looked in {package_root / packaged} and "
        f"{package_root.parent / source}); reinstall the package"
    )
    raise FileNotFoundError(msg)


@cache
def data_dir() -> Path:
    """The folder holding the shipped parameter packs and example cases.

    Examples
    --------
    >>> (data_dir() / "green_book" / "discount_schedules.csv").is_file()
    True
    """
    return _find("_data", "data")


@cache
def templates_dir() -> Path:
    """The folder holding the bundled report templates."""
    return _find("_templates", "templates")


#: A header line of a metadata file (``Name: value``), as :mod:`email`'s parser reads one.
_HEADER = re.compile(r"[\041-\071\073-\176]+:")


def _metadata_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _plain_version(info: str) -> str | None:
    """The ``Version`` header of ``info/METADATA`` when the file is plain (the first
    ``Version`` line of an ordinary header block, on one line); None otherwise."""
    try:
        with open(os.path.join(info, "METADATA"), encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, ValueError):
        return None
    header = text.split("\n\n", 1)[0]
    if "\r" in header or not header:
        return None
    lines = header.split("\n")
    for at, line in enumerate(lines):
        if line[:1] in (" ", "\t"):
            continue  # a folded header's continuation
        if not _HEADER.match(line):
            return None
        key, _, value = line.partition(":")
        if key.lower() == "version":
            value = value.lstrip(" \t")
            folded = at + 1 < len(lines) and lines[at + 1][:1] in (" ", "\t")
            return value if value and value == value.strip() and not folded else None
    return None


@cache
def installed_version(name: str) -> str | None:
    """The version of the installed distribution *name*, or None if it is not installed.

    The same as :func:`importlib.metadata.version` (None for its ``PackageNotFoundError``):
    the first ``*.dist-info`` or ``*.egg-info`` folder of that normalised name, in the
    order of ``sys.path`` and of each folder's listing, and the ``Version`` header of its
    ``METADATA``. Read here directly, because importing :mod:`importlib.metadata` (and
    :mod:`email`, which it uses to parse the file) takes 20–30 ms, a noticeable part of a
    command's start-up; anything out of the ordinary (a zip or egg on ``sys.path``, a
    distribution finder other than Python's own, metadata that is not one plain
    ``Version:`` line) is left to :mod:`importlib.metadata`.

    Examples
    --------
    >>> from importlib import metadata
    >>> installed_version("PyYAML") == metadata.version("pyyaml")
    True
    >>> print(installed_version("surely-not-an-installed-distribution"))
    None
    """
    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]
    if len(finders) != 1 or getattr(finders[0], "__name__", "") != "PathFinder":
        return _metadata_version(name)
    wanted = re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")
    for root in sys.path:
        try:
            children = os.listdir(root or ".")
        except OSError:
            if os.path.isfile(root):  # a zip archive on the path
                return _metadata_version(name)
            continue
        if os.path.basename(root).lower().endswith(".egg"):
            return _metadata_version(name)
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            found = re.sub(r"[-_.]+", "-", low.rpartition(".")[0].partition("-")[0])
            if found.replace("-", "_") == wanted:
                return _plain_version(os.path.join(root, child)) or _metadata_version(name)
    return None
