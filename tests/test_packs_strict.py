"""User packs are read as strictly as cases, and an override that loads is applied.

Parameter packs (``parameters: {packs: [...]}``) and unit-value packs are decoded (UTF-8
with or without BOM; anything else refused at ``file:line:column`` or decoded by a
declared ``encoding``), their header and rows checked against the table's schema
(``data/green_book/schema.toml``) and their texts against Excel's cell limits; the
problems are reported by ``validate`` with the case's own. The known answers here are
computed by hand from the discounting formula, PV = sum of v_t / (1 + r)^t (Green Book
Annex A6), not taken from a publication.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.case.schema import build_case
from appraisal.cli.commands import main
from appraisal.errors import AppraisalValidationError, ParameterError
from appraisal.greenbook.discounting import schedule_rates
from appraisal.inputs.load import load_case
from appraisal.lenses.pipeline import evaluate
from appraisal.limits import EXCEL_CELL_CHARS
from appraisal.limits import MAX_TEXT_CHARS as PACK_TEXT_CHARS
from appraisal.outputs.files import write_outputs
from appraisal.params.packs import (
    PROVENANCE_COLUMNS,
    ParameterPack,
    ParameterRow,
    table_schema,
)
from appraisal.params.unit_values import REQUIRED_COLUMNS, load_unit_values

DS_HEADER = ["schedule", "from_t", "to_t", *PROVENANCE_COLUMNS]
# the shipped minimal example (its hand-checked PV costs are 194.98) with a pack folder
MINIMAL = ((Path(__file__).resolve().parents[1] / "data" / "examples" / "minimal.yaml")
           .read_text(encoding="utf-8")
           .replace("\noptions:", "\nparameters: {packs: [PACKS]}\noptions:", 1))
UV_ROW = {"code": "X1", "description": "A call-out", "unit": "call-out", "value": "600",
          "price_year": "2024", "agency": "Police", "value_type": "fiscal",
          "cashable": "false", "source": "Local audit 2024", "licence": "OGL"}


def _csv(rows: list[list[str]], *, bom: bool = False, crlf: bool = False,
         quote_all: bool = False, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n",
               quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)


def _ds_row(schedule="standard", from_t="0", to_t="30", value="0.05", source="My guidance",
            vintages="GB2026") -> list[str]:
    return [schedule, from_t, to_t, value, "rate per year (real)", "", source, "2026", "T1",
            "C", vintages, ""]


def _pack(folder: Path, rows: list[list[str]], table: str = "discount_schedules",
          header: list[str] = DS_HEADER, **kwargs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{table}.csv").write_bytes(_csv([header, *rows], **kwargs))
    return folder


def _case_file(tmp_path: Path, packs: str = "pack") -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(MINIMAL.replace("PACKS", packs), encoding="utf-8")
    return path


def _refused(tmp_path: Path, packs: str = "pack") -> list:
    with pytest.raises(AppraisalValidationError) as info:
        load_case(_case_file(tmp_path, packs))
    return info.value.errors


# ---------------------------------------------------------------------------- encodings


def test_a_pack_saved_with_a_bom_is_applied_and_listed_as_a_user_pack(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark. The 5 % override must be used:
    PV costs = 100 + 50/1.05 + 50/1.05**2 = 192.970... (by hand), not the shipped 3.5 %
    result 100 + 50/1.035 + 50/1.035**2 = 194.984..."""
    _pack(tmp_path / "pack", [_ds_row(value="0.05")], bom=True, crlf=True)
    result = evaluate(load_case(_case_file(tmp_path)))
    expected = 100 + 50 / 1.05 + 50 / 1.05**2
    assert result.options[1].pv_costs == pytest.approx(expected, rel=1e-12)
    assert round(result.options[1].pv_costs, 2) == 192.97
    used = [r for r in result.parameters_used if r.pack == "user pack"]
    assert [(r.value, r.origin, r.replaced_value, r.replaced_origin) for r in used] == [
        (0.05, "pack/discount_schedules.csv:2", 0.035, "green_book/discount_schedules.csv:2")]
    overrides = result.manifest["parameter_overrides"]
    assert overrides == [{"table_name": "discount_schedules", "schedule": "standard",
                          "from_t": "0", "to_t": "30", "value": 0.05,
                          "origin": "pack/discount_schedules.csv:2", "replaced_value": 0.035,
                          "replaced_origin": "green_book/discount_schedules.csv:2"}]
    shipped = [r for r in result.parameters_used if r.table_name == "discount_schedules"
               and r.pack == "shipped"]
    assert shipped
    assert all(r.replaced_value is None for r in shipped)


