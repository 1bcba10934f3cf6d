"""CBA metrics: BCR (never inf), DfT value-for-money bands, preferred option, switching values.

Definitions: Green Book 2018 paras 5.53-5.56 (NPSV, BCR) and 2.16 (switching values);
DfT Value for Money Framework and "Value for Money Supplementary Guidance on Categories"
(bands: Poor < 1, Low 1-1.5, Medium 1.5-2, High 2-4, Very high >= 4).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalError, BCRUndefinedError
from appraisal.greenbook.cba import (
    SwitchingValue,
    bcr,
    benefit_cost_ratio,
    preferred_index,
    switching_value,
    vfm_category,
    vfm_row,
)
from appraisal.params.packs import ParameterPack


@pytest.fixture(scope="module")
def pack() -> ParameterPack:
    return ParameterPack.green_book()


def test_bcr_by_hand_and_undefined_without_positive_costs():
    np.testing.assert_array_equal(bcr([150.0, 10.0, 5.0, 0.0], [100.0, 0.0, -3.0, 0.0]),
                                  [1.5, np.nan, np.nan, np.nan])


def test_bcr_broadcasts_over_draws():
    b = np.array([[100.0, 200.0], [300.0, 0.0]])
    c = np.array([[50.0, 100.0], [100.0, 10.0]])
    np.testing.assert_array_equal(bcr(b, c), [[2.0, 2.0], [3.0, 0.0]])


def test_benefit_cost_ratio_raises_a_typed_error_for_zero_costs():
    assert benefit_cost_ratio(300.0, 200.0) == 1.5
    with pytest.raises(BCRUndefinedError, match=r"PV costs are 0.0"):
        benefit_cost_ratio(10.0, 0.0)
    with pytest.raises(ZeroDivisionError):
        benefit_cost_ratio(10.0, -1.0)
    assert issubclass(BCRUndefinedError, AppraisalError)


@settings(max_examples=100, deadline=None)
@given(b=st.floats(0, 1e12), c=st.floats(1e-6, 1e12))
def test_sign_of_npsv_agrees_with_bcr_minus_one(b, c):
    """Reliability plan P13: with PV costs > 0, sign(NPSV) = sign(BCR - 1)."""
    ratio = float(bcr(b, c))
    assert np.sign(b - c) == np.sign(round(ratio - 1, 12)) or math.isclose(b, c, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("value", "category"),
    [
        (-0.5, "Poor"),
        (0.0, "Poor"),
        (0.999, "Poor"),
        (1.0, "Low"),  # a boundary value takes the higher band
        (1.4999, "Low"),
        (1.5, "Medium"),
        (1.9999, "Medium"),
        (2.0, "High"),
        (3.9999, "High"),
        (4.0, "Very high"),
        (25.0, "Very high"),
    ],
)
def test_dft_value_for_money_bands_and_boundaries(pack, value, category):
    """DfT VfM categories by BCR; boundary values go to the upper category (DfT VfM
    Supplementary Guidance on Categories, as shipped in value_for_money.csv)."""
    assert vfm_category(value, pack) == category


@pytest.mark.parametrize("value", [None, math.nan, math.inf])
def test_undefined_bcr_has_no_category(pack, value):
    assert vfm_category(value, pack) is None


def test_vfm_bands_come_from_the_pack(tmp_path, pack):
    """A user pack moving the Medium/High edge changes the category: no literal in code."""
    header = ("category,bcr_from,bcr_to,value,unit,price_year,source,edition,table,confidence,"
              "vintages,notes\n")
    (tmp_path / "value_for_money.csv").write_text(
        header + "High,2.0,4.0,3,rank,,src,ed,t,C,GB2026,\n".replace("2.0,4.0", "1.8,4.0"),
        encoding="utf-8")
    mine = pack.with_pack(tmp_path)
    assert vfm_category(1.9, pack) == "Medium"
    assert vfm_category(1.9, mine) == "High"


def test_preferred_index_is_the_highest_npsv_and_ties_go_first():
    assert preferred_index([1.0, 5.0, 3.0]) == 1
    assert preferred_index([2.0, 2.0, 1.0]) == 0
    np.testing.assert_array_equal(preferred_index([[1.0, 5.0], [7.0, 5.0]]), [1, 0])


def test_switching_value_by_hand():
    """An NPSV of 50 against a cost line with PV 200: costs must rise by 50/200 = 25%."""
    assert switching_value(50.0, -200.0) == (0.25, "")
    assert switching_value(-50.0, 200.0) == (0.25, "")
    x, note = switching_value(50.0, 0.0)
    assert x is None
    assert "does not affect" in note
    x, note = switching_value(300.0, 200.0)  # benefits would have to fall 150%
    assert x is None
    assert "150%" in note


@settings(max_examples=200, deadline=None)
@given(gap=st.floats(-1e9, 1e9), contribution=st.floats(-1e9, 1e9))
@example(gap=-15043106.0, contribution=8.368005249459884e-302)  # once gave x = inf
def test_switching_value_closes_the_gap(gap, contribution):
    """Reliability plan P16: applying the switching value makes the result zero."""
    x, note = switching_value(gap, contribution)
    exact = -gap / contribution if contribution else math.inf
    if not math.isfinite(exact):  # no effect, or an effect too small for a finite change
        assert x is None
        assert "does not affect" in note
    elif x is None:
        assert exact < -1  # only when the amounts would turn negative
        assert "below zero" in note
    else:
        assert x >= -1
        assert gap + x * contribution == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(gap)))


def test_switching_value_record_to_dict():
    test = "NPSV against business as usual of 'A' becomes zero"
    sv = SwitchingValue("line", "capex", "A", test, 0.25, -200.0)
    assert sv.to_dict() == {"target": "line", "subject": "capex", "option": "A",
                            "test": test, "change": 0.25,
                            "pv": -200.0, "note": ""}


@pytest.mark.parametrize(("value", "confirmed"), [(0.5, True), (1.2, True), (1.7, True),
                                                  (2.5, False), (7.0, False)])
def test_vfm_row_says_whether_the_deciding_band_is_confirmed(pack, value, confirmed):
    """Poor, Low and Medium are [C]; High and Very high rest on the 4.0 edge, [C2] (Green
    Book parameter reference 7.3, DfT VfM categories)."""
    row = vfm_row(value, pack)
    assert row.get("category") == vfm_category(value, pack)
    assert row.confirmed is confirmed
    assert row.table_name == "value_for_money"


def test_vfm_row_of_an_undefined_bcr_is_none(pack):
    assert vfm_row(None, pack) is None
