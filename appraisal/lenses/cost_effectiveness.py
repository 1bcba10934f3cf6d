"""The cost-effectiveness lens: ICERs, dominance and net benefit from a case's own lines.

An optional ``cost_effectiveness:`` case section names the effect and the thresholds::

    cost_effectiveness:
      effect:
        lines: [QALYs gained]        # quantity lines (e.g. valued in QALYs) giving the effect
        unit: QALY
      cost_offsets: [health care saving]   # benefit categories netted off the cost (optional)
      thresholds: [lower, upper]     # shipped NICE variants (data/green_book/cea_thresholds.csv)
      # or numbers with their source: thresholds: [25000], threshold_source: "..."

For each option, **cost** = PV of its cost lines − PV of its benefit lines in
``cost_offsets`` (savings that pay back part of the cost), and **effect** = PV of the
quantities of the effect lines (after additionality and scale, discounted on each line's
own schedule: the health schedule for QALY lines). The lens reports the ICER and the
incremental net benefit at each threshold of every option against the counterfactual,
and the fully incremental analysis between options (dominance, extended dominance, ICERs
along the frontier) from :func:`appraisal.greenbook.cea.frontier`. The rules and known-answer
tests are :mod:`appraisal.greenbook.cea`'s.

With an ``uncertainty:`` section too, the uncertainty lens evaluates the same cost and
effect for each Monte Carlo draw (:func:`ce_draws`, on the draws it already made) and
reports the acceptability curves and frontier (CEAC, CEAF) and where the draws fall on the
cost-effectiveness plane (:func:`ce_acceptability`), under
``uncertainty.acceptability.cost_effectiveness``: the draws belong to the uncertainty lens,
which runs only on request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.errors import Expected, Issues
from appraisal.fields import field_path
from appraisal.greenbook.cea import ceac, frontier, icer, inb

if TYPE_CHECKING:
    import pandas as pd

    from appraisal.case.model import Case
    from appraisal.engine.compile import CompiledCase, EngineOutput

__all__ = ["CESpec", "CostEffectivenessResult", "ce_acceptability", "ce_draws",
           "cost_effectiveness", "cost_effectiveness_lenses",
           "parse_cost_effectiveness_section", "resolve_thresholds"]

Path_ = tuple[str | int, ...]
_SHIPPED = "nice_threshold"
#: Points of the acceptability curve's threshold grid (0 to twice the highest threshold),
#: besides the case's own thresholds.
CEAC_POINTS = 40
#: Draws of the cost-effectiveness plane kept for its chart and ``ce_plane_sample.csv``:
#: the first this many Monte Carlo draws (independent draws, so an unbiased sample), a
#: bounded size whatever the number of draws.
PLANE_POINTS = 500


@dataclass(frozen=True, slots=True)
class CESpec:
    """The parsed ``cost_effectiveness:`` section."""

    effect_lines: tuple[str, ...]
    unit: str = "unit of effect"
    cost_offsets: tuple[str, ...] = ()
    shipped: tuple[str, ...] = ()
    values: tuple[float, ...] = ()
    threshold_source: str = ""
    #: Where each shipped variant is in the section's ``thresholds`` list.
    shipped_at: tuple[int, ...] = ()


def parse_cost_effectiveness_section(raw: Any, *, case_data: Mapping[str, Any] | None = None,
                                     option_names: Sequence[str] = (),
                                     locate: Callable[[Path_], str] | None = None,
                                     issues: Issues | None = None,
                                     path: Path_ = ("cost_effectiveness",)) -> CESpec | None:
    """Parse a ``cost_effectiveness:`` section, recording located problems in ``issues``.

    Examples
    --------
    >>> parse_cost_effectiveness_section({"effect": {"lines": ["q"], "unit": "QALY"},
    ...     "thresholds": ["lower", 25000], "threshold_source": "test"},
    ...     case_data={"lines": [{"name": "q"}]}).values
    (25000.0,)
    >>> from appraisal.errors import AppraisalValidationError
    >>> try:
    ...     parse_cost_effectiveness_section({"effect": {"lines": ["q"]}, "thresholds": [0],
    ...         "threshold_source": "x"}, case_data={"lines": [{"name": "q"}]})
    ... except AppraisalValidationError as exc:
    ...     print(exc.errors[0].field, exc.errors[0].code)
    cost_effectiveness.thresholds[0] not-positive
    """
    del option_names
    own = issues is None
    found = Issues() if issues is None else issues
    start = len(found)
    loc = locate or field_path

    def err(p: Path_, code: str, msg: str, fix: str, *, expected: str = "") -> None:
        found.error(code, msg, location=loc(p), field=field_path(p), fix=fix,
                    expected=expected)

    root = case_data or {}
    names = {ln.get("name") for ln in root.get("lines", []) or [] if isinstance(ln, Mapping)}
    kw: dict[str, Any] = {}
    if not isinstance(raw, Mapping):
        err(path, "wrong-type", "'cost_effectiveness' must be a mapping",
            "give 'effect:' and 'thresholds:'", expected=Expected.MAP)
    else:
        for k in raw:
            if k not in ("effect", "cost_offsets", "thresholds", "threshold_source"):
                err((*path, str(k)), "unknown-field", f"'cost_effectiveness' has no field {k!r}",
                    "use only: effect, cost_offsets, thresholds, threshold_source")
        eff = raw.get("effect")
        if not isinstance(eff, Mapping) or not isinstance(eff.get("lines"), list) or not \
                eff["lines"]:
            err((*path, "effect"), "missing", "'effect' must name the effect lines",
                "write 'effect: {lines: [QALYs gained], unit: QALY}'")
        else:
            for i, n in enumerate(eff["lines"]):
                if n not in names:
                    err((*path, "effect", "lines", i), "unknown-line", f"no line named {n!r}",
                        "name a quantity line of the case (its 'name')")
            kw["effect_lines"] = tuple(str(n) for n in eff["lines"])
            kw["unit"] = str(eff.get("unit") or "unit of effect")
        offsets = raw.get("cost_offsets") or []
        if not isinstance(offsets, list):
            err((*path, "cost_offsets"), "wrong-type", "'cost_offsets' must be a list",
                "list benefit categories, e.g. [health care saving]", expected=Expected.LIST)
        else:
            kw["cost_offsets"] = tuple(str(x) for x in offsets)
        ths = raw.get("thresholds", ["lower"])
        shipped, values, shipped_at = [], [], []
        if not isinstance(ths, list) or not ths:
            err((*path, "thresholds"), "wrong-type", "'thresholds' must be a non-empty list",
                "write e.g. [lower, upper] (NICE) or numbers in £ per unit of effect",
                expected=Expected.LIST)
            ths = []
        for i, t in enumerate(ths):
            if isinstance(t, str):
                shipped.append(t)
                shipped_at.append(i)
            elif isinstance(t, int | float) and not isinstance(t, bool) and np.isfinite(t) \
                    and t > 0:
                values.append(float(t))
            else:
                err((*path, "thresholds", i), "not-positive", f"threshold {t!r} is not a "
                    "positive number of £ per unit of effect", "give a positive number or a "
                    "shipped variant (lower, upper, highly_specialised)")
        if values and not raw.get("threshold_source"):
            err((*path, "threshold_source"), "missing", "thresholds given as numbers need a "
                "'threshold_source'", "say where the threshold comes from")
        kw.update(shipped=tuple(shipped), values=tuple(values), shipped_at=tuple(shipped_at),
                  threshold_source=str(raw.get("threshold_source") or ""))
    if any(i.severity.name == "ERROR" for i in found.items[start:]) or "effect_lines" not in kw:
        if own:
            found.raise_if_errors("cost_effectiveness")
        return None
    return CESpec(**kw)


@dataclass(frozen=True, slots=True, eq=False)
class CostEffectivenessResult:
    """The ``cost_effectiveness`` payload."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The ``cost_effectiveness`` section of ``results.json``."""
        return self.data

    def to_frames(self, acceptability: Mapping[str, Any] | None = None
                  ) -> dict[str, pd.DataFrame]:
        """CSV tables: ``cost_effectiveness.csv`` (vs the counterfactual) and
        ``ce_frontier.csv`` (fully incremental analysis); given the uncertainty lens's
        ``acceptability["cost_effectiveness"]`` block (:func:`ce_acceptability`), also the
        curves under the names and values of that block in ``results.json``:

        - ``ce_acceptability.csv``: one row per threshold and option: ``threshold``,
          ``option``, ``probability_best`` (the CEAC: the probabilities sum to one across
          the options at each threshold), ``expected_net_benefit``;
        - ``ce_acceptability_frontier.csv``: one row per threshold: ``threshold``,
          ``frontier_option`` (the highest expected net benefit), ``frontier_probability``
          (the CEAF);
        - ``ce_plane_sample.csv``: the draws the plane's chart shows (``plane_sample``: the
          first :data:`PLANE_POINTS`), one row per draw and option: ``draw`` (its index
          among the Monte Carlo draws, from 0), ``option``, ``inc_cost``, ``inc_effect``.

        Examples
        --------
        >>> import numpy as np
        >>> block = ce_acceptability(np.array([[0.0, 100.0], [0.0, 300.0]]),
        ...                          np.array([[0.0, 0.01], [0.0, 0.01]]),
        ...                          [{"threshold": 20000.0, "name": "case"}], ["BAU", "New"], 0)
        >>> frames = CostEffectivenessResult({"versus_counterfactual": [], "frontier": []}
        ...                                  ).to_frames(block)
        >>> sorted(frames)  # doctest: +NORMALIZE_WHITESPACE
        ['ce_acceptability.csv', 'ce_acceptability_frontier.csv', 'ce_frontier.csv',
         'ce_plane_sample.csv', 'cost_effectiveness.csv']
        >>> frames["ce_plane_sample.csv"].to_dict("records")[1]
        {'draw': 1, 'option': 'New', 'inc_cost': 300.0, 'inc_effect': 0.01}
        """
        import pandas as pd

        rows = []
        for r in self.data["versus_counterfactual"]:
            row = {k: v for k, v in r.items() if k != "inb"}
            row.update({f"inb_at_{t['threshold']:.0f}": t["inb"] for t in r["inb"]})
            rows.append(row)
        frames = {"cost_effectiveness.csv": pd.DataFrame(rows),
                  "ce_frontier.csv": pd.DataFrame(self.data["frontier"])}
        if acceptability:
            curves = acceptability["ceac"]
            ks = curves["thresholds"]
            frames["ce_acceptability.csv"] = pd.DataFrame(
                [{"threshold": k, "option": n, "probability_best": p[i],
                  "expected_net_benefit": curves["expected_net_benefit"][n][i]}
                 for i, k in enumerate(ks) for n, p in curves["probability_best"].items()],
                columns=["threshold", "option", "probability_best", "expected_net_benefit"])
            frames["ce_acceptability_frontier.csv"] = pd.DataFrame(
                {"threshold": ks, "frontier_option": curves["frontier_option"],
                 "frontier_probability": curves["frontier_probability"]})
            sample = acceptability["plane_sample"]
            frames["ce_plane_sample.csv"] = pd.DataFrame(
                [{"draw": d, "option": r["option"], "inc_cost": dc, "inc_effect": de}
                 for d in range(sample["n_points"]) for r in sample["options"]
                 for dc, de in [(r["inc_cost"][d], r["inc_effect"][d])]],
                columns=["draw", "option", "inc_cost", "inc_effect"])
        return frames

    def report_context(self, option_ids: Mapping[str, str] | None = None,
                       acceptability: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``cost_effectiveness`` section of the report context.

        ``acceptability`` is the uncertainty lens's
        ``acceptability["cost_effectiveness"]`` block (:func:`ce_acceptability`), when the
        case had an ``uncertainty:`` section and the draws were run.
        """
        ids = dict(option_ids or {})

        def oid(name: str | None) -> str | None:
            return None if name is None else ids.get(name, name)

        d = self.data
        ctx: dict[str, Any] = {
            "effect_unit": d["effect_unit"], "counterfactual": oid(d["counterfactual"]),
            "cost_offsets": list(d["cost_offsets"]),
            "thresholds": [{k: t[k] for k in ("threshold", "name", "source", "confidence")}
                           for t in d["thresholds"]],
            "options": [{"option": oid(r["option"]), "cost": r["cost"], "effect": r["effect"]}
                        for r in d["options"]],
            "versus_counterfactual": [
                {"option": oid(r["option"]), "inc_cost": r["inc_cost"],
                 "inc_effect": r["inc_effect"], "icer": r["icer"],
                 "icer_status": r["icer_status"], "inb": [dict(t) for t in r["inb"]]}
                for r in d["versus_counterfactual"]],
            "frontier": [{"option": oid(r["option"]), "status": r["status"],
                          "compared_with": oid(r["compared_with"]), "inc_cost": r["inc_cost"],
                          "inc_effect": r["inc_effect"], "icer": r["icer"],
                          "dominated_by": r["dominated_by"]} for r in d["frontier"]],
            "note": d["note"]}
        if acceptability:
            a = acceptability
            curves = a["ceac"]
            ctx["acceptability"] = {
                "n_draws": a["n_draws"], "thresholds": list(curves["thresholds"]),
                "curves": {oid(n): list(v) for n, v in curves["probability_best"].items()},
                "frontier_option": [oid(n) for n in curves["frontier_option"]],
                "frontier_probability": list(curves["frontier_probability"]),
                "at_thresholds": [
                    {"threshold": r["threshold"], "name": r["name"] or "",
                     "probability_best": {oid(n): v for n, v in r["probability_best"].items()},
                     "frontier_option": oid(r["frontier_option"]),
                     "frontier_probability": r["frontier_probability"],
                     "p_cost_effective": {oid(n): v
                                          for n, v in r["p_cost_effective"].items()}}
                    for r in a["at_thresholds"]],
                "note": a["note"]}
            sample = {r["option"]: r for r in a.get("plane_sample", {}).get("options", [])}
            if sample:
                ctx["acceptability"]["plane"] = [
                    {"option": oid(r["option"]), "inc_cost": dict(r["inc_cost"]),
                     "inc_effect": dict(r["inc_effect"]), "quadrants": dict(r["quadrants"]),
                     "sample_cost": list(sample[r["option"]]["inc_cost"]),
                     "sample_effect": list(sample[r["option"]]["inc_effect"])}
                    for r in a["plane"]]
                ctx["acceptability"]["plane_selection"] = a["plane_sample"]["selection"]
        return ctx

    def summary_lines(self) -> list[str]:
        """Lines for the run summary."""
        d = self.data
        unit = d["effect_unit"]
        out = [f"Cost-effectiveness (cost per {unit}, against {d['counterfactual']}):"]
        for r in d["versus_counterfactual"]:
            icer_txt = (f"ICER £{r['icer']:,.0f} per {unit}" if r["icer"] is not None
                        else r["icer_status"])
            inbs = ", ".join(f"INB at £{t['threshold']:,.0f} {'-' if t['inb'] < 0 else ''}"
                             f"£{abs(t['inb']):,.0f}" for t in r["inb"])
            out.append(f"  {r['option']}: {icer_txt}; {inbs}")
        out.append("  frontier: " + " -> ".join(d["on_frontier"]))
        return out


def resolve_thresholds(compiled: CompiledCase, spec: CESpec, pack: Any = None
                       ) -> list[dict[str, Any]]:
    """The section's thresholds: the shipped variants (with their provenance) then the
    case's own numbers, each ``{threshold, source, confidence, name}``.

    Examples
    --------
    >>> from appraisal import example_path, load_case
    >>> from appraisal.engine.compile import compile_case
    >>> case = load_case(example_path("falls"))
    >>> [t["threshold"] for t in resolve_thresholds(compile_case(case),
    ...                                              case.sections["cost_effectiveness"])]
    [20000.0, 30000.0]
    """
    case = compiled.case
    pack = pack or compiled.pack
    thresholds: list[dict[str, Any]] = []
    for k, variant in enumerate(spec.shipped):
        rows = pack.rows("cea_thresholds", measure=_SHIPPED, variant=variant)
        if not rows:
            at = (f"cost_effectiveness.thresholds[{spec.shipped_at[k]}]"
                  if k < len(spec.shipped_at) else "cost_effectiveness.thresholds")
            known = sorted({dict(r.key).get("variant", "") for r in pack.rows(
                "cea_thresholds", measure=_SHIPPED)} - {""})
            issues = Issues()
            issues.error("unknown-threshold", f"no shipped threshold {variant!r}",
                         location=case.locate(at), field=at,
                         fix=f"use one of {', '.join(known)}, or give a number")
            issues.raise_if_errors(case.source_path or "case")
        row = pack.require(rows[0])
        thresholds.append({"threshold": float(row.value), "source": row.source,
                           "confidence": row.confidence, "name": f"NICE {variant}"})
    thresholds += [{"threshold": v, "source": spec.threshold_source, "confidence": "user",
                    "name": "case"} for v in spec.values]
    return thresholds


def cost_effectiveness(compiled: CompiledCase, pv_lines: np.ndarray, spec: CESpec,
                       pack: Any = None) -> CostEffectivenessResult:
    """Costs, effects, ICERs, dominance and INB of every option (deterministic).

    Examples
    --------
    >>> from appraisal.engine.compile import compile_case, evaluate_arrays
    >>> from appraisal.case.model import Case
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=1,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 1000}},
    ...            {"option": "A", "name": "q", "kind": "benefit", "values": {2025: 0.1},
    ...             "unit_value": {"value": 70000, "unit": "£ per QALY", "price_year": 2025,
    ...                            "source": "test"}}])
    >>> c = compile_case(case)
    >>> spec = CESpec(effect_lines=("q",), unit="QALY", values=(20000.0,),
    ...               threshold_source="test")
    >>> r = cost_effectiveness(c, evaluate_arrays(c).pv_lines[0], spec).to_dict()
    >>> r["versus_counterfactual"][0]["icer"], r["versus_counterfactual"][0]["inb"][0]["inb"]
    (10000.0, 1000.0)
    """
    from appraisal.engine.compile import line_present_values

    c = compiled
    pack = pack or c.pack
    names = c.option_names
    cf = c.counterfactual
    weights, is_effect = _line_masks(c, spec)
    onehot = c.option_matrix
    cost = (np.asarray(pv_lines, dtype=np.float64) * weights) @ onehot
    eff_pv = line_present_values(c, np.asarray(c.quantities)) * c.additionality * c.scale
    effect = (eff_pv * is_effect) @ onehot
    thresholds = resolve_thresholds(compiled, spec, pack)
    ks = np.array([t["threshold"] for t in thresholds])
    versus = []
    for o, name in enumerate(names):
        if o == cf:
            continue
        dc, de = float(cost[o] - cost[cf]), float(effect[o] - effect[cf])
        ic = icer(dc, de)
        versus.append({"option": name, "inc_cost": dc, "inc_effect": de, "icer": ic.value,
                       "icer_status": ic.status,
                       "inb": [{"threshold": float(k), "inb": float(v)}
                               for k, v in zip(ks, np.atleast_1d(inb(dc, de, ks)), strict=True)]})
    fr = frontier(cost, effect, list(names))
    data = {"effect_unit": spec.unit, "effect_lines": list(spec.effect_lines),
            "cost_offsets": list(spec.cost_offsets), "counterfactual": names[cf],
            "thresholds": thresholds,
            "options": [{"option": n, "cost": float(cost[o]), "effect": float(effect[o])}
                        for o, n in enumerate(names)],
            "versus_counterfactual": versus, "frontier": [dict(r) for r in fr.rows],
            "on_frontier": fr.on_frontier,
            "note": ("cost = PV of costs - PV of benefits in cost_offsets; effect = PV of the "
                     "effect lines' quantities (after additionality), discounted on each line's "
                     "schedule; ICER = inc cost / inc effect, not reported when an option "
                     "dominates or is dominated; INB = threshold x inc effect - inc cost")}
    return CostEffectivenessResult(data=data)


def _line_masks(compiled: CompiledCase, spec: CESpec) -> tuple[np.ndarray, np.ndarray]:
    """``(L,)`` cost weights (+1 cost line, -1 cost offset, 0 otherwise) and effect mask."""
    lines = compiled.case.lines
    is_cost = np.asarray(compiled.is_cost, dtype=bool)
    offset = np.array([(not k) and ln.category in spec.cost_offsets
                       for k, ln in zip(is_cost, lines, strict=True)])
    is_effect = np.array([ln.name in spec.effect_lines for ln in lines])
    return is_cost.astype(np.float64) - offset, is_effect


def _cost_twin(compiled: CompiledCase, weights: np.ndarray) -> CompiledCase:
    """The compiled case with only its cost lines and cost offsets: PV costs − PV benefits
    per option is the cost, with no per-line PVs kept (memory ``(D, O)``, not ``(D, L)``)."""
    key = ("ce_cost_twin", tuple(np.flatnonzero(weights)))
    if key not in compiled._cache:
        mask = (weights != 0)[:, None].astype(np.float64)
        gross = compiled.gross if compiled.gross is not None else compiled.real
        compiled._cache[key] = replace(
            compiled, amounts=np.asarray(compiled.amounts) * mask,
            gross=np.asarray(gross) * mask, real=np.asarray(compiled.real) * mask, _cache={})
    return compiled._cache[key]


def _effect_twin(compiled: CompiledCase, is_effect: np.ndarray) -> CompiledCase:
    """The compiled case with every effect line's flow its quantity (unit value 1, no price
    conversion), every other line empty and none a cost: its PV of benefits per option is
    the effect, for any draws of scale, additionality, delay, drop-off and discounting."""
    key = ("ce_effect_twin", tuple(np.flatnonzero(is_effect)))
    if key not in compiled._cache:
        mask = is_effect[:, None].astype(np.float64)
        q = np.asarray(compiled.quantities) * mask
        compiled._cache[key] = replace(
            compiled, amounts=np.asarray(compiled.amounts) * mask, gross=q,
            real=q * np.asarray(compiled.additionality)[:, None],
            value_paths=np.ones_like(q), price_factors=np.ones_like(q),
            is_cost=np.zeros_like(compiled.is_cost), ob_uplift=np.zeros(compiled.n_lines),
            _cache={})
    return compiled._cache[key]


def ce_draws(compiled: CompiledCase, spec: CESpec,
             engine_kwargs: Mapping[str, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cost and effect of every option for draws of the engine's inputs, ``(D, O)`` each.

    Parameters
    ----------
    compiled : CompiledCase
        The compiled case.
    spec : CESpec
        Its ``cost_effectiveness:`` section.
    engine_kwargs : mapping, optional
        Keyword arguments of :func:`~appraisal.engine.compile.evaluate_arrays` (draws of
        scale, additionality, delay, rate shift, ...; e.g.
        :meth:`~appraisal.lenses.uncertainty.case_model.CaseModel.engine_kwargs` of the
        Monte Carlo inputs). None: the case's own values (one draw).

    Returns
    -------
    costs, effects : ndarray (D, O)
        Cost as in :func:`cost_effectiveness` (PV of costs, optimism bias included, minus
        PV of the cost offsets) and effect (PV of the effect lines' quantities after
        additionality and scale). A value multiplier moves the money (the offsets), not
        the effect; optimism bias is not applied to the effect.

    Examples
    --------
    With no draws the totals are the deterministic lens's:

    >>> from appraisal import evaluate, example_path, load_case
    >>> from appraisal.engine.compile import compile_case
    >>> case = load_case(example_path("falls"))
    >>> costs, effects = ce_draws(compile_case(case), case.sections["cost_effectiveness"])
    >>> d = evaluate(case).lenses["cost_effectiveness"].to_dict()
    >>> bool(np.allclose(effects[0], [o["effect"] for o in d["options"]], rtol=1e-12))
    True
    """
    from appraisal.engine.compile import evaluate_arrays

    kw = dict(engine_kwargs or {})
    weights, is_effect = _line_masks(compiled, spec)
    money = evaluate_arrays(_cost_twin(compiled, weights), **kw, keep_lines=False)
    costs = money.pv_costs - money.pv_benefits
    kw.pop("value_multiplier", None)
    kw.pop("ob_uplift", None)
    effects = evaluate_arrays(_effect_twin(compiled, is_effect), **kw,
                              keep_lines=False).pv_benefits
    return costs, effects


