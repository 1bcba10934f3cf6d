"""The case schema of the public-value lenses: unit values, outcome chains, incidence.

Used by :func:`appraisal.case.schema.build_case`; every problem is recorded with its location
through the schema's checker (``ck``), never raised one at a time. The YAML syntax (a
complete, valid fragment of a case)::

    unit_value_packs:                      # optional: unit-value packs
      - shipped: illustrative              # a pack shipped with the toolkit, or your own:
    # - name: local                        # how lines refer to it
    #   path: unit_costs.xlsx              # .csv or .xlsx, relative to the case file
    #   sheet: Unit costs                  # workbook only (default: the first sheet)
    #   header_row: 3                      # workbook only (default 1)
    #   columns: {code: Cost code}         # optional: our column -> your heading
    parameters:
      allow_unconfirmed: [wellbeing_values, "unit_values:illustrative"]
    distribution:                          # optional: distributional analysis
      grouping: income quintile (equivalised disposable household income)
      groups: [Q1, Q2, Q3, Q4, Q5]         # lowest income first (default: incomes' order)
      incomes: {Q1: 15000, Q2: 22000, Q3: 29000, Q4: 38000, Q5: 62000}
      income_source: ONS Effects of taxes and benefits on household income, FYE 2024
      households: {Q1: 100, Q2: 100, Q3: 100, Q4: 100, Q5: 100}   # optional: for the EDE
      reference_income: 29000              # optional (default: median of the groups)
      eta: 1.3                             # optional (default: the shipped value, 1.3)
      weight_wellbeing: false              # optional: income-weight WELLBY-valued lines too
                                           # (default false, as the wellbeing guidance; a warning)
    # or, instead of incomes, the weights themselves (e.g. a published table by quintile):
    # weights: {Q1: 1.9, Q2: 1.3, Q3: 1.0, Q4: 0.75, Q5: 0.45}
    # weights_source: where the table comes from   (required with weights)
    # eta: the eta the weights were derived with (default 1.3); the implied income ratios
    # y / reference = w ** (-1 / eta) are reported; reference_income (optional) puts them
    # in pounds, and is required with households (the EDE summary needs incomes in pounds)
    lines:
      - option: A
        name: Improved child wellbeing
        kind: benefit
        values: {2026: 150}                # quantities (a cohort, with an outcome chain)
        unit_value: {measure: wellby, variant: central}
        # or:  unit_value: {pack: local, code: CR1.0}
        # or:  unit_value: {value: 600, unit: call-out, price_year: 2024, source: ...}
        # any: rebase: false; real_growth: {rate: 0.02, from_year: 2019, source: ...}
        outcome: {engagement: 0.8, success: 0.4, quantity_per_outcome: 0.5,
                  deadweight: 0.3, displacement: 0, leakage: 0,
                  attribution_to_others: 0.4,  # SROI attribution: share due to others
                  lag: 1, persistence: 3, drop_off: 0.3, source: evaluation of a pilot}
        # drop_off needs persistence > 1 (it applies from an outcome's second year)
        incidence: {Q1: 0.6, Q2: 0.4}      # shares of the line by group, summing to 1
        effect: child wellbeing            # the outcome valued (double-counting check)
        transfer: false                    # true for a transfer between groups
    public_value:                          # optional: options of the public-value ledger
      pooled_budget: {basis: cashable}     # fund a pool from cashable savings (default)
                                           # or all_fiscal (non-cashable savings too)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from appraisal.case.model import POOL_BASES, OutcomeChain, RealGrowth, UnitValueSpec
from appraisal.case.non_monetised import parse_register
from appraisal.errors import AppraisalValidationError, Expected, ParameterError
from appraisal.fields import did_you_mean, field_path
from appraisal.greenbook.equity import DistributionSpec, income_ratios, shipped_eta
from appraisal.greenbook.valuation import MEASURES, renamed_attribution_message
from appraisal.limits import MIN_YEAR
from appraisal.params.unit_values import UnitValuePack, load_unit_values, shipped_unit_values


def _suggest(got: str, known: Sequence[str]) -> str:
    close = did_you_mean(got, list(known))
    listed = ", ".join(known)
    return (f"{close} " if close else "") + f"use one of: {listed}"

__all__ = [
    "MEASURE_VARIANTS",
    "OUTCOME_KEYS",
    "UNIT_VALUE_KEYS",
    "parse_distribution",
    "parse_line_public_value",
    "parse_public_value_options",
    "parse_public_value_sections",
    "parse_unit_value_packs",
]

#: The values of a shipped measure (``unit_value: {measure: wellby, variant: low}``).
MEASURE_VARIANTS = ("low", "central", "high")
UNIT_VALUE_KEYS = ("measure", "variant", "pack", "code", "value", "unit", "price_year",
                   "source", "rebase", "real_growth")
OUTCOME_KEYS = ("engagement", "success", "quantity_per_outcome", "deadweight",
                "displacement", "leakage", "attribution_to_others", "lag", "persistence",
                "drop_off", "source")
_FACTORS = ("engagement", "success", "deadweight", "displacement", "leakage",
            "attribution_to_others", "drop_off")
_PACK_KEYS = ("name", "path", "shipped", "sheet", "header_row", "columns", "encoding")
_DIST_KEYS = ("grouping", "groups", "incomes", "income_source", "households",
              "reference_income", "eta", "weight_wellbeing", "weights", "weights_source")


def parse_unit_value_packs(ck: Any, raw: Any, path: tuple, base_dir: Path | None
                           ) -> dict[str, UnitValuePack]:
    """Load every unit-value pack named in the case; problems located in the pack file."""
    if not isinstance(raw, list):
        ck.error(path, "wrong-type", "'unit_value_packs' must be a list of packs",
                 "write '- path: my_unit_costs.csv' or '- shipped: illustrative'",
                 expected=Expected.LIST)
        return {}
    packs: dict[str, UnitValuePack] = {}
    for i, item in enumerate(raw):
        ipath = (*path, i)
        if isinstance(item, UnitValuePack):
            packs[item.name] = item
            continue
        data = ck.mapping(item, ipath, "a unit-value pack")
        if data is None:
            continue
        ck.unknown_keys(data, _PACK_KEYS, ipath)
        file = ck.text(data, "path", ipath)
        shipped = ck.text(data, "shipped", ipath)
        if bool(file) == bool(shipped):
            ck.error(ipath, "unit-value-pack", "give exactly one of 'path' (your pack) or "
                     "'shipped' (a pack shipped with the toolkit)",
                     "keep one of 'path' and 'shipped' and remove the other")
            continue
        name = ck.text(data, "name", ipath) or (shipped or Path(file).stem)
        try:
            if shipped:
                pack = shipped_unit_values(shipped)
            else:
                p = Path(file)
                if not p.is_absolute() and base_dir is not None:
                    p = base_dir / p
                columns = ck.mapping(data.get("columns", {}), (*ipath, "columns"),
                                     "'columns'") or {}
                pack = load_unit_values(
                    p, name=name, sheet=ck.text(data, "sheet", ipath) or None,
                    header_row=ck.integer(data, "header_row", ipath, default=1, minimum=1) or 1,
                    columns={str(k): str(v) for k, v in columns.items()},
                    encoding=ck.text(data, "encoding", ipath) or None)
        except AppraisalValidationError as exc:
            for issue in exc.issues:
                ck.issues.error(issue.code, f"unit-value pack '{name}': {issue.message}",
                                location=issue.location,
                                field=f"{field_path(ipath)}: {issue.field}",
                                fix=issue.fix)
            continue
        except ParameterError as exc:
            ck.error((*ipath, "shipped"), "unknown-pack", str(exc),
                     "use the name of a shipped pack (see data/unit_values/README.md), or "
                     "'path' for a pack of your own")
            continue
        if name in packs:
            ck.error((*ipath, "name"), "duplicate-name", f"two unit-value packs are called "
                     f"'{name}'", "give one of them another 'name'")
            continue
        packs[name] = pack.__class__(name=name, path=pack.path, rows=pack.rows,
                                     sha256=pack.sha256)
    return packs


def _group_numbers(ck: Any, raw: Any, path: tuple, groups: list[str], what: str, *,
                   every: bool = False) -> dict[str, float]:
    """The positive number ``raw`` gives each group, by group; ``every``: each group needs one."""
    data = ck.mapping(raw, path, f"'{path[-1]}'") or {}
    out = {}
    for group, value in data.items():
        if group not in groups:
            ck.error((*path, group), "unknown-group", f"'{path[-1]}' names group '{group}', "
                     f"which is not in 'groups' ({', '.join(groups)})",
                     _suggest(str(group), groups))
            continue
        v = ck.as_number(value, (*path, group), f"{what} of {group}")
        if v is not None and v <= 0:
            ck.error((*path, group), "out-of-range", f"the {what} of group '{group}' must be "
                     f"positive (got {v:g})", f"give the group's {what}")
        elif v is not None:
            out[str(group)] = v
    for g in groups if every and isinstance(raw, Mapping) else ():
        if g not in out and g not in raw:
            ck.error(path, f"missing-{what}", f"group '{g}' has no {what}",
                     f"add '{g}: <{what}>' to '{path[-1]}'")
    return out


def _groups(ck: Any, data: Mapping, path: tuple, by: Any) -> list[str] | None:
    groups_raw = data.get("groups")
    if groups_raw is None:
        groups = [str(g) for g in (by or {})] if isinstance(by, Mapping) else []
    elif isinstance(groups_raw, list) and all(isinstance(g, str) for g in groups_raw):
        groups = list(groups_raw)
    else:
        ck.error((*path, "groups"), "wrong-type", "'groups' must be a list of group names, "
                 "lowest income first", "write 'groups: [Q1, Q2, Q3, Q4, Q5]'",
                 expected=Expected.LIST)
        return None
    if len(set(groups)) != len(groups):
        ck.error((*path, "groups"), "duplicate-name", "a group is listed twice in 'groups'",
                 "remove the repeated name")
        return None
    if not groups:
        ck.error((*path, "groups"), "empty", "the distribution needs at least one group",
                 "list the groups, lowest income first, e.g. 'groups: [Q1, Q2, Q3, Q4, Q5]'")
        return None
    return groups


def _parse_weights(ck: Any, data: Mapping, path: tuple) -> DistributionSpec | None:
    """``distribution:`` given as explicit group weights (with their source) instead of
    incomes: the incomes used are those the weights imply at the case's eta."""
    if data.get("incomes") is not None:
        ck.error((*path, "weights"), "weights-with-incomes", "give either 'incomes' (the "
                 "weights are derived from them and eta) or 'weights' (a published table), "
                 "not both", "remove 'weights' or remove 'incomes' and 'income_source'")
        return None
    if data.get("income_source") is not None:
        ck.error((*path, "income_source"), "weights-with-incomes", "'income_source' goes "
                 "with 'incomes'; with 'weights' say where they come from in "
                 "'weights_source'", "rename 'income_source' to 'weights_source'")
    raw = data["weights"]
    groups = _groups(ck, data, path, raw)
    if groups is None:
        return None
    weights = _group_numbers(ck, raw, (*path, "weights"), groups, "weight", every=True)
    source = ck.text(data, "weights_source", path)
    if not source.strip():
        ck.error((*path, "weights_source"), "missing", "'weights_source' is required: say "
                 "where the weights come from", "e.g. the published table and its edition")
    eta = ck.number(data, "eta", path, low=0.0, high=10.0,
                    hint="the eta the weights were derived with (Green Book: 1.3)")
    if eta is not None and eta <= 0:
        ck.error((*path, "eta"), "out-of-range", "with 'weights', 'eta' must be positive: at "
                 "eta = 0 every weight is 1 and the weights imply no incomes",
                 "give the eta the weights were derived with")
        return None
    ref = ck.number(data, "reference_income", path)
    if ref is not None and ref <= 0:
        ck.error((*path, "reference_income"), "out-of-range", f"'reference_income' must be "
                 f"positive (got {ref:g})", "give a positive income in pounds a year")
        ref = None
    households = None
    if data.get("households") is not None:
        hh = _group_numbers(ck, data["households"], (*path, "households"), groups,
                            "number of households")
        households = tuple(hh.get(g, 1.0) for g in groups)
        if ref is None:
            ck.error((*path, "households"), "missing", "'households' (for the EDE summary) "
                     "needs incomes in pounds: with 'weights', give 'reference_income' too",
                     "add 'reference_income', or leave 'households' out")
    if len(weights) != len(groups) or ck.issues.has_errors:
        return None
    e = eta if eta is not None else float(shipped_eta().value)
    reference = ref if ref is not None else 1.0
    ratios = income_ratios([weights[g] for g in groups], e)
    unit = "£ a year" if ref is not None else "multiples of the reference income"
    return DistributionSpec(
        groups=tuple(groups), incomes=tuple(float(reference * r) for r in ratios),
        reference_income=reference, eta=eta, households=households,
        grouping=ck.text(data, "grouping", path) or "income group",
        income_source=f"implied by the weights ({source}) at eta = {e:g}, in {unit}",
        weight_wellbeing=ck.boolean(data, "weight_wellbeing", path),
        weights=tuple(weights[g] for g in groups), weights_source=source)


