"""Documented size limits, checked before the work, located, in ``validate`` and ``run``."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest

from appraisal.case.schema import build_case
from appraisal.errors import AppraisalValidationError
from appraisal.limits import LIMITS, MAX_SHEET_ROWS, count_issues

REPO = Path(__file__).resolve().parents[2]
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _case(n_options: int = 2, n_lines: int = 1, horizon: int = 10, **extra) -> dict:
    options = [{"name": "Business as usual", "counterfactual": True},
               *({"name": f"Option {k}"} for k in range(1, n_options))]
    lines = [{"name": f"Line {i}", "option": "Option 1", "kind": "cost", "values": {2025: 1}}
             for i in range(n_lines)]
    return {"schema_version": 1, "title": "Limits", "base_year": 2025,
            "horizon_years": horizon, "options": options, "lines": lines, **extra}


@pytest.mark.parametrize(("data", "field", "count", "limit"), [
    (_case(n_options=201), "options", "201", "200"),
    (_case(n_lines=20_001, horizon=1), "lines", "20,001", "20,000"),
    (_case(n_lines=4_001, horizon=500), "lines", "2,000,500", "2,000,000"),
    (_case(mca={"criteria": [{"id": f"c{i}"} for i in range(501)]}), "mca.criteria", "501",
     "500"),
    (_case(uncertainty={"inputs": [{"name": f"u{i}"} for i in range(1_001)]}),
     "uncertainty.inputs", "1,001", "1,000"),
])
def test_each_limit_is_a_located_error_raised_before_the_work(data, field, count, limit):
    start = time.monotonic()
    with pytest.raises(AppraisalValidationError) as info:
        build_case(data, source="case.yaml",
                   locate=lambda path: "case.yaml:" + ".".join(str(p) for p in path))
    assert time.monotonic() - start < 2  # refused at once, nothing built
    issues = info.value.issues
    assert [i.code for i in issues] == ["too-many"]
    assert issues[0].field == field
    assert issues[0].location == "case.yaml:" + field
    assert count in issues[0].message
    assert f"limit is {limit}" in issues[0].message


def test_limits_leave_room_for_the_benchmark_case():
    """The 5,000-line, 60-year benchmark workbook (benchmarks/bench_excel.py) is within."""
    found = []
    assert count_issues(_case(n_options=4, n_lines=5_000, horizon=60),
                        lambda *a: found.append(a))
    assert found == []
    assert LIMITS["line_years"].maximum >= 5_000 * 60 * 4


def test_yaml_case_over_a_limit_fails_validate_with_the_limit(tmp_path, capsys):
    from appraisal.cli.commands import main

    options = "\n".join(f"  - name: Option {k}" for k in range(1, 202))
    case = tmp_path / "big.yaml"
    case.write_text("schema_version: 1\ntitle: Big\nbase_year: 2025\nhorizon_years: 5\n"
                    f"options:\n  - name: BAU\n    counterfactual: true\n{options}\nlines: []\n")
    assert main(["validate", str(case)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"big\.yaml:5:\d+: error \[too-many\] options: the case has 202 options; "
                     r"the limit is 200", err), err


def _sheet_part(book: Path, title: str) -> str:
    with zipfile.ZipFile(book) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="([^"]+)"', wb).group(1)
    for tag in re.findall(r"<Relationship [^>]*>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs.get("Id") == rid:
            target = attrs["Target"]
    target = target.lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _with_rows(book: Path, out: Path, title: str, rows: int) -> Path:
    part = _sheet_part(book, title)
    body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Option %d</t></is></c></row>'
                    % (r, r, r) for r in range(2, rows + 2))
    data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}"><dimension '
            f'ref="A1:A{rows + 1}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name'
            '</t></is></c></row>').encode() + body + b"</sheetData></worksheet>"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return out


@pytest.mark.slow
def test_million_row_options_sheet_is_refused_before_parsing(tmp_path):
    """7.9 MB zipped, inside every zip limit; refused in seconds, at the first row over."""
    from appraisal import example_path, load_case
    from appraisal.outputs.excel_template import write_template

    book = write_template(tmp_path / "case.xlsx", load_case(example_path("minimal")))
    bad = _with_rows(book, tmp_path / "million.xlsx", "Options", 1_000_000)
    start = time.monotonic()
    with pytest.raises(AppraisalValidationError) as info:
        load_case(bad)
    assert time.monotonic() - start < 15
    issue = info.value.issues[0]
    assert issue.code == "too-many-rows"
    assert issue.location == f"Options!A{MAX_SHEET_ROWS + 1}"
    assert "1,000,001 rows" in issue.message
    assert f"{MAX_SHEET_ROWS:,}" in issue.message


def test_workbook_with_too_many_options_but_few_rows_names_the_options_limit(tmp_path):
    import openpyxl

    from appraisal import example_path, load_case
    from appraisal.outputs.excel_template import write_template

    book = write_template(tmp_path / "case.xlsx", load_case(example_path("minimal")))
    wb = openpyxl.load_workbook(book)
    sheet = wb["Options"]
    last = next(r for r in range(sheet.max_row, 0, -1)
                if sheet.cell(r, 1).value == "New service")
    width = sheet.max_column
    for k in range(250):
        for col in range(1, width + 1):
            sheet.cell(last + 1 + k, col).value = sheet.cell(last, col).value
        sheet.cell(last + 1 + k, 1).value = f"Option {k}"
    wb.save(tmp_path / "many.xlsx")
    with pytest.raises(AppraisalValidationError) as info:
        load_case(tmp_path / "many.xlsx")
    codes = [i.code for i in info.value.issues]
    assert codes == ["too-many"], info.value
    issue = info.value.issues[0]
    assert issue.location.startswith("Options!")
    assert "limit is 200" in issue.message
