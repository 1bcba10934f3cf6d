"""Validation of the report context: every problem found at once, each located."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from appraisal.errors import AppraisalValidationError
from appraisal.outputs.report import SCHEMA_VERSION, validate_context

EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"


@pytest.fixture(scope="module")
def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def ctx(example) -> dict:
    return copy.deepcopy(example)


def problems(ctx: dict) -> list:
    with pytest.raises(AppraisalValidationError) as err:
        validate_context(ctx)
    assert err.value.source == "report context"
    return err.value.issues


def test_example_context_is_valid_and_covers_every_section(example):
    validate_context(example)
    assert example["schema_version"] == SCHEMA_VERSION
    for key in ("strategic", "optimism_bias", "public_value", "distributional",
                "non_monetised", "mca", "uncertainty", "assumptions"):
        assert example[key], key
    assert len(example["options"]) == 4
    assert len(example["distributional"]["groups"]) == 5
    assert len([r for r in example["public_value"]["agencies"]["rows"]
                if r["pv_costs"] > 0]) == 3


def test_every_problem_is_reported_at_once_with_its_field(ctx):
    del ctx["meta"]["title"]
    ctx["cba"]["metrics"][1]["npsv"] = float("nan")
    ctx["options"][0]["nmae"] = "typo"
    ctx["summary"]["preferred_option"] = "nope"
    issues = problems(ctx)
    found = {(i.code, i.field) for i in issues}
    assert ("missing-key", "meta.title") in found
    assert ("not-finite", "cba.metrics[1].npsv") in found
    assert ("unknown-key", "options[0].nmae") in found
    assert ("unknown-option", "summary.preferred_option") in found
    assert all(i.message and i.fix and i.location == "report context" for i in issues)


def test_unknown_key_suggests_the_close_match(ctx):
    ctx["cba"]["metricz"] = ctx["cba"].pop("metrics")
    fixes = {i.field: i.fix for i in problems(ctx)}
    assert fixes["cba.metricz"] == "did you mean 'metrics'?"


def test_option_maps_must_name_declared_options_and_cover_all(ctx):
    line = ctx["cba"]["pv_lines"][0]
    line["pv"]["ghost"] = line["pv"].pop("do-min")
    found = {(i.code, i.field) for i in problems(ctx)}
    assert ("unknown-option", "cba.pv_lines[0].pv.ghost") in found
    assert ("missing-key", "cba.pv_lines[0].pv.do-min") in found


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("cba", "metrics", 2, "bcr"), True, "not-a-number"),
        (("cba", "metrics", 2, "pv_costs"), "29.5m", "not-a-number"),
        (("optimism_bias", "rows", 0, "mitigation"), 20, "out-of-range"),
        (("non_monetised", "impacts", 0, "scores", "preferred"), 4, "out-of-range"),
        (("non_monetised", "impacts", 0, "scores", "preferred"), 1.5, "not-a-number"),
        (("meta", "price_base_year"), 2024.0, "not-a-number"),
        (("cba", "pv_lines", 0, "kind"), "Benefit", "not-allowed"),
        (("audit", "inputs", 0, "sha256"), "ABC", "bad-format"),
        (("schema_version",), 2, "not-allowed"),
        (("meta", "money_unit"), "£bn", "not-allowed"),
        (("summary", "rationale"), "x" * 40_000, "text-too-long"),
    ],
)
def test_wrong_values_are_refused_with_their_path(ctx, path, value, code):
    target = ctx
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    issues = problems(ctx)
    assert (code, field) in {(i.code, i.field) for i in issues}, issues


def test_percentages_entered_as_whole_numbers_get_a_hint(ctx):
    ctx["optimism_bias"]["rows"][0]["mitigation"] = 20
    (issue,) = problems(ctx)
    assert "between 0 and 1 (got 20)" in issue.message
    assert "not percentages" in issue.fix


def test_pv_lines_must_add_up_to_the_metrics(ctx):
    ctx["cba"]["metrics"][2]["pv_benefits"] += 1_000_000
    found = {(i.code, i.field) for i in problems(ctx)}
    assert ("inconsistent-totals", "cba.metrics[2].pv_benefits") in found


def test_aligned_lists_must_have_matching_lengths(ctx):
    ctx["cba"]["cash_flows"]["net"]["preferred"].pop()
    ctx["distributional"]["weights"].pop()
    hist = ctx["uncertainty"]["monte_carlo"]["histograms"]["preferred"]
    hist["bin_edges"] = hist["bin_edges"][:-1]
    fields = {i.field for i in problems(ctx) if i.code == "wrong-length"}
    assert fields == {"cba.cash_flows.net.preferred", "distributional.weights",
                      "uncertainty.monte_carlo.histograms.preferred.bin_edges"}


def test_duplicate_option_ids_are_refused(ctx):
    ctx["options"][3]["id"] = ctx["options"][2]["id"]
    assert "duplicate-id" in {i.code for i in problems(ctx)}


def test_mca_weights_must_sum_to_one(ctx):
    ctx["mca"]["criteria"][0]["weight"] = 0.5
    ctx["mca"]["weight_sets"][1]["weights"]["fit"] = 0.0
    fields = {i.field for i in problems(ctx) if i.code == "weights-not-normalised"}
    assert fields == {"mca.criteria", "mca.weight_sets[1].weights"}


def test_mca_scores_must_use_declared_criteria(ctx):
    row = ctx["mca"]["scores"][0]
    row["scores"]["speed"] = row["scores"].pop("fit")
    found = {(i.code, i.field) for i in problems(ctx)}
    assert ("unknown-criterion", "mca.scores[0].scores.speed") in found
    assert ("missing-key", "mca.scores[0].scores.fit") in found


def test_extra_is_free_form_but_other_top_level_keys_are_not(ctx):
    ctx["extra"] = {"anything": [1, {"goes": None}]}
    validate_context(ctx)
    ctx["extras"] = {}
    assert [i.field for i in problems(ctx)] == ["extras"]


def test_not_a_dict_at_all():
    (issue,) = problems([])  # type: ignore[arg-type]
    assert issue.code == "not-a-mapping"