def parse_distribution(ck: Any, raw: Any, path: tuple) -> DistributionSpec | None:
    """The ``distribution:`` section: groups, their incomes and η."""
    data = ck.mapping(raw, path, "'distribution'")
    if data is None:
        return None
    ck.unknown_keys(data, _DIST_KEYS, path)
    if data.get("weights") is not None:
        return _parse_weights(ck, data, path)
    incomes_raw = data.get("incomes")
    if incomes_raw is None:
        ck.error((*path, "incomes"), "missing", "'incomes' is required: the income of every "
                 "group (none is shipped: the Green Book quintile table could not be "
                 "confirmed), or give the groups' 'weights' with their 'weights_source'",
                 "add 'incomes: {Q1: ..., Q2: ...}' and its 'income_source'")
        return None
    groups = _groups(ck, data, path, incomes_raw)
    if groups is None:
        return None
    incomes = _group_numbers(ck, incomes_raw, (*path, "incomes"), groups, "income", every=True)
    households = None
    if data.get("households") is not None:
        hh = _group_numbers(ck, data["households"], (*path, "households"), groups,
                            "number of households")
        missing = [g for g in groups if g not in hh]
        if missing and not ck.issues.has_errors:
            ck.error((*path, "households"), "missing", f"'households' has no number for "
                     f"{', '.join(missing)}", "give every group, or leave 'households' out")
        households = tuple(hh.get(g, 1.0) for g in groups)
    source = ck.text(data, "income_source", path)
    if not source.strip():
        ck.error((*path, "income_source"), "missing", "'income_source' is required: say where "
                 "the group incomes come from", "e.g. ONS Effects of taxes and benefits on "
                 "household income 2023/24 (or 'illustrative')")
    ref = ck.number(data, "reference_income", path)
    if ref is not None and ref <= 0:
        ck.error((*path, "reference_income"), "out-of-range", f"'reference_income' must be "
                 f"positive (got {ref:g})", "give a positive income in pounds a year")
        ref = None
    eta = ck.number(data, "eta", path, low=0.0, high=10.0,
                    hint="the Green Book value is 1.3")
    if len(incomes) != len(groups):
        return None
    return DistributionSpec(
        groups=tuple(groups), incomes=tuple(incomes[g] for g in groups),
        reference_income=ref, eta=eta, households=households,
        grouping=ck.text(data, "grouping", path) or "income group", income_source=source,
        weight_wellbeing=ck.boolean(data, "weight_wellbeing", path))


