"""The report in a real browser: headless Chromium, offline, JavaScript off.

Screenshots and the printed PDF are saved in ``test-artifacts/`` (git-ignored) for
people to look at. Needs Chromium: skipped with a message when it is missing, and
failed under CI (``CI=true``).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from appraisal.outputs.report import REPORT_SECTIONS, render_report

_path = Path(__file__).with_name("browser.py")
_spec = importlib.util.spec_from_file_location("report_browser", _path)
browser = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = browser
_spec.loader.exec_module(browser)
chromium = browser.chromium  # the fixture: skip, or fail under CI, without Chromium

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"
CORE = ("schema_version", "meta", "options", "headline", "labels", "summary", "cba", "parameters",
        "audit")
PAYLOADS = ("<script>alert(1)</script>", '" onmouseover="x')
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_page(example, tmp_path_factory) -> Path:
    page = tmp_path_factory.mktemp("report") / "report.html"
    page.write_text(render_report(example), encoding="utf-8")
    return page


def _h2(result) -> list[str]:
    return [text for level, text in result.headings if level == 2 and text != "Contents"]


def test_example_report_renders_offline_without_errors(chromium, example_page):
    shot = browser.ARTIFACTS / "report-example.png"
    result = browser.render_in_browser(example_page, shot, chromium=chromium)
    assert result.console_errors == []
    assert result.network_requests == [example_page.resolve().as_uri()]
    assert _h2(result) == [s.heading for s in REPORT_SECTIONS]
    assert result.dialogs == []
    assert "£54.9m" in result.dom_text  # the preferred option's NPSV, as the reader sees it
    data = shot.read_bytes()
    assert data.startswith(PNG)
    assert len(data) > 50_000
    height = int.from_bytes(data[20:24], "big")  # PNG IHDR: the full page, not one screen
    assert height > 5_000


def test_minimal_report_shows_only_core_sections(chromium, example, tmp_path):
    page = tmp_path / "minimal.html"
    page.write_text(render_report({k: example[k] for k in CORE}), encoding="utf-8")
    result = browser.render_in_browser(page, browser.ARTIFACTS / "report-minimal.png",
                                       chromium=chromium)
    assert result.console_errors == []
    assert _h2(result) == [s.heading for s in REPORT_SECTIONS if s.key in CORE]
    assert "Distributional" not in result.dom_text


def test_hostile_names_appear_as_text_even_with_javascript_on(chromium, example, tmp_path):
    ctx = copy.deepcopy(example)
    ctx["options"][2]["name"] = PAYLOADS[0]
    ctx["cba"]["pv_lines"][0]["category"] = PAYLOADS[1]
    ctx["mca"]["criteria"][0]["name"] = PAYLOADS[1]
    ctx["assumptions"][0]["assumption"] = PAYLOADS[0]
    page = tmp_path / "payload.html"
    page.write_text(render_report(ctx), encoding="utf-8")
    result = browser.render_in_browser(page, browser.ARTIFACTS / "report-payload.png",
                                       chromium=chromium, javascript=True)
    assert result.dialogs == []
    assert result.console_errors == []  # an injected script would also trip the CSP
    assert PAYLOADS[0] in result.dom_text
    assert PAYLOADS[1] in result.dom_text
    tags, attributes = _elements(result.dom_html)
    assert "script" not in tags
    assert "img" not in tags
    assert not [a for a in attributes if a.startswith("on")]


def _elements(html: str) -> tuple[set[str], set[str]]:
    """Element and attribute names in the DOM the browser built."""
    found: tuple[set[str], set[str]] = (set(), set())

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found[0].add(tag)
            found[1].update(k for k, _ in attrs)

    Collect().feed(html)
    return found


def test_report_prints_on_a4_with_a_page_per_section(chromium, example_page):
    pdf = browser.print_to_pdf(example_page, browser.ARTIFACTS / "report-example.pdf",
                               chromium=chromium)
    data = pdf.read_bytes()
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert boxes == {(0, 0, 595, 842)}  # A4 is 595 x 842 points
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= len(REPORT_SECTIONS) + 1  # title page, then each section on a new page


def test_harness_sees_policy_violations_and_requests(chromium, tmp_path):
    """The checks above would catch a leak: a bad style hash and a remote image are reported."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'sha256-AAAA'\"><title>t</title>"
        "<style>body{color:red}</style></head><body><h1>Leaky</h1>"
        '<img src="http://127.0.0.1:9/x.png" alt=""></body></html>', encoding="utf-8")
    result = browser.render_in_browser(page, tmp_path / "leaky.png", chromium=chromium,
                                       settle=0.2)
    assert any("Content Security Policy" in e for e in result.console_errors)
    assert result.headings == [(1, "Leaky")]
    blocked = [e for e in result.console_errors if "127.0.0.1:9" in e]
    assert blocked or "http://127.0.0.1:9/x.png" in result.network_requests
