"""The uncertainty lens: every analysis of a case's ``uncertainty:`` section, in one payload.

Listed in :data:`appraisal.lenses.catalogue.LENSES` with its section ``uncertainty``
(:func:`~appraisal.lenses.uncertainty.section.parse_uncertainty_section`), run on request
only: when a case has an ``uncertainty:`` section and ``appraisal.evaluate(case,
lenses="all")`` (or a list naming ``"uncertainty"``) asks for it,
:func:`uncertainty_lenses` stores an :class:`UncertaintyResult` under
``result.lenses["uncertainty"]``. ``appraisal run`` asks for it.

:func:`analyse_uncertainty` runs, on the vectorised engine: the named scenarios, the
one-way analysis (tornado), the switching value of every input, the optional two-way
grid, the Monte Carlo draws (seeded with :class:`numpy.random.SeedSequence`, identical
for any chunk size, number of workers or backend), its summaries (mean, percentiles,
P(NPSV > 0), P(BCR at or above each value-for-money band), probability each option is
preferred, Monte Carlo standard errors), acceptability curves (against η and against a
money threshold, and, when the case has a ``cost_effectiveness:`` section, the
cost-effectiveness acceptability curves and frontier against £ per unit of effect),
EVPI and per-group EVPPI, and optionally Sobol indices and Morris screening.

Examples
--------
>>> from appraisal import example_path, load_case
>>> case = load_case(example_path("prevention"))
>>> res = analyse_uncertainty(case, draws=2000)
>>> res.monte_carlo["n_draws"], sorted(res.report_context())[:3]
(2000, ['acceptability', 'monte_carlo', 'scenarios'])
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.case.model import Case
from appraisal.engine.compile import CompiledCase, EngineOutput
from appraisal.engine.kernel import blas_threads, chunk_for_budget, reused_heap
from appraisal.errors import Issues
from appraisal.formatting import choose_money_unit, format_money
from appraisal.lenses.uncertainty import deterministic as det
from appraisal.lenses.uncertainty.backends import (
    Backend,
    ProcessBackend,
    ThreadBackend,
    available_cores,
    resolve_backend,
)
from appraisal.lenses.uncertainty.case_model import CaseModel, case_spec
from appraisal.lenses.uncertainty.sampling import (
    DEFAULT_BLOCK_SIZE,
    MonteCarloResult,
    run_monte_carlo,
)
from appraisal.lenses.uncertainty.section import UncertaintySpec
from appraisal.lenses.uncertainty.streaming import ChunkTotals, shares_from_counts
from appraisal.lenses.uncertainty.summaries import (
    mean_versus_central,
    probability_best,
    summarise,
)
from appraisal.lenses.uncertainty.voi import evpi, evppi_many
from appraisal.limits import RUN_MAXIMA, run_size_issue

if TYPE_CHECKING:
    from appraisal.lenses.uncertainty.gsa import SensitivityResult

__all__ = [
    "ETA_GRID",
    "UncertaintyResult",
    "analyse_uncertainty",
    "default_threads",
    "monte_carlo_chunk",
    "sobol_groups",
    "uncertainty_hook",
    "uncertainty_lenses",
]

#: η values of the acceptability curve against η.
ETA_GRID = tuple(float(x) for x in np.round(np.linspace(0.0, 2.0, 21), 10))
_HIST_BINS = 30
_MONEY_POINTS = 21
_SOBOL_OUTPUTS = ("focus_margin", "focus_inc_npsv")
#: Most draws in one Monte Carlo chunk (and evaluations in one Sobol chunk): beyond this a
#: chunk is no faster (its products are
#: already long; measured on the prevention case, 10^6 draws: 8,192, 16,384 and the
#: budget's 49,152 take the same time within noise) and only holds more memory (peak RSS
#: 410 MB at 16,384, 500 MB at 49,152).
MAX_CHUNK = 16_384
#: Most threads of the default backend (:func:`default_threads`): beyond a few, the
#: interpreter lock (held between numpy's array loops) is the bottleneck.
MAX_THREADS = 4
#: Draws whose range is below this share of their size count as one value (a point mass).
_RANGE_RTOL = 1e-9


def _json(value: Any) -> Any:
    """Floats made JSON-safe (``nan``/``inf`` -> ``None``), arrays to lists."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Every uncertainty analysis of a case (the ``uncertainty`` lens payload)."""

    option_names: tuple[str, ...]
    counterfactual: str
    focus: str
    runner_up: str | None
    inputs: tuple[dict[str, Any], ...]
    scenarios: tuple[dict[str, Any], ...]
    tornado: det.OneWayResult
    switching: tuple[det.SwitchingResult, ...]
    two_way: det.TwoWayResult | None = None
    monte_carlo: dict[str, Any] = field(default_factory=dict)
    value_of_information: dict[str, Any] = field(default_factory=dict)
    acceptability: dict[str, Any] = field(default_factory=dict)
    sobol: SensitivityResult | None = None
    morris: SensitivityResult | None = None
    draws: MonteCarloResult | None = field(default=None, repr=False)
    central_differs: tuple[dict[str, Any], ...] = ()

    # ------------------------------------------------------------------ outputs
    def to_dict(self) -> dict[str, Any]:
        """The ``uncertainty`` section of ``results.json`` (JSON-able)."""
        out: dict[str, Any] = {
            "options": list(self.option_names), "counterfactual": self.counterfactual,
            "focus_option": self.focus, "runner_up": self.runner_up,
            "inputs": list(self.inputs), "central_differs": list(self.central_differs),
            "scenarios": list(self.scenarios),
            "tornado": self.tornado.to_dict(),
            "switching_values": [s.to_dict() for s in self.switching],
            "monte_carlo": self.monte_carlo,
            "value_of_information": self.value_of_information,
            "acceptability": self.acceptability,
        }
        if self.two_way is not None:
            out["two_way"] = self.two_way.to_dict()
        for key, gsa in (("sobol", self.sobol), ("morris", self.morris)):
            if gsa is not None:
                out[key] = {"method": gsa.method, "names": list(gsa.names),
                            "outputs": list(gsa.outputs), "n_evaluations": gsa.n_evaluations,
                            "settings": dict(gsa.settings), "notes": list(gsa.notes),
                            "indices": {k: v.tolist() for k, v in gsa.indices.items()}}
        if self.sobol is not None:
            out["sobol"]["comparisons"] = self._sobol_comparisons()
        return _json(out)

    def _sobol_comparisons(self) -> list[dict[str, Any]]:
        """The Sobol indices of the decision's comparisons, with variances in £²."""
        gsa = self.sobol
        if gsa is None:
            return []
        labels = {"focus_inc_npsv": (f"NPSV of {self.focus} minus NPSV of "
                                     f"{self.counterfactual}", "against business as usual")}
        if self.runner_up is not None and self.runner_up != self.counterfactual:
            labels["focus_margin"] = (f"NPSV of {self.focus} minus NPSV of {self.runner_up}",
                                      "against the runner-up")
        elif self.runner_up is not None:
            labels["focus_inc_npsv"] = (labels["focus_inc_npsv"][0], "against business as "
                                        "usual, which is also the runner-up")
        variance = gsa.variance if gsa.variance is not None else np.zeros(len(gsa.outputs))
        out = []
        for key, (what, against) in labels.items():
            c = gsa.outputs.index(key)
            v = float(variance[c])
            rows = [{"parameter": name,
                     **{k.lower(): max(0.0, float(np.nan_to_num(gsa.indices[k][c, j])))
                        if k.endswith("conf") else float(np.nan_to_num(gsa.indices[k][c, j]))
                        for k in ("S1", "S1_conf", "ST", "ST_conf")}}
                    for j, name in enumerate(gsa.names)]
            for r in rows:
                r["first_order_variance"] = r["s1"] * v
                r["total_order_variance"] = r["st"] * v
            out.append({"output": what, "comparison": against, "output_key": key,
                        "total_variance": v, "rows": rows})
        return out

    def summary_lines(self) -> list[str]:
        """A few readable lines for the CLI summary."""
        lines = ["Uncertainty:"]
        mc = self.monte_carlo
        if mc.get("n_draws"):
            row = next(r for r in mc["options"] if r["option"] == self.focus)
            inc = row["inc_npsv"]
            unit = choose_money_unit([inc["mean"], inc["p5"], inc["p95"]])

            def money(x: float) -> str:
                return format_money(x, unit)

            lines.append(f"  Monte Carlo, {mc['n_draws']:,} draws (seed {mc['seed']}): "
                         f"P({self.focus} preferred) = {mc['p_preferred'][self.focus]:.1%}")
            lines.append(f"  NPSV against business as usual of {self.focus}: central estimate "
                         f"{money(inc['central'])}, Monte Carlo mean {money(inc['mean'])} "
                         f"(± {format_money(inc['mcse'], unit, 2 if unit == '£m' else 1)} "
                         f"Monte Carlo standard error), 90% interval "
                         f"{money(inc['p5'])} to {money(inc['p95'])}; "
                         f"P(> 0) = {inc['p_positive']:.1%}")
            lines.append(f"  {mc['central_versus_mean']['explanation']}")
        for d in self.central_differs:
            case = "differs by line" if d["case_value"] is None else f"{d['case_value']:.4g}"
            lines.append(f"  note: {d['input']}: the case's value ({case}) is not its "
                         f"distribution's central value ({d['distribution_central']:.4g}); "
                         "the deterministic analyses use the case's value")
        top = [r["parameter"] for r in self.tornado.rows[:3]]
        if top:
            lines.append(f"  largest one-way effects on {self.tornado.option}: "
                         + ", ".join(top))
        closest = [s for s in self.switching if s.change is not None]
        if closest:
            s = min(closest, key=lambda s: abs(s.change or 0.0))
            lines.append(f"  closest switching value: {s.parameter} at {s.value:.4g} "
                         f"(case value {s.base_value:.4g}): {s.rival} becomes preferred "
                         f"instead of {s.option}")
        ce = self.acceptability.get("cost_effectiveness")
        for row in (ce or {}).get("at_thresholds", []):
            best = ", ".join(f"{n} {p:.1%}" for n, p in row["probability_best"].items())
            lines.append(f"  probability most cost-effective at £{row['threshold']:,.0f} per "
                         f"{ce['effect_unit']}: {best}")
        voi = self.value_of_information
        if voi.get("evpi") is not None:
            lines.append("  expected value of perfect information (EVPI): "
                         + format_money(voi["evpi"], "auto"))
        return lines

    def report_context(self) -> dict[str, Any]:
        """The ``uncertainty`` section of the HTML report context (schema version 1)."""
        ctx: dict[str, Any] = {}
        rows = [{"parameter": r["parameter"], "low_label": f"{r['low']:.4g}",
                 "high_label": f"{r['high']:.4g}", "npsv_low": r["npsv_low"],
                 "npsv_high": r["npsv_high"]} for r in self.tornado.rows]
        if rows:
            ctx["tornado"] = {"option": self.tornado.option, "base_npsv": self.tornado.base_npsv,
                              "rows": rows}
        if self.central_differs:
            ctx["central_differs"] = [
                {"input": d["input"], "case_value": d["case_value"],
                 "distribution_central": d["distribution_central"]}
                for d in self.central_differs]
        if self.switching:
            ctx["switching_values"] = [s.report_row() for s in self.switching]
        named = list(self.scenarios[1:])  # the first row is the case as appraised
        if named:
            ctx["scenarios"] = [
                {"scenario": r["scenario"],
                 "inputs": [{"input": k, "value": float(v)} for k, v in r["inputs"].items()],
                 "inc_npsv": {o: float(r["inc_npsv"][o]) for o in self.option_names},
                 "preferred_option": r["preferred_option"]} for r in named]
        mc = self.monte_carlo
        if mc.get("n_draws"):
            ctx["monte_carlo"] = {
                "n_draws": mc["n_draws"], "seed": mc["seed"],
                "histograms": mc["histograms"],
                "summary": [{"option": r["option"], **{k: r["inc_npsv"][k] for k in (
                    "central", "mean", "p5", "p50", "p95", "p_positive")}}
                    for r in mc["options"]],
                "p_preferred": dict(mc["p_preferred"]),
                "mean_versus_central": mc["central_versus_mean"]["explanation"]}
            acc = self.acceptability.get("eta") or self.acceptability.get("threshold")
            if acc:
                ctx["acceptability"] = {k: acc[k] for k in ("x_label", "x_is_money", "x",
                                                            "curves", "note") if k in acc}
        if self.sobol is not None:
            ctx["sobol"] = {
                "n_base_samples": int(self.sobol.settings.get("n", 0)) or 1,
                "comparisons": [{k: c[k] for k in ("output", "comparison", "total_variance",
                                                   "rows")}
                                for c in self._sobol_comparisons()]}
        return _json(ctx)

    def to_frames(self) -> dict[str, Any]:
        """CSV tables: draw summaries, tornado, switching values, scenarios, Sobol."""
        import pandas as pd

        frames: dict[str, Any] = {}
        mc = self.monte_carlo
        if mc.get("n_draws"):
            records = []
            for r in mc["options"]:
                for metric in ("npsv", "inc_npsv"):
                    rec = {"option": r["option"], "metric": metric, **r[metric]}
                    records.append(rec)
            frames["uncertainty_draws_summary.csv"] = pd.DataFrame(records)
        frames["uncertainty_tornado.csv"] = pd.DataFrame(
            [{"option": self.tornado.option, **r} for r in self.tornado.rows])
        frames["uncertainty_switching_values.csv"] = pd.DataFrame(
            [{k: v for k, v in s.to_dict().items() if k != "search_range"}
             | {"search_low": s.bounds[0], "search_high": s.bounds[1]} for s in self.switching])
        frames["uncertainty_scenarios.csv"] = pd.DataFrame(
            [{"scenario": r["scenario"], "option": o, "npsv": r["npsv"][o],
              "inc_npsv": r["inc_npsv"][o], "preferred_option": r["preferred_option"]}
             for r in self.scenarios for o in self.option_names])
        if self.sobol is not None:
            frames["uncertainty_sobol.csv"] = self.sobol.to_frame().reset_index()
        if self.morris is not None:
            frames["uncertainty_morris.csv"] = self.morris.to_frame().reset_index()
        return frames


