"""The appraisal engine as a ``model(inputs) -> outputs`` for the uncertainty kernels.

:class:`CaseModel` maps draws of the uncertain inputs declared in a case's
``uncertainty:`` section (see :mod:`appraisal.lenses.uncertainty.section`) onto the keyword
arguments of :func:`appraisal.engine.compile.evaluate_arrays`, broadcasting over the draws axis
(no per-draw loop), and returns, for ``D`` draws and ``O`` options:

``npsv``, ``inc_npsv``, ``pv_costs``, ``pv_benefits``, ``bcr``, ``inc_bcr`` : ``(D, O)``
    NPSV, NPSV incremental to the counterfactual, PV costs and benefits, the option's own
    BCR and its incremental BCR (``nan`` where undefined, and for the counterfactual),
    with the case's BCR definition;
``focus_inc_npsv``, ``focus_margin`` : ``(D,)``
    incremental NPSV of the *focus* option (the preferred option at the central values,
    or the best alternative when that is the counterfactual), and its NPSV minus the
    runner-up's (the decision margin); focus and runner-up are found at the case's own
    values;
``weighted_npsv``, ``inc_weighted_npsv`` : ``(D, O)``, and ``weighted_margin`` ``(D,)``
    distributionally weighted NPSV, when the case has a ``distribution:`` section (η
    drawn when ``eta`` is an uncertain input, else the case's η);
``signed_pv_lines`` : ``(D, L)``
    PV of each line, negative for costs (for sweeps of η).

Inputs the caller leaves out are held at the **case's own values** (:attr:`CaseModel.case_values`:
a multiplier of 1, no added delay or rate shift, the compiled optimism-bias uplift, the
case's η), so ``model({})`` equals :func:`appraisal.evaluate` exactly; the deterministic
analyses start from there. A distribution's central value (mode or median) may differ from
the case's value: :meth:`CaseModel.central_differs` lists those inputs.

Examples
--------
>>> from appraisal import evaluate, example_path, load_case
>>> from appraisal.lenses.uncertainty import central_inputs
>>> import appraisal.lenses.uncertainty.lens  # registers the section
>>> case = load_case(example_path("prevention"))
>>> model = CaseModel(case)
>>> out = model({})  # every input at the case's own value
>>> result = evaluate(case)
>>> bool(np.allclose(out["npsv"][0], [m.npsv for m in result.options], rtol=1e-12))
True
>>> len(model(central_inputs(model.specs))["npsv"])  # or at the distributions' centres
1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from appraisal.case.model import Case
from appraisal.engine.compile import CompiledCase, compile_case, evaluate_arrays
from appraisal.engine.kernel import check_memory
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.greenbook.cba import bcr
from appraisal.greenbook.equity import line_weights, weights_kernel
from appraisal.lenses.distributional import weighting_incidence
from appraisal.lenses.uncertainty.distributions import Discrete, Distribution
from appraisal.lenses.uncertainty.section import UncertainInput, UncertaintySpec

__all__ = ["ENGINE_CHUNK", "CaseModel", "case_spec"]

#: Former fixed engine chunk; the chunk is now chosen from the memory budget (kept for
#: callers that pass it explicitly).
ENGINE_CHUNK = 4096
_MULTIPLIERS = ("scale", "value_multiplier", "additionality", "drop_off")


def case_spec(case: Case) -> UncertaintySpec:
    """The case's parsed ``uncertainty:`` section.

    Raises
    ------
    AppraisalValidationError
        If the case has no ``uncertainty:`` section.
    """
    spec = case.sections.get("uncertainty") if isinstance(case, Case) else None
    if not isinstance(spec, UncertaintySpec):
        raise AppraisalValidationError([Issue(
            "no-uncertainty-section", "the case declares no uncertain inputs",
            location=getattr(case, "source_path", ""), field="uncertainty",
            fix="add an 'uncertainty:' section with 'inputs' (see "
                "appraisal.lenses.uncertainty.section)")],
            source=getattr(case, "source_path", "case"))
    return spec


class CaseModel:
    """A case as a vectorised model of its uncertain inputs (picklable).

    Parameters
    ----------
    case : Case
        A case with an ``uncertainty:`` section (or pass ``spec``).
    spec : UncertaintySpec, optional
        The uncertain inputs (default: the case's section).
    compiled : CompiledCase, optional
        The compiled case, if already at hand.
    chunk_size : int, optional
        Draws per engine chunk (default: chosen from ``memory``).
    memory : float or str, optional
        Working-memory budget of an engine call, in MB or with a unit (default 512 MB;
        see :func:`appraisal.engine.kernel.check_memory`). Results do not depend on it.
    """

    def __init__(self, case: Case, spec: UncertaintySpec | None = None, *,
                 compiled: CompiledCase | None = None, chunk_size: int | None = None,
                 memory: float | str | None = None) -> None:
        self.spec = spec if spec is not None else case_spec(case)
        self.compiled = compiled if compiled is not None else compile_case(case)
        self.chunk_size = None if chunk_size is None else int(chunk_size)
        self.memory = check_memory(memory, "CaseModel")
        c = self.compiled
        self.option_names = c.option_names
        self.counterfactual = int(c.counterfactual)
        self._check_schedules()
        dist = case.sections.get("distribution")
        self._equity = None
        if dist is not None:
            # the same weighting incidence as the distributional lens (WELLBY lines at 1)
            shares, unallocated, _ = weighting_incidence(c, dist)
            self._equity = (np.asarray(dist.incomes, dtype=np.float64), float(dist.reference),
                            shares, unallocated, float(dist.eta_value(c.pack)))
        self.case_values = {i.name: self._case_value(i) for i in self.spec.inputs}
        base = self._evaluate({}, focus=False)
        self.case_npsv = base["npsv"][0]
        self.focus, self.runner_up = self._focus(self.case_npsv)
        self.preferred = self._focus(self.case_npsv, any_option=True)
        self.weighted_focus = None
        if "weighted_npsv" in base:
            self.weighted_focus = self._focus(base["weighted_npsv"][0], any_option=True)

    # ------------------------------------------------------------------ set-up
    def _check_schedules(self) -> None:
        names = self.compiled.schedule_names
        problems = [Issue("unknown-target", f"input {i.name!r}: no line is discounted on "
                          f"schedule {i.target['schedule']!r}", field="uncertainty.inputs",
                          fix=f"schedules used: {', '.join(names)}")
                    for i in self.spec.inputs if i.field == "rate_shift"
                    and isinstance(i.target, Mapping) and i.target["schedule"] not in names]
        if problems:
            raise AppraisalValidationError(problems, source=self.compiled.case.source_path)

    def _case_value(self, inp: UncertainInput) -> float:
        """The input's value in the case itself (``nan`` when the targeted lines differ)."""
        if inp.field == "eta":
            return float(self._equity[4]) if self._equity is not None else float("nan")
        if inp.field == "ob_uplift":
            uplifts = np.unique(self.compiled.ob_uplift[np.asarray(inp.lines, dtype=np.intp)])
            return float(uplifts[0]) if uplifts.size == 1 else float("nan")
        return 0.0 if inp.field in ("delay", "rate_shift") else 1.0

    def central_differs(self, rtol: float = 1e-9) -> list[dict[str, Any]]:
        """Inputs whose distribution's central value is not the case's own value.

        Each entry: ``input``, ``field``, ``case_value`` (``None`` when the targeted lines
        hold different values), ``distribution_central`` and ``distribution_mean``.
        """
        out = []
        for inp in self.spec.inputs:
            case = self.case_values[inp.name]
            central = float(self.values(inp.name, [inp.distribution.central])[0])
            if np.isfinite(case) and abs(central - case) <= rtol * max(1.0, abs(case)):
                continue
            mean = inp.distribution.mean
            out.append({"input": inp.name, "field": inp.field,
                        "case_value": case if np.isfinite(case) else None,
                        "distribution_central": central,
                        "distribution_mean": None if mean is None else float(mean)})
        return out

    def _focus(self, npsv: np.ndarray, any_option: bool = False) -> tuple[int, int | None]:
        order = [int(o) for o in np.argsort(-npsv, kind="stable")]
        focus = order[0]
        if focus == self.counterfactual and len(order) > 1 and not any_option:
            focus = order[1]
        others = [o for o in order if o != focus]
        return focus, (others[0] if others else None)

    @property
    def specs(self) -> dict[str, Distribution]:
        """``{input name: distribution}`` for the sampling functions."""
        return self.spec.distributions

    @property
    def has_equity(self) -> bool:
        """Whether the case has distributional weights (``weighted_*`` outputs)."""
        return self._equity is not None

    def central_inputs(self) -> dict[str, np.ndarray]:
        """One draw with every input at its distribution's central value (mode or median).

        This need not be the case itself: call the model with ``{}`` for that."""
        return {i.name: np.asarray([i.distribution.central]) for i in self.spec.inputs}

    def values(self, name: str, raw: Any) -> np.ndarray:
        """Numeric values of an input's raw draws (discrete indices are looked up)."""
        dist = self.spec.input(name).distribution
        if isinstance(dist, Discrete):
            return np.asarray(dist.lookup(raw), dtype=np.float64)
        return np.asarray(raw, dtype=np.float64)

    # ------------------------------------------------------------------ kernel
    def engine_kwargs(self, inputs: Mapping[str, Any], *, numeric: bool = False
                      ) -> tuple[dict[str, Any], np.ndarray | None]:
        """Keyword arguments of :func:`~appraisal.engine.compile.evaluate_arrays` and η draws.

        Pure mapping (no validation): fields no input moves are left to the compiled
        defaults, so an empty ``inputs`` runs exactly the deterministic arithmetic.
        With ``numeric=True`` the values are numbers (discrete inputs need no index) and
        ``nan`` stands for the case's own value.
        """
        c = self.compiled
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64) if numeric
                                   else self.values(k, v)) for k, v in inputs.items()}
        d = max((a.shape[0] for a in arrays.values()), default=1)
        kwargs: dict[str, Any] = {"chunk_size": self.chunk_size, "memory": self.memory}
        eta = None
        by_field: dict[str, list[tuple[UncertainInput, np.ndarray]]] = {}
        for inp in self.spec.inputs:
            x = arrays.get(inp.name)
            if x is None:
                continue
            if numeric:  # nan: the case's own value
                own = self.case_values[inp.name]
                if inp.field != "ob_uplift":
                    x = np.where(np.isnan(x), own, x)
            by_field.setdefault(inp.field, []).append((inp, np.broadcast_to(x, (d,))))
        defaults = {"scale": c.scale, "value_multiplier": np.ones(c.n_lines),
                    "additionality": c.additionality, "drop_off": c.drop_off,
                    "ob_uplift": c.ob_uplift}
        for fld, moved in by_field.items():
            if fld in defaults:
                arr = np.repeat(np.asarray(defaults[fld], dtype=np.float64)[None, :], d, axis=0)
                for inp, x in moved:
                    idx = np.asarray(inp.lines, dtype=np.intp)
                    if fld == "ob_uplift":
                        arr[:, idx] = np.where(np.isnan(x)[:, None], arr[:, idx], x[:, None])
                    else:
                        arr[:, idx] *= x[:, None]
                kwargs[fld] = np.clip(arr, 0.0, 1.0) if fld == "drop_off" else arr
            elif fld == "delay":
                arr = np.repeat(c.delay[None, :].astype(np.int64), d, axis=0)
                for inp, x in moved:
                    arr[:, np.asarray(inp.lines, dtype=np.intp)] += np.rint(x).astype(
                        np.int64)[:, None]
                kwargs["delay"] = np.maximum(arr, 0)
            elif fld == "rate_shift":
                shift = np.zeros((d, len(c.schedule_names)))
                for inp, x in moved:
                    if isinstance(inp.target, Mapping):
                        shift[:, c.schedule_names.index(inp.target["schedule"])] += x
                    else:
                        shift += x[:, None]
                kwargs["rate_shift"] = shift
            elif fld == "eta":
                eta = moved[-1][1]
        return kwargs, eta

    def _evaluate(self, inputs: Mapping[str, Any], focus: bool = True,
                  numeric: bool = False) -> dict[str, np.ndarray]:
        c = self.compiled
        kwargs, eta = self.engine_kwargs(inputs, numeric=numeric)
        lw = None
        if self._equity is not None:
            incomes, reference, shares, unallocated, eta0 = self._equity
            e = np.asarray([eta0]) if eta is None else np.asarray(eta, dtype=np.float64)
            lw = line_weights(weights_kernel(incomes, reference, e), shares, unallocated)
        out = evaluate_arrays(c, **kwargs, line_weights=lw)
        npsv = out.npsv
        cf = self.counterfactual
        costs, benefits = out.pv_costs, out.pv_benefits
        pvb, pvc = out.bcr_terms(c.case.bcr_definition)  # the case's BCR definition

        def ratio(b: np.ndarray, k: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore"):
                return bcr(b, k)

        inc_bcr = ratio(pvb - pvb[:, cf:cf + 1], pvc - pvc[:, cf:cf + 1])
        inc_bcr[:, cf] = np.nan
        signed = np.where(c.is_cost, -out.pv_lines, out.pv_lines)
        result = {"npsv": npsv, "inc_npsv": npsv - npsv[:, cf:cf + 1], "pv_costs": costs,
                  "pv_benefits": benefits, "bcr": ratio(pvb, pvc),
                  "inc_bcr": inc_bcr, "signed_pv_lines": signed}
        if out.weighted_npsv is not None:
            weighted = out.weighted_npsv
            result["weighted_npsv"] = weighted
            result["inc_weighted_npsv"] = weighted - weighted[:, cf:cf + 1]
            if focus and self.weighted_focus is not None:
                wf, wr = self.weighted_focus
                result["weighted_margin"] = weighted[:, wf] - (
                    weighted[:, wr] if wr is not None else 0.0)
        if focus:
            result["focus_inc_npsv"] = result["inc_npsv"][:, self.focus]
            result["focus_margin"] = npsv[:, self.focus] - (
                npsv[:, self.runner_up] if self.runner_up is not None else 0.0)
        return result

    def __call__(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Evaluate draws of the inputs (``{name: (D,) array}``; missing inputs at the
        case's own values)."""
        return self._evaluate(inputs)

    def evaluate_values(self, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Evaluate numeric input values (``nan`` or missing: the case's own value).

        Unlike :meth:`__call__`, a discrete input takes any number, not an index.
        """
        return self._evaluate(values, numeric=True)

    def __repr__(self) -> str:
        return (f"CaseModel({self.compiled.case.title!r}, inputs={list(self.spec.input_names)},"
                f" focus={self.option_names[self.focus]!r})")
