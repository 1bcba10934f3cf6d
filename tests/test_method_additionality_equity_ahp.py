"""Method fixes: SROI additionality names, wellbeing values and equity weights, AHP thresholds.

Sources (read through the search tool; what could and could not be retrieved is said in
each docstring):

* SROI: Cabinet Office / SROI Network, "A guide to Social Return on Investment" (2009,
  updated January 2012), Stage 4 "Establishing impact" and its glossary. The glossary
  (sroiproject.org.uk "Glossary of SROI terms") defines *attribution* as "an assessment
  of how much of the outcome was caused by the contribution of other organisations or
  people" and *drop-off* as "the deterioration of an outcome over time"; nef, "Small
  slices of a bigger pie" (2011) repeats the attribution definition.
* Green Book 2018 Annex A3, paras A3.12-A3.13 (distributional weights rest on the
  diminishing marginal utility of income; "financial benefits for lower income households
  are given a higher social value").
* Saaty, T.L. (1994) How to make a decision: the analytic hierarchy process, Interfaces
  24(6): CR thresholds 0.05 (n = 3), 0.08 (n = 4), 0.10 (n >= 5).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from appraisal import case_from_records, evaluate
from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.equity import incidence_arrays, line_weights, weights_kernel
from appraisal.greenbook.valuation import additionality_factor, outcome_chain
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.lens_draws import sample_lens_inputs
from appraisal.lenses.mca.ahp import ahp, consistency_threshold


def _case(outcome, *, values=None, horizon=5, unit_value=None):
    return case_from_records(
        title="T", base_year=2025, horizon_years=horizon,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "b", "kind": "benefit",
                "values": values or {2025: 100},
                "unit_value": unit_value or {"value": 50.0, "price_year": 2025, "source": "s"},
                "outcome": {"source": "s", **outcome}}])


# --------------------------------------------------------------------- 8. additionality
def test_sroi_style_impact_with_drop_off_by_hand():
    """SROI guide (2012), Stage 4: impact = quantity × financial proxy, less deadweight,
    displacement and attribution, each deducted as a percentage; drop-off deducted at a
    fixed percentage from the remaining outcome at the end of each year, only for outcomes
    lasting more than one year. The guide's own numeric worked example (Stage 4/5 tables)
    could not be retrieved through the search tool, so the numbers here are computed by
    hand from that rule, not copied from the guide: 100 × £50 × (1 − 0.25) × (1 − 0.1) ×
    (1 − 0.4) = £2,025 in the first year; with 10% drop-off, £1,822.50 and £1,640.25 in
    the second and third."""
    case = _case({"deadweight": 0.25, "displacement": 0.1, "attribution_to_others": 0.4,
                  "persistence": 3, "drop_off": 0.1})
    flows = evaluate(case).real_flows[0]
    assert flows.tolist() == pytest.approx([2025.0, 1822.5, 1640.25, 0.0, 0.0])


def test_attribution_to_others_is_deducted_not_credited():
    """SROI glossary: attribution is the share caused by others, so more of it means less
    impact; all of it means none."""
    shares = [float(additionality_factor(attribution_to_others=x)) for x in (0.0, 0.3, 1.0)]
    assert shares == pytest.approx([1.0, 0.7, 0.0])


def _yaml(tmp_path, outcome_lines: str):
    text = ("schema_version: 1\ntitle: T\nbase_year: 2025\nhorizon_years: 5\noptions:\n"
            "  - name: BAU\n    counterfactual: true\n  - name: A\nlines:\n"
            "  - option: A\n    name: b\n    kind: benefit\n    values: {2025: 10}\n"
            "    outcome:\n" + outcome_lines)
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path


def test_old_attribution_key_is_refused_with_its_conversion_and_location(tmp_path):
    path = _yaml(tmp_path, "      source: s\n      attribution: 0.7\n")
    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    issue = next(i for i in err.value.issues if i.code == "renamed-key")
    assert issue.field == "lines[0].outcome.attribution"
    assert re.search(r"case\.yaml:16\b", issue.location)  # the 'attribution' line
    assert "'attribution_to_others: 0.3'" in issue.message
    assert "credited to this intervention" in issue.message


@pytest.mark.parametrize("persistence", ["", "      persistence: 1\n"])
def test_drop_off_without_persistence_is_refused(tmp_path, persistence):
    path = _yaml(tmp_path, "      source: s\n      drop_off: 0.2\n" + persistence)
    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    issue = next(i for i in err.value.issues if i.code == "drop-off-without-persistence")
    assert issue.field == "lines[0].outcome.drop_off"
    assert "case.yaml:" in issue.location
    assert "persistence: N" in issue.fix


def test_drop_off_zero_with_persistence_one_is_allowed():
    assert evaluate(_case({"deadweight": 0.2, "drop_off": 0.0})).pv_lines[0] > 0


def test_python_api_refuses_the_old_keyword_and_the_conflict():
    with pytest.raises(TypeError, match=r"attribution_to_others: 0\.2"):
        outcome_chain([1.0], attribution=0.8)
    with pytest.raises(TypeError):  # the kernel: keyword-only factors, no 'attribution'
        additionality_factor(0.8, 0.5, 0.25)
    with pytest.raises(AppraisalValidationError, match="'persistence' is 1"):
        outcome_chain([1.0, 0.0], drop_off=0.3)


def test_prevention_example_is_unchanged_by_the_conversion(tmp_path):
    """Each chain line of the shipped example now gives 'attribution_to_others' = 1 − a,
    where a is the credited share it used to give. Written the old way it is refused, with
    the exact conversion; and the engine's additionality equals the old formula with a."""
    path = example_path("prevention")
    text = path.read_text(encoding="utf-8")
    others = [float(v) for v in re.findall(r"attribution_to_others: ([0-9.]+)", text)]
    assert others
    old_way = re.sub(r"attribution_to_others: ([0-9.]+)",
                     lambda m: f"attribution: {1 - float(m.group(1)):g}", text)
    bad = tmp_path / "_old_way.yaml"
    bad.write_text(old_way, encoding="utf-8")
    with pytest.raises(AppraisalValidationError) as err:
        load_case(bad)
    suggested = [float(m) for i in err.value.issues if i.code == "renamed-key"
                 for m in re.findall(r"'attribution_to_others: ([0-9.]+)'", i.message)]
    assert suggested == pytest.approx(others)
    compiled = compile_case(load_case(path))
    for i, line in enumerate(compiled.case.lines):
        c = line.outcome
        if c is None:
            continue
        credited = 1.0 - c.attribution_to_others
        old = (c.engagement * c.success * c.quantity_per_outcome * (1 - c.deadweight)
               * (1 - c.displacement) * (1 - c.leakage) * credited)
        assert compiled.additionality[i] == pytest.approx(old, rel=1e-12)


