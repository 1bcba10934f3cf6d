"""Explicit distributional weights (distribution: weights) and income_ratios, the public
inverse of equity_weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appraisal
from appraisal import case_from_records
from appraisal.case.schema import build_case
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.equity import income_ratios
from appraisal.lenses.pipeline import evaluate


@given(st.lists(st.floats(1_000, 500_000), min_size=1, max_size=6),
       st.floats(1_000, 500_000), st.floats(0.1, 3.0))
@settings(max_examples=150, deadline=None)
def test_income_ratios_inverts_equity_weights(incomes, reference, eta):
    w = appraisal.equity_weights(incomes, reference, eta=eta)
    np.testing.assert_allclose(appraisal.income_ratios(w, eta=eta) * reference, incomes,
                               rtol=1e-9)
    np.testing.assert_allclose(
        appraisal.equity_weights(appraisal.income_ratios(w, eta=eta), 1.0, eta=eta), w,
        rtol=1e-9)


def test_income_ratios_default_eta_and_bad_input():
    np.testing.assert_allclose(income_ratios([2.0 ** 1.3]), [0.5])   # shipped eta
    with pytest.raises(AppraisalValidationError) as exc:
        income_ratios([1.0, 0.0])
    assert exc.value.issues[0].field == "weights"
    with pytest.raises(AppraisalValidationError, match="eta = 0"):
        income_ratios([2.0], eta=0.0)


LINES = [
    {"option": "A", "name": "cost", "kind": "cost", "values": {2025: 100}},
    {"option": "A", "name": "gain", "kind": "benefit", "values": {2025: 90},
     "incidence": {"Q1": 1.0}},
]
OPTIONS = [{"name": "BAU", "counterfactual": True}, {"name": "A"}]


def _case(distribution):
    return case_from_records(title="T", base_year=2025, horizon_years=2, options=OPTIONS,
                             lines=LINES, distribution=distribution)


def _raw(distribution):
    return {"title": "T", "base_year": 2025, "horizon_years": 2, "options": OPTIONS,
            "lines": LINES, "distribution": distribution}


def test_weights_give_the_same_analysis_as_the_incomes_they_imply():
    """A case given weights (and the eta they were made with) reproduces the weights and
    the whole distributional analysis of the same case given incomes."""
    by_income = {"groups": ["Q1", "Q2", "Q3"],
                 "incomes": {"Q1": 10_000, "Q2": 20_000, "Q3": 40_000},
                 "reference_income": 20_000, "eta": 1.0, "income_source": "test"}
    by_weight = {"groups": ["Q1", "Q2", "Q3"], "weights": {"Q1": 2.0, "Q2": 1.0, "Q3": 0.5},
                 "weights_source": "a published table (test)", "eta": 1.0,
                 "reference_income": 20_000}
    a = evaluate(_case(by_income)).lenses["distributional"].to_dict()
    b = evaluate(_case(by_weight)).lenses["distributional"].to_dict()
    assert b["weights"] == pytest.approx([2.0, 1.0, 0.5])
    assert b["incomes"] == pytest.approx([10_000, 20_000, 40_000])
    assert b["implied_income_ratios"] == pytest.approx([0.5, 1.0, 2.0])
    assert b["weights_given"] is True
    assert a["weights_given"] is False
    assert "a published table (test)" in b["weights_note"]
    assert [r["weighted"] for r in b["npsv"]] == pytest.approx([r["weighted"]
                                                               for r in a["npsv"]])
    assert b["switching_eta"] == pytest.approx(a["switching_eta"])
    # without a reference income the incomes are multiples of the reference
    no_ref = {k: v for k, v in by_weight.items() if k != "reference_income"}
    c = evaluate(_case(no_ref)).lenses["distributional"].to_dict()
    assert c["incomes"] == pytest.approx([0.5, 1.0, 2.0])
    assert c["weights"] == pytest.approx([2.0, 1.0, 0.5])
    assert "multiples of the reference income" in c["income_source"]


def _issues(distribution):
    with pytest.raises(AppraisalValidationError) as exc:
        build_case(_raw(distribution))
    return exc.value.issues


def test_weights_with_incomes_is_a_located_error():
    issues = _issues({"weights": {"Q1": 2.0}, "incomes": {"Q1": 10_000},
                      "weights_source": "x", "income_source": "y"})
    issue = next(i for i in issues if i.code == "weights-with-incomes")
    assert issue.field == "distribution.weights"
    assert issue.fix


def test_weights_need_a_source_positive_eta_and_positive_values():
    codes = {i.code: i for i in _issues({"weights": {"Q1": 2.0, "Q2": 0.5}})}
    assert codes["missing"].field == "distribution.weights_source"
    issues = _issues({"weights": {"Q1": 2.0}, "weights_source": "x", "eta": 0})
    assert any(i.field == "distribution.eta" and "eta = 0" in i.message for i in issues)
    issues = _issues({"weights": {"Q1": -2.0}, "weights_source": "x"})
    assert any(i.field == "distribution.weights.Q1" for i in issues)
    issues = _issues({"weights": {"Q1": 2.0}, "weights_source": "x",
                      "households": {"Q1": 10}})
    assert any(i.field == "distribution.households" for i in issues)
