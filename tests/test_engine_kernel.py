"""The engine as linear algebra under a memory budget (issue 14), and equity weights in it.

- The kernel equals an independent per-draw formulation (each line's flows shifted by its
  delay, times that draw's discount factors) on generated cases, to 1e-12 relative.
- The same draws give identical results (bit for bit) for any chunk size, memory budget
  or number of workers: every product's rows are padded to whole tiles, so a draw's sums
  do not depend on the chunk it falls in.
- The budget is validated with a located fix, and sets smaller chunks when smaller.
- The engine composes the weighted NPSV (issue 12, item 4) the way the lenses did.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import appraisal.lenses.uncertainty.lens as lens
from appraisal.cli.commands import main
from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.engine.kernel import (
    check_memory,
    chunk_for_budget,
    delay_groups,
    line_profiles,
    memory_budget,
    raw_present_values,
    row_tiled_product,
)
from appraisal.errors import AppraisalValidationError
from appraisal.greenbook.discounting import factors_from_rates
from appraisal.greenbook.equity import line_weights, weights_kernel
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.distributional import weighting_incidence
from appraisal.lenses.uncertainty.streaming import best_shares
from appraisal.lenses.uncertainty.summaries import probability_best

_SPEC = importlib.util.spec_from_file_location(
    "engine_cases", Path(__file__).resolve().parent / "test_engine.py")
_ENGINE_TESTS = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_ENGINE_TESTS)
cases = _ENGINE_TESTS.cases

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
EXAMPLES = ["minimal", "capital", "prevention", "falls"]
FIELDS = ("pv_lines", "pv_costs", "pv_benefits", "pv_fiscal_benefits", "pv_public_costs",
          "pv_public_savings")


def _reference_pv_lines(c, scale, delay, shift) -> np.ndarray:
    """PV of each line and draw, one draw at a time: flows moved later by the delay
    (dropped past the horizon), times the draw's discount factors, times the scale."""
    D, L, T = scale.shape[0], c.n_lines, c.n_years
    gross = c.gross if c.gross is not None else c.real
    out = np.zeros((D, L))
    for d in range(D):
        df = factors_from_rates(c.rates + shift[d], timing=c.case.timing)[:, :T]
        for ln in range(L):
            k = int(delay[d, ln])
            flows = np.zeros(T)
            flows[k:] = gross[ln, : max(T - k, 0)]
            out[d, ln] = (flows * df[c.line_schedule[ln]]).sum() * scale[d, ln] * (
                1.0 + c.ob_uplift[ln])
    return out


@SETTINGS
@given(case=cases(), data=st.data())
def test_kernel_equals_a_per_draw_formulation_on_generated_cases(case, data):
    c = compile_case(case)
    D = data.draw(st.integers(1, 12))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    scale = rng.uniform(0.5, 1.5, (D, c.n_lines))
    delay = rng.integers(0, 4, (D, c.n_lines))
    shift = rng.uniform(-0.02, 0.02, D)
    got = evaluate_arrays(c, scale=scale, delay=delay, rate_shift=shift).pv_lines
    want = _reference_pv_lines(c, scale, delay, shift)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@SETTINGS
@given(case=cases(), data=st.data())
def test_any_chunk_size_or_budget_gives_identical_results_on_generated_cases(case, data):
    c = compile_case(case)
    D = data.draw(st.integers(1, 60))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    kwargs = {"scale": rng.uniform(0.5, 1.5, (D, c.n_lines)),
              "delay": rng.integers(0, 3, (D, c.n_lines)),
              "rate_shift": rng.uniform(-0.01, 0.01, D)}
    whole = evaluate_arrays(c, **kwargs)
    chunk = data.draw(st.integers(1, D + 3))
    for other in (evaluate_arrays(c, **kwargs, chunk_size=chunk),
                  evaluate_arrays(c, **kwargs, memory=0.001)):
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(other, name), getattr(whole, name))