def _find_code(ck: Any, code: str, pack_name: str, packs: Mapping[str, UnitValuePack],
               path: tuple) -> UnitValuePack | None:
    if not packs:
        ck.error((*path, "code"), "no-unit-value-pack", f"unit value code '{code}' needs a "
                 "unit-value pack, but the case loads none", "add 'unit_value_packs:' with "
                 "your pack (or '- shipped: illustrative')")
        return None
    if pack_name:
        if pack_name not in packs:
            ck.error((*path, "pack"), "unknown-pack", f"no unit-value pack called "
                     f"'{pack_name}' (loaded: {', '.join(packs)})",
                     _suggest(str(pack_name), list(packs)))
            return None
        candidates = [packs[pack_name]]
    else:
        candidates = [p for p in packs.values() if code in p.rows] or list(packs.values())
    if len(candidates) > 1 and all(code in p.rows for p in candidates):
        ck.error((*path, "pack"), "ambiguous-code", f"code '{code}' is in several packs "
                 f"({', '.join(p.name for p in candidates)})", "say which with 'pack:'")
        return None
    pack = candidates[0]
    if code not in pack.rows:
        close = did_you_mean(code, [c for p in candidates for c in p.rows], n=3)
        ck.error((*path, "code"), "unknown-code", f"unit value code '{code}' is not in "
                 f"pack{'s' if len(candidates) > 1 else ''} "
                 f"{', '.join(repr(p.name) for p in candidates)}",
                 close or "check the code against your pack")
        return None
    return pack


