"""Sheets and columns of a case workbook: one source of truth for template, reader and results.

Everything here is generated from the case schema (:data:`appraisal.case.schema.CASE_FIELDS`,
:data:`~appraisal.case.schema.OPTION_FIELDS`, :data:`~appraisal.case.schema.LINE_FIELDS`) and the
model (:class:`~appraisal.case.model.Profile`), so a scalar field added to the schema appears
as a row or a column without touching the workbook code:

``Case``
    one row per scalar case field (``Field | Value | Unit | What it is``); the ``prices``
    and ``parameters`` maps are expanded into rows (:data:`MAP_EXPANSIONS`).
``Options``
    one row per option, one column per option field.
``Lines``
    one row per impact line, one column per *scalar* line field.
``Profiles``
    one row per line (matched to ``Lines`` by option and name): the profile generator
    (``type`` and its parameters) and the amounts with the years across the columns.
``Valuation``
    one row per line valued as quantity × unit value (matched to ``Lines`` by option and
    name, as ``Profiles``): the ``unit_value`` and the ``outcome`` chain as columns
    (:data:`VALUATION_KEYS`), the chain's factors as percentages.
``Optimism bias``
    one row per line with optimism bias (matched to ``Lines`` by option and name): its
    project type (in words), bound, measure, works-duration switch, or its own uplift and
    source, as columns (:data:`OPTIMISM_BIAS_KEYS`); a line of several project types has
    one row per type with its share (:func:`optimism_bias_rows`).
``Risk areas``
    one row per line and optimism-bias risk area: its contribution and mitigation, for the
    cost and for the works duration (:data:`RISK_AREA_KEYS`).
``Incidence``
    one row per line whose value falls on distributional groups: its share in each group,
    a column per group headed by the group's name (:func:`incidence_sheet`).
``Line details``
    what those sheets have no column for (a works-duration uplift of the case's own, ...)
    in long form:
    ``Option | Line | Field | Key | Value``, where ``Key`` is a dotted path inside the map.
``Deflator``
    ``prices.deflator``: user GDP-deflator index values by year.
``Discount schedules``
    ``discount_schedules``: the case's own one-year discount rates, one row per schedule and
    year ``t`` (``Schedule | Year (t) | Rate``).
``Sections``
    what the case sections hold beyond their tables
    (:data:`appraisal.case.lens_sheets.LENS_TABLES`: ``Non-monetised``, ``Distribution``
    ...), in long form ``Section | Path | Value``.

Every table sheet has its headers in row 1, a "what to enter" row 2 and data from row 3.
Units and help come from the field tables; fraction-valued fields (shown as percentages)
are listed in :data:`FRACTION_FIELDS`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appraisal.case.model import PROFILE_TYPES, Profile
from appraisal.case.public_value import MEASURE_VARIANTS, OUTCOME_KEYS, UNIT_VALUE_KEYS
from appraisal.case.schema import (
    CASE_FIELDS,
    LENS_SECTIONS,
    LINE_FIELDS,
    OPTION_FIELDS,
    FieldSpec,
)
from appraisal.cells import column_letter
from appraisal.fields import field_path
from appraisal.greenbook.valuation import MEASURES

__all__ = [
    "CASE_ROWS",
    "DEFLATOR",
    "DISCOUNT_SCHEDULES",
    "FIRST_ROW",
    "FRACTION_FIELDS",
    "HEADER_ROW",
    "HELP_ROW",
    "INPUT_SHEETS",
    "LINES",
    "LINE_DETAILS",
    "MAP_EXPANSIONS",
    "META_SHEET",
    "OPTIMISM_BIAS",
    "OPTIMISM_BIAS_KEYS",
    "OPTIONS",
    "PROFILES",
    "PROFILE_PARAMS",
    "RISK_AREAS",
    "RISK_AREA_KEYS",
    "SECTIONS",
    "VALUATION",
    "VALUATION_KEYS",
    "CaseRow",
    "Column",
    "TableSheet",
    "column_table",
    "generator_formula",
    "generator_formulas",
    "is_fraction",
    "label",
    "line_map_fields",
    "parse_path",
    "path_text",
    "valuation_row",
]

#: The hidden sheet that records what wrote a workbook (format, versions, digests).
META_SHEET = "_meta"

HEADER_ROW, HELP_ROW, FIRST_ROW = 1, 2, 3

#: Units shown beside a field, by field name (presentation only).
UNITS = {
    "base_year": "year", "horizon_years": "years", "price_year": "year", "delay": "years",
    "scale": "×", "year": "year", "start": "year", "end": "year", "amount": "£ a year",
    "rate": "% a year", "ramp_years": "years", "deflator_extend_growth": "% a year",
}
#: How a header of a column of percentages ends: "(%)", or a unit in % such as "(% a year)".
PERCENT_HEADER_ENDINGS = ("(%)", *sorted({f"({u})" for u in UNITS.values() if u.startswith("%")}))
#: Headers that already say their unit.
_NAMES = {"year": "Year", "start": "Start year", "end": "End year", "price_year": "Price year",
          "base_year": "Base year", "ramp_years": "Ramp years", "horizon_years": "Horizon years"}
#: Field paths whose values are fractions, shown as percentages (``*`` matches any key).
FRACTION_FIELDS = (
    "profile.rate", "prices.deflator_extend_growth", "optimism_bias.uplift",
    "optimism_bias.shares.*", "optimism_bias.contributions.*", "optimism_bias.mitigation.*",
    "optimism_bias.duration.uplift", "optimism_bias.duration.contributions.*",
    "optimism_bias.duration.mitigation.*",
    "incidence.*", "unit_value.real_growth.rate", "outcome.engagement", "outcome.success",
    "outcome.deadweight", "outcome.displacement", "outcome.leakage",
    "outcome.attribution_to_others",
    "outcome.drop_off", "discount_schedules.*",
)
_WILD = frozenset("*?[")
_FRACTION_EXACT = frozenset(p for p in FRACTION_FIELDS if not _WILD & set(p))
_FRACTION_PREFIXES = tuple(p[:-1] for p in FRACTION_FIELDS
                           if p.endswith("*") and not _WILD & set(p[:-1]))
_FRACTION_OTHER = tuple(p for p in FRACTION_FIELDS if _WILD & set(p)
                        and p[:-1] not in _FRACTION_PREFIXES)
#: Keys of the case-level maps the schema reads, expanded into rows of the ``Case`` sheet
#: (key, type, help, choices). ``prices.deflator`` has its own sheet.
MAP_EXPANSIONS: dict[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    "prices": (
        ("deflator_basis", "str", "GDP deflator series: calendar or financial years",
         ("calendar", "financial")),
        ("deflator_extend_growth", "fraction", "growth assumed beyond the published deflator "
         "(needs a source)", ()),
        ("source", "str", "source of the price assumptions", ()),
    ),
    "parameters": (
        ("allow_unconfirmed", "list", "parameter tables not confirmed from a primary source "
         "that this case may use, separated by ';'", ()),
        ("packs", "list", "folders of your own parameter packs, separated by ';'", ()),
    ),
    "public_budget": (
        ("agencies", "list", "bcr_definition public_sector_cost only: agencies whose fiscal "
         "lines form the public budget, separated by ';' (blank: every fiscal line)", ()),
    ),
    "distribution": (
        ("grouping", "str", "distributional analysis: what the groups are (e.g. income "
         "quintile); the groups are on the Distribution sheet", ()),
        ("income_source", "str", "where the groups' incomes come from (with incomes)", ()),
        ("weights_source", "str", "the published table the groups' weights come from (with "
         "weights)", ()),
        ("eta", "float", "elasticity of marginal utility of income (blank: the Green Book's)",
         ()),
        ("reference_income", "float", "income the weights are relative to (blank: the "
         "households' mean)", ()),
        ("weight_wellbeing", "bool", "also weight lines valued in WELLBYs (not advised)", ()),
    ),
    "mca": (
        ("description", "str", "multi-criteria analysis: what it compares; the criteria and "
         "scores are on the MCA sheet, the weight sets on the MCA weight sets sheet (AHP "
         "comparisons on MCA pairwise)", ()),
        ("template", "str", "a shipped value tree whose purposes and criteria the MCA sheet "
         "builds on (e.g. public_service_reform; blank: none)", ()),
        ("combine.method", "str", "how the weight sets become one (blank: mean; weighted "
         "uses each set's Share)", ("mean", "weighted", "geometric")),
        ("topsis.normalisation", "str", "also rank by TOPSIS, normalising this way (blank: "
         "no TOPSIS)", ("vector", "max", "minmax", "sum")),
    ),
    # a lens section (not a case field): its rows follow the case fields' rows; the
    # uncertain inputs, correlations and scenarios have sheets of their own
    "uncertainty": (
        ("draws", "int", "Monte Carlo draws run by `appraisal run` (0: none); the uncertain "
         "inputs are on the Uncertainty sheet", ()),
        ("seed", "int", "random seed of the draws (the same seed gives the same draws)", ()),
        ("correlation.method", "str", "how the draws are correlated (with correlations on "
         "the Correlation sheet)", ("iman-conover", "gaussian-copula")),
        ("two_way", "list", "two uncertain inputs for a two-way table, separated by ';'", ()),
        ("sobol.base_samples", "int", "Sobol sensitivity indices from this many base samples "
         "(a power of 2, e.g. 1024; blank: none)", ()),
    ),
    # the financial case: funding and lists on the Affordability sheets
    "affordability": (
        ("inflation.gdp_deflator", "bool", "financial case: turn real costs into cash with the "
         "case's GDP deflator (prices.* rows); or give inflation.rate instead", ("yes", "no")),
        ("inflation.rate", "fraction", "financial case: an annual inflation rate instead of "
         "the GDP deflator (with its source)", ()),
        ("inflation.source", "str", "where the inflation rate comes from", ()),
        ("contingency.rate", "fraction", "risk contingency, a share of the expected cost", ()),
        ("contingency.source", "str", "where the contingency rate comes from", ()),
        ("vat.rate", "fraction", "VAT rate on the costs that bear VAT (a user input, between "
         "0% and 100%)", ()),
        ("vat.source", "str", "where the VAT rate comes from (e.g. HMRC VAT rates)", ()),
    ),
    # the cost-effectiveness analysis: effect lines and thresholds on the CE inputs sheet
    "cost_effectiveness": (
        ("effect.unit", "str", "cost-effectiveness: the unit of the effect, e.g. QALY", ()),
        ("threshold_source", "str", "where thresholds given as numbers come from", ()),
    ),
}


def label(name: str, unit: str | None = None) -> str:
    """Column header for a field: words, capitalised, with the unit in brackets.

    Examples
    --------
    >>> label("value_type"), label("delay"), label("start")
    ('Value type', 'Delay (years)', 'Start year')
    """
    if name in _NAMES and unit is None:
        return _NAMES[name]
    text = name.replace("_", " ")
    text = text[:1].upper() + text[1:]
    unit = UNITS.get(name, "") if unit is None else unit
    return f"{text} ({unit})" if unit else text


@functools.lru_cache(maxsize=4096)
def is_fraction(path: str) -> bool:
    """True when values at ``path`` (dotted, within a line or the case) are fractions.

    Examples
    --------
    >>> is_fraction("optimism_bias.shares.standard_buildings"), is_fraction("delay")
    (True, False)
    """
    # (a pattern ``x.*`` is a prefix, without fnmatch's regular expressions: compiling
    # them was a fifth of this module's import time, issue 14)
    return path in _FRACTION_EXACT or path.startswith(_FRACTION_PREFIXES) or any(
        fnmatch.fnmatchcase(path, pattern) for pattern in _FRACTION_OTHER)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table sheet.

    ``key`` is the field's key in the row's plain data (dotted for nested fields such as
    ``profile.rate``); ``role`` is ``key`` (identifies the row), ``input``, ``calc``
    (written by the tool) or ``note`` (free text the reader ignores).
    """

    key: str
    header: str
    type: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    source: str = ""
    role: str = "input"
    width: float = 14.0
    #: Earlier headers of the column, still read (a workbook written by an earlier version).
    aliases: tuple[str, ...] = ()

    @property
    def number_format(self) -> str:
        """Excel number format for the column's cells."""
        if self.type == "fraction":
            return "0.00%"
        if self.type == "int":
            return "0"
        if self.type == "float":
            return "#,##0.00"
        return "@" if self.type in ("str", "list") else "General"


