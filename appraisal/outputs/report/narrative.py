"""The executive-summary paragraphs of the report, written from the numbers of a result.

Each function returns one plain paragraph (the template escapes it). The wording
follows the Green Book decision rule: the preferred option is the one with the highest
net present social value (NPSV), all options compared with the counterfactual.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraisal.engine.headline import LABELS
from appraisal.formatting import (
    choose_money_unit,
    format_bcr,
    format_money,
    format_percent,
)
from appraisal.greenbook.cba import Conclusion

__all__ = ["at_a_glance", "category_kinds", "key_uncertainties_text", "rationale_text",
           "switching_text", "value_of_information_text"]


def _money(x: float, unit: str) -> str:
    """Money for prose: a minus sign rather than accounting brackets."""
    text = format_money(abs(x), unit)
    return f"−{text}" if x < 0 and text not in ("£0", "£0.0m") else text


def rationale_text(result: Any, unit: str) -> str:
    """Why the preferred option is preferred, with its numbers and the runner-up's.

    Parameters
    ----------
    result : AppraisalResult
        The appraisal.
    unit : {"£", "£m"}
        The money unit of the report.

    Returns
    -------
    str

    Examples
    --------
    >>> from appraisal import evaluate, example_path, load_case
    >>> print(rationale_text(evaluate(load_case(example_path("minimal"))), "£"))
    ... # doctest: +NORMALIZE_WHITESPACE
    No option improves on Business as usual. The best alternative, New service, has an
    NPSV against business as usual of −£24 (PV benefits against business as usual £171, PV
    costs against business as usual £195; BCR against business as usual 0.88, Poor value
    for money), so Business as usual is preferred on the economic case.
    """
    cfn = result.case.counterfactual.name
    ranked = sorted(result.options, key=lambda m: m.inc_npsv, reverse=True)
    pref = result.option(result.preferred_option)
    n = len(result.options)
    if pref.counterfactual:
        alts = [m for m in ranked if not m.counterfactual]
        if not alts:
            return f"{cfn} is the only option appraised."
        best = alts[0]
        text = (f"No option improves on {cfn}. The best alternative, {best.name}, has an "
                f"{LABELS['inc_npsv']} of {_money(best.inc_npsv, unit)} ("
                f"{LABELS['inc_pv_benefits']} {_money(best.inc_pv_benefits, unit)}, "
                f"{LABELS['inc_pv_costs']} {_money(best.inc_pv_costs, unit)}; "
                f"{LABELS['inc_bcr']} {format_bcr(best.inc_bcr)}, "
                + (f"{best.vfm_category} value for money" if best.vfm_category
                   else "value for money not defined")
                + f"), so {cfn} is preferred on the economic case.")
    else:
        text = (f"{pref.name} is recommended because it has the highest net present social "
                f"value (NPSV) of the {n} options appraised.")
        runner = next(m for m in ranked if m.name != pref.name)
        gap = _money(pref.inc_npsv - runner.inc_npsv, unit)
        if runner.counterfactual:
            text += (f" Every other option has a lower NPSV than {cfn} itself, so {pref.name} "
                     "is the only option that adds value.")
        else:
            text += (f" The next best option, {runner.name}, has an {LABELS['inc_npsv']} "
                     f"of {_money(runner.inc_npsv, unit)}, {gap} less.")
        higher_bcr = [m for m in result.options if not m.counterfactual and m.name != pref.name
                      and m.inc_bcr is not None and pref.inc_bcr is not None
                      and m.inc_bcr > pref.inc_bcr]
        if higher_bcr:
            best = max(higher_bcr, key=lambda m: m.inc_bcr)
            text += (f" {best.name} has a higher {LABELS['inc_bcr']} "
                     f"({format_bcr(best.inc_bcr)}) but delivers "
                     "less net value in total; the Green Book ranks options by NPSV.")
    eq = result.lenses.get("distributional")
    if eq is not None and hasattr(eq, "preferred_weighted"):
        if eq.preferred_weighted == result.preferred_option:
            text += (f" It remains preferred when benefits are weighted by income "
                     f"(η = {eq.eta:g}).")
        else:
            text += (f" With distributional weights (η = {eq.eta:g}), {eq.preferred_weighted} "
                     "would be preferred instead.")
    reduced = result.reduced_schedule
    if reduced and reduced.get("preferred_option") != result.preferred_option:
        text += (f" With the reduced discount schedule ({reduced['reason']}), "
                 f"{reduced['preferred_option']} would be preferred.")
    return text


def _change(x: float) -> str:
    verb = "rose" if x > 0 else "fell"
    return f"{verb} by {format_percent(abs(x), 0)}"


def category_kinds(result: Any) -> dict[str, str]:
    """Category (or, for lines without one, kind) -> "costs" / "benefits"."""
    out: dict[str, str] = {}
    for line in result.case.lines:
        key = line.category or line.kind
        word = "costs" if line.kind == "cost" else "benefits"
        out[key] = word if out.get(key, word) == word else "lines"
    return out


def _what(s: Any, kinds: Mapping[str, str]) -> str:
    """``its operating costs``, ``its costs``, or a line's name in quotes."""
    if s.target != "category":
        return f"'{s.subject}'"
    word = kinds.get(s.subject, "lines")
    return f"its {word}" if s.subject in ("cost", "benefit") else f"its {s.subject} {word}"


