"""The MCA and long-list sections as sheets of their own (issue 15, item 2): ``MCA weight
sets``, ``MCA``, ``Long list objectives``, ``Long list`` and ``Short list`` instead of
path/value rows on ``Sections``; round-tripped; problems located at ``Sheet!Cell`` with the
row's criterion, weight set, choice or option and worded for the workbook."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from appraisal import (
    AppraisalValidationError,
    case_from_records,
    case_to_records,
    example_path,
    load_case,
)
from appraisal.case import lens_sheets_mca as M
from appraisal.case.case_data import case_to_data
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.case.sheets import CASE_ROWS, MAP_EXPANSIONS
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.lenses.mca import long_list as lens_long_list
from appraisal.lenses.mca.aggregation import NORMALISATIONS
from appraisal.lenses.mca.ahp import AHP_VARIANTS
from appraisal.lenses.mca.section import SCORING
from appraisal.lenses.mca.stakeholders import COMBINE_METHODS
from appraisal.lenses.mca.tree import CBA_METRICS
from appraisal.lenses.mca.value_functions import Direction
from appraisal.lenses.mca.weights import WEIGHT_METHODS
from appraisal.outputs.convert import convert_case
from appraisal.outputs.excel_template import write_template

_TITLES = ("MCA weight sets", "MCA", "Long list objectives", "Long list", "Short list")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return convert_case(example_path("prevention"), tmp_path_factory.mktemp("mca") / "p.xlsx")


def _rows(ws, first=3):
    return [row for row in ws.iter_rows(min_row=first, values_only=True)
            if any(v is not None for v in row)]


def _case_settings(ws):
    """The Case sheet's rows by field path (the Field column shows each row's words)."""
    names = {row.label: row.name for row in CASE_ROWS}
    return {names.get(r[0], r[0]): r[1] for r in _rows(ws)}


def _headers(ws):
    return [c.value for c in ws[1] if c.value is not None]


def test_the_closed_choices_are_the_lens_own():
    """The case layer repeats the lens's choices (it may not import the lenses)."""
    assert M.DIRECTIONS == tuple(d.value for d in Direction)
    assert M.SCORING == SCORING
    assert set(M.CBA_MEASURES) == set(CBA_METRICS)
    assert M.WEIGHT_METHODS == WEIGHT_METHODS
    assert M.AHP_VARIANTS == AHP_VARIANTS
    assert M.DIMENSIONS == lens_long_list.DIMENSIONS
    assert M.ASSESSMENTS == lens_long_list.ASSESSMENTS
    assert M.DECISIONS == lens_long_list.DECISIONS
    rows = {key: choices for key, _, _, choices in MAP_EXPANSIONS["mca"]}
    assert rows["combine.method"] == COMBINE_METHODS
    assert rows["topsis.normalisation"] == NORMALISATIONS
    titles = [t.title for t in LENS_TABLES]
    assert titles.index("MCA weight sets") < titles.index("MCA")
    assert titles.index("Long list objectives") < titles.index("Long list")


