"""The Ledger and Switching values sheets of results.xlsx are live (issue 15, item 4).

LibreOffice recalculates them, on the prevention and capital examples, to the numbers of
``results.json`` (the public-value ledger's PV costs, PV benefits and net position by
agency and option; the switching values and their PVs), within 1e-9 relative; after a
what-if typed into ``Profiles`` they equal the engine's run of the edited workbook.
"""

from __future__ import annotations

import json
import math

import openpyxl
import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.cli.commands import main
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_ledger import LIVE_FORMULA, NO_SWITCHING_VALUE, VALUE_TYPE_WORDS
from appraisal.outputs.files import write_outputs
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip

EXAMPLES = ("prevention", "capital")


def _run(name: str, folder):
    """The run's results.json and results.xlsx, written as `appraisal run` writes them."""
    result = evaluate(load_case(example_path(name)))
    write_outputs(result, folder, formats=("json", "xlsx"), force=True)
    return result, json.loads((folder / "results.json").read_text()), folder / "results.xlsx"


def _close(got, want, scale: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9 * scale)


def _ledger_rows(ws):
    """(agency or value type, option) -> row, for the two tables of the Ledger sheet."""
    agencies: dict[tuple[str, str], int] = {}
    types: dict[tuple[str, str], int] = {}
    table = agencies
    for r in range(5, ws.max_row + 1):
        a, o = ws.cell(r, 1).value, ws.cell(r, 2).value
        if a == "Value type":
            table = types
        elif a and o and ws.cell(r, 3).value is not None:
            table[(a, o)] = r
    return agencies, types


def _check_ledger(values, ws, data, scale):
    """The recalculated Ledger equals results.json's public-value ledger and options."""
    agencies, types = _ledger_rows(ws)
    pv = data["public_value"]
    checked = 0
    for option in pv["options"]:
        for row in option["agencies"]:
            key = (row["agency"], option["option"])
            if key not in agencies:  # an agency with no line in this option shows no row
                assert row["pv_costs"] == row["pv_benefits"] == 0.0, key
                continue
            r = agencies[key]
            for col, field in (("C", "pv_costs"), ("D", "pv_benefits"), ("E", "net")):
                assert _close(values[f"{col}{r}"], row[field], scale), (key, field)
                checked += 1
    for option in data["options"]:
        r = agencies[("All agencies", option["name"])]
        assert _close(values[f"C{r}"], option["pv_costs"], scale)
        assert _close(values[f"D{r}"], option["pv_benefits"], scale)
        assert _close(values[f"E{r}"], option["npsv"], scale)
    words = {v: k for k, v in VALUE_TYPE_WORDS.items()}
    for row in pv["by_value_type"]:
        for vt in ("fiscal", "economic", "social", "unclassified"):
            key = (VALUE_TYPE_WORDS[vt], row["option"])
            if key in types:
                assert _close(values[f"E{types[key]}"], row[vt], scale), key
                checked += 1
            else:
                assert row[vt] == 0.0, key
    assert all(a in words for a, _ in types)
    return checked


def _check_switching(values, data, scale, *, live_only=False):
    """The recalculated Switching values equal results.json's switching values, in order."""
    checked = 0
    for k, sv in enumerate(data["switching_values"]):
        r = 5 + k
        assert _close(values[f"G{r}"], sv["pv"], scale), sv
        how = values[f"I{r}"]
        if live_only and how != LIVE_FORMULA:
            continue
        got = values.get(f"E{r}")
        if sv["change"] is None:
            assert got == NO_SWITCHING_VALUE, sv
        else:
            assert math.isclose(got, sv["change"], rel_tol=1e-9, abs_tol=1e-12), sv
        assert (values.get(f"J{r}") or "") == sv["note"], sv
        checked += 1
    return checked


