"""The cost-effectiveness lens on a case: the falls example, identities with
appraisal.greenbook.cea, dominance reported as such, and located errors for bad thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from appraisal import evaluate, example_path, load_case
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.cea import frontier, icer
from appraisal.outputs.files import write_outputs


@pytest.fixture(scope="module")
def falls():
    return evaluate(load_case(example_path("falls")))


def test_falls_icers_follow_from_costs_and_effects(falls):
    """ICER vs usual care = Δcost / Δeffect of the lens's own cost and effect totals; cost =
    PV costs − PV of the 'health care saving' lines (the appraisal's own PVs)."""
    d = falls.lenses["cost_effectiveness"].to_dict()
    opts = {r["option"]: r for r in d["options"]}
    for m in falls.options:
        saving = sum(float(falls.pv_lines[i]) for i, ln in enumerate(falls.case.lines)
                     if ln.option == m.name and ln.category == "health care saving")
        assert opts[m.name]["cost"] == pytest.approx(m.pv_costs - saving, rel=1e-12)
    for r in d["versus_counterfactual"]:
        o = opts[r["option"]]
        assert r["icer"] == pytest.approx(o["cost"] / o["effect"], rel=1e-12)
        for t in r["inb"]:
            assert t["inb"] == pytest.approx(t["threshold"] * o["effect"] - o["cost"], rel=1e-9)
    assert [t["threshold"] for t in d["thresholds"]] == [20000.0, 30000.0]
    assert d["on_frontier"] == [r["option"] for r in frontier(
        [o["cost"] for o in d["options"]], [o["effect"] for o in d["options"]],
        [o["option"] for o in d["options"]]).rows if r["status"] == "frontier"]


def test_effect_is_discounted_on_the_health_schedule(falls):
    """8 QALYs a year for 10 years, discounted at the health rate (1.5%): between the
    undiscounted 80 and the STPR-discounted total."""
    d = falls.lenses["cost_effectiveness"].to_dict()
    effect = {r["option"]: r["effect"] for r in d["options"]}["Strength and balance classes"]
    stpr = sum(1.035 ** -t for t in range(10)) * 8
    assert stpr < effect < 80
    assert effect == pytest.approx(sum(1.015 ** -t for t in range(10)) * 8, rel=1e-9)


def test_dominated_option_is_reported_dominated(tmp_path, write_case):
    data = yaml.safe_load(Path(example_path("falls")).read_text(encoding="utf-8"))
    for ln in data["lines"]:   # make the second option cost more and achieve less
        if ln["option"] == "Classes and home hazard assessment" and ln["kind"] == "benefit":
            ln["profile"]["amount"] = 1
    res = evaluate(load_case(write_case(tmp_path, yaml.safe_dump(data, sort_keys=False))))
    d = res.lenses["cost_effectiveness"].to_dict()
    row = {r["option"]: r for r in d["frontier"]}["Classes and home hazard assessment"]
    assert row["status"] == "dominated"
    assert row["icer"] is None


def test_outputs_written(falls, tmp_path):
    write_outputs(falls, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["cost_effectiveness"]["effect_unit"] == "QALY"
    assert (tmp_path / "out" / "cost_effectiveness.csv").stat().st_size > 50
    assert any("ICER" in ln for ln in falls.lenses["cost_effectiveness"].summary_lines())
    assert icer(1.0, 1.0).value == 1.0


@pytest.mark.parametrize(("thresholds", "field", "code"), [
    ([0], "cost_effectiveness.thresholds[0]", "not-positive"),
    ([-5000], "cost_effectiveness.thresholds[0]", "not-positive"),
    ([25000], "cost_effectiveness.threshold_source", "missing"),
])
def test_bad_threshold_is_located(tmp_path, write_case, thresholds, field, code):
    data = yaml.safe_load(Path(example_path("falls")).read_text(encoding="utf-8"))
    data["cost_effectiveness"]["thresholds"] = thresholds
    path = write_case(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    found = [i for i in err.value.errors if i.field == field and i.code == code]
    assert found, [str(i) for i in err.value.errors]
    assert found[0].location.rsplit(":", 2)[0].endswith(path.name)