def test_the_prevention_mca_and_long_list_are_sheets_not_sections_rows(book):
    wb = openpyxl.load_workbook(book)
    case = load_case(example_path("prevention"))
    spec = case.sections["mca"].spec
    options = [o.name for o in case.options]
    mca = wb["MCA"]
    assert _headers(mca) == ["ID", "Kind", "Name", "Under (purpose)", "Direction", "Unit",
                             "Scoring", "CBA measure", "Worst", "Best", "Points",
                             "Description", "officers (swing)", "citizens_panel (swing)",
                             *options]
    rows = {r[0]: r for r in _rows(mca)}
    assert rows["npsv"][1:8] == ("criterion", "Net present social value (from the CBA)", None,
                                 "increase", "£", "cba", "npsv")
    # the template's criteria hold the scores: one per option, as the parsed performance
    col = {o: 14 + k for k, o in enumerate(options)}  # 0-based: after 12 + 2 columns
    ids = [c.id for c in spec.tree.criteria]
    for o, name in enumerate(options):
        for j, ident in enumerate(ids):
            if spec.tree.criteria[j].cba_metric is None:
                assert rows[ident][1] == "from template"
                assert rows[ident][col[name]] == spec.performance[o, j]
    officers = dict(next(w for w in spec.weight_sets if w.name == "officers").values)
    assert {k: r[12] for k, r in rows.items() if r[12] is not None} == officers
    sets = _rows(wb["MCA weight sets"])
    assert [(r[0], r[1]) for r in sets] == [("officers", "swing"), ("citizens_panel", "swing")]
    objectives = _rows(wb["Long list objectives"])
    assert [r[1] for r in objectives] == ["so1", "so2", "so3", "affordable", "achievable"]
    long_list = wb["Long list"]
    assert _headers(long_list) == ["Dimension", "ID", "Name", "so1", "so2", "so3", "affordable",
                                   "achievable", "Decision", "Reason"]
    parsed = case.sections["long_list"].long_list
    assert [(r[0], r[1]) for r in _rows(long_list)] == [(c.dimension, c.id)
                                                        for c in parsed.choices]
    assert [r[0] for r in _rows(wb["Short list"])] == [s.name for s in parsed.short_list]
    on_sections = {r[0] for r in _rows(wb["Sections"])}
    assert not on_sections & {"mca", "long_list"}
    settings = {k: v for k, v in _case_settings(wb["Case"]).items()
                if str(k).startswith("mca.")}
    assert settings == {"mca.description": spec.description,
                        "mca.template": "public_service_reform", "mca.combine.method": "mean",
                        "mca.topsis.normalisation": None}


def test_the_workbook_reads_back_to_the_same_sections(book):
    original = load_case(example_path("prevention"))
    back = load_case(book)
    for name in ("mca", "long_list"):
        assert back.sections[name] == original.sections[name]
        assert case_to_data(back)[name] == original.section_data[name]


#: A section with every kind of row: purposes, linear, piecewise and cba criteria, a swing
#: set with local swings, a direct set, an AHP set (its matrices on MCA pairwise), a
#: weighted combination and TOPSIS (the example of appraisal.lenses.mca.section, adapted).
_FULL = {
    "description": "Options for the early-help service",
    "purposes": [{"id": "prevent", "name": "Prevent crises before they happen"},
                 {"id": "relate", "name": "Work through relationships", "parent": "prevent"}],
    "criteria": [
        {"id": "trust", "name": "Builds trusting relationships", "purpose": "relate",
         "direction": "increase", "unit": "score 0-100", "scoring": "direct"},
        {"id": "wait", "name": "Days to a first contact", "purpose": "prevent",
         "direction": "decrease", "unit": "days", "scoring": "linear", "worst": 60, "best": 5},
        {"id": "repeat", "name": "Repeat referrals within a year", "purpose": "prevent",
         "direction": "decrease", "unit": "%", "scoring": "piecewise",
         "points": [[0, 100], [10, 70.5], [40, 0]]},
        {"id": "npsv", "name": "Net present social value", "direction": "increase",
         "unit": "£m", "scoring": "cba", "metric": "npsv"}],
    "weights": {
        "officers": {"method": "swing", "swings": {"prevent": 100, "npsv": 80, "relate": 70,
                                                    "wait": 40, "repeat": 60}},
        "citizens_panel": {"method": "ahp", "variant": "eigenvector", "matrices": [
            {"node": "root", "items": ["prevent", "npsv"], "matrix": [[1, 3], ["1/3", 1]]},
            {"node": "prevent", "items": ["relate", "wait", "repeat"],
             "matrix": [[1, 2, 2], ["1/2", 1, 1], ["1/2", 1, 1]]}]},
        "partners": {"method": "direct", "description": "from the partnership board",
                     "weights": {"trust": 0.4, "wait": 0.2, "repeat": 0.2, "npsv": 0.2}}},
    "combine": {"method": "weighted",
                "weights": {"officers": 0.4, "citizens_panel": 0.4, "partners": 0.2}},
    "topsis": {"normalisation": "vector"},
}


