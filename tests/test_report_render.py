"""Rendering the report: sections, self-containment, CSP, escaping, templates, writing."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from appraisal.errors import AppraisalValidationError, OutputError, UnsafeInputError
from appraisal.formatting import format_money
from appraisal.outputs.report import REPORT_SECTIONS, render_report, write_report
from appraisal.outputs.report.render import (
    _bundled_templates,
    build_environment,
    check_self_contained,
)

EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"
CORE = ("schema_version", "meta", "options", "headline", "labels", "summary", "cba", "parameters",
        "audit")
OPTIONAL = [s for s in REPORT_SECTIONS if s.key not in CORE]

# Reliability test plan 7.3: strings that must stay inert in every output channel.
PAYLOADS = [
    "<script>alert(1)</script>",
    '" onmouseover="x',
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x onmouseover=alert(1)",
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% raw %}",
    "'; DROP TABLE x; --",
    '=HYPERLINK("http://example.invalid","x")',
    "\u202eevil\u202c",
    "a\u200db",
    "</style><style>body{display:none}</style>",
]


@pytest.fixture(scope="module")
def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_html(example) -> str:
    return render_report(copy.deepcopy(example))


def minimal(example: dict) -> dict:
    return copy.deepcopy({k: example[k] for k in CORE})


class Page(HTMLParser):
    """Elements, attributes, headings and text of a rendered page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.h2: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._h2: list[str] | None = None
        self._h2_id = ""
        self._style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "h2":
            self._h2, self._h2_id = [], a.get("id", "")
        if tag == "style":
            self._style = True
            self.styles.append("")

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.h2.append((self._h2_id, "".join(self._h2)))
            self._h2 = None
        if tag == "style":
            self._style = False

    def handle_data(self, data):
        if self._style:
            self.styles[-1] += data
        else:
            self.text.append(data)
            if self._h2 is not None:
                self._h2.append(data)

    @property
    def shape(self) -> set[tuple[str, str]]:
        """Which attributes appear on which elements (not how often)."""
        return {(t, k) for t, a in self.elements for k in a} | {(t, "") for t, _ in self.elements}


def section_headings(html: str) -> list[str]:
    return [text for hid, text in Page(html).h2 if hid.endswith("-heading")]


# --------------------------------------------------------------------------- sections


def test_example_has_every_section_in_order(example_html):
    assert section_headings(example_html) == [s.heading for s in REPORT_SECTIONS]
    ids = [a.get("id") for t, a in Page(example_html).elements if t == "section"]
    assert ids == [s.id for s in REPORT_SECTIONS]


def test_minimal_context_renders_only_the_core_sections(example):
    html = render_report(minimal(example))
    core = [s.heading for s in REPORT_SECTIONS if s.key in CORE]
    assert section_headings(html) == core
    for s in OPTIONAL:
        assert f'id="{s.id}"' not in html
        assert f'href="#{s.id}"' not in html  # not in the contents list either


@pytest.mark.parametrize("section", OPTIONAL, ids=lambda s: s.id)
def test_each_optional_section_appears_exactly_when_its_data_does(example, section):
    ctx = minimal(example)
    ctx[section.key] = copy.deepcopy(example[section.key])
    assert section.heading in section_headings(render_report(ctx))
    ctx[section.key] = {} if isinstance(example[section.key], dict) else []
    assert section.heading not in section_headings(render_report(ctx))


def test_templates_folder_has_one_partial_per_section():
    partials = {p.name for p in (_bundled_templates() / "partials").glob("_*.html.j2")}
    wanted = {Path(s.template).name for s in REPORT_SECTIONS} | {
        "_macros.html.j2", "_at_a_glance.html.j2", "_about.html.j2"}  # the first screen
    assert partials == wanted


# --------------------------------------------------------------------------- self-contained


