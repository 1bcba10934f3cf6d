"""Benchmark the Sobol kernels: 30 inputs, N = 2^13, a cheap vectorised model.

Not a test. Prints the time of each stage separately (design, input mapping, model
evaluation, SALib analysis) and of the end-to-end ``sobol_analysis`` call, plus SALib's own
sampler for comparison.

    python benchmarks/bench_sobol_kernels.py [--inputs 30] [--log2n 13] [--second-order]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sobol_sample

from appraisal.lenses.uncertainty import (
    PERT,
    LogNormal,
    Normal,
    Triangular,
    saltelli_unit_sample,
    sobol_analysis,
    sobol_first_total,
)


def make_specs(k: int) -> dict[str, Any]:
    kinds = [lambda i: Triangular(0.8, 1.0, 1.3 + 0.01 * i),
             lambda i: Normal(1.0, 0.1 + 0.01 * i, low=0.0),
             lambda i: LogNormal.from_median(1.0, 1.2),
             lambda i: PERT(0.5, 1.0, 2.0)]
    return {f"x{i:02d}": kinds[i % 4](i) for i in range(k)}


def cheap_model(x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """NPSV of three options from 30-odd multipliers: a weighted sum plus an interaction."""
    names = sorted(x)
    stacked = np.stack([x[n] for n in names], axis=1)
    weights = np.linspace(1.0, 3.0, len(names))
    base = stacked @ weights
    return {"npsv": np.stack([base, 0.9 * base + 5.0 * stacked[:, 0] * stacked[:, 1],
                              base - 2.0 * stacked[:, 2] ** 2], axis=1)}


def timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    print(f"{label:<46s} {time.perf_counter() - start:8.3f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=30)
    parser.add_argument("--log2n", type=int, default=13)
    parser.add_argument("--second-order", action="store_true")
    parser.add_argument("--resamples", type=int, default=100)
    args = parser.parse_args()
    k, n, second = args.inputs, 2**args.log2n, args.second_order
    specs = make_specs(k)
    rows = n * ((2 * k + 2) if second else (k + 2))
    print(f"Sobol: K = {k} inputs, N = {n}, second order = {second}: {rows:,} model evaluations,"
          f" 3 outputs, {args.resamples} bootstrap resamples")

    design = timed("design (vectorised saltelli_unit_sample)",
                   lambda: saltelli_unit_sample(k, n, seed=1, calc_second_order=second))
    problem = {"num_vars": k, "names": list(specs), "bounds": [[0.0, 1.0]] * k}
    timed("design (SALib.sample.sobol.sample, reference)",
          lambda: salib_sobol_sample.sample(problem, n, calc_second_order=second, seed=1))
    u = np.clip(design, 2.0**-53, 1 - 2.0**-53)
    inputs = timed("map unit design through each input's ppf",
                   lambda: {name: spec.ppf(u[:, i]) for i, (name, spec) in
                            enumerate(specs.items())})
    y = timed("model evaluation (one vectorised call)", lambda: cheap_model(inputs)["npsv"])

    def analyse() -> None:
        for c in range(y.shape[1]):
            salib_sobol.analyze(problem, y[:, c], calc_second_order=second,
                                num_resamples=args.resamples, seed=7)

    timed("analysis: SALib.analyze.sobol, 3 outputs", analyse)
    if not second:  # second order is SALib's only
        timed("analysis: sobol_first_total (same numbers), 3 outputs",
              lambda: sobol_first_total(y, k, num_resamples=args.resamples, seed=7))
    result = timed("end to end: sobol_analysis (chunked, serial)",
                   lambda: sobol_analysis(cheap_model, specs, n, rng=1,
                                          calc_second_order=second,
                                          num_resamples=args.resamples))
    top = np.argsort(-result.indices["ST"][0])[:3]
    print("largest ST for npsv[0]:",
          ", ".join(f"{result.names[i]} {result.indices['ST'][0, i]:.3f}" for i in top))


if __name__ == "__main__":
    main()
