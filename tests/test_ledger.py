"""The agency ledger: who pays, who benefits, ROI, payback, cash position, pooled budget."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.ledger import payback_index, pooled_contributions
from appraisal.lenses.pipeline import evaluate

D1, D2 = 1 / 1.035, 1 / 1.035 ** 2


def _line(option, name, kind, values, agency, value_type, cashable=None):
    out = {"option": option, "name": name, "kind": kind, "values": values, "agency": agency,
           "value_type": value_type}
    if cashable is not None:
        out["cashable"] = cashable
    return out


def _small_case(**extra):
    """BAU: the council spends 100 now. A: the council spends 300 now; it saves 150 (cashable)
    next year and 100 (cashable) the year after; the NHS saves 103.5 (non-cashable) next year;
    households gain 207 of earnings the year after."""
    lines = [
        _line("BAU", "team", "cost", {2025: 100}, "Council", "fiscal"),
        _line("A", "team and service", "cost", {2025: 300}, "Council", "fiscal"),
        _line("A", "placements", "benefit", {2026: 150, 2027: 100}, "Council", "fiscal", True),
        _line("A", "A&E", "benefit", {2026: 103.5}, "NHS", "fiscal", False),
        _line("A", "earnings", "benefit", {2027: 207}, "Households", "economic"),
    ]
    return case_from_records(title="T", base_year=2025, horizon_years=3,
                             options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
                             lines=lines, **extra)


def _ledger(case):
    result = evaluate(case)
    return result, result.lenses["public_value"]


def test_known_answer_roi_and_net_positions():
    """Hand computation at the Green Book STPR of 3.5% (year 0 undiscounted)."""
    _, ledger = _ledger(_small_case())
    d = ledger.option_dict(1)
    council_b = 150 * D1 + 100 * D2
    nhs_b = 103.5 * D1
    earnings = 207 * D2
    assert d["incremental_totals"]["pv_costs"] == pytest.approx(200.0)
    assert d["financial_roi"] == pytest.approx((council_b + nhs_b) / 200)
    assert d["public_value_roi"] == pytest.approx((council_b + nhs_b + earnings) / 200)
    rows = {r["agency"]: r for r in d["agencies"]}
    assert rows["Council"]["inc_net"] == pytest.approx(council_b - 200)
    assert rows["Council"]["roi"] == pytest.approx(council_b / 200)
    assert rows["NHS"]["inc_net"] == pytest.approx(nhs_b)
    assert rows["NHS"]["roi"] is None
    assert rows["NHS"]["payback_year"] is None
    assert rows["Council"]["payback_year"] == 2027  # -200, -55.1, +38.3 cumulative


def test_matrix_splits_cashable_from_non_cashable():
    _, ledger = _ledger(_small_case())
    cells = {(r["agency"], r["kind"], r["value_type"]): r["inc_pv"]
             for r in ledger.matrix_rows(1)}
    assert cells[("Council", "benefit", "fiscal_cashable")] == pytest.approx(150 * D1 + 100 * D2)
    assert cells[("NHS", "benefit", "fiscal_non_cashable")] == pytest.approx(100.0)
    assert cells[("Households", "benefit", "economic")] == pytest.approx(207 * D2)
    assert cells[("Council", "cost", "fiscal")] == pytest.approx(200.0)


def test_cash_position_counts_only_cashable_savings_as_cash():
    _, ledger = _ledger(_small_case())
    rows = {(r["agency"], r["year"]): r for r in ledger.cash_rows(1)}
    council = [rows[("Council", y)] for y in (2025, 2026, 2027)]
    assert [r["net_cash"] for r in council] == pytest.approx([-200.0, 150.0, 100.0])
    assert [r["cumulative_net_cash"] for r in council] == pytest.approx([-200.0, -50.0, 50.0])
    nhs = rows[("NHS", 2026)]
    assert (nhs["non_cashable_savings"], nhs["net_cash"]) == (pytest.approx(103.5), 0.0)


def test_pooled_budget_leaves_no_partner_worse_off():
    # basis all_fiscal: the NHS's non-cashable saving funds the pool too
    _, ledger = _ledger(_small_case(public_value={"pooled_budget": {"basis": "all_fiscal"}}))
    pool = ledger.pooled_budget(1)
    partners = {r["agency"]: r for r in pool["partners"]}
    assert set(partners) == {"Council", "NHS"}  # households have no fiscal lines
    council_b, nhs_b = 150 * D1 + 100 * D2, 103.5 * D1
    assert partners["Council"]["proportional_contribution"] == pytest.approx(
        200 * council_b / (council_b + nhs_b))
    assert sum(r["proportional_contribution"] for r in partners.values()) == pytest.approx(200)
    assert pool["no_partner_worse_off"]
    assert all(r["proportional_net"] >= 0 for r in partners.values())
    assert partners["Council"]["actual_share"] == 1.0
    assert partners["NHS"]["actual_share"] == 0.0
    assert ledger.pooled_budget(0) is None


def test_pooled_budget_reports_a_shortfall():
    assert pooled_contributions([10.0, 30.0], 80.0).tolist() == [20.0, 60.0]
    case = _small_case()
    lines = [ln for ln in case.lines if ln.name != "placements"]
    from dataclasses import replace

    _, ledger = _ledger(replace(case, lines=tuple(lines)))
    pool = ledger.pooled_budget(1)
    assert not pool["no_partner_worse_off"]
    assert "shortfall" in pool["note"]


def test_payback_index_known_answers():
    assert payback_index([[-10.0, 4.0, 4.0, 4.0], [5.0, -1.0, 0.0, 0.0],
                          [-1.0, 2.0, -5.0, 10.0]]).tolist() == [3, 0, 3]


@pytest.mark.parametrize("name", ["prevention", "capital"])
def test_ledger_sums_to_the_option_totals(name):
    result, ledger = _ledger(load_case(example_path(name)))
    for o, m in enumerate(result.options):
        totals = ledger.totals(o)
        assert totals["pv_costs"] == pytest.approx(m.pv_costs, rel=1e-12)
        assert totals["pv_benefits"] == pytest.approx(m.pv_benefits, rel=1e-12)
        assert totals["pv_fiscal_benefits"] == pytest.approx(m.pv_fiscal_benefits, rel=1e-12)
        inc = ledger.totals(o, incremental=True)
        assert inc["pv_costs"] == pytest.approx(m.inc_pv_costs, rel=1e-12, abs=1e-6)
        assert inc["pv_benefits"] == pytest.approx(m.inc_pv_benefits, rel=1e-12, abs=1e-6)
        cells = ledger.matrix_rows(o)
        assert sum(r["pv"] for r in cells if r["kind"] == "cost") == pytest.approx(
            m.pv_costs, rel=1e-12)


amounts = st.floats(0, 1e6, allow_nan=False)
line_st = st.fixed_dictionaries({
    "option": st.sampled_from(["BAU", "A", "B"]), "kind": st.sampled_from(["cost", "benefit"]),
    "agency": st.sampled_from(["", "Council", "NHS"]),
    "value_type": st.sampled_from(["", "fiscal", "economic", "social"]),
    "year": st.integers(2025, 2029), "amount": amounts})


@settings(max_examples=40, deadline=None)
@given(specs=st.lists(line_st, min_size=1, max_size=8))
def test_ledger_always_sums_to_the_option_totals(specs):
    lines = []
    for k, s in enumerate(specs):
        line = {"option": s["option"], "name": f"l{k}", "kind": s["kind"],
                "values": {s["year"]: s["amount"]}, "agency": s["agency"] or "Council"}
        if s["value_type"]:
            line["value_type"] = s["value_type"]
        lines.append(line)
    case = case_from_records(title="T", base_year=2025, horizon_years=5,
                             options=[{"name": "BAU", "counterfactual": True}, {"name": "A"},
                                      {"name": "B"}], lines=lines)
    result, ledger = _ledger(case)
    for o, m in enumerate(result.options):
        t = ledger.totals(o)
        assert t["pv_costs"] == pytest.approx(m.pv_costs, rel=1e-12, abs=1e-9)
        assert t["pv_benefits"] == pytest.approx(m.pv_benefits, rel=1e-12, abs=1e-9)
        by_type = ledger.by_value_type()[o]
        assert sum(v for k, v in by_type.items() if k != "option") == pytest.approx(
            m.npsv, rel=1e-12, abs=1e-9)
    assert np.all(np.isfinite(ledger.benefits))


def test_ledger_lens_is_in_results_json_and_csvs(tmp_path):
    from appraisal.outputs.files import write_outputs

    result, _ = _ledger(_small_case())
    data = result.to_dict()["public_value"]
    assert [o["option"] for o in data["options"]] == ["BAU", "A"]
    assert data["options"][1]["pooled_budget"]["partners"]
    written = {p.name for p in write_outputs(result, tmp_path / "out")}
    assert {"agency_matrix.csv", "agency_positions.csv", "cash_position.csv",
            "pooled_budget.csv"} <= written
