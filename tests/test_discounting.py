"""Discount factors: known answers from the published schedules, and their invariants.

Published schedule (years counted from the base year), DfT TAG "Forthcoming change: Green
Book updates" (16 Apr 2026), which prints all three columns; the standard column is also
HM Treasury Green Book 2003 Annex 6 Table 6.1 and Green Book 2018 Annex A6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import ParameterError
from appraisal.greenbook.discounting import (
    SCHEDULES,
    discount_factors,
    factors_from_rates,
    schedule_rates,
)
from appraisal.params.packs import ParameterPack

#: (first year t, last year t or None, standard, health, reduced): DfT TAG 2026 table.
PUBLISHED_BANDS = [
    (1, 30, 0.035, 0.015, 0.030),
    (31, 75, 0.030, 0.0129, 0.0257),
    (76, 125, 0.025, 0.0107, 0.0214),
    (126, 200, 0.020, 0.0086, 0.0171),
    (201, 300, 0.015, 0.0064, 0.0129),
    (301, None, 0.010, 0.0043, 0.0086),
]
COLUMN = {"standard": 2, "health": 3, "reduced": 4}


def published_rate(schedule: str, t: int) -> float:
    """Rate of the published band that year ``t >= 1`` falls in."""
    for band in PUBLISHED_BANDS:
        if band[0] <= t and (band[1] is None or t <= band[1]):
            return band[COLUMN[schedule]]
    raise AssertionError(t)


def excel_npv(rate: float, values: list[float]) -> float:
    """Excel's ``NPV(rate, value1, ...)``: the first value is discounted by one period."""
    return sum(v / (1.0 + rate) ** (i + 1) for i, v in enumerate(values))


# --------------------------------------------------------------------------- known answers


def test_df30_and_df31_green_book_declining_schedule():
    """Green Book 2018 A6 / DfT TAG 2026: DF30 = 1.035^-30 = 0.3563 and, compounding
    piecewise across the boundary, DF31 = DF30 / 1.03 = 0.3459 (not 1.03^-31 = 0.4000)."""
    df = discount_factors(31)
    assert round(float(df[30]), 4) == 0.3563
    assert round(float(df[31]), 4) == 0.3459
    assert df[30] == pytest.approx(1.035**-30, rel=1e-12)
    assert df[31] == pytest.approx(1.035**-30 / 1.03, rel=1e-12)


def test_df76_is_df75_over_1_025():
    """Green Book 2018 A6 / DfT TAG 2026: years 31-75 at 3.0%, year 76 at 2.5%, so
    DF75 = 1.035^-30 * 1.03^-45 = 0.0942 and DF76 = DF75 / 1.025 = 0.0919."""
    df = discount_factors(76)
    df75 = 1.035**-30 * 1.03**-45
    assert df[75] == pytest.approx(df75, rel=1e-12)
    assert df[76] == pytest.approx(df75 / 1.025, rel=1e-12)
    assert round(float(df[75]), 4) == 0.0942
    assert round(float(df[76]), 4) == 0.0919


def test_first_ten_factors_match_the_published_3_5_percent_table():
    """Discount factors @ 3.5% p.a., years 1-10, to 4 d.p., as printed in the appraisal
    guide's Table 1 (mirrored at ppponline.affinitext.com book 1664, Appendix 4)."""
    published = [0.9662, 0.9335, 0.9019, 0.8714, 0.8420, 0.8135, 0.7860, 0.7594, 0.7337,
                 0.7089]
    df = discount_factors(10)
    assert df[0] == 1.0
    assert [round(float(x), 4) for x in df[1:]] == published


def test_health_factor_at_year_100_uses_the_published_rounded_rates():
    """DfT TAG 2026 health column (1.5%, 1.29%, 1.07%): DF100 = 1.015^-30 x 1.0129^-45 x
    1.0107^-25 = 0.275402; the unrounded rates (1.285714%, 1.071429%) would give 0.275829."""
    df = discount_factors(100, "health")
    assert df[100] == pytest.approx(1.015**-30 * 1.0129**-45 * 1.0107**-25, rel=1e-12)
    assert round(float(df[100]), 6) == 0.275402


def test_reduced_factor_at_year_100():
    """DfT TAG 2026 reduced column (3.0%, 2.57%, 2.14%): DF100 = 1.03^-30 x 1.0257^-45 x
    1.0214^-25 = 0.077459."""
    df = discount_factors(100, "reduced")
    assert df[100] == pytest.approx(1.03**-30 * 1.0257**-45 * 1.0214**-25, rel=1e-12)
    assert round(float(df[100]), 6) == 0.077459


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_shipped_schedules_equal_the_published_table(schedule):
    """Every one-year rate for t = 1..400 equals the DfT TAG 2026 published band rate."""
    rates = schedule_rates(schedule, 400)
    expected = [published_rate(schedule, t) for t in range(1, 401)]
    np.testing.assert_array_equal(rates, expected)


def test_mid_year_timing():
    """Mid-period flows (PFI value-for-money guidance, ppponline book 1663: "annual cash
    flows should be assumed to arise mid-period"): every year's flows, year 0's included,
    arrive at t + 0.5 years from the start of year 0, DF_mid(t) = 1.035^-(t + 0.5), so
    consecutive flows are one year apart (tests/test_method_discounting.py)."""
    df = discount_factors(3, timing="mid")
    np.testing.assert_allclose(df, [1.035**-0.5, 1.035**-1.5, 1.035**-2.5, 1.035**-3.5],
                               rtol=1e-12)
    assert round(float(df[0]), 4) == 0.9829


