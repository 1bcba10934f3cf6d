"""The HTML business-case report: a plain context dict rendered to one self-contained page.

:func:`render_report` turns a *report context* (a plain, JSON-compatible dict, built
from a result by the caller) into one HTML file with inline CSS and inline SVG charts,
a Content-Security-Policy that allows nothing but its own stylesheet, and no scripts.
:func:`write_report` writes it atomically. The sections, in the order of the
economic case, are listed in :data:`REPORT_SECTIONS`; a section whose context key
is absent (or empty) is left out, not shown empty. A user can restyle the report by
passing ``template_dir``: any file there (``report.css``, ``report.html.j2``,
``partials/_<section>.html.j2``) replaces the bundled file of the same name.

Only this subpackage imports jinja2 and markupsafe.

Context schema (version 1)
--------------------------
Conventions: **money** is in pounds (not millions), real terms, in the price base
``meta.price_base_year``; present values (``*_pv``, ``pv_*``, ``npsv``, ``net``) are
discounted to ``meta.discount_base_year``; costs are positive amounts (the line's
``kind`` gives the sign). **Fractions** are 0–1 (0.25 means 25%), never percentages.
**Option ids** are declared once in ``options`` and every ``option`` field or
option-keyed mapping refers to them. Numbers must be finite; ``null`` is allowed only
where stated. Unknown keys are errors (free-form data for custom templates goes under
``extra``). Text is shown as text: it is always escaped, and at most 20,000 characters.
An optional section may be absent, ``null``, ``{}`` or ``[]``: it is then left out.

``schema_version`` : int
    Must be ``1``.
``meta`` : dict
    ``title`` (str), ``subtitle`` (str, optional), ``organisation`` (str, optional),
    ``date`` (str, shown as given), ``price_base_year`` (int: "real, YYYY prices"),
    ``discount_base_year`` (int: year 0, "discounted to YYYY"), ``appraisal_period``
    (``{"start": int, "end": int}``, calendar years), ``discount_schedule`` (str, e.g.
    "Green Book STPR: 3.5% for years 0–30, declining thereafter"), ``bcr_definition``
    (str), ``counterfactual`` (option id), ``money_unit`` ("auto" | "£" | "£m",
    optional, default "auto": "£m" when any PV is a million or more).
``options`` : list of dict
    In display order: ``id`` (str, unique), ``name`` (str), ``description`` (str,
    optional).
``headline`` : dict
    The preferred option and its measures (:func:`appraisal.engine.headline.headline`, option
    ids for names); ``labels`` (dict) the one name of each measure.
``at_a_glance`` : dict, optional
    The first screen: ``recommendation`` (str), ``how_sure`` (optional ``{"n_draws":
    int, "p_preferred": fraction, "p_positive": fraction, "text": str}``: Monte Carlo
    probabilities for the option the headline describes), ``switching`` (optional
    ``{"parameter": str, "change": fraction, "text": str}``: the closest switching
    value), ``scenarios`` (optional ``{"rows": [{"scenario": str, "preferred_option":
    id, "changes_decision": bool, "inc_npsv": £ of the headline option}], "text": str}``),
    ``warnings`` (optional list of str: illustrative or unconfirmed values used; shown
    as a banner).
``summary`` : dict
    ``preferred_option`` (option id), ``rationale`` (str: why it is preferred),
    ``key_uncertainties`` (str), ``switching_values`` (str): one paragraph each.
``strategic`` : dict, optional
    ``spending_objectives`` (list of ``{"id", "text"}``), ``long_list`` (list of
    ``{"name", "description"?, "outcome", "reason"?}``; outcome e.g. "Preferred",
    "Carried forward", "Discounted"), ``short_list`` (list of option ids); each optional.
``cba`` : dict
    ``comparison`` (str, optional: e.g. "Incremental to Business as usual"),
    ``metrics`` (list, one per option: ``option``, ``pv_costs`` £, ``pv_benefits`` £,
    ``npsv`` £, ``bcr`` (float or null when undefined), ``vfm_category`` (str),
    ``bcr_note`` (str, optional: why the BCR is undefined, e.g. a net saving to the
    public sector)),
    ``pv_lines`` (list of ``{"category": str, "kind": "cost" | "benefit",
    "pv": {option id: £}}``, every option; for each option the benefit lines must sum
    to ``pv_benefits``, the cost lines to ``pv_costs``, within £1),
    ``cash_flows`` (``{"measure": str, "years": [int], "net": {option id: [£ per
    year]}}``, undiscounted real net flows; options may be omitted),
    ``waterfall_option`` (option id, optional; default the preferred option).
``optimism_bias`` : dict, optional
    ``rows`` (list of ``{"option", "project_type": str, "upper_bound": fraction,
    "mitigation": fraction, "applied": fraction, "base_pv": £, "uplift_pv": £}``, and
    optionally ``"duration_upper_bound"``, ``"duration_mitigation"``,
    ``"duration_applied"`` (fractions), ``"completion_delay_years"`` (int) and
    ``"delayed_lines"`` (list of str); ``mitigation`` is the managed reduction Σ c_i m_i),
    ``risks`` (optional list of ``{"option", "risk": str, "probability": fraction,
    "impact_pv": £, "expected_pv": £}``), ``note`` (str, optional).
``public_value`` : dict, optional
    ``by_value_type`` (list of ``{"option", "fiscal": £, "economic": £, "social": £}``,
    NPSV split by type of value), ``agencies`` (``{"option": id, "rows": [{"agency":
    str, "pv_costs": £, "pv_benefits": £, "net": £, "payback_year": int or null}]}``:
    who pays and who benefits, net position, first year the agency's cumulative
    discounted net position turns positive), ``pooled_budget`` (``{"option": id, "basis":
    str, "pooled_cost": £, "pooled_savings": £, "partners": [{"agency": str, "savings": £,
    "actual_contribution": £, "actual_share": fraction or null,
    "proportional_contribution": £, "proportional_share": fraction or null,
    "proportional_net": £}], "note": str}``: each partner's PV of savings, what it pays as
    funded and in proportion to its savings), ``cash_by_year`` (``{"option": id, "years":
    [int], "agencies": [{"agency": str, "net": [£ per year], "cumulative": [£ per
    year]}], "zero_agencies"?: [str]}``: real, undiscounted cash position of each
    agency, costs against cashable savings, incremental to the counterfactual; agencies
    whose position is zero every year are only named), ``note`` (str); each optional.
``distributional`` : dict, optional
    ``eta`` (float: elasticity of marginal utility of income), ``groups`` (list of
    str, lowest income first), ``weights`` (list of float, one per group),
    ``incidence`` ({option id: [£ unweighted net benefit per group]}), ``npsv`` (list
    of ``{"option", "unweighted": £, "weighted": £}``), ``eta_curve`` (optional
    ``{"eta": [float], "npsv": {option id: [£ weighted NPSV per eta]}}``), ``note``.
``non_monetised`` : dict, optional
    ``scale`` (7 labels, for scores −3 … +3), ``impacts`` (list of ``{"impact": str,
    "description"?: str, "scores": {option id: int −3..3}, "evidence"?: str,
    "confidence"?: str}``), scores relative to the counterfactual.
``mca`` : dict, optional
    ``criteria`` (list of ``{"id", "name", "weight": fraction}``, weights summing to 1),
    ``score_scale`` (str,
    e.g. "0 (worst) to 100 (best)"), ``scores`` (list of ``{"option", "scores":
    {criterion id: float}, "weighted": {criterion id: float}, "total": float,
    "rank": int}``), ``weight_robustness`` (optional ``{"method": str, "n_samples":
    int, "rows": [{"option", "p_first": fraction, "rank_min": int, "rank_max": int}]}``),
    ``weight_sets`` (optional list of ``{"name": str, "weights": {criterion id: fraction},
    "totals": {option id: float}, "preferred": option id}``), ``note`` (str, optional).
``uncertainty`` : dict, optional
    ``tornado`` (``{"option", "base_npsv": £ (the case's own values), "rows":
    [{"parameter", "low_label", "high_label", "npsv_low": £, "npsv_high": £}]}``),
    ``central_differs`` (list of ``{"input", "case_value": float or null,
    "distribution_central": float}``: inputs whose distribution is not centred on the
    case's value), ``switching_values`` (list of
    ``{"parameter", "unit": str, "base_value": float, "switching_value": float or
    null (no value turns the NPSV negative), "change": relative change as a fraction,
    e.g. 2.95 for +295%, or null, "note"?: str}``), ``unit_value_range``
    (``{"option", "lines": [str], "low": £, "high": £}``: the NPSV against business as
    usual of the headline option with every unit value that has a published range at its
    low, then high, value), ``scenarios`` (list of
    ``{"scenario": str, "inputs": [{"input": str, "value": float}], "inc_npsv":
    {option id: £}, "preferred_option": option id}``:
    the case's named scenarios), ``monte_carlo``
    (``{"n_draws": int, "seed": int or null, "histograms": {option id: {"bin_edges":
    [£], "counts": [float]}}, "summary": [{"option", "central"?, "mean", "p5", "p50",
    "p95": £, "p_positive": fraction}], "p_preferred": {option id: fraction},
    "mean_versus_central"?: str}``), ``value_of_information`` (``{"evpi": £ (expected
    value of perfect information, per decision), "groups": [{"name": str, "inputs": [str],
    "group": bool, "evppi": £, "share_of_evpi": fraction or null}] (largest first),
    "method": str, "money_unit": "£" | "£m", "text": str}``),
    ``acceptability`` (``{"x_label": str, "x_is_money": bool, "x": [float],
    "curves": {option id: [fraction]}, "note"?: str}``), ``sobol`` (``{"n_base_samples":
    int, "comparisons": [{"output": str, "comparison": str, "total_variance": £²,
    "rows": [{"parameter", "s1", "s1_conf", "st", "st_conf", "first_order_variance":
    £², "total_order_variance": £²}]}]}``); each optional.
``assumptions`` : list of dict, optional
    ``id``, ``assumption``, ``rationale`` (optional), ``source``, ``confidence`` (str).
``parameters`` : list of dict
    Every parameter used: ``name``, ``value`` (number or str), ``unit``, ``price_year``
    (int or null), ``source``, ``edition``, ``table`` (optional), ``confidence``.
``audit`` : dict
    ``tool_version``, ``generated_at`` (str, ISO 8601), ``inputs`` (list of
    ``{"name", "sha256": 64 hex digits}``), ``parameter_vintage`` (str), ``seed`` (int
    or null), ``command`` and ``python`` (str, optional).
``extra`` : dict, optional
    Anything, for custom templates; the bundled templates ignore it.

Examples
--------
>>> [s.id for s in REPORT_SECTIONS][:3]
['summary', 'strategic', 'costs-benefits']
"""

from __future__ import annotations

from appraisal.outputs.report.render import REPORT_SECTIONS, Section, render_report, write_report
from appraisal.outputs.report.schema import SCHEMA_VERSION, validate_context

__all__ = [
    "REPORT_SECTIONS",
    "SCHEMA_VERSION",
    "Section",
    "render_report",
    "validate_context",
    "write_report",
]