def test_csp_is_first_in_head_and_allows_only_the_shipped_style(example_html):
    page = Page(example_html)
    tags = [t for t, _ in page.elements]
    first = page.elements[tags.index("head") + 1]
    assert first[0] == "meta"
    assert first[1]["http-equiv"] == "Content-Security-Policy"
    csp = first[1]["content"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    (style,) = page.styles
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'"
    assert style == (_bundled_templates() / "report.css").read_text(encoding="utf-8")


def test_page_loads_nothing_and_runs_nothing(example_html):
    page = Page(example_html)
    assert not {"script", "link", "iframe", "object", "embed", "img", "base", "form"} & {
        t for t, _ in page.elements}
    for tag, attrs in page.elements:
        assert not [k for k in attrs if k.startswith("on") or k == "style"], (tag, attrs)
        for key in ("href", "src", "xlink:href", "action"):
            if key in attrs:
                assert attrs[key].startswith("#"), (tag, attrs)
    assert not re.search(r"https?://|url\(|@import", example_html)
    check_self_contained(example_html)


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<html><head><meta charset="utf-8"></head></html>', "no Content-Security-Policy"),
        ("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
         "<style>p{}</style></head></html>", "is not in the policy"),
        ("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
         '</head><body><img src="https://example.invalid/x.png"></body></html>', "src="),
        ("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
         '</head><body><p onclick="x()">a</p></body></html>', "event-handler"),
        ("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
         '</head><body><a href="javascript:alert(1)">a</a></body></html>', "href="),
    ],
)
def test_check_self_contained_refuses_leaky_pages(html, problem):
    with pytest.raises(UnsafeInputError, match=re.escape(problem)):
        check_self_contained(html)


# --------------------------------------------------------------------------- content


def test_every_money_table_states_its_price_base_and_discounting(example, example_html):
    unit_phrase = "£m, real, 2024 prices, discounted to 2025"
    money_cell = re.compile(r"<td[^>]*>\(?£[\d,.]+m\)?</td>")
    tables = re.findall(r"<table>.*?</table>", example_html, flags=re.S)
    money_tables = [t for t in tables if money_cell.search(t)]
    assert len(money_tables) >= 10
    for table in money_tables:
        caption = re.search(r"<caption>(.*?)</caption>", table, flags=re.S).group(1)
        assert unit_phrase in caption or "undiscounted" in caption, caption


def test_report_states_conventions(example, example_html):
    text = " ".join(Page(example_html).text)
    meta = example["meta"]
    for phrase in (f"Real terms, {meta['price_base_year']} prices", meta["discount_schedule"],
                   f"discounted to {meta['discount_base_year']}", meta["bcr_definition"],
                   "Rounded to the nearest £0.1m", str(example["audit"]["seed"]),
                   example["audit"]["inputs"][0]["sha256"], example["audit"]["tool_version"],
                   example["audit"]["parameter_vintage"]):
        assert phrase in text, phrase


def test_summary_shows_the_preferred_option_figures(example, example_html):
    m = {r["option"]: r for r in example["cba"]["metrics"]}["preferred"]
    summary = example_html.split('id="summary"')[1].split("</section>")[0]
    assert format_money(m["npsv"], "£m") in summary
    assert f"{m['bcr']:.2f}" in summary
    assert m["vfm_category"] in summary


def test_weighted_and_unweighted_results_sit_side_by_side(example, example_html):
    section = example_html.split('id="distributional"')[1].split("</section>")[0]
    header = re.search(r"Unweighted NPSV against business as usual</th>\s*<th[^>]*>"
                       r"Weighted NPSV against business as usual</th>", section)
    assert header
    for row in example["distributional"]["npsv"]:
        cells = f'{format_money(row["unweighted"], "£m")}</td><td class="num">' \
                f'{format_money(row["weighted"], "£m")}'
        assert cells in section


def test_negative_amounts_are_bracketed(example_html):
    assert re.search(r'<td class="num">\(£\d[\d,.]*m\)</td>', example_html)
    assert not re.search(r'<td class="num">-£', example_html)


def test_every_chart_has_a_data_table_and_a_text_alternative(example_html):
    svgs = re.findall(r"<svg .*?</svg>", example_html, flags=re.S)
    figures = re.findall(r"<figure .*?</figure>", example_html, flags=re.S)
    assert len(svgs) == len(figures) == 14  # 13 + the cost-effectiveness acceptability curves
    for fig in figures:
        assert 'role="img"' in fig
        assert "<title id=" in fig
        assert "<desc id=" in fig
        assert "<details" in fig
        assert "<table>" in fig
        assert '<th scope="col"' in fig


def test_money_unit_follows_meta(example):
    ctx = copy.deepcopy(example)
    ctx["meta"]["money_unit"] = "£"
    html = render_report(ctx)
    assert "£, real, 2024 prices, discounted to 2025" in html
    assert re.search(r"£\d{1,3},\d{3},\d{3}</td>", html)


# --------------------------------------------------------------------------- escaping