# ------------------------------------------------------------------------ analyses
def _summary_dict(s: Any, j: int) -> dict[str, float]:
    return {"mean": float(s.mean[j]), "sd": float(s.sd[j]), "mcse": float(s.mcse[j]),
            "p5": float(s.percentiles[5.0][j]), "p50": float(s.percentiles[50.0][j]),
            "p95": float(s.percentiles[95.0][j]), "p_positive": float(s.p_positive[j]),
            "p_positive_low": float(s.p_positive_low[j]),
            "p_positive_high": float(s.p_positive_high[j])}


def _vfm_bands(model: CaseModel) -> list[tuple[str, float]]:
    pack = model.compiled.pack
    if "value_for_money" not in pack.tables:
        return []
    bands = []
    for row in pack.rows("value_for_money"):
        low = row.get("bcr_from")
        if low not in (None, ""):
            bands.append((str(row.get("category")), float(low)))
    return sorted(bands, key=lambda b: b[1])


def _monte_carlo(model: CaseModel, mc: MonteCarloResult) -> dict[str, Any]:
    names = list(model.option_names)
    cf = model.counterfactual
    npsv, inc = mc.outputs["npsv"], mc.outputs["inc_npsv"]
    s_npsv = summarise(npsv, name="npsv", labels=names, percentiles=(5, 50, 95))
    s_inc = summarise(inc, name="inc_npsv", labels=names, percentiles=(5, 50, 95))
    p_pref = probability_best(npsv)
    bands = _vfm_bands(model)
    at_least = mc.totals["inc_bcr_at_least"]  # (O, B) draws reaching each band
    options = []
    base = model.case_npsv
    for j, name in enumerate(names):
        row: dict[str, Any] = {"option": name, "counterfactual": j == cf,
                               "npsv": {"central": float(base[j]), **_summary_dict(s_npsv, j)},
                               "inc_npsv": {"central": float(base[j] - base[cf]),
                                            **_summary_dict(s_inc, j)},
                               "p_preferred": float(p_pref[j])}
        if j != cf and bands:
            row["p_bcr_at_least"] = {f"{cat} ({low:g})": float(at_least[j, b] / mc.n)
                                     for b, (cat, low) in enumerate(bands)}
        if "inc_weighted_npsv" in mc.outputs:
            w = mc.outputs["inc_weighted_npsv"][:, j]
            # from a sorted copy: the same order statistics, found faster
            p5, p95 = np.percentile(np.sort(w), (5, 95))
            row["inc_weighted_npsv"] = {"mean": float(w.mean()), "p5": float(p5),
                                        "p95": float(p95)}
        options.append(row)
    histograms = {}
    for j, name in enumerate(names):
        x = inc[:, j]
        # a range at rounding level (or zero) is a point mass: no histogram, and
        # np.histogram would fail ("Too many bins") on draws differing in the last digit
        if j == cf or not np.ptp(x) > _RANGE_RTOL * max(float(np.max(np.abs(x))), 1.0):
            continue
        counts, edges = np.histogram(x, bins=_HIST_BINS)
        histograms[name] = {"bin_edges": edges.tolist(),
                            "counts": counts.astype(float).tolist()}
    out = {"n_draws": mc.n, "seed": model.spec.seed if isinstance(mc.entropy, int) else None,
           "seed_record": mc.seed_record(), "options": options,
           "p_preferred": dict(zip(names, map(float, p_pref), strict=True)),
           "histograms": histograms,
           "metric_note": "inc_npsv is NPSV incremental to the counterfactual; 'central' is "
                          "the appraisal at the case's own values, beside the Monte Carlo "
                          "mean; P(BCR at least a band) uses the incremental BCR (undefined "
                          "counts as not reaching the band)"}
    if "inc_weighted_npsv" in mc.outputs:
        wp = shares_from_counts(mc.totals["best_weighted"], mc.n)
        out["p_preferred_weighted"] = dict(zip(names, map(float, wp), strict=True))
    return out