_ROLES = ("key", "input", "calc", "note")


def column_table(table: str, choices: Mapping[str, Sequence[str]] | None = None
            ) -> tuple[Column, ...]:
    """The columns a text table declares, one column a record: ``key | header | spec | help``.

    ``spec`` is the column's type, then any of: its width (a number), ``required``, its role
    (``key``, ``calc`` or ``note``; default ``input``) and ``source=NAME``. A line with no
    ``|`` goes on with the help of the record before it; blank lines are passed over. The
    drop-down choices are given by column key (they come from the case's own lists).

    Examples
    --------
    >>> cols = column_table('''
    ...     impact     | Impact     | str required key 34 | what the impact is
    ...     confidence | Confidence | str 12              | how sure
    ...         the scores are
    ... ''', choices={"confidence": ("low", "high")})
    >>> cols[0] == Column("impact", "Impact", "str", True, "what the impact is", role="key",
    ...                   width=34)
    True
    >>> cols[1].help, cols[1].choices, cols[1].required, cols[1].width
    ('how sure the scores are', ('low', 'high'), False, 12)
    """
    records: list[list[str]] = []
    for line in table.splitlines():
        if "|" in line:
            records.append([cell.strip() for cell in line.split("|", 3)])
        elif line.strip():
            records[-1][3] = f"{records[-1][3]} {line.strip()}".lstrip()
    out = []
    for key, header, spec, help_text in records:
        kind, *flags = spec.split()
        options: dict[str, Any] = {"choices": tuple((choices or {}).get(key, ()))}
        for flag in flags:
            if flag == "required":
                options["required"] = True
            elif flag in _ROLES:
                options["role"] = flag
            elif flag.startswith("source="):
                options["source"] = flag.removeprefix("source=")
            else:
                options["width"] = float(flag) if "." in flag else int(flag)
        out.append(Column(key, header, kind, help=help_text, **options))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TableSheet:
    """A sheet with a header row, a help row and one record per row from :data:`FIRST_ROW`."""

    title: str
    columns: tuple[Column, ...]
    description: str

    def index(self, key: str) -> int:
        """1-based column number of ``key``."""
        for i, column in enumerate(self.columns, start=1):
            if column.key == key:
                return i
        msg = f"sheet {self.title!r} has no column {key!r}"
        raise KeyError(msg)

    @property
    def headers(self) -> dict[str, Column]:
        """Columns by header text (earlier headers of a column included)."""
        out = {alias: c for c in self.columns for alias in c.aliases}
        out.update({c.header: c for c in self.columns})
        return out


