"""The case schema, in one place, for every front end (YAML, workbook, Python).

Front ends turn their input into plain data (dicts, lists, str, int, float, bool) plus a
*locator* that says where each field came from (``file:line:column`` or
``Sheet!Cell``). :func:`build_case` checks everything, collects **every** problem with
its location, field path and fix, and either returns a frozen
:class:`~appraisal.case.model.Case` or raises one
:class:`~appraisal.errors.AppraisalValidationError`.

The field tables (:data:`CASE_FIELDS`, :data:`OPTION_FIELDS`, :data:`LINE_FIELDS`) are
also what the workbook template and the documentation are generated from.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path as FilePath
from typing import Any

from appraisal.case.model import (
    KINDS,
    PROFILE_TYPES,
    VALUE_TYPES,
    Case,
    LazyLocations,
    Line,
    LineOptimismBias,
    Option,
    PriceAssumptions,
    Profile,
)
from appraisal.case.public_value import parse_line_public_value, parse_public_value_sections
from appraisal.errors import Expected, Issues
from appraisal.fields import FieldReader, did_you_mean, field_path
from appraisal.greenbook.cba import BCR_DEFINITIONS, BcrDefinition
from appraisal.greenbook.discounting import SCHEDULES, TIMINGS, Schedule, Timing
from appraisal.greenbook.prices import PRICE_BASES, PriceBasis
from appraisal.limits import MAX_YEAR, MIN_YEAR, count_issues, name_key, value_issues
from appraisal.params.packs import VINTAGES, ParameterPack

__all__ = [
    "CASE_FIELDS",
    "LENS_SECTIONS",
    "LINE_FIELDS",
    "OPTION_FIELDS",
    "SCHEMA_VERSION",
    "FieldSpec",
    "build_case",
]

SCHEMA_VERSION = 1
Path = tuple[str | int, ...]
Locate = Callable[[Path], str]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the case schema: name, type, whether required, and help text."""

    name: str
    type: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()


CASE_FIELDS = (
    FieldSpec("schema_version", "int", True, f"case format version (currently {SCHEMA_VERSION})"),
    FieldSpec("title", "str", True, "title of the appraisal"),
    FieldSpec("organisation", "str", False, "body making the appraisal"),
    FieldSpec("description", "str", False, "what the proposal is"),
    FieldSpec("base_year", "int", True, "year 0: first year of the proposal; discounting origin"),
    FieldSpec("horizon_years", "int", True, "number of years appraised, including year 0"),
    FieldSpec("price_year", "int", False, "price base of results (default: base_year)"),
    FieldSpec("vintage", "str", False, "parameter vintage (Green Book edition)", VINTAGES),
    FieldSpec("timing", "str", False, "when flows arise within a year", TIMINGS),
    FieldSpec("bcr_definition", "str", False, "how the BCR is built: benefit_cost (PV "
              "benefits / PV costs) or public_sector_cost (DfT: PVB / PV net cost to the public "
              "budget)", BCR_DEFINITIONS),
    FieldSpec("public_budget", "map", False, "public_sector_cost only: agencies [name, ...] "
              "whose fiscal lines form the public budget (default: every fiscal line)"),
    FieldSpec("prices", "map", False, "deflator assumptions: deflator_basis, "
              "deflator_extend_growth, deflator {year: index}, source"),
    FieldSpec("parameters", "map", False, "allow_unconfirmed: [table, ...]; packs: [folder, ...]"),
    FieldSpec("discount_schedules", "map", False, "your own discount schedules {name: [r(1), "
              "r(2), ...]}: the one-year rate of each year t = 1, 2, ... as a fraction (at "
              "least horizon_years - 1 of them), for lines to name in 'schedule'"),
    FieldSpec("options", "list", True, "the short list; exactly one counterfactual"),
    FieldSpec("lines", "list", True, "impact lines (costs and benefits by year)"),
    FieldSpec("unit_value_packs", "list", False, "unit-value packs: [{path | shipped, name, "
              "sheet, header_row, columns}]"),
    FieldSpec("distribution", "map", False, "distributional analysis: groups, incomes, "
              "income_source, households, reference_income, eta; or weights and weights_source "
              "instead of incomes and income_source"),
    FieldSpec("public_value", "map", False, "public-value ledger options: pooled_budget "
              "{basis: cashable (default) | all_fiscal}"),
    FieldSpec("non_monetised", "list", False, "register of non-monetised impacts: [{impact, "
              "scores {option: seven-point label}, evidence, description, confidence}]"),
)
OPTION_FIELDS = (
    FieldSpec("name", "str", True, "option name (unique)"),
    FieldSpec("counterfactual", "bool", False, "true for business as usual (exactly one)"),
    FieldSpec("description", "str", False, "what the option is"),
)
LINE_FIELDS = (
    FieldSpec("option", "str", True, "name of the option the line belongs to"),
    FieldSpec("name", "str", True, "line name (unique within its option)"),
    FieldSpec("kind", "str", True, "cost or benefit", KINDS),
    FieldSpec("category", "str", False, "e.g. capital, operating, fiscal saving, economic, social"),
    FieldSpec("agency", "str", False, "who pays or receives it"),
    FieldSpec("value_type", "str", False, "fiscal, economic or social", VALUE_TYPES),
    FieldSpec("cashable", "bool", False, "fiscal savings only: can the budget be released?"),
    FieldSpec("price_basis", "str", False, "real (price_year prices) or nominal (cash)",
              PRICE_BASES),
    FieldSpec("price_year", "int", False, "price year of real amounts (default: case price year)"),
    FieldSpec("values", "map", False, "explicit amounts {year: amount}"),
    FieldSpec("profile", "map", False, "generated amounts: type one_off | constant | growth | "
              "ramp_up, with year or start/end, amount, rate, ramp_years"),
    FieldSpec("schedule", "str", False, "discount schedule: standard, health, reduced, or "
              "one of the case's discount_schedules", SCHEDULES),
    FieldSpec("optimism_bias", "map", False, "project_type (or shares), bound, measure, "
              "contributions, mitigation, duration (true, or {contributions, mitigation, "
              "uplift}), or an explicit uplift"),
    FieldSpec("depends_on_completion", "bool", False, "true if the line waits for its "
              "option's works (a works-duration overrun delays it); default: benefits and "
              "costs starting in or after the last works year"),
    FieldSpec("delay", "int", False, "whole years by which the profile is shifted later"),
    FieldSpec("scale", "float", False, "multiplier on the amounts (default 1)"),
    FieldSpec("source", "str", False, "where the figures come from"),
    FieldSpec("unit_value", "map", False, "value the amounts as quantities: measure (wellby, "
              "qaly, vpf, carbon) and variant, or pack and code, or value, unit, price_year and "
              "source; rebase, real_growth {rate, from_year, source}"),
    FieldSpec("outcome", "map", False, "outcome chain: engagement, success, "
              "quantity_per_outcome, deadweight, displacement, leakage, attribution_to_others "
              "(share due to others), lag, persistence (years), drop_off (needs persistence "
              "> 1), source"),
    FieldSpec("incidence", "map", False, "shares of the line by distributional group "
              "{group: share}, summing to 1"),
    FieldSpec("effect", "str", False, "the outcome the line values (catches double counting)"),
    FieldSpec("transfer", "bool", False, "true for a transfer between groups (not a net "
              "benefit to society)"),
)
_OB_KEYS = ("project_type", "shares", "bound", "measure", "uplift", "contributions",
            "mitigation", "duration", "source")
