"""Workbook tables of the ``uncertainty`` section: inputs, correlations and scenarios.

Three :class:`~appraisal.case.lens_sheets.LensTable` s, listed in
:data:`appraisal.case.lens_tables.LENS_TABLES`:

``Uncertainty``
    one row per uncertain input: its name, the field it moves, its target as columns (``all``,
    or the line, lines, option, kind, category or discount schedule it picks; several
    together must all hold), the distribution and its parameters as columns, the group,
    the source and a description.
``Correlation``
    pair correlations as a square grid, the inputs down and across; a pair is the cell in
    the earlier input's row and the later input's column (above the diagonal), read back in
    that order. Only ``pairs`` are laid out: a correlation given as ``groups`` or a
    ``matrix`` stays on the ``Sections`` sheet, since the grid cannot say which cells form
    a named group.
``Scenarios``
    one row per scenario, one column per input (blank: the input's central value). A
    scenario is a record the user adds by filling a row, and the columns are the declared
    inputs, as on ``Correlation``, so a misspelt input in a header is caught; scenario
    names as headers would be free text the reader could not check.

``draws``, ``seed``, ``correlation.method``, ``two_way`` and ``sobol.base_samples`` are
``uncertainty.*`` rows of the ``Case`` sheet (:data:`~appraisal.case.sheets.MAP_EXPANSIONS`).
A table lays its part out only when reading it back gives the same data; otherwise it is
left, whole, for the ``Sections`` sheet. The section's own vocabulary (fields,
distributions, parameters) is that of :mod:`appraisal.lenses.uncertainty`, which this
layer may not import; ``tests/test_io_excel_uncertainty_sheets.py`` keeps the two equal.

Examples
--------
>>> section = {"draws": 100, "inputs": [{"name": "cost", "target": {"kind": "cost"},
...     "field": "scale", "distribution": {"dist": "pert", "low": 0.9, "mode": 1.0,
...     "high": 1.4}}], "correlation": {"pairs": []}}
>>> rows, rest = UNCERTAINTY.split(section)
>>> rows[0].values["target.kind"], rows[0].values["distribution.high"], rest
('cost', 1.4, {'draws': 100, 'correlation': {'pairs': []}})
>>> UNCERTAINTY.join(rows, rest)[0] == section
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from appraisal.case.lens_sheets import LensTable, Placed, RowProblem, TableRow
from appraisal.case.section_rows import end_section, start_section, take, without
from appraisal.case.sheets import Column, column_table

__all__ = ["CORRELATION", "DISTRIBUTION_KINDS", "DISTRIBUTION_PARAMETERS", "FIELDS",
           "SCENARIOS", "TARGET_KEYS", "UNCERTAINTY"]

#: The fields an uncertain input may move (as :data:`appraisal.lenses.uncertainty.FIELDS`).
FIELDS = ("scale", "value_multiplier", "additionality", "drop_off", "ob_uplift", "delay",
          "rate_shift", "eta")
#: Keys of a target mapping (as :data:`appraisal.lenses.uncertainty.TARGET_KEYS`).
TARGET_KEYS = ("line", "lines", "category", "kind", "option", "schedule")
#: Distribution names (as :data:`appraisal.lenses.uncertainty.DISTRIBUTION_KINDS`).
DISTRIBUTION_KINDS = ("uniform", "triangular", "pert", "normal", "lognormal", "interval90",
                      "discrete", "constant")
#: Every distribution parameter, with its header and help: one column each.
DISTRIBUTION_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("low", "Low", "lower end (also cuts a normal)"),
    ("mode", "Mode", "most likely (triangular, pert)"),
    ("high", "High", "upper end (also cuts a normal)"),
    ("lamb", "PERT lambda", "pert: weight of the mode (4)"),
    ("mean", "Mean", "normal; lognormal with SD"),
    ("sd", "SD", "standard deviation"),
    ("median", "Median", "lognormal, with GSD"),
    ("gsd", "GSD", "lognormal: geometric SD (> 1)"),
    ("meanlog", "Mean of log", "lognormal: mean of the log"),
    ("sdlog", "SD of log", "lognormal: SD of the log"),
    ("shape", "Shape", "interval90: normal or lognormal"),
    ("values", "Values", "discrete: values, ';' between"),
    ("probabilities", "Probabilities", "discrete: ';' between (blank: equal)"),
    ("default", "Default", "discrete: the central value"),
    ("value", "Value", "constant: the value"),
)
_PARAMS = tuple(key for key, _, _ in DISTRIBUTION_PARAMETERS)
_LISTS = ("values", "probabilities")
_INPUT_KEYS = ("name", "target", "field", "distribution", "group", "description", "source")
#: Fields whose draws are rates (shown as percentages).
_RATE_FIELDS = ("rate_shift", "ob_uplift")
_RATE_PARAMS = ("low", "mode", "high", "mean", "sd", "median", "default", "value")
_INT = re.compile(r"[+-]?\d+")


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _listed(values: Any) -> str:
    """A list of discrete values as one cell (``0; 1; 2``)."""
    if not isinstance(values, list) or not values or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        raise ValueError(values)
    return "; ".join(str(v) for v in values)


def _split(cell: Any) -> list[Any]:
    """A ``;``-separated cell as a list (as the workbook reader gives it, or as written)."""
    if isinstance(cell, list):
        return cell
    if isinstance(cell, str):
        return [x.strip() for x in cell.split(";") if x.strip()]
    return [cell]


def _unlisted(parts: Any) -> Any:
    """The cell's ``;``-separated values back as numbers where they are numbers."""
    parts = _split(parts)
    out: list[Any] = []
    for part in parts:
        text = str(part).strip()
        if _INT.fullmatch(text):
            out.append(int(text))
            continue
        try:
            out.append(float(text))
        except ValueError:
            out.append(part)
    return out


