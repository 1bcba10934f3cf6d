"""Accessibility rules checked on the report as Chromium renders it (issue 16).

axe-core is not available offline (no network at test time, and it is not vendored),
so the rules the report must keep are checked directly over the rendered DOM, through
the DevTools protocol (``Runtime.evaluate``; the page itself runs no script):

- headings: one ``<h1>``, first; no level skipped on the way down (WCAG 1.3.1, 2.4.6);
- every table named by a non-empty ``<caption>``, ``aria-label`` or ``aria-labelledby``;
- every image and chart has a text alternative: ``<img alt>``, and each ``<svg>`` is
  either hidden from assistive technology or has ``role="img"`` with a label that
  resolves to text (WCAG 1.1.1);
- the stylesheet's text palette (``--text``, ``--secondary``, ``--link``, ``--brand``) is
  at least 4.5:1 on white and on ``--light``. The chart palette (Okabe-Ito) colours
  bars and lines, never text, so it is held to the text rule only where it is text:
  every chart label is checked below with the rest of the page;
- text contrast: every visible piece of text, HTML and SVG, in every collapsed
  ``<details>`` opened, has a contrast ratio of at least 4.5:1 with the background it
  sits on (3:1 for large text: 24 px, or 18.66 px bold), WCAG 2.1 success criterion
  1.4.3, with relative luminance and contrast ratio as WCAG 2.1 defines them.

The prevention example is used because it has every section (Monte Carlo, value of
information, pooled budget, distributional analysis, MCA).
"""

from __future__ import annotations

import importlib.util
import json
import re
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

#: Collects what the rules need, after opening every <details>. Background: the first
#: ancestor (or the element) with an opaque-enough background colour, else the page's.
_COLLECT = r"""
(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const visible = el => el.getClientRects().length > 0 &&
      getComputedStyle(el).visibility !== 'hidden';
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(visible)
      .map(h => [Number(h.tagName[1]), h.textContent.trim()]);
  const named = el => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const byIds = ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' ');
    return ((el.getAttribute('aria-label') || '') + ' ' + byIds).trim();
  };
  const tables = [...document.querySelectorAll('table')].map(t => {
    const cap = t.querySelector(':scope > caption');
    return {caption: cap ? cap.textContent.trim() : '', label: named(t),
            first: (t.querySelector('th') || {}).textContent || ''};
  });
  const imgs = [...document.querySelectorAll('img')].map(i => ({
    alt: i.getAttribute('alt'), src: (i.getAttribute('src') || '').slice(0, 40)}));
  const svgs = [...document.querySelectorAll('svg')].filter(s => !s.closest('svg svg'))
      .map(s => ({id: s.id, role: s.getAttribute('role'), hidden: s.getAttribute('aria-hidden'),
                  label: named(s), title: (s.querySelector('title') || {}).textContent || ''}));
  const bg = el => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      const m = c.match(/[\d.]+/g);
      if (m && (m.length < 4 || Number(m[3]) > 0.5)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !visible(el)) continue;
    if (el.closest('title, desc, style, [aria-hidden="true"]')) continue;
    const cs = getComputedStyle(el);
    const inSvg = !!el.closest('svg');
    texts.push({text: n.textContent.trim().slice(0, 60), tag: el.tagName.toLowerCase(),
                colour: inSvg ? cs.fill : cs.color, background: bg(el),
                size: parseFloat(cs.fontSize), weight: Number(cs.fontWeight) || 400});
  }
  const root = getComputedStyle(document.documentElement);
  const palette = Object.fromEntries(['--text', '--secondary', '--link', '--brand', '--light']
      .map(v => [v, root.getPropertyValue(v).trim()]));
  return JSON.stringify({headings, tables, imgs, svgs, texts, palette});
})()
"""


