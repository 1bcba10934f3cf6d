"""Draws of the public-value inputs for the vectorised engine (benchmarks, Monte Carlo).

:func:`sample_lens_inputs` switches the valuation, additionality and distributional
lenses on for ``D`` draws at once: unit values within their published low–high range
(or ± ``spread`` where a value has no range), every outcome-chain factor ± ``spread``
(clipped to [0, 1]), drop-off ± ``spread``, and η ± ``eta_spread``. The result feeds
:func:`appraisal.engine.compile.evaluate_arrays` through :meth:`LensDraws.engine_kwargs`, and
:meth:`LensDraws.weighted_npsv` gives the distributionally weighted NPSV of every draw.
Everything broadcasts as ``(D, L)``; there is no per-draw loop.

The spreads are illustrative defaults for exercising the engine, not published values.

Examples
--------
>>> import numpy as np
>>> from appraisal.engine.compile import compile_case, evaluate_arrays
>>> from appraisal.inputs.load import example_path, load_case
>>> compiled = compile_case(load_case(example_path("prevention")))
>>> lens = sample_lens_inputs(compiled, 1000, rng=1)
>>> out = evaluate_arrays(compiled, **lens.engine_kwargs())
>>> out.npsv.shape, lens.weighted_npsv(compiled, out).shape
((1000, 4), (1000, 4))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from appraisal.engine.compile import CompiledCase, EngineOutput
from appraisal.greenbook.equity import line_weights, weights_kernel
from appraisal.greenbook.valuation import (
    CHAIN_FACTORS,
    additionality_factor,
    validate_factor_draws,
)
from appraisal.lenses.distributional import weighting_incidence

__all__ = ["LensDraws", "sample_lens_inputs"]

#: The outcome-chain factors drawn per line (drop-off enters the engine, not the chain).
_FACTORS = tuple(f for f in CHAIN_FACTORS if f != "drop_off")


@dataclass(frozen=True, slots=True, eq=False)
class LensDraws:
    """Per-draw inputs of the public-value lenses, each ``(D, L)`` (``eta`` is ``(D,)``)."""

    value_multiplier: np.ndarray
    additionality: np.ndarray
    drop_off: np.ndarray
    eta: np.ndarray | None = None
    line_weights: np.ndarray | None = None

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`appraisal.engine.compile.evaluate_arrays`."""
        kwargs = {"value_multiplier": self.value_multiplier,
                  "additionality": self.additionality, "drop_off": self.drop_off}
        if self.line_weights is not None:
            kwargs["line_weights"] = self.line_weights
        return kwargs

    def weighted_npsv(self, compiled: CompiledCase, out: EngineOutput) -> np.ndarray:
        """Distributionally weighted NPSV ``(D, O)`` (unweighted when the case has no groups).

        The engine composes it when given :meth:`engine_kwargs` (``out.weighted_npsv``);
        without weights this is the NPSV."""
        if out.weighted_npsv is not None:
            return out.weighted_npsv
        if self.line_weights is not None:
            msg = "evaluate with engine_kwargs() so the engine applies the line weights"
            raise ValueError(msg)
        return out.npsv


def _around(rng: np.random.Generator, centre: np.ndarray, spread: float, n: int) -> np.ndarray:
    u = rng.uniform(1.0 - spread, 1.0 + spread, size=(n, centre.size))
    return np.clip(centre[None, :] * u, 0.0, 1.0)


def sample_lens_inputs(compiled: CompiledCase, n_draws: int,
                       rng: np.random.Generator | int | None = None, *, spread: float = 0.2,
                       eta_spread: float = 0.5) -> LensDraws:
    """Sample the valuation, additionality and equity inputs for ``n_draws`` draws.

    Parameters
    ----------
    compiled : CompiledCase
        The compiled case.
    n_draws : int
        Number of draws ``D``.
    rng : numpy.random.Generator or int or None
        Source of randomness (a seed is turned into a Generator once).
    spread : float
        Relative half-width of the uniform draws of factors and of unit values that have
        no published range.
    eta_spread : float
        Half-width of the uniform draws of η around the case's η.
    """
    gen = np.random.default_rng(rng)
    L = compiled.n_lines
    case = compiled.case
    mult = np.ones((n_draws, L))
    for i, val in enumerate(compiled.valuations):
        if val is None:
            continue
        if val.has_range and val.path.sum():
            lo, hi = val.low.sum() / val.path.sum(), val.high.sum() / val.path.sum()
        else:
            lo, hi = 1.0 - spread, 1.0 + spread
        mult[:, i] = gen.uniform(lo, hi, size=n_draws)
    chains = [i for i, ln in enumerate(case.lines) if ln.outcome is not None]
    additionality = np.broadcast_to(compiled.additionality, (n_draws, L)).copy()
    if chains:
        idx = np.array(chains)
        factors = {}
        for name in _FACTORS:
            centre = np.array([getattr(case.lines[i].outcome, name) for i in chains])
            factors[name] = validate_factor_draws(name, _around(gen, centre, spread, n_draws))
        qpo = np.array([case.lines[i].outcome.quantity_per_outcome for i in chains])
        additionality[:, idx] = additionality_factor(**factors, quantity_per_outcome=qpo)
    drop = np.broadcast_to(compiled.drop_off, (n_draws, L)).copy()
    timed = np.flatnonzero(compiled.persistence > 1)
    if timed.size:
        drop[:, timed] = _around(gen, compiled.drop_off[timed], spread, n_draws)
    eta = weights = None
    spec = case.sections.get("distribution")
    if spec is not None:
        centre = spec.eta_value(compiled.pack)
        eta = gen.uniform(max(0.0, centre - eta_spread), centre + eta_spread, size=n_draws)
        shares, unallocated, _ = weighting_incidence(compiled, spec)
        weights = line_weights(weights_kernel(np.asarray(spec.incomes), spec.reference, eta),
                               shares, unallocated)
    return LensDraws(value_multiplier=mult, additionality=additionality, drop_off=drop,
                     eta=eta, line_weights=weights)
