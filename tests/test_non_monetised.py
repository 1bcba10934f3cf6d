"""The register of non-monetised impacts on the seven-point scale (issue 3, part 6)."""

from __future__ import annotations

import pytest

from appraisal import case_from_records
from appraisal.case.non_monetised import SCALE, parse_score, score_label
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate

OPTIONS = [{"name": "BAU", "counterfactual": True}, {"name": "A"}, {"name": "B"}]


def _case(register):
    return case_from_records(title="T", base_year=2025, horizon_years=1, options=OPTIONS,
                             lines=[], non_monetised=register)


def test_the_scale_has_seven_points_from_large_beneficial_to_large_adverse():
    assert list(SCALE.values()) == [3, 2, 1, 0, -1, -2, -3]
    assert [score_label(s) for s in (3, 0, -3)] == ["large beneficial", "neutral",
                                                     "large adverse"]


@pytest.mark.parametrize(("value", "score"), [
    ("Large beneficial", 3), ("moderate_adverse", -2), ("slight-beneficial", 1),
    ("NEUTRAL", 0), (-3, -3), (2.0, 2), ("good", None), (4, None), (True, None)])
def test_scores_parse_labels_and_integers(value, score):
    assert parse_score(value) == score


def test_register_is_carried_into_results_csv_and_summary(tmp_path):
    from appraisal.outputs.files import write_outputs

    case = _case([{"impact": "Trust", "scores": {"A": "moderate beneficial", "B": -1},
                   "evidence": "survey", "confidence": "low"}])
    result = evaluate(case)
    data = result.to_dict()["non_monetised"]
    impact = data["impacts"][0]
    assert impact["scores"] == {"BAU": 0, "A": 2, "B": -1}
    assert impact["labels"]["B"] == "slight adverse"
    assert impact["evidence"] == "survey"
    assert len(data["scale"]) == 7
    register = result.lenses["non_monetised"]
    assert register.mca_scores() == {"BAU": {"Trust": 0}, "A": {"Trust": 2},
                                     "B": {"Trust": -1}}
    assert "Trust: A moderate beneficial; B slight adverse" in register.summary_lines()[1]
    written = {p.name for p in write_outputs(result, tmp_path / "o")}
    assert "non_monetised.csv" in written
    text = (tmp_path / "o" / "non_monetised.csv").read_text()
    assert "Trust,B,-1,slight adverse" in text


@pytest.mark.parametrize(("register", "code", "field"), [
    ([{"impact": "T", "scores": {"A": "great", "B": 0}}], "bad-score", "non_monetised[0].scores.A"),
    ([{"impact": "T", "scores": {"A": 1}}], "missing-score", "non_monetised[0].scores"),
    ([{"impact": "T", "scores": {"A": 1, "B": 1, "BAU": 2}}], "counterfactual-score",
     "non_monetised[0].scores.BAU"),
    ([{"impact": "T", "scores": {"A": 1, "B": 1, "C": 1}}], "unknown-option",
     "non_monetised[0].scores.C"),
    ([{"impact": "T", "scores": {"A": 1, "B": 1}}, {"impact": "T", "scores": {"A": 1, "B": 1}}],
     "duplicate-name", "non_monetised[1].impact"),
    ({"impact": "T"}, "wrong-type", "non_monetised"),
])
def test_bad_registers_are_rejected_with_their_field(register, code, field):
    with pytest.raises(AppraisalValidationError) as err:
        _case(register)
    assert any(i.code == code and i.field == field for i in err.value.issues), err.value


def test_the_prevention_example_has_a_register():
    result = evaluate(load_case(example_path("prevention")))
    impacts = result.to_dict()["non_monetised"]["impacts"]
    assert len(impacts) >= 3
    assert all(set(i["scores"]) == {o.name for o in result.case.options} for i in impacts)
