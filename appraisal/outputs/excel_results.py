"""``results.xlsx``: the run's inputs, live calculations, a summary and value tables.

Sheets, in order:

``Summary``
    one row per option: ``Option | PV costs | PV benefits | NPSV | BCR`` (then incremental
    NPSV and BCR, the value-for-money category), as formulas on ``Calculation``, with the
    engine's NPSV beside them and a master check.
``Sensitivity``
    live one-way (each category of cost or benefit ± 20%) and scenario tables over the
    line PVs of ``Calculation`` (:mod:`appraisal.outputs.excel_sensitivity`).
``Calculation``
    live formulas that refer to input cells: one-year discount rates per schedule (inputs)
    and discount factors ``DF_0 = 1, DF_t = DF_{t-1} / (1 + r_t)`` (never ``NPV()``);
    GDP-deflator conversion; per line the real flows by year after price conversion,
    optimism bias, scale, delay and additionality, and their present value; per option PV
    costs, PV benefits, NPSV and BCR. Amounts come from the ``Profiles`` input sheet.
``Ledger``, ``Switching values``
    live formulas over the Calculation sheet, with the engine's numbers beside them
    (:mod:`appraisal.outputs.excel_ledger`).
``Parameters used`` (and one sheet per lens table)
    values: tables where formulas would not help.
the input sheets (``Case`` ... ``Lists``)
    as in the template, so the workbook can be edited and run again.

Every formula carries its cached value (the engine's number), so viewers that do not
calculate show the results; the LibreOffice recalculation test checks that the formulas
give the same numbers. ``_meta`` holds the manifest, the inputs as written and the
digests of every formula row, so edits to calculated cells are refused on a re-run.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appraisal.case.case_data import case_to_data
from appraisal.cells import column_letter, no_gc
from appraisal.engine.headline import HEADLINE_MEASURES, LABELS, headline
from appraisal.engine.results import AppraisalResult
from appraisal.errors import AppraisalValidationError, OutputError
from appraisal.greenbook.cba import NET_SAVING
from appraisal.outputs.atomic import PathLike
from appraisal.outputs.excel_book import BookBuilder
from appraisal.outputs.excel_calc import bcr_formula_terms, protect_formulas, write_calculation
from appraisal.outputs.excel_charts import write_charts
from appraisal.outputs.excel_finance import write_financial_sheets
from appraisal.outputs.excel_layout import (
    FORMATS,
    MONEY,
    RATIO,
    fit_columns,
    fit_row_height,
    header,
    lens_title,
    print_setup,
    shown,
)
from appraisal.outputs.excel_ledger import write_ledger, write_switching
from appraisal.outputs.excel_sensitivity import write_sensitivity
from appraisal.outputs.excel_template import add_input_sheets

__all__ = ["write_results_workbook"]

SUMMARY_COLUMNS = ("Option", LABELS["pv_costs"], LABELS["pv_benefits"], LABELS["npsv"],
                   LABELS["bcr"])


def _case_data(result: AppraisalResult) -> tuple[dict[str, Any], str]:
    """Plain data of the run's case, and what (if anything) could not be written."""
    import dataclasses

    from appraisal.case.schema import build_case
    from appraisal.lenses.catalogue import section_parsers

    case = result.case
    omitted = []
    sections = dict(case.sections)
    try:
        data = case_to_data(case)
    except OutputError:
        data = case_to_data(dataclasses.replace(case, sections={}))
        omitted = sorted(sections)
    if sections or any(getattr(ln, "unit_value", None) or getattr(ln, "outcome", None)
                       for ln in case.lines):
        try:
            again = build_case(data, source=case.source_path, source_sha256=case.source_sha256,
                               sections=section_parsers())
            same = again == case
        except AppraisalValidationError:
            same = False
        if not same and not omitted:
            omitted = ["case sections or valued lines (their parsed form cannot be written "
                       "back exactly)"]
    return data, "; ".join(omitted)