#: What the ``Field`` column of the ``Case`` sheet says for each row, in words (the dotted
#: field path, e.g. ``horizon_years``, is still read there, for workbooks written before).
_CASE_WORDS = {
    "title": "Title", "organisation": "Organisation", "description": "Description",
    "base_year": "Base year (year 0)", "horizon_years": "Years appraised",
    "price_year": "Price year of the results", "vintage": "Parameter vintage",
    "timing": "Timing of flows in a year", "bcr_definition": "BCR definition",
    "public_budget.agencies": "Public budget: agencies",
    "prices.deflator_basis": "Deflator: calendar or financial",
    "prices.deflator_extend_growth": "Deflator: growth after the series",
    "prices.source": "Deflator: source",
    "parameters.allow_unconfirmed": "Parameters: unconfirmed tables used",
    "parameters.packs": "Parameters: your own packs",
    "distribution.grouping": "Distribution: grouping",
    "distribution.income_source": "Distribution: income source",
    "distribution.weights_source": "Distribution: weights source",
    "distribution.eta": "Distribution: eta",
    "distribution.reference_income": "Distribution: reference income",
    "distribution.weight_wellbeing": "Distribution: weight wellbeing",
    "affordability.inflation.gdp_deflator": "Affordability: use the GDP deflator",
    "affordability.inflation.rate": "Affordability: inflation rate",
    "affordability.inflation.source": "Affordability: inflation source",
    "affordability.contingency.rate": "Affordability: contingency rate",
    "affordability.contingency.source": "Affordability: contingency source",
    "affordability.vat.rate": "Affordability: VAT rate",
    "affordability.vat.source": "Affordability: VAT source",
    "cost_effectiveness.effect.unit": "Cost-effectiveness: effect unit",
    "cost_effectiveness.threshold_source": "Cost-effectiveness: threshold source",
    "mca.description": "MCA: description", "mca.template": "MCA: value tree template",
    "mca.combine.method": "MCA: how the weight sets combine",
    "mca.topsis.normalisation": "MCA: TOPSIS normalisation",
    "uncertainty.draws": "Uncertainty: Monte Carlo draws",
    "uncertainty.seed": "Uncertainty: seed",
    "uncertainty.correlation.method": "Uncertainty: correlation method",
    "uncertainty.two_way": "Uncertainty: two-way inputs",
    "uncertainty.sobol.base_samples": "Uncertainty: Sobol base samples",
}


