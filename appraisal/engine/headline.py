"""The headline of an appraisal, and the one name of each measure in every output.

A measure is either **absolute** (an option on its own: "NPSV") or **against business
as usual** (the option less the counterfactual: "NPSV against business as usual").
The value-for-money category is a band of the BCR against business as usual, so it is
always shown beside that BCR, never beside the absolute one. The CLI summary,
``results.json``, the CSVs, ``results.xlsx`` and the report all take their labels from
:data:`LABELS` and their headline from :func:`headline`, so they state the same figures
under the same names.

Examples
--------
>>> LABELS["npsv"], LABELS["inc_npsv"]
('NPSV', 'NPSV against business as usual')
"""

from __future__ import annotations

from typing import Any

from appraisal.greenbook.cba import NET_SAVING

__all__ = ["HEADLINE_MEASURES", "LABELS", "headline", "headline_lines"]

#: The one label of each measure, keyed by its name in ``results.json`` (``inc_`` names are
#: the ``incremental`` block of an option).
LABELS: dict[str, str] = {
    "preferred_option": "Preferred option",
    "pv_costs": "PV costs",
    "pv_benefits": "PV benefits",
    "npsv": "NPSV",
    "bcr": "BCR",
    "inc_pv_costs": "PV costs against business as usual",
    "inc_pv_benefits": "PV benefits against business as usual",
    "inc_npsv": "NPSV against business as usual",
    "inc_bcr": "BCR against business as usual",
    "vfm_category": "Value-for-money category",
}

#: The measures of the headline, in the order every output states them.
HEADLINE_MEASURES = ("inc_npsv", "inc_bcr", "vfm_category", "npsv")


def headline(result: Any) -> dict[str, Any]:
    """The headline of an :class:`~appraisal.engine.results.AppraisalResult`: the preferred option
    and its measures, with their labels.

    The measures are those of the preferred option. When business as usual is preferred,
    its measures against itself are zero or undefined, so the headline also gives the best
    alternative (the option with the highest NPSV against business as usual) and its
    measures.

    Examples
    --------
    >>> from appraisal import evaluate, example_path, load_case
    >>> h = headline(evaluate(load_case(example_path("minimal"))))
    >>> h["preferred_option"], round(h["best_alternative"]["inc_npsv"], 2)
    ('Business as usual', -23.74)
    """
    options = {m.name: m for m in result.options}
    pref = options[result.preferred_option]

    def measures(m: Any) -> dict[str, Any]:
        return {"option": m.name, "inc_npsv": m.inc_npsv,
                "inc_bcr": None if m.counterfactual else m.inc_bcr,
                "vfm_category": None if m.counterfactual else m.vfm_category,
                "npsv": m.npsv, "net_saving_to_public_sector": bool(m.inc_net_saving)}

    alternatives = [m for m in result.options if not m.counterfactual]
    best = max(alternatives, key=lambda m: m.inc_npsv) if pref.counterfactual and \
        alternatives else None
    return {
        "preferred_option": pref.name,
        "counterfactual": result.case.counterfactual.name,
        **{k: v for k, v in measures(pref).items() if k != "option"},
        "best_alternative": None if best is None else measures(best),
        "labels": {k: LABELS[k] for k in ("preferred_option", *HEADLINE_MEASURES)},
    }


def _text(key: str, values: dict[str, Any], money: Any) -> str:
    value = values[key]
    if value is None:
        if key == "inc_bcr" and values.get("net_saving_to_public_sector"):
            return f"not defined ({NET_SAVING})"
        return "not defined" if key == "inc_bcr" else "not applicable"
    if key == "inc_bcr":
        return f"{value:.2f}"
    if key == "vfm_category":
        return str(value)
    return money(value)


def headline_lines(head: dict[str, Any], money: Any) -> list[str]:
    """The headline as ``label: value`` lines (the CLI summary and the workbook use these).

    ``money`` formats an amount of pounds.

    Examples
    --------
    >>> h = {"preferred_option": "A", "counterfactual": "BAU", "inc_npsv": 12.0,
    ...      "inc_bcr": 1.5, "vfm_category": "Medium", "npsv": 2.0, "best_alternative": None,
    ...      "labels": {}}
    >>> print("\\n".join(headline_lines(h, lambda x: f"£{x:,.0f}")))
    Preferred option: A
      NPSV against business as usual: £12
      BCR against business as usual: 1.50
      Value-for-money category: Medium
      NPSV: £2
    """
    out = [f"{LABELS['preferred_option']}: {head['preferred_option']}"]
    out += [f"  {LABELS[k]}: {_text(k, head, money)}" for k in HEADLINE_MEASURES]
    best = head.get("best_alternative")
    if best:
        out.append(f"Best alternative to {head['counterfactual']}: {best['option']}")
        out += [f"  {LABELS[k]}: {_text(k, best, money)}" for k in HEADLINE_MEASURES]
    return out