def _full_case():
    records = case_to_records(load_case(example_path("prevention")))
    names = [o["name"] for o in records["options"]]
    scores = {n: {"trust": 30 + 10 * k, "wait": 45 - 5 * k, "repeat": 30 - 4 * k}
              for k, n in enumerate(names)}
    records["mca"] = {**_FULL, "scores": scores}
    return case_from_records(**records)


def test_a_section_with_every_kind_of_row_round_trips(tmp_path):
    case = _full_case()
    path = write_template(tmp_path / "full.xlsx", case)
    wb = openpyxl.load_workbook(path)
    rows = {r[0]: r for r in _rows(wb["MCA"])}
    assert [r[1] for r in rows.values()] == ["purpose"] * 2 + ["criterion"] * 4
    assert rows["relate"][3] == "prevent"
    assert rows["repeat"][10] == "0, 100; 10, 70.5; 40, 0"
    assert (rows["wait"][8], rows["wait"][9]) == (60, 5)
    assert "officers (swing)" in _headers(wb["MCA"])
    assert "partners (weight)" in _headers(wb["MCA"])
    sets = {r[0]: r for r in _rows(wb["MCA weight sets"])}
    assert sets["citizens_panel"][1:4] == ("ahp", "eigenvector", 0.4)
    assert not _rows(wb["Sections"])  # the pairwise matrices are grids of MCA pairwise
    grids = [r[:2] for r in _rows(wb["MCA pairwise"]) if r[0] is not None]
    assert grids == [("citizens_panel", "root"), ("citizens_panel", "prevent")]
    settings = {k: v for k, v in _case_settings(wb["Case"]).items()
                if str(k).startswith("mca.")}
    assert settings["mca.combine.method"] == "weighted"
    assert settings["mca.topsis.normalisation"] == "vector"
    back = read_case_workbook(path)
    assert back.sections["mca"] == case.sections["mca"]
    assert case_to_data(back)["mca"] == case.section_data["mca"]


def test_points_that_text_would_change_stay_on_the_sections_sheet():
    """A fraction written as text in a point would come back as a number: not laid out."""
    section = {"criteria": [{"id": "a", "direction": "increase", "scoring": "piecewise",
                             "points": [[0, "1/3"], [1, 0]]}]}
    assert M.MCA_CRITERIA.split(section) == ([], section)
    assert M.points_data(M.points_text([[0, 1.5], [2e6, 0]])) == [[0, 1.5], [2e6, 0]]


def _broken(book, tmp_path, edits):
    """Edit cells picked by (sheet, row key in column key_col, header) and read the book."""
    target = tmp_path / "edited.xlsx"
    shutil.copy(book, target)
    wb = openpyxl.load_workbook(target)
    refs = []
    for (title, key, header, key_col), value in edits.items():
        ws = wb[title]
        row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, key_col).value == key)
        col = next(c.column for c in ws[1] if c.value == header)
        ws.cell(row, col).value = value
        refs.append(ws.cell(row, col).coordinate)
    wb.save(target)
    with pytest.raises(AppraisalValidationError) as info:
        read_case_workbook(target)
    return info.value.issues, refs


def _worded(issue):
    assert not looks_like_yaml(issue.message), issue.message
    assert not looks_like_yaml(issue.fix), issue.fix
    assert not looks_like_yaml(issue.field), issue.field
    assert issue.fix