def test_mid_year_timing_across_a_band_boundary():
    """Mid-year factor of year 31 is DF31 / 1.035^0.5: one year at the year-31 rate after
    year 30's flow, which is half a year at the year-1 rate after the end-of-year DF30."""
    df = discount_factors(31, timing="mid")
    assert df[30] == pytest.approx(1.035**-30.5, rel=1e-12)
    assert df[31] == pytest.approx(1.035**-30 / 1.03 / 1.035**0.5, rel=1e-12)


def test_excel_npv_equivalence():
    """Green Book convention (year 0 undiscounted) vs Excel: the PV of v0, v1, ... at a
    flat 3.5% is v0 + NPV(3.5%, v1, ...), because Excel's NPV discounts its first value.
    By hand: 100 + 50/1.035 + 50/1.035^2 = 100 + 48.3092 + 46.6755 = 194.9847."""
    values = [100.0, 50.0, 50.0]
    pv = float(np.dot(values, discount_factors(2)))
    assert pv == pytest.approx(values[0] + excel_npv(0.035, values[1:]), rel=1e-13)
    assert pv == pytest.approx(194.9847, abs=1e-4)
    assert pv != pytest.approx(excel_npv(0.035, values), rel=1e-3)  # the Excel trap


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=40),
       rate=st.floats(0.0, 0.2))
def test_excel_npv_equivalence_any_flat_rate(values, rate):
    df = discount_factors(len(values) - 1, [rate] * (len(values) - 1))
    expected = values[0] + excel_npv(rate, values[1:])
    assert float(np.dot(values, df)) == pytest.approx(expected, rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------- properties


@settings(max_examples=80, deadline=None)
@given(rates=st.lists(st.floats(1e-6, 0.5), min_size=1, max_size=80))
def test_factors_start_at_one_and_fall_for_positive_rates(rates):
    df = factors_from_rates(rates)
    assert df[0] == 1.0
    assert np.all(np.diff(df) < 0)
    assert np.all(df > 0)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("timing", ["end", "mid"])
def test_shipped_schedules_start_at_one_and_fall(schedule, timing):
    df = discount_factors(400, schedule, timing=timing)
    first = 1.0 if timing == "end" else (1 + published_rate(schedule, 1)) ** -0.5
    assert df[0] == pytest.approx(first, rel=1e-15)
    assert np.all(np.diff(df) < 0)


@settings(max_examples=80, deadline=None)
@given(schedule=st.sampled_from(SCHEDULES), t=st.integers(1, 400))
def test_each_years_ratio_is_its_bands_one_year_factor(schedule, t):
    """DF_t / DF_{t-1} = 1 / (1 + r(t)) for the published band of year t, so across each
    band boundary the ratio is the next band's one-year factor."""
    df = discount_factors(t, schedule)
    assert df[t] / df[t - 1] == pytest.approx(1.0 / (1.0 + published_rate(schedule, t)),
                                              rel=1e-12)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("boundary", [31, 76, 126, 201, 301])
def test_ratio_across_each_band_boundary(schedule, boundary):
    df = discount_factors(boundary + 1, schedule)
    before = published_rate(schedule, boundary - 1)
    after = published_rate(schedule, boundary)
    assert before > after
    assert df[boundary - 1] / df[boundary - 2] == pytest.approx(1 / (1 + before), rel=1e-12)
    assert df[boundary] / df[boundary - 1] == pytest.approx(1 / (1 + after), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(rates=st.lists(st.floats(0.0, 0.2), min_size=1, max_size=30), draws=st.integers(1, 5))
def test_kernel_broadcasts_over_a_leading_draws_axis(rates, draws):
    stacked = np.array([[r + 0.001 * d for r in rates] for d in range(draws)])
    out = factors_from_rates(stacked)
    assert out.shape == (draws, len(rates) + 1)
    for d in range(draws):
        np.testing.assert_array_equal(out[d], factors_from_rates(stacked[d]))


def test_year_zero_only():
    np.testing.assert_array_equal(discount_factors(0), [1.0])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("horizon", [-1, 2.5, True, "10"])
def test_bad_horizon_is_refused(horizon):
    with pytest.raises(ValueError, match=r"'horizon' must be a whole number"):
        discount_factors(horizon)


def test_bad_timing_is_refused():
    with pytest.raises(ValueError, match=r"'timing' must be 'end' or 'mid'"):
        discount_factors(3, timing="start")


def test_unknown_schedule_names_the_choices():
    with pytest.raises(ParameterError, match=r"unknown discount schedule 'stndard'.*standard"):
        discount_factors(3, "stndard")


def test_rate_vector_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match=r"one rate per year t = 1..3"):
        discount_factors(3, [0.035, 0.035])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, -2.0])
def test_rate_vector_with_impossible_rates_is_refused(bad):
    with pytest.raises(ValueError, match=r"finite and greater than -1"):
        discount_factors(2, [0.035, bad])


def test_user_pack_with_a_gap_in_a_schedule_is_refused(tmp_path):
    header = ("schedule,from_t,to_t,value,unit,price_year,source,edition,table,confidence,"
              "vintages,notes\n")
    (tmp_path / "discount_schedules.csv").write_text(
        header + "gappy,0,10,0.05,rate,,my source,2026,T1,C,GB2026,\n"
                 "gappy,20,,0.04,rate,,my source,2026,T1,C,GB2026,\n", encoding="utf-8")
    pack = ParameterPack.green_book().with_pack(tmp_path)
    np.testing.assert_allclose(discount_factors(10, "gappy", pack=pack)[10], 1.05**-10)
    with pytest.raises(ParameterError, match=r"does not cover every year"):
        discount_factors(15, "gappy", pack=pack)
