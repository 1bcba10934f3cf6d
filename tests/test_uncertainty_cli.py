"""``appraisal uncertainty CASE --out DIR``: files, refusals, located errors, exit codes."""

from __future__ import annotations

import contextlib
import json
import re
import shutil

import pandas as pd

from appraisal import example_path
from appraisal.cli.commands import COMMANDS, main

with contextlib.suppress(ImportError):  # the example also has MCA sections
    import appraisal.lenses.mca.lens  # noqa: F401

EXPECTED = {"uncertainty.json", "uncertainty_draws_summary.csv", "uncertainty_tornado.csv",
            "uncertainty_switching_values.csv", "uncertainty_scenarios.csv",
            "uncertainty_sobol.csv", "uncertainty_manifest.json"}


def _case(tmp_path):
    path = tmp_path / "case.yaml"
    shutil.copy(example_path("prevention"), path)
    return path


def test_command_is_in_the_static_command_table():
    from appraisal.cli.uncertainty import handle

    assert "uncertainty" in COMMANDS
    assert COMMANDS["uncertainty"].handler.__name__ == "_uncertainty"
    assert callable(handle)


def test_run_writes_json_and_csvs_and_prints_a_summary(tmp_path, capsys):
    case = _case(tmp_path)
    out = tmp_path / "out"
    code = main(["uncertainty", str(case), "--out", str(out), "--draws", "800", "--seed", "3",
                 "--sobol", "64"])
    printed = capsys.readouterr().out
    assert code == 0
    assert {p.name for p in out.iterdir()} == EXPECTED
    data = json.loads((out / "uncertainty.json").read_text())
    assert data["monte_carlo"]["n_draws"] == 800
    assert data["monte_carlo"]["seed"] == 3
    assert data["sobol"]["n_evaluations"] > 0
    assert "P(Whole-family service preferred)" in printed
    tornado = pd.read_csv(out / "uncertainty_tornado.csv")
    assert list(tornado["parameter"]) == [r["parameter"] for r in data["tornado"]["rows"]]


def test_existing_outputs_are_kept_without_force(tmp_path, capsys):
    case = _case(tmp_path)
    out = tmp_path / "out"
    assert main(["uncertainty", str(case), "--out", str(out), "--draws", "300"]) == 0
    before = (out / "uncertainty.json").read_bytes()
    capsys.readouterr()
    assert main(["uncertainty", str(case), "--out", str(out), "--draws", "400"]) == 1
    assert "exists" in capsys.readouterr().err
    assert (out / "uncertainty.json").read_bytes() == before
    assert main(["uncertainty", str(case), "--out", str(out), "--draws", "400",
                 "--force"]) == 0
    assert json.loads((out / "uncertainty.json").read_text())["monte_carlo"]["n_draws"] == 400


def test_bad_arguments_and_bad_case_are_reported_together_and_nothing_is_written(tmp_path,
                                                                                 capsys):
    case = _case(tmp_path)
    text = case.read_text()
    bad = text.replace("distribution: {dist: pert, low: 0.9, mode: 1.0, high: 1.4}",
                       "distribution: {dist: pert, low: 1.5, mode: 1.0, high: 1.4}")
    assert bad != text
    case.write_text(bad)
    out = tmp_path / "out"
    code = main(["uncertainty", str(case), "--out", str(out), "--draws", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert not out.exists()
    assert "--draws" in err
    assert re.search(r"case\.yaml:\d+:\d+: error \[", err)
    assert "Nothing was written." in err


def test_case_without_uncertainty_section_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["uncertainty", str(example_path("minimal")), "--out", str(out)]) == 1
    assert "no uncertain inputs" in capsys.readouterr().err
    assert not out.exists()


def test_threads_option_gives_the_same_figures_and_is_checked(tmp_path, capsys):
    """Issue 14: ``--threads K`` (chunks and analyses in K threads; 1: one after another)
    writes the same figures; a count below 1 or over the workers' limit is refused."""
    case = _case(tmp_path)
    figures = []
    for k in ("1", "3"):
        out = tmp_path / f"out{k}"
        assert main(["uncertainty", str(case), "--out", str(out), "--draws", "9000",
                     "--seed", "4", "--threads", k]) == 0
        figures.append(json.loads((out / "uncertainty.json").read_text()))
    assert figures[0] == figures[1]
    capsys.readouterr()
    for bad, message in (("0", "at least 1"), ("100000", "limit of")):
        assert main(["uncertainty", str(case), "--out", str(tmp_path / "bad"),
                     "--threads", bad]) == 1
        err = capsys.readouterr().err
        assert "--threads" in err
        assert message in err
    assert "256 threads: each thread holds" in err  # its own words,
    assert "process" not in err  # not the workers'
    assert not (tmp_path / "bad").exists()