@pytest.mark.parametrize(("edit", "value", "location", "field", "code", "says"), [
    (("MCA", "npsv", "Direction", 1), "upward", "MCA!E3", "MCA row 3 (npsv), Direction",
     "bad-choice", "increase, decrease"),
    (("MCA", "trust_in_service", "Do minimum", 1), "lots", "MCA!P5",
     "MCA row 5 (trust_in_service), Do minimum", "not-a-number", "'lots'"),
    (("MCA", "npsv", "officers (swing)", 1), "big", "MCA!M3",
     "MCA row 3 (npsv), officers (swing)", "not-a-number", "'big'"),
    (("MCA", "own_goals", "Kind", 1), "criteria", "MCA!B6", "MCA row 6 (own_goals), Kind",
     "bad-choice", "from template"),
    (("MCA", "own_goals", "Direction", 1), "increase", "MCA!E6",
     "MCA row 6 (own_goals), Direction", "template-row-details", "shipped value tree"),
    (("MCA weight sets", "officers", "Method", 1), "swingg", "'MCA weight sets'!B3",
     "MCA weight sets row 3 (officers), Method", "bad-choice", "swing, ahp, direct"),
    (("Long list", "wards", "so1", 2), "sort of", "'Long list'!D4",
     "Long list row 4 (wards), so1", "bad-choice", "meets, partly, does_not"),
    (("Long list objectives", "so1", "Kind", 2), "objective", "'Long list objectives'!A3",
     "Long list objectives row 3 (so1), Kind", "bad-choice", "spending objective"),
    (("Short list", "Do minimum", "Option", 1), "Do minimal", "'Short list'!A4",
     "Short list row 4 (Do minimal), Option", "unknown-reference", "Do minimal"),
    (("Short list", "Do minimum", "Scope", 1), "ward", "'Short list'!C4",
     "Short list row 4 (Do minimum), Scope", "unknown-reference", "ward"),
])
def test_one_bad_cell_is_one_problem_in_workbook_words(book, tmp_path, edit, value, location,
                                                       field, code, says):
    issues, _ = _broken(book, tmp_path, {edit: value})
    assert [(i.location, i.code) for i in issues] == [(location, code)], [
        str(i) for i in issues]
    issue = issues[0]
    assert issue.field == field
    assert says in issue.message
    _worded(issue)


def test_shares_that_do_not_sum_to_one(book, tmp_path):
    issues, _ = _broken(book, tmp_path, {
        ("Case", "MCA: how the weight sets combine", "Value", 1): "weighted",
        ("MCA weight sets", "officers", "Share", 1): 0.5,
        ("MCA weight sets", "citizens_panel", "Share", 1): 0.6})
    (issue,) = issues
    assert (issue.location, issue.code) == ("'MCA weight sets'!D3",
                                            "weights-not-summing-to-one")
    assert issue.field == "MCA weight sets row 3 (officers), Share"
    assert "1.1" in issue.message
    _worded(issue)


def test_a_misspelt_template_id_is_one_problem_at_its_id_cell(book, tmp_path):
    """The ID is unknown to the row's four scores and two swings, and the criterion it
    stands for has none: one mistake, said once where it was typed."""
    issues, _ = _broken(book, tmp_path, {("MCA", "own_goals", "ID", 1): "own_goal"})
    assert [(i.location, i.code) for i in issues] == [("MCA!A6", "unknown-reference")], [
        str(i) for i in issues]
    (issue,) = issues
    assert issue.field == "MCA row 6 (own_goal), ID"
    assert issue.message == ("unknown criterion 'own_goal', so the 6 values of its row are "
                             "not read")
    assert issue.fix == "did you mean 'own_goals'?"
    _worded(issue)


def test_a_new_criterion_without_direction_is_told_what_to_fill_in(book, tmp_path):
    target = tmp_path / "added.xlsx"
    shutil.copy(book, target)
    wb = openpyxl.load_workbook(target)
    ws = wb["MCA"]
    row = next(r for r in range(3, ws.max_row + 2) if ws.cell(r, 1).value is None)
    ws.cell(row, 1).value = "reach"
    ws.cell(row, 2).value = "criterion"
    wb.save(target)
    with pytest.raises(AppraisalValidationError) as info:
        read_case_workbook(target)
    missing = next(i for i in info.value.issues if i.code == "missing-key")
    assert missing.location == f"MCA!A{row}"
    assert missing.field.startswith(f"MCA row {row} (reach)")
    assert missing.fix == "fill in Direction"
    _worded(missing)