@dataclass(frozen=True, slots=True)
class CaseRow(FieldSpec):
    """One row of the ``Case`` sheet: a scalar case field or a key of an expanded map at
    ``path``; its ``name`` is the dotted path (as messages in YAML name fields), its
    :attr:`label` what the ``Field`` column shows."""

    path: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The row's name in words, as the ``Field`` column shows it.

        Examples
        --------
        >>> [row.label for row in CASE_ROWS[:5]]
        ['Title', 'Organisation', 'Description', 'Base year (year 0)', 'Years appraised']
        """
        return _CASE_WORDS.get(self.name) or ": ".join(label(p, "") for p in self.path)

    @property
    def unit(self) -> str:
        """The unit shown in the ``Unit`` column."""
        if self.type == "fraction":
            return "%"
        return UNITS.get(self.path[-1], "text" if self.type in ("str", "list") else "")


_SCALARS = ("str", "int", "float", "bool")
_HANDLED_CASE = {"schema_version", "options", "lines"}


def _case_rows() -> tuple[CaseRow, ...]:
    rows: list[CaseRow] = []
    for spec in CASE_FIELDS:
        if spec.name in _HANDLED_CASE:
            continue
        if spec.name in MAP_EXPANSIONS:
            rows += _expanded(spec.name)
        elif spec.type in _SCALARS:
            rows.append(_case_row((spec.name,), spec.type, spec.required, spec.help,
                                  spec.choices))
    for name in LENS_SECTIONS:  # the scalar settings of a lens section (mca.template ...)
        if name in MAP_EXPANSIONS:
            rows += _expanded(name)
    return tuple(rows)


def _expanded(name: str) -> list[CaseRow]:
    """The Case rows of a map's keys; a dotted key (``combine.method``) is a key inside."""
    return [_case_row((name, *key.split(".")), kind, False, text, choices)
            for key, kind, text, choices in MAP_EXPANSIONS[name]]


def _case_row(path: tuple[str, ...], kind: str, required: bool, text: str,
              choices: tuple[str, ...]) -> CaseRow:
    return CaseRow(field_path(path), kind, required, text, choices, path)


def _column(spec: FieldSpec, *, key: str | None = None, header: str | None = None,
            role: str = "input", source: str = "", width: float = 14.0) -> Column:
    kind = "fraction" if is_fraction(key or spec.name) else spec.type
    return Column(key or spec.name, header or label(spec.name), kind, spec.required,
                  _workbook_help(spec), spec.choices, source, role, width)


def _workbook_help(spec: FieldSpec) -> str:
    """A field's help as the workbook says it: a yes/no cell is yes or no, not true or false.

    Examples
    --------
    >>> _workbook_help(FieldSpec("counterfactual", "bool", False, "true for business as usual"))
    'yes for business as usual'
    """
    if spec.type == "bool" and spec.help.startswith("true "):
        return "yes " + spec.help.removeprefix("true ")
    return spec.help


_NOTES = Column("notes", "Notes", "str", help="your notes (not read)", role="note", width=30)
#: The columns that say which line a row of Profiles or Line details is about.
_LINE_KEYS = column_table("""
    option | Option | str required key source=option_names 24 | option of the line
    name   | Line   | str required key 34                     | line name, as on Lines
""")
_WIDTHS = {"name": 34, "description": 44, "source": 44, "option": 24, "category": 16,
           "agency": 16}
_SOURCES = {"option": "option_names", "category": "categories", "agency": "agencies"}


def line_map_fields() -> tuple[FieldSpec, ...]:
    """Map-valued line fields shown on ``Line details`` (all but ``values``/``profile``)."""
    return tuple(f for f in LINE_FIELDS if f.type not in _SCALARS
                 and f.name not in ("values", "profile"))


def _options_sheet() -> TableSheet:
    cols = [_column(f, role="key" if f.name == "name" else "input",
                    width=_WIDTHS.get(f.name, 14)) for f in OPTION_FIELDS if f.type in _SCALARS]
    return TableSheet("Options", (*cols, _NOTES), "the short list; mark exactly one option "
                      "'yes' as the counterfactual (business as usual)")


def _lines_sheet() -> TableSheet:
    cols = [_column(f, role="key" if f.name in ("option", "name") else "input",
                    source=_SOURCES.get(f.name, ""), width=_WIDTHS.get(f.name, 14))
            for f in LINE_FIELDS if f.type in _SCALARS]
    return TableSheet("Lines", (*cols, _NOTES), "one row per cost or benefit line; amounts "
                      "by year go on Profiles, optimism bias on Optimism bias, other "
                      "details on Line details")


#: Profile generator parameters, from :class:`~appraisal.case.model.Profile` (all but the type
#: and the explicit values).
PROFILE_PARAMS = tuple(f.name for f in dataclasses.fields(Profile)
                       if f.name not in ("type", "values"))
_PARAM_TYPES = {"year": "int", "start": "int", "end": "int", "amount": "float",
                "rate": "fraction", "ramp_years": "int"}


def _profiles_sheet() -> TableSheet:
    cols = [
        *_LINE_KEYS,
        Column("profile.type", "Profile type", "str", False, "explicit (type the years) or a "
               "generator", PROFILE_TYPES, width=13),
    ]
    for name in PROFILE_PARAMS:
        kind = _PARAM_TYPES.get(name, "float")
        if name == "amount":  # money, or a quantity for a line valued on the Valuation sheet
            cols.append(Column("profile.amount", "Amount a year", kind, False, "amount of "
                               "the generator a year, in the row's Unit: £, or a quantity "
                               "(a cohort ...) for a line on the Valuation sheet", width=11,
                               aliases=("Amount (£ a year)",)))
            continue
        cols.append(Column(f"profile.{name}", label(name), kind, False,
                           f"{name} of the generator", width=11))
    cols += [Column("unit", "Unit", "str", help="of the amounts: £ real or cash, or the "
                    "quantity a line on the Valuation sheet values", role="calc", width=22),
             Column("total", "Total", "float", help="sum of the years, in the Unit",
                    role="calc", width=14, aliases=("Total (£)",))]
    return TableSheet("Profiles", tuple(cols), "amounts by year (years across the columns): "
                      "type them for 'explicit' lines; generated lines are calculated")


