"""The command line: run, validate, demo, params; exit codes 0 / 1 / 2; safe outputs."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.cli.commands import main

OUTPUTS = {"results.json", "options.csv", "lines.csv", "cashflows.csv", "switching_values.csv",
           "parameters_used.csv"}
OPTION_FIELDS = {"name", "counterfactual", "pv_costs", "pv_benefits", "npsv", "bcr"}


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def case_path(minimal_text, write_case, tmp_path) -> Path:
    return write_case(tmp_path, minimal_text)


def test_run_writes_results_json_with_the_documented_fields(case_path, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = _cli(capsys, "run", str(case_path), "--out", str(out))
    assert code == 0, err
    assert {p.name for p in out.iterdir()} >= OUTPUTS
    assert "The preferred option has the highest NPSV: Business as usual" in stdout
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["preferred_option"] == "Business as usual"
    assert [o["name"] for o in data["options"]] == ["Business as usual", "New service"]
    for option in data["options"]:
        assert OPTION_FIELDS <= set(option)
        assert OPTION_FIELDS - {"name", "counterfactual"} <= set(option["incremental"])
        # the value-for-money category is a band of the BCR against business as usual only
        assert "vfm_category" not in option
        assert "vfm_category" in option["incremental"]
    new = data["options"][1]
    assert new["npsv"] == pytest.approx(-23.744947, abs=1e-6)  # see test_pipeline
    assert new["incremental"]["vfm_category"] == "Poor"
    assert isinstance(data["switching_values"], list)
    assert data["switching_values"]
    manifest = data["manifest"]
    assert manifest["input_sha256"] == hashlib.sha256(case_path.read_bytes()).hexdigest()
    assert manifest["tool_version"]
    assert manifest["tool_version"] != "unknown"
    assert manifest["parameter_vintage"] == "GB2026"
    assert {"numpy", "pandas", "PyYAML"} <= set(manifest["packages"])
    assert manifest["packages"]["numpy"]


def test_run_writes_csv_tables(case_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert _cli(capsys, "run", str(case_path), "--out", str(out))[0] == 0
    with (out / "options.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["Business as usual", "New service"]
    assert float(rows[1]["pv_costs"]) == pytest.approx(194.984714, abs=1e-6)
    with (out / "cashflows.csv").open(newline="", encoding="utf-8") as handle:
        flows = list(csv.DictReader(handle))
    assert sum(float(r["discounted"]) for r in flows if r["kind"] == "cost") == pytest.approx(
        194.984714, abs=1e-6)
    with (out / "parameters_used.csv").open(newline="", encoding="utf-8") as handle:
        params = list(csv.DictReader(handle))
    assert params
    assert all(r["source"] for r in params)


def test_run_refuses_to_overwrite_without_force(case_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert _cli(capsys, "run", str(case_path), "--out", str(out))[0] == 0
    (out / "results.json").write_text("{}", encoding="utf-8")  # e.g. an earlier run
    before = _snapshot(out)
    code, _, err = _cli(capsys, "run", str(case_path), "--out", str(out))
    assert code == 1
    assert "already exists" in err
    assert "--force" in err
    assert _snapshot(out) == before
    code, _, err = _cli(capsys, "run", str(case_path), "--out", str(out), "--force")
    assert code == 0, err
    assert json.loads((out / "results.json").read_text())["preferred_option"]


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_run_never_writes_over_the_input(case_path, tmp_path, capsys, link):
    """An output name that is the input file (through a link) is refused even with --force."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / "results.json"
    if link == "symlink":
        target.symlink_to(case_path)
    else:
        os.link(case_path, target)
    before = case_path.read_bytes()
    code, _, err = _cli(capsys, "run", str(case_path), "--out", str(out), "--force")
    assert code == 1
    assert "refusing to write" in err
    assert case_path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]


def test_run_into_a_missing_parent_folder_is_refused(case_path, tmp_path, capsys):
    code, _, err = _cli(capsys, "run", str(case_path), "--out", str(tmp_path / "a" / "b"))
    assert code == 1
    assert "does not exist" in err
    assert not (tmp_path / "a").exists()


