"""Discount schedules as objects, and a case's own per-year schedules (issue 12, item 4).

Known answers follow the Green Book's compounding rule (Green Book 2018 annex A6; DfT TAG
"Forthcoming change: Green Book updates", 2026): ``DF_0 = 1`` and
``DF_t = DF_{t-1} / (1 + r(t))``, year 0 undiscounted, each year's own rate applied once.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from appraisal import (
    AppraisalValidationError,
    case_from_records,
    case_to_records,
    evaluate,
    load_case,
)
from appraisal.engine.compile import compile_case, evaluate_arrays, with_schedule_map
from appraisal.greenbook.discounting import DiscountSchedule, schedule_rates
from appraisal.outputs.convert import case_to_yaml, convert_case


def _case(schedules=None, schedule="local", horizon=4, **extra):
    data = {
        "title": "Own schedule", "base_year": 2025, "horizon_years": horizon,
        "options": [{"name": "Business as usual", "counterfactual": True}, {"name": "Build"}],
        "lines": [
            {"option": "Build", "name": "Works", "kind": "cost", "values": {2025: 100}},
            {"option": "Build", "name": "Savings", "kind": "benefit", "schedule": schedule,
             "values": {2026: 40, 2027: 40, 2028: 40}},
        ],
        **extra,
    }
    if schedules is not None:
        data["discount_schedules"] = schedules
    return data


def test_own_schedule_compounds_year_by_year():
    case = case_from_records(**_case({"local": [0.04, 0.04, 0.03]}))
    result = evaluate(case)
    df = [1.0, 1 / 1.04, 1 / 1.04**2, 1 / (1.04**2 * 1.03)]
    expected = -100 * df[0] + 40 * (df[1] + df[2] + df[3])
    npsv = {o.name: o.npsv for o in result.options}
    assert npsv["Build"] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(11.34888263342, rel=1e-10)
    compiled = compile_case(case)
    assert compiled.schedule_names == ("standard", "local")
    assert compiled.schedules[1].rates.tolist() == [0.04, 0.04, 0.03]


def test_own_schedule_is_flagged_to_the_reviewer():
    result = evaluate(case_from_records(**_case({"local": [0.02, 0.02, 0.02]})))
    own = [w for w in result.warnings if w.code == "own-discount-schedule"]
    assert len(own) == 1
    assert own[0].field == "lines[1].schedule"
    assert "'local' (2.00% a year)" in own[0].message
    assert "not on a Green Book schedule" in own[0].message


def test_a_longer_schedule_is_cut_to_the_horizon_and_a_shorter_one_refused():
    longer = compile_case(case_from_records(**_case({"local": [0.04] * 10})))
    assert longer.rates.shape == (2, 3)
    with pytest.raises(AppraisalValidationError) as info:
        case_from_records(**_case({"local": [0.04, 0.04]}))
    issue = info.value.issues[0]
    assert (issue.code, issue.field) == ("schedule-too-short", "discount_schedules.local")
    assert "t = 1 .. 3" in issue.message


@pytest.mark.parametrize(("schedules", "code", "field"), [
    ({"standard": [0.01, 0.01, 0.01]}, "schedule-name-taken", "discount_schedules.standard"),
    ({"local": [0.04, 3.5, 0.04]}, "out-of-range", "discount_schedules.local[1]"),
    ({"local": [0.04, -1.0, 0.04]}, "out-of-range", "discount_schedules.local[1]"),
    ({"local": [0.04, "4%", 0.04]}, "wrong-type", "discount_schedules.local[1]"),
    ({"local": 0.04}, "wrong-type", "discount_schedules.local"),
    ([0.04, 0.04, 0.04], "wrong-type", "discount_schedules"),
])
def test_bad_schedules_are_refused_at_their_field(schedules, code, field):
    with pytest.raises(AppraisalValidationError) as info:
        case_from_records(**_case(schedules))
    assert (code, field) in {(i.code, i.field) for i in info.value.issues}


def test_a_line_naming_an_unknown_schedule_is_told_the_case_ones():
    with pytest.raises(AppraisalValidationError) as info:
        case_from_records(**_case({"local": [0.04] * 3}, schedule="locl"))
    issue = info.value.issues[0]
    assert issue.field == "lines[1].schedule"
    assert "local" in issue.message
    assert "'local'" in issue.fix


def test_percent_typed_as_a_whole_number_is_explained():
    with pytest.raises(AppraisalValidationError) as info:
        case_from_records(**_case({"local": [3.5, 3.5, 3.5]}))
    assert all("0.035 for 3.5%" in i.fix for i in info.value.issues)


def test_records_and_workbook_round_trip_the_own_schedule(tmp_path):
    case = case_from_records(**_case({"local": [0.04, 0.04, 0.03]}))
    records = case_to_records(case)
    assert records["discount_schedules"] == {"local": [0.04, 0.04, 0.03]}
    again = case_from_records(**records)
    assert again.discount_schedules == case.discount_schedules
    source = tmp_path / "own.yaml"
    source.write_text(case_to_yaml(case), encoding="utf-8")
    book = convert_case(source, tmp_path / "own.xlsx")
    read = load_case(book)
    assert read.discount_schedules == case.discount_schedules
    assert [ln.schedule for ln in read.lines] == ["standard", "local"]
    assert [o.npsv for o in evaluate(read).options] == [o.npsv for o in evaluate(case).options]


def test_workbook_schedule_with_a_gap_is_located_in_workbook_words(tmp_path):
    case = case_from_records(**_case({"local": [0.04, 0.04, 0.03]}))
    source = tmp_path / "own.yaml"
    source.write_text(case_to_yaml(case), encoding="utf-8")
    book = convert_case(source, tmp_path / "own.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Discount schedules"]
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == ["Schedule", "Year (t)", "Rate"]
    ws.cell(4, 2).value = 5  # the rows now give years 1, 5 and 3
    wb.save(book)
    with pytest.raises(AppraisalValidationError) as info:
        load_case(book)
    messages = [(i.location, i.message) for i in info.value.issues]
    assert len(messages) == 1, messages  # the lines naming 'local' are not refused again
    assert any(loc.startswith("'Discount schedules'!") and "no rate for year 2" in msg
               for loc, msg in messages), messages


def test_schedule_object_reads_the_pack_once():
    standard = DiscountSchedule.from_pack("standard", 60)
    assert np.array_equal(standard.rates, schedule_rates("standard", 60))
    assert standard.rows
    assert all(r.table_name == "discount_schedules" for r in standard.rows)
    assert not standard.rates.flags.writeable
    with pytest.raises(ValueError, match="gives rates for 60 years"):
        standard.first(61)
    with pytest.raises(ValueError, match="greater than -1"):
        DiscountSchedule.from_rates("bad", [0.03, -1.5])


def test_schedule_swap_equals_a_recompile_for_the_reduced_rate_test():
    long = _case(horizon=70, schedule="health")
    long["lines"].append({"option": "Build", "name": "Upkeep", "kind": "cost",
                          "profile": {"type": "constant", "start": 2026, "end": 2094,
                                      "amount": 1.0}})
    case = case_from_records(**long)
    compiled = compile_case(case)
    swapped = with_schedule_map(compiled, {"standard": "reduced"})
    again = compile_case(case, schedule_map={"standard": "reduced"})
    assert swapped.schedule_names == again.schedule_names == ("reduced", "health")
    assert np.array_equal(swapped.rates, again.rates)
    assert np.array_equal(swapped.line_schedule, again.line_schedule)
    assert np.array_equal(evaluate_arrays(swapped).npsv, evaluate_arrays(again).npsv)
    # the swap keeps the rows of the schedules the main result used, and adds the reduced ones
    assert set(again.parameters_used) <= set(swapped.parameters_used)
    reduced = evaluate(case).reduced_schedule
    assert reduced is not None
    assert reduced["options"][1]["npsv"] == pytest.approx(
        float(evaluate_arrays(again).npsv[0, 1]), rel=1e-12)