def switching_text(result: Any) -> str:
    """The closest switching values, in one paragraph.

    Examples
    --------
    >>> from appraisal import evaluate, example_path, load_case
    >>> print(switching_text(evaluate(load_case(example_path("minimal")))))
    ... # doctest: +NORMALIZE_WHITESPACE
    New service would have a positive NPSV against business as usual if its costs fell by
    12%, or its benefits rose by 14%. See the switching-value table for every line.
    """
    cfn = result.case.counterfactual.name
    pref = result.preferred_option
    cats = [s for s in result.switching_values if s.target == "category"
            and s.change is not None]
    kinds = category_kinds(result)

    def closest(pred: Any, k: int = 2) -> list[Any]:
        picked = sorted((s for s in cats if pred(s)), key=lambda s: abs(s.change))
        return picked[:k]

    tail = " See the switching-value table for every line."
    if pref == cfn:
        alts = [m for m in result.options if not m.counterfactual]
        if not alts:
            return "There is no alternative to the counterfactual, so no switching values."
        best = max(alts, key=lambda m: m.inc_npsv).name
        near = closest(lambda s: s.option == best
                       and s.conclusion is Conclusion.BECOMES_PREFERRED)
        if not near:
            return (f"No single category of costs or benefits of {best} can, on its own, "
                    f"make it better than {cfn}.")
        parts = [f"{_what(s, kinds)} {_change(s.change)}" for s in near]
        return (f"{best} would have a positive {LABELS['inc_npsv']} if "
                + ", or ".join(parts) + "." + tail)
    sentences = []
    zero = closest(lambda s: s.option == pref and s.conclusion is Conclusion.BREAK_EVEN)
    if zero:
        parts = [f"{_what(s, kinds)} {_change(s.change)}" for s in zero]
        sentences.append(f"The {LABELS['inc_npsv']} of {pref} would fall to zero only if "
                         + ", or ".join(parts) + ".")
    else:
        sentences.append(f"No single category of costs or benefits of {pref} can turn its "
                         f"{LABELS['inc_npsv']} negative on its own.")
    lose = closest(lambda s: s.option == pref
                   and s.conclusion is Conclusion.NO_LONGER_PREFERRED, 1)
    overtake = closest(lambda s: s.option != pref and s.option != cfn
                       and s.conclusion is Conclusion.BECOMES_PREFERRED, 1)
    if lose:
        s = lose[0]
        runner = s.rival
        sentences.append(f"It would stop being the preferred option, in favour of {runner}, "
                         f"if {_what(s, kinds)} {_change(s.change)}.")
    if overtake:
        s = overtake[0]
        sentences.append(f"{s.option} would overtake it if {_what(s, kinds)} "
                         f"{_change(s.change)}.")
    if not lose and not overtake:
        sentences.append("No single category of costs or benefits can change which option is "
                         "preferred on its own.")
    return " ".join(sentences) + tail