def _lossless(table_rows: Any, from_rows: Any, data: Any, *names: Any) -> None:
    rows, rest = table_rows
    if from_rows(rows, rest, *names)[0] != data:
        raise ValueError(data)


# --------------------------------------------------------------------------- the inputs
def _input_row(item: Any) -> TableRow:
    if not isinstance(item, Mapping) or not set(item) <= set(_INPUT_KEYS):
        raise ValueError(item)
    values: dict[str, Any] = {}
    for key in ("name", "field", "group", "source", "description"):
        if item.get(key) is not None:
            if not _scalar(item[key]):
                raise ValueError(item)
            values[key] = item[key]
    target = item.get("target")
    if isinstance(target, str):
        values["target"] = target
    elif isinstance(target, Mapping) and target and set(target) <= set(TARGET_KEYS):
        for key, value in target.items():
            values[f"target.{key}"] = _listed(value) if key == "lines" else value
            if key != "lines" and not isinstance(value, str):
                raise ValueError(target)
    elif target is not None:
        raise ValueError(target)
    dist = item.get("distribution")
    if isinstance(dist, int | float) and not isinstance(dist, bool):
        dist = {"dist": "constant", "value": dist}
    if isinstance(dist, Mapping):
        if "kind" in dist and "dist" not in dist:  # 'kind' is another name for 'dist'
            dist = {("dist" if k == "kind" else k): v for k, v in dist.items()}
        if not set(dist) <= {"dist", *_PARAMS}:
            raise ValueError(dist)
        for key, value in dist.items():
            if key in _LISTS:
                values[f"distribution.{key}"] = _listed(value)
            elif _scalar(value):
                values[f"distribution.{key}"] = value
            else:
                raise ValueError(dist)
    elif dist is not None:
        raise ValueError(dist)
    types = ({f"distribution.{k}": "fraction" for k in _RATE_PARAMS}
             if item.get("field") in _RATE_FIELDS else {})
    return TableRow(values, types=types)


def _inputs_data(rows: Sequence[TableRow], rest: Any) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    inputs: list[dict[str, Any]] = []
    for r, row in enumerate(rows):
        i = len(inputs)
        v = row.values
        item: dict[str, Any] = {}

        def put(key: str, value: Any, column: str, item: dict[str, Any] = item, i: int = i,
                r: int = r, placed: list[Placed] = placed) -> None:
            item[key] = value
            placed.append((("inputs", i, key), r, column))

        if "name" in v:
            put("name", v["name"], "name")
        parts = {k: v[f"target.{k}"] for k in TARGET_KEYS if f"target.{k}" in v}
        if "lines" in parts:
            parts["lines"] = [str(x) for x in _split(parts["lines"])]
        if parts:
            # 'all' together with named lines is refused by the section (unknown key 'all')
            target = {"all": v["target"], **parts} if "target" in v else parts
            put("target", target, "target" if "target" in v else f"target.{next(iter(parts))}")
            for key, value in target.items():
                column = "target" if key == "all" else f"target.{key}"
                placed.append((("inputs", i, "target", key), r, column))
                if isinstance(value, list):
                    placed += [(("inputs", i, "target", key, j), r, column)
                               for j in range(len(value))]
        elif "target" in v:
            put("target", v["target"], "target")
        if "field" in v:
            put("field", v["field"], "field")
        dist = {k: v[f"distribution.{k}"] for k in ("dist", *_PARAMS)
                if f"distribution.{k}" in v}
        for key in _LISTS:
            if key in dist:
                dist[key] = _unlisted(dist[key])
        if dist:
            put("distribution", dist, "distribution.dist" if "dist" in dist
                else f"distribution.{next(iter(dist))}")
            placed += [(("inputs", i, "distribution", k), r, f"distribution.{k}") for k in dist]
        take(item, v, ("group", "description", "source"), ("inputs", i), r, placed)
        placed.append((("inputs", i), r, "name"))
        inputs.append(item)
    return end_section(out, placed, "inputs", inputs, "name")


