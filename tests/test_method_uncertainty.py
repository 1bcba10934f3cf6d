"""Uncertainty methods: deterministic analyses start from the case, the Monte Carlo mean is
reported beside the central estimate, switching values name the option that takes over,
Sobol indices for both comparisons with partial variances, and the edge cases (constant
inputs, a one-year horizon) that used to crash.

Published sources: the Green Book (2022) asks for expected values (paras 5.64-5.66 and
Annex A5, "Risk and uncertainty"), which is why the Monte Carlo mean is shown beside the
central estimate; the Sobol known answers are the analytic variance decompositions of the
Ishigami function (Ishigami and Homma 1990; Saltelli et al. 2008, *Global Sensitivity
Analysis: The Primer*, sec. 4.9) and of Sobol's G function (Sobol' 1998; Saltelli et al.
2008, sec. 3.6; Saltelli et al. 2010, *Comput. Phys. Commun.* 181, 259-270).
The Green Book paragraph numbers could not be checked against the text from here (the
search tool holds no copy); the test does not depend on them.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import appraisal.lenses.uncertainty.lens
from appraisal import evaluate, example_path, load_case
from appraisal.cli.commands import main
from appraisal.lenses.uncertainty.case_model import CaseModel
from appraisal.lenses.uncertainty.deterministic import (
    one_way,
    scenario_table,
    switching_value,
    switching_values,
)
from appraisal.lenses.uncertainty.gsa import sobol_analysis
from appraisal.lenses.uncertainty.lens import analyse_uncertainty
from appraisal.lenses.uncertainty.test_functions import ishigami, sobol_g

with contextlib.suppress(ImportError):  # the prevention example also has MCA sections
    import appraisal.lenses.mca.lens  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
README_CASE = re.search(r"## Sensitivity and uncertainty.*?```yaml\n(.*?)```", README,
                        re.S).group(1)

#: Skewed inputs added to the examples that have no uncertainty section: none is
#: centred on the case's value, so a base taken from the distributions would differ.
SKEWED = {"draws": 0, "seed": 3, "inputs": [
    {"name": "cost scale", "target": {"kind": "cost"}, "field": "scale",
     "distribution": {"dist": "pert", "low": 0.95, "mode": 1.1, "high": 1.6}},
    {"name": "benefit scale", "target": {"kind": "benefit"}, "field": "scale",
     "distribution": {"dist": "interval90", "low": 0.6, "high": 1.3}},
    {"name": "benefit delay", "target": {"kind": "benefit"}, "field": "delay",
     "distribution": {"dist": "discrete", "values": [1, 2], "probabilities": [0.6, 0.4]}},
    {"name": "rate", "target": "all", "field": "rate_shift",
     "distribution": {"dist": "triangular", "low": -0.005, "mode": 0.004, "high": 0.01}}],
    "scenarios": {"bad": {"cost scale": 1.5}}}


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _with_section(tmp_path: Path, example: str, section: dict) -> Path:
    data = yaml.safe_load(Path(example_path(example)).read_text(encoding="utf-8"))
    data["uncertainty"] = section
    return _write(tmp_path, yaml.safe_dump(data, sort_keys=False), f"{example}.yaml")


def _cases(tmp_path: Path) -> dict[str, Path]:
    return {"prevention": Path(example_path("prevention")),
            "minimal": _with_section(tmp_path, "minimal", SKEWED),
            "capital": _with_section(tmp_path, "capital", SKEWED),
            "readme": _write(tmp_path, README_CASE, "readme.yaml")}


# ------------------------------------------------------------------ start from the case
@pytest.mark.parametrize("name", ["prevention", "minimal", "capital", "readme"])
def test_deterministic_bases_are_the_appraisal(name, tmp_path):
    """Tornado base, the 'central' scenario and the switching values' starting point are
    the case as appraised (appraisal.evaluate), to 1e-9, even where every distribution is
    skewed or off-centre (issue 5)."""
    case = load_case(_cases(tmp_path)[name])
    result = evaluate(case)
    npsv = np.array([m.npsv for m in result.options])
    model = CaseModel(case)
    np.testing.assert_allclose(model.evaluate_values({})["npsv"][0], npsv, rtol=0,
                               atol=1e-9 * max(1.0, np.abs(npsv).max()))
    np.testing.assert_allclose(model.case_npsv, npsv, rtol=1e-12, atol=1e-9)
    tornado = one_way(model)
    focus = model.option_names.index(tornado.option)
    cf = model.counterfactual
    assert tornado.base_npsv == pytest.approx(npsv[focus] - npsv[cf], rel=1e-12, abs=1e-9)
    central = scenario_table(model)[0]
    assert central["scenario"] == "central"
    assert central["npsv"] == pytest.approx(dict(zip(model.option_names, npsv, strict=True)),
                                            rel=1e-12, abs=1e-9)
    assert central["preferred_option"] == result.preferred_option
    for s in switching_values(model):
        assert s.option == (result.preferred_option if s.field != "eta"
                            else s.option)  # eta: weighted NPSV's own preferred option
        own = model.case_values[s.parameter]
        if np.isfinite(own):
            assert s.base_value == own


def test_readme_case_reports_the_appraisal_and_names_off_centre_inputs(tmp_path):
    """The README's uncertainty example: its deterministic NPSV is negative, so business
    as usual is preferred; the tornado base must be that NPSV (not +1.94 from the
    distributions' medians), the switching values are for business as usual losing first
    place, and 'avoided costs' (a 90% interval whose median is not 1) is listed."""
    case = load_case(_write(tmp_path, README_CASE))
    result = evaluate(case)
    new = next(m for m in result.options if not m.counterfactual)
    res = analyse_uncertainty(case, draws=4000)
    assert result.preferred_option == "Business as usual"
    assert res.tornado.base_npsv == pytest.approx(new.inc_npsv, rel=1e-12)
    assert res.tornado.base_npsv < 0
    assert {s.option for s in res.switching} == {"Business as usual"}
    found = [s for s in res.switching if s.value is not None]
    assert found
    assert {s.rival for s in found} == {"New service"}
    differs = {d["input"]: d for d in res.central_differs}
    avoided = case.sections["uncertainty"].input("avoided costs").distribution
    assert set(differs) == {"avoided costs"}
    assert differs["avoided costs"]["case_value"] == 1.0
    assert differs["avoided costs"]["distribution_central"] == pytest.approx(avoided.central)
    as_json = res.to_dict()
    assert as_json["central_differs"][0]["input"] == "avoided costs"
    ctx = res.report_context()
    assert ctx["central_differs"][0]["distribution_central"] == pytest.approx(avoided.central)


# ------------------------------------------------------------------ mean beside central
def test_monte_carlo_mean_is_beside_the_central_estimate_with_a_reason(tmp_path, capsys):
    """results.json, the CLI summary and the report show the central estimate and the
    Monte Carlo mean together; the sentence names the input whose mean departs most from
    the case's value, weighted by its one-way effect (here 'avoided costs', mean 1.15
    against 1 in the case)."""
    path = _write(tmp_path, README_CASE)
    case = load_case(path)
    res = analyse_uncertainty(case, draws=20000)
    cvm = res.monte_carlo["central_versus_mean"]
    row = next(r for r in res.monte_carlo["options"] if r["option"] == res.focus)
    assert cvm["central"] == pytest.approx(res.tornado.base_npsv, rel=1e-12)
    assert row["inc_npsv"]["central"] == cvm["central"]
    assert cvm["mean"] == row["inc_npsv"]["mean"]
    assert abs(cvm["difference"]) > 2 * cvm["mcse"]  # a real difference, not noise
    effects = {e["input"]: e for e in cvm["input_effects"]}
    top = max(effects.values(), key=lambda e: abs(e["effect"]) * (
        np.sign(e["effect"]) == np.sign(cvm["difference"])))
    assert top["input"] == "avoided costs"
    assert "avoided costs" in cvm["explanation"]
    assert ("above" if cvm["difference"] > 0 else "below") in cvm["explanation"]
    assert "central estimate" in " ".join(res.summary_lines())
    assert cvm["explanation"] in "\n".join(res.summary_lines())
    ctx = res.report_context()["monte_carlo"]
    assert ctx["mean_versus_central"] == cvm["explanation"]
    assert {r["option"]: r["central"] for r in ctx["summary"]}[res.focus] == cvm["central"]
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--force"]) == 0
    printed = capsys.readouterr().out
    assert "central estimate" in printed
    assert "Monte Carlo mean" in printed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Central estimate" in html
    assert "Monte Carlo mean" in html
    assert "avoided costs" in html
    assert "not centred on the case" in html


def test_symmetric_linear_inputs_give_a_mean_within_sampling_error(tmp_path):
    """Inputs centred on the case's values with a linear effect: the Monte Carlo mean
    equals the central estimate up to sampling error, and the sentence says so."""
    data = yaml.safe_load(README_CASE)
    data["uncertainty"] = {"draws": 4000, "seed": 8, "inputs": [
        {"name": "cost", "target": {"kind": "cost"}, "field": "scale",
         "distribution": {"dist": "uniform", "low": 0.8, "high": 1.2}},
        {"name": "benefit", "target": {"kind": "benefit"}, "field": "scale",
         "distribution": {"dist": "normal", "mean": 1.0, "sd": 0.1}}]}
    res = analyse_uncertainty(load_case(_write(tmp_path, yaml.safe_dump(data))))
    cvm = res.monte_carlo["central_versus_mean"]
    assert abs(cvm["difference"]) <= 2 * cvm["mcse"]
    assert "within sampling error" in cvm["explanation"]
    assert res.central_differs == ()


# ------------------------------------------------------------------ switching rival
THREE = """
schema_version: 1
title: Three options
base_year: 2025
horizon_years: 1
options:
  - {name: Business as usual, counterfactual: true}
  - {name: A}
  - {name: B}