def _table_name(name: str) -> str:
    """``unit_values:illustrative`` -> ``unit values (illustrative pack)``."""
    table, _, pack = name.partition(":")
    words = table.replace("_", " ").replace("gdp", "GDP")
    return words + (f" ({pack} pack)" if pack else "")


def key_uncertainties_text(result: Any, unit: str, uncertainty: Mapping[str, Any],
                           mca: Mapping[str, Any] | None = None) -> str:
    """What could change the answer: ranges, unconfirmed inputs, probabilistic results.

    ``uncertainty`` and ``mca`` are the report's sections of those names (a Monte Carlo
    summary and the multi-criteria ranking are quoted when present).
    """
    pref = result.preferred_option
    sentences = []
    mc = uncertainty.get("monte_carlo") or {}
    row = next((r for r in mc.get("summary", []) if r.get("option") == pref), None)
    if row is not None:
        p_pref = (mc.get("p_preferred") or {}).get(pref)
        sentences.append(
            f"Across {mc['n_draws']:,} Monte Carlo draws, the {LABELS['inc_npsv']} of {pref} "
            "lies between "
            f"{_money(row['p5'], unit)} and {_money(row['p95'], unit)} (5th to 95th "
            f"percentile), and it is positive in {format_percent(row['p_positive'])} of "
            "draws" + ("" if p_pref is None else
                       f"; it is the preferred option in {format_percent(p_pref)} of draws")
            + ".")
        if row.get("central") is not None and _money(row["mean"], unit) != \
                _money(row["central"], unit):
            sentences.append(
                f"Its Monte Carlo mean, {_money(row['mean'], unit)}, differs from the central "
                f"estimate of {_money(row['central'], unit)}"
                + (": see the Monte Carlo analysis for why." if mc.get("mean_versus_central")
                   else "."))
    rng = uncertainty.get("unit_value_range")
    if rng:
        sentences.append(
            "Setting every unit value that has a published range (used for: "
            f"{', '.join(rng['lines'])}) to its low or high value moves the "
            f"{LABELS['inc_npsv']} of {rng['option']} between {_money(rng['low'], unit)} and "
            f"{_money(rng['high'], unit)}.")
    obs = [ob.uplift for ob in result.compiled.optimism_bias if ob is not None and ob.uplift]
    if obs:
        span = (format_percent(min(obs)) if min(obs) == max(obs) else
                f"{format_percent(min(obs))} to {format_percent(max(obs))}")
        sentences.append(f"Costs include optimism-bias uplifts of {span}; the evidence for "
                         "mitigating them should be reviewed as the project develops.")
    unconfirmed = result.manifest.get("unconfirmed_parameters_used") or []
    if unconfirmed:
        sentences.append("Some parameters are not yet confirmed against a primary source ("
                         + ", ".join(_table_name(t) for t in unconfirmed)
                         + "): see their confidence in the parameter appendix.")
    eq = result.lenses.get("distributional")
    if eq is not None and getattr(eq, "switching_eta", None) is not None:
        sentences.append(f"The preferred option changes if the distributional weights use "
                         f"η = {eq.switching_eta:.2f} instead of {eq.eta:g}.")
    reduced = result.reduced_schedule
    if reduced:
        same = reduced.get("preferred_option") == pref
        sentences.append(f"A sensitivity test with the reduced discount schedule "
                         f"({reduced['reason']}) {'confirms' if same else 'changes'} the "
                         "preferred option.")
    sentences += _mca_sentences(pref, mca or {})
    if row is None:
        sentences.append("No probabilistic analysis was run for this report: the switching "
                         "values below show how far the inputs would have to move to change "
                         "the conclusion.")
    return " ".join(sentences)


def _set_name(name: str) -> str:
    """A stakeholder weight set's name in words (``citizens_panel`` -> ``citizens panel``)."""
    return name.replace("_", " ").strip()


def _points(x: float) -> str:
    return f"{x:.1f} point" + ("" if f"{x:.1f}" == "1.0" else "s")


