"""The benchmarks' floor (``benchmarks/floor.py``) gives the engine's NPSVs.

The floor is the plain-numpy formulation the benchmarks time the engine against: per draw,
the line profiles times that draw's discount factors (shifted for whole-year delays), then
the per-line multipliers. It is only a yardstick if it computes the same numbers, so it is
checked here against :func:`appraisal.engine.compile.evaluate_arrays` on the prevention example's
own Monte Carlo draws (its ``uncertainty:`` section, every field it moves: scale,
additionality, drop-off, value multiplier, delay, rate shift) and on random draws of every
engine input on the three shipped examples, to 1e-9 relative.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import appraisal.lenses.uncertainty.lens  # noqa: F401  (registers the uncertainty section)
from appraisal.engine.compile import CompiledCase, compile_case, evaluate_arrays
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.uncertainty import sample_inputs
from appraisal.lenses.uncertainty.case_model import CaseModel

_SPEC = importlib.util.spec_from_file_location(
    "bench_floor", Path(__file__).resolve().parents[1] / "benchmarks" / "floor.py")
floor = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(floor)

RTOL = 1e-9


def _assert_same_npsv(got: np.ndarray, engine_out) -> None:
    """Equal to ``RTOL`` relative to the option's gross PV (costs plus benefits), so an
    NPSV that nets to about zero is compared at the scale of what was netted."""
    want = engine_out.npsv
    gross = np.abs(engine_out.pv_costs) + np.abs(engine_out.pv_benefits)
    assert got.shape == want.shape
    assert np.all(np.abs(got - want) <= RTOL * np.maximum(gross, 1.0)), \
        np.max(np.abs(got - want) / np.maximum(gross, 1.0))


def test_floor_equals_the_engine_on_the_prevention_monte_carlo_draws():
    model = CaseModel(load_case(example_path("prevention")))
    spec = model.spec
    x = next(sample_inputs(model.specs, 3000, spec.seed, chunk_size=3000)).inputs
    kwargs, _ = model.engine_kwargs(x)
    kwargs.pop("chunk_size")
    moved = {"scale", "additionality", "drop_off", "value_multiplier", "delay", "rate_shift"}
    assert moved <= set(kwargs)  # the draws exercise every field the floor handles
    assert len(np.unique(kwargs["delay"], axis=0)) > 1
    out = evaluate_arrays(model.compiled, **kwargs)
    _assert_same_npsv(floor.Floor(model.compiled).npsv(**kwargs), out)


@pytest.mark.parametrize("name", ["minimal", "capital", "prevention", "falls"])
def test_floor_equals_the_engine_on_random_draws_of_every_input(name):
    c: CompiledCase = compile_case(load_case(example_path(name)))
    rng = np.random.default_rng(7)
    n, L = 500, c.n_lines
    kwargs = {
        "scale": rng.uniform(0.5, 1.5, (n, L)),
        "ob_uplift": c.ob_uplift * rng.uniform(0.0, 2.0, (n, 1)),
        "value_multiplier": rng.uniform(0.8, 1.2, (n, L)),
        "additionality": rng.uniform(0.3, 1.0, (n, L)),
        "drop_off": rng.uniform(0.0, 1.0, (n, L)),
        "delay": c.delay + rng.integers(0, 3, (n, L)),
        "rate_shift": rng.uniform(-0.01, 0.01, (n, len(c.schedule_names))),
    }
    _assert_same_npsv(floor.Floor(c).npsv(**kwargs), evaluate_arrays(c, **kwargs))


@pytest.mark.parametrize("name", ["minimal", "capital", "prevention", "falls"])
def test_floor_with_no_draws_is_the_deterministic_appraisal(name):
    c = compile_case(load_case(example_path(name)))
    _assert_same_npsv(floor.Floor(c).npsv(), evaluate_arrays(c))


@pytest.mark.parametrize("name", ["prevention", "falls"])
def test_floor_equals_the_engine_with_mid_year_timing(name):
    import dataclasses

    c = compile_case(dataclasses.replace(load_case(example_path(name)), timing="mid"))
    rng = np.random.default_rng(11)
    n, L = 300, c.n_lines
    kwargs = {"scale": rng.uniform(0.5, 1.5, (n, L)),
              "drop_off": rng.uniform(0.0, 1.0, (n, L)),
              "delay": c.delay + rng.integers(0, 4, (n, L)),
              "rate_shift": rng.uniform(-0.01, 0.01, n)}
    _assert_same_npsv(floor.Floor(c).npsv(**kwargs), evaluate_arrays(c, **kwargs))