lines:
  - {option: A, name: A costs, kind: cost, values: {2025: 20}}
  - {option: A, name: A benefits, kind: benefit, values: {2025: 50}}
  - {option: B, name: B costs, kind: cost, values: {2025: 30}}
  - {option: B, name: B benefits, kind: benefit, values: {2025: 55}}
uncertainty:
  draws: 2000
  seed: 4
  inputs:
    - name: benefit scale
      target: {kind: benefit}
      field: scale
      distribution: {dist: uniform, low: 0.8, high: 1.2}
    - name: A cost scale
      target: {option: A, kind: cost}
      field: scale
      distribution: {dist: uniform, low: 0.5, high: 1.5}
"""


def test_switching_value_names_the_option_that_takes_over(tmp_path):
    """Undiscounted (one year): NPSV_A = 50 s - 20, NPSV_B = 55 s - 30, BAU 0. A is
    preferred at s = 1 with B the runner-up, but as s falls A reaches 0 at s = 0.4 while
    B is still below it (B - A = 5 s - 10 < 0): business as usual takes over, not B. The
    nearest crossing with B is at s = 2, further from the case's value."""
    model = CaseModel(load_case(_write(tmp_path, THREE)))
    names = model.option_names
    assert names[model.preferred[0]] == "A"
    assert names[model.preferred[1]] == "B"
    s = switching_value(model, "benefit scale")
    assert s.value == pytest.approx(0.4, abs=1e-9)
    assert s.option == "A"
    assert s.rival == "Business as usual"
    assert "Business as usual becomes preferred instead of A" in s.report_row()["note"]
    c = switching_value(model, "A cost scale")  # 50 - 20 c = 25: B takes over at c = 1.25
    assert c.value == pytest.approx(1.25, abs=1e-9)
    assert c.rival == "B"