def _mca_sentences(pref: str, mca: Mapping[str, Any]) -> list[str]:
    """How the multi-criteria analysis bears on the preferred option (none without one).

    Generated from the margin between the top two total scores, the share of random
    weight draws in which each option ranks first, and the option each stakeholder weight
    set puts first. "Supports" is said only when all three agree with the economic case:
    the MCA ranks the preferred option first, the preferred option is first in more random
    draws than any other option, and every stakeholder set puts it first.

    Examples
    --------
    >>> mca = {"scores": [{"option": "A", "total": 75.8, "rank": 1},
    ...                   {"option": "B", "total": 75.5, "rank": 2}],
    ...        "weight_robustness": {"n_samples": 2000, "rows": [
    ...            {"option": "A", "p_first": 0.31}, {"option": "B", "p_first": 0.69}]},
    ...        "weight_sets": [{"name": "officers", "preferred": "A"},
    ...                        {"name": "citizens_panel", "preferred": "B"}]}
    >>> print(" ".join(_mca_sentences("A", mca)))  # doctest: +NORMALIZE_WHITESPACE
    The multi-criteria analysis ranks A first, 0.3 points ahead of B, but the lead is not
    robust: with the criterion weights drawn at random, B ranks first in 69% of 2,000 draws
    (A in 31%), and the citizens panel weight set puts B first (officers: A).
    """
    scores = sorted((r for r in mca.get("scores") or [] if "total" in r),
                    key=lambda r: r.get("rank", 0))
    if not scores or scores[0].get("rank") != 1:
        return []
    top = scores[0]
    total = {r["option"]: r["total"] for r in scores}
    robust = mca.get("weight_robustness") or {}
    p_first = {r["option"]: r["p_first"] for r in robust.get("rows") or []}
    sets = mca.get("weight_sets") or []
    doubts = []
    if p_first:
        rival = max(p_first, key=lambda o: (p_first[o], o == pref))
        n = f" of {robust['n_samples']:,}" if robust.get("n_samples") else ""
        if rival != pref:
            doubts.append(f"with the criterion weights drawn at random, {rival} ranks first in "
                          f"{format_percent(p_first[rival])}{n} draws ({pref} in "
                          f"{format_percent(p_first.get(pref, 0.0))})")
    others = [w for w in sets if w.get("preferred") != pref]
    if others:
        agree = [w for w in sets if w.get("preferred") == pref]
        named = ", ".join(f"the {_set_name(w['name'])} weight set puts {w['preferred']} first"
                          for w in others)
        doubts.append(named + (f" ({', '.join(_set_name(w['name']) for w in agree)}: {pref})"
                               if agree else ""))
    if top["option"] == pref:
        second = scores[1] if len(scores) > 1 else None
        lead = ("" if second is None else
                f", {_points(top['total'] - second['total'])} ahead of {second['option']}")
        if doubts:
            return [f"The multi-criteria analysis ranks {pref} first{lead}, but the lead is not "
                    f"robust: {', and '.join(doubts)}."]
        support = f"The multi-criteria analysis supports {pref}: it ranks first{lead}"
        if p_first:
            support += (f", and in {format_percent(p_first.get(pref, 0.0))} of random "
                        "weight draws")
        if sets:
            support += f"; every stakeholder weight set ({len(sets)}) puts it first"
        return [support + "."]
    behind = f" ({_points(top['total'] - total[pref])} behind)" if pref in total else ""
    out = f"The multi-criteria analysis ranks {top['option']} first, not {pref}{behind}"
    if p_first:
        out += (f"; with the criterion weights drawn at random, {pref} ranks first in "
                f"{format_percent(p_first.get(pref, 0.0))} of draws")
    agree = [w for w in sets if w.get("preferred") == pref]
    if agree:
        out += ("; the " + ", ".join(_set_name(w["name"]) for w in agree)
                + f" weight set{'s' if len(agree) > 1 else ''} put{'' if len(agree) > 1 else 's'}"
                f" {pref} first")
    return [out + "."]


# --------------------------------------------------------------------------- at a glance
#: Unit-value packs whose values are made up (the shipped demonstration pack).
ILLUSTRATIVE_PACKS = ("illustrative",)