def _parse_unit_value(ck: Any, raw: Any, path: tuple, packs: Mapping[str, UnitValuePack]
                      ) -> tuple[UnitValueSpec | None, dict[str, Any]]:
    data = ck.mapping(raw, path, "'unit_value'")
    if data is None:
        return None, {}
    ck.unknown_keys(data, UNIT_VALUE_KEYS, path)
    given = [k for k in ("measure", "code", "value") if data.get(k) is not None]
    if len(given) != 1:
        ck.error(path, "unit-value", "give exactly one of 'measure' (wellby, qaly, vpf, "
                 "carbon), 'code' (from a unit-value pack) or 'value' (with unit, price_year "
                 f"and source); got {', '.join(given) or 'none'}",
                 "keep one of 'measure', 'code' and 'value'")
        return None, {}
    growth = None
    if data.get("real_growth") is not None:
        gpath = (*path, "real_growth")
        g = ck.mapping(data["real_growth"], gpath, "'real_growth'") or {}
        ck.unknown_keys(g, ("rate", "from_year", "source"), gpath)
        rate = ck.number(g, "rate", gpath, required=True, low=-0.5, high=1.0,
                         hint="a growth rate is a fraction: 0.02 for 2% a year")
        src = ck.text(g, "source", gpath)
        if not src.strip():
            ck.error((*gpath, "source"), "missing", "real growth of a value is an explicit "
                     "assumption: give its 'source'", "e.g. OBR long-term real GDP per head "
                     "growth, Fiscal risks and sustainability 2025")
        if rate is not None:
            growth = RealGrowth(rate=rate, from_year=ck.integer(g, "from_year", gpath,
                                                                 minimum=MIN_YEAR), source=src)
    common = {"rebase": ck.boolean(data, "rebase", path, default=True), "real_growth": growth,
              "source": ck.text(data, "source", path)}
    inherit: dict[str, Any] = {}
    kind = given[0]
    if kind == "measure":
        measure = ck.text(data, "measure", path, choices=tuple(MEASURES))
        variant = ck.text(data, "variant", path, choices=MEASURE_VARIANTS,
                          default="central")
        if not measure:
            return None, {}
        m = MEASURES[measure]
        inherit = {"value_type": m.value_type, "health": m.health}
        return UnitValueSpec(measure=measure, variant=variant or "central", **common), inherit
    if kind == "code":
        code = ck.text(data, "code", path)
        pack_name = ck.text(data, "pack", path)
        pack = _find_code(ck, code, pack_name, packs, path)
        if pack is None:
            return None, {}
        row = pack.rows[code]
        inherit = {"value_type": row.value_type, "agency": row.agency,
                   "cashable": row.cashable if row.value_type == "fiscal" else None,
                   "health": row.schedule == "health"}
        return UnitValueSpec(pack=pack.name, code=code, **common), inherit
    value = ck.number(data, "value", path, low=0.0)
    year = ck.integer(data, "price_year", path, minimum=MIN_YEAR)
    if year is None and "price_year" not in data:
        ck.error((*path, "price_year"), "missing-price-year", "an explicit unit value needs "
                 "its 'price_year' (the prices it is expressed in)", "add 'price_year: YYYY'; "
                 "the value is then rebased to the case's price base")
    if value is None or year is None:
        return None, {}
    return UnitValueSpec(value=value, unit=ck.text(data, "unit", path), price_year=year,
                         **common), inherit