#: Help of the Valuation sheet's columns, by key inside ``unit_value`` / ``outcome``.
_VALUATION_HELP = {
    "unit_value": {
        "measure": "wellby, qaly, vpf or carbon (or Code, or Value)",
        "variant": "low, central or high (blank: central)",
        "pack": "pack of the Code (blank: the one that has it)",
        "code": "a unit value's code in a pack (or Measure, or Value)",
        "value": "your own £ value of one unit",
        "unit": "what one unit is, e.g. call-out",
        "price_year": "the prices of Value (it is rebased)",
        "source": "where the value comes from",
        "rebase": "rebase to the case's prices (blank: yes)",
        "real_growth.rate": "real growth of the value a year",
        "real_growth.from_year": "the year the growth starts from",
        "real_growth.source": "where the real growth comes from",
    },
    "outcome": {
        "engagement": "share of the cohort taking part (blank: 100%)",
        "success": "share of those who achieve the outcome (blank: 100%)",
        "quantity_per_outcome": "units valued per outcome (blank: 1)",
        "deadweight": "share that would happen anyway (blank: 0%)",
        "displacement": "share displaced from elsewhere (blank: 0%)",
        "leakage": "share going outside the target (blank: 0%)",
        "attribution_to_others": "share of the outcome due to others (blank: 0%)",
        "lag": "years from cohort to outcome (blank: 0)",
        "persistence": "years an outcome lasts (blank: 1)",
        "drop_off": "share lost each later year (blank: 0%)",
        "source": "where the outcome chain's figures come from",
    },
}
_VALUATION_TYPES = {"value": "float", "price_year": "int", "rebase": "bool",
                    "real_growth.from_year": "int", "quantity_per_outcome": "float",
                    "lag": "int", "persistence": "int"}
_VALUATION_WORDS = {"unit_value": {"measure": "Measure", "variant": "Variant", "pack": "Pack",
                                   "code": "Code", "value": "Value (£ a unit)",
                                   "unit": "Unit valued", "price_year": "Price year",
                                   "source": "Value source", "rebase": "Rebase",
                                   "real_growth.rate": "Real growth (% a year)",
                                   "real_growth.from_year": "Real growth from year",
                                   "real_growth.source": "Real growth source"},
                    "outcome": {"quantity_per_outcome": "Quantity per outcome",
                                "lag": "Lag (years)", "persistence": "Persistence (years)",
                                "drop_off": "Drop-off (%)",
                                "source": "Outcome source"}}


def _valuation_keys() -> tuple[tuple[str, tuple[str, ...]], ...]:
    keys: list[tuple[str, tuple[str, ...]]] = []
    for field_name, names in (("unit_value", UNIT_VALUE_KEYS), ("outcome", OUTCOME_KEYS)):
        for name in names:
            if name == "real_growth":
                keys += [(field_name, ("real_growth", sub))
                         for sub in ("rate", "from_year", "source")]
            else:
                keys.append((field_name, (name,)))
    return tuple(keys)


#: The line keys the Valuation sheet has a column for: (line field, path inside it), in
#: column order. The column's key is the dotted path (``outcome.engagement``).
VALUATION_KEYS = _valuation_keys()


def _valuation_sheet() -> TableSheet:
    cols = [
        Column("option", "Option", "str", True, "option of the line", source="option_names",
               role="key", width=30),
        Column("name", "Line", "str", True, "line name, as on Lines (its amounts on Profiles "
               "are the quantities valued)", role="key", width=42),
    ]
    choices = {"measure": tuple(MEASURES), "variant": MEASURE_VARIANTS}
    for field_name, path in VALUATION_KEYS:
        sub = ".".join(path)
        key = f"{field_name}.{sub}"
        kind = "fraction" if is_fraction(key) else _VALUATION_TYPES.get(sub, "str")
        header = _VALUATION_WORDS.get(field_name, {}).get(sub) or label(sub, "")
        if kind == "fraction" and "(" not in header:
            header = f"{header} (%)"
        wide = 40 if sub.endswith("source") else max(14, len(header) * 0.9 + 2)
        cols.append(Column(key, header, kind, False, _VALUATION_HELP[field_name][sub],
                           choices.get(sub, ()) if field_name == "unit_value" else (),
                           width=wide))
    return TableSheet("Valuation", (*cols, _NOTES), "lines valued as quantity × unit value: "
                      "the unit value (a measure, a pack's code or your own value) and the "
                      "outcome chain that turns a cohort into outcomes")


_FITS = {"str": (str,), "float": (int, float), "fraction": (int, float), "int": (int,),
         "bool": (bool,)}


def valuation_row(line: Any) -> dict[str, Any]:
    """The Valuation sheet's cells of one line (plain data): value by column key.

    A value goes to the sheet only when its column can hold it (a key the sheet has, a value
    of the column's type); the rest of ``unit_value`` and ``outcome`` (an unknown key, a
    map where a number belongs) stays on ``Line details``, so nothing is lost.

    Examples
    --------
    >>> valuation_row({"unit_value": {"measure": "wellby"},
    ...                "outcome": {"deadweight": 0.3, "lag": "two", "x": 1}})
    {'unit_value.measure': 'wellby', 'outcome.deadweight': 0.3}
    """
    return columns_row(VALUATION, VALUATION_KEYS, line)