def warnings_text(manifest: Mapping[str, Any]) -> list[str]:
    """The banner of the report: illustrative or unconfirmed values used (empty if none).

    Examples
    --------
    >>> warnings_text({"unit_value_packs": [], "unconfirmed_parameters_used": []})
    []
    >>> print(warnings_text({"unconfirmed_parameters_used": ["gdp_deflator"]})[0])
    ... # doctest: +NORMALIZE_WHITESPACE
    Not yet confirmed against a primary source: GDP deflator (see the parameter appendix).
    """
    out = []
    packs = [p.get("name") for p in manifest.get("unit_value_packs") or []]
    illustrative = [p for p in packs if p in ILLUSTRATIVE_PACKS]
    if illustrative:
        out.append("Illustrative figures: the unit values of the "
                   + ", ".join(f"'{p}'" for p in illustrative)
                   + " pack are made up. Do not quote these results as evidence.")
    unconfirmed = manifest.get("unconfirmed_parameters_used") or []
    if unconfirmed:
        out.append("Not yet confirmed against a primary source: "
                   + ", ".join(_table_name(t) for t in unconfirmed)
                   + " (see the parameter appendix).")
    return out


def at_a_glance(ctx: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The first screen of the report, from the headline and sections of a context.

    Parameters
    ----------
    ctx : dict
        A report context with ``options``, ``headline``, ``cba`` and, when run, the
        ``uncertainty`` section.
    manifest : dict
        ``result.manifest`` (for the unit-value packs and unconfirmed parameters used).

    Returns
    -------
    dict
        ``recommendation`` and, when the data exist, ``how_sure``, ``switching``,
        ``scenarios`` and ``warnings`` (see :mod:`appraisal.outputs.report`).
    """
    names = {o["id"]: o["name"] for o in ctx["options"]}
    head = ctx["headline"]
    pref, cf = head["preferred_option"], head["counterfactual"]
    subject = (head["best_alternative"] or {}).get("option", pref)
    amounts = [m[k] for m in ctx["cba"]["metrics"] for k in ("pv_costs", "pv_benefits", "npsv")]
    unit = choose_money_unit(amounts)
    n = len(ctx["options"])
    if pref != cf:
        rec = (f"{names[pref]} is recommended: of the {n} options appraised, it has the "
               f"highest {LABELS['inc_npsv']}.")
    elif subject != cf:
        rec = (f"Keep {names[cf]}: no option improves on it. The best alternative, "
               f"{names[subject]}, has an {LABELS['inc_npsv']} of "
               f"{_money(head['best_alternative']['inc_npsv'], unit)}.")
    else:
        rec = f"{names[cf]} is the only option appraised."
    out: dict[str, Any] = {"recommendation": rec}
    unc = ctx.get("uncertainty") or {}
    mc = unc.get("monte_carlo") or {}
    row = next((r for r in mc.get("summary", []) if r["option"] == subject), None)
    p_pref = (mc.get("p_preferred") or {}).get(pref)
    if row is not None and p_pref is not None:
        text = (f"{names[pref]} is preferred in {format_percent(p_pref)} of "
                f"{mc['n_draws']:,} Monte Carlo draws; ")
        text += (f"its {LABELS['inc_npsv']}" if subject == pref else
                 f"the {LABELS['inc_npsv']} of {names[subject]}")
        text += f" is positive in {format_percent(row['p_positive'])}."
        out["how_sure"] = {"n_draws": mc["n_draws"], "p_preferred": p_pref,
                           "p_positive": row["p_positive"], "text": text}
    switch = next((r for r in unc.get("switching_values", []) if r.get("change") is not None),
                  None)
    if switch is not None:
        change = format_percent(switch["change"], signed=True).replace("-", "−")
        what = f"a change of {change} in {switch['parameter']}"
        note = switch.get("note")
        out["switching"] = {
            "parameter": switch["parameter"], "change": switch["change"],
            "text": f"{note[:1].upper()}{note[1:]} with {what}." if note else
            f"The closest switching value is {what}."}
    scenarios = unc.get("scenarios") or []
    if scenarios:
        rows, parts = [], []
        for sc in scenarios:
            changes = sc["preferred_option"] != pref
            value = sc["inc_npsv"][subject]
            rows.append({"scenario": sc["scenario"], "preferred_option": sc["preferred_option"],
                         "changes_decision": changes, "inc_npsv": value})
            verdict = (f"{names[sc['preferred_option']]} would be preferred instead"
                       if changes else f"{names[pref]} stays preferred")
            name = sc["scenario"][:1].upper() + sc["scenario"][1:]
            money = _money(value, unit).replace("−", "−\u2060")  # keep the sign on its line
            # the measure is named every time: a bare "(£24.9m)" would read as a negative
            parts.append(f"{name}: {verdict}; {LABELS['inc_npsv']} of {names[subject]} "
                         f"{money}.")
        out["scenarios"] = {"rows": rows, "text": " ".join(parts)}
    warnings = warnings_text(manifest)
    if warnings:
        out["warnings"] = warnings
    return out


def _listed(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def value_of_information_text(voi: Mapping[str, Any], unit: str) -> str:
    """One paragraph on the value of information, every figure taken from ``voi``.

    ``voi`` is the report context's ``uncertainty.value_of_information`` record: ``evpi``
    and its ``groups`` (``name``, ``inputs``, ``evppi``, ``share_of_evpi``), largest
    first. The EVPI is the expected gain from choosing with every uncertain input known
    rather than on today's expected values, E[max NPSV] − max E[NPSV]; it is an upper
    bound on what any research could be worth to this decision (an offer of information
    at a higher price should be refused).

    Examples
    --------
    >>> voi = {"evpi": 22669.1, "groups": [
    ...     {"name": "Effectiveness evidence", "inputs": ["benefit scale", "additionality"],
    ...      "evppi": 11872.7, "share_of_evpi": 0.5237},
    ...     {"name": "Discount rate shift", "inputs": ["discount rate shift"], "evppi": 0.0,
    ...      "share_of_evpi": 0.0}]}
    >>> print(value_of_information_text(voi, "£"))  # doctest: +NORMALIZE_WHITESPACE
    The expected value of perfect information (EVPI) is £22,669: choosing with every
    uncertain input known, rather than on today's expected values, would add that much
    NPSV on average, because in some draws another option turns out best. Research that
    would cost more than this is not worth doing before the decision. Knowing
    effectiveness evidence (benefit scale and additionality) alone is worth £11,873
    (52% of the EVPI). Knowing discount rate shift alone is worth nothing: it does not
    change which option is best.
    """
    evpi = float(voi["evpi"])
    text = (f"The expected value of perfect information (EVPI) is {_money(evpi, unit)}")
    if evpi <= 0.0:
        return text + (": the same option is best in every draw, so no research into the "
                       "uncertain inputs could change the decision.")
    text += (": choosing with every uncertain input known, rather than on today's expected "
             "values, would add that much NPSV on average, because in some draws another "
             "option turns out best. Research that would cost more than this is not worth "
             "doing before the decision.")
    groups = list(voi.get("groups") or [])
    worth = [g for g in groups if format_money(g["evppi"], unit) not in ("£0", "£0.0m")]
    nothing = [g for g in groups if g not in worth]
    for g in worth:
        what = g["name"][:1].lower() + g["name"][1:]
        inputs = [i for i in g["inputs"] if i.lower() != g["name"].lower()]
        what += f" ({_listed(inputs, 'and')})" if inputs else ""
        text += (f" Knowing {what} alone is worth {_money(g['evppi'], unit)} "
                 f"({format_percent(g['share_of_evpi'])} of the EVPI).")
    if nothing:
        names = [g["name"][:1].lower() + g["name"][1:] for g in nothing]
        it = "it does" if len(names) == 1 else "none of them"
        verb = " not change" if len(names) == 1 else " changes"
        amount = "next to nothing" if any(g["evppi"] > 0 for g in nothing) else "nothing"
        text += (f" Knowing {_listed(names, 'or')} alone is worth {amount}: {it}{verb} which "
                 "option is best.")
    return text
