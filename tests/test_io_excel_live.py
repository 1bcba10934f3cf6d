"""The Summary is live where it matters (issue 15, item 4): the value-for-money category
and the preferred option are formulas over the Calculation sheet, and the headline results
have names (``NPSV_preferred`` ...). LibreOffice recalculates them to the engine's values,
and after a what-if edit of an input to the values of the engine run on the edited case."""

from __future__ import annotations

import math

import openpyxl
import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.engine.headline import headline
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_results import HEADLINE_NAMES, write_results_workbook
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip

EXAMPLES = ["minimal", "capital", "prevention", "falls"]


def _named(book_path, recalculated) -> dict[str, object]:
    """Value of each headline name (and Preferred_option) after recalculation."""
    book = openpyxl.load_workbook(book_path)
    out = {}
    for name in [*HEADLINE_NAMES.values(), "Preferred_option", "Headline_option"]:
        title, ref = next(iter(book.defined_names[name].destinations))
        out[name] = recalculated[title][ref.replace("$", "")]
    return out


def _expected(result) -> dict[str, object]:
    head = headline(result)
    out = {"Preferred_option": result.preferred_option,
           "Headline_option": head["preferred_option"]}
    for key, name in HEADLINE_NAMES.items():
        value = head[key]
        out[name] = "n/a" if value is None else value
    return out


def _check(got: dict[str, object], expected: dict[str, object], scale: float) -> None:
    for name, value in expected.items():
        if isinstance(value, float):
            assert math.isclose(got[name], value, rel_tol=0, abs_tol=1e-9 * scale), name
        else:
            assert got[name] == value, name


def test_the_summary_formulas_are_there_and_named(tmp_path):
    result = evaluate(load_case(example_path("prevention")))
    path = write_results_workbook(result, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path)
    summary = book["Summary"]
    categories = [summary.cell(5 + k, 8).value for k in range(len(result.options))]
    live = [c for c, m in zip(categories, result.options, strict=True) if not m.counterfactual]
    assert all(str(c).startswith("=IF(ISNUMBER(G") and "vfm_categories" in c for c in live)
    assert set(HEADLINE_NAMES.values()) | {"Preferred_option", "vfm_bcr_from",
                                           "vfm_categories"} <= set(book.defined_names)
    _, ref = next(iter(book.defined_names["Preferred_option"].destinations))
    assert summary[ref.replace("$", "")].value.startswith("=INDEX(")


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", EXAMPLES)
def test_libreoffice_gives_the_engines_headline(name, tmp_path):
    soffice_or_skip()
    result = evaluate(load_case(example_path(name)))
    path = write_results_workbook(result, tmp_path / "results.xlsx")
    out = tmp_path / "recalc"
    out.mkdir()
    recalculated = read_values(recalculate(path, out))
    scale = max(abs(m.npsv) for m in result.options) or 1.0
    _check(_named(path, recalculated), _expected(result), scale)
    summary = recalculated["Summary"]
    for k, m in enumerate(result.options):
        if not m.counterfactual and m.vfm_category is not None:
            assert summary[f"H{5 + k}"] == m.vfm_category


@pytest.mark.libreoffice
def test_a_what_if_in_the_workbook_moves_the_decision_as_the_engine_does(tmp_path):
    """Double the minimal example's avoided costs in the workbook: LibreOffice's preferred
    option and value-for-money category change, and equal the engine's run of the edit."""
    soffice_or_skip()
    before = evaluate(load_case(example_path("minimal")))
    assert before.preferred_option == "Business as usual"
    path = write_results_workbook(before, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path)
    profiles = book["Profiles"]
    row = next(r for r in profiles.iter_rows(min_row=3) if r[1].value == "Avoided costs")
    first = next(c.column for c in profiles[1] if c.value == "Total") + 1
    for cell in row[first - 1:]:
        if isinstance(cell.value, int | float) and cell.value:
            cell.value = cell.value * 2
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    out = tmp_path / "recalc"
    out.mkdir()
    recalculated = read_values(recalculate(edited, out))
    after = evaluate(read_case_workbook(edited))
    assert after.preferred_option == "New service"  # the what-if really moves the decision
    scale = max(abs(m.npsv) for m in after.options)
    got = _named(edited, recalculated)
    _check(got, _expected(after), scale)
    assert got["VfM_category_preferred"] == after.option("New service").vfm_category
    assert got["VfM_category_preferred"] != "n/a"