def _inputs_rows(data: Any) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping) or not isinstance(data.get("inputs"), list):
        return [], data
    found = [_input_row(item) for item in data["inputs"]], without(data, "inputs")
    if found[0]:
        _lossless(found, _inputs_data, data)
    return found


UNCERTAINTY = LensTable(
    section="uncertainty", title="Uncertainty",
    columns=(
        *column_table("""
            name              | Input        | str required key 28        |
                the uncertain input's name (unique)
            field             | Field        | str required 17            |
                what a draw moves (a multiplier, a rate, years ...)
            target            | Target       | str 10                     |
                all; blank: as the next columns pick
            target.line       | Line         | str 44                     |
                the line of this name (in every option)
            target.lines      | Lines        | list 24                    |
                several line names, separated by ';'
            target.option     | Option       | str source=option_names 24 |
                only this option's lines
            target.kind       | Kind         | str 9                      |
                only costs or only benefits
            target.category   | Category     | str source=categories 13   |
                only lines of this category
            target.schedule   | Schedule     | str 12                     |
                rate_shift: the discount schedule it shifts
            distribution.dist | Distribution | str required 13            |
                its parameters follow
        """, choices={"field": FIELDS, "target": ("all",), "target.kind": ("cost", "benefit"),
                      "distribution.dist": DISTRIBUTION_KINDS}),
        *(Column(f"distribution.{key}", header, "list" if key in _LISTS else
                 "str" if key == "shape" else "float", False, text,
                 ("normal", "lognormal") if key == "shape" else (), width=12)
          for key, header, text in DISTRIBUTION_PARAMETERS),
        *column_table("""
            group       | Group       | str 20 | inputs from one evidence source (Sobol groups and
                EVPPI)
            source      | Source      | str 30 | where the range comes from
            description | Description | str 30 | what the input is
        """),
    ),
    to_rows=_inputs_rows, from_rows=_inputs_data,
    words={"name": "Input", "field": "Field", "target": "Target", "dist": "Distribution",
           "distribution": "Distribution", "inputs": "the rows of the Uncertainty sheet",
           "group": "Group", "draws": "uncertainty.draws (Case sheet)",
           "seed": "uncertainty.seed (Case sheet)", "two_way": "uncertainty.two_way (Case sheet)",
           "base_samples": "uncertainty.sobol.base_samples (Case sheet)"},
    unique=("name",),
    description="one row per uncertain input: the field it moves, the lines it acts on "
    "(all, or those the Line ... Schedule columns pick; all must hold), its distribution and "
    "the distribution's parameters; the settings (draws, seed ...) are the Uncertainty rows of "
    "the Case sheet",
)


def _input_names(case_data: Mapping[str, Any]) -> tuple[str, ...]:
    """The inputs the Uncertainty sheet lays out (none when they are not laid out)."""
    rows, _ = UNCERTAINTY.split(case_data.get("uncertainty"))
    names = tuple(row.values.get("name") for row in rows)
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        return ()
    return names  # type: ignore[return-value]


# ----------------------------------------------------------------------- the correlation
def _corr_rows(data: Any, names: tuple[str, ...]) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping) or "inputs" in data or not names:
        return [], data  # the inputs are not on the Uncertainty sheet
    corr = data.get("correlation")
    rows = [TableRow({"input": n}, {n: 1.0}) for n in names]
    if corr is None:
        return rows, dict(data)
    if not isinstance(corr, Mapping) or not set(corr) <= {"pairs", "method"} or not isinstance(
            corr.get("pairs"), list) or not corr["pairs"]:
        return [], data
    at = {n: i for i, n in enumerate(names)}
    for pair in corr["pairs"]:
        if not isinstance(pair, Mapping) or set(pair) != {"inputs", "rho"}:
            return [], data
        a, b = pair["inputs"]
        if a == b or a not in at or b not in at or not isinstance(pair["rho"], int | float):
            return [], data
        rows[at[a]].per_option[b] = pair["rho"]
    rest = dict(data)
    left = {k: v for k, v in corr.items() if k != "pairs"}
    if left:
        rest["correlation"] = left
    else:
        del rest["correlation"]
    _lossless((rows, rest), _corr_data, data, names)
    return rows, rest or None


