"""Annuities and mid-year timing: one rule for the EAC and the EDE, flows one year apart.

Sources (as stored by the ``search`` tool; the Green Book 2018/2022 text defining the EAC
could not be found there, so the rule is tested against the discounting annex below):

- HM Treasury discounting annex reproduced at ppponline.affinitext.com, book 1664, paras
  A4.11-A4.12 with Table 1 (discount factors at 3.5%) and Table 3 (annuity factors, a
  first payment in year 1): an annuity starting later than year 1 is the annuity factor
  times the discount factor of the year before the first payment.
- Northern Ireland Department of Finance, Expenditure Appraisal Guide, "Basics of
  discounting", Table 3: "Equivalent Annual Cost of £1 p.a. (EAC factors)" and "Present
  value of £1 p.a. (annuity factors)" at 3.5%, first payment in year 1.
- HM Treasury PFI value-for-money quantitative assessment user guide (ppponline book
  1663): "annual cash flows should be assumed to arise mid-period".
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.case.model import Case
from appraisal.greenbook.discounting import (
    SCHEDULES,
    annuity_factor,
    discount_factors,
    equivalent_annual,
    factors_from_rates,
    schedule_rates,
)
from appraisal.greenbook.equity import ede_income
from appraisal.lenses.pipeline import evaluate

TIMINGS = ("end", "mid")
HORIZONS = (1, 2, 31, 80, 400)


def _level_case(level: float, horizon: int, timing: str, *, schedule: str = "standard",
                distribution: dict | None = None) -> Case:
    lines = [{"option": "A", "name": "running cost", "kind": "cost", "schedule": schedule,
              "values": {2025 + t: level for t in range(horizon)}}]
    extra = {"distribution": distribution} if distribution else {}
    if distribution:
        lines.append({"option": "A", "name": "gain", "kind": "benefit", "schedule": schedule,
                      "values": {2025 + t: level for t in range(horizon)},
                      "incidence": {"Q1": 1.0}})
        lines[0]["incidence"] = {"Q1": 0.5, "Q2": 0.5}
    return case_from_records(title="Level", base_year=2025, horizon_years=horizon,
                             timing=timing, lines=lines,
                             options=[{"name": "BAU", "counterfactual": True},
                                      {"name": "A"}], **extra)


# ------------------------------------------------------------ a level stream returns its level
@settings(max_examples=60, deadline=None)
@given(schedule=st.sampled_from(SCHEDULES), timing=st.sampled_from(TIMINGS),
       horizon=st.integers(1, 400), level=st.floats(1e-3, 1e9))
@example(schedule="standard", timing="end", horizon=40, level=400_000.0)
@example(schedule="health", timing="mid", horizon=1, level=1.0)
@example(schedule="reduced", timing="mid", horizon=400, level=7.5)
@example(schedule="standard", timing="mid", horizon=31, level=3.0)
@example(schedule="health", timing="end", horizon=80, level=2.0)
def test_a_level_stream_returns_its_level(schedule, timing, horizon, level):
    """Issue: "a flat £400k a year for 40 years reports £418,898". A level stream in every
    year t = 0..n-1, discounted with a schedule and timing, annuitised with the same."""
    df = discount_factors(horizon - 1, schedule, timing=timing)
    assert df.shape == (horizon,)
    pv = float(np.dot(np.full(horizon, level), df))
    assert equivalent_annual(pv, horizon, schedule, timing=timing) == pytest.approx(
        level, rel=1e-12)


#: A case's years end by 2300 (appraisal.limits.MAX_YEAR): from 2025 at most 276 years.
PIPELINE_HORIZONS = (*HORIZONS[:-1], 276)


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("horizon", PIPELINE_HORIZONS)
def test_the_pipeline_eac_of_a_level_stream_is_its_level(horizon, timing):
    """Through evaluate(): the EAC of £400k a year over the whole appraisal period is £400k,
    and so is the reduced-rate sensitivity's EAC (horizons over 50 years)."""
    result = evaluate(_level_case(400_000.0, horizon, timing))
    option = result.option("A")
    assert option.pv_costs > 0
    assert option.eac == pytest.approx(400_000.0, rel=1e-12)
    if horizon > 50:
        reduced = next(o for o in result.reduced_schedule["options"] if o["name"] == "A")
        assert reduced["equivalent_annual_cost"] == pytest.approx(400_000.0, rel=1e-12)
    else:
        assert result.reduced_schedule is None