def _central_versus_mean(model: CaseModel, mc: dict[str, Any], tornado: det.OneWayResult
                         ) -> dict[str, Any]:
    """The focus option's central estimate beside its Monte Carlo mean, and why they differ."""
    focus = model.option_names[model.focus]
    inc = next(r for r in mc["options"] if r["option"] == focus)["inc_npsv"]
    effects = det.mean_effects(model, tornado)
    unit = choose_money_unit([inc["central"], inc["mean"]])

    def money(x: float) -> str:  # prose: a minus sign, not accounting brackets
        text = format_money(abs(x), unit)
        return f"−{text}" if x < 0 and text not in ("£0", "£0.0m") else text

    text = mean_versus_central(f"the NPSV against business as usual of {focus}", inc["central"],
                               inc["mean"], inc["mcse"], effects, money=money)
    return {"option": focus, "central": inc["central"], "mean": inc["mean"],
            "difference": inc["mean"] - inc["central"], "mcse": inc["mcse"],
            "input_effects": effects, "explanation": text}


def _acceptability(model: CaseModel, mc: MonteCarloResult) -> dict[str, Any]:
    names = list(model.option_names)
    cf = model.counterfactual
    inc = mc.outputs["inc_npsv"]
    out: dict[str, Any] = {}
    # each column sorted once: its 95th percentile (the same order statistics, found
    # faster in a sorted copy) and P(inc > x) by search
    columns = [np.sort(inc[:, j]) for j in range(inc.shape[1])]
    top = float(max(np.percentile(c, 95) for c in columns))
    if top > 0:
        x = np.linspace(0.0, top, _MONEY_POINTS)
        p = np.empty((x.size, inc.shape[1]))  # P(inc > x)
        for j, c in enumerate(columns):
            p[:, j] = (mc.n - np.searchsorted(c, x, side="right")) / mc.n
        out["threshold"] = {"x_label": "Threshold for the NPSV against business as usual (£)",
                            "x_is_money": True, "x": x.tolist(),
                            "curves": {n: p[:, j].tolist() for j, n in enumerate(names)
                                       if j != cf},
                            "note": "probability that each option's NPSV, incremental to "
                                    "the counterfactual, exceeds the threshold"}
    if model.has_equity and mc.totals.get("best_at_eta", np.empty(0)).size:
        curves = shares_from_counts(mc.totals["best_at_eta"], mc.n)  # (P, O)
        out["eta"] = {"x_label": "η (elasticity of marginal utility of income)",
                      "x_is_money": False, "x": list(ETA_GRID),
                      "curves": {n: curves[:, j].tolist() for j, n in enumerate(names)},
                      "note": "probability each option has the highest distributionally "
                              "weighted NPSV, with η fixed at each value and every other "
                              "input drawn"}
    return out


