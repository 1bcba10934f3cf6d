"""Draws of the public-value inputs for the vectorised engine (benchmarks, Monte Carlo)."""

from __future__ import annotations

import numpy as np
import pytest

from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.lens_draws import sample_lens_inputs
from appraisal.lenses.pipeline import evaluate


def test_lens_draws_broadcast_as_draws_by_lines():
    compiled = compile_case(load_case(example_path("prevention")))
    lens = sample_lens_inputs(compiled, 50, rng=7)
    for name in ("value_multiplier", "additionality", "drop_off", "line_weights"):
        assert getattr(lens, name).shape == (50, compiled.n_lines)
    out = evaluate_arrays(compiled, **lens.engine_kwargs(), chunk_size=16)
    one = [evaluate_arrays(compiled, **{k: v[i:i + 1] for k, v in lens.engine_kwargs().items()})
           for i in (0, 33)]
    assert out.npsv[0] == pytest.approx(one[0].npsv[0], rel=1e-12)
    assert out.npsv[33] == pytest.approx(one[1].npsv[0], rel=1e-12)
    again = sample_lens_inputs(compiled, 50, rng=7)
    assert np.array_equal(again.additionality, lens.additionality)  # same seed, same draws


def test_lens_draws_without_spread_reproduce_the_deterministic_result():
    case = load_case(example_path("prevention"))
    compiled = compile_case(case)
    result = evaluate(case)
    lens = sample_lens_inputs(compiled, 3, rng=0, spread=0.0, eta_spread=0.0)
    kwargs = lens.engine_kwargs()
    kwargs["value_multiplier"] = None  # ranged values are drawn within their range
    out = evaluate_arrays(compiled, **kwargs)
    assert out.npsv[2] == pytest.approx([m.npsv for m in result.options], rel=1e-12)
    weighted = lens.weighted_npsv(compiled, out)
    eq = result.lenses["distributional"]
    assert weighted[1] == pytest.approx(eq.weighted, rel=1e-12)


def test_unit_values_are_drawn_within_their_published_range():
    compiled = compile_case(load_case(example_path("prevention")))
    lens = sample_lens_inputs(compiled, 2000, rng=3)
    wellby = [i for i, v in enumerate(compiled.valuations)
              if v is not None and v.unit == "WELLBY"]
    draws = lens.value_multiplier[:, wellby]
    assert draws.min() >= 10_000 / 13_000
    assert draws.max() <= 16_000 / 13_000
    assert lens.eta.min() >= 0.8 - 1e-12
    assert lens.eta.max() <= 1.8 + 1e-12
