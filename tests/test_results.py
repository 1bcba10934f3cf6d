"""Results: frozen, JSON layout with the documented fields, table views, manifest, hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from appraisal.engine.results import RESULTS_SCHEMA_VERSION, AppraisalResult
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate
from appraisal.outputs.files import results_json

OPTION_FIELDS = {"name", "counterfactual", "pv_costs", "pv_benefits", "npsv", "bcr"}
INCREMENTAL_FIELDS = {"pv_costs", "pv_benefits", "npsv", "bcr", "vfm_category"}


@pytest.fixture(scope="module")
def capital() -> AppraisalResult:
    return evaluate(load_case(example_path("capital")))


@pytest.fixture
def minimal(minimal_text, write_case, tmp_path) -> AppraisalResult:
    return evaluate(load_case(write_case(tmp_path, minimal_text)))


def test_to_dict_has_the_documented_fields(capital):
    data = capital.to_dict()
    assert data["schema_version"] == RESULTS_SCHEMA_VERSION
    assert {"preferred_option", "switching_values", "manifest", "options", "counterfactual",
            "price_base", "bcr_definition", "parameters_used", "warnings"} <= set(data)
    assert data["preferred_option"] == capital.preferred_option == "New build"
    assert data["counterfactual"] == "Business as usual"
    for option in data["options"]:
        assert OPTION_FIELDS <= set(option)
        assert INCREMENTAL_FIELDS <= set(option["incremental"])
    assert len(data["switching_values"]) == len(capital.switching_values) > 0
    assert {"target", "subject", "option", "test", "change", "note"} <= set(
        data["switching_values"][0])


def test_to_dict_values_match_the_metrics(capital):
    for option, m in zip(capital.to_dict()["options"], capital.options, strict=True):
        assert (option["name"], option["npsv"], option["bcr"]) == (m.name, m.npsv, m.bcr)
        assert option["incremental"]["npsv"] == m.inc_npsv
        assert option["incremental"]["bcr"] == m.inc_bcr


def test_results_json_is_strict_json_with_null_for_undefined_values(minimal):
    text = results_json(minimal)
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    bau = data["options"][0]
    assert bau["counterfactual"] is True
    assert bau["bcr"] is None
    assert bau["incremental"]["bcr"] is None
    assert bau["incremental"]["vfm_category"] is None


def test_manifest_records_provenance(capital):
    manifest = capital.manifest
    source = example_path("capital")
    assert manifest["input"] == source.name
    assert manifest["input_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert manifest["parameter_vintage"] == "GB2026"
    assert manifest["tool_version"] not in ("", None)
    assert manifest["packages"]["numpy"]
    assert manifest["price_base"] == "real, 2025 prices"
    assert manifest["parameter_packs"] == ["green_book"]


def test_parameters_used_carry_their_sources(capital):
    tables = {r.table_name for r in capital.parameters_used}
    assert {"discount_schedules", "optimism_bias"} <= tables
    assert all(r.source for r in capital.parameters_used)
    frame = capital.to_frame("parameters")
    assert {"value", "source", "edition", "confidence"} <= set(frame.columns)


@pytest.mark.parametrize(("view", "columns"), [
    ("options", {"pv_costs", "pv_benefits", "npsv", "bcr", "inc_vfm_category", "inc_npsv"}),
    ("lines", {"option", "line", "kind", "pv", "ob_uplift", "source"}),
    ("cashflows", {"option", "line", "year", "t", "real", "discounted"}),
    ("switching", {"target", "subject", "option", "test", "change"}),
    ("parameters", {"table_name", "value", "source"}),
])
def test_table_views(capital, view, columns):
    frame = capital.to_frame(view)
    assert columns <= set(frame.columns)
    assert len(frame) > 0


def test_cashflow_view_sums_to_the_line_present_values(capital):
    frame = capital.to_frame("cashflows")
    by_line = frame.groupby(["option", "line"], sort=False)["discounted"].sum()
    for i, line in enumerate(capital.case.lines):
        assert by_line[(line.option, line.name)] == pytest.approx(capital.pv_lines[i])


def test_unknown_view_and_option_are_refused(capital):
    with pytest.raises(ValueError, match=r"unknown view 'summary'"):
        capital.to_frame("summary")
    with pytest.raises(KeyError, match=r"no option 'Demolish'"):
        capital.option("Demolish")


def test_results_are_frozen(capital):
    with pytest.raises(dataclasses.FrozenInstanceError):
        capital.preferred_option = "Refurbish"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        capital.options[0].npsv = 0.0  # type: ignore[misc]
    for name in ("real_flows", "discounted_flows", "pv_lines"):
        with pytest.raises(ValueError, match=r"read-only"):
            getattr(capital, name)[...] = 0.0


def test_results_hash_is_reproducible_and_sensitive(minimal_text, write_case, tmp_path):
    """Reliability plan 7.8: same input twice gives the same hash; a changed byte changes it."""
    first = evaluate(load_case(write_case(tmp_path, minimal_text, "a.yaml")))
    again = evaluate(load_case(write_case(tmp_path, minimal_text, "a.yaml")))
    changed = evaluate(load_case(write_case(tmp_path, minimal_text.replace("2026: 50",
                                                                           "2026: 51"),
                                            "a.yaml")))
    assert first.results_hash() == again.results_hash()
    assert first.results_hash() != changed.results_hash()
