"""The MCA lens inside a run: case sections, hook payloads, report sections, outputs, totals."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appraisal.lenses.mca.lens as lens
from appraisal import evaluate, load_case
from appraisal.case.schema import build_case
from appraisal.cli.commands import summary_text
from appraisal.engine.headline import LABELS, headline
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.load import example_path
from appraisal.lenses.catalogue import LENSES, section_parsers
from appraisal.lenses.mca import evaluate_mca
from appraisal.lenses.mca.case_section import LongListSection, MCASection, load_template
from appraisal.lenses.mca.totals import additive_totals, combined_weights, mca_totals
from appraisal.outputs.convert import case_to_data
from appraisal.outputs.files import write_outputs
from appraisal.outputs.report import validate_context
from appraisal.yaml_safety import parse_yaml

EXAMPLE = example_path("prevention")


@pytest.fixture(scope="module")
def raw() -> dict:
    data, _, _ = parse_yaml(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    return data


@pytest.fixture(scope="module")
def case():
    return load_case(EXAMPLE)


@pytest.fixture(scope="module")
def result(case):
    return evaluate(case)


def test_the_lens_is_listed_with_its_sections():
    """Listed once in the explicit tuple of lenses, with both section parsers."""
    listed = [entry for entry in LENSES if entry.name == "mca"]
    assert len(listed) == 1
    assert listed[0].payloads == ("mca", "long_list")
    assert set(listed[0].sections) == {"mca", "long_list"}
    assert {"mca", "long_list"} <= set(section_parsers())


def test_sections_round_trip_as_written(case, raw):
    assert isinstance(case.sections["mca"], MCASection)
    assert isinstance(case.sections["long_list"], LongListSection)
    data = case_to_data(case)
    assert data["mca"] == raw["mca"]
    assert data["long_list"] == raw["long_list"]
    # the other sections of the example have their own round trips: rebuild only these
    again = build_case({k: data[k] for k in ("schema_version", "title", "base_year",
                                             "horizon_years", "options", "mca", "long_list")}
                       | {"lines": []}, sections=section_parsers())
    assert again.sections["mca"].spec == case.sections["mca"].spec
    np.testing.assert_array_equal(again.sections["mca"].spec.performance,
                                  case.sections["mca"].spec.performance)
    assert again.sections["long_list"].long_list == case.sections["long_list"].long_list


def test_sections_are_frozen_and_picklable(case):
    section = case.sections["mca"]
    with pytest.raises(AttributeError):
        section.template = "other"  # type: ignore[misc]
    out = section.to_data()
    out["scores"].clear()  # a fresh copy: editing it leaves the section alone
    assert section.to_data()["scores"]
    back = pickle.loads(pickle.dumps(section))
    assert back.spec == section.spec
    assert back.to_data() == section.to_data()
    assert pickle.loads(pickle.dumps(case.sections["long_list"])).to_data() == \
        case.sections["long_list"].to_data()


def test_template_supplies_the_tree_and_the_case_adds_criteria(case):
    spec = case.sections["mca"].spec
    tree, _ = load_template("public_service_reform")
    ids = [c["id"] for c in tree["criteria"]]
    assert spec.tree.criterion_ids == (*ids, "npsv")
    assert case.sections["mca"].template == "public_service_reform"
    assert spec.tree.criteria[-1].cba_metric == "npsv"


def _bad_case(tmp_path, text: str, name: str = "bad.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    return {i.field: i for i in err.value.issues}


def _with_sections(mca: str, long_list: str = "") -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    start, end = text.index("\nmca:\n"), text.index("\nlines:\n")
    return text[:start] + "\n" + mca + long_list + text[end:]


def test_bad_mca_input_gives_located_errors(tmp_path):
    mca = """mca:
  template: public_value_framwork
  scores: {}
  weights: {}