def _table(book: BookBuilder, title: str, caption: str, columns: Sequence[str],
           rows: Sequence[Sequence[Any]], *, index: int,
           formats: Sequence[str] | None = None, header_rows: Sequence[int] = (),
           widest: float = 60.0) -> None:
    """A sheet of values: caption, header, rows (NaN shown as 'n/a').

    ``formats`` gives each column's number format (text columns ignore it);
    ``header_rows`` are further rows (indices into *rows*) styled as headers. Each column
    is as wide as its widest value (text longer than ``widest`` characters wraps).
    """
    ws, sheet = book.sheet(title, index=index)
    sheet.text(1, 1, title, book.title)
    sheet.text(2, 1, caption, book.style(italic=True))
    # every data cell top-aligned (as wrapped text is), so a row of wrapped text reads level
    head, text = book.header, book.style("calc", wrap=True)
    formats = list(formats or []) + ["General"] * (len(columns) - len(formats or []))
    styles = [book.style("calc", fmt, wrap=True) for fmt in formats]
    cells: list[list[Any]] = []
    widths = [max(8.0, max((len(w) for w in str(name).split()), default=0) * 1.1 + 3)
              for name in columns]
    for row in rows:
        values = []
        for col, value in enumerate(row):
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = "n/a"
            if isinstance(value, dict | list | tuple):
                value = json.dumps(value, default=str)
            if value is not None and col < len(widths):
                shown_as = (shown(value, formats[col]) if isinstance(value, int | float)
                            and not isinstance(value, bool) else str(value))
                widths[col] = max(widths[col], min(widest, len(shown_as) + 3))
            values.append(value)
        cells.append(values)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(col)].width = round(width, 1)
    for col, name in enumerate(columns, start=1):
        sheet.text(4, col, str(name), head)
    fit_row_height(ws, sheet, 4, dict(enumerate(columns, start=1)))
    extra_heads = {5 + k for k in header_rows}
    for r, row in enumerate(cells, start=5):
        long: dict[int, str] = {}
        for col, value in enumerate(row, start=1):
            if r in extra_heads:
                style = head
                long[col] = str(value)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                style = text
                if value is not None and len(str(value)) + 3 > widths[col - 1]:
                    long[col] = str(value)
            else:
                style = styles[col - 1]
            sheet.any(r, col, value, style)
        if long:
            fit_row_height(ws, sheet, r, long)
    print_setup(ws, sheet, title_rows="4:4", freeze="B5")


def _frame_rows(frame: Any) -> tuple[list[str], list[list[Any]], list[str]]:
    """Headers in words, rows, and number formats of a data frame (empty columns left out)."""
    keep = [c for c in frame.columns if not frame[c].map(_empty).all()]
    columns = [header(str(c)) for c in keep]
    rows = [[None if _empty(v) else v for v in record]
            for record in frame[keep].itertuples(index=False, name=None)]
    formats = [FORMATS.get(str(c), "General") for c in keep]
    return columns, rows, formats


#: Columns of ``Parameters used`` that say which row of a table was used (joined in words).
_PARAMETER_KEYS = ("basis", "year", "code", "project_type", "label", "measure", "bound",
                   "variant", "schedule", "from_t", "to_t", "rule", "category", "bcr_from",
                   "bcr_to")
_PARAMETER_COLUMNS = ("table_name", "value", "unit", "price_year", "confidence", "source",
                      "pack", "notes")


def _parameter_rows(records: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]],
                                                             list[str]]:
    """``Parameters used`` for reading: the row's keys in one column ("Basis calendar,
    year 2015"), then value, unit and provenance, the edition and table with the source
    (every column, apart, is in ``parameters_used.csv``). From the plain rows
    (:meth:`~appraisal.engine.results.AppraisalResult.core_records`): no pandas."""
    columns = [header("table_name"), "Which row", *(header(c) for c in _PARAMETER_COLUMNS[1:])]
    rows = []
    for record in records:
        keys = [f"{header(k)} {_plain_number(record[k])}" for k in _PARAMETER_KEYS
                if k in record and not _empty(record[k])]
        which = ", ".join(keys)
        where = "; ".join(str(record[k]) for k in ("edition", "table")
                          if k in record and not _empty(record[k]))
        if where and not _empty(record.get("source")):
            record = {**record, "source": f"{record['source']} ({where})"}
        rows.append([record.get("table_name"), which[:1].upper() + which[1:].lower()
                     if which else "", *(None if _empty(record.get(c)) else
                                         _plain_number(record.get(c))
                                         for c in _PARAMETER_COLUMNS[1:])])
    return columns, rows, ["General"] * len(columns)


