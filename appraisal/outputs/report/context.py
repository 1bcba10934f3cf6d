"""Build the report context (the plain dict :func:`render_report` renders) from a result.

:func:`report_context` is the bridge from an :class:`~appraisal.engine.results.AppraisalResult`
to the schema documented in :mod:`appraisal.outputs.report`. Money is shown on the decision
basis of the Green Book: every option's present values are **incremental to the
counterfactual** (whose own row is therefore zero), so NPSV, BCR and the
value-for-money category in one row agree with each other. The PV table groups the
lines by their ``category`` (or, when a line has none, by its own name) and kind, and
reconciles to the totals to the penny.

Lenses computed by :func:`appraisal.evaluate` fill their sections (public value,
distributional weights, non-monetised impacts); lenses contributed by other modules
take part by duck typing: a payload with ``report_context()`` under the key ``"mca"``
or ``"uncertainty"`` is merged into that section, and one with ``report_strategic()``
becomes the ``strategic`` section. A section with no data is left out, never shown
empty.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from appraisal.engine.headline import LABELS, headline
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.formatting import choose_money_unit
from appraisal.greenbook.cba import NET_SAVING, Conclusion
from appraisal.outputs.report.narrative import (
    at_a_glance,
    category_kinds,
    key_uncertainties_text,
    rationale_text,
    switching_text,
    value_of_information_text,
)
from appraisal.outputs.report.schema import SCHEMA_VERSION, validate_context

__all__ = ["report_context"]

_NOT_APPLICABLE = "n/a (counterfactual)"
_MEASURES = {"capex": "capital costs", "opex": "operating costs", "duration": "works duration"}
_SCALE_ORDER = range(-3, 4)


def report_context(result: Any, *, command: str | None = None) -> dict[str, Any]:
    """The report context of an appraisal result, checked against the schema.

    Parameters
    ----------
    result : AppraisalResult
        What :func:`appraisal.evaluate` returned.
    command : str, optional
        The command line that produced the result, recorded in the audit block.

    Returns
    -------
    dict
        A JSON-compatible context (schema version 1; see :mod:`appraisal.outputs.report`).
        ``meta.date`` and ``audit.generated_at`` record when it was built.

    Raises
    ------
    AppraisalValidationError
        If ``result`` is not an appraisal result. A context that fails
        :func:`~appraisal.outputs.report.validate_context` is a bug in this function and is
        raised as the same error.

    Examples
    --------
    >>> from appraisal import evaluate, example_path, load_case
    >>> ctx = report_context(evaluate(load_case(example_path("minimal"))))
    >>> ctx["summary"]["preferred_option"], [m["vfm_category"] for m in ctx["cba"]["metrics"]]
    ('Business as usual', ['n/a (counterfactual)', 'Poor'])
    >>> "public_value" in ctx  # the minimal case has no agencies: the section is left out
    False
    """
    _check_result(result)
    ids = _option_ids(result)
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    lenses = result.lenses
    uncertainty = _merge(_switching_rows(result, ids), lenses.get("uncertainty"))
    voi = _value_of_information(lenses.get("uncertainty"))
    if voi:
        uncertainty["value_of_information"] = voi
    value_range = _unit_value_range(result, ids)
    if value_range:
        uncertainty["unit_value_range"] = value_range
    if uncertainty.get("switching_values"):  # ours and the lens's, in one table, closest first
        uncertainty["switching_values"] = sorted(
            (_worded_switching_row(r) for r in uncertainty["switching_values"]),
            key=lambda r: (r.get("change") is None, abs(r.get("change") or 0.0)))
    ctx: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "meta": _meta(result, ids, now),
        "options": [{"id": ids[o.name], "name": o.name,
                     **({"description": o.description} if o.description else {})}
                    for o in result.case.options],
        "headline": _headline(result, ids),
        "labels": dict(LABELS),
        "summary": {},  # filled below, once the sections it summarises exist
        "strategic": _strategic(lenses),
        "cba": _cba(result, ids),
        "optimism_bias": _optimism_bias(result, ids),
        "public_value": _public_value(result, ids),
        "distributional": _distributional(result, ids),
        "non_monetised": _non_monetised(result, ids),
        "mca": _mca(lenses.get("mca")),
        "uncertainty": uncertainty,
        "financial_case": _financial_case(lenses.get("affordability"), ids),
        "cost_effectiveness": _cost_effectiveness(lenses.get("cost_effectiveness"),
                                                  lenses.get("uncertainty"), ids),
        "parameters": [_parameter(r) for r in sorted(
            result.parameters_used, key=lambda r: (  # a table's rows together, by first use
                [p.table_name for p in result.parameters_used].index(r.table_name),
                _band_start(r)))],
        "audit": _audit(result, now, command, uncertainty),
    }
    ctx["summary"] = _summary(result, ids, ctx)
    ctx["at_a_glance"] = at_a_glance(ctx, result.manifest)
    ctx = {k: v for k, v in ctx.items() if v not in (None, {}, [])}
    validate_context(ctx)
    return ctx


# --------------------------------------------------------------------------- helpers
def _check_result(result: Any) -> None:
    needed = ("case", "compiled", "options", "preferred_option", "switching_values",
              "pv_lines", "real_flows", "parameters_used", "lenses", "manifest")
    missing = [n for n in needed if not hasattr(result, n)]
    if missing:
        msg = (f"'result' must be an AppraisalResult (got {type(result).__name__}, which "
               f"lacks {', '.join(missing)})")
        raise AppraisalValidationError([Issue(
            "not-a-result", msg, field="result",
            fix="pass what appraisal.evaluate(case) returns")], source="report_context")


def _option_ids(result: Any) -> dict[str, str]:
    """Option name -> id: the name itself, or ``option-N`` when it cannot be an id."""
    ids = {}
    for i, o in enumerate(result.case.options):
        ok = bool(re.fullmatch(r"[^\s].{0,199}", o.name, flags=re.DOTALL))
        ids[o.name] = o.name if ok else f"option-{i + 1}"
    return ids


def _label(text: str) -> str:
    """``"fiscal saving"`` -> ``"Fiscal saving"`` (first letter only; the rest kept)."""
    return text[:1].upper() + text[1:] if text else text


def _merge(own: dict[str, Any], payload: Any) -> dict[str, Any]:
    """Merge a lens's ``report_context()`` dict into a section (lists are concatenated)."""
    out = dict(own)
    extra = payload.report_context() if hasattr(payload, "report_context") else None
    for key, value in (extra or {}).items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        else:
            out[key] = value
    return out


