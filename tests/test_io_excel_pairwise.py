"""AHP pairwise comparisons as square grids on the ``MCA pairwise`` sheet (issue 15, item 2):
laid out with 1 on the diagonal, judgements right of it and live reciprocals left of it;
read back into the same case; problems located at ``Sheet!Cell`` in the workbook's words."""

from __future__ import annotations

import copy

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import (
    AppraisalValidationError,
    case_from_records,
    case_to_records,
    example_path,
    load_case,
)
from appraisal.case.case_data import case_to_data
from appraisal.case.lens_sheets_pairwise import (
    ALL_CRITERIA,
    PairwiseGrid,
    join_grids,
    reciprocal,
    split_grids,
)
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_template import write_template

TITLE = "MCA pairwise"
#: A value tree with two purposes, four criteria, a swing set and an AHP set comparing the
#: top level (prevent, npsv) and prevent's three children.
_PANEL = {"method": "ahp", "variant": "eigenvector", "matrices": [
    {"node": "root", "items": ["prevent", "npsv"], "matrix": [[1, 3], ["1/3", 1]]},
    {"node": "prevent", "items": ["relate", "wait", "repeat"],
     "matrix": [[1, 2, 2], ["1/2", 1, 1], ["1/2", 1, 1]]}]}
_MCA = {
    "purposes": [{"id": "prevent", "name": "Prevent crises"},
                 {"id": "relate", "name": "Work through relationships", "parent": "prevent"}],
    "criteria": [
        {"id": "trust", "purpose": "relate", "direction": "increase"},
        {"id": "wait", "purpose": "prevent", "direction": "decrease", "scoring": "linear",
         "worst": 60, "best": 5},
        {"id": "repeat", "purpose": "prevent", "direction": "decrease"},
        {"id": "npsv", "direction": "increase", "scoring": "cba", "metric": "npsv"}],
    "weights": {"officers": {"method": "swing", "swings": {"prevent": 100, "npsv": 80,
                                                            "relate": 70, "wait": 40,
                                                            "repeat": 60}},
                "citizens_panel": _PANEL},
}


def _full_case(panel=None):
    records = case_to_records(load_case(example_path("prevention")))
    names = [o["name"] for o in records["options"]]
    scores = {n: {"trust": 30 + 10 * k, "wait": 45 - 5 * k, "repeat": 30 - 4 * k}
              for k, n in enumerate(names)}
    mca = copy.deepcopy(_MCA)
    if panel is not None:
        mca["weights"]["citizens_panel"] = panel
    records["mca"] = {**mca, "scores": scores}
    return case_from_records(**records)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("ahp") / "ahp.xlsx", _full_case())


def _grid_rows(ws):
    return [[c for c in row] for row in ws.iter_rows(min_row=3, max_col=6, values_only=True)]


def test_each_comparison_is_a_square_grid_with_live_reciprocals(book):
    ws = openpyxl.load_workbook(book)[TITLE]
    rows = _grid_rows(ws)
    # citizens_panel compares prevent with npsv at the top, then prevent's three children
    assert rows[0][:5] == ["citizens_panel", "root", "↓ compared with →", "prevent", "npsv"]
    assert rows[1][2:5] == ["=D3", 1, 3]
    assert rows[2][2:5] == ["=E3", "=1/E4", 1]
    assert rows[3] == [None] * 6  # a blank row between two grids
    assert rows[4][:6] == ["citizens_panel", "prevent", "↓ compared with →", "relate", "wait",
                           "repeat"]
    assert [r[3:6] for r in rows[5:8]] == [[1, 2, 2], ["=1/E8", 1, 1], ["=1/F8", "=1/F9", 1]]
    assert ws.freeze_panes == "D3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows.replace("$", "") == "1:2"


def test_the_grids_read_back_to_the_same_section(book):
    case = _full_case()
    back = read_case_workbook(book)
    assert back.sections["mca"] == case.sections["mca"]
    assert case_to_data(back)["mca"] == case.section_data["mca"]
    assert case_to_data(back)["mca"]["weights"]["citizens_panel"] == _PANEL


def test_one_grid_over_all_criteria_round_trips(tmp_path):
    panel = {"method": "ahp", "variant": "geometric_mean",
             "criteria": ["trust", "wait", "repeat", "npsv"],
             "matrix": [[1, 2, 0.5, 4], ["1/2", 1, 0.25, 1], [2.0, 4.0, 1, 3],
                        ["1/4", 1, "1/3", 1]]}
    case = _full_case(panel)
    path = write_template(tmp_path / "flat.xlsx", case)
    wb = openpyxl.load_workbook(path)
    rows = _grid_rows(wb[TITLE])
    assert rows[0][:4] == ["citizens_panel", ALL_CRITERIA, "↓ compared with →", "trust"]
    assert not [r for r in wb["Sections"].iter_rows(min_row=3, values_only=True) if any(r)]
    back = read_case_workbook(path)
    assert case_to_data(back)["mca"]["weights"]["citizens_panel"] == panel
    assert back.sections["mca"] == case.sections["mca"]