# ------------------------------------------------------------------ 9. wellbeing weights
@pytest.fixture(scope="module")
def prevention():
    return evaluate(load_case(example_path("prevention")))


def _wellbeing_mask(result):
    return np.array([ln.unit_value is not None and ln.unit_value.measure == "wellby"
                     for ln in result.case.lines])


def test_wellbeing_lines_are_not_income_weighted_by_default(prevention):
    """Green Book 2018 A3.12-A3.13: weights value *financial* benefits by the diminishing
    marginal utility of income; a WELLBY is already wellbeing (the HMT wellbeing guidance
    text on weighting could not be retrieved through search). The weighted NPSV's uplift
    over the unweighted comes only from the other lines; before the fix most of the
    preferred option's uplift came from the wellbeing line."""
    eq = prevention.lenses["distributional"]
    compiled = prevention.compiled
    wb = _wellbeing_mask(prevention)
    assert wb.any()
    pv = evaluate_arrays(compiled).pv_lines[0]
    signed = np.where(compiled.is_cost, -pv, pv)
    shares, unalloc = incidence_arrays(compiled.case.lines, eq.spec.groups)
    lw_all = line_weights(eq.weights, shares, unalloc)
    best = int(np.argmax(eq.weighted))
    in_best = compiled.option_matrix[:, best] > 0
    uplift = eq.weighted[best] - eq.unweighted[best]
    by_hand = np.sum((signed * (np.where(wb, 1.0, lw_all) - 1.0))[in_best])
    assert uplift == pytest.approx(by_hand, rel=1e-12)
    old_uplift = np.sum((signed * (lw_all - 1.0))[in_best])
    wellbeing_share_old = np.sum((signed * (lw_all - 1.0))[in_best & wb]) / old_uplift
    assert wellbeing_share_old > 0.5  # what the issue reported
    assert uplift < old_uplift
    d = eq.to_dict()
    assert d["wellbeing_weighting"]["left_unweighted"] == list(eq.wellbeing_lines)
    row = d["npsv"][best]
    assert row["weighted"] == row["weighted_excl_wellbeing"]
    assert row["weighted_incl_wellbeing"] == pytest.approx(eq.unweighted[best] + old_uplift)
    assert "weighted_incl_wellbeing" in eq.to_frames()["distributional_npsv.csv"].columns