def _inject(ctx: dict, payload: str) -> dict:
    """Put ``payload`` in every kind of user text the templates show."""
    ctx = copy.deepcopy(ctx)
    ctx["meta"]["title"] = ctx["meta"]["organisation"] = payload
    for o in ctx["options"]:
        o["name"] = f"{payload} {o['id']}"
        o["description"] = payload
    for key in ("rationale", "key_uncertainties", "switching_values"):
        ctx["summary"][key] = payload
    ctx["strategic"]["long_list"][0]["name"] = payload
    ctx["strategic"]["spending_objectives"][0]["text"] = payload
    ctx["cba"]["pv_lines"][0]["category"] = payload
    ctx["cba"]["cash_flows"]["measure"] = payload
    ctx["optimism_bias"]["rows"][0]["project_type"] = payload
    ctx["optimism_bias"]["risks"][0]["risk"] = payload
    ctx["public_value"]["agencies"]["rows"][0]["agency"] = payload
    ctx["distributional"]["groups"][0] = payload
    ctx["non_monetised"]["impacts"][0]["impact"] = payload
    ctx["non_monetised"]["scale"][6] = payload
    ctx["mca"]["criteria"][0]["name"] = payload
    ctx["mca"]["weight_sets"][0]["name"] = payload
    ctx["uncertainty"]["tornado"]["rows"][0]["parameter"] = payload
    ctx["uncertainty"]["switching_values"][0]["note"] = payload
    ctx["uncertainty"]["acceptability"]["x_label"] = payload
    ctx["uncertainty"]["sobol"]["comparisons"][0]["rows"][0]["parameter"] = payload
    ctx["assumptions"][0]["assumption"] = payload
    ctx["parameters"][0]["name"] = payload
    ctx["parameters"][1]["value"] = payload
    ctx["audit"]["inputs"][0]["name"] = payload
    ctx["audit"]["command"] = payload
    return ctx


