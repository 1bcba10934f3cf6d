"""The financial sheets of results.xlsx (issue 17 items 1, 3 and 5; issue 15 item 5):
Financial case, Budget view, Financial measures and Cost-effectiveness.

The cached values are the engine's (results.json's) numbers; LibreOffice recalculates every
formula of these sheets (IRR, MIRR, XNPV, the Green Book NPV, the Financial case totals) to
the same numbers within 1e-9 relative. The engine values the tests compare with are computed
here again with :mod:`appraisal.finance` from the cash streams of results.json, not read back
from the workbook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from appraisal import evaluate, example_path, finance, load_case
from appraisal.inputs.excel_grid import open_grid
from appraisal.outputs.excel_finance import FINANCIAL_CASE_COLUMNS, excel_date
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.excel_stream import column_letter
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip

SHEETS = ("Financial case", "Budget view", "Financial measures", "Cost-effectiveness")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    folder = tmp_path_factory.mktemp("finance")
    out = {}
    for name in ("prevention", "falls"):
        result = evaluate(load_case(example_path(name)), lenses="all")
        out[name] = (write_results_workbook(result, folder / f"{name}.xlsx"), result)
    return out


def _rows(ws) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _find(rows: list[list[object]], first: object, second: object | None = None) -> int:
    """0-based index of the row whose first cells are *first* (and *second*)."""
    return next(i for i, r in enumerate(rows) if r[0] == first
                and (second is None or r[1] == second))


def _measures(ws) -> dict[tuple[str, str], dict[str, object]]:
    """The measures table of Financial measures: (option, who) -> its cells by header."""
    rows = _rows(ws)
    head = _find(rows, "Option", "Cash flows of")
    names = rows[head]
    out = {}
    for r in rows[head + 1:]:
        if r[0] is None:
            break
        out[(r[0], r[1])] = dict(zip(names, r, strict=False))
    return out


def _streams(ws) -> tuple[dict[str, list[float]], list[object]]:
    """The cash-flow table of Financial measures: column header -> values; the dates."""
    rows = _rows(ws)
    head = _find(rows, "Budget year", "Date (1 April)")
    names = rows[head]
    body = [r for r in rows[head + 1:] if r[0] is not None]
    return ({n: [r[k] for r in body] for k, n in enumerate(names) if k >= 2 and n},
            [r[1] for r in body])


def test_the_sheets_follow_the_lenses(written, tmp_path):
    prevention = openpyxl.load_workbook(written["prevention"][0], read_only=True).sheetnames
    falls = openpyxl.load_workbook(written["falls"][0], read_only=True).sheetnames
    assert {"Financial case", "Budget view", "Financial measures"} <= set(prevention)
    assert "Cost-effectiveness" not in prevention
    assert {"Financial measures", "Cost-effectiveness"} <= set(falls)
    assert "Financial case" not in falls
    assert "Budget view" not in falls
    minimal = write_results_workbook(evaluate(load_case(example_path("minimal"))),
                                     tmp_path / "m.xlsx")
    names = openpyxl.load_workbook(minimal, read_only=True).sheetnames
    assert "Financial measures" in names
    assert "Financial case" not in names


def test_the_financial_case_says_which_cost_it_uses_and_totals_reconcile(written):
    path, result = written["prevention"]
    ws = openpyxl.load_workbook(path, data_only=True)["Financial case"]
    rows = _rows(ws)
    text = " ".join(str(v) for r in rows[:6] for v in r if isinstance(v, str))
    assert "EXPECTED cost" in text
    assert "not the optimism-bias-uplifted appraisal cost" in text
    block = result.lenses["affordability"].to_dict()
    for o in block["options"]:
        start = _find(rows, f"{o['option']} (against {result.case.counterfactual.name})")
        # each partner's table: header, one row per budget year, a total, the breakeven year
        for p in o["partners"]:
            at = next(i for i in range(start, len(rows)) if rows[i][0] is not None
                      and str(rows[i][0]).startswith(f"{p['agency']} ("))
            assert tuple(rows[at + 1][:16]) == FINANCIAL_CASE_COLUMNS
            mine = [r for r in o["by_year"] if r["agency"] == p["agency"]]
            total = rows[at + 2 + len(mine)]
            assert total[0] == "Total"
            assert total[4] == pytest.approx(p["requirement"], rel=1e-12)
            assert total[12] == pytest.approx(p["funding_gap"], rel=1e-12, abs=1e-6)
            assert total[14] == pytest.approx(p["final_cumulative_cash"], rel=1e-12)
            breakeven = rows[at + 3 + len(mine)]
            assert breakeven[1] == (p["breakeven_budget_year"] or p["breakeven_note"])
        # the option's totals by budget year, summed from the partners' tables
        at = _find(rows, f"{o['option']}: all partners by budget year")
        total = rows[at + 2 + len(o["totals_by_year"])]
        assert total[0] == "Total"
        for col, key in enumerate(("requirement", "capital", "resource", "contingency",
                                   "irrecoverable_vat", "optimism_bias", "funding",
                                   "funding_gap", "cashable_savings"), start=1):
            assert total[col] == pytest.approx(o["totals"][key], rel=1e-12, abs=1e-6), key


def test_the_budget_view_is_a_plain_block_nominal_and_real(written):
    path, result = written["prevention"]
    ws = openpyxl.load_workbook(path, data_only=True)["Budget view"]
    rows = _rows(ws)
    head = _find(rows, "Option", "Partner")
    factor = rows[_find(rows, "Real-to-nominal factor")]
    block = result.lenses["affordability"].to_dict()
    assert rows[head][4:4 + result.case.horizon_years] == [
        r["budget_year"] for r in block["options"][0]["totals_by_year"]]
    seen = 0
    for o in block["options"]:
        for p in o["partners"]:
            net = [r["net_cash"] for r in o["by_year"] if r["agency"] == p["agency"]]
            nominal = rows[_find(rows[head:], o["option"], p["agency"]) + head]
            assert nominal[2:4] == ["Net cash position", "nominal"]
            real = rows[_find(rows[head:], o["option"], p["agency"]) + head + 1]
            assert real[3].startswith("real")
            for k, value in enumerate(net):
                assert nominal[4 + k] == pytest.approx(value, rel=1e-12, abs=1e-9)
                assert real[4 + k] * factor[4 + k] == pytest.approx(value, rel=1e-12, abs=1e-9)
            seen += 1
        for x in o["pooled_cash"]:  # contributions by partner and year
            r = next(r for r in rows[head:] if r[:4] == [o["option"], x["agency"],
                                                         "Pooled-budget contribution",
                                                         "nominal"])
            assert r[4 + x["year"] - result.case.base_year] == pytest.approx(
                x["contribution"], rel=1e-12)
    assert seen == sum(len(o["partners"]) for o in block["options"])


def test_irr_is_a_formula_only_where_appraisal_finance_finds_one_rate(written):
    path, result = written["prevention"]
    book = openpyxl.load_workbook(path)
    measures = _measures(book["Financial measures"])
    block = result.lenses["affordability"].to_dict()
    expected = {(o["option"], "Option (economic, real)"): o["measures"]["irr"]
                for o in block["options"]}
    expected.update({(o["option"], f"{p['agency']} (net cash, nominal)"):
                     p["measures"]["irr"] for o in block["options"] for p in o["partners"]})
    assert set(measures) == set(expected)
    statuses = set()
    for key, irr in expected.items():
        cell = measures[key]["Internal rate of return"]
        statuses.add(irr["status"])
        if irr["status"] == "unique":
            assert cell.startswith("=IRR(")
            assert measures[key]["IRR (appraisal.finance)"] == pytest.approx(irr["irr"],
                                                                              rel=1e-12)
        else:  # what appraisal.finance reports, in words; never a formula
            assert cell == f"No IRR reported: {irr['note']}"
    assert statuses == {"unique", "none", "multiple"}


def test_npv_is_green_book_and_excel_npv_is_shown_one_period_short(written):
    path, result = written["falls"]
    book = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = _measures(book["Financial measures"])
    cached = _measures(values["Financial measures"])
    rate = result.compiled.rates[0][0]
    for key, row in formulas.items():
        green, excel = row["NPV (Green Book: v0 + NPV(r, v1:vn))"], row[
            "Excel NPV(r, v0:vn) (not the NPV: year 0 discounted)"]
        assert "+NPV(" in green
        assert not green.startswith("=NPV(")
        assert excel.startswith("=NPV(")
        got = cached[key]
        assert got["Excel NPV(r, v0:vn) (not the NPV: year 0 discounted)"] * (1 + rate) == \
            pytest.approx(got["NPV (appraisal.finance)"], rel=1e-12)


def test_dates_are_1_april_serials():
    assert excel_date(dt.date(2025, 4, 1)) == 45748  # =DATE(2025,4,1) in Excel
    assert excel_date(dt.date(1900, 3, 1)) == 61    # after Excel's phantom 29 Feb 1900


def _engine(result) -> dict[tuple[str, str], dict[str, float | None]]:
    """IRR, MIRR, XNPV, NPV of every stream, from results.json's numbers and appraisal.finance."""
    c = result.compiled
    rate = float(c.rates[0][0])
    dates = [dt.date(int(y), 4, 1) for y in c.years]
    streams = {}
    data = result.to_dict()
    cf = data["counterfactual"]
    sign = np.where(c.is_cost, -1.0, 1.0)
    per = (result.real_flows * sign[:, None]).T @ c.option_matrix
    for o, name in enumerate(c.option_names):
        if name != cf:
            streams[(name, "Option (economic, real)")] = per[:, o] - per[:, c.counterfactual]
    for o in data.get("affordability", {}).get("options", []):
        for p in o["partners"]:
            streams[(o["option"], f"{p['agency']} (net cash, nominal)")] = np.array(
                [r["net_cash"] for r in o["by_year"] if r["agency"] == p["agency"]])
    out = {}
    for key, v in streams.items():
        s = finance.irr_summary(v)
        m = finance.mirr(v, rate, rate)
        out[key] = {"irr": s["irr"], "mirr": None if math.isnan(m) else m,
                    "xnpv": finance.xnpv(rate, v, dates), "npv": finance.npv(rate, v)}
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["prevention", "falls"])
def test_libreoffice_recalculates_the_financial_sheets_to_the_engine(written, name, tmp_path):
    soffice_or_skip()
    path, result = written[name]
    saved = recalculate(path, tmp_path)
    got = read_values(saved)
    # saved by LibreOffice (its own formula text), the workbook still reads as the same case
    again = load_case(saved)
    assert dataclasses.replace(again, source_path="", source_sha256="") == \
        dataclasses.replace(result.case, source_path="", source_sha256="")
    grid = open_grid(path)
    scale = max([1.0, *(abs(m.pv_costs) for m in result.options)])
    checked = 0
    for title in SHEETS:
        if title not in grid.sheet_names:
            continue
        for (r, col), cell in grid.sheet(title).cells.items():
            if cell.formula is None:
                continue
            ref = f"{column_letter(col)}{r}"
            value, new = cell.value, got[title].get(ref)
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert isinstance(new, int | float), (title, ref, cell.formula, new)
                assert math.isclose(new, value, rel_tol=1e-9, abs_tol=1e-9 * scale if
                                    abs(value) < 1e-6 * scale else 0.0), (title, ref, new, value)
            else:
                assert new == value, (title, ref, cell.formula, new, value)
            checked += 1
    grid.close()
    assert checked > 30
    # the recalculated measures against appraisal.finance on results.json's streams
    ws = openpyxl.load_workbook(path)["Financial measures"]
    rows = _rows(ws)
    head = _find(rows, "Option", "Cash flows of")
    engine = _engine(result)
    columns = {"irr": "C", "mirr": "F", "xnpv": "I", "npv": "L"}
    recalculated = got["Financial measures"]
    for k, key in enumerate(engine):
        r = head + 2 + k
        assert tuple(rows[r - 1][:2]) == key
        for measure, letter in columns.items():
            want = engine[key][measure]
            if want is None:
                assert isinstance(recalculated[f"{letter}{r}"], str)
                continue
            assert math.isclose(recalculated[f"{letter}{r}"], want, rel_tol=1e-9), (
                key, measure, recalculated[f"{letter}{r}"], want)
        for letter in ("E", "H", "K", "N"):
            assert recalculated.get(f"{letter}{r}") in ("OK", None)
    if name == "prevention":  # the Financial case totals against results.json
        rows = _rows(openpyxl.load_workbook(path)["Financial case"])
        for o in result.to_dict()["affordability"]["options"]:
            at = _find(rows, f"{o['option']}: all partners by budget year")
            r = at + 3 + len(o["totals_by_year"])  # 1-based row of the total
            for col, key in enumerate(("requirement", "capital", "resource", "contingency",
                                       "irrecoverable_vat", "optimism_bias", "funding",
                                       "funding_gap", "cashable_savings"), start=2):
                assert math.isclose(got["Financial case"][f"{column_letter(col)}{r}"],
                                    o["totals"][key], rel_tol=1e-9, abs_tol=1e-9 * scale)
