"""Issue 14, the full Monte Carlo at speed: counted outputs, the chunked EVPPI fit, budgets.

What only needs counting (the η acceptability curve, the probability each option has the
highest weighted NPSV, the probability the incremental BCR reaches each value-for-money
band) is counted chunk by chunk into integer totals instead of being kept per draw; the
EVPPI of a large run is fitted by the normal equations over fixed row blocks with one
refinement step. These tests hold the new arithmetic to the old and the results to the
same numbers whatever the chunk, the memory budget or the workers.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from appraisal import AppraisalValidationError, example_path, load_case
from appraisal.lenses.uncertainty import Normal, lens, run_monte_carlo, voi
from appraisal.lenses.uncertainty.case_model import CaseModel
from appraisal.lenses.uncertainty.streaming import (
    BestAtEta,
    ChunkTotals,
    best_shares,
    shares_from_counts,
    tie_counts,
)
from appraisal.lenses.uncertainty.summaries import probability_best


@pytest.fixture(scope="module")
def prevention():
    return load_case(example_path("prevention"))


def _figures(res: lens.UncertaintyResult) -> str:
    """Every Monte Carlo, acceptability and value-of-information figure, and the seed
    record, as JSON text."""
    d = res.to_dict()
    return json.dumps([d["monte_carlo"], d["acceptability"], d["value_of_information"]],
                      sort_keys=True)


def _masks(values: np.ndarray) -> np.ndarray:
    """The per-draw bit masks of the best options, as :class:`BestAtEta` kept them."""
    n_opt = values.shape[-1]
    best = values == values.max(axis=-1, keepdims=True)
    return np.bitwise_or.reduce(np.where(best, 1 << np.arange(n_opt), 0), axis=-1)


@pytest.mark.parametrize("n_options", [2, 4, 11])  # 11: past the bit-pattern path
def test_tie_counts_give_the_mask_shares_to_the_last_digit(n_options):
    rng = np.random.default_rng(n_options)
    values = rng.integers(0, 3, (3000, 6, n_options)).astype(float)  # ties of every size
    counts = tie_counts(values)
    assert counts.shape == (6, n_options, n_options)
    assert counts.dtype.kind == "i"
    masks = _masks(values).astype(np.uint64)
    np.testing.assert_array_equal(shares_from_counts(counts, 3000),
                                  best_shares(masks, n_options))
    # against the float mean of 1/m shares: equal up to the rounding of thirds, fifths ...
    np.testing.assert_allclose(shares_from_counts(counts, 3000),
                               probability_best(values.transpose(1, 0, 2)), rtol=1e-13)


def test_tie_counts_by_pattern_and_by_rows_agree(monkeypatch):
    from appraisal.lenses.uncertainty import streaming

    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, (2000, 5, 4)).astype(float)
    by_pattern = tie_counts(values)
    monkeypatch.setattr(streaming, "_PATTERN_OPTIONS", 0)
    np.testing.assert_array_equal(tie_counts(values), by_pattern)


def test_chunk_totals_count_what_the_per_draw_outputs_give(prevention):
    """The η curve from counts equals the masks :class:`BestAtEta` kept per draw; the
    counts of the incremental BCR reaching a band equal the per-draw comparison."""
    model = CaseModel(prevention)
    res = lens.analyse_uncertainty(prevention, draws=3000, seed=9, keep_draws=True)
    inputs = dict(res.draws.inputs)
    masks = BestAtEta(model, lens.ETA_GRID)(inputs)["best_at_eta"]
    n_opt = len(model.option_names)
    curves = res.acceptability["eta"]["curves"]
    got = np.array([curves[n] for n in model.option_names]).T
    np.testing.assert_array_equal(got, best_shares(masks, n_opt))
    bands = [low for _, low in lens._vfm_bands(model)]
    assert bands
    totals = ChunkTotals(model, bands=bands)(inputs)
    inc_bcr = np.nan_to_num(model(inputs)["inc_bcr"], nan=-np.inf)
    for b, low in enumerate(bands):
        np.testing.assert_array_equal(totals["inc_bcr_at_least"][:, b],
                                      (inc_bcr >= low).sum(axis=0))
    weighted = model(inputs)["weighted_npsv"]
    np.testing.assert_array_equal(shares_from_counts(totals["best_weighted"], 3000),
                                  probability_best(weighted))
    assert "best_at_eta" not in res.draws.outputs  # counted, not kept per draw
    assert set(res.draws.totals) == set(ChunkTotals.TOTALS)


def _counting_model(x):
    npsv = np.stack([np.zeros_like(x["gain"]), x["gain"]], axis=1)
    return {"npsv": npsv, "positive": (npsv > 0).sum(axis=0)}


def test_totals_are_summed_exactly_for_any_chunk_and_backend():
    specs = {"gain": Normal(0.2, 1.0)}
    runs = [run_monte_carlo(_counting_model, specs, 20_000, 3, chunk_size=c, backend=b,
                            outputs=["npsv"], totals=["positive"])
            for c, b in ((4096, None), (16_384, None), (4096, 2))]
    for r in runs[1:]:
        np.testing.assert_array_equal(r.totals["positive"], runs[0].totals["positive"])
    np.testing.assert_array_equal(runs[0].totals["positive"],
                                  (runs[0].outputs["npsv"] > 0).sum(axis=0))


def test_a_total_that_is_not_counts_is_refused_with_a_fix():
    def model(x):
        return {"npsv": x["gain"][:, None], "share": np.array([0.5])}

    with pytest.raises(AppraisalValidationError) as info:
        run_monte_carlo(model, {"gain": Normal(0.0, 1.0)}, 100, 1, totals=["share"])
    issue = info.value.issues[0]
    assert issue.field == "totals.share"
    assert "integer counts" in issue.fix


def test_evppi_many_gives_each_evppi():
    rng = np.random.default_rng(8)
    a, b, c = rng.normal(size=(3, 4000))
    nb = np.column_stack([np.zeros(4000), a + 0.3 * b, 0.5 * c - 0.2 * a])
    many = voi.evppi_many(nb, {"a": {"a": a}, "bc": {"b": b, "c": c}})
    for key, group in (("a", {"a": a}), ("bc", {"b": b, "c": c})):
        one = voi.evppi(nb, group)
        assert (many[key].value, many[key].raw) == (one.value, one.raw)
        np.testing.assert_array_equal(many[key].r_squared, one.r_squared)


def test_evppi_many_reports_every_bad_group_at_once():
    nb = np.zeros((100, 2))
    with pytest.raises(AppraisalValidationError) as info:
        voi.evppi_many(nb, {"short": {"x": np.zeros(5)}, "empty": {},
                            "big": {"p": np.ones(100), "q": np.ones(100)}})
    fields = {i.field for i in info.value.issues}
    assert fields == {"short.x", "empty", "big"}


@pytest.mark.parametrize("n_params", [1, 2, 3])
def test_the_chunked_fit_is_the_direct_fit_on_the_basis_transposed(n_params):
    """The transposed basis built in blocks is the basis, to rounding."""
    rng = np.random.default_rng(n_params)
    theta = rng.normal(size=(3000, n_params))
    theta[:, 0] = np.round(theta[:, 0])  # a few levels: the indicator columns too
    plan = voi._basis_plan(theta, voi.DEFAULT_KNOTS)
    np.testing.assert_allclose(voi._basis_block(plan, theta).T,
                               voi._basis_rows(plan, theta), rtol=1e-12, atol=1e-12)


def test_same_seed_same_figures_for_any_chunk_and_budget_with_the_chunked_evppi(
        prevention, monkeypatch):
    """Chunk sizes and memory budgets change nothing, with EVPPI fitted by blocks too (a
    tiny basis allowance sends these 9,000 draws down the path of a 10^6-draw run)."""
    monkeypatch.setattr(voi, "EVPPI_BASIS_BYTES", 8 * 40 * 1024)
    runs = [lens.analyse_uncertainty(prevention, draws=9000, seed=5, **kw)
            for kw in ({}, {"chunk_size": 4096}, {"memory": "8MB"},
                       {"chunk_size": 8192, "memory": "2GB"})]
    assert len({r.value_of_information["evppi"][0]["evppi"] for r in runs}) == 1
    assert len({_figures(r) for r in runs}) == 1
    monkeypatch.setattr(voi, "EVPPI_BASIS_BYTES", 32 * 2**20)  # the direct solve
    exact = lens.analyse_uncertainty(prevention, draws=9000, seed=5)
    total = exact.value_of_information["evpi"]
    rows = {r["name"]: r for r in runs[0].value_of_information["evppi"]}
    for row in exact.value_of_information["evppi"]:
        assert rows[row["name"]]["raw"] == pytest.approx(row["raw"], abs=1e-9 * total)


def test_the_chunk_is_capped(prevention):
    model = CaseModel(prevention)
    assert lens.monte_carlo_chunk(model, 10**6, 3, 10_000.0) == lens.MAX_CHUNK


def test_the_case_sobol_indices_do_not_depend_on_the_evaluations_per_chunk(prevention):
    """The lens now evaluates Sobol designs :data:`lens.MAX_CHUNK` at a time (memory);
    the indices are those of one chunk."""
    from appraisal.lenses.uncertainty.gsa import sobol_analysis

    model = CaseModel(prevention)
    spec = model.spec
    kw = {"rng": spec.seed, "outputs": list(lens._SOBOL_OUTPUTS),
          "groups": lens.sobol_groups(spec) or None, "correlation": spec.correlation}
    whole = sobol_analysis(model, spec.distributions, 256, **kw)
    parts = sobol_analysis(model, spec.distributions, 256, chunk_size=700, **kw)
    assert set(whole.indices) == set(parts.indices)
    for key, value in whole.indices.items():
        np.testing.assert_array_equal(parts.indices[key], value)


@pytest.mark.parametrize("n", [1, 37, 1040])  # within a row tile, past one, whole tiles
def test_eta_counts_by_option_equal_the_counts_of_one_product(prevention, n):
    """:class:`ChunkTotals` counts the η curve from each option's own product of its lines;
    the counts equal those of the one product of every line with every option's weights."""
    model = CaseModel(prevention)
    res = lens.analyse_uncertainty(prevention, draws=n + 1, seed=4, keep_draws=True)
    inputs = {k: np.asarray(v)[:n] for k, v in res.draws.inputs.items()}
    totals = ChunkTotals(model, lens.ETA_GRID)
    assert totals.eta_parts  # the by-option path is the one taken
    signed = model(inputs)["signed_pv_lines"]
    weighted = signed @ totals.eta.per_eta
    expected = tie_counts(weighted.reshape(n, len(lens.ETA_GRID), -1))
    np.testing.assert_array_equal(totals(inputs)["best_at_eta"], expected)
