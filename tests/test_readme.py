"""The README's YAML cases run as written, its Quickstart has exactly two commands, and its
images are in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import appraisal

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
CASES = [block for block in re.findall(r"```yaml\n(.*?)```", TEXT, re.S)
         if block.startswith("schema_version")]


def test_the_readme_shows_cases():
    assert len(CASES) >= 2


@pytest.mark.parametrize("block", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_every_yaml_case_in_the_readme_runs(block, tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(block, encoding="utf-8")
    result = appraisal.evaluate(appraisal.load_case(path), lenses="all")
    assert result.preferred_option in {o.name for o in result.case.options}
    if "uncertainty:" in block:
        mc = result.lenses["uncertainty"].to_dict()["monte_carlo"]
        assert mc["n_draws"] > 0


def test_quickstart_has_exactly_make_demo_and_make_test():
    quickstart = TEXT.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)\b", quickstart, re.M)
    assert commands == ["make demo", "make test"]


def test_every_image_the_readme_shows_is_in_the_repository():
    images = re.findall(r"!\[[^\]]+\]\(([^)\s]+)\)", README.read_text(encoding="utf-8"))
    assert "docs/template.png" in images  # the finance officers' section shows the template
    for image in images:
        assert (README.parent / image).is_file(), image