def test_validate_writes_nothing(case_path, tmp_path, capsys):
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, _ = _cli(capsys, "validate", str(case_path))
    assert code == 0
    assert "case.yaml: valid" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_missing_case_file_is_exit_1(tmp_path, capsys):
    code, _, err = _cli(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "no such file" in err


def test_an_unsupported_file_type_is_exit_1(tmp_path, capsys):
    path = tmp_path / "case.txt"
    path.write_text("title: x\n", encoding="utf-8")
    code, _, err = _cli(capsys, "validate", str(path))
    assert code == 1
    assert "cannot read '.txt' files" in err


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["run"],
    ["run", "case.yaml"],  # --out is required
    ["validate"],
    ["params"],
    ["params", "show"],  # needs a table name
    ["params", "drop"],
    ["demo", "--example", "nope"],
    ["run", "case.yaml", "--out", "o", "--colour"],
])
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage: appraisal" in capsys.readouterr().err


def test_help_works_as_a_module(tmp_path):
    done = subprocess.run([sys.executable, "-m", "appraisal", "--help"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    for command in ("run", "validate", "demo", "params"):
        assert command in done.stdout


def test_usage_error_exit_code_from_a_subprocess(tmp_path):
    done = subprocess.run([sys.executable, "-m", "appraisal", "run"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_demo_runs_the_embedded_example(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, err = _cli(capsys, "demo", "--out", str(out))
    assert code == 0, err
    assert "Running the embedded example case" in stdout
    assert {p.name for p in out.iterdir()} >= OUTPUTS
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["manifest"]["input"] == "early_help_prevention.yaml"
    assert len(data["options"]) >= 2


def test_params_list_prints_tables_with_sources(capsys):
    code, out, _ = _cli(capsys, "params", "list")
    assert code == 0
    for table in ("discount_schedules", "optimism_bias", "gdp_deflator", "value_for_money"):
        assert table in out
    assert "DfT TAG" in out
    assert "Optimism Bias" in out
    assert "confidence C" in out


def test_params_show_discount_schedules_prints_values_with_sources(capsys):
    code, out, _ = _cli(capsys, "params", "show", "discount_schedules")
    assert code == 0
    assert "schedule=standard, from_t=0, to_t=30: 0.035" in out
    assert "schedule=health, from_t=31, to_t=75: 0.0129" in out
    assert "schedule=reduced, from_t=31, to_t=75: 0.0257" in out
    assert out.count("source: ") == 18
    assert "Green Book" in out


def test_params_show_an_unknown_table_is_exit_1(capsys):
    code, _, err = _cli(capsys, "params", "show", "wellby")
    assert code == 1
    assert "no parameter table 'wellby'" in err


def test_params_with_a_user_pack(tmp_path, capsys):
    (tmp_path / "unit_costs.csv").write_text(
        "item,value,unit,price_year,source,edition,table,confidence,vintages,notes\n"
        "police call-out,500,GBP per call,2024,My force finance team,2025,T1,C,GB2026,\n",
        encoding="utf-8")
    code, out, _ = _cli(capsys, "params", "show", "unit_costs", "--pack", str(tmp_path))
    assert code == 0
    assert "item=police call-out: 500.0 GBP per call (2024 prices) [C]" in out
    assert "My force finance team" in out


def test_a_case_that_does_not_read_says_what_is_checked_later(tmp_path, capsys):
    """Checks against the parameter tables need the whole case, so they run only once the
    case reads without problems; the commands say so after those problems, and not when
    the problem is the file itself or only such a later check."""
    from appraisal.cli.failure import LATER_CHECKS
    from appraisal.inputs.load import example_path

    text = example_path("capital").read_text(encoding="utf-8")
    unread = tmp_path / "unread.yaml"  # a misspelt kind: the case is not read
    unread.write_text(text.replace("kind: cost", "kind: costt", 1), encoding="utf-8")
    compiled = tmp_path / "compiled.yaml"  # reads; its project type fails when compiled
    compiled.write_text(text.replace("project_type: non_standard_buildings",
                                     "project_type: castle"), encoding="utf-8")
    for command in (["validate"], ["run", "--out", str(tmp_path / "out")],
                    ["report", "-o", str(tmp_path / "r.html")],
                    ["uncertainty", "--out", str(tmp_path / "u")]):
        code, _, err = _cli(capsys, command[0], str(unread), *command[1:])
        assert code == 1
        assert "'kind' must be one of cost, benefit" in err
        assert err.endswith(f"{LATER_CHECKS}\nNothing was written.\n"), (command, err)
    code, _, err = _cli(capsys, "validate", str(compiled))
    assert code == 1
    assert "castle" in err
    assert LATER_CHECKS not in err
    code, _, err = _cli(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert LATER_CHECKS not in err
    assert not any((tmp_path / name).exists() for name in ("out", "r.html", "u"))
