"""Distributional weights, incidence, the eta sweep and switching eta, Atkinson / EDE."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.equity import atkinson_index, ede_income, equity_weights, shipped_eta
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate

GROUPS = {"groups": ["Q1", "Q2", "Q3"], "incomes": {"Q1": 10_000, "Q2": 20_000, "Q3": 40_000},
          "reference_income": 20_000, "income_source": "test incomes"}
#: eta at which A (benefits to Q3) and B (benefits to Q1) tie: 150 * 0.5**e = 120 * 2**e.
SWITCH = math.log(1.25) / math.log(4.0)


def _case(eta=None, households=None, **dist):
    lines = [
        {"option": "A", "name": "cost", "kind": "cost", "values": {2025: 100}},
        {"option": "A", "name": "gain", "kind": "benefit", "values": {2025: 150},
         "incidence": {"Q3": 1.0}},
        {"option": "B", "name": "cost", "kind": "cost", "values": {2025: 100}},
        {"option": "B", "name": "gain", "kind": "benefit", "values": {2025: 120},
         "incidence": {"Q1": 1.0}},
    ]
    distribution = {**GROUPS, **dist}
    if eta is not None:
        distribution["eta"] = eta
    if households is not None:
        distribution["households"] = households
    return case_from_records(title="T", base_year=2025, horizon_years=3,
                             options=[{"name": "BAU", "counterfactual": True}, {"name": "A"},
                                      {"name": "B"}], lines=lines, distribution=distribution)


def _equity(case):
    return evaluate(case).lenses["distributional"]


# ------------------------------------------------------------------- known answers: weights
def test_weights_green_book_a3_12():
    """Green Book 2018 A3.12: with eta = 1, £1 to someone on £20k is worth twice £1 to
    someone on £40k; with eta = 1.3 it is worth 2 ** 1.3 = 2.462 times as much."""
    assert equity_weights([20_000, 40_000], 40_000, eta=1.0).tolist() == [2.0, 1.0]
    assert equity_weights([20_000], 40_000)[0] == pytest.approx(2.462, abs=5e-4)


def test_weight_implied_by_the_published_lowest_quintile_weight():
    """Green Book 2018 A3.21: weight 2.4 with 2015 data; the implied income ratio is
    2.4 ** (1 / 1.3) = 1.961 (reference note section 3.2)."""
    assert round(float(equity_weights([1.0], 1.961)[0]), 2) == 2.40


def test_shipped_eta_has_its_source():
    row = shipped_eta()
    assert row.value == 1.3
    assert "Layard" in row.source
    assert row.confidence == "C"


@settings(max_examples=60, deadline=None)
@given(incomes=st.lists(st.floats(1_000, 1e6), min_size=2, max_size=6),
       ref=st.floats(1_000, 1e6), eta=st.floats(0, 3))
def test_weights_equal_the_formula(incomes, ref, eta):
    w = equity_weights(incomes, ref, eta=eta)
    assert w == pytest.approx([(ref / y) ** eta for y in incomes], rel=1e-12)
    order = np.argsort(incomes)
    assert np.all(np.diff(w[order]) <= 1e-12)  # richer groups never weigh more
    assert equity_weights(incomes, ref, eta=0.0).tolist() == [1.0] * len(incomes)


def test_weights_take_a_draws_axis_of_eta():
    w = equity_weights([10_000, 20_000], 20_000, eta=np.array([0.0, 1.0, 2.0]))
    assert w.tolist() == [[1.0, 1.0], [2.0, 1.0], [4.0, 1.0]]


# ---------------------------------------------------------------- through the appraisal
def test_weighted_npsv_by_hand_and_incidence_table():
    eq = _equity(_case(eta=1.0))
    assert eq.weights.tolist() == [2.0, 1.0, 0.5]
    assert eq.unweighted.tolist() == pytest.approx([0.0, 50.0, 20.0])
    assert eq.weighted.tolist() == pytest.approx([0.0, -100 + 75.0, -100 + 240.0])
    rows = {(r["option"], r["group"]): r for r in eq.incidence_rows()}
    assert rows[("B", "Q1")]["inc_weighted_net"] == pytest.approx(240.0)
    assert rows[("A", "unallocated (reference income)")]["inc_net"] == pytest.approx(-100.0)
    assert rows[("A", "Q3")]["gains_or_loses"] == "gains"
    assert rows[("A", "unallocated (reference income)")]["gains_or_loses"] == "loses"


def test_eta_zero_gives_the_unweighted_result():
    eq = _equity(_case(eta=0.0))
    result = evaluate(_case(eta=0.0))
    assert eq.weighted.tolist() == eq.unweighted.tolist()
    assert eq.unweighted.tolist() == pytest.approx([m.npsv for m in result.options])
    assert eq.npsv_grid[0].tolist() == pytest.approx(eq.unweighted.tolist())
    assert eq.eta_grid[0] == 0.0
    assert eq.eta_grid[-1] == 2.0


def test_switching_eta_really_flips_the_preferred_option():
    eq = _equity(_case())
    assert eq.switching_eta == pytest.approx(SWITCH, abs=1e-9)
    assert eq.switches[0]["from"] == "A"
    assert eq.switches[0]["to"] == "B"
    below = _equity(_case(eta=SWITCH - 0.01))
    above = _equity(_case(eta=SWITCH + 0.01))
    assert below.preferred_weighted == "A"
    assert above.preferred_weighted == "B"
    assert below.preferred_unweighted == above.preferred_unweighted == "A"


def test_no_switch_is_reported_as_such():
    """In the prevention example the whole-family service stays preferred for every eta."""
    eq = _equity(load_case(example_path("prevention")))
    d = eq.to_dict()
    assert eq.switching_eta is None
    assert d["switches"] == []
    assert "does not change for eta in 0.0..2.0" in d["switching_note"]
    assert set(d["eta_curve"]["preferred"]) == {"Whole-family service"}
    assert d["eta"] == 1.3
    assert len(d["eta_curve"]["eta"]) == len(eq.eta_grid)


# ------------------------------------------------------------------------- Atkinson / EDE
def test_atkinson_known_answers():
    """Atkinson (1970): with e = 1 the EDE income is the geometric mean, with e = 2 the
    harmonic mean; for incomes 10k and 40k: 20k and 16k against a mean of 25k."""
    assert ede_income([10_000, 40_000], eta=1.0) == pytest.approx(20_000)
    assert atkinson_index([10_000, 40_000], eta=1.0) == pytest.approx(0.2)
    assert atkinson_index([10_000, 40_000], eta=2.0) == pytest.approx(0.36)
    assert atkinson_index([25_000, 25_000], eta=1.3) == 0.0


def test_ede_summary_by_hand():
    hh = {"Q1": 100, "Q2": 100, "Q3": 100}
    eq = _equity(_case(eta=1.0, households=hh))
    b = next(e for e in eq.ede if e["option"] == "B")
    annuity = 1 + 1 / 1.035 + 1 / 1.035 ** 2
    gains = np.array([120 / 100, 0.0, 0.0]) - 100 / 300  # cost shared equally per household
    after = np.array([10_000, 20_000, 40_000]) + gains / annuity
    assert b["ede_after"] == pytest.approx(float(np.exp(np.log(after).mean())))
    assert b["mean_gain_per_household"] == pytest.approx(20 / 300 / annuity)
    assert b["ede_gain_per_household"] > b["mean_gain_per_household"]  # gains go to Q1


def test_equity_lens_outputs(tmp_path):
    from appraisal.outputs.files import write_outputs

    result = evaluate(_case(households={"Q1": 1, "Q2": 1, "Q3": 1}))
    data = result.to_dict()["distributional"]
    assert {"weights", "npsv", "incidence", "eta_curve", "switching_eta", "ede"} <= set(data)
    written = {p.name for p in write_outputs(result, tmp_path / "o")}
    assert {"incidence.csv", "distributional_npsv.csv", "eta_sweep.csv"} <= written


# ------------------------------------------------------------------------------ bad input
def _bad(**changes):
    with pytest.raises(AppraisalValidationError) as err:
        _case(**changes)
    return err.value.issues


def test_incidence_shares_must_sum_to_one():
    lines = [{"option": "A", "name": "g", "kind": "benefit", "values": {2025: 1},
              "incidence": {"Q1": 0.5, "Q2": 0.4}}]
    with pytest.raises(AppraisalValidationError) as err:
        case_from_records(title="T", base_year=2025, horizon_years=1,
                          options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
                          lines=lines, distribution=GROUPS)
    issue = err.value.issues[0]
    assert issue.field == "lines[0].incidence"
    assert "sum to 0.9" in issue.message


def test_incidence_names_only_known_groups_and_needs_a_distribution():
    lines = [{"option": "A", "name": "g", "kind": "benefit", "values": {2025: 1},
              "incidence": {"Q4": 1.0}}]
    base = {"title": "T", "base_year": 2025, "horizon_years": 1,
            "options": [{"name": "BAU", "counterfactual": True}, {"name": "A"}],
            "lines": lines}
    with pytest.raises(AppraisalValidationError, match=r"not in distribution\.groups"):
        case_from_records(**base, distribution=GROUPS)
    with pytest.raises(AppraisalValidationError, match="needs a 'distribution:' section"):
        case_from_records(**base)


def test_every_problem_of_an_incidence_at_once():
    """A misspelt group does not hide the line's other groups, a share that is not a
    number, or shares that do not add up to 1."""
    lines = [{"option": "A", "name": "g", "kind": "benefit", "values": {2025: 1},
              "incidence": {"Q5": 0.5, "Q2": "half", "Q9": 0.3, "Q1": 0.4}},
             {"option": "A", "name": "h", "kind": "benefit", "values": {2025: 1},
              "incidence": {"Q4": 0.5, "Q1": 0.6}}]
    with pytest.raises(AppraisalValidationError) as err:
        case_from_records(title="T", base_year=2025, horizon_years=1,
                          options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
                          lines=lines, distribution=GROUPS)
    found = [(i.code, i.field) for i in err.value.issues]
    assert found == [("unknown-group", "lines[0].incidence.Q5"),
                     ("wrong-type", "lines[0].incidence.Q2"),
                     ("unknown-group", "lines[0].incidence.Q9"),
                     ("unknown-group", "lines[1].incidence.Q4"),
                     ("incidence-sum", "lines[1].incidence")], found


def test_a_group_with_no_income_is_rejected_and_located():
    issues = _bad(incomes={"Q1": 10_000, "Q3": 40_000})
    assert any(i.code == "missing-income" and "'Q2' has no income" in i.message
               and i.field == "distribution.incomes" for i in issues)
    issues = _bad(incomes={"Q1": 0, "Q2": 20_000, "Q3": 40_000})
    assert any(i.field == "distribution.incomes.Q1" and "must be positive" in i.message
               for i in issues)


def test_incomes_need_their_source():
    issues = _bad(income_source="")
    assert any(i.field == "distribution.income_source" for i in issues)


def test_equity_weights_reject_bad_incomes_and_eta():
    with pytest.raises(AppraisalValidationError) as err:
        equity_weights([10_000, -5], 0, eta=-1)
    assert {i.field for i in err.value.issues} == {"incomes", "reference_income", "eta"}