def _plain_number(value: Any) -> Any:
    """Whole floats as ints (a price year 2024.0 shows as 2024)."""
    if hasattr(value, "item"):
        value = value.item()
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _summary(book: BookBuilder, result: AppraisalResult, calc: dict[str, Any]) -> None:
    ws, sheet = book.sheet("Summary", index=0)
    case = result.case
    sheet.text(1, 1, case.title, book.title)
    sheet.text(2, 1, f"{result.price_label}. Business as usual is "
               f"'{case.counterfactual.name}'. {result.bcr_definition_text}.",
               book.style(italic=True))
    headers = (*SUMMARY_COLUMNS, LABELS["inc_npsv"], LABELS["inc_bcr"], LABELS["vfm_category"],
               "NPSV (engine run)", "Difference")
    for col, name in enumerate(headers, start=1):
        sheet.text(4, col, name, book.header)
    money, ratio = book.style("calc", MONEY), book.style("calc", RATIO)
    value_money = book.style("calc", MONEY)
    first = 5
    cf_row = first + calc["counterfactual"]
    formulas: dict[int, dict[int, str]] = defaultdict(dict)

    def f(r: int, c: int, text: str, cached: Any, style: int) -> None:
        sheet.formula(r, c, text, cached, style)
        formulas[r][c] = text

    for k, m in enumerate(result.options):
        r, cr = first + k, calc["option_rows"][k]
        sheet.text(r, 1, m.name, book.style("calc", bold=m.name == result.preferred_option))
        f(r, 2, f"Calculation!B{cr}", m.pv_costs, money)
        f(r, 3, f"Calculation!C{cr}", m.pv_benefits, money)
        f(r, 4, f"Calculation!E{cr}", m.npsv, money)
        undefined = NET_SAVING if m.net_saving else "n/a"
        f(r, 5, f"Calculation!F{cr}", undefined if m.bcr is None else m.bcr, ratio)
        f(r, 6, f"D{r}-D${cf_row}", m.inc_npsv, money)
        if m.counterfactual:
            sheet.text(r, 7, "(counterfactual)", book.style("calc"))
        else:
            ccf = calc["option_rows"][calc["counterfactual"]]
            num, den, undefined = bcr_formula_terms(case.bcr_definition, cr, ccf,
                                                    sheet="Calculation!")
            f(r, 7, f'IF({den}>0,{num}/{den},"{undefined}")',
              undefined if m.inc_bcr is None else m.inc_bcr, ratio)
        category = m.vfm_category or ("" if m.counterfactual else
                                      NET_SAVING if m.inc_net_saving else "n/a")
        if m.counterfactual:
            sheet.any(r, 8, category, book.style("calc"))
        else:  # the band of the BCR against business as usual (the table below)
            f(r, 8, f"IF(ISNUMBER(G{r}),INDEX(vfm_categories,MATCH(G{r},vfm_bcr_from,1)),"
              f"G{r})", category, book.style("calc"))
        sheet.number(r, 9, m.npsv, value_money)
        f(r, 10, f"D{r}-I{r}", 0.0, money)
    last = first + len(result.options) - 1
    r = last + 2
    sheet.text(r, 1, "Preferred option (highest NPSV)", book.bold)
    f(r, 2, f"INDEX($A${first}:$A${last},MATCH(MAX($D${first}:$D${last}),"
      f"$D${first}:$D${last},0))", result.preferred_option, book.bold)
    book.name("Preferred_option", ws, f"$B${r}")
    sheet.text(r + 1, 1, "Tolerance for the check (£)", book.style("calc"))
    sheet.number(r + 1, 2, 1e-6, book.style("input", "0.000000"))
    sheet.text(r + 2, 1, "Formulas agree with the engine run", book.bold)
    f(r + 2, 2, f'IF(SUMPRODUCT(ABS(J{first}:J{last}))<=B{r + 1}*MAX(1,SUMPRODUCT(ABS('
      f'I{first}:I{last}))),"OK","CHANGED")', "OK", book.style("calc", bold=True))
    below = _headline(book, ws, sheet, result, r + 4, first, f)
    _vfm_bands(book, ws, sheet, result, below + 1)
    fit_columns(book, ws, sheet, skip_rows=(1, 2), maximum=45, fixed={1: max(
        34.0, min(60.0, max(len(m.name) for m in result.options) * 1.1 + 3))})
    fit_row_height(ws, sheet, 4, dict(enumerate(headers, start=1)))
    print_setup(ws, sheet, title_rows="4:4", freeze="B5")
    protect_formulas(book, "Summary", formulas)


