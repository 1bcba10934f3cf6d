"""The report's first screen, in a real browser: the recommendation and the at-a-glance
block are visible without scrolling on a laptop (1280 x 900) and a phone (390 x 844).

Uses the prevention example (the demo case: a Monte Carlo run, named scenarios, the
illustrative unit-value pack and unconfirmed parameters), so every part of the block is
there. Screenshots of the first screen are saved in ``test-artifacts/``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.outputs.report import render_report
from appraisal.outputs.report.context import report_context

_path = Path(__file__).with_name("browser.py")
_spec = importlib.util.spec_from_file_location("report_browser", _path)
browser = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = browser
_spec.loader.exec_module(browser)
chromium = browser.chromium  # the fixture: skip, or fail under CI, without Chromium

pytestmark = pytest.mark.browser

SELECTORS = [".glance", ".glance__recommendation", ".glance__figures", ".banner",
             ".glance__facts", "#about-heading", "#contents-title"]


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory) -> Path:
    ctx = report_context(evaluate(load_case(example_path("prevention")), lenses="all"))
    page = tmp_path_factory.mktemp("first-screen") / "report.html"
    page.write_text(render_report(ctx), encoding="utf-8")
    return page


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_at_a_glance_block_is_on_the_first_screen(chromium, demo_page, width, height):
    boxes = browser.element_boxes(
        demo_page, SELECTORS, width=width, height=height, chromium=chromium,
        screenshot_path=browser.ARTIFACTS / f"report-first-screen-{width}x{height}.png")
    for sel in SELECTORS:
        assert boxes[sel] is not None, f"{sel} is missing from the page"
    top, bottom = boxes[".glance"]
    assert bottom <= height, f"the at-a-glance block ends at {bottom:.0f}px, below {height}px"
    for part in (".glance__recommendation", ".glance__figures", ".banner", ".glance__facts"):
        assert top <= boxes[part][0], f"{part} starts above the block"
        assert boxes[part][1] <= bottom, f"{part} ends below the block"
    # the metadata (money, discounting, seed) and the contents come after the block
    assert boxes["#contents-title"][0] >= bottom
    assert boxes["#about-heading"][0] > boxes["#contents-title"][0]
