"""Readable report tables (issue 16): rounding, histogram bins, switching values, bands,
names in words, and the phone layout of wide tables.

Rounding: a half rounds away from zero, as a reader rounding by hand expects (£0.25m is
£0.3m; Python's own ``round`` sends halves to even); the value-for-money bands are listed in the
order of ``data/green_book/value_for_money.csv`` (DfT Value for Money Framework,
categories by BCR), lowest band first.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.formatting import (
    distinct_decimals,
    format_bcr,
    format_money,
    format_percent,
)
from appraisal.outputs.report import render_report
from appraisal.outputs.report.context import report_context, words
from appraisal.outputs.report.figures import build_figures

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"


@pytest.fixture(scope="module")
def prevention():
    return report_context(evaluate(load_case(example_path("prevention")), lenses="all"))


# --------------------------------------------------------------------------- rounding
@pytest.mark.parametrize(("x", "kwargs", "expected"), [
    (250_000.0, {"unit": "£m"}, "£0.3m"),  # the reviewer's case: was "£0.2m"
    (-250_000.0, {"unit": "£m"}, "(£0.3m)"),
    (150_000.0, {"unit": "£m"}, "£0.2m"),
    (2.5, {"unit": "£"}, "£3"),  # half-even would give £2
    (-0.5, {"unit": "£"}, "(£1)"),
    (1_050_000.0, {}, "£1.1m"),
    (249_999.0, {"unit": "£m"}, "£0.2m"),
])
def test_money_rounds_half_away_from_zero(x, kwargs, expected):
    assert format_money(x, **kwargs) == expected


def test_percentages_and_ratios_round_half_away_from_zero():
    assert format_percent(0.125) == "13%"
    assert format_percent(-0.125) == "-13%"
    assert format_bcr(2.675) == "2.68"  # the float is 2.67499999...; its text is 2.675
    assert format_bcr(1234.5) == "1234.50"


# --------------------------------------------------------------------------- histogram bins
def test_distinct_decimals_separates_neighbouring_edges():
    edges = [-650_000.0, -632_000.0, -614_000.0, -596_000.0]
    places = distinct_decimals(edges, "£m")
    shown = [format_money(e, "£m", places) for e in edges]
    assert len(set(shown)) == len(shown)
    assert places == 2
    assert format_money(edges[1], "£m", places - 1) == format_money(edges[2], "£m", places - 1)


def test_distinct_decimals_keeps_the_default_when_it_is_enough():
    assert distinct_decimals([0.0, 5_000_000.0, 10_000_000.0], "£m") == 1
    assert distinct_decimals([0.0, 5.0, 10.0], "£") == 0
    assert distinct_decimals([1.0, 1.0 + 1e-9], "£", at_most=3) == 3  # capped


def test_histogram_data_table_never_repeats_a_bin_edge(prevention):
    chart = build_figures(prevention, "£m")["npsv_distribution"]
    assert chart.rows
    for series, start, end, _share in chart.rows:
        assert start != end, (series, start, end)


# --------------------------------------------------------------------------- words and order
def test_internal_ids_read_as_words():
    assert words("citizens_panel") == "Citizens panel"
    assert words("officers") == "Officers"
    assert words("Local residents' forum") == "Local residents' forum"


def test_stakeholder_weight_sets_are_named_in_words(prevention):
    names = [w["name"] for w in prevention["mca"]["weight_sets"]]
    assert names == ["Officers", "Citizens panel"]
    page = render_report(prevention)
    assert "citizens_panel" not in page


def test_switching_value_labels_are_words_without_field_names(prevention):
    labels = [r["parameter"] for r in prevention["uncertainty"]["switching_values"]]
    assert "inequality aversion (η)" in labels
    assert not [lb for lb in labels if re.search(r"\((?:[a-z]+_)*[a-z]+\)$", lb)], labels
    changes = [abs(r["change"]) for r in prevention["uncertainty"]["switching_values"]
               if r["change"] is not None]
    assert changes == sorted(changes)  # closest first


def test_switching_table_shows_multipliers_as_percentages(prevention):
    page = render_report(prevention)
    table = page[page.rindex("<h3>Switching values</h3>"):page.index("Monte Carlo analysis</h3>")]
    row = re.search(r'<th scope="row">benefit scale</th>(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1:4] == ["100%", "51%", "-49%"], cells
    figures = re.findall(r'<td class="num">(.*?)</td>', table)
    assert not [f for f in figures if re.search(r"\d\.\d{3,}", f)]  # no six-decimal multipliers
    main = table[:table.index("<details")]
    assert main.count('<th scope="row">') == 12  # the closest 12; the rest under <details>
    n = len(prevention["uncertainty"]["switching_values"])
    assert f"The other {n - 12} switching values" in table


def test_value_for_money_bands_are_listed_in_band_order(prevention):
    with (ROOT / "data" / "green_book" / "value_for_money.csv").open(encoding="utf-8") as f:
        bands = sorted(csv.DictReader(f), key=lambda r: float(r["bcr_from"] or "-inf"))
    order = [b["category"] for b in bands]
    shown = [re.search(r"category ([^;)]+)", p["name"]).group(1)
             for p in prevention["parameters"] if p["name"].startswith("Value for money")]
    assert shown
    assert shown == [c for c in order if c in shown]


def test_preferred_option_comes_first_after_the_baseline():
    ctx = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    ctx["cba"]["comparison"] = ctx["cba"].get("comparison", "incremental to business as usual")
    page = render_report(ctx)
    start = page.index("Present values by option and category")
    head = page[start:page.index("</thead>", start)]
    names = {o["id"]: o["name"] for o in ctx["options"]}
    cols = re.findall(r'<th scope="col" class="num[^"]*">([^<]+)', head)
    pref, cf = ctx["summary"]["preferred_option"], ctx["meta"]["counterfactual"]
    assert cols[:2] == [names[cf], names[pref]]
    assert "preferred option" in head


# --------------------------------------------------------------------------- phone layout
def _browser_module():
    path = Path(__file__).with_name("browser.py")
    spec = importlib.util.spec_from_file_location("report_browser", path)
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


browser = _browser_module()
chromium = browser.chromium


def _layout(page: Path, width: int, executable: str) -> dict:
    """Boxes of the costs table's scroll cue, its scroller and the first row header after
    the last cell of that row has been scrolled into view (as a reader swiping left)."""
    out: dict = {}
    with browser._browser(executable, width, 60.0) as (pipe, session):
        browser._open(pipe, session, page, javascript=False, media="screen", width=width,
                      settle=0.2)
        root = pipe.call("DOM.getDocument", {"depth": 0}, session=session)["root"]["nodeId"]

        def node(sel):
            return pipe.call("DOM.querySelector", {"nodeId": root, "selector": sel},
                             session=session)["nodeId"]

        def box(sel):
            try:
                quad = pipe.call("DOM.getBoxModel", {"nodeId": node(sel)},
                                 session=session)["model"]["border"]
            except browser.BrowserError:  # not rendered (display: none)
                return None
            return min(quad[0::2]), max(quad[0::2]), min(quad[1::2]), max(quad[1::2])

        table = "#costs-benefits .table-wrap"
        out["cue"] = box(f"{table} .scroll-cue")
        out["wrap"] = box(table)
        last = f"{table} tbody tr:not(.group) td:last-child"
        pipe.call("DOM.scrollIntoViewIfNeeded", {"nodeId": node(last)}, session=session)
        out["last"] = box(last)
        out["header"] = box(f"{table} tbody tr:not(.group) th[scope=row]")
    return out


def test_wide_table_on_a_phone_keeps_its_row_headers_and_shows_a_cue(chromium, tmp_path):
    ctx = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    page = tmp_path / "report.html"
    page.write_text(render_report(ctx), encoding="utf-8")
    phone = _layout(page, 390, chromium)
    assert phone["cue"] is not None
    assert phone["cue"][3] > phone["cue"][2]  # visible: it has a height
    left, right = phone["wrap"][0], phone["wrap"][1]
    assert phone["last"][1] <= right + 1  # the last option's column has scrolled into view
    assert abs(phone["header"][0] - left) < 1  # and the row header is still at the left edge
    desk = _layout(page, 1280, chromium)
    assert desk["cue"] is None  # no cue where the table fits


def test_chart_data_tables_are_printed_without_the_scroll_cue(chromium, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the printed PDF")
    page = tmp_path / "report.html"
    page.write_text(render_report(json.loads(EXAMPLE.read_text(encoding="utf-8"))),
                    encoding="utf-8")
    pdf = browser.print_to_pdf(page, tmp_path / "report.pdf", chromium=chromium)
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Running total" in text  # a column of the waterfall's data table, folded on screen
    assert "Data for this chart" not in text  # the toggle is not printed
    assert "Scroll sideways" not in text