def _parse_outcome(ck: Any, raw: Any, path: tuple, horizon: int | None) -> OutcomeChain | None:
    data = ck.mapping(raw, path, "'outcome'")
    if data is None:
        return None
    ok = True
    if "attribution" in data:  # the old key meant the opposite share: refuse, never reinterpret
        ck.error((*path, "attribution"), "renamed-key",
                 renamed_attribution_message(data["attribution"]),
                 "replace 'attribution: a' by 'attribution_to_others: 1 − a'")
        ok = False
    ck.unknown_keys({k: v for k, v in data.items() if k != "attribution"}, OUTCOME_KEYS, path)
    values: dict[str, Any] = {}
    defaults = OutcomeChain()
    for key in _FACTORS:
        if key in data and data[key] is not None:
            v = ck.number(data, key, path, low=0.0, high=1.0,
                          hint=f"'{key}' is a fraction: 0.25 for 25%")
            ok &= v is not None
            values[key] = getattr(defaults, key) if v is None else v
    if data.get("quantity_per_outcome") is not None:
        v = ck.number(data, "quantity_per_outcome", path, low=0.0)
        ok &= v is not None
        values["quantity_per_outcome"] = 1.0 if v is None else v
    lag = ck.integer(data, "lag", path, default=0, minimum=0)
    persistence = ck.integer(data, "persistence", path, default=1, minimum=1)
    if horizon is not None and persistence is not None and persistence > horizon:
        ck.error((*path, "persistence"), "out-of-range", f"'persistence' ({persistence}) is "
                 f"longer than the appraisal period ({horizon} years)",
                 "shorten 'persistence' or extend 'horizon_years'")
        ok = False
    if persistence == 1 and values.get("drop_off", 0.0) > 0:
        ck.error((*path, "drop_off"), "drop-off-without-persistence",
                 f"'drop_off' ({values['drop_off']:g}) applies from the second year of an "
                 "outcome, but 'persistence' is "
                 + ("1" if "persistence" in data else "not given (1 year)")
                 + ", so it would be ignored",
                 "set 'persistence: N' years for the outcome to last, or remove 'drop_off'")
        ok = False
    if not ok or lag is None or persistence is None:
        return None
    return OutcomeChain(**values, lag=lag, persistence=persistence,
                        source=ck.text(data, "source", path))


