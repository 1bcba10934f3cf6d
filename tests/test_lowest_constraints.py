"""The lowest-versions constraints file pins exactly the lower bounds pyproject.toml declares.

`make test-lowest` (run by .ci/run) installs the package with ``constraints/lowest.txt``; the
check is only worth something while every direct dependency is pinned there, at its bound.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _declared_lower_bounds() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    bounds = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        assert match, f"{requirement!r} is not 'name>=version': give it a lower bound to test"
        bounds[_name(match[1])] = match[2]
    return bounds


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line!r} in constraints/lowest.txt is not 'name==version'"
            pins[_name(name)] = version.strip()
    return pins


def test_every_direct_dependency_is_pinned_at_its_declared_lower_bound():
    bounds, pins = _declared_lower_bounds(), _pins()
    assert sorted(pins) == sorted(bounds)
    mismatched = {name: (bounds[name], pins[name]) for name in bounds
                  if _version(bounds[name]) != _version(pins[name])}
    assert mismatched == {}, "pyproject bound vs constraints pin"


def test_the_makefile_installs_with_the_constraints_file():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-c constraints/lowest\.txt .*-e '\.\[test\]'", makefile)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test-lowest\b", ci, re.M)
