"""Number formatting for the report: money, percentages, BCRs, plain numbers."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError
from appraisal.formatting import (
    choose_money_unit,
    format_bcr,
    format_money,
    format_number,
    format_percent,
    rounding_note,
)

finite = st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False)
MONEY = re.compile(r"^(\()?£(\d{1,3}(?:,\d{3})*(?:\.\d+)?)(m?)(\))?$")


def parse_money(text: str) -> float:
    """Read a formatted amount back into pounds (the inverse of format_money)."""
    m = MONEY.match(text)
    assert m, text
    assert bool(m.group(1)) == bool(m.group(4)), "brackets must come in pairs"
    value = float(m.group(2).replace(",", ""))
    if m.group(3):
        value *= 1_000_000
    return -value if m.group(1) else value


@pytest.mark.parametrize(
    ("x", "kwargs", "expected"),
    [
        (1234.4, {}, "£1,234"),
        (1234.5, {"unit": "£", "decimals": 2}, "£1,234.50"),
        (-1234.5, {"unit": "£", "decimals": 2}, "(£1,234.50)"),
        (-12_345_678.0, {}, "(£12.3m)"),
        (12_345_678.0, {"unit": "£"}, "£12,345,678"),
        (999_999.0, {}, "£999,999"),
        (1_000_000.0, {}, "£1.0m"),
        (250_000.0, {"unit": "£m", "decimals": 2}, "£0.25m"),
        (-40_000.0, {"unit": "£m"}, "£0.0m"),  # rounds to zero: no brackets
        (0.0, {}, "£0"),
        (-0.0, {}, "£0"),
        (20_000_000.0, {"trim": True}, "£20m"),
        (-2_500_000.0, {"unit": "£m", "decimals": 2, "trim": True}, "(£2.5m)"),
        (None, {}, "n/a"),
    ],
)
def test_format_money_known_values(x, kwargs, expected):
    assert format_money(x, **kwargs) == expected


@given(finite, st.sampled_from(["£", "£m"]), st.integers(min_value=0, max_value=3))
def test_format_money_reads_back_as_the_rounded_amount(x, unit, decimals):
    text = format_money(x, unit=unit, decimals=decimals)
    scale = 1_000_000 if unit == "£m" else 1
    step = 10.0 ** -decimals * scale
    assert math.isclose(parse_money(text), x, abs_tol=step / 2 + abs(x) * 1e-12)
    shown = round(parse_money(text) / scale, decimals)  # the amount the reader sees
    assert text.startswith("(") == (x < 0 and shown != 0)
    assert text.endswith("m") or text.endswith("m)") if unit == "£m" else "m" not in text


@given(finite)
def test_format_money_auto_uses_millions_only_from_one_million(x):
    text = format_money(x)
    assert ("m" in text) == (abs(x) >= 1_000_000)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), True, "12", [1]])
def test_format_money_refuses_non_numbers_naming_the_field(bad):
    with pytest.raises(AppraisalValidationError) as err:
        format_money(bad)
    issue = err.value.issues[0]
    assert issue.field == "x"
    assert repr(bad) in issue.message or "finite" in issue.message
    assert issue.fix


def test_format_money_refuses_unknown_unit_and_bad_decimals():
    with pytest.raises(AppraisalValidationError, match="'unit' must be one of"):
        format_money(1.0, unit="£bn")  # type: ignore[arg-type]
    with pytest.raises(AppraisalValidationError, match="'decimals' must be an int from 0 to 6"):
        format_money(1.0, decimals=7)
    with pytest.raises(AppraisalValidationError, match="'decimals'"):
        format_money(1.0, decimals=1.5)  # type: ignore[arg-type]


def test_choose_money_unit_switches_at_one_million():
    assert choose_money_unit([999_999.0, -5.0]) == "£"
    assert choose_money_unit([3.0, -1_000_000.0]) == "£m"
    assert choose_money_unit([]) == "£"


def test_rounding_note_states_the_rounding_step():
    assert rounding_note("£m") == (
        "Rounded to the nearest £0.1m; totals may not sum because of rounding.")
    assert "nearest £0.01" in rounding_note("£", 2)


@pytest.mark.parametrize(
    ("x", "kwargs", "expected"),
    [
        (0.125, {"decimals": 1}, "12.5%"),
        (0.5, {}, "50%"),
        (-0.2, {}, "-20%"),
        (2.95, {"signed": True}, "+295%"),
        (-0.001, {"signed": True}, "0%"),
        (12.0, {}, "1,200%"),
        (None, {}, "n/a"),
    ],
)
def test_format_percent_known_values(x, kwargs, expected):
    assert format_percent(x, **kwargs) == expected


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_format_percent_reads_back(x):
    text = format_percent(x, decimals=2)
    assert math.isclose(float(text.rstrip("%").replace(",", "")), x * 100, abs_tol=0.0051)


@pytest.mark.parametrize(("x", "expected"), [(2.345, "2.35"), (1.0, "1.00"), (-0.5, "-0.50"),
                                             (-0.001, "0.00"), (None, "n/a")])
def test_format_bcr_two_decimals(x, expected):
    assert format_bcr(x) == expected


@pytest.mark.parametrize(
    ("x", "kwargs", "expected"),
    [
        (2231000, {}, "2,231,000"),
        (0.035, {}, "0.035"),
        (1.3, {}, "1.3"),
        (0.1 + 0.2, {}, "0.3"),
        (-1.3, {"decimals": 2}, "-1.30"),
        (0, {}, "0"),
        ("Standard buildings", {}, "Standard buildings"),
        (None, {}, "n/a"),
    ],
)
def test_format_number_known_values(x, kwargs, expected):
    assert format_number(x, **kwargs) == expected


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_format_number_keeps_six_significant_digits(x):
    back = float(format_number(x).replace(",", ""))
    assert math.isclose(back, x, rel_tol=1e-5, abs_tol=1e-12)
