"""The Python API as a notebook user meets it: a fast deterministic ``evaluate``, the
uncertainty analyses on request, a short ``repr``, one way to get every table, a version."""

from __future__ import annotations

from importlib import metadata

import pandas as pd
import pytest

import appraisal
import appraisal.lenses.uncertainty.lens as unc_lens
from appraisal import AppraisalValidationError, evaluate, example_path, load_case
from appraisal.cli.commands import main


@pytest.fixture(scope="module")
def case():
    return load_case(example_path("prevention"))


@pytest.fixture(scope="module")
def result(case):
    return evaluate(case)


def test_evaluate_runs_no_monte_carlo_by_default(case, monkeypatch):
    """The prevention case has an ``uncertainty:`` section (10,000 draws, EVPPI, switching
    search); ``evaluate(case)`` must not touch it."""
    def refuse(*args, **kwargs):
        raise AssertionError("evaluate(case) ran the uncertainty analyses")

    monkeypatch.setattr(unc_lens, "analyse_uncertainty", refuse)
    monkeypatch.setattr(unc_lens, "run_monte_carlo", refuse)
    res = evaluate(case)
    assert "uncertainty" not in res.lenses
    assert {"valuation", "public_value", "distributional", "mca"} <= set(res.lenses)


def test_uncertainty_runs_when_asked(case):
    full = evaluate(case, lenses="all")
    mc = full.lenses["uncertainty"].to_dict()["monte_carlo"]
    assert mc["n_draws"] == case.sections["uncertainty"].draws
    assert appraisal.lenses.uncertainty.analyse is unc_lens.analyse_uncertainty
    only = evaluate(case, lenses=["mca"])
    assert set(only.lenses) == {"mca"}


def test_an_unknown_lens_is_reported_with_the_names_that_exist(case):
    with pytest.raises(AppraisalValidationError) as err:
        evaluate(case, lenses=["uncertainity"])
    issue = err.value.issues[0]
    assert issue.field == "lenses"
    assert "'uncertainity'" in issue.message
    assert "uncertainty" in issue.fix


def test_repr_is_one_short_line(result):
    text = repr(result)
    assert len(text) < 400
    assert "\n" not in text
    assert "'Whole-family service'" in text
    assert "NPSV against business as usual £11.1m" in text


def test_repr_html_is_a_table_with_escaped_names():
    hostile = "<b>A</b>"
    case = appraisal.case_from_records(
        title="T", base_year=2025, horizon_years=3,
        options=[{"name": "BAU", "counterfactual": True}, {"name": hostile}],
        lines=[{"option": hostile, "name": "c", "kind": "cost", "values": {2025: 100}},
               {"option": hostile, "name": "b", "kind": "benefit",
                "values": {2026: 60, 2027: 60}}])
    page = evaluate(case)._repr_html_()
    assert "<table>" in page
    assert hostile not in page
    assert "&lt;b&gt;A&lt;/b&gt; (preferred)" in page


def test_every_listed_table_is_a_frame(case, result):
    names = result.tables()
    assert names[:5] == ["options", "lines", "cashflows", "switching", "parameters"]
    assert {"valuation", "agency_matrix", "pooled_budget", "mca_scores"} <= set(names)
    for name in names:
        assert isinstance(result.to_frame(name), pd.DataFrame), name
    assert result.to_frame("valuation.csv").equals(result.to_frame("valuation"))
    full = evaluate(case, lenses="all")
    assert "uncertainty_draws_summary" in full.tables()
    assert not full.to_frame("uncertainty_scenarios").empty


def test_an_unknown_table_lists_the_tables(result):
    with pytest.raises(ValueError, match=r"choose one of: options, lines.*valuation"):
        result.to_frame("nope")


def test_version(capsys):
    assert appraisal.__version__ == metadata.version("appraisal")
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"appraisal {appraisal.__version__}"
