"""Engine benchmark: the prevention example for 100,000 draws, vectorised vs a per-draw loop.

Each draw has a random scale factor on every line (uniform 0.8-1.2) and a random shift of
every discount rate (normal, sd 0.5 percentage points). The vectorised engine evaluates all
draws in chunks; the per-draw loop calls the deterministic API once per draw on a sample of
draws. Prints draws per second for both, their ratio, and peak memory. Both are measured in
the same run, so the ratio holds on a noisy shared machine.

Targets (issue 2, 2-core machine): 100,000 draws in under 2 s, at least 100x the per-draw
loop, peak memory under 1 GB.

Run: ``python benchmarks/bench_engine.py [--draws N] [--loop-sample N]``
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

import numpy as np

import appraisal
from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.lenses.lens_draws import sample_lens_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=300)
    parser.add_argument("--chunk", type=int, default=16_384)
    args = parser.parse_args()

    case = appraisal.load_case(appraisal.example_path("prevention"))
    compiled = compile_case(case)
    rng = np.random.default_rng(20261122)
    n, lines = args.draws, compiled.n_lines
    scale = rng.uniform(0.8, 1.2, size=(n, lines))
    shift = rng.normal(0.0, 0.005, size=n)

    # warm-up (imports, BLAS threads)
    evaluate_arrays(compiled, scale=scale[:100], rate_shift=shift[:100])
    t0 = time.perf_counter()
    out = evaluate_arrays(compiled, scale=scale, rate_shift=shift, chunk_size=args.chunk)
    npsv = out.npsv
    t_vec = time.perf_counter() - t0

    k = args.loop_sample
    t0 = time.perf_counter()
    loop_npsv = np.empty((k, len(compiled.option_names)))
    for i in range(k):
        one = evaluate_arrays(compiled, scale=scale[i : i + 1], rate_shift=shift[i : i + 1])
        loop_npsv[i] = one.npsv[0]
    t_loop = time.perf_counter() - t0
    if not np.allclose(loop_npsv, npsv[:k], rtol=1e-12, atol=1e-6):
        raise SystemExit("per-draw loop and vectorised engine disagree")

    k_api = max(k // 10, 10)
    pack = compiled.pack
    # the deterministic appraisal only: the case's own Monte Carlo section is what this
    # loop stands in for, so it is not run inside every call
    case = replace(case, sections={n: s for n, s in case.sections.items() if n != "uncertainty"})
    t0 = time.perf_counter()
    for i in range(k_api):
        lines_i = tuple(replace(ln, scale=float(s))
                        for ln, s in zip(case.lines, scale[i], strict=True))
        rows = pack.tables["discount_schedules"]
        shifted = [replace(r, value=float(r.value) + shift[i]) for r in rows]
        pack_i = replace(pack, tables={**pack.tables, "discount_schedules": tuple(shifted)})
        api = appraisal.evaluate(replace(case, lines=lines_i), pack=pack_i)
        if not np.isclose(api.options[2].npsv, npsv[i, 2], rtol=1e-9):
            raise SystemExit("per-draw evaluate and vectorised engine disagree")
    t_api = time.perf_counter() - t0

    # the same draws with the public-value lenses varied too: valuation multipliers,
    # additionality, drop-off and the equity weights (eta), then the weighted NPSV
    t0 = time.perf_counter()
    lens = sample_lens_inputs(compiled, n, rng)
    out_lens = evaluate_arrays(compiled, scale=scale, rate_shift=shift, chunk_size=args.chunk,
                               **lens.engine_kwargs())
    weighted = lens.weighted_npsv(compiled, out_lens)
    t_lens = time.perf_counter() - t0
    one = evaluate_arrays(compiled, scale=scale[:1], rate_shift=shift[:1],
                          **{k_: (v[:1] if v is not None else None)
                             for k_, v in lens.engine_kwargs().items()})
    if not np.allclose(one.npsv[0], out_lens.npsv[0], rtol=1e-12, atol=1e-6):
        raise SystemExit("lens draws: chunked and single-draw evaluation disagree")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vec_rate = n / t_vec
    loop_rate = k / t_loop
    api_rate = k_api / t_api
    print(f"case: {case.title} ({lines} lines, {compiled.n_years} years, "
          f"{len(compiled.option_names)} options)")
    print(f"vectorised engine : {n:>9,} draws in {t_vec:6.3f} s = {vec_rate:>12,.0f} draws/s "
          f"(chunk {args.chunk:,})")
    print(f"per-draw loop     : {k:>9,} draws in {t_loop:6.3f} s = {loop_rate:>12,.0f} draws/s "
          "(engine called once per draw)")
    print(f"per-draw evaluate : {k_api:>9,} draws in {t_api:6.3f} s = {api_rate:>12,.0f} draws/s "
          "(appraisal.evaluate per draw: the deterministic API)")
    print(f"speed-up vs per-draw evaluate : {vec_rate / api_rate:8.0f}x   (target >= 100x)")
    print(f"speed-up vs per-draw engine   : {vec_rate / loop_rate:8.0f}x   (same kernel, one "
          "draw per call)")
    print(f"with lens inputs  : {n:>9,} draws in {t_lens:6.3f} s = {n / t_lens:>12,.0f} draws/s "
          f"(valuation, additionality, drop-off, eta; weighted NPSV {weighted.shape})")
    print(f"speed-up vs per-draw evaluate, with lenses : {(n / t_lens) / api_rate:8.0f}x")
    print(f"peak memory (max RSS)         : {peak_mb:8.0f} MB")
    means = npsv.mean(axis=0)
    print("mean NPSV by option: " + ", ".join(
        f"{name} {v / 1e6:.2f}m" for name, v in zip(compiled.option_names, means, strict=True)))


if __name__ == "__main__":
    main()