_PROFILE_KEYS = {
    "one_off": ("year", "amount"),
    "constant": ("start", "end", "amount"),
    "growth": ("start", "end", "amount", "rate"),
    "ramp_up": ("start", "end", "amount", "ramp_years"),
}

#: The optional sections read by the lenses (:data:`appraisal.lenses.catalogue.LENSES`),
#: whose parsers the readers pass to :func:`build_case` as ``sections``.
LENS_SECTIONS: tuple[str, ...] = ("affordability", "cost_effectiveness", "long_list", "mca",
                                   "uncertainty")


#: Fix hints for issues recorded without one (e.g. by section parsers): every issue says
#: how to put it right.
_DEFAULT_FIX = {
    "wrong-type": "write the value in the form the field's help gives (see the template)",
    "missing": "add the field",
    "out-of-range": "use a value inside the range given",
    "empty": "give at least one entry",
    "duplicate-name": "give each one a unique name",
    "unknown-group": "use the group names listed in 'distribution.groups' exactly",
    "unknown-pack": "use the name of a loaded pack, or load the pack",
    "unit-value": "keep exactly one of the alternatives named in the message",
    "unit-value-pack": "keep exactly one of the alternatives named in the message",
}
_GENERIC_FIX = "correct the value as the message says"


#: Control characters (C0, DEL, C1): refused in names, which are single-line labels.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class _Checker(FieldReader):
    """Reads typed fields of the case and records located problems (a
    :class:`~appraisal.fields.FieldReader` whose problems always carry a fix)."""

    def error(self, path: Path, code: str, message: str, fix: str = "", *,
              expected: str = "") -> None:
        super().error(path, code, message, fix or _DEFAULT_FIX.get(code, _GENERIC_FIX),
                      expected=expected)

    def mapping(self, value: Any, path: Path, what: str, fix: str = "") -> Mapping | None:
        if not isinstance(value, Mapping):
            self.error(path, "wrong-type", f"{what} must be a mapping of keys to values "
                       f"(got {type(value).__name__})",
                       fix or "write it as 'key: value' pairs, one per line (or "
                       "{key: value, ...}), not a list or a single value", expected=Expected.MAP)
            return None
        return value

    def text(self, data: Mapping, key: str, path: Path, *, required: bool = False,
             choices: Sequence[str] = (), default: str = "") -> str:
        if key not in data or data[key] is None:
            if required:
                self.error((*path, key), "missing", f"'{key}' is required", f"add '{key}: ...'")
            return default
        value = data[key]
        if not isinstance(value, str):
            self.error((*path, key), "wrong-type",
                       f"'{key}' must be text (got {value!r} of type {type(value).__name__})",
                       "put the value in quotes", expected=Expected.TEXT)
            return default
        if choices and value not in choices:
            close = did_you_mean(value, list(choices))
            hint = f"{close} " if close else ""
            self.error((*path, key), "bad-choice", f"'{key}' must be one of "
                       f"{', '.join(choices)} (got {value!r})",
                       f"{hint}use one of the listed values")
            return default
        control = _CONTROL.search(value) if key == "name" else None
        if control:
            self.error((*path, key), "control-character", f"'{key}' contains the control "
                       f"character U+{ord(control.group()):04X} at position {control.start()}; "
                       "a name is one line of text (it labels tables, charts and cells)",
                       "remove it (put longer text in 'description')")
            return value  # recorded; keep the name so nothing else cascades from it
        if "\r" in value:
            self.error((*path, key), "carriage-return", f"'{key}' contains a carriage return "
                       f"(U+000D) at position {value.index(chr(13))}; a workbook would give it "
                       "back as a line feed, so the text would change on the way",
                       "remove it, or use a plain line break (\\n)")
            return value  # recorded; keep the name so nothing else cascades from it
        if not value.strip() and required:
            self.error((*path, key), "empty", f"'{key}' must not be empty",
                       f"write a value after '{key}:'")
        return value

    def integer(self, data: Mapping, key: str, path: Path, *, required: bool = False,
                default: int | None = None, minimum: int | None = None) -> int | None:
        if key not in data or data[key] is None:
            if required:
                self.error((*path, key), "missing", f"'{key}' is required", f"add '{key}: ...'")
            return default
        return self.as_int(data[key], (*path, key), key, minimum=minimum, default=default)

    def as_int(self, value: Any, path: Path, what: str, *, minimum: int | None = None,
               default: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.error(path, "wrong-type", f"'{what}' must be a whole number (got {value!r})",
                           "write digits only, e.g. 10 or 2025: no words, quotes, units or "
                           "decimals", expected=Expected.WHOLE_NUMBER)
                return default
        if minimum is not None and value < minimum:
            self.error(path, "out-of-range", f"'{what}' must be at least {minimum} (got {value})",
                       f"use a whole number of {minimum} or more")
            return default
        return value

    def number(self, data: Mapping, key: str, path: Path, *, required: bool = False,
               default: float | None = None, low: float | None = None,
               high: float | None = None, hint: str = "") -> float | None:
        if key not in data or data[key] is None:
            if required:
                self.error((*path, key), "missing", f"'{key}' is required", f"add '{key}: ...'")
            return default
        return self.as_number(data[key], (*path, key), key, low=low, high=high, hint=hint,
                              default=default)

    def as_number(self, value: Any, path: Path, what: str, *, low: float | None = None,
                  high: float | None = None, hint: str = "",
                  default: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, "wrong-type", f"'{what}' must be a number (got {value!r})",
                       "write a plain number without units or currency signs",
                       expected=Expected.NUMBER)
            return default
        value = float(value)
        if not math.isfinite(value):
            self.error(path, "not-finite", f"'{what}' must be a finite number (got {value})",
                       "write a finite number (not .nan or .inf)")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            rng = f"between {low} and {high}" if low is not None and high is not None else (
                f"at least {low}" if low is not None else f"at most {high}")
            self.error(path, "out-of-range", f"'{what}' must be {rng} (got {value})",
                       hint or f"use a number {rng}")
            return default
        return value

    def boolean(self, data: Mapping, key: str, path: Path, default: bool = False) -> bool:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if not isinstance(value, bool):
            self.error((*path, key), "wrong-type", f"'{key}' must be true or false (got {value!r})",
                       "write true or false, without quotes", expected=Expected.YES_NO)
            return default
        return value


def _build_profile(ck: _Checker, data: Mapping, path: Path, years: range) -> Profile | None:
    has_values, has_profile = "values" in data, "profile" in data
    if has_values == has_profile:
        ck.error(path, "profile", "give the amounts either as 'values: {year: amount}' or as a "
                 "'profile:' generator (exactly one of the two)",
                 "remove 'profile' to keep the explicit 'values', or remove 'values' to keep the "
                 "generator" if has_values else "add 'values: {year: amount}' (or a 'profile:')")
        return None
    if has_values:
        raw = ck.mapping(data["values"], (*path, "values"), "'values'",
                         "write the amounts by year as 'values: {year: amount}', e.g. "
                         "{2025: 100, 2026: 50}")
        if raw is None:
            return None
        if not raw:
            ck.error((*path, "values"), "empty", "'values' has no years", "add {year: amount}")
            return None
        years_in, amounts = list(raw), list(raw.values())
        if (set(map(type, years_in)) == {int} and set(map(type, amounts)) <= {int, float}
                and years.start <= min(years_in) and max(years_in) < years.stop
                and all(map(math.isfinite, amounts)) and min(amounts) >= 0):
            # the common case checked in bulk (whole-number years in the period, finite
            # amounts of at least 0): the same result as the checks below, which locate
            # every problem when there is one
            return Profile(type="explicit",
                           values=tuple(sorted(zip(years_in, map(float, amounts), strict=True))))
        pairs = []
        for year, amount in raw.items():
            ypath = (*path, "values", year)
            y = ck.as_int(year, ypath, "year")
            a = ck.as_number(amount, ypath, f"amount for {year}", low=0.0,
                             hint="enter costs and benefits as positive amounts; 'kind' gives the "
                                  "sign")
            if y is not None and y not in years:
                ck.error(ypath, "year-outside-horizon", f"year {y} is outside the appraisal "
                         f"period {years.start}..{years.stop - 1}",
                         "extend 'horizon_years' or move the amount")
            if y is not None and a is not None:
                pairs.append((y, a))
        return Profile(type="explicit", values=tuple(sorted(pairs)))
    raw = ck.mapping(data["profile"], (*path, "profile"), "'profile'",
                     "write e.g. 'profile: {type: constant, start: 2026, end: 2030, amount: 10}'")
    if raw is None:
        return None
    ppath = (*path, "profile")
    kind = ck.text(raw, "type", ppath, required=True, choices=PROFILE_TYPES[1:])
    if kind not in _PROFILE_KEYS:
        return None
    ck.unknown_keys(raw, ("type", *_PROFILE_KEYS[kind]), ppath)
    fields: dict[str, Any] = {}
    for key in _PROFILE_KEYS[kind]:
        if key in ("year", "start", "end"):
            fields[key] = ck.integer(raw, key, ppath, required=True)
            if fields[key] is not None and fields[key] not in years:
                ck.error((*ppath, key), "year-outside-horizon", f"year {fields[key]} is outside "
                         f"the appraisal period {years.start}..{years.stop - 1}",
                         "extend 'horizon_years' or change the year")
                fields[key] = None
        elif key == "amount":
            fields[key] = ck.number(raw, key, ppath, required=True, low=0.0)
        elif key == "rate":
            fields[key] = ck.number(raw, key, ppath, required=True, low=-0.99, high=10.0,
                                    hint="a growth rate is a fraction: 0.02 for 2%")
        elif key == "ramp_years":
            fields[key] = ck.integer(raw, key, ppath, required=True, minimum=1)
    if any(v is None for v in fields.values()):
        return None
    if "start" in fields and fields["end"] < fields["start"]:
        ck.error((*ppath, "end"), "bad-range", f"'end' ({fields['end']}) is before 'start' "
                 f"({fields['start']})", "swap 'start' and 'end', or correct one of them")
        return None
    return Profile(type=kind, **fields)


def _build_ob(ck: _Checker, raw: Any, path: Path) -> LineOptimismBias | None:
    data = ck.mapping(raw, path, "'optimism_bias'")
    if data is None:
        return None
    ck.unknown_keys(data, _OB_KEYS, path)
    project_type = ck.text(data, "project_type", path) or None
    shares = _number_map(ck, data.get("shares"), (*path, "shares"), low=0.0, high=1.0)
    uplift = ck.number(data, "uplift", path, low=0.0, high=10.0,
                       hint="an uplift is a fraction: 0.24 for 24%")
    given = [k for k, v in (("project_type", project_type), ("shares", shares),
                            ("uplift", uplift)) if v]
    if uplift == 0.0:
        given.append("uplift")
    if len(given) != 1:
        ck.error(path, "optimism-bias", "give exactly one of 'project_type', 'shares' or "
                 f"'uplift' (got {', '.join(given) or 'none'})",
                 "keep one: a shipped 'project_type' (e.g. standard_buildings), 'shares' of "
                 "several types, or an explicit 'uplift' with its 'source'")
    if uplift is not None and not ck.text(data, "source", path):
        ck.error((*path, "source"), "missing", "an explicit optimism-bias 'uplift' needs a "
                 "'source'", "say where the uplift comes from")
    contributions = _number_map(ck, data.get("contributions"), (*path, "contributions"),
                                low=0.0, high=1.0) or {}
    mitigation = _number_map(ck, data.get("mitigation"), (*path, "mitigation"),
                             low=0.0, high=1.0) or {}
    _check_risk_areas(ck, contributions, mitigation, path)
    if shares and abs(sum(shares.values()) - 1.0) > 1e-9:
        ck.error((*path, "shares"), "optimism-bias", f"the project-type shares sum to "
                 f"{sum(shares.values()):.4g}; they must sum to 1",
                 "give each project type its share of the capital cost, adding up to 1 "
                 "(100%)")
    duration, d_uplift, d_contrib, d_mitig = _build_ob_duration(ck, data, path)
    if d_uplift is not None and not ck.text(data, "source", path):
        ck.error((*path, "source"), "missing", "an explicit works-duration 'uplift' needs a "
                 "'source'", "say where the uplift comes from")
    if uplift is not None and duration and d_uplift is None:
        ck.error((*path, "duration"), "optimism-bias", "with an explicit cost 'uplift' the "
                 "works-duration upper bound must be given too",
                 "write 'duration: {uplift: 0.39}' (a fraction), or remove 'duration'")
    return LineOptimismBias(
        duration=duration, duration_uplift=d_uplift, duration_contributions=d_contrib,
        duration_mitigation=d_mitig,
        project_type=project_type,
        shares=shares or {},
        bound=ck.text(data, "bound", path, choices=("upper", "lower"), default="upper"),
        measure=ck.text(data, "measure", path, choices=("capex", "opex"), default="") or None,
        uplift=uplift,
        contributions=contributions, mitigation=mitigation,
        source=ck.text(data, "source", path),
    )


def _check_risk_areas(ck: _Checker, contributions: Mapping[str, float],
                      mitigation: Mapping[str, float], path: Path) -> None:
    """The risk areas' contributions add up to at most 1, and each mitigated risk area has
    a contribution (a misspelt area would otherwise mitigate nothing), each reported at its
    own key."""
    total = sum(contributions.values())
    if total > 1.0 + 1e-9:
        ck.error((*path, "contributions"), "optimism-bias", f"the risk-area contributions "
                 f"sum to {total:.4g}; they must not exceed 1",
                 "each contribution is a risk area's share of the recorded optimism bias: "
                 "make them add up to at most 1 (100%)")
    for area in mitigation:
        if area not in contributions:
            close = did_you_mean(area, list(contributions))
            ck.error((*path, "mitigation", area), "optimism-bias",
                     f"mitigation given for risk area '{area}', which has no contribution",
                     (f"{close} " if close else "") + "spell the risk area as under "
                     "'contributions', or give its contribution there")


def _build_ob_duration(ck: _Checker, data: Mapping, path: Path
                       ) -> tuple[bool, float | None, dict[str, float], dict[str, float]]:
    """``duration: true | false | {uplift, contributions, mitigation}`` (a map means on)."""
    raw = data.get("duration")
    if raw is None or isinstance(raw, bool):
        return bool(raw), None, {}, {}
    dpath = (*path, "duration")
    sub = ck.mapping(raw, dpath, "'duration'", "write 'duration: true', or a map of "
                     "'contributions', 'mitigation' and an optional 'uplift'")
    if sub is None:
        return False, None, {}, {}
    ck.unknown_keys(sub, ("uplift", "contributions", "mitigation"), dpath)
    d_uplift = ck.number(sub, "uplift", dpath, low=0.0, high=10.0,
                         hint="an uplift is a fraction: 0.39 for 39%")
    contrib = _number_map(ck, sub.get("contributions"), (*dpath, "contributions"),
                          low=0.0, high=1.0) or {}
    mitig = _number_map(ck, sub.get("mitigation"), (*dpath, "mitigation"),
                        low=0.0, high=1.0) or {}
    _check_risk_areas(ck, contrib, mitig, dpath)
    return True, d_uplift, contrib, mitig


def _number_map(ck: _Checker, raw: Any, path: Path, *, low: float, high: float
                ) -> dict[str, float] | None:
    if raw is None:
        return None
    data = ck.mapping(raw, path, f"'{path[-1]}'")
    if data is None:
        return None
    out = {}
    for key, value in data.items():
        v = ck.as_number(value, (*path, key), str(key), low=low, high=high,
                         hint="fractions: 0.5 for 50%")
        if v is not None:
            out[str(key)] = v
    return out


def _duplicate_name(ck: _Checker, path: Path, name: str, raw: Sequence[Any], j: int,
                    where: str, twice: str, this: str, fix: str) -> None:
    """A name used again at ``where[j]``: the same text, or one a reader cannot tell apart
    (compared ignoring case, surrounding spaces and Unicode composition)."""
    same = raw[j].get("name") == name if isinstance(raw[j], Mapping) else True
    ck.error((*path, "name"), "duplicate-name", f"{twice} (also {where}[{j}])" if same else
             f"{this} looks the same as {where}[{j}] {raw[j].get('name')!r} (names are "
             "compared ignoring case, surrounding spaces and Unicode composition)", fix)


def _build_options(ck: _Checker, raw: Any) -> list[Option]:
    if not isinstance(raw, list) or not raw:
        ck.error(("options",), "wrong-type", "'options' must be a non-empty list of options",
                 "add '- name: Business as usual' with 'counterfactual: true'",
                 expected=Expected.LIST)
        return []
    options, seen = [], {}
    for i, item in enumerate(raw):
        path = ("options", i)
        data = ck.mapping(item, path, "an option")
        if data is None:
            continue
        ck.unknown_keys(data, [f.name for f in OPTION_FIELDS], path)
        name = ck.text(data, "name", path, required=True)
        if name_key(name) in seen:
            _duplicate_name(ck, path, name, raw, seen[name_key(name)], "options",
                            f"option name '{name}' is used twice", f"option name {name!r}",
                            "give each option a unique name, one a reader can tell apart")
            continue
        seen[name_key(name)] = i
        options.append(Option(name=name, counterfactual=ck.boolean(data, "counterfactual", path),
                              description=ck.text(data, "description", path)))
    n_cf = sum(o.counterfactual for o in options)
    if options and n_cf != 1:
        ck.error(("options",), "counterfactual", f"exactly one option must be the counterfactual "
                 f"(business as usual); found {n_cf}", "mark one option 'counterfactual: true'")
    return options


def _build_lines(ck: _Checker, raw: Any, option_names: set[str], years: range | None,
                 price_year: int | None, ctx: Mapping[str, Any] | None = None) -> list[Line]:
    ctx = ctx or {}
    if not isinstance(raw, list):
        ck.error(("lines",), "wrong-type", "'lines' must be a list of impact lines",
                 "start each line with '- option: ...' under 'lines:'", expected=Expected.LIST)
        return []
    lines, seen = [], {}
    allowed = [f.name for f in LINE_FIELDS]
    for i, item in enumerate(raw):
        path = ("lines", i)
        data = ck.mapping(item, path, "a line")
        if data is None:
            continue
        ck.unknown_keys(data, allowed, path)
        option = ck.text(data, "option", path, required=True)
        if option and option_names and option not in option_names:
            close = did_you_mean(option, sorted(option_names))
            ck.error((*path, "option"), "unknown-option", f"line names option '{option}', which "
                     "is not in 'options'", close or
                     "add the option or correct the name")
        name = ck.text(data, "name", path, required=True)
        key = (name_key(option), name_key(name))
        if key in seen:
            _duplicate_name(ck, path, name, raw, seen[key], "lines",
                            f"line '{name}' appears twice in option '{option}'",
                            f"line {name!r} of option '{option}'",
                            "give each line a unique name within its option")
        seen[key] = i
        kind = ck.text(data, "kind", path, required=True, choices=KINDS)
        profile = _build_profile(ck, data, path, years) if years is not None else None
        value_type = ck.text(data, "value_type", path, choices=VALUE_TYPES)
        cashable = data.get("cashable")
        if cashable is not None and not isinstance(cashable, bool):
            ck.error((*path, "cashable"), "wrong-type", "'cashable' must be true or false",
                     "write true or false, without quotes", expected=Expected.YES_NO)
            cashable = None
        if cashable is not None and value_type and value_type != "fiscal":
            ck.error((*path, "cashable"), "cashable-not-fiscal", "'cashable' applies only to "
                     f"fiscal lines (this line's value_type is '{value_type}')",
                     "remove 'cashable', or set 'value_type: fiscal'")
        basis = ck.text(data, "price_basis", path, choices=PRICE_BASES,
                        default=PriceBasis.REAL.value)
        line_price_year = ck.integer(data, "price_year", path, minimum=MIN_YEAR)
        if line_price_year is not None and line_price_year > MAX_YEAR:
            ck.error((*path, "price_year"), "out-of-range", f"'price_year' must be at most "
                     f"{MAX_YEAR} (got {line_price_year})", "use a calendar year")
            line_price_year = None
        if basis == "nominal" and line_price_year is not None:
            ck.error((*path, "price_year"), "price-year-nominal", "a nominal line has no price "
                     "year", "remove 'price_year' or set 'price_basis: real'")
        ob = _build_ob(ck, data["optimism_bias"], (*path, "optimism_bias")) if data.get(
            "optimism_bias") is not None else None
        if ob is not None and kind == "benefit":
            ck.error((*path, "optimism_bias"), "optimism-bias-benefit", "optimism-bias uplifts "
                     "apply to costs; there are no generic values for benefits (Green Book 5.46)",
                     "adjust the benefit amounts, or model benefit shortfall in uncertainty")
        delay = ck.integer(data, "delay", path, default=0, minimum=0)
        depends = (ck.boolean(data, "depends_on_completion", path)
                   if data.get("depends_on_completion") is not None else None)
        scale = ck.number(data, "scale", path, default=1.0, low=0.0)
        extra = parse_line_public_value(
            ck, data, path, packs=ctx.get("unit_value_packs", {}),
            distribution=ctx.get("distribution"),
            horizon=len(years) if years is not None else None)
        inherit = extra.pop("inherit")
        agency = ck.text(data, "agency", path) or inherit.get("agency", "")
        if not value_type and inherit.get("value_type"):
            value_type = inherit["value_type"]
            if cashable is None and value_type == "fiscal":
                cashable = inherit.get("cashable")
        default_schedule = Schedule.HEALTH if inherit.get("health") else Schedule.STANDARD
        if profile is None or not kind:
            continue
        lines.append(Line(
            option=option, name=name, kind=kind, profile=profile,
            category=ck.text(data, "category", path), agency=agency,
            value_type=value_type, cashable=cashable, price_basis=basis,
            price_year=line_price_year if basis == "real" else None,
            schedule=ck.text(data, "schedule", path, default=default_schedule,
                             choices=(*SCHEDULES, *ctx.get("discount_schedules", ()))),
            optimism_bias=ob, depends_on_completion=depends, delay=delay or 0,
            scale=1.0 if scale is None else scale,
            source=ck.text(data, "source", path), location=ck.locate(path), **extra,
        ))
    del price_year
    return lines


def _discount_schedules(ck: _Checker, raw: Any, horizon: int | None
                        ) -> tuple[dict[str, tuple[float, ...]], tuple[str, ...]]:
    """The case's own discount schedules, checked: ``{name: (r(1), r(2), ...)}``, and every
    name given (a refused schedule's too, so the lines naming it are not refused again)."""
    if raw is None:
        return {}, ()
    path: Path = ("discount_schedules",)
    data = ck.mapping(raw, path, "'discount_schedules'", "write one schedule per key, e.g. "
                      "'local: [0.04, 0.04, 0.035]' (the rate of year t = 1, 2, ...)")
    if data is None:
        return {}, ()
    needed = max((horizon or 1) - 1, 1)
    out: dict[str, tuple[float, ...]] = {}
    for name, rates in data.items():
        where = (*path, name)
        if not isinstance(name, str) or not name.strip() or _CONTROL.search(name):
            ck.error(where, "bad-name", f"a schedule name must be one line of text "
                     f"(got {name!r})", "name it in words, e.g. 'local'")
            continue
        if name in SCHEDULES:
            ck.error(where, "schedule-name-taken", f"'{name}' is a shipped Green Book "
                     "schedule; a case cannot redefine it", "give your schedule another name "
                     "(e.g. 'local') and name it in the lines' 'schedule'")
            continue
        if not isinstance(rates, list) or not rates:
            ck.error(where, "wrong-type", f"schedule '{name}' must be a list of one-year "
                     f"rates (got {type(rates).__name__})", "write the rate of each year "
                     "t = 1, 2, ... as a list, e.g. [0.035, 0.035, 0.03]", expected=Expected.LIST)
            continue
        values = [ck.as_number(r, (*where, k), f"discount_schedules.{name}[{k}]", high=1.0,
                               hint="write rates as fractions: 0.035 for 3.5%")
                  for k, r in enumerate(rates)]
        bad = [k for k, v in enumerate(values) if v is not None and v <= -1]
        for k in bad:
            ck.error((*where, k), "out-of-range", f"a discount rate must be greater than -1 "
                     f"(got {values[k]})", "write rates as fractions: 0.035 for 3.5%")
        if len(values) < needed:
            ck.error(where, "schedule-too-short", f"schedule '{name}' gives {len(values)} "
                     f"rate(s); the appraisal needs one for each year t = 1 .. {needed}",
                     f"give {needed} rates (one per year after year 0), or shorten "
                     "'horizon_years'")
            continue
        if None not in values and not bad:
            out[name] = tuple(float(v) for v in values)  # type: ignore[arg-type]
    return out, tuple(str(name) for name in data if str(name) not in SCHEDULES)


def build_case(
    data: Any,
    *,
    locate: Locate | None = None,
    source: str = "<python>",
    source_sha256: str = "",
    base_dir: str | PathLike[str] | None = None,
    sections: Mapping[str, Callable[..., Any]] | None = None,
) -> Case:
    """Validate plain case data and build a frozen :class:`~appraisal.case.model.Case`.

    Parameters
    ----------
    data : mapping
        The case as plain data, in the YAML layout.
    locate : callable, optional
        Maps a field path (tuple of keys and indices) to a location string such as
        ``"case.yaml:12:5"`` or ``"Lines!C7"``; by default the field path itself.
    source : str
        Name of the input, for messages.
    source_sha256 : str
        SHA-256 of the input bytes, recorded in the manifest.
    sections : mapping, optional
        The parsers of the optional sections in :data:`LENS_SECTIONS`, by name
        (:func:`appraisal.lenses.catalogue.section_parsers`; the readers pass them). Without
        them a case that has such a section is refused with a message saying so.
    base_dir : path, optional
        Folder that relative paths in the case (unit-value packs, parameter ``packs``) are
        resolved against: the case file's folder (default: the current folder). Kept on
        the case as :attr:`~appraisal.case.model.Case.base_dir`.

    Raises
    ------
    AppraisalValidationError
        Holding every problem found, each with location, field and fix.

    Examples
    --------
    >>> case = build_case({"schema_version": 1, "title": "T", "base_year": 2025,
    ...     "horizon_years": 2, "options": [{"name": "BAU", "counterfactual": True}],
    ...     "lines": []})
    >>> case.horizon_years
    2
    """
    issues = Issues()
    ck = _Checker(locate or (lambda path: field_path(path) or source), issues)
    root = ck.mapping(data, (), "the case", "a case is a mapping of top-level keys "
                      "(schema_version, title, base_year, ...): start from 'appraisal demo'")
    if root is None:
        issues.raise_if_errors(source)
    known = [f.name for f in CASE_FIELDS] + list(LENS_SECTIONS)
    ck.unknown_keys(root, known, ())
    if not count_issues(root, ck.error):  # before any work: a huge case is refused at once
        issues.raise_if_errors(source)
    version = ck.integer(root, "schema_version", (), required=True)
    if version is not None and version != SCHEMA_VERSION:
        ck.error(("schema_version",), "schema-version", f"unsupported schema_version {version}; "
                 f"this tool reads version {SCHEMA_VERSION}",
                 f"write 'schema_version: {SCHEMA_VERSION}' and check the case against this "
                 "version's fields (appraisal demo writes an example)")
    title = ck.text(root, "title", (), required=True)
    base_year = ck.integer(root, "base_year", (), required=True, minimum=MIN_YEAR)
    horizon = ck.integer(root, "horizon_years", (), required=True, minimum=1)
    if horizon is not None and horizon > 500:
        ck.error(("horizon_years",), "out-of-range", f"'horizon_years' must be at most 500 "
                 f"(got {horizon})", "appraise at most 500 years")
        horizon = None
    price_year = ck.integer(root, "price_year", (), minimum=MIN_YEAR)
    for key, year in (("base_year", base_year), ("price_year", price_year)):
        if year is not None and year > MAX_YEAR:
            ck.error((key,), "out-of-range", f"'{key}' must be at most {MAX_YEAR} (got {year}); "
                     f"the report's year axis ends in {MAX_YEAR}", "use a calendar year")
    if base_year is not None and horizon is not None and base_year <= MAX_YEAR < (
            base_year + horizon - 1):
        ck.error(("horizon_years",), "out-of-range", f"the appraisal would end in "
                 f"{base_year + horizon - 1}; the last year a case may reach is {MAX_YEAR} "
                 "(the report's year axis ends there)",
                 f"use horizon_years of at most {MAX_YEAR - base_year + 1}")
        horizon = None
    years = range(base_year, base_year + horizon) if base_year and horizon else None
    prices = _build_prices(ck, root.get("prices"))
    params = ck.mapping(root.get("parameters", {}), ("parameters",), "'parameters'") or {}
    ck.unknown_keys(params, ("allow_unconfirmed", "packs"), ("parameters",))
    allow = _string_list(ck, params.get("allow_unconfirmed"), ("parameters", "allow_unconfirmed"))
    packs, pack_encodings = _pack_list(ck, params.get("packs"), ("parameters", "packs"))
    options = _build_options(ck, root.get("options"))
    schedules, schedule_names = _discount_schedules(ck, root.get("discount_schedules"),
                                                    horizon)
    if "options" not in root:
        ck.error(("options",), "missing", "'options' is required",
                 "add 'options:' with '- name: Business as usual' and 'counterfactual: true'")
    # packs and groups first: lines refer to them
    found: dict[str, Any] = parse_public_value_sections(ck, root, base_dir)
    lines = _build_lines(ck, root.get("lines", []), {o.name for o in options}, years, price_year,
                         {**found, "discount_schedules": schedule_names})
    found.update(parse_public_value_sections(ck, root, base_dir, options=options))
    for name in LENS_SECTIONS:
        if name not in root or root[name] is None:
            continue
        parser = (sections or {}).get(name)
        if parser is None:
            ck.error((name,), "section-without-lens", f"the '{name}' section is read by its "
                     "lens, which was not given to build_case", "read the case with "
                     "appraisal.load_case or appraisal.case_from_records")
            continue
        found[name] = parser(root[name], case_data=root, option_names=[
            o.name for o in options], locate=ck.locate, issues=issues, path=(name,))
    # every field is read (and every problem recorded) before raising
    conventions = {
        "organisation": ck.text(root, "organisation", ()),
        "description": ck.text(root, "description", ()),
        "vintage": ck.text(root, "vintage", (), choices=VINTAGES, default="GB2026"),
        "timing": ck.text(root, "timing", (), choices=TIMINGS, default=Timing.END.value),
        "bcr_definition": ck.text(root, "bcr_definition", (), choices=BCR_DEFINITIONS,
                                  default=BcrDefinition.BENEFIT_COST.value),
    }
    conventions["public_budget_agencies"] = _public_budget(
        ck, root, conventions["bcr_definition"], lines)
    _check_parameter_packs(ck, packs, pack_encodings, base_dir, conventions["vintage"])
    # the limits every output needs (text, characters, magnitude), once per field
    flagged = {i.field for i in issues.errors}
    value_issues(root, ck.error, skip=lambda path: field_path(path) in flagged)
    issues.raise_if_errors(source)
    return Case(
        schema_version=version or SCHEMA_VERSION,
        title=title,
        base_year=base_year,  # type: ignore[arg-type]
        horizon_years=horizon,  # type: ignore[arg-type]
        price_year=price_year,
        **conventions,
        prices=prices,
        allow_unconfirmed=tuple(allow),
        packs=tuple(packs),
        pack_encodings=tuple(pack_encodings),
        discount_schedules=schedules,
        options=tuple(options),
        lines=tuple(lines),
        sections=found,
        source_path=source,
        source_sha256=source_sha256,
        locations=_compile_locations(ck.locate, root.get("lines"), root),
        section_data={name: copy.deepcopy(root[name]) for name in found if name in root},
        base_dir=str(FilePath(base_dir).resolve()) if base_dir is not None else "",
    )


#: Fields of a line that :func:`~appraisal.engine.compile.compile_case` may report problems at.
_LINE_COMPILE_FIELDS: tuple[Path, ...] = (
    (), ("optimism_bias",), ("optimism_bias", "project_type"), ("optimism_bias", "shares"),
    ("optimism_bias", "measure"), ("optimism_bias", "bound"), ("optimism_bias", "duration"),
    ("optimism_bias", "contributions"), ("optimism_bias", "mitigation"),
    ("optimism_bias", "duration", "contributions"), ("optimism_bias", "duration", "mitigation"),
    ("optimism_bias", "duration", "uplift"), ("depends_on_completion",), ("price_basis",),
    ("price_year",), ("schedule",), ("delay",), ("unit_value",),
)
_CASE_COMPILE_FIELDS: tuple[Path, ...] = (
    ("price_year",), ("prices",), ("prices", "deflator"), ("prices", "deflator_basis"),
    ("prices", "deflator_extend_growth"), ("parameters",), ("parameters", "allow_unconfirmed"),
    ("parameters", "packs"), ("distribution",), ("distribution", "weight_wellbeing"),
)


#: At most this many paths of the lens sections keep their locations (for the lenses' own
#: run-time checks, e.g. an unknown shipped threshold or VAT agency).
_SECTION_LOCATIONS = 2000


def _section_paths(value: Any, path: Path, out: list[Path]) -> None:
    if len(out) >= _SECTION_LOCATIONS:
        return
    out.append(path)
    items = (value.items() if isinstance(value, Mapping)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        if isinstance(key, str | int):
            _section_paths(item, (*path, key), out)


def _compile_locations(locate: Locate, raw_lines: Any,
                       root: Mapping[str, Any] | None = None) -> Mapping[str, str]:
    """Locations of the fields compile-time checks refer to, by dotted field path (and of
    the top-level fields, the options and the lens sections' fields, which the lenses and
    :meth:`Case.locate` callers refer to when they run)."""
    paths = {field_path(p): p for p in _CASE_COMPILE_FIELDS}
    # a line's names are "lines[i]" and the same suffixes for every line (field_path's form)
    suffixes = [(field_path(("lines", 0, *sub))[len("lines[0]"):], sub)
                for sub in _LINE_COMPILE_FIELDS]
    for i in range(len(raw_lines) if isinstance(raw_lines, list) else 0):
        head = f"lines[{i}]"
        paths.update((head + tail, ("lines", i, *sub)) for tail, sub in suffixes)
    if root is not None:  # every top-level field, and each option and its name
        paths.update((key, (key,)) for key in root if isinstance(key, str))
        options = root.get("options")
        for i in range(len(options) if isinstance(options, list) else 0):
            paths[f"options[{i}]"] = ("options", i)
            paths[f"options[{i}].name"] = ("options", i, "name")
    found: list[Path] = []
    for name in LENS_SECTIONS:
        if root is not None and root.get(name) is not None:
            _section_paths(root[name], (name,), found)
    paths.update((field_path(p), p) for p in found)
    # each located when first read (compiling a line, reporting a problem)
    return LazyLocations(paths, locate)


def _public_budget(ck: _Checker, root: Mapping[str, Any], definition: str | None,
                   lines: list[Line]) -> tuple[str, ...]:
    """The agencies named in ``public_budget``, checked against the lines and the definition.

    Under ``bcr_definition: public_sector_cost`` (DfT's BCR) every cost line must say
    whether it falls on the public budget, so a cost line needs a ``value_type``.
    """
    raw = root.get("public_budget")
    agencies: list[str] = []
    if raw is not None:
        data = ck.mapping(raw, ("public_budget",), "'public_budget'") or {}
        ck.unknown_keys(data, ("agencies",), ("public_budget",))
        agencies = _string_list(ck, data.get("agencies"), ("public_budget", "agencies"))
        if definition != "public_sector_cost":
            ck.error(("public_budget",), "unused-field", "'public_budget' is read only by "
                     "'bcr_definition: public_sector_cost'",
                     "remove 'public_budget', or set 'bcr_definition: public_sector_cost'")
        fiscal = {ln.agency for ln in lines if ln.value_type == "fiscal" and ln.agency}
        for k, name in enumerate(agencies):
            if name not in fiscal:
                ck.error(("public_budget", "agencies", k), "unknown-agency",
                         f"public budget agency {name!r} has no line with 'value_type: "
                         "fiscal'", "name an agency of a fiscal line: "
                         + (", ".join(sorted(fiscal)) or "(none: give lines value_type "
                            "fiscal and an agency)"))
    raw_lines = root.get("lines")
    if definition == "public_sector_cost" and isinstance(raw_lines, list):
        for i, ln in enumerate(raw_lines):
            if isinstance(ln, Mapping) and ln.get("kind") == "cost" and not ln.get("value_type"):
                ck.error(("lines", i, "value_type"), "missing",
                         f"cost line {ln.get('name')!r} has no 'value_type': DfT's BCR "
                         "(bcr_definition: public_sector_cost) must know whether each cost "
                         "falls on the public budget",
                         "set 'value_type: fiscal' for a cost to the public sector, or "
                         "'economic' / 'social' for a cost borne by others")
    return tuple(agencies)


def _pack_list(ck: _Checker, raw: Any, path: Path) -> tuple[list[str], list[str]]:
    """Parameter pack folders: each a folder name, or ``{path: folder, encoding: codec}``."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        ck.error(path, "wrong-type", "'packs' must be a list of folders",
                 "write 'packs: [my_pack]' or 'packs: [{path: my_pack, encoding: cp1252}]'",
                 expected=Expected.LIST)
        return [], []
    folders: list[str] = []
    encodings: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, str) and item.strip():
            folders.append(item)
            encodings.append("")
            continue
        data = ck.mapping(item, (*path, i), "a parameter pack (a folder, or a mapping with "
                          "'path' and 'encoding')")
        if data is None:
            continue
        ck.unknown_keys(data, ("path", "encoding"), (*path, i))
        folder = ck.text(data, "path", (*path, i), required=True)
        if folder:
            folders.append(folder)
            encodings.append(ck.text(data, "encoding", (*path, i)) or "")
    return folders, encodings


def _check_parameter_packs(ck: _Checker, packs: list[str], encodings: list[str],
                           base_dir: Any, vintage: str | None) -> None:
    """Read each parameter pack as strictly as the case; its errors join the case's."""
    pack = ParameterPack.green_book(vintage if vintage in VINTAGES else VINTAGES[0])
    for i, (folder, encoding) in enumerate(zip(packs, encodings, strict=True)):
        p = FilePath(folder)
        if not p.is_absolute() and base_dir is not None:
            p = FilePath(base_dir) / p
        declare = (f"'packs: [{{path: {folder}, encoding: cp1252}}]' under 'parameters' in "
                   "the case")
        pack, found = pack.layer(p, encoding=encoding or None, declare=declare)
        for issue in found.errors:
            where = issue.location if issue.code != "not-found" else ck.locate(
                ("parameters", "packs", i))
            ck.issues.error(issue.code, f"parameter pack '{folder}': {issue.message}",
                            location=where, field=f"parameters.packs[{i}]: {issue.field}",
                            fix=issue.fix)


def _string_list(ck: _Checker, raw: Any, path: Path) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        ck.error(path, "wrong-type", f"'{path[-1]}' must be a list of names",
                 f"write '{path[-1]}: [name, ...]'", expected=Expected.LIST)
        return []
    return list(raw)


def _build_prices(ck: _Checker, raw: Any) -> PriceAssumptions:
    if raw is None:
        return PriceAssumptions()
    path: Path = ("prices",)
    data = ck.mapping(raw, path, "'prices'")
    if data is None:
        return PriceAssumptions()
    ck.unknown_keys(data, ("deflator_basis", "deflator_extend_growth", "deflator", "source"), path)
    index = {}
    if data.get("deflator") is not None:
        table = ck.mapping(data["deflator"], (*path, "deflator"), "'deflator'") or {}
        for year, value in table.items():
            y = ck.as_int(year, (*path, "deflator", year), "year")
            v = ck.as_number(value, (*path, "deflator", year), f"deflator {year}", low=1e-9)
            if y is not None and v is not None:
                index[y] = v
    growth = ck.number(data, "deflator_extend_growth", path, low=-0.5, high=1.0,
                       hint="a rate is a fraction: 0.02 for 2%")
    if growth is not None and not ck.text(data, "source", path):
        ck.error((*path, "source"), "missing", "'deflator_extend_growth' is an assumption: give "
                 "its 'source'", "e.g. source: OBR forecast, March 2026")
    return PriceAssumptions(
        deflator_basis=ck.text(data, "deflator_basis", path, choices=("calendar", "financial"),
                               default="calendar"),
        deflator_extend_growth=growth,
        deflator=index,
        source=ck.text(data, "source", path),
    )