def _cost_effectiveness_acceptability(model: CaseModel, mc: MonteCarloResult
                                      ) -> dict[str, Any]:
    """CEAC, CEAF and the cost-effectiveness plane from the Monte Carlo draws, when the
    case has a ``cost_effectiveness:`` section (the same draws of every input, evaluated
    for each option's cost and effect by the cost-effectiveness lens's rules)."""
    spec = model.compiled.case.sections.get("cost_effectiveness")
    if spec is None:
        return {}
    from appraisal.lenses.cost_effectiveness import (
        CESpec,
        ce_acceptability,
        ce_draws,
        resolve_thresholds,
    )

    if not isinstance(spec, CESpec):
        return {}
    kwargs, _ = model.engine_kwargs(mc.inputs)
    costs, effects = ce_draws(model.compiled, spec, kwargs)
    out = ce_acceptability(costs, effects, resolve_thresholds(model.compiled, spec),
                           model.option_names, model.counterfactual)
    return {"cost_effectiveness": {"effect_unit": spec.unit, **out}}


def _value_of_information(model: CaseModel, mc: MonteCarloResult,
                          executor: Executor | None = None) -> dict[str, Any]:
    nb = mc.outputs["inc_npsv"]
    total = evpi(nb)
    varying = {k: np.asarray(model.values(k, v), dtype=np.float64)
               for k, v in mc.inputs.items() if np.ptp(np.asarray(v, dtype=np.float64)) > 0
               and model.spec.input(k).field != "eta"}
    groups = {g: [m for m in members if m in varying]
              for g, members in model.spec.groups.items()}
    groups = {f"group: {g}": m for g, m in groups.items() if m}
    grouped = {m for members in groups.values() for m in members}
    singles = {k: v for k, v in varying.items() if k not in grouped}
    rows = []
    if varying and mc.n >= 200:
        table = evppi_many(nb, {**{name: {name: values} for name, values in singles.items()},
                                **{g: {m: varying[m] for m in members}
                                   for g, members in groups.items()}},
                           executor=executor)
        rows = [{"parameters": list(r.parameters), "name": key, "evppi": r.value,
                 "raw": r.raw, "clipped": r.clipped, "r_squared": r.r_squared.tolist()}
                for key, r in table.items()]
        rows.sort(key=lambda r: -r["evppi"])
    return {"evpi": total, "evppi": rows,
            "net_benefit": "NPSV incremental to the counterfactual (£, per decision)",
            "method": "regression on the Monte Carlo draws (Strong, Oakley and Brennan 2014)"}


