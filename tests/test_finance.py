"""Financial measures (appraisal.greenbook.finance): known answers from numpy-financial's test suite
and Microsoft's Excel documentation, properties, and located errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.finance import (
    fv,
    irr,
    irr_all,
    irr_summary,
    mirr,
    nper,
    npv,
    payback,
    pmt,
    rate,
    xirr,
    xnpv,
)

#: numpy/numpy-financial, numpy_financial/tests/test_financial.py at commit
#: 14d14f2c4e3a446ef4bb3b7001c7a3e876825479 (class TestFinancial).
NPF_TESTS = "numpy-financial tests/test_financial.py @14d14f2c"

# --------------------------------------------------------------- numpy-financial values


def test_npv_known_answer():
    """numpy-financial test_npv: npv(0.05, [-15000, 1500, 2500, 3500, 4500, 6000]) = 122.89
    (2 d.p.), NPF_TESTS."""
    assert npv(0.05, [-15000, 1500, 2500, 3500, 4500, 6000]) == pytest.approx(122.89, abs=5e-3)


def test_irr_known_answers_unique_roots():
    """numpy-financial test_irr, NPF_TESTS: the streams with one IRR, to its 2 d.p."""
    for flows, expected in [([-150000, 15000, 25000, 35000, 45000, 60000], 0.0524),
                            ([-100, 0, 0, 74], -0.0955),
                            ([-100, 39, 59, 55, 20], 0.28095),
                            ([-100, 100, 0, 7], 0.06206)]:
        assert irr(flows) == pytest.approx(expected, abs=5e-3)
    # test_npv_irr_congruence: NPV at the IRR is zero (atol 1e-10 as numpy-financial)
    flows = np.array([-40000, 5000, 8000, 12000, 30000])
    assert npv(irr(flows), flows) == pytest.approx(0.0, abs=1e-10)


def test_irr_multiple_roots_are_reported_not_guessed():
    """numpy-financial test_irr (NPF_TESTS) expects 0.0886 for [-5, 10.5, 1, -8, 1] and
    -0.0833 for [-100, 100, 0, -7]: the root nearest zero. Those streams have three and two
    IRRs; we list them all (numpy-financial's answer among them) and refuse to pick one."""
    three = irr_all([-5, 10.5, 1, -8, 1])
    assert len(three) == 3
    assert min(three, key=abs) == pytest.approx(0.0886, abs=5e-4)
    two = irr_all([-100, 100, 0, -7])
    assert len(two) == 2
    assert min(two, key=abs) == pytest.approx(-0.0833, abs=5e-4)
    for flows, r in [([-5, 10.5, 1, -8, 1], three), ([-100, 100, 0, -7], two)]:
        for root in r:
            assert npv(root, flows) == pytest.approx(0.0, abs=1e-8)
        with pytest.raises(AppraisalValidationError) as exc:
            irr(flows)
        assert exc.value.issues[0].code == "multiple-irr"
        assert irr_summary(flows)["status"] == "multiple"


def test_irr_without_sign_change_is_a_located_error():
    """numpy-financial test_irr (NPF_TESTS): [-1, -2, -3] has no IRR (it returns NaN);
    we raise a located error, or return NaN when asked."""
    with pytest.raises(AppraisalValidationError) as exc:
        irr([-1, -2, -3])
    issue = exc.value.issues[0]
    assert (issue.code, issue.field) == ("no-irr", "values")
    assert "sign" in issue.message
    assert issue.fix
    assert np.isnan(irr([-1, -2, -3], on_ambiguous="nan"))
    # with draws, the error names the draw
    with pytest.raises(AppraisalValidationError) as exc:
        irr([[-100, 110], [5, 5], [-100, 120]])
    assert [i.field for i in exc.value.issues] == ["values[1]"]


def test_irr_sign_change_but_no_real_root():
    """1 - 3x + 3x^2 has no real root: the NPV never reaches zero, so no IRR."""
    assert irr_all([1, -3, 3]) == []
    assert irr_summary([1, -3, 3])["status"] == "none"
    with pytest.raises(AppraisalValidationError, match="not zero at any rate"):
        irr([1, -3, 3])


def test_mirr_known_answers():
    """numpy-financial test_mirr, NPF_TESTS (values to the stated decimals)."""
    assert mirr([-4500, -800, 800, 800, 600, 600, 800, 800, 700, 3000], 0.08, 0.055) \
        == pytest.approx(0.0666, abs=5e-5)
    assert mirr([-120000, 39000, 30000, 21000, 37000, 46000], 0.10, 0.12) \
        == pytest.approx(0.126094, abs=5e-7)
    assert mirr([100, 200, -50, 300, -200], 0.05, 0.06) == pytest.approx(0.3428, abs=5e-5)
    assert np.isnan(mirr([39000, 30000, 21000, 37000, 46000], 0.10, 0.12))


def test_annuity_functions_known_answers():
    """numpy-financial test_pmt, test_fv, test_rate, test_nper, test_nper2, NPF_TESTS."""
    assert pmt(0.08 / 12, 5 * 12, 15000) == pytest.approx(-304.145914)
    assert pmt(0.0, 5 * 12, 15000) == pytest.approx(-250.0)
    np.testing.assert_allclose(pmt([[0.0, 0.8], [0.3, 0.8]], [12, 3], [2000, 20000]),
                               [[-166.66667, -19311.258], [-626.90814, -19311.258]],
                               rtol=1e-7)
    assert fv(0.075, 20, -2000, 0, 0) == pytest.approx(86609.362673042924, rel=1e-12)
    assert rate(10, 0, -3500, 10000) == pytest.approx(0.1107, abs=5e-5)
    assert nper(0.075, -2000, 0, 100000.0) == pytest.approx(21.54, abs=5e-3)
    assert nper(0.0, -2000, 0, 100000.0) == pytest.approx(50.0, abs=5e-2)
    assert fv(0.075, 20, -2000, 0, 1) == fv(0.075, 20, -2000, 0, "begin")


def test_npv_and_mirr_match_numpy_financial_row_by_row():
    """Our last-axis npv/mirr equal numpy-financial's one-stream functions on each draw."""
    npf = pytest.importorskip("numpy_financial")
    rng = np.random.default_rng(3)
    flows = rng.normal(0, 100, size=(20, 8))
    flows[:, 0] = -abs(flows[:, 0]) - 50
    np.testing.assert_allclose(npv(0.07, flows), [npf.npv(0.07, f) for f in flows])
    np.testing.assert_allclose(mirr(flows, 0.06, 0.04),
                               [npf.mirr(f, 0.06, 0.04) for f in flows])


# --------------------------------------------------------------- Excel's documentation

def test_excel_irr_example():
    """Microsoft support, "IRR function" (Excel), example: -70,000 then 12,000, 15,000,
    18,000, 21,000, 26,000; =IRR(A2:A6) = -2.1% (four years), =IRR(A2:A7) = 8.7%,
    =IRR(A2:A4, -10%) = -44.4% (two years)."""
    flows = [-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]
    assert round(irr(flows[:5]), 3) == -0.021
    assert round(irr(flows), 3) == 0.087
    assert round(irr(flows[:3]), 3) == -0.444


EXCEL_DATES = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30),
               dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