#: Named ranges of the headline block, by measure (the preferred option's block).
HEADLINE_NAMES = {"inc_npsv": "NPSV_against_BAU_preferred",
                  "inc_bcr": "BCR_against_BAU_preferred",
                  "vfm_category": "VfM_category_preferred", "npsv": "NPSV_preferred"}


def _vfm_bands(book: BookBuilder, ws: Any, sheet: Any, result: AppraisalResult,
               top: int) -> None:
    """The value-for-money categories by BCR (from the run's parameter pack), named
    ``vfm_bcr_from`` and ``vfm_categories`` for the category formulas above; protected
    as reference values (the pack, not the workbook, decides them on a re-run)."""
    from appraisal.inputs.excel_changes import cell_token, row_digest

    rows = sorted(result.compiled.pack.rows("value_for_money"),
                  key=lambda row: float(row.get("bcr_from") or -math.inf))
    sheet.text(top, 1, "Value-for-money categories (BCR against business as usual from)",
               book.bold)
    sheet.text(top + 1, 1, "BCR from", book.header)
    sheet.text(top + 1, 2, LABELS["vfm_category"], book.header)
    lowest = -1e300  # the lowest band has no lower bound
    digests = []
    for k, row in enumerate(rows):
        r = top + 2 + k
        lower = row.get("bcr_from")
        value = float(lower) if lower not in (None, "") else lowest
        sheet.number(r, 1, value, book.style("calc", '0.00;-0.00;0.00;@'
                                             if value != lowest else '"(none)"'))
        sheet.text(r, 2, str(row.get("category")), book.style("calc"))
        digests.append(row_digest([cell_token("n", value), cell_token("s",
                                                                      str(row.get("category")))]))
    last = top + 1 + len(rows)
    book.name("vfm_bcr_from", ws, f"$A${top + 2}:$A${last}")
    book.name("vfm_categories", ws, f"$B${top + 2}:$B${last}")
    book.protect_range("Summary", (top + 2, last), (1, 2), "values", digests)


def _headline(book: BookBuilder, ws: Any, sheet: Any, result: AppraisalResult, top: int,
              first: int, f: Any) -> int:
    """The headline block (:func:`appraisal.engine.headline.headline`): the preferred option, or
    the best alternative when business as usual is preferred, with each measure a formula
    on the option's row of the table above, under the label every output uses.

    The preferred option's block is live: its option is the preferred option cell above
    and each measure is looked up on that option's row (named :data:`HEADLINE_NAMES`).
    Returns the row below the block."""
    head = headline(result)
    names = [m.name for m in result.options]
    last = first + len(names) - 1
    cf_name = head["counterfactual"]
    column = {"inc_npsv": "F", "inc_bcr": "G", "vfm_category": "H", "npsv": "D"}
    money, ratio = book.style("calc", MONEY), book.style("calc", RATIO)
    blocks = [(LABELS["preferred_option"], head["preferred_option"], head)]
    if head["best_alternative"]:
        best = head["best_alternative"]
        blocks.append((f"Best alternative to {head['counterfactual']}", best["option"], best))
    r = top
    cf_row = first + names.index(cf_name)
    for live, (title, option, values) in enumerate(blocks):
        live = live == 0
        sheet.text(r, 1, title, book.bold)
        row = first + names.index(option)
        block = r
        if live:
            f(r, 2, f"$B${top - 4}", option, book.bold)
            book.name("Headline_option", ws, f"$B${r}")
        else:
            sheet.text(r, 2, option, book.bold)
        for key in HEADLINE_MEASURES:
            r += 1
            sheet.text(r, 1, LABELS[key], book.style("calc"))
            value = values[key]
            style = ratio if key == "inc_bcr" else money
            if key == "vfm_category" or (key == "inc_bcr" and value is None):
                text = ("net saving to the public sector" if key == "inc_bcr" and
                        values.get("net_saving_to_public_sector") else "n/a")
                value = value if value is not None else text
                style = book.style("calc")
            if live and key == "vfm_category" and option != cf_name:
                m = result.option(option)  # as the table's category cell shows it
                value = m.vfm_category or (NET_SAVING if m.inc_net_saving else "n/a")
            if live:
                col = column[key]
                lookup = (f"INDEX(${col}${first}:${col}${last},MATCH($B${block},"
                          f"$A${first}:$A${last},0))")
                if key in ("inc_bcr", "vfm_category"):  # undefined for business as usual
                    lookup = f'IF($B${block}=$A${cf_row},"n/a",{lookup})'
                f(r, 2, lookup, value, style)
                book.name(HEADLINE_NAMES[key], ws, f"$B${r}")
            elif isinstance(value, str):
                sheet.text(r, 2, value, style)
            else:
                f(r, 2, f"{column[key]}{row}", value, style)
        r += 2
    return r


