"""The properties every hostile probe asserts, in one fixture.

A probe is refused when: the command exits with the expected code (1 for bad input or a
refused output), the message names the expected rule at a location the user wrote
(``file:line:column``, ``Sheet!Cell`` or the ``--flag``), nothing is printed as a
traceback, no output (or staging folder) is written, and every input keeps its bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _digest(paths: Sequence[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def refused(capsys, tmp_path) -> Callable[..., str]:
    """Run ``appraisal ARGS`` in-process and assert it was refused cleanly.

    Returns the printed text, for further checks.
    """
    from appraisal.cli.commands import main

    def check(args: Sequence[str], *, inputs: Sequence[Path], pattern: str,
              code: int = 1, watch: Path | None = None) -> str:
        watch = watch or tmp_path
        before_bytes = _digest(inputs)
        before = _listing(watch)
        capsys.readouterr()
        assert main(list(args)) == code
        said = capsys.readouterr()
        text = said.out + said.err
        assert "Traceback" not in text, text
        assert re.search(pattern, text), f"{pattern!r} not in:\n{text}"
        assert _listing(watch) == before, "something was written"
        assert _digest(inputs) == before_bytes, "an input changed"
        return text

    return check