def columns_row(spec: TableSheet, keys: Sequence[tuple[str, tuple[str, ...]]],
                line: Any) -> dict[str, Any]:
    """The cells of one line on a sheet of line fields as columns (``Valuation``, ``Optimism
    bias``): value by column key, for the *keys* whose column can hold the line's value.

    Examples
    --------
    >>> columns_row(OPTIMISM_BIAS, OPTIMISM_BIAS_KEYS, {"optimism_bias": {
    ...     "project_type": "outsourcing", "duration": {"uplift": 0.3}}})
    {'optimism_bias.project_type': 'outsourcing'}
    """
    out: dict[str, Any] = {}
    if not isinstance(line, dict):
        return out
    for field_name, path in keys:
        node: Any = line.get(field_name)
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        key = f"{field_name}.{'.'.join(path)}"
        kind = spec.columns[spec.index(key) - 1].type
        fits = isinstance(node, _FITS[kind]) and (kind == "bool" or not isinstance(node, bool))
        if fits and node != "" and not (isinstance(node, float) and node != node):
            out[key] = node
    return out


#: The line keys the ``Optimism bias`` sheet has a column for, in column order (the rest of
#: a line's ``optimism_bias``, such as risk areas, stays on ``Line details``).
OPTIMISM_BIAS_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    ("optimism_bias", (name,)) for name in ("project_type", "bound", "measure", "duration",
                                            "uplift", "source"))


@functools.cache
def project_types() -> dict[str, str]:
    """The shipped optimism-bias project types, in words, by key (the pack's labels).

    Examples
    --------
    >>> project_types()["standard_buildings"]
    'Standard buildings'
    """
    from appraisal.params.packs import ParameterPack

    return {str(r.get("project_type")): str(r.get("label") or r.get("project_type"))
            for r in ParameterPack.green_book().rows("optimism_bias")}


def project_type_key(text: Any) -> Any:
    """A project type as the case names it: the key of a shipped type typed in words or as
    its key (in any case), anything else unchanged (a pack of the case's own may have it).

    Examples
    --------
    >>> project_type_key("Standard Buildings"), project_type_key("outsourcing")
    ('standard_buildings', 'outsourcing')
    >>> project_type_key("my own type")
    'my own type'
    """
    if not isinstance(text, str):
        return text
    wanted = text.strip().casefold()
    for key, words in project_types().items():
        if wanted in (key.casefold(), words.casefold()):
            return key
    return text


def optimism_bias_rows(line: Any) -> list[dict[str, Any]]:
    """The ``Optimism bias`` rows of one line (plain data), each its cells by column key: one
    row, or one per project type of its ``shares`` (type in the pack's words, share), the
    other columns on the first. Shares stay on Line details when the line also names one
    project type (the case reader refuses that) or a share is not a number.

    Examples
    --------
    >>> for row in optimism_bias_rows({"optimism_bias": {"bound": "upper", "shares": {
    ...         "standard_buildings": 0.7, "outsourcing": 0.3}}}):
    ...     print(row)
    {'optimism_bias.bound': 'upper', 'optimism_bias.project_type': 'Standard buildings', \
'optimism_bias.shares': 0.7}
    {'optimism_bias.project_type': 'Outsourcing', 'optimism_bias.shares': 0.3}
    >>> optimism_bias_rows({"optimism_bias": {"project_type": "outsourcing", "duration": {}}})
    [{'optimism_bias.project_type': 'Outsourcing', 'optimism_bias.duration': True}]
    >>> optimism_bias_rows({"name": "no bias"})
    []
    """
    ob = line.get("optimism_bias") if isinstance(line, dict) else None
    if not isinstance(ob, dict):
        return []
    first = columns_row(OPTIMISM_BIAS, OPTIMISM_BIAS_KEYS, line)
    key = "optimism_bias.project_type"
    if key in first:
        first[key] = project_types().get(first[key], first[key])
    if isinstance(ob.get("duration"), dict):  # a map means on: its areas on Risk areas
        first["optimism_bias.duration"] = True
    shares = ob.get("shares")
    if key in first or not is_number_map(shares):
        return [first] if first else []
    return [{**(first if k == 0 else {}), key: project_types().get(kind, kind),
             "optimism_bias.shares": share} for k, (kind, share) in enumerate(shares.items())]


def is_number_map(value: Any) -> bool:
    """Whether a line's map (project-type ``shares``, ``incidence``) can be rows or columns
    of a sheet: a non-empty map of names (text) to numbers.

    Examples
    --------
    >>> is_number_map({"outsourcing": 1.0}), is_number_map({"outsourcing": "all"})
    (True, False)
    """
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and k.strip() and isinstance(v, int | float)
        and not isinstance(v, bool) and v == v for k, v in value.items())


def _optimism_bias_sheet() -> TableSheet:
    return TableSheet("Optimism bias", (
        *_LINE_KEYS,
        *column_table("""
            optimism_bias.project_type | Project type | str 28 | a project type of the
                guidance; or blank, with Own uplift
            optimism_bias.shares | Share (%) | fraction 16 | a mix of types: one row per
                type, with its share of the cost
            optimism_bias.bound | Bound | str 14 | upper (blank) or lower end of its range
            optimism_bias.measure | Measure | str 14 | capex or opex (blank: by project
                type)
            optimism_bias.duration | Works duration too | bool 16 | yes: add the
                works-duration uplift
            optimism_bias.uplift | Own uplift (%) | fraction 14 | instead of a project type,
                e.g. 24%
            optimism_bias.source | Uplift source | str 30 | where Own uplift comes from
        """, choices={"optimism_bias.project_type": tuple(project_types().values()),
                      "optimism_bias.bound": ("upper", "lower"),
                      "optimism_bias.measure": ("capex", "opex")}),
        _NOTES,
    ), "optimism bias of cost lines: a project type of the guidance and its bound, or your "
       "own uplift; a line of several project types has a row per type with its Share (%), "
       "the other columns on one of them; risk areas go on the Risk areas sheet")