# ------------------------------------------------------------------ Sobol
def test_sobol_reports_both_comparisons_with_partial_variances_in_pounds_squared(tmp_path):
    """Known answer through the case model. With s ~ U(0.8, 1.2) and c ~ U(0.5, 1.5)
    (variances 0.04/3 and 1/12): A - BAU = 50 s - 20 c, so V_s = 2500 Var s and
    V_c = 400 Var c; A - B = -5 s - 20 c + 30, so V_s = 25 Var s and V_c = 400 Var c
    (a linear model: first-order = total-order partial variance)."""
    case = load_case(_write(tmp_path, THREE))
    res = analyse_uncertainty(case, draws=10, sobol=2048)
    comps = {c["comparison"]: c for c in res.to_dict()["sobol"]["comparisons"]}
    assert set(comps) == {"against business as usual", "against the runner-up"}
    assert comps["against business as usual"]["output"] == "NPSV of A minus NPSV of " \
        "Business as usual"
    assert comps["against the runner-up"]["output"] == "NPSV of A minus NPSV of B"
    var_s, var_c = 0.4**2 / 12, 1.0 / 12
    expected = {"against business as usual": {"benefit scale": 2500 * var_s,
                                              "A cost scale": 400 * var_c},
                "against the runner-up": {"benefit scale": 25 * var_s,
                                          "A cost scale": 400 * var_c}}
    for key, want in expected.items():
        comp = comps[key]
        assert comp["total_variance"] == pytest.approx(sum(want.values()), rel=0.03)
        for r in comp["rows"]:
            v = want[r["parameter"]]
            assert r["first_order_variance"] == pytest.approx(v, rel=0.1, abs=0.02)
            assert r["total_order_variance"] == pytest.approx(v, rel=0.1, abs=0.02)
            assert r["first_order_variance"] == pytest.approx(
                r["s1"] * comp["total_variance"], rel=1e-12)
    ctx = res.report_context()["sobol"]
    assert [c["comparison"] for c in ctx["comparisons"]] == list(comps)