def test_parameters_used_in_results_json_say_user_pack_and_where(tmp_path):
    _pack(tmp_path / "pack", [_ds_row(value="0.05")], bom=True)
    out = tmp_path / "out"
    assert main(["run", str(_case_file(tmp_path)), "--out", str(out)]) == 0
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    row = next(r for r in data["parameters_used"] if r["pack"] == "user pack")
    assert (row["origin"], row["replaced_value"], row["replaced_origin"]) == (
        "pack/discount_schedules.csv:2", 0.035, "green_book/discount_schedules.csv:2")
    assert {"pack", "replaced_value", "replaced_origin"} <= set(data["parameters_used"][-1])


def test_a_windows_1252_pack_is_refused_at_the_byte_with_a_fix(tmp_path):
    _pack(tmp_path / "pack", [_ds_row(source="Guidance £2026")], encoding="cp1252")
    (issue,) = _refused(tmp_path)
    column = len("standard,0,30,0.05,rate per year (real),,Guidance ") + 1
    assert issue.location == f"pack/discount_schedules.csv:2:{column}"
    assert issue.code == "encoding"
    assert "0xA3" in issue.message
    assert "'£'" in issue.message
    assert "CSV UTF-8" in issue.fix
    assert "encoding: cp1252" in issue.fix


def test_a_declared_encoding_decodes_the_pack(tmp_path):
    _pack(tmp_path / "pack", [_ds_row(source="Guidance £2026")], encoding="cp1252")
    case = load_case(_case_file(tmp_path, "{path: pack, encoding: cp1252}"))
    pack = ParameterPack.green_book().with_pack(tmp_path / "pack", encoding="cp1252")
    assert pack.row("discount_schedules", schedule="standard", from_t="0").source == (
        "Guidance £2026")
    assert evaluate(case).options[1].pv_costs == pytest.approx(100 + 50 / 1.05 + 50 / 1.05**2)


def test_an_unknown_declared_encoding_is_refused(tmp_path):
    _pack(tmp_path / "pack", [_ds_row()])
    (issue,) = _refused(tmp_path, "{path: pack, encoding: klingon}")
    assert issue.code == "unknown-encoding"
    assert "cp1252" in issue.fix