EXCEL_FLOWS = [-10_000, 2750, 4250, 3250, 2750]


def test_excel_xnpv_example():
    """Microsoft, "WorksheetFunction.Xnpv method" (Excel VBA reference): the example
    table's flows discounted at 9% give 2086.6476 (2086.65). Flows and dates are those of
    the XNPV/XIRR support pages' example table (-10,000 on 1 Jan 2008, 2,750 on 1 Mar 2008,
    4,250 on 30 Oct 2008, 3,250 on 15 Feb 2009, 2,750 on 1 Apr 2009)."""
    assert xnpv(0.09, EXCEL_FLOWS, EXCEL_DATES) == pytest.approx(2086.6476, abs=5e-5)
    # the same by ISO text and numpy datetimes
    iso = [d.isoformat() for d in EXCEL_DATES]
    assert xnpv(0.09, EXCEL_FLOWS, iso) == pytest.approx(2086.6476, abs=5e-5)
    assert xnpv(0.09, EXCEL_FLOWS, np.array(iso, dtype="datetime64[D]")) \
        == pytest.approx(2086.6476, abs=5e-5)


def test_excel_xirr_example():
    """Microsoft Knowledge Base Q116041 (Excel 5.0 help erratum) and the XIRR support page:
    the same schedule (-10,000 then 2,750, 4,250, 3,250, 2,750) has XIRR 0.373363
    (37.3363%); the support page's dates are the 2008-09 ones used here."""
    assert xirr(EXCEL_FLOWS, EXCEL_DATES) == pytest.approx(0.373363, abs=5e-7)
    assert xnpv(xirr(EXCEL_FLOWS, EXCEL_DATES), EXCEL_FLOWS, EXCEL_DATES) \
        == pytest.approx(0.0, abs=1e-6)


def test_excel_npv_convention_is_documented_and_differs_by_one_period():
    """Excel's NPV(r, v0..vn) discounts v0 by one period: it equals npv(r, v) / (1 + r)."""
    flows = [-100, 30, 40, 50]
    excel_npv = sum(v / 1.1 ** (k + 1) for k, v in enumerate(flows))
    assert excel_npv == pytest.approx(npv(0.1, flows) / 1.1)
    assert "discounts its **first** value" in npv.__doc__
    for f in (npv, irr, mirr, xnpv, xirr, pmt, fv, rate, nper):
        assert "Warnings" in f.__doc__, f.__name__


