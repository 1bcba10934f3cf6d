"""Parsing the case's mca: section and the example value trees."""

from __future__ import annotations

import copy
import pathlib

import numpy as np
import pytest
import yaml

from appraisal.errors import Issues
from appraisal.lenses.mca import (
    LinearScale,
    LocalScale,
    PiecewiseScale,
    parse_mca_section,
    parse_value_tree,
)
from appraisal.lenses.mca import section as section_module

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "mca"
OPTIONS = ["Do minimum", "New service"]


def locate(path):
    return "case.yaml:" + "/".join(map(str, path))


def documented_example():
    text = section_module.__doc__.split("The section, in full::")[1].split("Fractions")[0]
    return yaml.safe_load(text)["mca"]


def parse(data, options=OPTIONS):
    found = Issues()
    spec = parse_mca_section(data, option_names=options, locate=locate, issues=found)
    return spec, found


def test_documented_example_parses():
    spec, found = parse(documented_example())
    assert list(found) == []
    assert spec.tree.criterion_ids == ("trust", "wait", "repeat", "npsv")
    assert [p.id for p in spec.tree.purposes] == ["prevent", "relate"]
    scales = [type(c.scale) for c in spec.tree.criteria]
    assert scales[1:] == [LinearScale, PiecewiseScale, LocalScale]
    assert spec.tree.criteria[3].cba_metric == "npsv"
    assert np.isnan(spec.performance[:, 3]).all()
    assert spec.performance[1, :3].tolist() == [80, 10, 12]
    sets = {ws.name: ws for ws in spec.weight_sets}
    assert sets["officers"].scope == "global"
    assert sets["citizens_panel"].scope == "local"
    # "1/3" strings are read as fractions
    assert sets["citizens_panel"].comparisons[0].matrix[1, 0] == pytest.approx(1 / 3)
    assert spec.combine.method == "weighted"
    assert spec.combine.stakeholder_weights == (0.4, 0.4, 0.2)
    assert spec.topsis_normalisation == "vector"


def issues_of(mutate):
    data = copy.deepcopy(documented_example())
    mutate(data)
    spec, found = parse(data)
    return spec, [(i.code, i.field, i.location) for i in found.errors]


def test_criterion_without_direction_is_located():
    spec, errors = issues_of(lambda d: d["criteria"][1].pop("direction"))
    assert spec is None
    assert ("missing-key", "mca.criteria[1]", "case.yaml:mca/criteria/1") in errors


def test_unknown_key_suggests_the_right_one():
    def mutate(d):
        d["criteria"][0]["directon"] = "increase"
        d["wieghts"] = {}
    data = copy.deepcopy(documented_example())
    mutate(data)
    _spec, found = parse(data)
    messages = {(i.field, i.fix) for i in found.errors}
    assert ("mca.criteria[0].directon", "did you mean 'direction'?") in messages
    assert ("mca.wieghts", "did you mean 'weights'?") in messages


def test_non_monotone_points_are_located():
    _spec, errors = issues_of(lambda d: d["criteria"][2].update(points=[[0, 100], [10, 30],
                                                                       [40, 50]]))
    assert ("bad-value-function", "mca.criteria[2].points[2][1]",
            "case.yaml:mca/criteria/2/points/2/1") in errors


def test_scores_outside_0_100_and_missing_scores():
    def mutate(d):
        d["scores"]["Do minimum"]["trust"] = 130
        del d["scores"]["New service"]["wait"]
    _, errors = issues_of(mutate)
    assert ("score-out-of-range", "mca.scores.Do minimum.trust",
            "case.yaml:mca/scores/Do minimum/trust") in errors
    assert ("missing-score", "mca.scores.New service", "case.yaml:mca/scores/New service") in errors


def test_a_misspelt_score_key_is_one_mistake_not_also_a_missing_score():
    def misspelt(d):
        d["scores"]["New service"]["wiat"] = d["scores"]["New service"].pop("wait")
    _, errors = issues_of(misspelt)
    assert [e[:2] for e in errors] == [("unknown-reference", "mca.scores.New service.wiat")]

    def unrelated(d):  # a key close to no criterion: the missing score is still said
        d["scores"]["New service"]["zzz"] = d["scores"]["New service"].pop("wait")
    _, errors = issues_of(unrelated)
    assert {e[:2] for e in errors} == {("unknown-reference", "mca.scores.New service.zzz"),
                                       ("missing-score", "mca.scores.New service")}


def test_score_for_unknown_option_and_cba_criterion():
    def mutate(d):
        d["scores"]["New servce"] = d["scores"].pop("New service")
        d["scores"]["Do minimum"]["npsv"] = 5
    _, errors = issues_of(mutate)
    codes = {e[:2] for e in errors}
    assert ("unknown-reference", "mca.scores.New servce") in codes
    assert ("missing-option", "mca.scores") in codes
    assert ("score-for-cba-criterion", "mca.scores.Do minimum.npsv") in codes