def test_the_sheets_hold_formulas_with_the_engines_numbers_beside_them(tmp_path):
    result, data, path = _run("capital", tmp_path)
    book = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    ws, values = book["Ledger"], cached["Ledger"]
    agencies, _ = _ledger_rows(ws)
    r = agencies[("Council", "New build")]
    assert ws[f"C{r}"].value.startswith("=SUMPRODUCT(Calculation!$O$")
    assert "EXACT(Calculation!$E$" in ws[f"C{r}"].value
    # the cached value and the engine's column are the engine's ledger
    row = next(a for o in data["public_value"]["options"] if o["option"] == "New build"
               for a in o["agencies"] if a["agency"] == "Council")
    assert values[f"E{r}"].value == pytest.approx(row["net"], rel=1e-12)
    assert values[f"H{r}"].value == pytest.approx(row["net"], rel=1e-12)
    sw = book["Switching values"]
    live = [k for k, sv in enumerate(result.switching_values)
            if sw[f"I{5 + k}"].value == LIVE_FORMULA]
    # live exactly where the test is the break-even of an option other than BAU
    assert live == [k for k, sv in enumerate(result.switching_values)
                    if sv.conclusion == "break_even" and sv.option != "Business as usual"]
    assert all(sw[f"E{5 + k}"].value.startswith("=IF(") for k in live)
    assert sw["E5"].value == NO_SWITCHING_VALUE  # BAU: a value of this run
    meta = {r_[0]: r_[1] for r_ in book["_meta"].iter_rows(values_only=True)}
    protected = "".join(str(meta[f"protected.{i}"])
                        for i in range(1, meta["protected.parts"] + 1))
    assert '"sheet":"Ledger"' in protected
    assert '"sheet":"Switching values"' in protected


def test_an_edited_ledger_or_switching_formula_is_refused(tmp_path, capsys):
    _, _, path = _run("capital", tmp_path)
    book = openpyxl.load_workbook(path)
    book["Ledger"]["C5"].value = 1234
    book["Switching values"]["E7"].value = 0.5
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    assert "Ledger!C5" in err
    assert "'Switching values'!E7" in err or "Switching values!E7" in err


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", EXAMPLES)
def test_libreoffice_gives_the_ledger_and_switching_values_of_results_json(name, tmp_path):
    soffice_or_skip()
    result, data, path = _run(name, tmp_path / "out")
    recalc = tmp_path / "recalc"
    recalc.mkdir()
    values = read_values(recalculate(path, recalc))
    scale = max(abs(m.npsv) for m in result.options)
    ws = openpyxl.load_workbook(path)["Ledger"]
    assert _check_ledger(values["Ledger"], ws, data, scale) >= 6
    assert _check_switching(values["Switching values"], data, scale) == len(
        data["switching_values"])
    for sheet, col in (("Ledger", "B"), ("Switching values", "D")):
        row = next(k[1:] for k, v in values[sheet].items() if k.startswith("A")
                   and v == "Formulas agree with the engine run")
        assert values[sheet][f"{col}{row}"] == "OK", sheet


@pytest.mark.libreoffice
def test_a_what_if_on_profiles_moves_the_ledger_and_switching_values_as_the_engine(tmp_path):
    """Raise a cost line's yearly amount by half on Profiles: LibreOffice's Ledger and live
    switching values equal the engine's run of the edited workbook, and the checks say the
    sheet no longer matches the run that wrote it."""
    soffice_or_skip()
    before, _, path = _run("prevention", tmp_path / "out")
    book = openpyxl.load_workbook(path)
    profiles = book["Profiles"]
    head = [c.value for c in profiles[1]]
    amount = head.index("Amount a year") + 1
    row = next(r for r in profiles.iter_rows(min_row=3) if r[0].value == "Whole-family service"
               and str(r[1].value).startswith("Commissioned key-worker"))
    row[amount - 1].value = row[amount - 1].value * 1.5
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    after = evaluate(read_case_workbook(edited))
    assert after.options[2].npsv != pytest.approx(before.options[2].npsv, rel=1e-3)
    out = tmp_path / "after"
    write_outputs(after, out, formats=("json",), force=True)
    data = json.loads((out / "results.json").read_text())
    recalc = tmp_path / "recalc"
    recalc.mkdir()
    values = read_values(recalculate(edited, recalc))
    scale = max(abs(m.npsv) for m in after.options)
    ws = book["Ledger"]
    assert _check_ledger(values["Ledger"], ws, data, scale) >= 6
    assert _check_switching(values["Switching values"], data, scale, live_only=True) >= 10
    for sheet, col in (("Ledger", "B"), ("Switching values", "D")):
        checks = [v for k, v in values[sheet].items() if k.startswith(col) and v in
                  ("OK", "CHANGED")]
        assert checks == ["CHANGED"], sheet  # the formulas moved away from the run's numbers