def test_the_issue_example_no_longer_overstates():
    """£400k a year for 40 years used to report £418,898 (the PV over DF_1..DF_39)."""
    option = evaluate(_level_case(400_000.0, 40, "end")).option("A")
    old = option.pv_costs / float(discount_factors(39)[1:].sum())
    assert round(old) == 418_898
    assert option.eac == pytest.approx(400_000.0, rel=1e-12)


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("horizon", [1, 31, 80])
def test_the_ede_annual_figure_of_a_level_stream_uses_the_same_annuity(horizon, timing):
    """The EDE's equivalent annual £ per household of a level net gain is the level over the
    households (one rule, one function, as for the EAC)."""
    households = {"Q1": 40.0, "Q2": 60.0}
    dist = {"groups": ["Q1", "Q2"], "incomes": {"Q1": 15_000, "Q2": 30_000},
            "reference_income": 20_000, "income_source": "test incomes",
            "households": households}
    case = _level_case(1_000.0, horizon, timing, distribution=dist)
    lens = evaluate(case).lenses["distributional"]
    ede = next(e for e in lens.ede if e["option"] == "A")
    # a year: Q1 gains 1000 and bears half the 1000 cost (+500 over 40 households);
    # Q2 bears the other half (-500 over 60 households)
    after = [15_000 + 500 / 40, 30_000 - 500 / 60]
    pop = [40.0, 60.0]
    assert ede["mean_gain_per_household"] == pytest.approx(0.0, abs=1e-9)
    assert ede["ede_after"] == pytest.approx(ede_income(after, lens.eta, pop), rel=1e-12)
    assert ede["ede_gain_per_household"] == pytest.approx(
        ede_income(after, lens.eta, pop) - ede_income([15_000, 30_000], lens.eta, pop),
        rel=1e-9)


# ------------------------------------------------------------------- known answers (sources)
def test_flat_rate_annuity_is_the_published_factor_moved_one_year_earlier():
    """Annex paras A4.11-A4.12: a stream starting later than year 1 is valued as the year-1
    annuity factor times the discount factor of the year before its first payment. For a
    stream starting in year 0 that factor is DF_-1 = 1.035, so our annuity over t = 0..n-1
    is 1.035 x the annuity-immediate (1 - 1.035^-n) / 0.035, to rounding error."""
    for n in (1, 2, 15, 20, 30):
        rates = [0.035] * (n - 1)
        immediate = (1 - 1.035**-n) / 0.035
        assert annuity_factor(n, rates) == pytest.approx(1.035 * immediate, rel=1e-13)
        assert annuity_factor(n, rates) == pytest.approx(1 + (1 - 1.035 ** -(n - 1)) / 0.035,
                                                         rel=1e-13)


def test_published_table_1_discount_factors():
    """Annex Table 1 (3.5%): DF_6 = 0.8135, DF_20 = 0.5026, DF_30 = 0.3563, to 4 dp."""
    df = discount_factors(30)
    assert [round(float(df[t]), 4) for t in (0, 1, 6, 20, 30)] == [1.0, 0.9662, 0.8135,
                                                                     0.5026, 0.3563]


def test_published_worked_example_of_a_deferred_annuity():
    """Annex A4.12: 15 annual costs of £75 from year 7 are worth £75 x 11.5281 x 0.8135 =
    £704 at year 0. The shift rule holds exactly here; the published £704 rests on Table 3's
    11.5281, which is 0.09% above the exact (1 - 1.035^-15) / 0.035 = 11.5174, so our exact
    figure, £702.71, is within 0.2% of it (and an annuity one year too long or too short
    would miss it by 3%)."""
    df = discount_factors(21)
    pv = 75 * float(df[7:22].sum())
    immediate = (1 - 1.035**-15) / 0.035
    assert pv == pytest.approx(75 * immediate * float(df[6]), rel=1e-13)
    assert round(pv, 2) == 702.71
    assert abs(pv - 704) / 704 < 0.002


def test_spreadsheet_eac_factors_are_one_year_later():
    """NI EAG Table 3 "EAC of £1 p.a." at 3.5%: 1.0350 (1 year), 0.5264 (2 years), the
    annuity-immediate (PMT) convention; ours is the same stream one year earlier, so the
    published factor is (1 + r) x ours (the published 2-year entry is 1e-4 high: its
    annuity factor 1.8998 against the exact 1.8997)."""
    ours = [float(equivalent_annual(1.0, n, [0.035] * (n - 1))) for n in (1, 2)]
    assert ours[0] == 1.0
    assert 1.035 * ours[0] == pytest.approx(1.0350, abs=5e-5)
    assert 1.035 * ours[1] == pytest.approx(0.5264, abs=1.5e-4)
    pmt = 0.035 / (1 - 1.035**-2)  # Excel PMT(3.5%, 2, -1)
    assert 1.035 * ours[1] == pytest.approx(pmt, rel=1e-13)


