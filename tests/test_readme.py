"""The YAML cases of the README and docs/*.md run as written, the README's Quickstart has
exactly two commands, and the images and files it links to are in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import appraisal

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
DOCS = sorted((README.parent / "docs").glob("*.md"))


def _cases(text: str) -> list[str]:
    return [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S)
            if block.startswith("schema_version")]


CASES = _cases(TEXT) + [block for doc in DOCS for block in _cases(doc.read_text(encoding="utf-8"))]


def test_the_readme_shows_cases():
    assert len(_cases(TEXT)) >= 2


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


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_every_file_a_page_links_to_is_in_the_repository(page):
    """Relative links of README.md and docs/*.md (``[text](path#anchor)``) name files that
    exist; the README links to the docs pages it moved its detail to."""
    text = page.read_text(encoding="utf-8")
    links = [link.split("#", 1)[0] for link in re.findall(r"\]\(([^)\s]+)\)", text)
             if not link.startswith(("#", "http://", "https://", "mailto:"))]
    if page == README:
        assert {"docs/case-reference.md", "docs/performance.md",
                "docs/architecture.md"} <= set(links)
    for link in links:
        assert (page.parent / link).resolve().is_file(), f"{page.name} links to missing {link}"
