"""Parameter packs: every shipped value carries its provenance; packs layer and opt in."""

from __future__ import annotations

import csv
import pickle

import pytest

from appraisal._resources import data_dir
from appraisal.errors import AppraisalValidationError, ParameterError, UnconfirmedParameterError
from appraisal.params.packs import (
    DEFAULT_VINTAGE,
    PROVENANCE_COLUMNS,
    VINTAGES,
    ParameterPack,
)

SHIPPED = sorted(data_dir().rglob("*.csv"))
HEADER = "schedule,from_t,to_t," + ",".join(PROVENANCE_COLUMNS) + "\n"


def _rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_there_are_shipped_tables():
    names = {p.stem for p in SHIPPED}
    assert {"discount_schedules", "optimism_bias", "gdp_deflator", "value_for_money"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_row_has_source_edition_and_confidence(path):
    """Read with the csv module, independently of the loader: every row of every shipped
    CSV names a source and an edition, and has a confidence tag C, C2 or U."""
    rows = _rows(path)
    assert rows, f"{path.name} has no rows"
    bad = []
    for number, row in enumerate(rows, start=2):
        for column in ("source", "edition"):
            if not (row.get(column) or "").strip():
                bad.append(f"{path.name}:{number}: empty {column!r}")
        if (row.get("confidence") or "").strip() not in {"C", "C2", "U"}:
            bad.append(f"{path.name}:{number}: confidence {row.get('confidence')!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", sorted((data_dir() / "green_book").glob("*.csv")),
                         ids=lambda p: p.name)
def test_every_green_book_row_has_all_provenance_columns_and_a_vintage(path):
    rows = _rows(path)
    assert set(PROVENANCE_COLUMNS) <= set(rows[0])
    for number, row in enumerate(rows, start=2):
        vintages = [v for v in row["vintages"].split(";") if v.strip()]
        assert vintages, f"{path.name}:{number}: no vintage"
        assert set(vintages) <= set(VINTAGES), f"{path.name}:{number}: {vintages}"
        assert row["unit"].strip(), f"{path.name}:{number}: empty unit"
        assert row["table"].strip(), f"{path.name}:{number}: empty table"


def test_the_green_book_pack_loads_with_its_provenance():
    pack = ParameterPack.green_book()
    assert pack.vintage == DEFAULT_VINTAGE == "GB2026"
    row = pack.row("discount_schedules", schedule="standard", from_t="0")
    assert row.value == 0.035
    assert row.confidence == "C"
    assert row.confirmed
    assert "Green Book" in row.source or "TAG" in row.source
    assert row.origin == "green_book/discount_schedules.csv:2"
    record = row.to_dict()
    assert {"value", "unit", "source", "edition", "table", "confidence", "vintages"} <= set(
        record)


def test_vintages_select_rows():
    """The over-50-years reduced-rate rule is new in the 2026 edition: GB2022 lacks it."""
    assert len(ParameterPack.green_book("GB2026").rows("rules")) == 1
    assert ParameterPack.green_book("GB2022").rows("rules") == ()


def test_unknown_vintage_names_the_choices():
    with pytest.raises(ParameterError, match=r"unknown parameter vintage 'GB1999'.*GB2026"):
        ParameterPack.green_book("GB1999")


def test_unknown_table_names_the_tables():
    with pytest.raises(ParameterError, match=r"no parameter table 'wellby'.*discount_schedules"):
        ParameterPack.green_book().rows("wellby")


def test_row_must_match_exactly_one():
    pack = ParameterPack.green_book()
    with pytest.raises(ParameterError, match=r"expected one row.*found 6"):
        pack.row("discount_schedules", schedule="standard")
    with pytest.raises(ParameterError, match=r"found 0"):
        pack.row("discount_schedules", schedule="nope")


def test_unconfirmed_values_need_opting_in():
    pack = ParameterPack.green_book()
    row = pack.rows("gdp_deflator", basis="calendar")[0]
    assert row.confidence == "C2"
    assert not row.confirmed
    with pytest.raises(UnconfirmedParameterError) as info:
        pack.require(row)
    assert "allow_unconfirmed" in str(info.value)
    assert row.source in str(info.value)
    assert pack.allowing(["gdp_deflator"]).require(row) is row
    confirmed = pack.row("optimism_bias", project_type="standard_buildings", measure="capex",
                         bound="upper")
    assert pack.require(confirmed) is confirmed


def test_a_user_pack_replaces_and_extends(tmp_path):
    (tmp_path / "discount_schedules.csv").write_text(
        HEADER
        + "standard,0,30,0.04,rate,,My department guidance,2026,T1,C,GB2026,override\n"
        + "flat,0,,0.05,rate,,My department guidance,2026,T1,C,GB2026,new schedule\n"
        + "standard,31,75,0.01,rate,,Old guidance,2022,T1,C,GB2022,other vintage: ignored\n",
        encoding="utf-8")
    base = ParameterPack.green_book()
    pack = base.with_pack(tmp_path)
    assert pack.row("discount_schedules", schedule="standard", from_t="0").value == 0.04
    assert pack.row("discount_schedules", schedule="standard", from_t="31").value == 0.03
    assert pack.row("discount_schedules", schedule="flat", from_t="0").value == 0.05
    assert pack.sources == ("green_book", tmp_path.name)
    # the shipped pack is unchanged (packs are immutable)
    assert base.row("discount_schedules", schedule="standard", from_t="0").value == 0.035


def test_a_user_pack_row_without_a_source_is_refused_with_its_location(tmp_path):
    (tmp_path / "discount_schedules.csv").write_text(
        HEADER + "standard,0,30,0.04,rate,,,2026,T1,C,GB2026,\n", encoding="utf-8")
    with pytest.raises(AppraisalValidationError,
                       match=r"discount_schedules.csv:2:7: error \[missing\] source: 'source' "
                             r"is empty"):
        ParameterPack.green_book().with_pack(tmp_path)


def test_a_user_pack_with_a_bad_confidence_or_no_vintage_is_refused(tmp_path):
    (tmp_path / "discount_schedules.csv").write_text(
        HEADER + "standard,0,30,0.04,rate,,src,2026,T1,high,GB2026,\n"
                 "standard,31,75,0.04,rate,,src,2026,T1,C,,\n", encoding="utf-8")
    with pytest.raises(AppraisalValidationError) as info:
        ParameterPack.green_book().with_pack(tmp_path)
    assert ":2:10: error [bad-choice] confidence: 'confidence' must be one of C, C2, U " \
        "(got 'high')" in str(info.value)
    assert ":3:11: error [missing] vintages: 'vintages' is empty" in str(info.value)


def test_a_user_pack_missing_provenance_columns_is_refused(tmp_path):
    (tmp_path / "mine.csv").write_text("name,value\nx,1\n", encoding="utf-8")
    with pytest.raises(AppraisalValidationError,
                       match=r"mine.csv:1: .*missing the column\(s\) unit, price_year"):
        ParameterPack.green_book().with_pack(tmp_path)


def test_a_missing_pack_folder_is_refused(tmp_path):
    with pytest.raises(AppraisalValidationError, match=r"folder not found"):
        ParameterPack.green_book().with_pack(tmp_path / "nope")


def test_parameter_errors_survive_pickling():
    err = UnconfirmedParameterError("not confirmed")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is UnconfirmedParameterError
    assert str(back) == "not confirmed"


def test_to_records_lists_every_row():
    pack = ParameterPack.green_book()
    records = pack.to_records()
    assert len(records) == sum(len(pack.rows(n)) for n in pack.table_names())
    assert all(r["source"] for r in records)
