"""Every case round-trips through its workbooks (issue 15, item 1).

``appraisal run results.xlsx`` must reproduce the ``results.json`` of the run that wrote
the workbook, and so must the template filled from the case, for every shipped example
(the prevention example's case sections and valued lines included) and for random cases.
Only the manifest's record of the input file (its name and SHA-256) may differ.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import Case, case_from_records, evaluate, example_path, load_case
from appraisal.case.case_data import case_to_data
from appraisal.cli.commands import main
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.convert import convert_case
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.excel_template import write_template

EXAMPLES = ["minimal", "capital", "prevention", "falls"]
#: The manifest's record of the input file, and where each warning is in it, are the only
#: things a workbook run may change.
_INPUT_RECORD = {("manifest", "input"), ("manifest", "input_sha256")}


def _same_case(a: Case, b: Case) -> bool:
    return dataclasses.replace(a, source_path="", source_sha256="") == dataclasses.replace(
        b, source_path="", source_sha256="")


def _differences(a: Any, b: Any, path: tuple[Any, ...] = (), rel: float = 1e-9) -> list[str]:
    """Where two results.json trees differ (numbers to ``rel`` relative)."""
    if path in _INPUT_RECORD or (len(path) == 3 and path[0] == "warnings"
                                 and path[2] == "location"):
        return []  # where the input is (a file:line or a Sheet!Cell) follows the input
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _differences(a[k], b[k], (*path, k), rel)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} and {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, (*path, i), rel)]
    numbers = (int, float)
    if (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)
            and not isinstance(b, bool)):
        if a == b or math.isclose(a, b, rel_tol=rel, abs_tol=0.0):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_differences_sees_a_changed_number_and_ignores_the_input_record():
    base = {"options": [{"npsv": 100.0}], "manifest": {"input": "a.yaml", "seed": 1}}
    assert _differences(base, base) == []
    moved = {"options": [{"npsv": 100.0 * (1 + 1e-8)}], "manifest": {"input": "b.xlsx",
                                                                       "seed": 1}}
    assert _differences(base, moved) == ["('options', 0, 'npsv'): 100.0 != 100.000001"]
    assert _differences(base, {**base, "manifest": {"input": "b.xlsx", "seed": 2}}) == [
        "('manifest', 'seed'): 1 != 2"]


def _run(source: Path, out: Path) -> dict[str, Any]:
    assert main(["run", str(source), "--out", str(out)]) == 0
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_running_the_results_workbook_reproduces_results_json(name, tmp_path, capsys):
    first = _run(example_path(name), tmp_path / "yaml")
    book = tmp_path / "yaml" / "results.xlsx"
    meta = {row[0]: row[1] for row in openpyxl.load_workbook(book)["_meta"].iter_rows(
        values_only=True)}
    assert meta["inputs_complete"] == "yes", meta.get("inputs_omitted")
    again = _run(book, tmp_path / "xlsx")
    capsys.readouterr()
    assert again["manifest"]["input"] == "results.xlsx"
    assert _differences(first, again) == []
    # and the results workbook that run wrote round-trips too
    third = _run(tmp_path / "xlsx" / "results.xlsx", tmp_path / "xlsx2")
    assert _differences(first, third) == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_running_the_filled_template_reproduces_results_json(name, tmp_path, capsys):
    """Both ways of filling a template: from the file as written (``appraisal convert``)
    and from the validated case alone (``write_template(path, case)``)."""
    first = _run(example_path(name), tmp_path / "yaml")
    converted = convert_case(example_path(name), tmp_path / "converted.xlsx")
    from_case = write_template(tmp_path / "from_case.xlsx", load_case(example_path(name)))
    for book in (converted, from_case):
        again = _run(book, tmp_path / book.stem)
        assert _differences(first, again) == [], book.name
    capsys.readouterr()


@pytest.mark.parametrize("name", EXAMPLES)
def test_yaml_to_workbook_to_yaml_is_the_identity_on_the_case(name, tmp_path):
    case = load_case(example_path(name))
    book = write_template(tmp_path / "case.xlsx", case)
    assert _same_case(read_case_workbook(book), case)
    back = convert_case(book, tmp_path / "case.yaml")
    assert _same_case(load_case(back), case)
    # the sections come back as the YAML wrote them, not in their parsed form
    assert case_to_data(load_case(back)).keys() == case_to_data(case).keys()
    for section in case.sections:
        assert case_to_data(load_case(back))[section] == case.section_data[section]


def test_a_section_without_its_written_form_is_reported_not_lost(tmp_path):
    """A case whose section has no written form (built in code) is written, and the
    results workbook says it does not hold every input instead of reading back wrong."""
    case = load_case(example_path("prevention"))
    bare = dataclasses.replace(case, section_data={})
    book = write_results_workbook(evaluate(bare), tmp_path / "results.xlsx")
    meta = {row[0]: row[1] for row in openpyxl.load_workbook(book)["_meta"].iter_rows(
        values_only=True)}
    assert meta["inputs_complete"] == "no"


_PROFILES = st.sampled_from([
    {"type": "constant", "start": 2025, "end": 2030, "amount": 1234.5},
    {"type": "one_off", "year": 2026, "amount": 5e6},
    {"type": "growth", "start": 2026, "end": 2034, "amount": 800.0, "rate": 0.025},
    {"type": "ramp_up", "start": 2025, "end": 2034, "amount": 9000.0, "ramp_years": 3},
])


@st.composite
def _cases(draw: Any) -> Case:
    """Random cases: 2-4 options, explicit and generated profiles, optional fields."""
    n_options = draw(st.integers(2, 4))
    cf = draw(st.integers(0, n_options - 1))
    lines = []
    for i in range(draw(st.integers(1, 6))):
        line: dict[str, Any] = {
            "option": f"Option {draw(st.integers(0, n_options - 1))}", "name": f"Line {i}",
            "kind": draw(st.sampled_from(["cost", "benefit"])),
            "category": draw(st.sampled_from(["capital", "operating", "economic"])),
            "agency": draw(st.sampled_from(["Council", "NHS", None])),
        }
        if draw(st.booleans()):
            line["profile"] = draw(_PROFILES)
        else:
            line["values"] = draw(st.dictionaries(st.integers(2025, 2034), st.floats(
                1, 1e9, allow_nan=False, allow_subnormal=False), min_size=1, max_size=10))
        if draw(st.booleans()):
            line["scale"] = draw(st.floats(0.5, 2.0))
        if draw(st.booleans()):
            line["delay"] = draw(st.integers(0, 3))
        if line["kind"] == "cost" and draw(st.booleans()):
            line["optimism_bias"] = {"project_type": draw(st.sampled_from(
                ["standard_buildings", "equipment_development"]))}
        if line["kind"] == "benefit" and draw(st.booleans()):
            line["unit_value"] = {"value": draw(st.floats(1.0, 1e4)), "unit": "case",
                                  "price_year": 2025, "source": "test"}
            line["outcome"] = {"deadweight": draw(st.floats(0.0, 0.5)), "source": "test"}
        lines.append({k: v for k, v in line.items() if v is not None})
    return case_from_records(
        title="random", base_year=2025, horizon_years=10,
        options=[{"name": f"Option {k}", "counterfactual": k == cf} for k in range(n_options)],
        lines=lines)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=_cases())
def test_any_generated_case_round_trips_through_its_results_workbook(case, tmp_path):
    result = evaluate(case)
    book = write_results_workbook(result, tmp_path / "results.xlsx", force=True)
    back = read_case_workbook(book)
    assert _same_case(back, case)
    assert _differences(result.to_dict(), evaluate(back).to_dict()) == []
