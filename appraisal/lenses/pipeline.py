"""``evaluate(case)``: the one place the appraisal steps are put together.

compile (valuation, additionality, prices, optimism bias, delays, common-error checks) →
discount and aggregate (engine, one draw) → metrics (NPSV, BCR, VfM, preferred option,
switching values, EAC) → the 2026 reduced-rate sensitivity for horizons over 50 years →
every lens of :data:`appraisal.lenses.catalogue.LENSES` that applies and was asked for
(public value, MCA and long list; uncertainty on request) → a frozen
:class:`~appraisal.engine.results.AppraisalResult`.
The CLI, notebooks and the uncertainty module all call this function or the same engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from appraisal.case.model import Case
from appraisal.engine.compile import (
    CompiledCase,
    EngineOutput,
    compile_case,
    evaluate_arrays,
    with_schedule_map,
    yearly_flows,
)
from appraisal.engine.results import AppraisalResult, OptionMetrics, manifest_for
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.greenbook.cba import (
    NET_SAVING,
    Conclusion,
    SwitchingValue,
    bcr,
    preferred_index,
    switching_value,
    vfm_row,
)
from appraisal.greenbook.discounting import annuity_factor
from appraisal.lenses.catalogue import LENSES, lens_names
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = ["evaluate", "lens_names"]

def _eac_annuity(compiled: CompiledCase) -> tuple[float, tuple[ParameterRow, ...]]:
    """The EAC's annuity factor: Σ_{t=0..n-1} DF_t of the STPR over the appraisal period.

    :func:`appraisal.greenbook.discounting.annuity_factor` with the case's horizon and timing and
    the standard schedule (the STPR), whatever schedules the lines use, so the EAC does
    not depend on them; under a schedule map (the reduced-rate sensitivity) the schedule
    replacing ``standard`` is used. A level stream of costs on that schedule returns its
    level.
    """
    name = dict(compiled.schedule_map).get("standard", "standard")
    annuity = annuity_factor(compiled.n_years, name, timing=compiled.case.timing,  # type: ignore[arg-type]
                             pack=compiled.pack)
    return annuity, compiled.pack.rows("discount_schedules", schedule=name)


def _metrics(compiled: CompiledCase, out: EngineOutput
             ) -> tuple[list[OptionMetrics], int, list[ParameterRow]]:
    """Per-option metrics, the preferred option and the parameter rows they used.

    The BCR is built as the case's ``bcr_definition`` says
    (:func:`~appraisal.greenbook.cba.bcr_terms`), absolute and incremental to the
    counterfactual; the value-for-money category is a band of the incremental BCR.
    """
    case, pack = compiled.case, compiled.pack
    cf = compiled.counterfactual
    public = case.bcr_definition == "public_sector_cost"
    npsv_row, costs, benefits = out.npsv[0], out.pv_costs[0], out.pv_benefits[0]
    fiscal = out.pv_fiscal_benefits[0]
    pvb, pvc = (a[0] for a in out.bcr_terms(case.bcr_definition))

    def ratio(b: float, c: float) -> float | None:
        r = float(bcr(b, c))
        return r if np.isfinite(r) else None

    def undefined_note(c: float, incremental: bool) -> str:
        if public:
            return (f"{NET_SAVING}: the net cost to the public budget is £{c:,.0f}"
                    + (" against business as usual" if incremental else "")
                    + ", zero or negative, so there is no BCR; compare NPSV")
        if incremental:
            return ("incremental PV costs are not positive: the option costs no more than "
                    "business as usual, so a BCR has no meaning; compare NPSV")
        return "PV costs are not positive, so a BCR has no meaning; compare NPSV"

    annuity, used_rows = _eac_annuity(compiled)
    used = list(used_rows)
    result = []
    for o, name in enumerate(compiled.option_names):
        d_b, d_c = benefits[o] - benefits[cf], costs[o] - costs[cf]
        d_pvb, d_pvc = float(pvb[o] - pvb[cf]), float(pvc[o] - pvc[cf])
        inc_bcr = None if o == cf else ratio(d_pvb, d_pvc)
        own = ratio(float(pvb[o]), float(pvc[o]))
        vfm = None if o == cf else vfm_row(inc_bcr, pack)
        if vfm is not None:
            used.append(vfm)
        note = ""
        if o != cf and inc_bcr is None:
            note = undefined_note(d_pvc, True)
        elif vfm is not None and not vfm.confirmed and \
                vfm.table_name not in pack.allowed_unconfirmed:
            note = _unconfirmed_vfm_note(vfm)
        result.append(OptionMetrics(
            name=name,
            counterfactual=o == cf,
            pv_costs=float(costs[o]),
            pv_benefits=float(benefits[o]),
            npsv=float(npsv_row[o]),
            bcr=own,
            pv_fiscal_benefits=float(fiscal[o]),
            eac=float(costs[o] / annuity) if annuity else None,
            inc_pv_costs=float(d_c),
            inc_pv_benefits=float(d_b),
            inc_npsv=float(npsv_row[o] - npsv_row[cf]),
            inc_bcr=inc_bcr,
            vfm_category=None if vfm is None else vfm.get("category"),
            bcr_note=note,
            bcr_pvb=float(pvb[o]),
            bcr_pvc=float(pvc[o]),
            inc_bcr_pvb=d_pvb,
            inc_bcr_pvc=d_pvc,
            own_bcr_note="" if own is not None else undefined_note(float(pvc[o]), False),
            net_saving=public and pvc[o] <= 0,
            inc_net_saving=public and o != cf and d_pvc <= 0,
        ))
    return result, int(preferred_index(npsv_row)), used


def _unconfirmed_vfm_note(row: ParameterRow) -> str:
    """Flag a value-for-money category decided by a band not confirmed from a primary source.

    The category is a label beside the BCR: it changes no NPSV, BCR or preferred option,
    so it is shown by default, flagged here (``results.json``, per option) and in the
    manifest's ``unconfirmed_parameters_used``. Opting in with ``parameters:
    {allow_unconfirmed: [value_for_money]}`` acknowledges it and drops this note.
    """
    return (f"value-for-money category '{row.get('category')}' is unconfirmed (confidence "
            f"{row.confidence}): {row.notes or row.source}; check it against the DfT guidance "
            "before quoting it, then acknowledge it with 'parameters: {allow_unconfirmed: "
            "[value_for_money]}'")


def _switching(compiled: CompiledCase, pv_lines: np.ndarray, npsv: np.ndarray,
               preferred: int) -> list[SwitchingValue]:
    case = compiled.case
    cf = compiled.counterfactual
    names = compiled.option_names
    signed = np.where(compiled.is_cost, -pv_lines, pv_lines)
    others = [q for q in range(len(names)) if q != preferred]
    runner = max(others, key=lambda q: npsv[q]) if others else None
    best_non_cf = max((o for o in range(len(names)) if o != cf), key=lambda o: npsv[o],
                      default=None)
    subjects = [("line", line.name, int(compiled.line_option[i]), float(signed[i]))
                for i, line in enumerate(case.lines)]
    groups: dict[tuple[int, str], float] = {}
    for i, line in enumerate(case.lines):
        key = (int(compiled.line_option[i]), line.category or line.kind)
        groups[key] = groups.get(key, 0.0) + float(signed[i])
    subjects += [("category", cat, o, v) for (o, cat), v in groups.items()]
    out = []
    for target, subject, o, contrib in subjects:
        if o == cf:
            test_option = best_non_cf
            gap = None if test_option is None else npsv[test_option] - npsv[cf]
            c = -contrib
        else:
            test_option, gap, c = o, npsv[o] - npsv[cf], contrib
        if test_option is not None and gap is not None:
            x, note = switching_value(float(gap), c)
            what = f"NPSV against business as usual of '{names[test_option]}' becomes zero"
            out.append(SwitchingValue(target, subject, names[o], what, x, contrib, note))
        if runner is None:
            continue
        if o == preferred:
            gap2 = npsv[preferred] - npsv[runner]
            what = f"'{names[preferred]}' is no longer preferred (runner-up '{names[runner]}')"
            conclusion, rival = Conclusion.NO_LONGER_PREFERRED, names[runner]
        else:
            gap2, what = npsv[o] - npsv[preferred], f"'{names[o]}' becomes preferred"
            conclusion, rival = Conclusion.BECOMES_PREFERRED, names[preferred]
        x, note = switching_value(float(gap2), contrib)
        out.append(SwitchingValue(target, subject, names[o], what, x, contrib, note,
                                  conclusion, rival))
    return out


def _wanted(lenses: str | Iterable[str] | None) -> Callable[[str | None, bool], bool]:
    """Which lenses to run: a test on (lens name, on request)."""
    if lenses is None or lenses == "default":
        return lambda name, on_request: not on_request
    if lenses == "all":
        return lambda name, on_request: True
    if isinstance(lenses, str):
        lenses = [lenses]
    names = set(lenses)
    known = lens_names()
    unknown = sorted(names - set(known))
    if unknown:
        msg = (f"'lenses' names {', '.join(map(repr, unknown))}, which evaluate() does not "
               "know")
        raise AppraisalValidationError([Issue(
            "unknown-lens", msg, field="lenses",
            fix=f"use None (the default lenses), 'all', or names from: {', '.join(known)}")],
            source="evaluate")
    return lambda name, on_request: name in names


def evaluate(case: Case, *, pack: ParameterPack | None = None,
             lenses: str | Iterable[str] | None = None) -> AppraisalResult:
    """Appraise a case: PV costs and benefits, NPSV, BCR, VfM, preferred option, switching values.

    Deterministic by default: the case's ``uncertainty:`` section (Monte Carlo draws,
    EVPPI, switching-value search, Sobol) runs only when asked for, with
    ``lenses="all"`` or ``lenses=[..., "uncertainty"]`` (``appraisal run`` asks for it),
    or on its own with :func:`appraisal.lenses.uncertainty.analyse`.

    Parameters
    ----------
    case : Case
        A validated case (see :func:`appraisal.load_case`).
    pack : ParameterPack, optional
        Parameters to use instead of the case's vintage and packs.
    lenses : None, "all" or list of str, optional
        ``None`` (default): every lens the case has except those that run only on request
        (the uncertainty analyses). ``"all"``: every lens. A list of names (from
        :func:`lens_names`): exactly those lenses.

    Returns
    -------
    AppraisalResult
        Frozen; see :meth:`AppraisalResult.to_frame` and :meth:`AppraisalResult.to_dict`.

    Examples
    --------
    >>> from appraisal import case_from_records, evaluate
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=3,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
    ...            {"option": "A", "name": "b", "kind": "benefit", "values": {2026: 60, 2027: 60}}])
    >>> result = evaluate(case)
    >>> result.preferred_option, round(result.option("A").npsv, 2)
    ('A', 13.98)
    """
    wanted = _wanted(lenses)
    compiled = compile_case(case, pack=pack)
    out = evaluate_arrays(compiled)
    npsv = out.npsv[0]
    metrics, preferred, metric_rows = _metrics(compiled, out)
    switching = _switching(compiled, out.pv_lines[0], npsv, preferred)
    real, discounted = yearly_flows(compiled)
    reduced = None
    threshold_rows = compiled.pack.rows("rules", rule="reduced_schedule_sensitivity_over_years") \
        if "rules" in compiled.pack.tables else ()
    if threshold_rows and case.horizon_years > float(threshold_rows[0].value):
        alt = with_schedule_map(compiled, {"standard": "reduced"})
        alt_out = evaluate_arrays(alt)
        alt_metrics, alt_pref, _ = _metrics(alt, alt_out)
        reduced = {"reason": f"horizon of {case.horizon_years} years exceeds "
                   f"{int(float(threshold_rows[0].value))} years ({threshold_rows[0].source})",
                   "schedule": "reduced (standard lines; health lines unchanged)",
                   "preferred_option": alt.option_names[alt_pref],
                   "options": [m.to_dict() for m in alt_metrics]}
    used = list(compiled.parameters_used) + list(threshold_rows) + metric_rows
    payloads: dict[str, Any] = {}
    for lens in LENSES:
        asked = [key for key in lens.payloads if wanted(key, lens.on_request)]
        if lens.sections and not any(name in case.sections for name in lens.sections):
            continue  # a lens of its own sections has nothing to say without them
        if asked:
            payloads.update(lens.run(case, compiled, out, asked.__contains__))
    return AppraisalResult(
        case=case,
        compiled=compiled,
        options=tuple(metrics),
        preferred_option=compiled.option_names[preferred],
        switching_values=tuple(switching),
        real_flows=real,
        discounted_flows=discounted,
        pv_lines=out.pv_lines[0].copy(),
        reduced_schedule=reduced,
        parameters_used=tuple(dict.fromkeys(used)),
        warnings=tuple(compiled.warnings),
        lenses=payloads,
        manifest=manifest_for(case, compiled, tuple(dict.fromkeys(used))),
    )