def _parse_incidence(ck: Any, raw: Any, path: tuple, dist: DistributionSpec | None
                     ) -> dict[str, float] | None:
    data = ck.mapping(raw, path, "'incidence'")
    if data is None:
        return None
    if dist is None:
        if any(i.field.startswith("distribution") for i in ck.issues.errors):
            return None  # the section is there but refused: that problem is reported
        ck.error(path, "no-distribution", "'incidence' needs a 'distribution:' section that "
                 "defines the groups and their incomes", "add the section, or remove 'incidence'")
        return None
    # every group and share is checked, and the sum whenever every share is a number (a
    # misspelt group does not hide the others' problems)
    shares: dict[str, float] = {}
    known = True
    for group, value in data.items():
        if group not in dist.groups:
            close = did_you_mean(str(group), list(dist.groups))
            ck.error((*path, group), "unknown-group", f"incidence names group '{group}', which "
                     f"is not in distribution.groups ({', '.join(dist.groups)})",
                     close or "use the group names exactly")
            known = False
        v = ck.as_number(value, (*path, group), f"share of {group}", low=0.0, high=1.0,
                         hint="shares are fractions: 0.4 for 40%")
        if v is not None:
            shares[str(group)] = v
    if len(shares) != len(data):
        return None
    total = math.fsum(shares.values())
    if abs(total - 1.0) > 1e-6:
        ck.error(path, "incidence-sum", f"incidence shares sum to {total:g}; they must sum to 1",
                 "shares say how the whole line falls across groups: make them add up to 1")
        return None
    return shares if known else None


