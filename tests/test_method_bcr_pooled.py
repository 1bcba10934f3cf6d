"""DfT's BCR (``bcr_definition: public_sector_cost``) and pooled-budget messages.

BCR source: DfT TAG unit A1.1 "Cost-Benefit Analysis" (November 2022), section 2.8
"Cost-Benefit Analysis metrics" and sections 3.2-3.4 (Public Accounts, Transport Economic
Efficiency and Analysis of Monetised Costs and Benefits tables). The stored copies we could
search hold only the unit's contents page, not the text of those sections nor a published
worked example with a Public Accounts table and a BCR, so the known answers below are
computed by hand from the definition as TAG states it (PVC = net cost to the public
budget; PVB = all other impacts, costs falling on others being negative benefits;
BCR = PVB / PVC; NPV = PVB - PVC). No published number is quoted.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import case_from_records, evaluate
from appraisal.cli.commands import summary_text
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.cba import NET_SAVING, bcr_terms
from appraisal.lenses.ledger import (
    BENEFIT_TYPES,
    COST_TYPES,
    LedgerResult,
    pool_tolerance,
    pooled_budget_sentences,
)

D1 = 1 / 1.035  # Green Book STPR, year 1 (year 0 is undiscounted)
BAU = {"name": "BAU", "counterfactual": True}


def _line(name, kind, values, agency, value_type, **extra):
    return {"option": "A", "name": name, "kind": kind, "values": values, "agency": agency,
            "value_type": value_type, **extra}


def _case(lines, **extra):
    return case_from_records(title="T", base_year=2025, horizon_years=2,
                             options=[BAU, {"name": "A"}], lines=lines, **extra)


# --------------------------------------------------------------------------- DfT BCR
def test_dft_bcr_hand_computed_known_answer():
    """A transport scheme, by hand at 3.5% (TAG A1.1 s2.8 definition, no published example).

    Public budget (DfT): capital 100 in 2025, fare revenue 30 in 2026 -> PVC = 100 - 30 D1
    = 71.014493. Users: time savings 200 in 2026; households: extra costs 20 in 2026, a
    negative benefit -> PVB = 180 D1 = 173.913043. BCR = 2.448980 (High); NPV = PVB - PVC
    = 102.898551, the NPSV. The benefit-cost form gives (230 D1) / (100 + 20 D1) = 1.862348.
    """
    lines = [_line("capital", "cost", {2025: 100}, "DfT", "fiscal"),
             _line("fares", "benefit", {2026: 30}, "DfT", "fiscal", cashable=True),
             _line("time", "benefit", {2026: 200}, "Users", "economic"),
             _line("household costs", "cost", {2026: 20}, "Households", "economic")]
    dft = evaluate(_case(lines, bcr_definition="public_sector_cost")).option("A")
    assert dft.inc_bcr_pvc == pytest.approx(71.014493, abs=1e-6)
    assert dft.inc_bcr_pvb == pytest.approx(173.913043, abs=1e-6)
    assert dft.inc_bcr == pytest.approx(2.448980, abs=1e-6)
    assert dft.vfm_category == "High"
    assert dft.inc_npsv == pytest.approx(102.898551, abs=1e-6)
    assert dft.inc_bcr_pvb - dft.inc_bcr_pvc == pytest.approx(dft.inc_npsv, abs=1e-9)
    plain = evaluate(_case(lines)).option("A")
    assert plain.inc_bcr == pytest.approx(1.862348, abs=1e-6)
    assert plain.inc_npsv == pytest.approx(dft.inc_npsv, abs=1e-9)


def _thirty_case(**extra):
    """Year 0 only (no discounting). DfT pays 100; households pay 100; users gain 300; the
    NHS saves 190 (fiscal). The old public-sector-cost formula, (PV benefits - fiscal
    benefits) / (PV costs - fiscal benefits), gives (490 - 190) / (200 - 190) = 30."""
    lines = [_line("capital", "cost", {2025: 100}, "DfT", "fiscal"),
             _line("household costs", "cost", {2025: 100}, "Households", "economic"),
             _line("users", "benefit", {2025: 300}, "Users", "social"),
             _line("NHS saving", "benefit", {2025: 190}, "NHS", "fiscal", cashable=True)]
    return _case(lines, bcr_definition="public_sector_cost", **extra)


def test_a_fiscal_saving_no_longer_pushes_the_bcr_to_thirty():
    """Regression for the issue: the old formula gave 30 on this case.

    Budget = DfT: PVC = 100; PVB = 300 + 190 - 100 (household costs are negative
    benefits) = 390; BCR 3.9. Budget = every fiscal line (DfT and NHS): PVC = 100 - 190
    = -90, a net saving to the public sector: no BCR, no value-for-money band.
    """
    old = (490 - 190) / (200 - 190)
    assert old == 30
    dft_only = evaluate(_thirty_case(public_budget={"agencies": ["DfT"]})).option("A")
    assert (dft_only.inc_bcr_pvb, dft_only.inc_bcr_pvc) == (390.0, 100.0)
    assert dft_only.inc_bcr == pytest.approx(3.9)
    saving = evaluate(_thirty_case())
    a = saving.option("A")
    assert a.inc_bcr_pvc == -90.0
    assert a.inc_bcr is None
    assert a.bcr is None
    assert a.vfm_category is None
    assert a.inc_net_saving
    assert a.net_saving
    assert a.bcr_note.startswith(NET_SAVING)
    assert "£-90" in a.bcr_note


def test_net_saving_is_said_in_every_output(tmp_path):
    from appraisal.outputs.excel_results import write_results_workbook
    from appraisal.outputs.files import write_outputs
    from appraisal.outputs.report.context import report_context

    result = evaluate(_thirty_case())
    data = result.to_dict()
    inc = data["options"][1]["incremental"]
    assert inc["bcr"] is None
    assert inc["net_saving_to_public_sector"] is True
    assert NET_SAVING in inc["bcr_note"]
    assert NET_SAVING in data["bcr_definition_text"]
    assert data["options"][0]["incremental"]["net_saving_to_public_sector"] is False
    write_outputs(result, tmp_path / "out")
    options_csv = (tmp_path / "out" / "options.csv").read_text()
    assert "inc_net_saving_to_public_sector" in options_csv
    assert NET_SAVING in options_csv
    assert json.loads((tmp_path / "out" / "results.json").read_text())["bcr_definition_text"]
    text = summary_text(result)
    assert result.bcr_definition_text in text
    assert f"saving = {NET_SAVING}" in text
    ctx = report_context(result)
    assert ctx["cba"]["metrics"][1]["bcr"] is None
    assert NET_SAVING in ctx["cba"]["metrics"][1]["bcr_note"]
    assert NET_SAVING in ctx["cba"]["metrics"][1]["vfm_category"]
    assert "TAG unit A1.1" in ctx["meta"]["bcr_definition"]
    import openpyxl

    book = openpyxl.load_workbook(write_results_workbook(result, tmp_path / "r.xlsx"))
    summary = book["Summary"]
    assert result.bcr_definition_text in summary["A2"].value
    row = [c.value for c in summary[6]]
    assert row[0] == "A"
    assert NET_SAVING in row[6]
    # the category is a formula over the BCR cell: its value (cached) says it too
    path = tmp_path / "r.xlsx"
    cached = [c.value for c in openpyxl.load_workbook(path, data_only=True)["Summary"][6]]
    assert NET_SAVING in cached[7]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=4, max_size=4))
def test_npsv_equals_pvb_minus_pvc_whatever_the_definition(xs):
    b, c, pc_share, ps_share = xs[0], xs[1], xs[2] / 1e6, xs[3] / 1e6
    pc, ps = c * pc_share, b * ps_share  # the public parts of costs and benefits
    for definition in ("benefit_cost", "public_sector_cost"):
        pvb, pvc = bcr_terms(definition, b, c, pc, ps)
        assert float(pvb - pvc) == pytest.approx(b - c, abs=1e-6 * max(1.0, b, c))
    assert [float(x) for x in bcr_terms("benefit_cost", b, c, pc, ps)] == [b, c]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["cost", "benefit"]),
                          st.sampled_from(["fiscal", "economic", "social"]),
                          st.sampled_from(["DfT", "NHS", "Users"]),
                          st.integers(1, 1000)), min_size=1, max_size=6))
def test_evaluate_keeps_npsv_and_reports_no_huge_ratio(specs):
    lines = [_line(f"l{i}", kind, {2025 + i % 2: amount}, agency, vt)
             for i, (kind, vt, agency, amount) in enumerate(specs)]
    plain = evaluate(_case(lines)).option("A")
    dft = evaluate(_case(lines, bcr_definition="public_sector_cost")).option("A")
    assert dft.inc_npsv == pytest.approx(plain.inc_npsv, abs=1e-9)
    assert dft.inc_bcr_pvb - dft.inc_bcr_pvc == pytest.approx(dft.inc_npsv, abs=1e-6)
    public_cost = sum(amount * (D1 if i % 2 else 1.0) * (1 if kind == "cost" else -1)
                      for i, (kind, vt, _, amount) in enumerate(specs) if vt == "fiscal")
    assert dft.inc_bcr_pvc == pytest.approx(public_cost, abs=1e-6)
    assert dft.inc_net_saving == (dft.inc_bcr_pvc <= 0)
    assert (dft.inc_bcr is None) == dft.inc_net_saving
    if dft.inc_bcr is not None:
        assert dft.inc_bcr == pytest.approx(dft.inc_bcr_pvb / dft.inc_bcr_pvc)


@pytest.mark.parametrize(("extra", "field", "code"), [
    ({}, "lines[1].value_type", "missing"),
    ({"public_budget": {"agencies": ["DfT", "Nobody"]}}, "public_budget.agencies[1]",
     "unknown-agency"),
])
def test_public_sector_cost_inputs_are_checked_and_located(extra, field, code):
    lines = [_line("capital", "cost", {2025: 100}, "DfT", "fiscal"),
             {"option": "A", "name": "unknown", "kind": "cost", "values": {2025: 5}}]
    with pytest.raises(AppraisalValidationError) as info:
        _case(lines, bcr_definition="public_sector_cost", **extra)
    issue = next(i for i in info.value.issues if i.field == field)
    assert issue.code == code
    assert issue.fix


def test_public_budget_needs_the_dft_definition():
    lines = [_line("capital", "cost", {2025: 100}, "DfT", "fiscal")]
    with pytest.raises(AppraisalValidationError) as info:
        _case(lines, public_budget={"agencies": ["DfT"]})
    assert [i.field for i in info.value.issues] == ["public_budget"]


# --------------------------------------------------------------------------- pooled budget
def _ledger(fiscal_cashable, fiscal_other, costs) -> LedgerResult:
    """Option 'A' against an empty BAU: partner k saves fiscal_cashable[k] (cashable) and
    fiscal_other[k] (non-cashable) and pays costs[k] (PV, incremental)."""
    n = len(costs)
    benefits = np.zeros((2, n, len(BENEFIT_TYPES)))
    benefits[1, :, 0], benefits[1, :, 1] = fiscal_cashable, fiscal_other
    cost = np.zeros((2, n, len(COST_TYPES)))
    cost[1, :, 0] = costs
    return LedgerResult(option_names=("BAU", "A"), counterfactual=0,
                        agencies=tuple(f"P{k}" for k in range(n)), years=np.arange(2),
                        benefits=benefits, costs=cost, discounted_net=np.zeros((2, n, 2)),
                        cash=np.zeros((2, n, 4, 2)), fiscal_agencies=(True,) * n)


money = st.floats(-1e6, 1e6).map(lambda x: round(x, 2))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(money, min_size=n, max_size=n), st.lists(money, min_size=n, max_size=n),
    st.lists(st.floats(0, 1e6), min_size=n, max_size=n))), st.sampled_from(["cashable",
                                                                            "all_fiscal"]))
def test_no_pooled_budget_sentence_contradicts_the_table(data, basis):
    cashable, other, costs = data
    ledger = _ledger(cashable, other, costs)
    object.__setattr__(ledger, "pool_basis", basis)
    pool = ledger.pooled_budget(1)
    if pool is None:  # every fiscal amount is zero: no partner is involved
        assert not any(cashable)
        assert not any(other)
        assert not any(costs)
        return
    rows, tol = pool["partners"], pool_tolerance(pool)
    said = pool["sentences"]
    assert said == pooled_budget_sentences(pool)
    assert pool["note"] == " ".join(said)
    expected = {"cashable": "cashable savings", "all_fiscal": "fiscal benefits"}[basis]
    assert expected in said[0]
    # contributions: sum to the pooled cost; nothing from partners without positive savings
    assert sum(r["proportional_contribution"] for r in rows) == pytest.approx(
        pool["pooled_cost"], abs=1e-6 * max(1.0, abs(pool["pooled_cost"])))
    if any(r["pv_savings"] > 0 for r in rows):
        for r in rows:
            if r["pv_savings"] <= 0:
                assert r["proportional_contribution"] == 0.0
                assert r["agency"] in said[0]
    worse = [r for r in rows if r["proportional_net"] < -tol]
    claims_none_worse = any(s.startswith("No partner is worse off") for s in said)
    assert claims_none_worse == (not worse) == pool["no_partner_worse_off"]
    named = next((s for s in said if s.startswith("Worse off")), "")
    for r in rows:
        assert (f"{r['agency']} (−" in named) == (r in worse)
    shortfall = next((s for s in said if "shortfall" in s), "")
    if shortfall:
        bearers = shortfall.split("borne by ")[1].rstrip(".").replace(" and ", ", ").split(", ")
        for r in rows:
            if r["agency"] in bearers:  # a bearer pays more than it saves
                assert r["proportional_contribution"] > r["pv_savings"]
                assert r["proportional_net"] < 0
            else:  # pays no more than its positive savings (nothing if it has none)
                assert r["proportional_contribution"] <= max(r["pv_savings"], 0.0) + tol
    positive = sum(max(r["pv_savings"], 0.0) for r in rows)
    assert bool(shortfall) == (bool(worse) and pool["pooled_cost"] - positive > tol)


def test_the_issue_cases_are_no_longer_misreported():
    """A partner with negative benefits is named as worse off; a shortfall is not said to
    fall on a partner that gains."""
    pool = _ledger([100.0, -40.0], [0.0, 0.0], [50.0, 0.0]).pooled_budget(1)
    p1 = next(r for r in pool["partners"] if r["agency"] == "P1")
    assert p1["proportional_net"] == -40.0
    assert p1["proportional_contribution"] == 0.0
    assert not pool["no_partner_worse_off"]
    assert pool["worse_off"] == ["P1"]
    assert "Worse off under this split: P1 (−£40.00)." in pool["sentences"]
    big = _ledger([10.0, -5.0, 0.0], [0.0, 0.0, 0.0], [200.0, 0.0, 0.0]).pooled_budget(1)
    shortfall = next(s for s in big["sentences"] if "shortfall" in s)
    assert shortfall.endswith("borne by P0.")
    assert big["shortfall"] == pytest.approx(190.0)


def test_non_cashable_savings_fund_a_pool_only_when_the_case_says_so():
    lines = [_line("service", "cost", {2025: 100}, "Council", "fiscal"),
             _line("A&E", "benefit", {2025: 100}, "NHS", "fiscal", cashable=False),
             _line("placements", "benefit", {2025: 50}, "Council", "fiscal", cashable=True)]
    default = evaluate(_case(lines)).lenses["public_value"].pooled_budget(1)
    assert {r["agency"]: r["proportional_contribution"] for r in default["partners"]} == {
        "Council": 100.0, "NHS": 0.0}
    assert default["worse_off"] == ["Council"]
    pooled = evaluate(_case(lines, public_value={"pooled_budget": {"basis": "all_fiscal"}}))
    shares = {r["agency"]: r["proportional_contribution"]
              for r in pooled.lenses["public_value"].pooled_budget(1)["partners"]}
    assert shares == pytest.approx({"Council": 100 / 3, "NHS": 200 / 3})
    with pytest.raises(AppraisalValidationError) as info:
        _case(lines, public_value={"pooled_budget": {"basis": "everything"}})
    assert [i.field for i in info.value.issues] == ["public_value.pooled_budget.basis"]