def test_opting_in_gives_the_old_number_and_a_located_warning(prevention, tmp_path):
    text = example_path("prevention").read_text(encoding="utf-8")
    text, n = re.subn(r"^distribution:\n", "distribution:\n  weight_wellbeing: true\n", text,
                      flags=re.M)
    assert n == 1
    path = tmp_path / "_opt_in.yaml"
    path.write_text(text, encoding="utf-8")
    result = evaluate(load_case(path))
    eq = result.lenses["distributional"]
    default = prevention.lenses["distributional"]
    assert eq.weighted == pytest.approx(default.weighted_incl_wellbeing, rel=1e-12)
    assert eq.unweighted_lines == ()
    warn = [w for w in result.warnings if w.code == "wellbeing-income-weighted"]
    assert len(warn) == 1
    assert re.search(r"_opt_in\.yaml:\d+", warn[0].location)
    assert warn[0].field == "distribution.weight_wellbeing"


def test_lens_draws_and_uncertainty_weight_the_same_way(prevention):
    compiled = prevention.compiled
    eq = prevention.lenses["distributional"]
    wb = _wellbeing_mask(prevention)
    lens = sample_lens_inputs(compiled, 50, rng=3)
    assert np.all(lens.line_weights[:, wb] == 1.0)
    assert np.any(lens.line_weights[:, ~wb] != 1.0)
    from appraisal.lenses.uncertainty.case_model import CaseModel

    model = CaseModel(prevention.case)
    incomes, reference, shares, unallocated, eta = model._equity
    lw = line_weights(weights_kernel(incomes, reference, np.asarray([eta])), shares,
                      unallocated)[0]
    assert np.all(lw[wb] == 1.0)
    pv = evaluate_arrays(compiled).pv_lines[0]
    signed = np.where(compiled.is_cost, -pv, pv)
    assert (signed * lw) @ compiled.option_matrix == pytest.approx(eq.weighted, rel=1e-12)


# ---------------------------------------------------------------------- 12. AHP threshold
def _m(upper, n):
    a = np.ones((n, n))
    pairs = [(r, c) for r in range(n) for c in range(r + 1, n)]
    for (i, j), v in zip(pairs, upper, strict=True):
        a[i, j], a[j, i] = v, 1.0 / v
    return a


@pytest.mark.parametrize(("upper", "n", "consistent"), [
    ((2, 3, 3), 3, True),                       # CR 0.046 <= 0.05
    ((3, 7, 5), 3, False),                      # CR 0.056 > 0.05 (passed the old 0.10)
    ((3, 2, 7, 3, 5, 2), 4, True),              # CR 0.077 <= 0.08
    ((3, 3, 5, 1, 5, 1), 4, False),             # CR 0.098 > 0.08 (passed the old 0.10)
    ((2, 3, 4, 5, 2, 3, 4, 8, 3, 2), 5, True),  # CR 0.098 <= 0.10
    ((8, 3, 4, 5, 2, 3, 4, 2, 3, 2), 5, False), # CR 0.104 > 0.10
])
def test_ahp_threshold_by_matrix_order_saaty1994(upper, n, consistent):
    """Saaty (1994) Interfaces 24(6): acceptable CR 0.05 for 3 x 3, 0.08 for 4 x 4, 0.10
    for larger matrices (shipped in data/mca/ahp_consistency.csv, confidence C2: the
    primary text was not retrieved through search)."""
    r = ahp(_m(upper, n), warn=False)
    assert r.threshold == consistency_threshold(n) == {3: 0.05, 4: 0.08}.get(n, 0.10)
    assert r.is_consistent is consistent
    assert bool(r.issues) is not consistent
    if not consistent:
        assert f"{n} x {n}" in r.issues[0].message


@pytest.mark.parametrize("matrix", [[[1.0]], [[1.0, 9.0], [1 / 9, 1.0]]])
def test_orders_one_and_two_are_always_consistent(matrix):
    r = ahp(matrix, warn=False)
    assert float(r.consistency_ratio) == 0.0
    assert r.is_consistent