@pytest.mark.parametrize(("make", "n"), [(ishigami, 2**13), (sobol_g, 2**13)])
def test_sobol_machinery_reproduces_analytic_indices(make, n):
    """Ishigami (a = 7, b = 0.1): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    from V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8,
    V13 = 8b²π⁸/225 (Ishigami and Homma 1990; Saltelli et al. 2008, sec. 4.9). Sobol G:
    V_i = (1/3)/(1 + a_i)², V = Π(1 + V_i) - 1 (Saltelli et al. 2010). The estimates lie
    within their 95% bootstrap interval (widened by 0.02) of the analytic indices, and
    the partial variances within 10% (or 0.02 V)."""
    f = make()
    res = sobol_analysis(f, f.specs, n, rng=7, num_resamples=200)
    for key, exact in (("S1", f.first_order), ("ST", f.total_order)):
        est, conf = res.indices[key][0], res.indices[f"{key}_conf"][0]
        assert np.all(np.abs(est - exact) <= conf + 0.02), (key, est, exact, conf)
    assert res.variance[0] == pytest.approx(f.variance, rel=0.03)
    np.testing.assert_allclose(res.partial_variances("S1")[0], f.partial_variance,
                               rtol=0.1, atol=0.02 * f.variance)
    np.testing.assert_allclose(res.partial_variances("ST")[0], f.total_partial_variance,
                               rtol=0.1, atol=0.02 * f.variance)


def test_ishigami_analytic_values_are_the_published_ones():
    """Saltelli et al. (2008), The Primer, sec. 4.9 (and SALib's and BoTorch's tables):
    S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437) to four places."""
    f = ishigami()
    np.testing.assert_allclose(f.first_order, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(f.total_order, [0.5576, 0.4424, 0.2437], atol=5e-5)


def test_test_functions_module_is_doctested_not_collected_as_tests():
    """pytest collects only the module's doctests, not the module as a test file (its
    name matches pytest's default test_*.py pattern)."""
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider",
                          str(REPO / "appraisal" / "lenses" / "uncertainty" / "test_functions.py")],
                         capture_output=True, text=True, cwd=REPO, check=False)
    items = [ln for ln in run.stdout.splitlines() if "::" in ln]
    assert run.returncode == 0, run.stdout + run.stderr
    assert items
    assert all("::appraisal.lenses.uncertainty.test_functions" in ln for ln in items)