def _channel(c: float) -> float:
    c /= 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(css: str) -> tuple[float, ...]:
    if css.startswith("#"):
        h = css[1:]
        return tuple(float(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    parts = [float(x) for x in re.findall(r"[\d.]+", css)]
    return tuple(parts[:4]) if len(parts) >= 4 else tuple(parts[:3])


def _over(fg: tuple[float, ...], bg: tuple[float, ...]) -> tuple[float, float, float]:
    """A colour with alpha blended over an opaque background."""
    a = fg[3] if len(fg) == 4 else 1.0
    return tuple(a * f + (1 - a) * b for f, b in zip(fg[:3], bg[:3], strict=True))


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05) of two CSS colours."""
    back = _over(_rgb(bg), (255.0, 255.0, 255.0))
    lum = [0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
           for r, g, b in (_over(_rgb(fg), back), back)]
    hi, lo = max(lum), min(lum)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def dom(chromium, tmp_path_factory) -> dict:
    ctx = report_context(evaluate(load_case(example_path("prevention")), lenses="all"))
    page = tmp_path_factory.mktemp("a11y") / "report.html"
    page.write_text(render_report(ctx), encoding="utf-8")
    with browser._browser(chromium, 1280, 60.0) as (pipe, session):
        browser._open(pipe, session, page.resolve(), javascript=False, media="screen",
                      width=1280, settle=0.2)
        out = pipe.call("Runtime.evaluate", {"expression": _COLLECT, "returnByValue": True},
                        session=session)
    return json.loads(out["result"]["value"])


def test_contrast_formula_known_answers():
    """WCAG 2.1 'contrast ratio' definition: black on white is 21:1, a colour on itself 1:1;
    #767676 on white is the familiar lightest grey that passes AA (4.54:1)."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("rgb(80, 90, 95)", "rgb(80, 90, 95)") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("rgba(0, 0, 0, 0)", "#ffffff") == pytest.approx(1.0)  # transparent text


def test_headings_are_in_order(dom):
    levels = [level for level, _ in dom["headings"]]
    assert levels, "no headings"
    assert levels[0] == 1, f"the first heading is h{levels[0]}, not h1"
    assert levels.count(1) == 1, "more than one h1"
    skips = [(dom["headings"][i - 1], dom["headings"][i]) for i in range(1, len(levels))
             if levels[i] > levels[i - 1] + 1]
    assert not skips, f"heading levels skipped: {skips[:5]}"
    assert all(text for _, text in dom["headings"]), "an empty heading"


def test_every_table_has_a_caption_or_label(dom):
    assert len(dom["tables"]) > 20  # the demo has many: the check is not vacuous
    unnamed = [t["first"] for t in dom["tables"] if not (t["caption"] or t["label"])]
    assert not unnamed, f"tables without a caption or aria-label: {unnamed}"


def test_images_and_charts_have_text_alternatives(dom):
    assert all(i["alt"] is not None for i in dom["imgs"]), dom["imgs"]
    assert len(dom["svgs"]) >= 10
    for svg in dom["svgs"]:
        if svg["hidden"] == "true":
            continue
        assert svg["role"] == "img", f"svg {svg['id']!r} has no role=img"
        assert svg["label"] or svg["title"], f"svg {svg['id']!r} has no text alternative"


def test_the_text_palette_meets_aa_on_both_backgrounds(dom):
    """The stylesheet's text colours, as the browser resolved them, on white and on the
    light grey of cards and the footer (the colours any new text is written in)."""
    pal = dom["palette"]
    assert all(pal.values()), pal
    for fg in ("--text", "--secondary", "--link", "--brand"):
        for bg in ("#ffffff", pal["--light"]):
            assert contrast(pal[fg], bg) >= 4.5, (fg, pal[fg], bg)


def test_text_contrast_is_at_least_aa(dom):
    assert len(dom["texts"]) > 500  # every table cell, chart label and data table
    failures = []
    for t in dom["texts"]:
        large = t["size"] >= 24 or (t["size"] >= 18.66 and t["weight"] >= 700)
        need = 3.0 if large else 4.5
        ratio = contrast(t["colour"], t["background"])
        if ratio < need:
            failures.append(f"{t['tag']} {t['text']!r}: {t['colour']} on {t['background']} "
                            f"= {ratio:.2f}:1 (needs {need})")
    assert not failures, f"{len(failures)} texts below WCAG AA contrast: {failures[:10]}"
