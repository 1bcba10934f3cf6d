"""``appraisal report``, ``report.html`` in every run's outputs, and the report in a browser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from appraisal.cli.commands import main
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate
from appraisal.outputs.report import REPORT_SECTIONS, render_report
from appraisal.outputs.report.context import report_context

_path = Path(__file__).with_name("browser.py")
_spec = importlib.util.spec_from_file_location("report_browser", _path)
browser = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = browser
_spec.loader.exec_module(browser)
chromium = browser.chromium  # the fixture: skip, or fail under CI, without Chromium

BAD_CASE = """\
schema_version: 1
title: Broken
base_year: 2025
horizon_years: 0
options:
  - name: BAU
    counterfactual: true
lines:
  - option: Nowhere
    name: c
    kind: cost
    values: {2025: 1}
"""


def test_report_command_writes_the_report(minimal_text, write_case, tmp_path, capsys):
    case = write_case(tmp_path, minimal_text)
    out = tmp_path / "report.html"
    assert main(["report", str(case), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<h1>Minimal two-option case</h1>" in html
    assert "Content-Security-Policy" in html
    assert "appraisal report" in html  # the command, in the audit block
    assert "preferred option: Business as usual" in capsys.readouterr().out


def test_bad_case_exits_1_listing_every_problem_and_writes_nothing(write_case, tmp_path, capsys):
    case = write_case(tmp_path, BAD_CASE)
    out = tmp_path / "report.html"
    assert main(["report", str(case), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "horizon_years" in err
    assert "Nowhere" in err
    assert "Nothing was written." in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]


def test_missing_case_exits_1(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "absent.yaml"), "-o", str(out)]) == 1
    assert "absent.yaml" in capsys.readouterr().err
    assert not out.exists()


def test_existing_report_is_refused_without_force(minimal_text, write_case, tmp_path, capsys):
    case = write_case(tmp_path, minimal_text)
    out = tmp_path / "report.html"
    out.write_text("keep me", encoding="utf-8")
    assert main(["report", str(case), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert main(["report", str(case), "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_is_never_written_over_the_case(minimal_text, write_case, tmp_path):
    case = write_case(tmp_path, minimal_text)
    assert main(["report", str(case), "-o", str(case), "--force"]) == 1
    assert case.read_text(encoding="utf-8") == minimal_text


def test_template_dir_restyles_the_report(minimal_text, write_case, tmp_path):
    case = write_case(tmp_path, minimal_text)
    styles = tmp_path / "style"
    styles.mkdir()
    (styles / "report.css").write_text("body { color: #0b0c0c; } /* house-style */\n",
                                       encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["report", str(case), "-o", str(out), "--template-dir", str(styles)]) == 0
    assert "/* house-style */" in out.read_text(encoding="utf-8")


def test_missing_template_dir_exits_1(minimal_text, write_case, tmp_path, capsys):
    case = write_case(tmp_path, minimal_text)
    out = tmp_path / "report.html"
    code = main(["report", str(case), "-o", str(out), "--template-dir", str(tmp_path / "no")])
    assert code == 1
    assert "template_dir" in capsys.readouterr().err
    assert not out.exists()


def test_run_writes_report_next_to_results(minimal_text, write_case, tmp_path, monkeypatch):
    case = write_case(tmp_path, minimal_text)
    out = tmp_path / "out"
    argv = ["run", str(case), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "bin" / "appraisal"), *argv])
    assert main(argv) == 0
    assert (out / "results.json").is_file()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Minimal two-option case</h1>" in html
    assert "appraisal run" in html  # the command is recorded in the audit block
    assert str(tmp_path / "bin") not in html  # ... without the program's folder


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[16:24]
    return int.from_bytes(data[:4], "big"), int.from_bytes(data[4:], "big")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_prevention_report_in_a_browser(chromium, tmp_path, width):
    ctx = report_context(evaluate(load_case(example_path("prevention")), lenses="all"))
    page = tmp_path / "report.html"
    page.write_text(render_report(ctx), encoding="utf-8")
    shot = tmp_path / f"report-prevention-{width}.png"
    result = browser.render_in_browser(page, shot, chromium=chromium, width=width)
    assert result.console_errors == []
    assert result.network_requests == [page.resolve().as_uri()]
    # No horizontal overflow: the full-page screenshot is as wide as the viewport.
    shot_width, shot_height = _png_size(shot)
    assert shot_width == width
    assert shot_height > 2000
    headings = [text for level, text in result.headings if level == 2]
    expected = [s.heading for s in REPORT_SECTIONS if ctx.get(s.key)]
    assert [h for h in headings if h not in ("Contents", "At a glance")] == expected
    assert {"Public value", "Distributional analysis", "Non-monetised impacts"} <= set(headings)
    assert "Whole-family service is recommended" in result.dom_text
