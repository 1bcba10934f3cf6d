"""Checks that catch common appraisal errors, reported as located warnings.

Each warning names the line, the option and the rule (its ``code``):

``double-count``
    the same outcome valued twice in one option: two lines with the same ``effect``; a
    QALY line and a WELLBY line for effects not told apart; the same unit value used
    twice for the same agency without saying which effect each line values;
``transfer-as-benefit``
    a transfer between groups (``transfer: true``, or a line named or categorised as a
    benefit payment, tax or grant) counted as a benefit: transfers are not a gain to
    society (Green Book 2018 para A1.2; they matter only distributionally);
``health-on-standard-schedule``
    a health or life value (QALY, WELLBY, prevented fatality, or a pack value marked
    ``schedule: health``) discounted on the standard schedule instead of the health one;
``value-not-rebased``
    a unit value used outside its price year without rebasing (``rebase: false``), or a
    line ``price_year`` that disagrees with its unit value's (the value's own is used);
``price-year-basis``
    a financial-year value rebased with the calendar-year deflator (an approximation);
``additionality-range``
    an outcome-chain factor outside the plausible range :data:`PLAUSIBLE_RANGES` (a
    factor left at its neutral default is not applied, so not checked), or zero
    deadweight (none of the outcomes would have happened anyway);
``no-source``
    an explicit unit value, or an outcome chain's factors, with no source;
``own-discount-schedule``
    lines discounted on a schedule the case gives itself (``discount_schedules``) rather
    than a Green Book one: a lower rate on benefits raises an option's NPSV, so the
    reviewer is told which lines and what rates;
``wellbeing-income-weighted``
    the case opts in to income-weighting lines valued in WELLBYs
    (``distribution: {weight_wellbeing: true}``): a WELLBY is already a unit of
    wellbeing, so income weights count diminishing marginal utility twice.

The plausible ranges are review policy, not published parameters, so they are module
constants (and an argument of :func:`check_case`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from appraisal.case.model import Case, Line, OutcomeChain
from appraisal.errors import Issue, Severity
from appraisal.greenbook.valuation import MEASURES, Valuation

__all__ = ["PLAUSIBLE_RANGES", "TRANSFER_PATTERN", "check_case"]

#: Plausible (low, high) of each outcome-chain factor; outside it a warning asks for evidence.
PLAUSIBLE_RANGES: Mapping[str, tuple[float, float]] = {
    "engagement": (0.05, 1.0),
    "success": (0.01, 0.9),
    "deadweight": (0.0, 0.9),
    "displacement": (0.0, 0.9),
    "leakage": (0.0, 0.9),
    "attribution_to_others": (0.0, 0.9),
    "drop_off": (0.0, 0.9),
}
#: Names and categories that suggest a transfer rather than a resource gain.
TRANSFER_PATTERN = re.compile(
    r"\b(transfers?|benefit payments?|welfare payments?|universal credit|housing benefit|"
    r"tax (receipts?|revenues?|credits?)|council tax|subsid(y|ies)|grant payments?)\b",
    re.IGNORECASE)
_HEALTH_FAMILY = ("qaly", "wellby")
_NEUTRAL = OutcomeChain()


def _warn(code: str, line: Line, index: int, case: Case, message: str, fix: str,
          field: str = "") -> Issue:
    where = line.location or f"{case.source_path}: lines[{index}] '{line.name}'"
    return Issue(code, f"line '{line.name}' ({line.option}): {message}", where,
                 f"lines[{index}]{'.' + field if field else ''}", fix, Severity.WARNING)


def _value_key(line: Line) -> str | None:
    spec = line.unit_value
    if spec is None:
        return None
    if spec.measure is not None:
        return f"measure:{spec.measure}"
    if spec.code is not None:
        return f"code:{spec.pack}:{spec.code}"
    return None


def _double_counting(case: Case) -> list[Issue]:
    out: list[Issue] = []
    by_option: dict[str, list[tuple[int, Line]]] = defaultdict(list)
    for i, line in enumerate(case.lines):
        if line.kind == "benefit":
            by_option[line.option].append((i, line))
    for option, items in by_option.items():
        seen_effect: dict[str, str] = {}
        for i, line in items:
            effect = line.effect.strip().lower()
            if effect and effect in seen_effect:
                out.append(_warn("double-count", line, i, case,
                                 f"values effect '{line.effect}', already valued by line "
                                 f"'{seen_effect[effect]}'", "value each effect once: keep the "
                                 "better-evidenced line", "effect"))
            elif effect:
                seen_effect[effect] = line.name
        health = [(i, ln) for i, ln in items if ln.unit_value is not None
                  and ln.unit_value.measure in _HEALTH_FAMILY]
        measures = {ln.unit_value.measure for _, ln in health}  # type: ignore[union-attr]
        if len(measures) > 1:
            effects = [ln.effect.strip().lower() for _, ln in health]
            if any(not e for e in effects) or len(set(effects)) < len(effects):
                i, line = health[-1]
                others = ", ".join(f"'{ln.name}'" for _, ln in health[:-1])
                out.append(_warn("double-count", line, i, case,
                                 f"QALYs and WELLBYs are both used in option '{option}' (also "
                                 f"{others}) without distinct effects: one health gain valued "
                                 "both ways is counted twice", "use one measure per effect, "
                                 "and name each line's 'effect'", "unit_value"))
        seen_value: dict[tuple[str, str], str] = {}
        for i, line in items:
            key = _value_key(line)
            if key is None or line.effect.strip():
                continue
            k = (key, line.agency)
            if k in seen_value:
                out.append(_warn("double-count", line, i, case,
                                 f"uses the same unit value ({key.split(':', 1)[1]}) for the "
                                 f"same agency as line '{seen_value[k]}'", "if they value "
                                 "different outcomes, say so with 'effect'; otherwise drop one",
                                 "unit_value"))
            else:
                seen_value[k] = line.name
    return out


def _transfers(case: Case) -> list[Issue]:
    out = []
    for i, line in enumerate(case.lines):
        if line.kind != "benefit":
            continue
        text = f"{line.name} {line.category}"
        if line.transfer or TRANSFER_PATTERN.search(text):
            why = "is marked as a transfer" if line.transfer else (
                f"looks like a transfer ('{TRANSFER_PATTERN.search(text).group(0)}')")  # type: ignore[union-attr]
            out.append(_warn("transfer-as-benefit", line, i, case,
                             f"{why} but is counted as a benefit: a transfer moves money between "
                             "groups and is not a gain to society", "remove it from the "
                             "benefits (count only real resource savings, e.g. administration "
                             "costs), or show it in the distributional analysis only",
                             "transfer" if line.transfer else "name"))
    return out


def _valuation_rules(case: Case, valuations: Sequence[Valuation | None],
                     unit_packs: Mapping[str, Any]) -> list[Issue]:
    out = []
    for i, line in enumerate(case.lines):
        val = valuations[i] if i < len(valuations) else None
        health = val.health if val is not None else line_is_health_value(line, unit_packs)
        if health and line.schedule == "standard":
            what = (MEASURES[line.unit_value.measure].unit if line.unit_value  # type: ignore[union-attr]
                    and line.unit_value.measure else "health value")
            out.append(_warn("health-on-standard-schedule", line, i, case,
                             f"a health or life value ({what}) is discounted on the standard "
                             "schedule", "use 'schedule: health' (Green Book A6: the health "
                             "rate excludes the wealth effect), or remove the explicit "
                             "'schedule: standard'", "schedule"))
        if val is None:
            continue
        if not val.rebased and val.price_year != case.price_base_year:
            out.append(_warn("value-not-rebased", line, i, case,
                             f"its unit value is in {val.price_year_label} prices but is used "
                             f"in {case.price_base_year} prices without rebasing",
                             "remove 'rebase: false' so the value is rebased with the GDP "
                             "deflator", "unit_value.rebase"))
        if line.price_year is not None and line.price_year != val.price_year:
            out.append(_warn("value-not-rebased", line, i, case,
                             f"'price_year' {line.price_year} differs from its unit value's "
                             f"price year ({val.price_year_label}); the value's own price year "
                             "is used and rebased", "remove the line's 'price_year'",
                             "price_year"))
        if val.extra.get("financial_year") and case.prices.deflator_basis == "calendar":
            out.append(_warn("price-year-basis", line, i, case,
                             f"its unit value is in financial-year prices "
                             f"({val.price_year_label}) but is rebased with the calendar-year "
                             "deflator (an approximation)", "set 'prices: {deflator_basis: "
                             "financial}' and load the financial-year series", "unit_value"))
        if val.method == "explicit" and not (line.unit_value and line.unit_value.source.strip()):
            out.append(_warn("no-source", line, i, case, "its explicit unit value has no source",
                             "add 'source:' to the unit_value (study, database, table)",
                             "unit_value.source"))
    return out


def _additionality(case: Case, ranges: Mapping[str, tuple[float, float]]) -> list[Issue]:
    out = []
    for i, line in enumerate(case.lines):
        chain = line.outcome
        if chain is None:
            continue
        for name, (low, high) in ranges.items():
            value = getattr(chain, name)
            if name == "drop_off" and chain.persistence <= 1:
                continue
            if name != "deadweight" and value == getattr(_NEUTRAL, name):
                continue  # left at its default: the factor is not applied
            if value < low or value > high:
                out.append(_warn("additionality-range", line, i, case,
                                 f"{name} {value:g} is outside the plausible range "
                                 f"{low:g}..{high:g}", "check the evidence for it and cite it "
                                 "in the outcome's 'source'", f"outcome.{name}"))
        if chain.deadweight == 0:
            out.append(_warn("additionality-range", line, i, case,
                             "deadweight is 0: this assumes none of the outcomes would have "
                             "happened without the intervention", "estimate deadweight from a "
                             "comparison group or the evaluation evidence", "outcome.deadweight"))
        if not chain.source.strip() and not line.source.strip():
            out.append(_warn("no-source", line, i, case, "its outcome-chain factors have no "
                             "source", "add 'source:' to the outcome (evaluation, study)",
                             "outcome.source"))
    return out


def check_case(case: Case, *, valuations: Sequence[Valuation | None] = (),
               unit_packs: Mapping[str, Any] | None = None,
               ranges: Mapping[str, tuple[float, float]] = PLAUSIBLE_RANGES) -> list[Issue]:
    """Every common-error warning for a case.

    Parameters
    ----------
    case : Case
        The case.
    valuations : sequence of Valuation or None
        Each line's resolved unit value (from :func:`appraisal.engine.compile.compile_case`).
    unit_packs : mapping, optional
        The case's unit-value packs.
    ranges : mapping, optional
        Plausible range of each outcome-chain factor.

    Returns
    -------
    list of Issue
        Warnings (never errors), each naming the line, the rule and the fix.

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=2,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "Housing benefit paid", "kind": "benefit",
    ...             "values": {2025: 10}}])
    >>> [w.code for w in check_case(case)]
    ['transfer-as-benefit']
    """
    packs = dict(unit_packs or case.sections.get("unit_value_packs", {}) or {})
    return [*_double_counting(case), *_transfers(case),
            *_valuation_rules(case, valuations, packs), *_additionality(case, ranges),
            *_wellbeing_weighting(case, valuations), *_own_schedules(case)]


def _own_schedules(case: Case) -> list[Issue]:
    out = []
    for name, rates in case.discount_schedules.items():
        used = [i for i, ln in enumerate(case.lines) if ln.schedule == name]
        if not used:
            continue
        line = case.lines[used[0]]
        lo, hi = min(rates), max(rates)
        span = f"{lo:.2%}" if lo == hi else f"{lo:.2%} to {hi:.2%}"
        others = f" and {len(used) - 1} other line(s)" if len(used) > 1 else ""
        out.append(_warn("own-discount-schedule", line, used[0], case,
                         f"it{others} {'are' if others else 'is'} discounted on the case's "
                         f"own schedule '{name}' "
                         f"({span} a year), not on a Green Book schedule",
                         "say where these rates come from and why the Green Book STPR does "
                         "not apply; a lower rate on benefits raises the NPSV", "schedule"))
    return out


def _wellbeing_weighting(case: Case, valuations: Sequence[Valuation | None]) -> list[Issue]:
    dist = case.sections.get("distribution")
    if dist is None or not getattr(dist, "weight_wellbeing", False):
        return []
    names = [f"{ln.name} ({ln.option})" for ln, v in zip(case.lines, valuations, strict=False)
             if v is not None and "WELLBY" in v.unit.upper()]
    if not names:
        return []
    path = "distribution.weight_wellbeing"
    return [Issue("wellbeing-income-weighted",
                  f"income weights are applied to lines valued in WELLBYs ({', '.join(names)}): "
                  "a WELLBY is already a unit of wellbeing, valued the same whoever gains it, "
                  "so weighting it by income counts diminishing marginal utility twice",
                  case.locate(path), path,
                  "remove 'weight_wellbeing: true' unless you have a reason to weight "
                  "wellbeing values; the output shows the weighted NPSV both ways",
                  Severity.WARNING)]


def line_is_health_value(line: Line, unit_packs: Mapping[str, Any] | None = None) -> bool:
    """True when a line is valued with a health or life value (QALY, WELLBY, VPF ...)."""
    spec = line.unit_value
    if spec is None:
        return False
    if spec.measure is not None:
        m = MEASURES.get(spec.measure)
        return bool(m and m.health)
    if spec.code is not None and unit_packs:
        name = spec.pack or (next(iter(unit_packs)) if len(unit_packs) == 1 else None)
        upack = unit_packs.get(name) if name else None
        if upack is not None and spec.code in upack.rows:
            return upack.rows[spec.code].schedule == "health"
    return False