def _financial_case(payload: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    """The affordability lens's ``report_context`` (the "Financial case" section)."""
    return payload.report_context(ids) if hasattr(payload, "report_context") else {}


def _cost_effectiveness(payload: Any, uncertainty: Any, ids: Mapping[str, str]
                        ) -> dict[str, Any]:
    """The cost-effectiveness lens's ``report_context``, with the acceptability curves from
    the uncertainty lens's draws when it ran (the "Cost-effectiveness" section)."""
    if not hasattr(payload, "report_context"):
        return {}
    acc = getattr(uncertainty, "acceptability", None) or {}
    return payload.report_context(ids, acc.get("cost_effectiveness"))


def _strategic(lenses: Mapping[str, Any]) -> dict[str, Any]:
    for payload in lenses.values():
        if hasattr(payload, "report_strategic"):
            return dict(payload.report_strategic() or {})
    return {}


def _subject_option(result: Any) -> str:
    """The option the detail tables describe: the preferred one, or the best alternative."""
    cf = result.case.counterfactual.name
    if result.preferred_option != cf:
        return result.preferred_option
    alternatives = [m for m in result.options if not m.counterfactual]
    return max(alternatives, key=lambda m: m.inc_npsv).name if alternatives else cf


# --------------------------------------------------------------------------- meta
def _schedule_text(result: Any) -> str:
    """The discount rates used, band by band, from the parameter rows of the run."""
    horizon = result.case.horizon_years
    parts = []
    for name in result.compiled.schedule_names:
        rows = [r for r in result.parameters_used if r.table_name == "discount_schedules"
                and r.get("schedule") == name]
        bands = []
        for r in sorted(rows, key=lambda r: int(r.get("from_t"))):
            start = int(r.get("from_t"))
            if start >= horizon:
                continue
            end = min(int(r.get("to_t")) if r.get("to_t") else horizon - 1, horizon - 1)
            bands.append(f"{float(r.value) * 100:.4g}% a year for years {start}–{end}")
        if bands:
            parts.append(f"{name} schedule: {', then '.join(bands)}")
    timing = {"end": "end", "start": "start", "mid": "middle"}.get(result.case.timing,
                                                                   result.case.timing)
    text = "; ".join(parts) or "discount rates supplied with the case"
    return f"{_label(text)}; flows at the {timing} of each year"


def _bcr_definition(result: Any) -> str:
    cf = result.case.counterfactual.name
    return f"{result.bcr_definition_text}; both terms incremental to {cf}"


def _meta(result: Any, ids: Mapping[str, str], now: _dt.datetime) -> dict[str, Any]:
    case = result.case
    meta: dict[str, Any] = {
        "title": case.title,
        "subtitle": "Economic case",
        "date": f"{now.day} {now:%B %Y}",
        "price_base_year": case.price_base_year,
        "discount_base_year": case.base_year,
        "appraisal_period": {"start": case.years[0], "end": case.years[-1]},
        "discount_schedule": _schedule_text(result),
        "bcr_definition": _bcr_definition(result),
        "counterfactual": ids[case.counterfactual.name],
        "money_unit": "auto",
    }
    if case.organisation:
        meta["organisation"] = case.organisation
    return meta


def _headline(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    """:func:`appraisal.engine.headline.headline` with option ids for names."""
    head = headline(result)
    out = {k: v for k, v in head.items() if k != "labels"}
    out["preferred_option"] = ids[head["preferred_option"]]
    out["counterfactual"] = ids[head["counterfactual"]]
    if head["best_alternative"]:
        out["best_alternative"] = {**head["best_alternative"],
                                   "option": ids[head["best_alternative"]["option"]]}
    return out


# --------------------------------------------------------------------------- cost-benefit
def _line_groups(result: Any) -> list[tuple[str, str, list[int]]]:
    """(category label, kind, line indices), in order of first appearance, benefits first."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, line in enumerate(result.case.lines):
        groups.setdefault((_label(line.category or line.name), line.kind.value), []).append(i)
    ordered = sorted(groups.items(), key=lambda kv: kv[0][1] != "benefit")
    return [(cat, kind, idx) for (cat, kind), idx in ordered]


def _cba(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    compiled = result.compiled
    cf = int(result.compiled.counterfactual)
    names = compiled.option_names
    onehot = compiled.option_matrix  # (L, O)
    pv = np.asarray(result.pv_lines, dtype=float)
    metrics = []
    for m in result.options:
        if m.counterfactual:
            metrics.append({"option": ids[m.name], "pv_costs": 0.0, "pv_benefits": 0.0,
                            "npsv": 0.0, "bcr": None, "vfm_category": _NOT_APPLICABLE})
            continue
        row = {"option": ids[m.name], "pv_costs": m.inc_pv_costs,
               "pv_benefits": m.inc_pv_benefits, "npsv": m.inc_npsv, "bcr": m.inc_bcr,
               "vfm_category": m.vfm_category or (
                   f"Not defined: {NET_SAVING} (compare NPSV)" if m.inc_net_saving
                   else "Not defined (compare NPSV)")}
        if m.inc_bcr is None and m.bcr_note:
            row["bcr_note"] = m.bcr_note
        metrics.append(row)
    pv_lines = []
    for category, kind, idx in _line_groups(result):
        by_option = pv[idx] @ onehot[idx]  # (O,)
        inc = by_option - by_option[cf]
        pv_lines.append({"category": category, "kind": kind,
                         "pv": {ids[n]: float(inc[o]) for o, n in enumerate(names)}})
    signed = np.where(compiled.is_cost[:, None], -result.real_flows, result.real_flows)
    net = onehot.T @ signed  # (O, T)
    cash = {ids[n]: [float(v) for v in net[o] - net[cf]]
            for o, n in enumerate(names) if o != cf}
    return {
        "comparison": f"incremental to {result.case.counterfactual.name} (the counterfactual)",
        "metrics": metrics,
        "pv_lines": pv_lines,
        "cash_flows": {"measure": "Net benefit (benefits minus costs), incremental to "
                                  f"{result.case.counterfactual.name}",
                       "years": [int(y) for y in compiled.years], "net": cash},
        "waterfall_option": ids[_subject_option(result)],
    }


def _ob_label(ob: Any, measure: Any, labels: Mapping[str, str]) -> str:
    """Project type (or mix) of a line's optimism bias, from the recorded breakdown."""
    if measure.shares:
        return "mix: " + ", ".join(f"{s:.0%} {labels.get(t, t)}" for t, s in
                                   measure.shares.items())
    if ob.project_type:
        return labels.get(ob.project_type, ob.project_type)
    return "uplift specified in the case"


def _optimism_bias(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    """Rows of the optimism-bias table, read from the recorded breakdown of each line:
    upper bound (starting value), managed reduction Σ c_i m_i and uplift applied, for the
    cost measure and, where switched on, the works duration."""
    rows = []
    labels = {str(r.get("project_type")): str(r.get("label")) for r in result.parameters_used
              if r.table_name == "optimism_bias"}
    delays = result.compiled.completion_delay
    for i, line in enumerate(result.case.lines):
        ob = result.compiled.optimism_bias[i]
        if ob is None or not (ob.cost.upper or ob.duration is not None):
            continue
        pv = float(result.pv_lines[i])
        base = pv / (1.0 + ob.uplift)
        row = {"option": ids[line.option],
               "project_type": f"{_ob_label(ob, ob.cost, labels)} "
                               f"({_MEASURES.get(ob.measure, ob.measure)}): {line.name}",
               "upper_bound": float(ob.cost.upper), "mitigation": float(ob.cost.reduction),
               "applied": float(ob.uplift), "base_pv": base, "uplift_pv": pv - base}
        if ob.duration is not None:
            waiting = [ln.name for j, ln in enumerate(result.case.lines)
                       if ln.option == line.option and delays is not None and delays[j]]
            row.update(duration_upper_bound=float(ob.duration.upper),
                       duration_mitigation=float(ob.duration.reduction),
                       duration_applied=float(ob.duration.uplift),
                       completion_delay_years=int(ob.slip), delayed_lines=waiting)
        rows.append(row)
    if not rows:
        return {}
    return {"rows": rows, "note": (
        "Present values here are absolute (not incremental). PV of costs before uplift is "
        "the line's PV divided by (1 + uplift applied); any works-duration stretch is "
        "included in both columns. Mitigation is the managed share of the bias, the sum "
        "over risk areas of contribution × mitigation factor; uplift applied = upper bound "
        "× (1 − mitigation). A works-duration uplift stretches the works and delays, by the "
        "whole years the works now finish later, the option's lines that wait for "
        "completion.")}


# --------------------------------------------------------------------------- lenses
def _public_value(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    ledger = result.lenses.get("public_value")
    if ledger is None or not hasattr(ledger, "by_value_type"):
        return {}
    cf = int(result.compiled.counterfactual)
    absolute = ledger.by_value_type()
    base = absolute[cf]
    by_type, unclassified = [], 0.0
    for row in absolute:
        by_type.append({"option": ids[row["option"]],
                        **{k: float(row[k] - base[k]) for k in ("fiscal", "economic", "social")}})
        unclassified = max(unclassified, abs(row.get("unclassified", 0.0) - base.get(
            "unclassified", 0.0)))
    subject = _subject_option(result)
    agency_rows = [
        {"agency": r["agency"], "pv_costs": r["inc_pv_costs"], "pv_benefits": r["inc_pv_benefits"],
         "net": r["inc_net"], "payback_year": r["payback_year"]}
        for r in ledger.agency_rows(ledger.option_names.index(subject))
        if r["inc_pv_costs"] or r["inc_pv_benefits"]]
    cfn = result.case.counterfactual.name
    note = f"All figures are incremental to {cfn}."
    if unclassified > 0.5:
        note += (" Some lines have no type of value, so fiscal + economic + social does not "
                 "add up to the NPSV.")
    out: dict[str, Any] = {"by_value_type": by_type, "note": note}
    if agency_rows and subject != cfn:
        out["agencies"] = {"option": ids[subject], "rows": agency_rows}
        o = ledger.option_names.index(subject)
        pool = _pooled_budget(ledger.pooled_budget(o) if hasattr(ledger, "pooled_budget")
                              else None, ids)
        if pool:
            out["pooled_budget"] = pool
        cash = _cash_by_year(ledger.cash_rows(o) if hasattr(ledger, "cash_rows") else [],
                             ids[subject])
        if cash:
            out["cash_by_year"] = cash
    return out


_POOL_BASIS = {"cashable": "cashable savings", "all_fiscal": "fiscal benefits"}


def _pooled_budget(pool: Mapping[str, Any] | None, ids: Mapping[str, str]) -> dict[str, Any]:
    """The ledger's pooled budget of the headline option: each partner's savings, what it
    pays as the case is funded, and what it would pay in proportion to its savings."""
    if not pool or not pool.get("partners"):
        return {}
    basis = str(pool["basis"])
    return {
        "option": ids[pool["option"]], "basis": _POOL_BASIS.get(basis, basis.replace("_", " ")),
        "pooled_cost": float(pool["pooled_cost"]), "pooled_savings": float(pool["pooled_savings"]),
        "partners": [{"agency": str(r["agency"]), "savings": float(r["pv_savings"]),
                      "actual_contribution": float(r["actual_contribution"]),
                      "actual_share": r["actual_share"],
                      "proportional_contribution": float(r["proportional_contribution"]),
                      "proportional_share": r["proportional_share"],
                      "proportional_net": float(r["proportional_net"])}
                     for r in pool["partners"]],
        "note": str(pool.get("note") or "")}


def _cash_by_year(rows: list[dict[str, Any]], option: str) -> dict[str, Any]:
    """Each agency's real, undiscounted cash position by year (costs against cashable
    savings, incremental to the counterfactual) and its running total. Agencies whose
    cash position is zero every year (only non-cashable savings or other benefits) are
    listed in ``zero_agencies`` instead of as rows of zeros."""
    if not rows:
        return {}
    years = sorted({int(r["year"]) for r in rows})
    where = {y: t for t, y in enumerate(years)}
    series: dict[str, dict[str, Any]] = {}
    for r in rows:
        s = series.setdefault(r["agency"], {"agency": str(r["agency"]),
                                            "net": [0.0] * len(years),
                                            "cumulative": [0.0] * len(years)})
        s["net"][where[int(r["year"])]] = float(r["net_cash"])
        s["cumulative"][where[int(r["year"])]] = float(r["cumulative_net_cash"])
    kept = [s for s in series.values() if any(s["net"])]
    out: dict[str, Any] = {"option": option, "years": years, "agencies": kept}
    quiet = [s["agency"] for s in series.values() if not any(s["net"])]
    if quiet:
        out["zero_agencies"] = quiet
    return out if kept else {}


def _distributional(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    eq = result.lenses.get("distributional")
    if eq is None or not hasattr(eq, "group_net"):
        return {}
    cf = int(eq.counterfactual)
    names = eq.option_names
    groups = list(eq.spec.groups)
    weights = [float(w) for w in eq.weights]
    ex_group = (np.zeros_like(eq.group_net) if eq.exempt_group_net is None
                else eq.exempt_group_net)
    ex_unalloc = (np.zeros_like(eq.unallocated_net) if eq.exempt_unallocated_net is None
                  else eq.exempt_unallocated_net)
    # lines left unweighted (valued in WELLBYs) get a column of their own at weight 1, so
    # the weighted NPSV is still the weights times the columns
    net = (eq.group_net - ex_group) - (eq.group_net[cf] - ex_group[cf])
    unalloc = (eq.unallocated_net - ex_unalloc) - (eq.unallocated_net[cf] - ex_unalloc[cf])
    exempt = ex_group.sum(axis=1) + ex_unalloc
    exempt = exempt - exempt[cf]
    has_unalloc = bool(np.any(np.abs(unalloc) > 0.5))
    has_exempt = bool(np.any(np.abs(exempt) > 0.5))
    if has_unalloc:
        groups.append("Not allocated to a group (reference income)")
        weights.append(1.0)
    if has_exempt:
        groups.append("Valued in WELLBYs (not income-weighted)")
        weights.append(1.0)
    incidence = {ids[n]: [float(v) for v in net[o]] + ([float(unalloc[o])] if has_unalloc else [])
                 + ([float(exempt[o])] if has_exempt else [])
                 for o, n in enumerate(names) if o != cf}
    grid = eq.npsv_grid - eq.npsv_grid[:, [cf]]
    out: dict[str, Any] = {
        "eta": float(eq.eta), "groups": groups, "weights": weights, "incidence": incidence,
        "npsv": [{"option": ids[n], "unweighted": float(eq.unweighted[o] - eq.unweighted[cf]),
                  "weighted": float(eq.weighted[o] - eq.weighted[cf])}
                 for o, n in enumerate(names)],
        "eta_curve": {"eta": [float(e) for e in eq.eta_grid],
                      "npsv": {ids[n]: [float(v) for v in grid[:, o]]
                               for o, n in enumerate(names) if o != cf}},
    }
    switch = eq.switching_eta
    note = (f"Groups: {eq.spec.grouping}; weights = (reference income £{eq.reference:,.0f} ÷ "
            f"group income) ^ η; η from {eq.eta_source}. Figures are incremental to "
            f"{names[cf]}. Preferred option: {eq.preferred_unweighted} unweighted, "
            f"{eq.preferred_weighted} weighted. ")
    note += ("The preferred option does not change over the η range shown." if switch is None
             else f"The preferred option changes at η = {switch:.2f}.")
    if eq.wellbeing_lines:
        wb = eq.wellbeing_weighting()["npsv"]
        best = int(np.argmax(eq.weighted))
        effect = wb[best]["effect_of_weighting_wellbeing"]
        lines = ", ".join(eq.wellbeing_lines)
        if eq.spec.weight_wellbeing:
            note += (f" Lines valued in WELLBYs ({lines}) are income-weighted because the case "
                     f"asks for it; without that, {names[best]}'s weighted NPSV would be "
                     f"£{abs(effect) / 1e6:,.1f}m {'lower' if effect > 0 else 'higher'}.")
        else:
            note += (f" Lines valued in WELLBYs ({lines}) are not income-weighted (a WELLBY is "
                     f"already a unit of wellbeing); weighting them would change "
                     f"{names[best]}'s weighted NPSV by {'+' if effect >= 0 else '−'}"
                     f"£{abs(effect) / 1e6:,.1f}m.")
    out["note"] = note
    return out


def _non_monetised(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    register = result.lenses.get("non_monetised")
    if register is None or not getattr(register, "impacts", None):
        return {}
    from appraisal.case.non_monetised import score_label

    impacts = []
    for imp in register.impacts:
        row: dict[str, Any] = {"impact": imp.impact, "scores": {
            ids[o.name]: int(imp.scores.get(o.name, 0)) for o in result.case.options}}
        for key in ("description", "evidence", "confidence"):
            if getattr(imp, key):
                row[key] = getattr(imp, key)
        impacts.append(row)
    return {"scale": [_label(score_label(s)) for s in _SCALE_ORDER], "impacts": impacts}


def _switching_rows(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    """The switching values that bear on the conclusion, closest first.

    For the preferred option: how far each of its categories and lines must move for
    its NPSV relative to the counterfactual to fall to zero, or for it to lose first
    place. For every other option: how far each of its categories must move for it to
    become preferred (for the best alternative, when the counterfactual is preferred,
    its lines too). A category with a single line is shown once, as the line.
    """
    cfn = result.case.counterfactual.name
    pref = result.preferred_option
    subject = _subject_option(result)
    kinds = category_kinds(result)
    keep = [s for s in result.switching_values
            if s.option != cfn and not (s.target == "line" and s.option != subject)
            and (s.option == pref or s.conclusion is Conclusion.BECOMES_PREFERRED)]
    seen: set[tuple[str, str, float]] = set()
    unique = []
    for s in sorted(keep, key=lambda s: s.target != "line"):
        key = (s.option, s.test, round(float(s.pv_at_base), 2))
        if key not in seen:
            seen.add(key)
            unique.append(s)
    useful = [s for s in unique if s.change is not None] or unique
    useful.sort(key=lambda s: (s.change is None, abs(s.change or 0.0), s.option, s.subject))
    rows = []
    for s in useful:
        base = abs(float(s.pv_at_base))
        test = re.sub(r"^NPSV against business as usual of '(.*)' becomes zero$",
                      lambda m: f"{LABELS['inc_npsv']} of '{m.group(1)}' falls to zero",
                      s.test)
        if s.target == "category":
            what = kinds.get(s.subject, "lines")
            name = what if s.subject in ("cost", "benefit") else f"{s.subject} {what}"
        else:
            name = s.subject
        rows.append({"parameter": f"{s.option}: {name}", "unit": "£ PV of the input (absolute)",
                     "base_value": base,
                     "switching_value": None if s.change is None else base * (1.0 + s.change),
                     "change": s.change, "note": test + (f"; {s.note}" if s.note else "")})
    del ids, cfn
    return {"switching_values": rows} if rows else {}


def _unit_value_range(result: Any, ids: Mapping[str, str]) -> dict[str, Any]:
    """The NPSV against business as usual of the headline option (the preferred one, or the
    best alternative) with every ranged unit value at its low, then its high, value."""
    val = result.lenses.get("valuation")
    if val is None or not getattr(val, "ranged_lines", ()):
        return {}
    names = [m.name for m in result.options]
    q, cf = names.index(_subject_option(result)), names.index(result.case.counterfactual.name)
    if q == cf:
        return {}
    low, high = sorted((float(val.npsv_low[q] - val.npsv_low[cf]),
                        float(val.npsv_high[q] - val.npsv_high[cf])))
    return {"option": ids[names[q]], "lines": list(dict.fromkeys(val.ranged_lines)),
            "low": low, "high": high}


def _value_of_information(payload: Any) -> dict[str, Any]:
    """EVPI and the EVPPI of each input or group of inputs, largest first, with a sentence.

    Read from the uncertainty lens (regression on the Monte Carlo draws, Strong, Oakley
    and Brennan 2014); left out when there was no Monte Carlo run. A group's name is
    shown without the ``group:`` prefix and with its inputs; ``share_of_evpi`` is its
    EVPPI as a fraction of the EVPI (``None`` when the EVPI is zero).
    """
    voi = getattr(payload, "value_of_information", None) or {}
    evpi = voi.get("evpi")
    if evpi is None or not math.isfinite(float(evpi)):
        return {}
    evpi = max(float(evpi), 0.0)
    groups = []
    for row in voi.get("evppi") or []:
        name = str(row["name"])
        grouped = name.startswith("group: ")
        value = max(float(row["evppi"]), 0.0)
        groups.append({"name": _label(name.removeprefix("group: ")),
                       "inputs": [str(p) for p in row.get("parameters") or [name]],
                       "group": grouped, "evppi": value,
                       "share_of_evpi": value / evpi if evpi > 0 else None})
    groups.sort(key=lambda g: -g["evppi"])
    out: dict[str, Any] = {"evpi": evpi, "groups": groups,
                           "method": str(voi.get("method") or "not stated")}
    out["money_unit"] = choose_money_unit([evpi, *(g["evppi"] for g in groups)])
    out["text"] = value_of_information_text(out, out["money_unit"])
    return out


# --------------------------------------------------------------------------- appendix
#: Model inputs whose internal name is not a word a reader knows.
_INPUT_WORDS = {"eta": "inequality aversion (η)"}


def words(name: str) -> str:
    """An internal id in words, for a reader: ``"citizens_panel"`` → ``"Citizens panel"``.

    Text that is not an id (it has capitals, spaces or punctuation) is returned as it is.

    Examples
    --------
    >>> words("citizens_panel"), words("officers"), words("Local residents")
    ('Citizens panel', 'Officers', 'Local residents')
    """
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name):
        return name
    return name.replace("_", " ").capitalize()


def _worded_switching_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A switching-value row labelled in words: the model input's internal field name
    (``"benefit scale (scale)"``, ``"eta (eta)"``) is dropped, and ``eta`` is named."""
    out = dict(row)
    m = re.fullmatch(r"(.+) \(([a-z][a-z0-9_]*)\)", str(row["parameter"]))
    label = m.group(1) if m else str(row["parameter"])
    out["parameter"] = _INPUT_WORDS.get(label, label)
    return out


def _mca(payload: Any) -> dict[str, Any]:
    """The MCA lens's section, with stakeholder weight sets named in words."""
    mca = _merge({}, payload)
    if mca.get("weight_sets"):
        mca["weight_sets"] = [{**w, "name": words(str(w["name"]))} for w in mca["weight_sets"]]
    return mca


def _band_start(row: Any) -> float:
    """Where a banded parameter's band starts (``bcr_from``; an open lower band first), so
    bands such as the value-for-money categories are listed in order; 0 for other rows."""
    key = dict(row.key)
    if "bcr_from" not in key:
        return 0.0
    start = key["bcr_from"]
    return -math.inf if start in (None, "") else float(start)


def _parameter(row: Any) -> dict[str, Any]:
    label = dict(row.key).get("label")
    skip = {"label", "project_type"} if label else set()
    key = "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.key if v and k not in skip)
    key = re.sub(r"\bbcr\b", "BCR", key)
    name = _label(re.sub(r"\bgdp\b", "GDP", row.table_name.replace("_", " ").replace(":", ": ")))
    name = f"{name}: {label}" if label else name
    value = row.value
    if isinstance(value, float) and not np.isfinite(value):
        value = str(value)
    out: dict[str, Any] = {
        "name": f"{name} ({key})" if key else name, "value": value, "unit": row.unit or "—",
        "price_year": row.price_year if row.price_year and 1800 <= row.price_year <= 2300
        else None,
        "source": row.source or "not stated", "edition": row.edition or "not stated",
        "confidence": row.confidence or "not stated"}
    if row.table:
        out["table"] = row.table
    return out


def _audit(result: Any, now: _dt.datetime, command: str | None,
           uncertainty: Mapping[str, Any]) -> dict[str, Any]:
    man = result.manifest
    inputs = []
    if re.fullmatch(r"[0-9a-f]{64}", result.case.source_sha256 or ""):
        name = os.path.basename(result.case.source_path.replace("\\", "/")) or "case"
        inputs.append({"name": name, "sha256": result.case.source_sha256})
    for pack in man.get("unit_value_packs", []):
        if re.fullmatch(r"[0-9a-f]{64}", pack.get("sha256") or ""):
            inputs.append({"name": f"unit-value pack '{pack['name']}': {pack['file']}",
                           "sha256": pack["sha256"]})
    seed = (uncertainty.get("monte_carlo") or {}).get("seed")
    packs = ", ".join(man.get("parameter_packs", []))
    audit: dict[str, Any] = {
        "tool_version": str(man.get("tool_version", "unknown")),
        "generated_at": now.isoformat(),
        "inputs": inputs,
        "parameter_vintage": f"{result.case.vintage}" + (f" (packs: {packs})" if packs else ""),
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
    }
    if command:
        audit["command"] = command
    if man.get("python"):
        audit["python"] = str(man["python"])
    return audit


# --------------------------------------------------------------------------- summary
def _summary(result: Any, ids: Mapping[str, str], ctx: Mapping[str, Any]) -> dict[str, Any]:
    amounts = [m[k] for m in ctx["cba"]["metrics"] for k in ("pv_costs", "pv_benefits", "npsv")]
    unit = choose_money_unit(amounts)
    return {
        "preferred_option": ids[result.preferred_option],
        "rationale": rationale_text(result, unit),
        "key_uncertainties": key_uncertainties_text(result, unit, ctx.get("uncertainty") or {},
                                                    ctx.get("mca") or {}),
        "switching_values": switching_text(result),
    }