def test_a_utf16_pack_is_refused(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    text = _csv([DS_HEADER, _ds_row()]).decode()
    (folder / "discount_schedules.csv").write_bytes(text.encode("utf-16"))
    (issue,) = _refused(tmp_path)
    assert issue.location == "pack/discount_schedules.csv:1:1"
    assert "UTF-16" in issue.message


# ---------------------------------------------------------------------- schema checks


@pytest.mark.parametrize(("value", "code", "text"), [
    ("3.5", "out-of-range", "did you mean 0.035?"),
    ("-0.01", "out-of-range", "negative"),
    ("inf", "not-finite", "'inf'"),
    ("nan", "not-finite", "'nan'"),
    ("3.5%", "wrong-type", "0.035"),
])
def test_an_implausible_discount_rate_is_refused_at_its_cell(tmp_path, value, code, text):
    _pack(tmp_path / "pack", [_ds_row(value=value)])
    (issue,) = _refused(tmp_path)
    assert issue.location == "pack/discount_schedules.csv:2:4"
    assert issue.field == "parameters.packs[0]: value"
    assert issue.code == code
    assert text in issue.message + issue.fix


def test_a_percent_unit_on_a_fraction_is_refused(tmp_path):
    row = _ds_row(value="0.035")
    row[4] = "percent per year"
    _pack(tmp_path / "pack", [row])
    (issue,) = _refused(tmp_path)
    assert (issue.code, issue.location) == ("percent-unit", "pack/discount_schedules.csv:2:5")


@pytest.mark.parametrize(("row", "column", "fields"), [
    ([*_ds_row(), "extra"], 13, 13),
    (_ds_row()[:-2], 11, 10),
])
def test_ragged_rows_are_refused(tmp_path, row, column, fields):
    _pack(tmp_path / "pack", [row])
    (issue,) = _refused(tmp_path)
    assert issue.code == "ragged-row"
    assert issue.location == f"pack/discount_schedules.csv:2:{column}"
    assert f"has {fields} fields but the header has 12" in issue.message


def test_every_problem_of_every_file_is_reported_with_the_case_problems(tmp_path):
    """validate reports the case's own problems and the pack's in one list."""
    _pack(tmp_path / "pack", [_ds_row(value="3.5"), _ds_row(from_t="31", to_t="x1")])
    _pack(tmp_path / "pack", [["bogus", *(["1"] * 3)]], table="equity",
          header=["parameter", "valeu", *PROVENANCE_COLUMNS[1:3]])
    case = _case_file(tmp_path)
    case.write_text(case.read_text().replace("horizon_years: 10", "horizon_years: ten"))
    with pytest.raises(AppraisalValidationError) as info:
        load_case(case)
    where = {(i.location.rsplit(":", 1)[0] if "csv" in i.location else "case", i.code)
             for i in info.value.errors}
    assert ("pack/discount_schedules.csv:2", "out-of-range") in where
    assert ("pack/discount_schedules.csv:3", "wrong-type") in where
    assert ("pack/equity.csv:1", "unknown-column") in where
    assert ("case", "wrong-type") in where  # horizon_years
    unknown = next(i for i in info.value.errors if i.code == "unknown-column")
    assert unknown.location == "pack/equity.csv:1:2"
    assert "did you mean 'value'?" in unknown.fix
    assert main(["validate", str(case)]) == 1


def test_header_problems_are_named(tmp_path):
    header = ["schedule", "from_t", "to_t", "value", "value", *PROVENANCE_COLUMNS[1:]]
    _pack(tmp_path / "pack", [[*_ds_row()[:4], *_ds_row()[3:]]], header=header)
    (dup,) = _refused(tmp_path)
    assert (dup.code, dup.location) == ("duplicate-column", "pack/discount_schedules.csv:1:5")
    _pack(tmp_path / "pack", [_ds_row()[1:]], header=DS_HEADER[1:])
    (missing,) = _refused(tmp_path)
    assert missing.code == "missing-columns"
    assert "schedule" in missing.message


def test_duplicate_keys_unknown_vintages_and_non_integer_years_are_refused(tmp_path):
    _pack(tmp_path / "pack", [_ds_row(), _ds_row(to_t="40"), _ds_row(from_t="31.5"),
                              _ds_row(schedule="health", vintages="GB2025")])
    errors = {(i.location, i.code) for i in _refused(tmp_path)}
    assert errors == {("pack/discount_schedules.csv:3", "duplicate-key"),
                      ("pack/discount_schedules.csv:4:2", "wrong-type"),
                      ("pack/discount_schedules.csv:5:11", "bad-choice")}


def test_an_empty_or_missing_pack_folder_is_refused(tmp_path):
    (tmp_path / "pack").mkdir()
    (issue,) = _refused(tmp_path)
    assert issue.code == "empty-pack"
    (issue,) = _refused(tmp_path, "nope")
    assert (issue.code, issue.location) == ("not-found", "case.yaml:5:22")  # the packs entry


def test_rows_that_are_not_used_are_reported_not_ignored(tmp_path):
    """A row for another vintage, or with a misspelt key, does not change the run: say so."""
    _pack(tmp_path / "pack", [_ds_row(vintages="GB2022"), _ds_row(schedule="standrad")])
    result = evaluate(load_case(_case_file(tmp_path)))
    codes = {(w.code, w.location) for w in result.warnings}
    assert ("pack-row-not-used", "pack/discount_schedules.csv:2") in codes
    assert ("pack-row-added", "pack/discount_schedules.csv:3") in codes
    assert result.options[1].pv_costs == pytest.approx(100 + 50 / 1.035 + 50 / 1.035**2)


def test_an_integer_key_written_differently_still_replaces(tmp_path):
    """'00' and ' 0 ' are the year 0 of the shipped row: the override is not a new row."""
    _pack(tmp_path / "pack", [_ds_row(from_t=" 00 ", value="0.05")])
    pack = ParameterPack.green_book().with_pack(tmp_path / "pack")
    rows = pack.rows("discount_schedules", schedule="standard", from_t="0")
    assert [(r.value, r.replaced_value) for r in rows] == [(0.05, 0.035)]


def test_a_nan_rate_reaching_the_schedule_is_named():
    """A pack built in Python bypasses the CSV reader: the schedule names the rate and
    where it came from instead of saying the schedule does not cover every year."""
    base = ParameterPack.green_book()
    bad = ParameterRow("discount_schedules", (("schedule", "odd"), ("from_t", "0"),
                                              ("to_t", "")), math.nan, "rate", None, "s",
                       "e", "t", "C", ("GB2026",), "", origin="mine.csv:2")
    tables = {**base.tables, "discount_schedules": (*base.tables["discount_schedules"], bad)}
    pack = ParameterPack(vintage="GB2026", tables=tables)
    with pytest.raises(ParameterError, match=r"rate nan at mine.csv:2"):
        schedule_rates("odd", 3, pack=pack)


def test_the_pack_text_limit_fits_every_output():
    """Excel holds 32,767 characters in a cell (Microsoft KB 211878); the HTML report
    refuses texts over its own limit: a pack text must fit both."""
    from appraisal.outputs.report import schema as report_schema

    assert EXCEL_CELL_CHARS == 32_767
    assert PACK_TEXT_CHARS <= min(EXCEL_CELL_CHARS, report_schema._MAX_TEXT)


def test_every_shipped_table_has_a_schema_whose_key_is_unique():
    pack = ParameterPack.green_book()
    for name in pack.table_names():
        schema = table_schema(name)
        assert schema is not None, name
        keys = [tuple(r.get(k) for k in schema.key) for r in pack.rows(name)]
        assert len(keys) == len(set(keys)), name


# ----------------------------------------------------------------- unit-value packs


def _uv(path: Path, rows: list[dict], **kwargs) -> Path:
    header = list(REQUIRED_COLUMNS)
    path.write_bytes(_csv([header, *([r[c] for c in header] for r in rows)], **kwargs))
    return path


@pytest.mark.parametrize(("text", "code"), [
    ("A call\x07out", "illegal-character"),
    ("A call\x00out", "illegal-character"),
    ("x" * (PACK_TEXT_CHARS + 1), "text-too-long"),
    ("x" * (EXCEL_CELL_CHARS + 1), "text-too-long"),
])
def test_unit_value_texts_excel_refuses_are_refused_by_validate(tmp_path, text, code):
    _uv(tmp_path / "uv.csv", [UV_ROW, {**UV_ROW, "code": "X2", "description": text}])
    with pytest.raises(AppraisalValidationError) as info:
        build_case({"schema_version": 1, "title": "T", "base_year": 2024, "horizon_years": 2,
                    "options": [{"name": "BAU", "counterfactual": True}],
                    "unit_value_packs": [{"path": "uv.csv"}], "lines": []},
                   base_dir=tmp_path)
    (issue,) = info.value.errors
    assert issue.code == code
    assert issue.location == "uv.csv:3:2"  # line 3, column 2 (description)
    assert "description" in issue.field


def test_unit_value_texts_that_join_past_the_cell_limit_are_refused(tmp_path):
    half = "y" * (PACK_TEXT_CHARS // 2 + 10)
    _uv(tmp_path / "uv.csv", [{**UV_ROW, "description": half, "licence": half}])
    with pytest.raises(AppraisalValidationError, match="together"):
        load_unit_values(tmp_path / "uv.csv")


def test_unit_value_pack_encoding_bom_and_ragged_rows(tmp_path):
    _uv(tmp_path / "bom.csv", [UV_ROW], bom=True, crlf=True)
    assert load_unit_values(tmp_path / "bom.csv").get("X1").value == 600
    _uv(tmp_path / "ansi.csv", [{**UV_ROW, "source": "Audit £"}], encoding="cp1252")
    with pytest.raises(AppraisalValidationError) as info:
        load_unit_values(tmp_path / "ansi.csv")
    assert info.value.errors[0].location.startswith("ansi.csv:2:")
    assert load_unit_values(tmp_path / "ansi.csv", encoding="cp1252").get("X1").source == (
        "Audit £")
    (tmp_path / "ragged.csv").write_text(
        ",".join(REQUIRED_COLUMNS) + "\n" + ",".join(UV_ROW.values()) + ",extra\n",
        encoding="utf-8")
    with pytest.raises(AppraisalValidationError) as info:
        load_unit_values(tmp_path / "ragged.csv")
    assert [(i.code, i.location) for i in info.value.errors] == [("ragged-row", "ragged.csv:2:11")]


# ----------------------------------------------------------------------- properties

_OVERRIDABLE = [("standard", "0", "30"), ("standard", "31", "75"), ("health", "0", "30"),
                ("health", "31", "75"), ("reduced", "0", "30")]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), bom=st.booleans(), crlf=st.booleans(), quote_all=st.booleans())