def _corr_data(rows: Sequence[TableRow], rest: Any, names: tuple[str, ...] = ()
               ) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    pairs: list[dict[str, Any]] = []
    for r, row in enumerate(rows):
        a = row.values.get("input")
        for b, rho in row.per_option.items():
            if b == a and rho == 1:
                continue  # the diagonal
            k = len(pairs)
            pairs.append({"inputs": [a, b], "rho": rho})
            placed += [(("correlation", "pairs", k), r, b),
                       (("correlation", "pairs", k, "inputs"), r, b),
                       (("correlation", "pairs", k, "inputs", 0), r, "input"),
                       (("correlation", "pairs", k, "inputs", 1), r, b),
                       (("correlation", "pairs", k, "rho"), r, b)]
    if pairs:
        corr = out.get("correlation")
        out["correlation"] = {**(corr if isinstance(corr, Mapping) else {}), "pairs": pairs}
        first = placed[0]
        placed += [(("correlation",), first[1], first[2]),
                   (("correlation", "pairs"), first[1], first[2])]
    return out, placed


def _corr_refused(rows: Sequence[TableRow], names: Sequence[str], _: Any
                  ) -> list[RowProblem]:
    """A row whose input is not on the Uncertainty sheet (when the inputs are there)."""
    if not names:
        return []
    return [(r, "input", "unknown-input", f"'{row.values['input']}' is not an input on the "
             "Uncertainty sheet", "correct the name (as in the Input column of the "
             "Uncertainty sheet), or delete the row")
            for r, row in enumerate(rows)
            if row.values.get("input") is not None and row.values["input"] not in names]


CORRELATION = LensTable(
    section="uncertainty", title="Correlation",
    columns=column_table("""
        input | Input | str required key 30 | the uncertain input of the row (as on the Uncertainty
            sheet)
    """),
    per_option=Column("rho", "", "float", False, "correlation with the row's input "
                      "(above the diagonal)", width=14),
    to_rows=_corr_rows, from_rows=_corr_data,
    column_names=_input_names,
    words={"rho": "the correlation", "pairs": "the correlation cells",
           "inputs": "the correlation cells", "method": "uncertainty.correlation.method "
           "(Case sheet)"},
    unique=("input",),
    refuse=_corr_refused,
    description="rank correlations between uncertain inputs (-1 to 1): fill the cell in the "
    "earlier input's row and the later input's column, above the diagonal; blank: none. The "
    "method is the Case sheet's row Uncertainty: correlation method",
)


# ------------------------------------------------------------------------- the scenarios
def _scen_rows(data: Any, names: tuple[str, ...]) -> tuple[list[TableRow], Any]:
    if not isinstance(data, Mapping) or "inputs" in data or not names:
        return [], data
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, Mapping) or not scenarios:
        return [], data
    rows = []
    for name, values in scenarios.items():
        if not isinstance(name, str) or not isinstance(values, Mapping) or not values or not all(
                k in names and isinstance(v, int | float) and not isinstance(v, bool)
                for k, v in values.items()):
            return [], data
        rows.append(TableRow({"scenario": name}, dict(values)))
    rest = without(data, "scenarios")
    _lossless((rows, rest), _scen_data, data, names)
    return rows, rest


def _scen_data(rows: Sequence[TableRow], rest: Any, names: tuple[str, ...] = ()
               ) -> tuple[Any, list[Placed]]:
    out, placed = start_section(rest)
    scenarios: dict[Any, dict[str, Any]] = {}
    for r, row in enumerate(rows):
        name = row.values.get("scenario")
        scenarios[name] = dict(row.per_option)
        placed.append((("scenarios", name), r, "scenario"))
        placed += [(("scenarios", name, k), r, k) for k in row.per_option]
    return end_section(out, placed, "scenarios", scenarios, "scenario")


SCENARIOS = LensTable(
    section="uncertainty", title="Scenarios",
    columns=column_table("""
        scenario | Scenario | str required key 22 | the scenario's name (not 'central')
    """),
    per_option=Column("value", "", "float", False, "the input's value in this scenario "
                      "(blank: central)", width=16),
    to_rows=_scen_rows, from_rows=_scen_data,
    column_names=_input_names,
    words={"scenarios": "the rows of the Scenarios sheet"},
    unique=("scenario",),
    description="named scenarios: one row each, with the value of each uncertain input it "
    "moves (blank: the input's central value); 'central' is implicit",
)
