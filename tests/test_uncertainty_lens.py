"""The uncertainty lens: reproducible Monte Carlo, summaries, value of information, report."""

from __future__ import annotations

import contextlib
import dataclasses
import json

import numpy as np
import pytest

import appraisal.lenses.uncertainty.lens  # registers the section and the hook
from appraisal import AppraisalValidationError, evaluate, example_path, load_case
from appraisal.lenses.catalogue import LENSES
from appraisal.lenses.uncertainty import Constant, ProcessBackend
from appraisal.lenses.uncertainty.lens import (
    UncertaintyResult,
    analyse_uncertainty,
)
from appraisal.outputs.report.context import report_context

with contextlib.suppress(ImportError):  # the example also has MCA sections
    import appraisal.lenses.mca.lens  # noqa: F401

REPORT_KEYS = {"tornado", "switching_values", "scenarios", "monte_carlo", "acceptability", "sobol"}


@pytest.fixture(scope="module")
def case():
    return load_case(example_path("prevention"))


@pytest.fixture(scope="module")
def result(case):
    return analyse_uncertainty(case, draws=3000, sobol=64)


def _mc(res: UncertaintyResult) -> str:
    """Every Monte Carlo figure and the seed record (which holds no chunk size)."""
    d = res.to_dict()
    return json.dumps([d["monte_carlo"], d["value_of_information"]], sort_keys=True)


def test_same_seed_gives_identical_results_for_any_chunk_size(case):
    a = analyse_uncertainty(case, draws=9000, seed=5, chunk_size=4096, keep_draws=True)
    b = analyse_uncertainty(case, draws=9000, seed=5, chunk_size=8192, keep_draws=True)
    np.testing.assert_array_equal(a.draws.outputs["npsv"], b.draws.outputs["npsv"])
    assert _mc(a) == _mc(b)
    c = analyse_uncertainty(case, draws=9000, seed=6, chunk_size=4096)
    assert _mc(a) != _mc(c)


def test_process_backend_with_two_workers_gives_the_serial_result(case):
    serial = analyse_uncertainty(case, draws=6000, seed=11, chunk_size=4096, keep_draws=True)
    with ProcessBackend(2) as backend:
        parallel = analyse_uncertainty(case, draws=6000, seed=11, chunk_size=4096,
                                       backend=backend, keep_draws=True)
    np.testing.assert_array_equal(serial.draws.outputs["npsv"], parallel.draws.outputs["npsv"])
    assert _mc(serial) == _mc(parallel)


def test_threads_and_the_default_give_the_serial_result(case):
    """Issue 14: chunks, summaries and EVPPI fits in threads (the default on a machine with
    more than one core, for a run of more than one chunk) give the serial result, whatever
    the number of threads (a 64 MB budget: chunks of one block, two threads by default
    on two cores)."""
    from appraisal.lenses.uncertainty import ThreadBackend

    serial = analyse_uncertainty(case, draws=9000, seed=11, chunk_size=4096, keep_draws=True,
                                 backend="serial")
    for backend in (ThreadBackend(2), ThreadBackend(3), None):
        threaded = analyse_uncertainty(case, draws=9000, seed=11, backend=backend,
                                       keep_draws=True, memory="64MB")
        np.testing.assert_array_equal(serial.draws.outputs["npsv"],
                                      threaded.draws.outputs["npsv"])
        assert _mc(serial) == _mc(threaded)
        assert threaded.to_dict()["acceptability"] == serial.to_dict()["acceptability"]


def test_dask_local_cluster_gives_the_serial_result_on_a_real_case(case):
    """Issue 5: the same seed gives identical results on the Dask backend (a LocalCluster
    with two worker processes), for the prevention case through the engine."""
    pytest.importorskip("dask.distributed")
    from appraisal.lenses.uncertainty import DaskBackend

    serial = analyse_uncertainty(case, draws=5000, seed=13, chunk_size=2048, keep_draws=True)
    with DaskBackend(n_workers=2, processes=True) as backend:
        dask = analyse_uncertainty(case, draws=5000, seed=13, chunk_size=2048,
                                   backend=backend, keep_draws=True)
    np.testing.assert_array_equal(serial.draws.outputs["npsv"], dask.draws.outputs["npsv"])
    assert _mc(serial) == _mc(dask)