def test_every_override_in_a_random_valid_pack_is_applied(tmp_path_factory, data, bom, crlf,
                                                          quote_all):
    """Random valid packs (BOM or not, CRLF or LF, quoted fields, commas and quotes and
    line breaks in the text): every row is loaded, replaces the shipped value and
    records what it replaced."""
    keys = data.draw(st.lists(st.sampled_from(_OVERRIDABLE), min_size=1, max_size=5,
                              unique=True))
    text = st.lists(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
        [",", '"', "\n", "\r\n", "\t", "£", "é"]), min_size=1, max_size=30).map(
        "".join).filter(str.strip)
    rows, expected = [], {}
    for schedule, lo, hi in keys:
        value = data.draw(st.floats(0, 0.2, allow_nan=False).map(lambda v: round(v, 6)))
        row = _ds_row(schedule, lo, hi, repr(value), source=data.draw(text))
        row[11] = data.draw(text | st.just(""))
        rows.append(row)
        expected[(schedule, lo)] = value
    folder = _pack(tmp_path_factory.mktemp("pack"), rows, bom=bom, crlf=crlf,
                   quote_all=quote_all)
    base = ParameterPack.green_book()
    pack = base.with_pack(folder)
    for (schedule, lo), value in expected.items():
        row = pack.row("discount_schedules", schedule=schedule, from_t=lo)
        assert row.value == value
        assert row.source == next(r[6] for r in rows if r[:2] == [schedule, lo]).strip()
        assert row.pack == "user pack"
        assert row.replaced_value == base.row("discount_schedules", schedule=schedule,
                                              from_t=lo).value
    assert len(pack.overrides()) == len(expected)
    assert len(pack.rows("discount_schedules")) == len(base.rows("discount_schedules"))


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["x" * PACK_TEXT_CHARS, "x" * (PACK_TEXT_CHARS + 1), "x" * EXCEL_CELL_CHARS, "\x00",
     "a\x1fb", "\ufffe"])


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=_ANY_TEXT, notes=_ANY_TEXT, description=_ANY_TEXT, value=st.sampled_from(
    ["0.05", "0.2", "0", "1e-3", "3.5", "-1", "inf", "nan", " 0.04 "]))
def test_validate_passing_means_run_cannot_refuse_a_pack(tmp_path_factory, source, notes,
                                                          description, value):
    """If validate (load_case, which reads every pack) accepts the case, the run and every
    output file, results.xlsx included, succeed."""
    tmp = tmp_path_factory.mktemp("case")
    row = _ds_row(value=value, source=source)
    row[11] = notes
    _pack(tmp / "pack", [row])
    _uv(tmp / "uv.csv", [{**UV_ROW, "description": description or "d", "price_year": "2025"}])
    path = tmp / "case.yaml"
    path.write_text(MINIMAL.replace("PACKS", "pack").replace(
        "lines:\n", "unit_value_packs: [{path: uv.csv, name: local}]\nlines:\n"
        "  - {option: New service, name: Call-outs avoided, kind: benefit, values: {2026: 1},"
        " unit_value: {pack: local, code: X1}}\n"), encoding="utf-8")
    if main(["validate", str(path)]) != 0:
        return
    write_outputs(evaluate(load_case(path)), tmp / "out")
    assert (tmp / "out" / "results.xlsx").is_file()