def _analyses(model: CaseModel, mc: MonteCarloResult, threads: int
              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The summaries, acceptability curves and value of information of the draws.

    With ``threads > 1`` they run side by side in that many threads (each EVPPI fit a task
    of its own; their array work releases the interpreter lock), BLAS on one thread; each
    is computed as it is alone, so the numbers are the same.
    """
    if threads <= 1:
        acc = _acceptability(model, mc)
        acc.update(_cost_effectiveness_acceptability(model, mc))
        return _monte_carlo(model, mc), acc, _value_of_information(model, mc)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="appraisal-analysis")
    try:
        with blas_threads():
            def submit(fn: Callable[..., Any]) -> Future[Any]:
                return pool.submit(contextvars.copy_context().run, fn, model, mc)

            summaries, curves, ce = (submit(fn) for fn in (
                _monte_carlo, _acceptability, _cost_effectiveness_acceptability))
            voi = _value_of_information(model, mc, executor=pool)
            acc = curves.result()
            acc.update(ce.result())
            return summaries.result(), acc, voi
    finally:  # on an error, the tasks not yet started are dropped
        pool.shutdown(cancel_futures=True)


def _check_counts(draws: Any, sobol: Any, morris: Any) -> None:
    found = Issues()
    for value, name, low in ((draws, "draws", 2), (sobol, "sobol", 2), (morris, "morris", 2)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):
            found.error("invalid-value", f"'{name}' must be an integer >= {low} (got "
                        f"{value!r})", field=name, fix=f"give {name} of at least {low}")
        elif value is not None and run_size_issue(name, value):
            found.error("too-many", f"'{name}' {run_size_issue(name, value)}", field=name,
                        fix=f"give {name} of at most {RUN_MAXIMA[name]:,}")
    if sobol is not None and isinstance(sobol, int) and sobol >= 2 and sobol & (sobol - 1):
        found.error("invalid-value", f"'sobol' base samples must be a power of 2 (got "
                    f"{sobol})", field="sobol", fix="use e.g. 512, 1024 or 2048")
    found.raise_if_errors("uncertainty")


def sobol_groups(spec: UncertaintySpec) -> dict[str, list[str]]:
    """Parameter groups for Sobol indices: the declared groups, merged where inputs are
    correlated across them.

    Sobol indices need independent groups, so correlated inputs are analysed together: a
    correlated pair in two groups (or ungrouped) joins one group named after its parts, e.g.
    ``"benefit scale + additionality"``.

    Examples
    --------
    >>> from appraisal.lenses.uncertainty.section import parse_uncertainty_section
    >>> spec = parse_uncertainty_section({"inputs": [
    ...     {"name": "a", "target": "all", "field": "scale",
    ...      "distribution": {"dist": "uniform", "low": 0.9, "high": 1.1}},
    ...     {"name": "b", "target": "all", "field": "rate_shift",
    ...      "distribution": {"dist": "uniform", "low": -0.01, "high": 0.01}},
    ...     {"name": "c", "target": "all", "field": "delay",
    ...      "distribution": {"dist": "discrete", "values": [0, 1], "probabilities": [0.5, 0.5]}}],
    ...     "correlation": {"pairs": [{"inputs": ["a", "b"], "rho": 0.4}]}})
    >>> sobol_groups(spec)
    {'a + b': ['a', 'b']}
    """
    label = {i.name: i.group or i.name for i in spec.inputs}
    parent = {g: g for g in label.values()}

    def root(g: str) -> str:
        while parent[g] != g:
            g = parent[g]
        return g

    corr = spec.correlation
    if corr is not None:
        names = list(corr.names)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                if corr.matrix[a, b] != 0.0 and names[a] in label and names[b] in label:
                    ra, rb = root(label[names[a]]), root(label[names[b]])
                    if ra != rb:
                        parent[rb] = ra
    members: dict[str, list[str]] = {}
    for name, g in label.items():
        members.setdefault(root(g), []).append(name)
    out: dict[str, list[str]] = {}
    for r, names_in in members.items():
        parts = list(dict.fromkeys(label[n] for n in names_in))
        if len(names_in) > 1 or label[names_in[0]] != names_in[0]:
            out[" + ".join(parts) if len(parts) > 1 else r] = names_in
    return out


def _chunk_budget(model: CaseModel, n: int, n_outputs: int, memory: float) -> int:
    """Draws of one chunk's working arrays that fit the budget beside the kept outputs."""
    c = model.compiled
    n_lines, n_opt, k = c.n_lines, len(c.option_names), len(model.spec.inputs)
    kept = n * 8.0 * (n_outputs * n_opt + k)
    caller = 8.0 * (4 * k + 14 * n_opt + 2 * n_lines + len(ETA_GRID) * n_opt)
    return chunk_for_budget(memory, n_lines, c.n_years, n_opt,
                            n_schedules=len(c.schedule_names),
                            persistence=int(c.persistence.max(initial=1))
                            if c.persistence is not None else 1,
                            extra_per_draw=caller, fixed=kept)


def monte_carlo_chunk(model: CaseModel, n: int, n_outputs: int, memory: float,
                      concurrent: int = 1) -> int:
    """Monte Carlo draws per chunk for a memory budget (MB), whole sampling blocks.

    Held for the whole run: the ``n_outputs`` kept outputs (``O`` numbers per draw) and
    every input's draws (the counted outputs of :class:`~appraisal.lenses.uncertainty.
    streaming.ChunkTotals` take no memory per draw). Per draw of a chunk: the inputs as
    sampled (uniforms, correlated normals, values: four copies), the model's outputs
    (about a dozen ``O``-vectors and the signed line PVs) and the engine's own arrays
    (:func:`~appraisal.engine.kernel.chunk_for_budget`). ``concurrent`` chunks are
    evaluated at once (the workers of a thread or process backend), so each gets that
    share of what the kept outputs leave. The chunk is the most whole sampling blocks
    that fit, at least one block (a budget smaller than one block's needs still runs,
    over budget), and at most :data:`MAX_CHUNK` draws evaluated at once (a
    ``concurrent``-th of it each: on the prevention case with two threads, chunks of
    8,192 draws took no more time than 16,384 and faulted in a quarter of the pages). A
    run that fits in one chunk is one chunk, whatever ``concurrent``.
    """
    budget = _chunk_budget(model, n, n_outputs, memory) // DEFAULT_BLOCK_SIZE
    cap = MAX_CHUNK // DEFAULT_BLOCK_SIZE
    whole = -(-n // DEFAULT_BLOCK_SIZE)
    if whole <= min(budget, cap):  # one chunk: nothing runs at once
        return whole * DEFAULT_BLOCK_SIZE
    concurrent = max(1, concurrent)
    return max(1, min(budget // concurrent, cap // concurrent)) * DEFAULT_BLOCK_SIZE


def default_threads(model: CaseModel, n: int, n_outputs: int, memory: float) -> int:
    """Threads of the default backend of :func:`analyse_uncertainty`: one per available
    core (:func:`~appraisal.lenses.uncertainty.backends.available_cores`), at most
    :data:`MAX_THREADS`, and no more than the memory budget has room for sampling blocks
    evaluated at once (so the budget holds with every thread busy); one for a run that is
    one chunk (:func:`monte_carlo_chunk`: nothing to share out).

    Examples
    --------
    >>> from appraisal import example_path, load_case
    >>> model = CaseModel(load_case(example_path("prevention")))
    >>> default_threads(model, 10_000, 3, 512.0)  # one chunk: nothing to share
    1
    """
    if monte_carlo_chunk(model, n, n_outputs, memory) >= n:
        return 1
    blocks = _chunk_budget(model, n, n_outputs, memory) // DEFAULT_BLOCK_SIZE
    return max(1, min(available_cores(), MAX_THREADS, blocks))


def analyse_uncertainty(case: Case, *, spec: UncertaintySpec | None = None,
                        compiled: CompiledCase | None = None, draws: int | None = None,
                        seed: int | None = None, sobol: int | None = None,
                        morris: int | None = None, chunk_size: int | None = None,
                        backend: Backend | int | str | None = None,
                        keep_draws: bool = False,
                        memory: float | str | None = None) -> UncertaintyResult:
    """Run every analysis of the case's ``uncertainty:`` section.

    Parameters
    ----------
    case : Case
        A case with an ``uncertainty:`` section.
    spec : UncertaintySpec, optional
        Replaces the case's section.
    compiled : CompiledCase, optional
        The compiled case, if at hand.
    draws, seed : int, optional
        Override the section's ``draws`` (>= 2; the section's ``0`` means no Monte Carlo)
        and ``seed``.
    sobol : int, optional
        Sobol base samples (a power of 2), overriding the section.
    morris : int, optional
        Morris trajectories (none by default).
    chunk_size : int, optional
        Monte Carlo draws per chunk (results do not depend on it; default: chosen from
        ``memory``).
    backend : Backend, int, str or None
        Where chunks run (see :func:`~appraisal.lenses.uncertainty.resolve_backend`).
        Default: a :class:`~appraisal.lenses.uncertainty.backends.ThreadBackend` of
        :func:`default_threads` threads when the run has more than one chunk and the
        machine more than one core, else serial (``"serial"`` asks for one thread). With a
        thread backend the summaries, acceptability curves and EVPPI fits run in its
        threads too. Results do not depend on it.
    keep_draws : bool
        Keep the Monte Carlo draws on the result (``result.draws``).
    memory : float or str, optional
        Working-memory budget in MB or with a unit (default 512 MB): the Monte Carlo chunk
        and the engine chunk are chosen so the working arrays fit beside the per-draw
        outputs kept for the summaries (see :func:`monte_carlo_chunk`). Results do not
        depend on it.

    Raises
    ------
    AppraisalValidationError
        If the case has no ``uncertainty:`` section or a count is invalid.
    """
    _check_counts(draws, sobol, morris)
    with reused_heap():  # the working arrays of each chunk and analysis reused by the next
        return _analyse(case, spec, compiled, draws, seed, sobol, morris, chunk_size, backend,
                        keep_draws, memory)


def _analyse(case: Case, spec: UncertaintySpec | None, compiled: CompiledCase | None,
             draws: int | None, seed: int | None, sobol: int | None, morris: int | None,
             chunk_size: int | None, backend: Backend | int | str | None, keep_draws: bool,
             memory: float | str | None) -> UncertaintyResult:
    spec = spec if spec is not None else case_spec(case)
    model = CaseModel(case, spec, compiled=compiled, memory=memory)
    n = spec.draws if draws is None else draws
    seed = spec.seed if seed is None else seed
    names = model.option_names
    mc_result = None
    mc: dict[str, Any] = {}
    voi: dict[str, Any] = {}
    acc: dict[str, Any] = {}
    if n:
        # kept per draw: what percentiles, histograms and EVPI/EVPPI need; what only needs
        # counting (the η curve, P(weighted best), P(BCR in a band)) is counted per chunk
        wanted = ["npsv", "inc_npsv"] + (["inc_weighted_npsv"] if model.has_equity else [])
        mc_model = ChunkTotals(model, ETA_GRID if model.has_equity else None,
                               bands=[low for _, low in _vfm_bands(model)])
        if backend is None:  # the default: a thread per core (the same numbers)
            threads = default_threads(model, n, len(wanted), model.memory)
            backend = ThreadBackend(threads) if threads > 1 else "serial"
        backend = resolve_backend(backend)
        if chunk_size is None:
            concurrent = backend.workers if isinstance(backend, ThreadBackend | ProcessBackend) \
                else 1
            chunk_size = monte_carlo_chunk(model, n, len(wanted), model.memory, concurrent)
        mc_result = run_monte_carlo(mc_model, spec.distributions, n, seed, chunk_size,
                                    backend, correlation=spec.correlation, outputs=wanted,
                                    keep_inputs=True, totals=ChunkTotals.TOTALS)
        mc, acc, voi = _analyses(model, mc_result, backend.workers
                                 if isinstance(backend, ThreadBackend) else 1)
        mc["seed"] = seed
    n_sobol = spec.sobol_base_samples if sobol is None else sobol
    sobol_result = None
    if n_sobol or morris:  # SALib is imported only when asked for
        from appraisal.lenses.uncertainty.gsa import morris_screening, sobol_analysis
    if n_sobol:
        sobol_result = sobol_analysis(model, spec.distributions, n_sobol, rng=seed,
                                      outputs=list(_SOBOL_OUTPUTS),
                                      groups=sobol_groups(spec) or None,
                                      correlation=spec.correlation, backend=backend,
                                      chunk_size=MAX_CHUNK)  # evaluations held at once
    morris_result = None
    if morris:
        morris_result = morris_screening(model, spec.distributions, morris, rng=seed,
                                         outputs=list(_SOBOL_OUTPUTS), backend=backend)
    tornado = det.one_way(model)
    if mc:
        mc["central_versus_mean"] = _central_versus_mean(model, mc, tornado)
    inputs = tuple({"name": i.name, "field": i.field, "group": i.group,
                    "distribution": i.distribution.to_dict(),
                    "central": float(model.values(i.name, [i.distribution.central])[0]),
                    "case_value": model.case_values[i.name]
                    if np.isfinite(model.case_values[i.name]) else None,
                    "lines": [model.compiled.line_names[k] for k in i.lines]
                    if i.field not in ("eta", "rate_shift") else []}
                   for i in spec.inputs)
    return UncertaintyResult(
        option_names=names, counterfactual=names[model.counterfactual],
        focus=names[model.focus],
        runner_up=None if model.runner_up is None else names[model.runner_up],
        inputs=inputs, scenarios=tuple(det.scenario_table(model)), tornado=tornado,
        switching=tuple(det.switching_values(model)),
        two_way=det.two_way(model, *spec.two_way) if spec.two_way else None,
        monte_carlo=mc, value_of_information=voi, acceptability=acc, sobol=sobol_result,
        morris=morris_result, draws=mc_result if keep_draws else None,
        central_differs=tuple(model.central_differs()))


def uncertainty_hook(case: Case, compiled: CompiledCase, out: EngineOutput
                     ) -> tuple[str, UncertaintyResult] | None:
    """Lens hook for :func:`appraisal.evaluate`: the analyses, when the case asks for them."""
    del out
    if not isinstance(case.sections.get("uncertainty"), UncertaintySpec):
        return None
    return "uncertainty", analyse_uncertainty(case, compiled=compiled)


def uncertainty_lenses(case: Case, compiled: CompiledCase, out: EngineOutput,
                       wanted: Callable[[str], bool] = lambda key: True) -> dict[str, Any]:
    """The uncertainty lens (:data:`appraisal.lenses.catalogue.LENSES`, on request)."""
    if not wanted("uncertainty"):
        return {}
    produced = uncertainty_hook(case, compiled, out)
    return {} if produced is None else {produced[0]: produced[1]}
