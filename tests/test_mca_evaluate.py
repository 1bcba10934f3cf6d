"""evaluate_mca end to end: draws, overrides, result views, decision view, errors."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError, Issues
from appraisal.lenses.mca import (
    CombineRule,
    Criterion,
    Direction,
    LocalScale,
    MCAResult,
    MCASpec,
    ValueTree,
    WeightSet,
    evaluate_mca,
    parse_mca_section,
    summary_lines,
    topsis,
)
from appraisal.lenses.mca import section as section_module
from appraisal.lenses.mca.result import FRAMES

OPTIONS = ["Do minimum", "New service"]
CBA = {"Do minimum": {"npsv": 0.0, "bcr": 1.0, "pv_costs": 2.0, "pv_benefits": 2.0},
       "New service": {"npsv": 4.0, "bcr": 1.5, "pv_costs": 8.0, "pv_benefits": 12.0}}


def documented_spec(mutate=None, options=OPTIONS):
    text = section_module.__doc__.split("The section, in full::")[1].split("Fractions")[0]
    data = yaml.safe_load(text)["mca"]
    if mutate:
        mutate(data)
    found = Issues()
    spec = parse_mca_section(data, option_names=options, locate=str, issues=found)
    assert not found.errors, [str(i) for i in found]
    return spec


def test_deterministic_scores_by_hand():
    spec = documented_spec()
    result = evaluate_mca(spec, cba=CBA)
    assert result.n_draws == 1
    assert result.weight_set_names == ("officers", "citizens_panel", "partners", "combined")
    # values: trust direct; wait linear 60 -> 0, 5 -> 100; repeat piecewise; npsv local
    np.testing.assert_allclose(result.values[0, 0], [30, 1500 / 55, 70 / 3, 0])
    np.testing.assert_allclose(result.values[0, 1], [80, 5000 / 55, 70 - 70 * 2 / 30, 100])
    # officers' swings 100/40/60/80 over 280
    w = np.array([100, 40, 60, 80]) / 280
    np.testing.assert_allclose(result.scores[0, 0], result.values[0] @ w)
    np.testing.assert_allclose(result.contributions.sum(axis=-1), result.scores[:, -1])
    combined = 0.4 * w + 0.4 * np.array([0.375, 0.1875, 0.1875, 0.25]) + 0.2 * np.array(
        [0.4, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(result.weights[0, -1], combined)
    assert result.ranks[0, :, 1].tolist() == [1, 1, 1, 1]
    assert result.dominance[0, 1, 0]
    assert not result.dominance[0, 0, 1]


def test_result_is_frozen_and_json_ready():
    result = evaluate_mca(documented_spec(), cba=CBA)
    with pytest.raises(ValueError, match="read-only"):
        result.scores[0, 0, 0] = 1.0
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["options"] == OPTIONS
    assert d["ranks"]["combined"] == {"Do minimum": 2, "New service": 1}
    assert d["dominance"] == [{"option": "Do minimum", "dominated_by": "New service",
                               "share_of_draws": 1.0}]
    assert {a["node"] for a in d["ahp"]} == {"root", "prevent"}
    assert d["decision"][1]["npsv"] == 4.0
    assert d["decision"][1]["on_frontier"] is True
    assert d["topsis"]["normalisation"] == "vector"
    assert set(d["stakeholders"]["kendall_tau"]) == {"officers", "citizens_panel", "partners"}
    for kind in FRAMES:
        frame = result.to_frame(kind)
        assert len(frame.columns) > 0, kind
    assert result.to_frame("scores").loc["New service", "rank: combined"] == 1
    with pytest.raises(AppraisalValidationError, match="unknown view"):
        result.to_frame("everything")


def test_summary_lines():
    lines = summary_lines(evaluate_mca(documented_spec(), cba=CBA))
    assert lines[0] == "MCA (linear additive): 2 options, 4 criteria, 3 weight sets + combined"
    assert lines[1].startswith("  Top option (combined weights): New service")
    assert "  Weight sets agree on the top option" in lines
    assert "  Dominated: Do minimum by New service" in lines


def test_topsis_in_evaluate_matches_the_kernel():
    result = evaluate_mca(documented_spec(), cba=CBA)
    expected = topsis(result.values[0], result.weights[0, -1], [True] * 4)
    np.testing.assert_allclose(result.topsis[0, -1], expected)


def test_draws_match_one_at_a_time_runs():
    spec = documented_spec()
    rng = np.random.default_rng(20240601)
    n = 6
    scores = spec.performance[None] + rng.uniform(-3, 3, size=(n, 2, 4))
    scores[..., 3] = np.nan
    scores[..., 0] = np.clip(scores[..., 0], 0, 100)
    npsv = rng.normal(4.0, 2.0, size=n)
    weights = rng.dirichlet(np.ones(4), size=n)
    cba = copy.deepcopy(CBA)
    cba["New service"]["npsv"] = npsv
    stacked = evaluate_mca(spec, cba=cba, weights_override=weights, scores_override=scores)
    assert stacked.scores.shape == (n, 4, 2)
    assert stacked.weights_overridden
    for d in range(n):
        one_cba = copy.deepcopy(CBA)
        one_cba["New service"]["npsv"] = float(npsv[d])
        one = evaluate_mca(spec, cba=one_cba, weights_override=weights[d],
                           scores_override=scores[d])
        np.testing.assert_allclose(stacked.scores[d], one.scores[0])
        np.testing.assert_allclose(stacked.weight_ranges.lower[d], one.weight_ranges.lower[0])
        np.testing.assert_array_equal(stacked.decision.on_frontier[d], one.decision.on_frontier[0])
    assert stacked.to_dict()["n_draws"] == n


def small_spec():
    up = Direction.INCREASE
    tree = ValueTree(criteria=(Criterion(id="a", name="A", direction=up),
                               Criterion(id="b", name="B", direction=up),
                               Criterion(id="c", name="C", direction=up)))
    perf = np.array([[80, 20, 50], [40, 90, 60], [60, 60, 55], [10, 10, 10]], dtype=float)
    return MCASpec(tree=tree, option_names=("W", "X", "Y", "Z"), performance=perf,
                   weight_sets=(WeightSet(name="s", method="swing",
                                          values=(("a", 1), ("b", 1), ("c", 1))),))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 1), min_size=3, max_size=3), st.floats(0.001, 1000))
def test_scaling_the_weights_leaves_rankings_unchanged(w, factor):
    spec = small_spec()
    base = evaluate_mca(spec, weights_override=np.array(w))
    scaled = evaluate_mca(spec, weights_override=np.array(w) * factor)
    np.testing.assert_array_equal(base.ranks, scaled.ranks)
    assert base.ranks[0, -1, 3] == 4   # Z is dominated by every other option


def test_inconsistent_ahp_becomes_a_located_warning():
    def mutate(d):
        d["weights"]["citizens_panel"]["matrices"][1]["matrix"] = [
            [1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
    result = evaluate_mca(documented_spec(mutate), cba=CBA)
    warnings = [w for w in result.warnings if w.code == "ahp-inconsistent"]
    assert len(warnings) == 1
    assert warnings[0].severity.value == "warning"
    assert warnings[0].field == "mca.weights.citizens_panel.matrices[prevent]"
    assert any("consistency ratio" in line for line in summary_lines(result))


def test_rank_reversal_with_a_local_scale_criterion():
    up = Direction.INCREASE
    tree = ValueTree(criteria=(Criterion(id="x", name="X", direction=up, scale=LocalScale()),
                               Criterion(id="y", name="Y", direction=up, scale=LocalScale())))
    perf = np.array([[2.0, 3.0], [9.0, 4.0], [3.0, 9.0], [2.0, 4.0]])
    spec = MCASpec(tree=tree, option_names=("A", "B", "C", "D"), performance=perf,
                   weight_sets=(WeightSet(name="s", method="swing", values=(("x", 1), ("y", 1))),),
                   topsis_normalisation="vector")
    result = evaluate_mca(spec)
    found = [r for r in result.to_dict()["rank_reversals"] if r["method"] == "linear_additive"]
    assert found == [{"removed": "A", "above": "B", "below": "C", "share_of_draws": 1.0,
                      "method": "linear_additive"}]
    check = result.to_dict()["rank_reversal_check"]
    assert check["methods"] == ["linear_additive", "topsis"]
    assert check["local_scale_criteria"] == ["x", "y"]


def test_decision_view_excludes_cost_criteria_from_the_benefit_score():
    up, down = Direction.INCREASE, Direction.DECREASE
    tree = ValueTree(criteria=(
        Criterion(id="q", name="Quality", direction=up),
        Criterion(id="cost", name="PV costs", direction=down, scale=LocalScale(),
                  cba_metric="pv_costs")))
    spec = MCASpec(tree=tree, option_names=("A", "B", "C"),
                   performance=np.array([[40, np.nan], [70, np.nan], [60, np.nan]]),
                   weight_sets=(WeightSet(name="s", method="swing",
                                          values=(("q", 60), ("cost", 40))),))
    cba = {"A": {"npsv": 1.0, "bcr": 1.2, "pv_costs": 5.0},
           "B": {"npsv": 3.0, "bcr": 1.4, "pv_costs": 10.0},
           "C": {"npsv": 2.0, "bcr": 1.1, "pv_costs": 12.0}}
    result = evaluate_mca(spec, cba=cba)
    np.testing.assert_allclose(result.decision.mca_benefit_score[0], [40, 70, 60])
    rows = {r["option"]: r for r in result.to_dict()["decision"]}
    assert rows["C"]["on_frontier"] is False
    assert rows["C"]["beaten_by"] == ["B"]
    assert rows["A"]["on_frontier"]
    assert rows["B"]["on_frontier"]
    assert rows["B"]["bcr"] == 1.4
    assert result.to_dict()["criteria"][1]["scoring"] == "cba"
    assert "  Value-for-money frontier: off it: C" in summary_lines(result)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"cba": None}, "no-cba"),
        ({"cba": {"Do minimum": {"npsv": 0.0}}}, "missing-cba-metric"),
        ({"cba": {"Do minimum": {"npsv": 0.0}, "New service": {"npsv": np.inf}}}, "not-finite"),
        ({"cba": CBA, "weights_override": [0.5, 0.5]}, "bad-shape"),
        ({"cba": CBA, "weights_override": [0.5, 0.5, -0.2, 0.2]}, "negative-weight"),
        ({"cba": CBA, "scores_override": np.zeros((3, 4))}, "bad-shape"),
        ({"cba": CBA, "scores_override": np.full((2, 4), 150.0)}, "score-out-of-range"),
        ({"cba": CBA, "weights_override": np.full((3, 4), 0.25),
          "scores_override": np.full((2, 2, 4), 50.0)}, "bad-shape"),
    ],
)
def test_evaluate_bad_input(kwargs, code):
    with pytest.raises(AppraisalValidationError) as info:
        evaluate_mca(documented_spec(), **kwargs)
    assert code in [i.code for i in info.value.issues]


def test_spec_built_in_python_is_validated():
    spec = small_spec()
    with pytest.raises(AppraisalValidationError) as info:
        MCASpec(tree=spec.tree, option_names=("W", "W", "Y", "Z"),
                performance=spec.performance, weight_sets=spec.weight_sets,
                combine=CombineRule(method="weighted"))
    codes = {i.code for i in info.value.issues}
    assert {"bad-options", "missing-key"} <= codes
    with pytest.raises(AppraisalValidationError, match="outside 0–100"):
        MCASpec(tree=spec.tree, option_names=spec.option_names,
                performance=spec.performance * 2, weight_sets=spec.weight_sets)
    assert isinstance(evaluate_mca(spec), MCAResult)


def test_stakeholders_who_disagree():
    up = Direction.INCREASE
    tree = ValueTree(criteria=(Criterion(id="a", name="A", direction=up),
                               Criterion(id="b", name="B", direction=up)))
    spec = MCASpec(tree=tree, option_names=("P", "Q", "R"),
                   performance=np.array([[90.0, 10.0], [10.0, 90.0], [45.0, 55.0]]),
                   weight_sets=(WeightSet(name="citizens", method="direct",
                                          values=(("a", 0.8), ("b", 0.2))),
                                WeightSet(name="officers", method="direct",
                                          values=(("a", 0.2), ("b", 0.8)))),
                   combine=CombineRule(method="weighted", stakeholder_weights=(0.5, 0.5)))
    result = evaluate_mca(spec)
    d = result.to_dict()
    assert d["ranks"]["citizens"] == {"P": 1, "Q": 3, "R": 2}
    assert d["ranks"]["officers"] == {"P": 3, "Q": 1, "R": 2}
    stake = d["stakeholders"]
    assert stake["same_top_share_of_draws"] == 0.0
    assert stake["rank_spread"] == {"P": 2, "Q": 2, "R": 0}
    assert stake["kendall_tau"]["citizens"]["officers"] == -1.0
    pq = next(p for p in stake["disputed_pairs"] if p["options"] == ["P", "Q"])
    assert pq["prefer_first"] == ["citizens"]
    assert pq["prefer_second"] == ["officers"]
    np.testing.assert_allclose(result.weights[0, -1], [0.5, 0.5])
    assert "  Weight sets disagree on the top option" in summary_lines(result)