#: What each Field of ``Line details`` takes, in the workbook's words (the YAML field help
#: of :data:`LINE_FIELDS` speaks of maps and braces).
_DETAILS_HELP = {
    "optimism_bias": "what the Optimism bias and Risk areas sheets have no column for: "
                     "Key duration.uplift (your own works-duration uplift)",
    "unit_value": "what the Valuation sheet has no column for",
    "outcome": "what the Valuation sheet has no column for",
    "incidence": "what the Incidence sheet has no column for",
}


#: The maps of a line's ``optimism_bias`` keyed by risk area, each a column of the ``Risk
#: areas`` sheet (its key the path of the map).
RISK_AREA_KEYS: tuple[tuple[str, ...], ...] = (
    ("contributions",), ("mitigation",), ("duration", "contributions"),
    ("duration", "mitigation"))


def _risk_areas_sheet() -> TableSheet:
    return TableSheet("Risk areas", (
        *_LINE_KEYS,
        *column_table("""
            area | Risk area | str key 34 | e.g. design complexity (the guidance's Tables 15
                and 16 list them)
            optimism_bias.contributions | Contribution (%) | fraction 16 | share of the cost's
                bias (a line's add up to 100% at most)
            optimism_bias.mitigation | Mitigation (%) | fraction 16 | share of it mitigated
                (needs a Contribution)
            optimism_bias.duration.contributions | Duration contribution (%) | fraction 16 |
                share of the works-duration bias
            optimism_bias.duration.mitigation | Duration mitigation (%) | fraction 16 | share
                of it mitigated
        """),
        _NOTES,
    ), "optimism-bias risk areas of cost lines: each area's contribution to the recorded bias "
       "and how much of it is mitigated, for the cost and the works duration")


def risk_area_rows(line: Any) -> list[tuple[str, dict[str, float]]]:
    """The ``Risk areas`` rows of one line (plain data): ``(area, {column key: value})`` in
    the order the areas first appear; only numbers (anything else stays on Line details).

    Examples
    --------
    >>> for row in risk_area_rows({"optimism_bias": {
    ...         "contributions": {"design": 0.2}, "mitigation": {"design": 0.5},
    ...         "duration": {"mitigation": {"x": 1}}}}):
    ...     print(row)
    ('design', {'optimism_bias.contributions': 0.2, 'optimism_bias.mitigation': 0.5})
    ('x', {'optimism_bias.duration.mitigation': 1})
    """
    ob = line.get("optimism_bias") if isinstance(line, dict) else None
    rows: dict[str, dict[str, float]] = {}
    for path in RISK_AREA_KEYS:
        node: Any = ob
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        for area, value in node.items():
            if isinstance(area, str) and area.strip() and isinstance(
                    value, int | float) and not isinstance(value, bool) and value == value:
                rows.setdefault(area, {})[".".join(("optimism_bias", *path))] = value
    return list(rows.items())


#: The title of the ``Incidence`` sheet, and the column key of a group on it: this prefix and
#: the group's name.
INCIDENCE_TITLE, INCIDENCE_KEY = "Incidence", "incidence."


def incidence_sheet(groups: Sequence[str], headers: Sequence[str] = ()) -> TableSheet:
    """The ``Incidence`` sheet of a case whose distributional groups are *groups*: one row
    per line, the line's share in each group a column headed by the group's name and
    "(%)" (or by *headers*, as a workbook's header row has them).

    Examples
    --------
    >>> [(c.key, c.header, c.type) for c in incidence_sheet(["Q1", "Q2"]).columns][2:]
    [('incidence.Q1', 'Q1 (%)', 'fraction'), ('incidence.Q2', 'Q2 (%)', 'fraction'), \
('notes', 'Notes', 'str')]
    """
    shares = tuple(Column(INCIDENCE_KEY + group, headers[k] if headers else f"{group} (%)",
                          "fraction", help=f"share of the line's value going to {group}",
                          width=max(12, len(group) + 8))
                   for k, group in enumerate(groups))
    notes = dataclasses.replace(_NOTES, help="your notes (not read); a group with no column: "
                                "add one before this, headed by its name, e.g. Q1 (%)")
    return TableSheet(INCIDENCE_TITLE, (*_LINE_KEYS, *shares, notes), "who the value of each "
                      "line falls on: its share in each distributional group, one column per "
                      "group of the Distribution sheet headed by the group's name (a line's "
                      "shares add up to 100%)")


def incidence_group(header: str) -> str:
    """The group a header of the ``Incidence`` sheet names (with or without "(%)").

    Examples
    --------
    >>> incidence_group("Q1 (%)"), incidence_group(" Q1 ")
    ('Q1', 'Q1')
    """
    return header.strip().removesuffix("(%)").strip()


def incidence_groups(data: Any) -> list[str]:
    """The groups of the ``Incidence`` sheet of a case (plain data): those of its
    ``distribution`` section, then any other group a line's incidence names, in order.

    Examples
    --------
    >>> incidence_groups({"distribution": {"groups": ["Q1", "Q2"]},
    ...                   "lines": [{"incidence": {"Q2": 0.5, "Q9": 0.5}}]})
    ['Q1', 'Q2', 'Q9']
    """
    dist = data.get("distribution") if isinstance(data, dict) else None
    named = dist.get("groups") if isinstance(dist, dict) else None
    groups = [g for g in named if isinstance(g, str)] if isinstance(named, list) else []
    for line in (data.get("lines") or []) if isinstance(data, dict) else []:
        shares = line.get("incidence") if isinstance(line, dict) else None
        for group in shares if is_number_map(shares) else ():
            if group not in groups:
                groups.append(group)
    return groups


def _details_sheet() -> TableSheet:
    fields = tuple(label(f.name, "") for f in line_map_fields())  # in words: Optimism bias
    help_text = "; ".join(f"{label(f.name, '')}: {_DETAILS_HELP.get(f.name, f.help)}"
                          for f in line_map_fields())
    return TableSheet("Line details", (
        *_LINE_KEYS,
        Column("field", "Field", "str", True, help_text, fields, width=16),
        Column("key", "Key", "str", True, "key inside the field, e.g. "
               "duration.uplift", width=34),
        Column("value", "Value", "any", False, "text, number, percentage or TRUE/FALSE",
               width=24),
        _NOTES,
    ), "further details of lines (a works-duration uplift of your own ...), one key per "
       "row")