def test_direct_weights_not_summing_to_one():
    _, errors = issues_of(lambda d: d["weights"]["partners"]["weights"].update(trust=0.5))
    assert ("weights-not-summing-to-one", "mca.weights.partners.weights",
            "case.yaml:mca/weights/partners/weights") in errors


def test_non_reciprocal_and_non_positive_ahp_matrices():
    def mutate(d):
        d["weights"]["citizens_panel"]["matrices"][0]["matrix"] = [[1, 3], [3, 1]]
        d["weights"]["citizens_panel"]["matrices"][1]["matrix"][0][1] = -2
    _, errors = issues_of(mutate)
    assert ("not-reciprocal", "mca.weights.citizens_panel.matrices[0].matrix[1][0]",
            "case.yaml:mca/weights/citizens_panel/matrices/0/matrix/1/0") in errors
    assert ("not-positive", "mca.weights.citizens_panel.matrices[1].matrix[0][1]",
            "case.yaml:mca/weights/citizens_panel/matrices/1/matrix/0/1") in errors


def test_every_problem_is_reported_at_once():
    def mutate(d):
        d["criteria"][0]["direction"] = "up"
        d["criteria"][1]["best"] = 90            # contradicts direction: decrease
        d["scores"]["Do minimum"]["repeat"] = "lots"
        d["weights"]["officers"]["swings"]["npsv"] = -5
        d["combine"]["weights"]["partners"] = 0.5
        d["topsis"]["normalisation"] = "euclid"
    spec, errors = issues_of(mutate)
    assert spec is None
    fields = {e[1] for e in errors}
    assert {"mca.criteria[0].direction", "mca.criteria[1].best", "mca.scores.Do minimum.repeat",
            "mca.weights.officers.swings.npsv", "mca.combine.weights",
            "mca.topsis.normalisation"} <= fields


def test_section_must_be_a_mapping_and_needs_weights():
    spec, found = parse([1, 2])
    assert spec is None
    assert found.errors[0].code == "wrong-type"
    _, errors = issues_of(lambda d: d.pop("weights"))
    assert ("missing-key", "mca", "case.yaml:mca") in errors
    _, errors = issues_of(lambda d: d["weights"].update(combined={"method": "swing"}))
    assert ("bad-name", "mca.weights.combined", "case.yaml:mca/weights/combined") in errors


def test_linear_without_ends_is_a_local_scale():
    data = {"criteria": [{"id": "a", "name": "A", "direction": "increase", "scoring": "linear"}],
            "scores": {"X": {"a": 3}, "Y": {"a": 5}},
            "weights": {"w": {"method": "swing", "swings": {"a": 1}}}}
    spec, found = parse(data, ["X", "Y"])
    assert not found.errors
    assert isinstance(spec.tree.criteria[0].scale, LocalScale)


def test_value_outside_the_value_function_is_a_warning():
    data = copy.deepcopy(documented_example())
    data["scores"]["Do minimum"]["wait"] = 90
    spec, found = parse(data)
    assert spec is not None
    assert [(w.code, w.field) for w in found.warnings] == [
        ("outside-value-function", "mca.scores.Do minimum.wait")]


@pytest.mark.parametrize("name", ["public_service_reform", "public_value_framework"])
def test_example_value_trees_parse_and_are_marked_illustrative(name):
    text = (DATA / f"{name}.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    assert doc["about"]["status"] == "illustrative template"
    assert "ILLUSTRATIVE TEMPLATE" in text
    found = Issues()
    tree = parse_value_tree(doc["mca"], locate=locate, issues=found)
    assert list(found) == []
    assert tree is not None
    for criterion in tree.criteria:
        assert criterion.purpose is not None
        assert criterion.description


def test_public_service_reform_principles_and_pvf_pillars():
    """The six principles named in the issue, and the four pillars of the Public Value
    Framework (Barber 2017, Delivering better outcomes for citizens, HM Treasury)."""
    psr = yaml.safe_load((DATA / "public_service_reform.yaml").read_text("utf-8"))
    assert [p["name"] for p in psr["mca"]["purposes"]] == [
        "Relational", "Strengths-based", "Preventative", "Joined-up", "Adaptive", "Equitable"]
    pvf = yaml.safe_load((DATA / "public_value_framework.yaml").read_text("utf-8"))
    assert [p["name"] for p in pvf["mca"]["purposes"]] == [
        "Pursuing goals", "Managing inputs", "Engaging users and citizens",
        "Developing system capacity"]
    assert any("Barber" in s for s in pvf["about"]["sources"])
    assert any("Christie" in s for s in psr["about"]["sources"])