# ------------------------------------------------------------------ edge cases
def _constant_prevention(tmp_path: Path, draws: int) -> Path:
    """The prevention example with every uncertain input fixed at its central value."""
    data = yaml.safe_load(Path(example_path("prevention")).read_text(encoding="utf-8"))
    spec = load_case(example_path("prevention")).sections["uncertainty"]
    for raw, inp in zip(data["uncertainty"]["inputs"], spec.inputs, strict=True):
        dist = inp.distribution
        value = float(dist.lookup([dist.central])[0]) if hasattr(dist, "lookup") \
            else float(dist.central)
        raw["distribution"] = {"dist": "constant", "value": value}
    data["uncertainty"].pop("correlation", None)
    data["uncertainty"].pop("sobol", None)
    data["uncertainty"]["draws"] = draws
    return _write(tmp_path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.mark.parametrize("draws", [5, 7])
def test_constant_inputs_run_at_few_draws(draws, tmp_path, capsys):
    """Issue 13a: draws that differ only in the last digit (or not at all) are a point
    mass; `appraisal run` must not fail in np.histogram ('Too many bins')."""
    path = _constant_prevention(tmp_path, draws)
    res = analyse_uncertainty(load_case(path))
    assert res.monte_carlo["histograms"] == {}
    row = next(r for r in res.monte_carlo["options"] if r["option"] == res.focus)
    assert row["inc_npsv"]["p5"] == pytest.approx(row["inc_npsv"]["p95"], rel=1e-9)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--force"]) == 0
    capsys.readouterr()


def test_a_range_at_rounding_level_is_one_value():
    """The guard itself: values equal but for the last bits give no histogram."""
    from appraisal.lenses.uncertainty.lens import _RANGE_RTOL

    x = 1234.5678 + np.array([0.0, 1, 2, 3, 4, 5, 6]) * np.spacing(1234.5678)
    # such draws count as one value; recent numpy (2.4) refuses to bin them ("Too many
    # bins"), numpy 2.0 bins them into empty slivers: either way no histogram is wanted
    assert 0 < np.ptp(x) <= _RANGE_RTOL * np.abs(x).max()


ONE_YEAR = """
schema_version: 1
title: One year
base_year: 2025
horizon_years: 1
options:
  - {name: Business as usual, counterfactual: true}
  - {name: New service}
lines:
  - {option: New service, name: Costs, kind: cost, values: {2025: 100}}
  - {option: New service, name: Benefits, kind: benefit, values: {2025: 120}}
uncertainty:
  draws: 50
  seed: 1
  inputs:
    - {name: cost overrun, target: {kind: cost}, field: scale,
       distribution: {dist: pert, low: 0.9, mode: 1.0, high: 1.5}}
    - {name: rate, target: all, field: rate_shift,
       distribution: {dist: uniform, low: -0.01, high: 0.01}}
    - {name: late, target: {kind: benefit}, field: delay,
       distribution: {dist: discrete, values: [0, 1], probabilities: [0.7, 0.3]}}
"""


def test_one_year_horizon_runs(tmp_path, capsys):
    """Issue 13b: horizon_years 1 has no one-year discount rates; search_bounds must not
    take the minimum of an empty array. The rate shift then changes nothing."""
    path = _write(tmp_path, ONE_YEAR)
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--force"]) == 0
    assert main(["uncertainty", str(path), "--out", str(tmp_path / "unc"), "--force"]) == 0
    capsys.readouterr()
    res = analyse_uncertainty(load_case(path), draws=10)
    rate = next(s for s in res.switching if s.parameter == "rate")
    assert rate.value is None
    assert "stays preferred" in rate.note
    cost = next(s for s in res.switching if s.parameter == "cost overrun")
    assert cost.value == pytest.approx(1.2, abs=1e-9)  # 120 = 100 c