DEFLATOR = TableSheet("Deflator", (
    *column_table("""
        year  | Year  | int required 10   | calendar (or financial) year
        index | Index | float required 12 | GDP deflator index value
    """),
    _NOTES,
), "your own GDP deflator index values by year (override the shipped series)")

DISCOUNT_SCHEDULES = TableSheet("Discount schedules", (
    *column_table("""
        schedule | Schedule | str required key 20  | name of your schedule; lines name it in Lines'
            Schedule column
        t        | Year (t) | int required 10      | year counted from year 0: 1, 2, ... (one row
            per year, up to the last year appraised)
        rate     | Rate     | fraction required 10 | one-year discount rate of that year, e.g. 3.5%
    """),
    _NOTES,
), "your own discount schedules (the shipped standard, health and reduced schedules need no "
   "rows): the rate of each year t = 1, 2, ...")

SECTIONS = TableSheet("Sections", (
    *column_table("""
        section | Section | str required 16 | name of the case section
        path    | Path    | str required 44 | where the value goes inside the section, e.g.
            criteria[0].weight
        value   | Value   | any 30          | text, number or TRUE/FALSE
    """, choices={"section": LENS_SECTIONS}),
    _NOTES,
), "further case sections (MCA, uncertainty ...), one value per row")

CASE_ROWS = _case_rows()
OPTIONS = _options_sheet()
LINES = _lines_sheet()
PROFILES = _profiles_sheet()
VALUATION = _valuation_sheet()
OPTIMISM_BIAS = _optimism_bias_sheet()
RISK_AREAS = _risk_areas_sheet()
LINE_DETAILS = _details_sheet()
#: The sheets the reader reads, in workbook order (``Case`` first).
INPUT_SHEETS = ("Case", OPTIONS.title, LINES.title, PROFILES.title, VALUATION.title,
                OPTIMISM_BIAS.title, RISK_AREAS.title, INCIDENCE_TITLE, LINE_DETAILS.title,
                DEFLATOR.title, DISCOUNT_SCHEDULES.title, SECTIONS.title)

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_ \-/&'()%]*")
_TOKEN = re.compile(r'\.([^.\[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\{(-?\d+)\}')


def path_text(path: tuple[Any, ...]) -> str:
    """Dotted text of a path inside a map: ``shares.standard_buildings``, ``points[0][1]``.

    Keys that are not simple names are quoted (``["a.b"]``), integer keys of maps are
    braced (``{2025}``), list indices are bracketed.

    Examples
    --------
    >>> path_text(("criteria", 0, "weight")), path_text(("x", "a.b", ("int", 2025)))
    ('criteria[0].weight', 'x["a.b"]{2025}')
    """
    import json

    out = ""
    for part in path:
        if isinstance(part, tuple):  # ("int", key): an integer key of a map
            out += "{" + str(part[1]) + "}"
        elif isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part) and part == part.strip():
            out += f".{part}" if out else part
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def parse_path(text: str) -> tuple[Any, ...] | None:
    """Inverse of :func:`path_text`; None when the text is not a valid path.

    Examples
    --------
    >>> parse_path('criteria[0].weight'), parse_path('x["a.b"]{2025}'), parse_path("a..b")
    (('criteria', 0, 'weight'), ('x', 'a.b', ('int', 2025)), None)
    """
    import json

    if not isinstance(text, str) or not text.strip():
        return None
    source = text if text.startswith(("[", "{")) else "." + text
    parts: list[Any] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            return None
        name, index, quoted, int_key = match.groups()
        if name is not None:
            if name != name.strip() or not name:
                return None
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(f'"{quoted}"'))
        else:
            parts.append(("int", int(int_key)))
        pos = match.end()
    return tuple(parts)


# ------------------------------------------------------------ live profile formulas
@functools.cache
def _param_letters() -> dict[str, str]:
    return {name: column_letter(PROFILES.index(f"profile.{name}")) for name in PROFILE_PARAMS}


def generator_formula(kind: str, letter: str, row: int) -> str:
    """The live formula of one year cell of a generated profile (see ``Profile.resolve``).

    Examples
    --------
    >>> generator_formula("constant", "M", 3)
    'IF(AND(M$1>=$E3,M$1<=$F3),$G3,0)'
    """
    c = _param_letters()
    year, within = f"{letter}$1", (f"AND({letter}$1>=${c['start']}{row},"
                                   f"{letter}$1<=${c['end']}{row})")
    amount = f"${c['amount']}{row}"
    if kind == "one_off":
        return f"IF({year}=${c['year']}{row},{amount},0)"
    if kind == "constant":
        return f"IF({within},{amount},0)"
    if kind == "growth":
        return f"IF({within},{amount}*(1+${c['rate']}{row})^({year}-${c['start']}{row}),0)"
    if kind == "ramp_up":
        return (f"IF({within},{amount}*MIN(1,({year}-${c['start']}{row}+1)/"
                f"MAX(1,${c['ramp_years']}{row})),0)")
    msg = f"unknown profile type {kind!r}"
    raise ValueError(msg)


def generator_formulas(kind: str, letters: Sequence[str], row: int) -> list[str]:
    """:func:`generator_formula` for several year columns of one row (built once, then joined).

    Examples
    --------
    >>> generator_formulas("constant", ["M", "N"], 3) == [generator_formula("constant", x, 3)
    ...                                                   for x in ("M", "N")]
    True
    """
    parts = generator_formula(kind, "\x00", row).split("\x00")
    return [letter.join(parts) for letter in letters]
