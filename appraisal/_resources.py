"""Locate the bundled ``data/`` and ``templates/`` folders.

In a wheel they are installed inside the package as ``appraisal/_data`` and
``appraisal/_templates``; in a source checkout (editable install) they are the
top-level ``data/`` and ``templates/`` folders beside the package.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["data_dir", "templates_dir"]


def _find(packaged: str, source: str) -> Path:
    package_root = Path(str(resources.files("appraisal")))
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