def _rename_option(ctx: dict, old: str, new: str) -> dict:
    """Use ``new`` as an option id everywhere ``old`` was used (ids and mapping keys)."""
    return json.loads(json.dumps(ctx).replace(json.dumps(old), json.dumps(new)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_render_as_text_in_every_template(example, example_html, payload):
    ctx = _rename_option(_inject(example, payload), "ambitious", payload)
    html = render_report(ctx)
    clean, dirty = Page(example_html), Page(html)
    assert dirty.shape <= clean.shape  # no new elements or attributes appeared
    assert len([t for t, _ in dirty.elements if t in ("script", "style", "img")]) == 1
    text = "".join(dirty.text)
    # Shown as text in every section; '{{ 7*7 }}' would have become '49' if it were evaluated.
    assert text.count(payload) >= 30
    check_self_contained(html)


@pytest.fixture(scope="module")
def clean_shape(example_html) -> set[tuple[str, str]]:
    return Page(example_html).shape


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_option_name_is_shown_literally(example, clean_shape, name):
    ctx = copy.deepcopy(example)
    ctx["options"][2]["name"] = name
    page = Page(render_report(ctx))
    assert page.shape <= clean_shape
    shown = " ".join("".join(page.text).split())
    assert " ".join(name.split()) in shown or not name.isprintable()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    """WCAG 2.1 SC 1.4.3 (W3C 2018): 4.5:1 for body text, using the relative-luminance
    and contrast-ratio definitions of WCAG 2.1 section 'Definitions'."""
    assert math.isclose(_contrast("#000000", "#ffffff"), 21.0)  # the formula's known answer
    css = (_bundled_templates() / "report.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    ast = re.findall(r"\.ast-[mp0-9]+ \{ background: (#[0-9a-fA-F]{6})", css)
    backgrounds = ["#ffffff", var["light"], *ast]
    assert len(backgrounds) == 8
    for bg in backgrounds:
        assert _contrast(var["text"], bg) >= 4.5, bg
    for fg in (var["secondary"], var["link"]):
        assert _contrast(fg, "#ffffff") >= 4.5, fg
        assert _contrast(fg, var["light"]) >= 4.5, fg
    assert _contrast("#0c2d4a", "#bbd4ea") >= 4.5  # the "Preferred" tag


def test_long_text_is_refused_not_truncated(example):
    ctx = copy.deepcopy(example)
    ctx["options"][0]["description"] = "x" * 40_000
    with pytest.raises(AppraisalValidationError, match="40,000 characters"):
        render_report(ctx)


# --------------------------------------------------------------------------- environment


def test_environment_escapes_every_template_name_and_is_strict():
    env = build_environment()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    assert env.autoescape is True  # not select_autoescape: that skips *.html.j2
    assert env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def _custom(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_user_stylesheet_restyles_the_report_and_gets_its_own_hash(example, tmp_path):
    css = "body { color: #111; } /* house style */\n"
    html = render_report(example, template_dir=_custom(tmp_path, {"report.css": css}))
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"<style>{css}</style>" in html
    csp = next(a["content"] for t, a in Page(html).elements if t == "meta" and "http-equiv" in a)
    assert f"style-src 'sha256-{digest}';" in csp
    assert section_headings(html) == [s.heading for s in REPORT_SECTIONS]


def test_user_partial_overrides_the_bundled_one(example, tmp_path):
    folder = _custom(tmp_path, {"partials/_summary.html.j2": "<p>House summary: "
                                "{{ view.preferred.name }}</p>"})
    html = render_report(example, template_dir=str(folder))
    assert "<p>House summary: Preferred</p>" in html
    assert "Key uncertainties" not in html


@pytest.mark.parametrize(
    ("files", "error", "match"),
    [
        ({"partials/_summary.html.j2": "<script>alert(1)</script>"}, UnsafeInputError,
         "<script> element"),
        ({"partials/_summary.html.j2": '<p style="color:red">x</p>'}, UnsafeInputError,
         "inline style attribute"),
        ({"partials/_summary.html.j2": '<a href="https://example.invalid">x</a>'},
         UnsafeInputError, "href="),
        ({"report.css": "@import url(https://example.invalid/x.css);"}, UnsafeInputError,
         "report.css"),
        ({"partials/_summary.html.j2": "{{ ctx.nope }}"}, AppraisalValidationError,
         "template-error"),
        ({"partials/_summary.html.j2": "{{ ''.__class__.__mro__ }}"}, AppraisalValidationError,
         "template-error"),
        ({"partials/_summary.html.j2": "{% if %}"}, AppraisalValidationError,
         "_summary.html.j2:1"),
    ],
)
def test_unsafe_or_broken_user_templates_are_refused(example, tmp_path, files, error, match):
    with pytest.raises(error, match=re.escape(match)):
        render_report(example, template_dir=_custom(tmp_path, files))


def test_missing_template_folder_is_a_located_error(example, tmp_path):
    with pytest.raises(AppraisalValidationError) as err:
        render_report(example, template_dir=tmp_path / "nope")
    assert err.value.issues[0].field == "template_dir"


# --------------------------------------------------------------------------- writing


def test_write_report_writes_atomically_and_refuses_to_overwrite(example, tmp_path):
    target = tmp_path / "report.html"
    assert write_report(example, target) == target
    first = target.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists; pass force=True"):
        write_report(example, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    write_report(example, target, force=True)
    assert target.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temp files left


def test_write_report_leaves_nothing_when_the_context_is_invalid(example, tmp_path):
    ctx = copy.deepcopy(example)
    del ctx["audit"]
    with pytest.raises(AppraisalValidationError):
        write_report(ctx, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []


def test_write_report_cleans_up_when_the_disk_write_fails(example, tmp_path, monkeypatch):
    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_report(example, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["folder", "missing-parent"])
def test_write_report_refuses_bad_targets(example, tmp_path, where):
    target = tmp_path if where == "folder" else tmp_path / "no" / "report.html"
    with pytest.raises(OutputError):
        write_report(example, target)


def test_the_baseline_column_of_an_incremental_table_shows_dashes(example, example_html):
    """Figures incremental to the counterfactual are zero in its own column by definition:
    it is marked as the baseline and shows '—', not a column of £0.0m."""
    start = example_html.index("Present values by option and category")
    table = example_html[start:example_html.index("</table>", start)]
    body_rows = re.findall(r"<tr[^>]*><th scope=\"row\">.*?</tr>", table, re.S)
    money_rows = [row for row in body_rows if "£" in row]
    assert money_rows
    for row in money_rows:
        first = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[0]  # the counterfactual's cell
        assert first == "—", row
    assert '<span class="caption-unit">baseline</span>' in table
    # without an incremental comparison the column shows its own figures
    plain = copy.deepcopy(example)
    del plain["cba"]["comparison"]
    html = render_report(plain)
    start = html.index("Present values by option and category")
    assert "baseline" not in html[start:html.index("</table>", start)]