def ce_acceptability(costs: np.ndarray, effects: np.ndarray,
                     thresholds: Sequence[Mapping[str, Any]], names: Sequence[str],
                     counterfactual: int, *, points: int = CEAC_POINTS,
                     points_kept: int = PLANE_POINTS) -> dict[str, Any]:
    """Acceptability curves and frontier, and the cost-effectiveness plane, from draws.

    Parameters
    ----------
    costs, effects : ndarray (D, O)
        Each option's cost and effect in each draw (:func:`ce_draws`).
    thresholds : sequence of mapping
        The case's thresholds (:func:`resolve_thresholds`): the grid runs from 0 to twice
        the highest, in ``points`` steps, and includes each of them.
    points_kept : int
        How many draws of the plane to keep (the first ones), :data:`PLANE_POINTS`.
    names : sequence of str
        Option names.
    counterfactual : int
        Index of the counterfactual.

    Returns
    -------
    dict
        ``ceac`` (:meth:`appraisal.greenbook.cea.CEAC.to_dict`: thresholds, probability
        each option has the highest net benefit, expected net benefit, the frontier's
        option and probability), ``at_thresholds`` (those figures at each case threshold,
        with P(INB > 0) of each option against the counterfactual), ``plane`` (each
        option's incremental cost and effect: mean, 5th and 95th percentiles, and the share
        of draws in each quadrant) and ``plane_sample`` (the incremental cost and effect of
        each option in the first :data:`PLANE_POINTS` draws, for the chart of the plane).

    Examples
    --------
    >>> costs = np.array([[0.0, 100.0], [0.0, 300.0]])
    >>> effects = np.array([[0.0, 0.01], [0.0, 0.01]])
    >>> out = ce_acceptability(costs, effects, [{"threshold": 20000.0, "name": "case"}],
    ...                        ["BAU", "New"], 0)
    >>> out["at_thresholds"][0]["probability_best"]
    {'BAU': 0.5, 'New': 0.5}
    >>> out["plane"][0]["quadrants"]["north-east"]
    1.0
    >>> out["plane_sample"]["options"][0]["inc_cost"]
    [100.0, 300.0]
    """
    c = np.asarray(costs, dtype=np.float64)
    e = np.asarray(effects, dtype=np.float64)
    case_k = np.array([float(t["threshold"]) for t in thresholds])
    top = 2.0 * float(case_k.max())
    grid = np.unique(np.concatenate([np.linspace(top / points, top, points), case_k]))
    curves = ceac(c, e, grid, list(names))
    at = []
    for t, k in zip(thresholds, case_k, strict=True):
        i = int(np.flatnonzero(grid == k)[0])
        nb = e * k - c
        at.append({"threshold": float(k), "name": t.get("name"),
                   "probability_best": {n: float(curves.probability[i, o])
                                        for o, n in enumerate(names)},
                   "frontier_option": names[int(curves.best[i])],
                   "frontier_probability": float(curves.ceaf[i]),
                   "p_cost_effective": {n: float((nb[:, o] > nb[:, counterfactual]).mean())
                                        for o, n in enumerate(names) if o != counterfactual}})
    plane = []
    for o, n in enumerate(names):
        if o == counterfactual:
            continue
        dc, de = c[:, o] - c[:, counterfactual], e[:, o] - e[:, counterfactual]
        plane.append({"option": n,
                      **{key: {"mean": float(x.mean()), "p5": float(np.percentile(x, 5)),
                               "p95": float(np.percentile(x, 95))}
                         for key, x in (("inc_cost", dc), ("inc_effect", de))},
                      "quadrants": {"north-east": float(((dc > 0) & (de > 0)).mean()),
                                    "south-east": float(((dc <= 0) & (de > 0)).mean()),
                                    "north-west": float(((dc > 0) & (de <= 0)).mean()),
                                    "south-west": float(((dc <= 0) & (de <= 0)).mean())}})
    m = min(points_kept, c.shape[0])
    sample = {"n_points": int(m),
              "selection": f"the first {m:,} of the {c.shape[0]:,} Monte Carlo draws",
              "options": [{"option": n,
                           "inc_cost": (c[:m, o] - c[:m, counterfactual]).tolist(),
                           "inc_effect": (e[:m, o] - e[:m, counterfactual]).tolist()}
                          for o, n in enumerate(names) if o != counterfactual]}
    return {"n_draws": int(c.shape[0]), "ceac": curves.to_dict(), "at_thresholds": at,
            "plane": plane, "plane_sample": sample,
            "note": "probability each option has the highest net benefit (threshold x effect "
                    "- cost) across the Monte Carlo draws, at each threshold (ties shared); "
                    "the frontier (CEAF) follows the option with the highest expected net "
                    "benefit; P(cost-effective) is P(INB > 0) against the counterfactual; "
                    "the plane's quadrants are of incremental cost (north: more costly) and "
                    "effect (east: more effective) against the counterfactual"}


def cost_effectiveness_lenses(case: Case, compiled: CompiledCase, out: EngineOutput,
                              wanted: Callable[[str], bool] = lambda key: True
                              ) -> dict[str, Any]:
    """The cost-effectiveness lens (:data:`appraisal.lenses.catalogue.LENSES`): the
    ``cost_effectiveness`` payload when the case has the section and it was asked for."""
    spec = case.sections.get("cost_effectiveness")
    if not wanted("cost_effectiveness") or not isinstance(spec, CESpec):
        return {}
    return {"cost_effectiveness": cost_effectiveness(compiled, out.pv_lines[0], spec)}