# ------------------------------------------------------------------------ mid-year timing
@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_consecutive_flows_are_exactly_one_year_apart(schedule, timing):
    """DF(t+1) / DF(t) = 1 / (1 + r(t+1)) for every t >= 0, year 0 to year 1 included."""
    df = discount_factors(400, schedule, timing=timing)
    rates = schedule_rates(schedule, 400)
    np.testing.assert_allclose(df[1:] / df[:-1], 1 / (1 + rates), rtol=1e-13)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_mid_year_is_the_whole_stream_half_a_year_later(schedule):
    """Every year's mid-year factor, year 0's included, is the end-of-year factor times
    (1 + r(1))^-0.5: the base date is the start of year 0, the flows arrive mid-year."""
    end = discount_factors(400, schedule)
    mid = discount_factors(400, schedule, timing="mid")
    r1 = schedule_rates(schedule, 1)[0]
    np.testing.assert_allclose(mid / end, (1 + r1) ** -0.5, rtol=1e-14)
    assert end[0] == 1.0
    assert mid[0] < 1.0


def test_mid_year_known_answer_at_a_flat_rate():
    """VfM user guide (book 1663): flows arise mid-period, so a flow in year t (t = 0 the
    first year) is t + 0.5 years after the start of year 0: DF = 1.035^-(t + 0.5); year 0's
    0.9829 and year 1's 0.9497 are one year apart."""
    df = discount_factors(5, [0.035] * 5, timing="mid")
    np.testing.assert_allclose(df, 1.035 ** -(np.arange(6) + 0.5), rtol=1e-13)
    assert [round(float(x), 4) for x in df[:2]] == [0.9829, 0.9497]


def test_one_year_appraisal_under_mid_year_timing():
    """A one-year period has no year-1 flow, but mid-year timing still discounts year 0's
    flow by half a year at the year-1 rate: discount_factors(0) and the engine agree."""
    assert discount_factors(0, timing="mid").tolist() == pytest.approx([1.035**-0.5])
    assert discount_factors(0, [0.1], timing="mid").tolist() == pytest.approx([1.1**-0.5])
    result = evaluate(_level_case(100.0, 1, "mid"))
    assert result.option("A").pv_costs == pytest.approx(100 * 1.035**-0.5, rel=1e-13)
    assert result.option("A").eac == pytest.approx(100.0, rel=1e-13)


def test_mid_year_kernel_needs_the_year_one_rate():
    with pytest.raises(ValueError, match="year-1 rate"):
        factors_from_rates(np.zeros(0), timing="mid")


@pytest.mark.parametrize("horizon", [0, -1, 2.5, True])
def test_annuity_of_no_years_is_refused(horizon):
    with pytest.raises(ValueError, match=r"'horizon_years' must be a whole number of years"):
        annuity_factor(horizon)


@pytest.mark.libreoffice
def test_mid_year_workbook_recalculates_to_the_engine(tmp_path):
    """The Calculation sheet's mid-year rows (DF_t / (1 + r_1)^0.5, year 0 included) are
    recalculated by LibreOffice to the engine's factors and PVs."""
    import math

    import openpyxl

    from appraisal.outputs.excel_results import write_results_workbook
    from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip

    soffice_or_skip()
    case = _level_case(1000.0, 35, "mid")
    result = evaluate(case)
    path = write_results_workbook(result, tmp_path / "mid.xlsx")
    sheet = openpyxl.load_workbook(path)["Calculation"]
    row = next(r for r in sheet.iter_rows()
               if r[0].value == "Discount factor: standard (mid-year, used)")
    formulas = [c.value for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) == 35  # year 0 is a formula too, not the number 1
    (tmp_path / "lo").mkdir()
    recalculated = read_values(recalculate(path, tmp_path / "lo"))
    values = recalculated["Calculation"]
    used = discount_factors(34, timing="mid")
    got = [values[c.coordinate] for c in row if isinstance(c.value, str)
           and c.value.startswith("=")]
    for g, e in zip(got, used, strict=True):
        assert math.isclose(g, float(e), rel_tol=1e-12)
    summary = recalculated["Summary"]
    assert math.isclose(summary["B6"], result.option("A").pv_costs, rel_tol=1e-9)