def test_dated_flows_bad_input_is_located():
    with pytest.raises(AppraisalValidationError) as exc:
        xnpv(0.05, [-1, 2, 3], ["2024-01-01", "2023-06-30", "2025-01-01"])
    assert exc.value.issues[0].code == "date-before-start"
    assert exc.value.issues[0].field == "dates[1]"
    with pytest.raises(AppraisalValidationError, match="length"):
        xnpv(0.05, [-1, 2], ["2024-01-01"])
    with pytest.raises(AppraisalValidationError) as exc:
        xnpv(0.05, [-1, 2], ["2024-01-01", "not a date"])
    assert exc.value.issues[0].field == "dates[1]"
    with pytest.raises(AppraisalValidationError) as exc:
        xirr([-1, -2], ["2024-01-01", "2025-01-01"])
    assert exc.value.issues[0].code == "no-irr"


# ------------------------------------------------------------------------- properties
conventional = st.tuples(
    st.floats(1.0, 1e6),
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30),
).filter(lambda t: sum(t[1]) > 1e-6 * t[0])


@given(conventional)
@settings(max_examples=150, deadline=None)
def test_irr_makes_npv_zero_on_conventional_streams(stream):
    """One outflow then non-negative inflows (one sign change): exactly one IRR, and the
    NPV there is zero."""
    outlay, inflows = stream
    flows = np.array([-outlay, *inflows])
    r = irr(flows)
    assert irr_summary(flows)["status"] == "unique"
    scale = outlay + sum(inflows)
    assert abs(npv(r, flows)) <= 1e-7 * scale


@given(conventional)
@settings(max_examples=100, deadline=None)
def test_npv_is_positive_below_the_irr_and_negative_above(stream):
    outlay, inflows = stream
    flows = np.array([-outlay, *inflows])
    r = irr(flows)
    below, above = (1 + r) * 0.99 - 1, (1 + r) * 1.01 - 1   # both above -100%
    assert npv(below, flows) > 0 > npv(above, flows)


@given(st.lists(st.floats(-1e5, 1e5), min_size=2, max_size=20),
       st.integers(0, 19), st.floats(0.0, 1e5), st.sampled_from([None, 0.035, 0.1]))
@settings(max_examples=200, deadline=None)
def test_payback_is_monotone_in_costs(flows, year, extra_cost, r):
    """Adding a cost in any year never makes payback earlier (simple or discounted)."""
    flows = np.array(flows)
    more = flows.copy()
    more[year % len(flows)] -= extra_cost
    before, after = payback(flows, r), payback(more, r)
    if before is None:
        assert after is None
    elif after is not None:
        assert after >= before


def test_payback_draws_and_discount_factors():
    from appraisal.greenbook.discounting import discount_factors

    flows = np.array([[-100, 30, 40, 50, 10], [-100, 10, 10, 10, 10]])
    np.testing.assert_array_equal(payback(flows), [3.0, np.nan])
    df = discount_factors(4)
    by_df = payback(flows[0], discount_factors=df)
    assert by_df == payback(flows[0], rate=float(1 / df[1] - 1))
    with pytest.raises(ValueError, match="not both"):
        payback(flows, 0.1, discount_factors=df)


def test_irr_on_draws_matches_one_by_one():
    rng = np.random.default_rng(11)
    flows = np.column_stack([-rng.uniform(50, 150, 40), rng.uniform(5, 40, (40, 10))])
    np.testing.assert_allclose(irr(flows), [irr(f) for f in flows])
    assert irr(flows.reshape(4, 10, 11)).shape == (4, 10)


def test_bad_flows_are_located():
    with pytest.raises(AppraisalValidationError, match="finite"):
        npv(0.1, [-1, float("nan")])
    with pytest.raises(AppraisalValidationError, match="at least one"):
        irr([])
    with pytest.raises(ValueError, match="on_ambiguous"):
        irr([-1, 2], on_ambiguous="guess")


def test_irr_near_minus_100_percent_counts_every_flow():
    """Regression (found by Hypothesis 6.100 under the lowest versions): a last flow that is
    negligible against the largest is not negligible at a rate near -100% (it is multiplied
    by (1 + r)^-t), so the IRR is solved on the whole stream."""
    flows = np.array([-20955.0, 1.0, 2.0954757928848267e-09])
    r = irr(flows)
    assert abs(npv(r, flows)) <= 1e-7 * (20955.0 + 1.0)