def write_results_workbook(result: AppraisalResult, path: PathLike, *, force: bool = False,
                           protect: Sequence[PathLike] = ()) -> Path:
    """Write ``results.xlsx`` for a result (see the module docstring for its sheets).

    Raises
    ------
    OutputError
        If the destination is refused, or a formula would not reproduce the engine's
        number (nothing is written then).
    AppraisalValidationError
        If a value to be written is not finite (located at its cell).

    Examples
    --------
    >>> import tempfile, zipfile
    >>> from appraisal import evaluate, example_path, load_case
    >>> result = evaluate(load_case(example_path("minimal")))
    >>> out = write_results_workbook(result, Path(tempfile.mkdtemp()) / "results.xlsx")
    >>> "xl/worksheets/sheet1.xml" in zipfile.ZipFile(out).namelist()
    True
    """
    with no_gc():
        return _write(result, path, force=force, protect=protect)


def _write(result: AppraisalResult, path: PathLike, *, force: bool,
           protect: Sequence[PathLike]) -> Path:
    data, omitted = _case_data(result)
    book = BookBuilder()
    layout = add_input_sheets(book, data, result.case, years=result.case.horizon_years)
    calc = write_calculation(book, result, layout, index=0)
    _summary(book, result, calc)
    sensitivity = write_sensitivity(book, result, calc, index=1)
    write_ledger(book, result, calc, index=3)
    write_switching(book, result, calc, index=4)
    position = 5
    columns, rows, formats = _parameter_rows(result.core_records("parameters")[0])
    _table(book, "Parameters used", "Every published parameter this run used, with its source",
           columns, rows, index=position, formats=formats, widest=40.0)
    position += 1
    for name, payload in result.lenses.items():
        frame = None
        if hasattr(payload, "to_frame"):
            try:
                frame = payload.to_frame()
            except (TypeError, ValueError):
                frame = None
        if frame is not None and hasattr(frame, "itertuples"):
            columns, rows, formats = _frame_rows(frame)
            title = lens_title(name)
            _table(book, title, f"{title}: the values of this run", columns, rows,
                   index=position, formats=formats)
            position += 1
    position = write_financial_sheets(book, result, calc, index=position)
    write_charts(book, result, calc, sensitivity, index=2)  # after Sensitivity
    manifest = {k: (json.dumps(v, default=str) if isinstance(v, dict | list) else v)
                for k, v in result.manifest.items()}
    book.meta.update({f"manifest.{k}": ("" if v is None else v) for k, v in manifest.items()})
    book.meta.update({"workbook_kind": "results", "results_hash": result.results_hash(),
                      "inputs_complete": "no" if omitted else "yes",
                      "inputs_omitted": omitted})
    book.workbook.active = 0
    return book.save(path, force=force, protect=protect)
