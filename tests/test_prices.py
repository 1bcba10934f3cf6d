"""Prices: nominal to real with the GDP deflator, rebasing, and price bases that behave
like units.

Method: Green Book 2018 para 5.55 (appraise in real base-year prices, GDP deflator):
real = nominal_t x D_base / D_t; real in price year p to base: x D_base / D_p.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.errors import (
    AppraisalError,
    ParameterError,
    PriceBaseMismatchError,
    UnconfirmedParameterError,
)
from appraisal.greenbook.prices import (
    DeflatorIndex,
    Flow,
    PriceBase,
    PriceBasis,
    deflator_index,
    rebase_factors,
    to_nominal,
    to_real,
)
from appraisal.params.packs import ParameterPack

REAL_2025 = PriceBase(PriceBasis.REAL, 2025)
NOMINAL = PriceBase(PriceBasis.NOMINAL)


@pytest.fixture
def pack() -> ParameterPack:
    return ParameterPack.green_book().allowing(["gdp_deflator"])


def test_nominal_to_real_with_the_shipped_calendar_deflator(pack):
    """HM Treasury GDP deflator, calendar years (ONS MNF2), 2024 = 100, December 2025 QNA
    vintage as republished in the R package greenbook: D_2019 = 81.1085, D_2022 = 90.5005.
    real (2024 prices) = nominal x D_2024 / D_t: 100 x 100 / 81.1085 = 123.2916 and
    100 x 100 / 90.5005 = 110.4966."""
    index = deflator_index(pack)
    flow = Flow("grant", (2019, 2022, 2024), [100.0, 100.0, 100.0], NOMINAL)
    real = to_real(flow, base_year=2024, index=index)
    assert real.price_base == PriceBase(PriceBasis.REAL, 2024)
    np.testing.assert_allclose(real.values, [100 * 100 / 81.1085, 100 * 100 / 90.5005, 100.0],
                               rtol=1e-12)
    assert round(float(real.values[0]), 4) == 123.2916


def test_rebasing_the_wellby_with_the_financial_year_deflator(pack):
    """Green Book parameters note section 6 (HMT GDP deflator, ONS L8GG, financial years,
    March 2026 QNA): 2019-20 -> 2024-25 ratio = 100 / 80.8738 = 1.236494, so the WELLBY of
    GBP 13,000 (2019 prices) is GBP 16,074 in 2024-25 prices before any real growth."""
    index = deflator_index(pack, basis="financial")
    factors = rebase_factors(PriceBase(PriceBasis.REAL, 2019), [2030], base_year=2024,
                             index=index)
    assert round(float(factors[0]), 6) == 1.236494
    assert round(13_000 * float(factors[0])) == 16_074


def test_real_in_its_own_base_year_needs_no_index():
    np.testing.assert_array_equal(
        rebase_factors(REAL_2025, [2025, 2026, 2030], base_year=2025, index=None), [1, 1, 1])


def test_converting_without_an_index_is_refused():
    with pytest.raises(ParameterError, match=r"GDP deflator is needed"):
        rebase_factors(NOMINAL, [2025], base_year=2025, index=None)


def test_shipped_deflator_is_unconfirmed_and_needs_opting_in():
    """The shipped deflator is tagged C2 (secondary source): using it without opting in
    raises, and the message says how to opt in."""
    with pytest.raises(UnconfirmedParameterError, match=r"allow_unconfirmed: \[gdp_deflator\]"):
        deflator_index(ParameterPack.green_book())


def test_unknown_deflator_basis(pack):
    with pytest.raises(ParameterError, match=r"use 'calendar' or 'financial'"):
        deflator_index(pack, basis="fiscal")


def test_overrides_replace_shipped_values_and_are_recorded(pack):
    index = deflator_index(pack, overrides={2024: 110.0, 2030: 125.0})
    np.testing.assert_array_equal(index.at([2023, 2024, 2030]), [96.2507, 110.0, 125.0])
    assert "case overrides" in index.provenance


def test_extension_at_a_constant_growth_rate():
    """Extending 2% a year past the last year: 100 x 1.02^2 = 104.04; before the first
    year: 100 / 1.02 = 98.0392."""
    index = DeflatorIndex({2020: 100.0, 2021: 102.0}, extend_growth=0.02)
    np.testing.assert_allclose(index.at([2019, 2020, 2021, 2023]),
                               [100 / 1.02, 100.0, 102.0, 102.0 * 1.02**2], rtol=1e-12)


def test_years_outside_the_series_need_an_extension_rate():
    index = DeflatorIndex({2020: 100.0, 2021: 102.0})
    with pytest.raises(ParameterError, match=r"no value for year\(s\) 2023.*deflator_extend"):
        index.at([2023])


def test_a_conversion_names_every_year_the_series_lacks():
    """Amounts in 2010 prices taken to 2025 prices need both years, and nominal amounts
    every year they fall in: all are named at once, as runs."""
    index = DeflatorIndex({y: 100.0 + y - 2015 for y in range(2015, 2025)})
    with pytest.raises(ParameterError, match=r"no value for year\(s\) 2010, 2025 \(series "):
        rebase_factors(PriceBase(PriceBasis.REAL, 2010), [2025], base_year=2025, index=index)
    with pytest.raises(ParameterError, match=r"year\(s\) 2012\.\.2014, 2025\.\.2034 \("):
        rebase_factors(PriceBase(PriceBasis.NOMINAL, None), [2012, 2013, 2014, 2020, *range(
            2025, 2035)], base_year=2020, index=index)


def test_gaps_inside_the_series_are_never_filled():
    index = DeflatorIndex({2020: 100.0, 2022: 104.0}, extend_growth=0.02)
    with pytest.raises(ParameterError, match=r"2021"):
        index.at([2021])


def test_adding_flows_in_different_price_bases_is_refused():
    a = Flow("capex", (2025, 2026), [100.0, 50.0], REAL_2025)
    b = Flow("grant", (2025, 2026), [1.0, 1.0], NOMINAL)
    with pytest.raises(PriceBaseMismatchError) as info:
        a + b
    message = str(info.value)
    assert "capex" in message
    assert "2025 prices, real" in message
    assert "grant" in message
    assert "nominal prices" in message
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, AppraisalError)


def test_adding_real_flows_of_different_years_is_refused():
    a = Flow("capex", (2025,), [100.0], REAL_2025)
    b = Flow("opex", (2025,), [10.0], PriceBase(PriceBasis.REAL, 2024))
    with pytest.raises(PriceBaseMismatchError):
        a + b


def test_adding_flows_in_one_price_base():
    a = Flow("capex", (2025, 2026), [100.0, 50.0], REAL_2025)
    b = Flow("opex", (2025, 2026), [10.0, 10.0], REAL_2025)
    total = a + b
    assert total.values.tolist() == [110.0, 60.0]
    assert total.price_base == REAL_2025
    with pytest.raises(ValueError, match=r"different years"):
        a + Flow("x", (2026, 2027), [1.0, 1.0], REAL_2025)


def test_flow_values_are_read_only_and_copied():
    source = np.array([1.0, 2.0])
    flow = Flow("x", (2025, 2026), source, REAL_2025)
    source[0] = 99.0
    assert flow.values[0] == 1.0
    with pytest.raises(ValueError, match=r"read-only"):
        flow.values[0] = 5.0


def test_flow_years_and_values_must_agree():
    with pytest.raises(ValueError, match=r"2 years but 3 values"):
        Flow("x", (2025, 2026), [1.0, 2.0, 3.0], REAL_2025)


def test_to_nominal_of_a_nominal_flow_is_the_same_flow():
    flow = Flow("x", (2025,), [1.0], NOMINAL)
    assert to_nominal(flow, index=DeflatorIndex({2025: 100.0})) is flow


@st.composite
def indexed_flows(draw):
    """A positive deflator over a run of years and a flow over some of those years."""
    first = draw(st.integers(1990, 2040))
    n = draw(st.integers(1, 15))
    levels = draw(st.lists(st.floats(1.0, 1e4), min_size=n, max_size=n))
    index = DeflatorIndex(dict(zip(range(first, first + n), levels, strict=True)))
    years = sorted(draw(st.sets(st.integers(first, first + n - 1), min_size=1)))
    values = draw(st.lists(st.floats(-1e9, 1e9), min_size=len(years), max_size=len(years)))
    base_year = draw(st.integers(first, first + n - 1))
    return index, years, values, base_year


@settings(max_examples=100, deadline=None)
@given(indexed_flows())
def test_nominal_to_real_to_nominal_is_the_identity(data):
    index, years, values, base_year = data
    nominal = Flow("x", tuple(years), values, NOMINAL)
    real = to_real(nominal, base_year=base_year, index=index)
    back = to_nominal(real, index=index)
    assert back.price_base == NOMINAL
    np.testing.assert_allclose(back.values, values, rtol=1e-12, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(indexed_flows())
def test_real_to_nominal_to_real_is_the_identity(data):
    index, years, values, base_year = data
    real = Flow("x", tuple(years), values, PriceBase(PriceBasis.REAL, base_year))
    back = to_real(to_nominal(real, index=index), base_year=base_year, index=index)
    assert back.price_base == real.price_base
    np.testing.assert_allclose(back.values, values, rtol=1e-12, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(indexed_flows(), st.data())
def test_rebasing_composes(data, more):
    """Rebasing p -> q -> b gives the same as p -> b (D_q / D_p x D_b / D_q = D_b / D_p)."""
    index, years, values, base_year = data
    known = sorted(index.values)
    p = more.draw(st.sampled_from(known))
    q = more.draw(st.sampled_from(known))
    flow = Flow("x", tuple(years), values, PriceBase(PriceBasis.REAL, p))
    via_q = to_real(to_real(flow, base_year=q, index=index), base_year=base_year, index=index)
    direct = to_real(flow, base_year=base_year, index=index)
    np.testing.assert_allclose(via_q.values, direct.values, rtol=1e-12, atol=1e-6)