def test_monte_carlo_at_constant_central_values_is_the_deterministic_result(case):
    spec = case.sections["uncertainty"]
    fixed = dataclasses.replace(spec, inputs=tuple(
        dataclasses.replace(i, distribution=Constant(float(i.distribution.central)
                                                     if i.field != "delay" else 0.0))
        for i in spec.inputs), correlation=None, correlation_data=None)
    res = analyse_uncertainty(case, spec=fixed, draws=5)
    deterministic = evaluate(case)
    for row, metrics in zip(res.monte_carlo["options"], deterministic.options, strict=True):
        assert row["npsv"]["mean"] == pytest.approx(metrics.npsv, rel=1e-12, abs=1e-6)
        assert row["inc_npsv"]["p5"] == pytest.approx(metrics.inc_npsv, rel=1e-12, abs=1e-6)
        assert row["npsv"]["sd"] == pytest.approx(0.0, abs=1e-6)


def test_summaries_are_consistent(result):
    mc = result.monte_carlo
    assert mc["n_draws"] == 3000
    assert sum(mc["p_preferred"].values()) == pytest.approx(1.0)
    for row in mc["options"]:
        s = row["inc_npsv"]
        assert s["p5"] <= s["p50"] <= s["p95"]
        assert s["mcse"] == pytest.approx(s["sd"] / np.sqrt(3000))
        bands = list(row.get("p_bcr_at_least", {}).values())
        assert bands == sorted(bands, reverse=True)  # higher bands are harder to reach
    focus = next(r for r in mc["options"] if r["option"] == result.focus)
    assert focus["p_bcr_at_least"]["Low (1)"] >= focus["inc_npsv"]["p_positive"] - 1e-12


def test_evpi_bounds_every_evppi(result):
    voi = result.value_of_information
    assert voi["evpi"] >= 0
    assert voi["evppi"]
    for row in voi["evppi"]:
        assert 0.0 <= row["evppi"] <= voi["evpi"] + 1e-9
    names = {r["name"] for r in voi["evppi"]}
    assert "group: effectiveness evidence" in names


def test_acceptability_curves_are_probabilities(result):
    eta = result.acceptability["eta"]
    assert len(eta["x"]) == len(next(iter(eta["curves"].values())))
    totals = np.sum(list(eta["curves"].values()), axis=0)
    np.testing.assert_allclose(totals, 1.0)
    money = result.acceptability["threshold"]
    for curve in money["curves"].values():
        assert curve == sorted(curve, reverse=True)  # P(increment > x) falls with x


def test_report_context_is_exactly_the_report_section_and_validates(case, result):
    ctx = result.report_context()
    assert set(ctx) <= REPORT_KEYS
    assert {"tornado", "monte_carlo", "acceptability", "sobol", "switching_values"} <= set(ctx)
    json.dumps(ctx, allow_nan=False)
    full = evaluate(case, lenses="all")
    merged = report_context(full)  # raises if the merged context breaks the schema
    assert merged["uncertainty"]["monte_carlo"]["n_draws"] == case.sections["uncertainty"].draws


def test_hook_runs_with_evaluate_and_results_are_json(case):
    assert [lens.on_request for lens in LENSES if lens.name == "uncertainty"] == [True]
    res = evaluate(case, lenses="all")
    payload = res.lenses["uncertainty"]
    assert isinstance(payload, UncertaintyResult)
    json.dumps(payload.to_dict(), allow_nan=False)
    lines = payload.summary_lines()
    assert any("P(Whole-family service preferred)" in line for line in lines)
    assert any("90% interval" in line for line in lines)


def test_summary_and_frames(result):
    frames = result.to_frames()
    assert set(frames) >= {"uncertainty_draws_summary.csv", "uncertainty_tornado.csv",
                           "uncertainty_switching_values.csv", "uncertainty_sobol.csv"}
    assert len(frames["uncertainty_tornado.csv"]) == len(result.tornado.rows)


def test_invalid_counts_are_refused(case):
    with pytest.raises(AppraisalValidationError) as info:
        analyse_uncertainty(case, draws=0, sobol=100)
    assert {e.field for e in info.value.errors} == {"draws", "sobol"}