"""
    found = _bad_case(tmp_path, _with_sections(mca))
    issue = found["mca.template"]
    assert issue.code == "unknown-template"
    assert issue.location.startswith("bad.yaml:")
    assert "public_value_framework" in issue.fix


def test_errors_in_the_cases_own_criteria_are_located_in_the_case(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = text.replace("      scoring: cba          #",
                       "      scoring: cba\n      metric2: x  #", 1)
    bad = bad.replace("continuity_of_worker: 80,", "continuity_of_worker: 180,", 1)
    found = _bad_case(tmp_path, bad)
    unknown = found["mca.criteria[0].metric2"]
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "metric2" in t)
    assert unknown.location == f"bad.yaml:{line}:7"
    score = found["mca.scores.Whole-family service.continuity_of_worker"]
    assert score.code == "score-out-of-range"
    assert score.location.startswith("bad.yaml:")


def test_short_list_must_name_options_of_the_case(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = text.replace("- option: Do minimum\n", "- option: Do minimal\n", 1)
    found = _bad_case(tmp_path, bad)
    issue = found["long_list.short_list[1].option"]
    assert issue.code == "unknown-reference"
    assert "Do minimum" in issue.fix


def test_hook_passes_the_cba_into_the_mca(result):
    payload = result.lenses["mca"]
    decision = {r["option"]: r for r in payload.to_dict()["decision"]}
    for m in result.options:
        assert decision[m.name]["npsv"] == pytest.approx(m.npsv)
        assert decision[m.name]["pv_costs"] == pytest.approx(m.pv_costs)
        assert decision[m.name]["bcr"] == pytest.approx(m.bcr)
    # the monetised criterion is the NPSV on a local scale: highest NPSV scores 100
    values = payload.to_dict()["values"]
    assert values[result.preferred_option]["npsv"] == pytest.approx(100.0)
    assert min(v["npsv"] for v in values.values()) == pytest.approx(0.0)


def test_results_json_and_summary_carry_the_mca(result):
    d = json.loads(json.dumps(result.to_dict()))
    assert d["mca"]["weight_sets"] == ["officers", "citizens_panel", "combined"]
    assert d["mca"]["weight_sampling"]["seed"] == lens.SAMPLING_SEED
    assert d["long_list"]["short_list"][0]["option"] == "Business as usual"
    text = summary_text(result)
    assert "MCA (linear additive): 4 options, 13 criteria" in text
    assert "officers: Whole-family service (77.6) > Whole-family service and hub" in text
    assert "Sets disagree on" in text
    assert "Short list: Business as usual" in text


def _minimal_context(result, **sections) -> dict:
    opts = [{"id": m.name, "name": m.name} for m in result.options]
    return {
        "schema_version": 1,
        "meta": {"title": "T", "date": "2026", "price_base_year": 2025,
                 "discount_base_year": 2025, "appraisal_period": {"start": 2025, "end": 2064},
                 "discount_schedule": "STPR", "bcr_definition": "PVB/PVC",
                 "counterfactual": "Business as usual"},
        "options": opts,
        "headline": {k: v for k, v in headline(result).items() if k != "labels"},
        "labels": dict(LABELS),
        "summary": {"preferred_option": result.preferred_option, "rationale": "r",
                    "key_uncertainties": "k", "switching_values": "s"},
        "cba": {"metrics": [{"option": m.name, "pv_costs": m.pv_costs,
                             "pv_benefits": m.pv_benefits, "npsv": m.npsv,
                             "bcr": m.bcr, "vfm_category": "x"} for m in result.options],
                "pv_lines": [{"category": "all", "kind": kind,
                              "pv": {m.name: getattr(m, f"pv_{kind}s") for m in result.options}}
                             for kind in ("cost", "benefit")],
                "cash_flows": {"measure": "net", "years": [2025], "net": {}}},
        "parameters": [{"name": "p", "value": 1, "unit": "u", "price_year": None, "source": "s",
                        "edition": "e", "confidence": "c"}],
        "audit": {"tool_version": "0", "generated_at": "2026-01-01", "inputs": [],
                  "parameter_vintage": "GB2026", "seed": None},
        **sections,
    }


def test_report_sections_validate(result):
    mca = result.lenses["mca"].report_context()
    strategic = result.lenses["long_list"].report_strategic()
    validate_context(_minimal_context(result, mca=mca, strategic=strategic))
    assert sum(c["weight"] for c in mca["criteria"]) == pytest.approx(1.0)
    for row in mca["scores"]:
        assert sum(row["weighted"].values()) == pytest.approx(row["total"])
    ranks = sorted((r["rank"], r["option"]) for r in mca["scores"])
    assert ranks[0][1] == "Whole-family service"
    prefs = {w["name"]: w["preferred"] for w in mca["weight_sets"]}
    assert prefs == {"officers": "Whole-family service",
                     "citizens_panel": "Whole-family service and hub"}
    assert strategic["short_list"] == [m.name for m in result.options]
    outcomes = {r["name"]: r["outcome"] for r in strategic["long_list"]}
    assert outcomes["Scope: A universal offer to every family"] == "Discounted"
    assert outcomes["Solution: Whole-family key worker with joined-up referrals"] == "Preferred"


def test_report_context_uses_the_given_option_ids(result):
    ids = {m.name: f"o{i}" for i, m in enumerate(result.options)}
    mca = result.lenses["mca"].report_context(option_ids=ids)
    assert {r["option"] for r in mca["scores"]} == set(ids.values())
    assert set(mca["weight_sets"][0]["totals"]) == set(ids.values())
    broken = copy.deepcopy(result.lenses["mca"].report_context())
    broken["criteria"][0]["weight"] += 0.1
    with pytest.raises(AppraisalValidationError) as err:
        validate_context(_minimal_context(result, mca=broken))
    assert [i.code for i in err.value.issues] == ["weights-not-normalised"]


def test_outputs_include_the_mca_tables(result, tmp_path):
    write_outputs(result, tmp_path / "out")
    scores = pd.read_csv(tmp_path / "out" / "mca_scores.csv")
    assert list(scores["option"]) == [m.name for m in result.options]
    top = scores.loc[scores["rank"] == 1, "option"].tolist()
    assert top == ["Whole-family service"]
    assert scores["npsv"].tolist() == pytest.approx([m.npsv for m in result.options])
    long_list = pd.read_csv(tmp_path / "out" / "long_list.csv")
    assert len(long_list) == 10
    assert "decision" in long_list


def test_weight_sampling_is_seeded():
    values = np.array([[90.0, 10, 50], [10, 90, 50], [50, 50, 50]])
    a = lens.weight_sampling(values, n_samples=500, seed=7)
    b = lens.weight_sampling(values, n_samples=500, seed=7)
    c = lens.weight_sampling(values, n_samples=500, seed=8)
    np.testing.assert_array_equal(a.p_first, b.p_first)
    assert not np.array_equal(a.p_first, c.p_first)
    assert a.p_first.sum() == pytest.approx(1.0)
    with pytest.raises(AppraisalValidationError):
        lens.weight_sampling(values[0], n_samples=10, seed=1)


def test_vectorised_totals_match_evaluate_mca(case):
    spec = case.sections["mca"].spec
    rng = np.random.default_rng(3)
    n_crit = len(spec.tree.criteria)
    w = rng.dirichlet(np.ones(n_crit), size=5)
    scores = np.clip(spec.performance + rng.normal(0, 5, (5, *spec.performance.shape)), 0, 100)
    cba = {o: {"npsv": rng.normal(1e6, 2e5, 5)} for o in spec.option_names}
    fast = mca_totals(spec, weights=w, scores=scores, cba=cba)
    slow = evaluate_mca(spec, cba=cba, weights_override=w, scores_override=scores)
    np.testing.assert_allclose(fast, slow.scores[:, -1], rtol=1e-12)
    # weights alone, CBA scalar: values are built once, not per draw
    one = {o: {"npsv": float(i)} for i, o in enumerate(spec.option_names)}
    np.testing.assert_allclose(mca_totals(spec, weights=w, cba=one),
                               evaluate_mca(spec, cba=one, weights_override=w).scores[:, -1])
    np.testing.assert_allclose(mca_totals(spec, cba=one)[0],
                               evaluate_mca(spec, cba=one).scores[0, -1])
    assert combined_weights(spec).sum() == pytest.approx(1.0)


def test_vectorised_totals_reject_bad_input(case):
    spec = case.sections["mca"].spec
    one = {o: {"npsv": 0.0} for o in spec.option_names}
    n_crit = len(spec.tree.criteria)
    with pytest.raises(AppraisalValidationError) as err:
        mca_totals(spec, weights=-np.ones(n_crit), cba=one)
    assert err.value.issues[0].field == "weights_override"
    with pytest.raises(AppraisalValidationError):
        mca_totals(spec, weights=np.ones((3, n_crit)), scores=np.full((2, *spec.performance.shape),
                                                                        50.0), cba=one)
    with pytest.raises(AppraisalValidationError) as err:
        mca_totals(spec, weights=np.ones(n_crit))
    assert err.value.issues[0].code == "no-cba"


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 100.0), st.integers(0, 2**32 - 1))
def test_scaling_weights_leaves_totals_unchanged(scale, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 100, (1, 4, 3))
    w = rng.dirichlet(np.ones(3), size=2)
    np.testing.assert_allclose(additive_totals(values, w * scale) / scale,
                               additive_totals(values, w), rtol=1e-9)
