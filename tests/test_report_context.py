"""The report context built from real appraisals: numbers, reconciliation, sections, golden files.

Method: Green Book 2018 paras 5.53-5.56 (NPSV = PV benefits - PV costs, options compared
with business as usual), A6 (3.5% STPR, year 0 undiscounted). Optimism bias: HM Treasury,
Supplementary Green Book Guidance: Optimism Bias (2003), Table 2 (non-standard buildings,
capital expenditure, upper bound 51%).

Golden files (``tests/data/report_context_<example>.golden.json``) hold the numbers the
template receives for the three shipped examples, so a layout change can never hide a
number change. Regenerate them deliberately with ``APPRAISAL_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path

import pytest

from appraisal import case_from_records, evaluate
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.load import example_path, load_case
from appraisal.outputs.report import render_report, validate_context
from appraisal.outputs.report.context import report_context

EXAMPLES = ("minimal", "capital", "prevention")
DATA = Path(__file__).parent / "data"
#: Sections built here (the MCA and strategic sections come from the MCA lens's own tests).
OWN = ("meta", "options", "at_a_glance", "summary", "cba", "optimism_bias", "public_value",
       "distributional", "non_monetised", "parameters")
VOLATILE = {("meta", "date"), ("audit", "generated_at"), ("audit", "command"),
            ("audit", "python"), ("audit", "tool_version"),
            ("summary", "key_uncertainties")}  # quotes the MCA lens, tested on its own below

# Minimal case by hand at the 3.5% STPR (2025..2034 are t = 0..9; Green Book 2018 A6):
PV_COSTS = 100 + 50 / 1.035 + 50 / 1.035**2                  # 194.984714
PV_BENEFITS = 30 * sum(1.035**-t for t in range(3, 10))      # 171.239767


@pytest.fixture(scope="module")
def results():
    return {name: evaluate(load_case(example_path(name)), lenses="all") for name in EXAMPLES}


@pytest.fixture(scope="module")
def contexts(results):
    return {name: report_context(r, command="appraisal demo") for name, r in results.items()}


def _metrics(ctx):
    return {m["option"]: m for m in ctx["cba"]["metrics"]}


def test_minimal_case_by_hand(contexts):
    """Green Book 2018 5.53-5.56 and A6: the sums are written out above."""
    ctx = contexts["minimal"]
    new = _metrics(ctx)["New service"]
    assert new["pv_costs"] == pytest.approx(PV_COSTS, rel=1e-9)
    assert new["pv_benefits"] == pytest.approx(PV_BENEFITS, rel=1e-9)
    assert new["npsv"] == pytest.approx(PV_BENEFITS - PV_COSTS, rel=1e-9)
    assert new["bcr"] == pytest.approx(PV_BENEFITS / PV_COSTS, rel=1e-9)
    assert new["vfm_category"] == "Poor"  # DfT: BCR below 1
    bau = _metrics(ctx)["Business as usual"]
    assert (bau["pv_costs"], bau["pv_benefits"], bau["npsv"], bau["bcr"]) == (0, 0, 0, None)
    assert ctx["summary"]["preferred_option"] == "Business as usual"
    assert ctx["summary"]["rationale"].startswith("No option improves on Business as usual")
    # Undiscounted real net flows of New service, year by year.
    assert ctx["cba"]["cash_flows"]["years"] == list(range(2025, 2035))
    assert ctx["cba"]["cash_flows"]["net"] == {"New service": [-100, -50, -50] + [30] * 7}
    assert ctx["meta"]["appraisal_period"] == {"start": 2025, "end": 2034}
    assert "3.5% a year for years 0–9" in ctx["meta"]["discount_schedule"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_pv_lines_reconcile_to_totals_within_a_pound(contexts, results, name):
    ctx, result = contexts[name], results[name]
    for m in result.options:
        ben = math.fsum(ln["pv"][m.name] for ln in ctx["cba"]["pv_lines"]
                        if ln["kind"] == "benefit")
        cost = math.fsum(ln["pv"][m.name] for ln in ctx["cba"]["pv_lines"]
                         if ln["kind"] == "cost")
        assert abs(ben - m.inc_pv_benefits) < 1.0
        assert abs(cost - m.inc_pv_costs) < 1.0
        assert abs(_metrics(ctx)[m.name]["npsv"] - m.inc_npsv) < 1.0


@pytest.mark.parametrize("name", EXAMPLES)
def test_preferred_option_and_metrics_match_the_result(contexts, results, name):
    ctx, result = contexts[name], results[name]
    assert ctx["summary"]["preferred_option"] == result.preferred_option
    assert result.preferred_option in ctx["summary"]["rationale"]
    for m in result.options:
        row = _metrics(ctx)[m.name]
        assert row["bcr"] == (None if m.counterfactual else m.inc_bcr)
        if not m.counterfactual and m.vfm_category:
            assert row["vfm_category"] == m.vfm_category
    best = max(ctx["cba"]["metrics"], key=lambda m: m["npsv"])
    assert best["option"] == result.preferred_option


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_parameter_used_is_listed_with_its_provenance(contexts, results, name):
    listed = contexts[name]["parameters"]
    used = results[name].parameters_used
    assert len(listed) == len(used) > 0
    assert len({p["name"] for p in listed}) == len(listed)  # each row tells itself apart
    pairs = sorted((str(p["value"]), p["source"], p["edition"], p["confidence"]) for p in listed)
    assert pairs == sorted((str(r.value), r.source, r.edition, r.confidence) for r in used)


def test_sections_follow_the_lenses_of_each_case(contexts):
    assert {"optimism_bias", "public_value", "distributional", "non_monetised"}.isdisjoint(
        contexts["minimal"])
    assert {"optimism_bias", "public_value"} <= set(contexts["capital"])
    assert {"distributional", "non_monetised"}.isdisjoint(contexts["capital"])
    assert {"optimism_bias", "public_value", "distributional", "non_monetised"} <= set(
        contexts["prevention"])


def test_sections_are_left_out_when_their_lens_is_absent(results):
    bare = replace(results["prevention"], lenses={})
    ctx = report_context(bare)
    for key in ("public_value", "distributional", "non_monetised", "mca", "strategic"):
        assert key not in ctx
    assert "η" not in ctx["summary"]["rationale"]  # no distributional sentence without the lens
    html = render_report(ctx)
    assert 'id="public-value"' not in html
    assert 'id="distributional"' not in html
    assert 'id="costs-benefits"' in html


class _Lens:
    def __init__(self, context=None, strategic=None):
        self._context, self._strategic = context, strategic

    def report_context(self):
        return self._context


class _Strategic:
    def report_strategic(self):
        return {"spending_objectives": [{"id": "SO1", "text": "Fewer families in crisis"}]}


def test_lens_payloads_are_merged_into_their_sections(results):
    result = results["capital"]
    mc = {"n_draws": 1000, "seed": 42,
          "histograms": {},
          "summary": [{"option": "New build", "mean": 1e7, "p5": -2e6, "p50": 1e7, "p95": 2e7,
                       "p_positive": 0.9}],
          "p_preferred": {"Business as usual": 0.0, "Refurbish": 0.3, "New build": 0.7}}
    sobol = {"n_base_samples": 64, "comparisons": [
        {"output": "NPSV", "comparison": "against business as usual", "total_variance": 4.0,
         "rows": [{"parameter": "x", "s1": 0.5, "s1_conf": 0.1, "st": 0.6, "st_conf": 0.1,
                   "first_order_variance": 2.0, "total_order_variance": 2.4}]}]}
    lenses = {**result.lenses, "uncertainty": _Lens({"monte_carlo": mc, "sobol": sobol}),
              "long_list": _Strategic()}
    ctx = report_context(replace(result, lenses=lenses))
    unc = ctx["uncertainty"]
    assert unc["monte_carlo"]["seed"] == 42
    assert unc["sobol"] == sobol
    assert unc["switching_values"]  # ours are kept beside theirs
    assert ctx["audit"]["seed"] == 42
    assert ctx["strategic"]["spending_objectives"][0]["id"] == "SO1"
    assert "1,000 Monte Carlo draws" in ctx["summary"]["key_uncertainties"]
    assert "preferred option in 70%" in ctx["summary"]["key_uncertainties"]


def test_mca_lens_is_merged_and_quoted_in_the_summary(results):
    result = results["capital"]
    names = [o.name for o in result.case.options]
    mca = {"criteria": [{"id": "c", "name": "Community use", "weight": 1.0}],
           "score_scale": "0 (worst) to 100 (best)",
           "scores": [{"option": n, "scores": {"c": s}, "weighted": {"c": s}, "total": s,
                       "rank": r} for n, s, r in zip(names, (0.0, 80.0, 60.0), (3, 1, 2),
                                                    strict=True)],
           "weight_robustness": {"method": "uniform", "n_samples": 10, "rows": [
               {"option": n, "p_first": p, "rank_min": 1, "rank_max": 3}
               for n, p in zip(names, (0.0, 0.75, 0.25), strict=True)]}}
    ctx = report_context(replace(result, lenses={**result.lenses, "mca": _Lens(mca)}))
    assert ctx["mca"] == mca
    text = ctx["summary"]["key_uncertainties"]
    assert "ranks Refurbish first, not New build" in text
    assert "New build ranks first in 25% of draws" in text


def test_a_lens_that_breaks_the_schema_is_reported_not_rendered(results):
    bad = {"n_draws": 0, "seed": None, "histograms": {}, "summary": [], "p_preferred": {}}
    result = results["minimal"]
    lenses = {"uncertainty": _Lens({"monte_carlo": bad})}
    with pytest.raises(AppraisalValidationError, match=r"uncertainty\.monte_carlo"):
        report_context(replace(result, lenses=lenses))


def test_report_context_refuses_what_is_not_a_result():
    with pytest.raises(AppraisalValidationError, match="must be an AppraisalResult"):
        report_context({"title": "not a result"})


def test_optimism_bias_rows_by_hand(contexts, results):
    """Upper bound 51% for non-standard buildings capex (HM Treasury 2003, Table 2)."""
    rows = {r["option"]: r for r in contexts["capital"]["optimism_bias"]["rows"]}
    refurb = rows["Refurbish"]
    assert refurb["upper_bound"] == pytest.approx(0.51)
    assert refurb["applied"] == pytest.approx(0.45135)
    assert refurb["mitigation"] == pytest.approx(1 - 0.45135 / 0.51)
    line = next(i for i, ln in enumerate(results["capital"].case.lines)
                if ln.name == "Refurbishment works")
    pv = float(results["capital"].pv_lines[line])
    assert refurb["base_pv"] + refurb["uplift_pv"] == pytest.approx(pv)
    assert refurb["base_pv"] * (1 + refurb["applied"]) == pytest.approx(pv)
    # New build's uplift is given in the case, so nothing is mitigated from a bound.
    assert rows["New build"]["mitigation"] == 0.0
    assert rows["New build"]["upper_bound"] == rows["New build"]["applied"] == 0.3


@pytest.mark.parametrize("name", ["capital", "prevention"])
def test_agency_positions_add_up_to_the_npsv(contexts, name):
    ctx = contexts[name]
    agencies = ctx["public_value"]["agencies"]
    assert agencies["option"] == ctx["summary"]["preferred_option"]
    total = math.fsum(r["net"] for r in agencies["rows"])
    assert total == pytest.approx(_metrics(ctx)[agencies["option"]]["npsv"], abs=1.0)
    for row in ctx["public_value"]["by_value_type"]:
        parts = row["fiscal"] + row["economic"] + row["social"]
        assert parts == pytest.approx(_metrics(ctx)[row["option"]]["npsv"], abs=1.0)


def test_distributional_section_is_incremental_and_complete(contexts):
    ctx = contexts["prevention"]
    d = ctx["distributional"]
    assert len(d["groups"]) == len(d["weights"])
    for row in d["npsv"]:
        assert row["unweighted"] == pytest.approx(_metrics(ctx)[row["option"]]["npsv"], abs=1.0)
    for option, series in d["incidence"].items():  # every pound is allocated to some group
        assert math.fsum(series) == pytest.approx(_metrics(ctx)[option]["npsv"], abs=1.0)
        weighted = math.fsum(w * x for w, x in zip(d["weights"], series, strict=True))
        npsv = next(r for r in d["npsv"] if r["option"] == option)
        assert weighted == pytest.approx(npsv["weighted"], abs=1.0)
    assert d["eta"] in d["eta_curve"]["eta"] or min(d["eta_curve"]["eta"]) < d["eta"]


def test_non_monetised_scores_cover_every_option(contexts, results):
    nm = contexts["prevention"]["non_monetised"]
    assert nm["scale"][0] == "Large adverse"
    assert nm["scale"][6] == "Large beneficial"
    register = results["prevention"].lenses["non_monetised"]
    assert len(nm["impacts"]) == len(register.impacts)
    for impact, source in zip(nm["impacts"], register.impacts, strict=True):
        assert set(impact["scores"]) == {o.name for o in results["prevention"].case.options}
        for option, score in source.scores.items():
            assert impact["scores"][option] == score


@pytest.mark.parametrize("name", EXAMPLES)
def test_switching_values_come_from_the_result(contexts, results, name):
    everything = contexts[name]["uncertainty"]["switching_values"]
    ours = "£ PV of the input (absolute)"  # a lens may add its own rows
    rows = [r for r in everything if r["unit"] == ours]
    assert rows
    changes = {round(s.change, 12) for s in results[name].switching_values
               if s.change is not None}
    for r in rows:
        assert r["change"] is None or round(r["change"], 12) in changes
        if r["change"] is not None:
            assert r["switching_value"] == pytest.approx(r["base_value"] * (1 + r["change"]))
    shown = [abs(r["change"]) for r in everything if r["change"] is not None]
    assert shown == sorted(shown)  # closest first


def test_audit_records_inputs_and_command(contexts, results):
    audit = contexts["prevention"]["audit"]
    assert audit["inputs"][0] == {"name": "early_help_prevention.yaml",
                                  "sha256": results["prevention"].case.source_sha256}
    assert any("illustrative" in f["name"] for f in audit["inputs"])
    assert audit["command"] == "appraisal demo"
    mc = contexts["prevention"].get("uncertainty", {}).get("monte_carlo")
    assert audit["seed"] == (mc["seed"] if mc else None)
    assert contexts["capital"]["audit"]["seed"] is None  # deterministic run
    assert audit["parameter_vintage"].startswith("GB2026")


def test_hostile_names_reach_the_page_as_text():
    hostile = "<script>alert(1)</script>"
    case = case_from_records(
        title=hostile, base_year=2025, horizon_years=3,
        options=[{"name": "BAU", "counterfactual": True}, {"name": hostile}],
        lines=[{"option": hostile, "name": '" onmouseover="x', "kind": "cost",
                "category": hostile, "values": {2025: 100}},
               {"option": hostile, "name": "b", "kind": "benefit",
                "values": {2026: 80, 2027: 80}}])
    ctx = report_context(evaluate(case))
    validate_context(ctx)
    html = render_report(ctx)
    assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _strip(ctx: dict) -> dict:
    out = {k: ctx[k] for k in OWN if k in ctx}
    out["uncertainty"] = {"switching_values": [r for r in ctx["uncertainty"]["switching_values"]
                                               if r["unit"] == "£ PV of the input (absolute)"]}
    for key in ("scenarios", "value_of_information"):
        if key in ctx["uncertainty"]:
            out["uncertainty"][key] = ctx["uncertainty"][key]
    out["audit"] = {k: v for k, v in ctx["audit"].items() if ("audit", k) not in VOLATILE}
    # Checksums follow every edit of an example file; test_audit_* checks them against it.
    out["audit"]["inputs"] = [f["name"] for f in ctx["audit"]["inputs"]]
    out["meta"] = {k: v for k, v in ctx["meta"].items() if ("meta", k) not in VOLATILE}
    out["summary"] = {k: v for k, v in ctx["summary"].items() if ("summary", k) not in VOLATILE}
    return out


def _close(got, want, path="ctx"):
    if isinstance(want, float) or isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), path
    elif isinstance(want, dict):
        assert isinstance(got, dict), path
        assert sorted(got) == sorted(want), path
        for k in want:
            _close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list), path
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, f"{path}[{i}]")
    else:
        assert got == want, path


@pytest.mark.parametrize("name", EXAMPLES)
def test_context_matches_the_golden_file(contexts, name):
    """Regression: the numbers the template receives (set APPRAISAL_UPDATE_GOLDEN=1 to renew)."""
    got = json.loads(json.dumps(_strip(contexts[name])))
    path = DATA / f"report_context_{name}.golden.json"
    if os.environ.get("APPRAISAL_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    _close(got, want)


def test_a_case_with_no_lines_still_reports():
    import appraisal

    """A valid case may have no impact lines yet (the schema's own example); its report
    renders with empty PV tables instead of failing the whole run."""
    from appraisal.outputs.report import render_report
    from appraisal.outputs.report.context import report_context

    case = appraisal.case_from_records(title="Empty", base_year=2025, horizon_years=3,
                                       options=[{"name": "BAU", "counterfactual": True},
                                                {"name": "A"}], lines=[])
    ctx = report_context(appraisal.evaluate(case))
    assert ctx["cba"]["pv_lines"] == []
    assert "PV costs against business as usual" in render_report(ctx)