def parse_line_public_value(ck: Any, data: Mapping, path: tuple, *, packs: Mapping[str, Any],
                            distribution: DistributionSpec | None, horizon: int | None
                            ) -> dict[str, Any]:
    """Parse a line's public-value fields; return Line keyword arguments and inherited defaults.

    The result has the keys ``unit_value``, ``outcome``, ``incidence``, ``effect``,
    ``transfer`` and ``inherit`` (value type, agency, cashable and ``health`` from the unit
    value, used when the line does not give them).
    """
    out: dict[str, Any] = {"unit_value": None, "outcome": None, "incidence": {}, "inherit": {}}
    if data.get("unit_value") is not None:
        spec, inherit = _parse_unit_value(ck, data["unit_value"], (*path, "unit_value"), packs)
        out["unit_value"], out["inherit"] = spec, inherit
        if data.get("price_basis") == "nominal":
            ck.error((*path, "price_basis"), "nominal-unit-value", "a line valued with a unit "
                     "value is in the value's own price year, not nominal",
                     "remove 'price_basis: nominal'")
    if data.get("outcome") is not None:
        out["outcome"] = _parse_outcome(ck, data["outcome"], (*path, "outcome"), horizon)
    if data.get("incidence") is not None:
        out["incidence"] = _parse_incidence(ck, data["incidence"], (*path, "incidence"),
                                            distribution) or {}
    out["effect"] = ck.text(data, "effect", path)
    out["transfer"] = ck.boolean(data, "transfer", path)
    return out


def parse_public_value_sections(ck: Any, root: Mapping, base_dir: Any, *,
                                options: Sequence[Any] | None = None) -> dict[str, Any]:
    """Parse the public-value sections of a case.

    Without ``options``: the sections lines refer to (``unit_value_packs``,
    ``distribution``), parsed before the lines. With ``options``: the ``non_monetised``
    register, which names options.
    """
    out: dict[str, Any] = {}
    if options is not None:
        if root.get("non_monetised") is not None:
            cf = [o.name for o in options if o.counterfactual]
            register = parse_register(ck, root["non_monetised"], ("non_monetised",),
                                      [o.name for o in options], cf[0] if len(cf) == 1 else None)
            if register is not None:
                out["non_monetised"] = register
        return out
    if root.get("unit_value_packs") is not None:
        out["unit_value_packs"] = parse_unit_value_packs(
            ck, root["unit_value_packs"], ("unit_value_packs",),
            Path(base_dir) if base_dir is not None else None)
    if root.get("distribution") is not None:
        dist = parse_distribution(ck, root["distribution"], ("distribution",))
        if dist is not None:
            out["distribution"] = dist
    if root.get("public_value") is not None:
        ledger = parse_public_value_options(ck, root["public_value"], ("public_value",))
        if ledger is not None:
            out["public_value"] = ledger
    return out


def parse_public_value_options(ck: Any, raw: Any, path: tuple) -> dict[str, Any] | None:
    """Options of the public-value ledger: ``pooled_budget: {basis: cashable | all_fiscal}``.

    ``cashable`` (the default) funds a pooled budget only from savings that release
    budget; ``all_fiscal`` counts non-cashable savings too.
    """
    data = ck.mapping(raw, path, "'public_value'")
    if data is None:
        return None
    ck.unknown_keys(data, ("pooled_budget",), path)
    if data.get("pooled_budget") is None:
        return {}
    pool_path = (*path, "pooled_budget")
    pool = ck.mapping(data["pooled_budget"], pool_path, "'pooled_budget'")
    if pool is None:
        return None
    ck.unknown_keys(pool, ("basis",), pool_path)
    basis = ck.text(pool, "basis", pool_path, choices=POOL_BASES, default="cashable")
    return {"pooled_budget": {"basis": basis or "cashable"}}