def test_a_matrix_the_grid_would_change_stays_on_the_sections_sheet(tmp_path):
    """0.5 left of a 2 would come back as '1/2' (the one form of a reciprocal): the matrix
    keeps its own form on Sections, and the case still round-trips."""
    panel = {"method": "ahp", "criteria": ["trust", "wait", "repeat", "npsv"],
             "matrix": [[1, 2, 1, 1], [0.5, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]}
    assert split_grids({"weights": {"citizens_panel": panel}}) == (
        [], {"weights": {"citizens_panel": panel}})
    case = _full_case(panel)
    path = write_template(tmp_path / "kept.xlsx", case)
    wb = openpyxl.load_workbook(path)
    assert wb[TITLE].cell(3, 1).value is None
    assert any(r[0] == "mca" for r in wb["Sections"].iter_rows(min_row=3, values_only=True))
    assert case_to_data(read_case_workbook(path))["mca"]["weights"]["citizens_panel"] == panel


def test_reciprocals_and_join_are_the_inverse_of_split():
    assert [reciprocal(v) for v in (1, 1.0, 3, 9.0, 0.5, 0.2)] == [1, 1, "1/3", "1/9", 2.0,
                                                                   5.0]
    grid = PairwiseGrid("p", "root", ("a", "b", "c"), {(0, 1): 3, (0, 2): 0.5, (1, 2): 1})
    section, placed = join_grids([grid], {"weights": {"p": {"method": "ahp"}}})
    assert section["weights"]["p"]["matrices"][0]["matrix"] == [[1, 3, 0.5], ["1/3", 1, 1],
                                                                [2.0, 1, 1]]
    assert split_grids(section) == ([grid], {"weights": {"p": {"method": "ahp"}}})
    # a cell left of the diagonal is located at its mirror, where the judgement is typed
    where = {path: part for path, _, part in placed}
    assert where[("weights", "p", "matrices", 0, "matrix", 2, 0)] == ("cell", 0, 2)


def _problems(path):
    with pytest.raises(AppraisalValidationError) as info:
        read_case_workbook(path)
    return info.value.issues


@pytest.mark.parametrize(("ref", "value", "code", "field", "says"), [
    ("E4", -2, "not-positive", "MCA pairwise row 4 (citizens_panel / root / prevent)",
     "'prevent' against 'npsv' is -2"),
    ("E4", 0, "not-positive", "MCA pairwise row 4 (citizens_panel / root / prevent)",
     "a judgement is a positive number"),
    ("E4", None, "missing", "MCA pairwise row 4 (citizens_panel / root / prevent)",
     "no judgement of 'prevent' against 'npsv'"),
    ("F8", "lots", "not-a-number", "MCA pairwise row 8 (citizens_panel / prevent / relate)",
     "(got 'lots')"),
    ("D5", 0.5, "formula-edited", "MCA pairwise row 5 (citizens_panel / root / npsv)",
     "1 / E4"),
    ("E10", "=1/F8", "formula-edited", "MCA pairwise row 10 (citizens_panel / prevent / "
     "repeat)", "1 / F9"),
    ("E9", 2, "bad-diagonal", "MCA pairwise row 9 (citizens_panel / prevent / wait)",
     "diagonal is 1"),
    ("A3", "citizens", "unknown-reference", "MCA pairwise row 3 (citizens / root), Weight set",
     "no weight set 'citizens' on the MCA weight sets sheet"),
    ("B7", "root", "duplicate", "MCA pairwise row 7 (citizens_panel / root), Compared under",
     "twice (also row 3)"),
    ("G8", 4, "outside-grid", "MCA pairwise row 8 (citizens_panel / prevent / relate)",
     "outside it"),
    ("E12", 3, "outside-grid", "MCA pairwise row 12", "outside any grid"),
    ("F7", "wait", "duplicate", "MCA pairwise row 7 (citizens_panel / prevent)",
     "'wait' is compared twice"),
])
def test_a_bad_cell_of_a_grid_is_one_problem_in_workbook_words(book, edited_copy, ref, value,
                                                                code, field, says):
    issues = _problems(edited_copy(book, {(TITLE, ref): value}))
    found = [(i.location, i.code) for i in issues]
    # and what follows from it: the items are not the tree's; a group left without a grid
    also = {"F7": [(f"'{TITLE}'!D7", "bad-items")],
            "A3": [(f"'{TITLE}'!A7", "missing-comparison")],
            "B7": [(f"'{TITLE}'!A3", "missing-comparison")]}.get(ref, [])
    assert found == [(f"'{TITLE}'!{ref}", code), *also], [str(i) for i in issues]
    issue = issues[0]
    assert issue.field.startswith(field), issue.field
    assert says in issue.message
    for text in (issue.message, issue.fix, issue.field):
        assert not looks_like_yaml(text), text
    assert issue.fix


def test_a_grid_of_a_weight_set_that_is_not_ahp(book, edited_copy):
    path = edited_copy(book, {("MCA weight sets", "B4"): "direct"})
    issues = _problems(path)
    assert ("'MCA pairwise'!A3", "not-ahp") in [(i.location, i.code) for i in issues]


@pytest.mark.parametrize(("typed", "mirror"), [(5, "1/5"), ("1/4", 4.0), (0.5, 2.0)])
def test_a_new_judgement_changes_the_weights(book, edited_copy, typed, mirror):
    """A what-if typed in the grid (a fraction typed as text is read as its number)."""
    case = read_case_workbook(edited_copy(book, {(TITLE, "E4"): typed}))
    panel = case_to_data(case)["mca"]["weights"]["citizens_panel"]
    value = 0.25 if typed == "1/4" else typed
    assert panel["matrices"][0]["matrix"] == [[1, value], [mirror, 1]]
    assert case.sections["mca"] != _full_case().sections["mca"]


def test_a_deleted_grid_is_said_in_workbook_words(book, edited_copy):
    edits = {(TITLE, f"{c}{r}"): None for r in (3, 4, 5) for c in "ABCDE"}
    (issue,) = _problems(edited_copy(book, edits))
    assert (issue.location, issue.code) == (f"'{TITLE}'!A7", "missing-comparison")
    assert issue.message == "the AHP weight set has no grid comparing the children of 'root'"
    assert "'root' under Compared under" in issue.fix
    assert not looks_like_yaml(issue.fix)


def test_an_ahp_set_without_grids_is_said_in_workbook_words(book, edited_copy):
    edits = {(TITLE, f"{c}{r}"): None for r in range(3, 11) for c in "ABCDEF"}
    issues = _problems(edited_copy(book, edits))
    assert [(i.location, i.code) for i in issues] == [("'MCA weight sets'!A4", "missing-key")]
    assert issues[0].message == "the AHP weight set has no grid on the MCA pairwise sheet"


def test_a_grid_typed_by_hand_needs_only_the_judgements(book, edited_copy):
    """Left of the diagonal and the diagonal itself may be left blank, or hold the
    reciprocal as a number; the grid reads the same."""
    edits = {(TITLE, ref): None for ref in ("D4", "E5", "D5", "C4", "C5")}
    edits |= {(TITLE, "D9"): 0.5, (TITLE, "D10"): None, (TITLE, "E10"): 1.0}
    path = edited_copy(book, edits)
    back = read_case_workbook(path)
    assert case_to_data(back)["mca"]["weights"]["citizens_panel"] == _PANEL


_JUDGEMENT = st.one_of(st.integers(1, 9), st.sampled_from([0.5, 0.25, 0.2, 1 / 3, 1.5]))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), data=st.data(), flat=st.booleans())
def test_split_and_join_are_inverse_for_any_grid(n, data, flat):
    """Any matrix whose left half is the reciprocal of its right half, in the grid's form,
    is laid out and put back as it was; any other is left in the section as it was."""
    items = [f"c{k}" for k in range(n)]
    upper = {(i, j): data.draw(_JUDGEMENT) for i in range(n) for j in range(i + 1, n)}
    matrix = PairwiseGrid("s", "root", tuple(items), upper).matrix()
    panel = ({"method": "ahp", "criteria": items, "matrix": matrix} if flat else
             {"method": "ahp", "matrices": [{"node": "root", "items": items,
                                             "matrix": matrix}]})
    section = {"weights": {"s": panel}}
    grids, rest = split_grids(section)
    assert [g.node for g in grids] == [ALL_CRITERIA if flat else "root"]
    assert rest == {"weights": {"s": {"method": "ahp"}}}
    assert join_grids(grids, rest)[0] == section
    if n > 1:  # the same matrix with a left-half value in another form stays as it is
        changed = copy.deepcopy(section)
        cells = changed["weights"]["s"]["matrix"] if flat else changed["weights"]["s"][
            "matrices"][0]["matrix"]
        cells[1][0] = float(1 / upper[(0, 1)]) + 0.5
        assert split_grids(changed) == ([], changed)