def _every_input(c, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    L = c.n_lines
    return {"scale": rng.uniform(0.5, 1.5, (n, L)),
            "ob_uplift": c.ob_uplift * rng.uniform(0.0, 2.0, (n, 1)),
            "value_multiplier": rng.uniform(0.8, 1.2, (n, L)),
            "additionality": rng.uniform(0.3, 1.0, (n, L)),
            "drop_off": rng.uniform(0.0, 1.0, (n, L)),
            "delay": c.delay + rng.integers(0, 3, (n, L)),
            "rate_shift": rng.uniform(-0.01, 0.01, (n, len(c.schedule_names)))}


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_identical_for_any_chunk_size_and_budget(name):
    c = compile_case(load_case(example_path(name)))
    kwargs = _every_input(c, 999, 5)
    whole = evaluate_arrays(c, **kwargs)
    for other in [evaluate_arrays(c, **kwargs, chunk_size=size) for size in (1, 7, 64, 500)] \
            + [evaluate_arrays(c, **kwargs, memory=m) for m in (0.05, "1MB", "2GB")]:
        for field in FIELDS:
            np.testing.assert_array_equal(getattr(other, field), getattr(whole, field))


def test_one_value_per_draw_broadcasts_over_lines_and_lines_need_not_be_kept():
    c = compile_case(load_case(example_path("prevention")))
    rng = np.random.default_rng(2)
    s, k = rng.uniform(0.5, 1.5, (50, 1)), rng.integers(0, 3, (50, 1))
    full = evaluate_arrays(c, scale=np.repeat(s, c.n_lines, axis=1),
                           delay=np.repeat(k, c.n_lines, axis=1))
    slim = evaluate_arrays(c, scale=s, delay=k, keep_lines=False)
    assert slim.pv_lines is None
    np.testing.assert_array_equal(slim.npsv, full.npsv)


def test_the_engine_composes_the_weighted_npsv_as_the_lenses_did():
    case = load_case(example_path("prevention"))
    c = compile_case(case)
    spec = case.sections["distribution"]
    shares, unallocated, _ = weighting_incidence(c, spec)
    eta = np.random.default_rng(3).uniform(0.5, 2.0, 40)
    lw = line_weights(weights_kernel(np.asarray(spec.incomes), spec.reference, eta), shares,
                      unallocated)
    out = evaluate_arrays(c, line_weights=lw)
    signed = np.where(c.is_cost, -out.pv_lines, out.pv_lines)
    np.testing.assert_allclose(out.weighted_npsv, (signed * lw) @ c.option_matrix,
                               rtol=1e-12, atol=1e-6)
    assert out.npsv.shape == out.weighted_npsv.shape == (40, len(c.option_names))
    flat = evaluate_arrays(c, line_weights=np.ones(c.n_lines))
    np.testing.assert_allclose(flat.weighted_npsv, flat.npsv, rtol=1e-12, atol=1e-6)


def test_best_shares_from_masks_equal_probability_best_with_ties():
    rng = np.random.default_rng(4)
    values = rng.integers(0, 3, (2000, 5, 4)).astype(float)  # many ties
    masks = np.bitwise_or.reduce(np.where(values == values.max(-1, keepdims=True),
                                          1 << np.arange(4), 0), axis=-1).astype(np.uint8)
    np.testing.assert_allclose(best_shares(masks, 4),
                               probability_best(values.transpose(1, 0, 2)), rtol=1e-12)


@pytest.fixture(scope="module")
def prevention():
    return load_case(example_path("prevention"))


def test_monte_carlo_identical_for_any_budget_and_workers(prevention):
    base = lens.analyse_uncertainty(prevention, draws=9000, seed=5, keep_draws=True)
    small = lens.analyse_uncertainty(prevention, draws=9000, seed=5, keep_draws=True,
                                     memory="8MB", backend=2)
    assert small.draws.chunk_size < base.draws.chunk_size
    for name, value in base.draws.outputs.items():
        np.testing.assert_array_equal(small.draws.outputs[name], value)
    assert small.acceptability == base.acceptability
    assert small.value_of_information == base.value_of_information


def test_the_eta_curve_is_the_share_of_draws_best_at_each_eta(prevention):
    res = lens.analyse_uncertainty(prevention, draws=3000, seed=9, keep_draws=True)
    model = lens.CaseModel(prevention)
    incomes, reference, shares, unallocated, _ = model._equity
    signed = model(dict(res.draws.inputs))["signed_pv_lines"]
    weights = line_weights(weights_kernel(incomes, reference, np.asarray(lens.ETA_GRID)),
                           shares, unallocated)  # (P, L)
    weighted = np.einsum("dl,pl,lo->pdo", signed, weights, model.compiled.option_matrix)
    want = probability_best(weighted)
    curves = res.acceptability["eta"]["curves"]
    got = np.array([curves[n] for n in model.option_names]).T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_smaller_budget_gives_smaller_chunks_down_to_one_block(prevention):
    model = lens.CaseModel(prevention)
    sizes = [lens.monte_carlo_chunk(model, 10**6, 5, m) for m in (2048, 512, 300, 1)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[-1]
    assert sizes[-1] == 4096  # one sampling block, whatever the budget
    assert chunk_for_budget(1e-6, 10, 10, 2) == 16


def test_concurrent_chunks_share_the_budget(prevention):
    """Issue 14: with k chunks evaluated at once (threads or processes) each gets a k-th of
    the room the kept outputs leave, so the budget holds with every worker busy; the
    default thread count leaves each thread at least one sampling block."""
    model = lens.CaseModel(prevention)
    one = lens.monte_carlo_chunk(model, 10**6, 3, 256.0)
    two = lens.monte_carlo_chunk(model, 10**6, 3, 256.0, concurrent=2)
    assert two < one
    assert two <= lens._chunk_budget(model, 10**6, 3, 256.0) // 2
    assert lens.monte_carlo_chunk(model, 10**6, 3, 1.0, concurrent=4) == 4096
    assert lens.default_threads(model, 10**6, 3, 1.0) == 1  # no room for a second block
    assert lens.default_threads(model, 16_384, 3, 512.0) == 1  # one chunk: nothing to share
    assert lens.monte_carlo_chunk(model, 10_000, 3, 512.0, concurrent=2) == 12_288  # one chunk
    assert 1 <= lens.default_threads(model, 10**6, 3, 512.0) <= lens.MAX_THREADS


def test_blas_limit_is_shared_by_threads():
    """Issue 14: BLAS's thread count is the process's; a thread leaving its block while
    another computes in its own must not lift the limit under it, and the last to leave
    restores it."""
    import threading

    from threadpoolctl import threadpool_info

    from appraisal.engine import kernel
    from appraisal.engine.kernel import blas_threads

    with blas_threads(1):  # the libraries the engine controls (loaded when it first ran)
        known = {lib.filepath for lib in kernel._CONTROLLER[0].lib_controllers}

    def blas() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and lib["filepath"] in known}

    before = blas()
    if not before:
        pytest.skip("no BLAS library found by threadpoolctl")
    entered, left = threading.Event(), threading.Event()
    inside: list[set[int]] = []

    def other() -> None:
        with blas_threads(1):
            entered.set()
            left.wait(10)
            inside.append(blas())  # after the first thread has left its block

    thread = threading.Thread(target=other)
    with blas_threads(1):  # this thread first in, first out
        assert blas() == {1}
        thread.start()
        entered.wait(10)
    left.set()
    thread.join(10)
    assert inside == [{1}]
    assert blas() == before


@pytest.mark.parametrize("bad", [0, -5, "lots", "3XB", float("nan"), True])
def test_a_bad_budget_is_refused_with_a_fix(bad):
    with pytest.raises(AppraisalValidationError) as info:
        check_memory(bad, "test")
    assert [i.field for i in info.value.issues] == ["memory"]
    assert "2GB" in info.value.issues[0].fix


def test_the_budget_set_for_a_block_is_the_default_inside_it():
    with memory_budget("64 MB"):
        assert check_memory(None, "t") == 64.0
        assert lens.CaseModel(load_case(example_path("prevention"))).memory == 64.0
    assert check_memory(None, "t") == 512.0


@pytest.mark.parametrize("command", ["run", "uncertainty"])
def test_cli_memory_option_is_checked_and_located(command, tmp_path, capsys):
    code = main([command, str(example_path("prevention")), "--out", str(tmp_path / "o"),
                 "--memory", "0"])
    assert code == 1
    err = capsys.readouterr().err
    assert "--memory" in err
    assert "positive size" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("n_params", [1, 2, 3])
def test_evppi_by_chunks_equals_one_least_squares_solve(n_params):
    from appraisal.lenses.uncertainty import voi

    rng = np.random.default_rng(n_params)
    theta = rng.normal(size=(5000, n_params))
    theta[:, 0] = np.round(theta[:, 0] * 2)  # a few levels: the dummy-coded basis too
    nb = np.column_stack([np.zeros(5000), theta.sum(axis=1) + rng.normal(0, 0.5, 5000),
                          0.5 * theta[:, -1] ** 2 + rng.normal(0, 0.5, 5000)])
    names = tuple(f"p{i}" for i in range(n_params))
    whole = voi._evppi(nb, theta, names, voi.DEFAULT_KNOTS)
    chunked = voi._evppi(nb, theta, names, voi.DEFAULT_KNOTS, chunk=700)
    assert chunked.n_basis == whole.n_basis
    np.testing.assert_allclose(chunked.raw, whole.raw, rtol=1e-9)
    np.testing.assert_allclose(chunked.r_squared, whole.r_squared, rtol=1e-9)


def _untrimmed_raw_pv(c, delay, keep, shift) -> np.ndarray:
    """The kernel's raw PVs the plain way: each draw's discount factors over every year
    (``factors_from_rates``, draws along rows), one product per delay group, schedule and
    distinct delay over all years and the group's columns, Horner's rule on ``(draws,
    lines)`` arrays."""
    p = line_profiles(c)
    T, K, n = c.n_years, p.K, delay.shape[0]
    pad = int(delay.max())
    df = np.zeros((n, len(c.schedule_names), T + pad))
    df[:, :, :T] = factors_from_rates(c.rates[None] + shift[:, :, None],
                                      timing=c.case.timing)[..., :T]
    res = np.empty((n, c.n_lines))
    for rows, row in delay_groups(delay, n):
        rows = np.arange(n)[rows]
        for s in range(df.shape[1]):
            for kind, (lines, m) in (("static", p.static[s]), ("timed", p.timed[s])):
                for d in sorted(set(row[lines].tolist())):
                    sel = row[lines] == d
                    f = np.ascontiguousarray(df[rows, s, d:d + T])
                    if kind == "static":
                        res[np.ix_(rows, lines[sel])] = row_tiled_product(f, m[:, sel])
                        continue
                    per_year = row_tiled_product(f, m.reshape(T, K, -1)[:, :, sel]
                                                 .reshape(T, -1)).reshape(rows.size, K, -1)
                    acc = per_year[:, K - 1].copy()
                    for k in range(K - 2, -1, -1):
                        acc = acc * keep[np.ix_(rows, lines[sel])] + per_year[:, k]
                    res[np.ix_(rows, lines[sel])] = acc
    return res


@pytest.mark.parametrize("name", EXAMPLES)
def test_trimmed_and_transposed_products_give_the_plain_products(name):
    """The kernel reads the factors by year in place, skips years where every column of a
    product is zero and puts draws along the persistence products' columns: each PV is
    still the plain product's. To rounding, not to the last bit: a product of fewer years
    can go through another BLAS kernel (OpenBLAS's AVX-512 "small matrix" kernel is chosen
    by the product's size), which sums the same terms in another order."""
    c = compile_case(load_case(example_path(name)))
    kw = _every_input(c, 301, 11)
    keep = 1.0 - kw["drop_off"]
    got = raw_present_values(line_profiles(c), c.rates, kw["delay"], keep, kw["rate_shift"],
                             mid=c.case.timing == "mid")
    np.testing.assert_allclose(got, _untrimmed_raw_pv(c, kw["delay"], keep, kw["rate_shift"]),
                               rtol=1e-14, atol=1e-7)
