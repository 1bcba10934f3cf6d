"""Generated valid cases: ``validate`` exit 0 implies ``run`` exit 0 with every output written.

Issue 13 ("What it must show"). ``test_fuzz_validate_means_run.py`` mutates the minimal
example, so most of its cases are refused; this test draws cases that are valid by
construction and pushes them to the edges the outputs care about. The cases come from
the case strategy of ``tests/test_io_excel_roundtrip_all.py`` (2-4 options, 1-6 lines,
explicit and generated profiles, scales, delays, optimism bias, unit values and
additionality), then: option names and the title drawn from letters, digits,
punctuation, symbols and spaces (so formula-like ``=``, ``+``, ``-``, ``@`` starts,
look-alike scripts and names up to the 256-character limit), descriptions with line
feeds, amounts scaled up to the 10^15 limit, and horizons up to the latest year the report
can show (2300). Each case is written as YAML or as a workbook, checked with
``appraisal validate``, then run: the run must succeed and write every output its
manifest lists.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import appraisal
from appraisal.case.schema import SCHEMA_VERSION
from appraisal.limits import MAX_AMOUNT, MAX_NAME_CHARS, MAX_YEAR

REPO = Path(__file__).resolve().parents[2]


def _strategy_module() -> Any:
    path = REPO / "tests" / "test_io_excel_roundtrip_all.py"
    spec = importlib.util.spec_from_file_location("_roundtrip_strategies", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _strategy_module()._cases()
# one line of text a reader can see: letters, marks, digits, punctuation, symbols, spaces
_VISIBLE = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
TEXTS = st.one_of(st.text(_VISIBLE, min_size=1, max_size=40),
                  st.sampled_from(["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)",
                                   "Caf\u00e9", "\u0392usiness", "a" * 200]),
                  st.text(_VISIBLE, min_size=100, max_size=120))


def _name(text: str, k: int) -> str:
    """*text* made a valid, distinct name: trimmed to fit, and told apart by ``#k``
    (two names that differ only by case, spaces or Unicode form are refused)."""
    suffix = f" #{k}"
    units = 0
    kept = []
    for ch in text:
        units += len(ch.encode("utf-16-le")) // 2
        if units > MAX_NAME_CHARS - len(suffix):
            break
        kept.append(ch)
    return "".join(kept).strip() + suffix


@st.composite
def valid_cases(draw) -> dict[str, Any]:
    records = appraisal.case_to_records(draw(CASES))
    renamed = {o["name"]: _name(draw(TEXTS), k) for k, o in enumerate(records["options"])}
    for option in records["options"]:
        option["name"] = renamed[option["name"]]
        if draw(st.booleans()):
            option["description"] = draw(st.text(_VISIBLE, max_size=30)) + "\n" + draw(TEXTS)
    records["title"] = _name(draw(TEXTS), 0)
    scale = draw(st.sampled_from([1.0, 1e3, 1e6]))
    for line in records["lines"]:
        line["option"] = renamed[line["option"]]
        for year, amount in line.get("values", {}).items():
            line["values"][year] = min(amount * scale, MAX_AMOUNT)
    first = records["base_year"]
    records["horizon_years"] = draw(st.sampled_from(
        [records["horizon_years"], 50, 51, 120, MAX_YEAR - first + 1]))
    return records


def _write(records: dict[str, Any], folder: Path, workbook: bool) -> Path:
    if workbook:
        return appraisal.write_template(folder / "case.xlsx",
                                        appraisal.case_from_records(**records))
    case = folder / "case.yaml"
    data = {"schema_version": SCHEMA_VERSION, **records}
    case.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return case


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records=valid_cases(), workbook=st.booleans())
def test_a_generated_valid_case_validates_and_runs_with_every_output(
        tmp_path_factory, capsys, records, workbook):
    from appraisal.cli.commands import main

    folder = tmp_path_factory.mktemp("valid")
    case = _write(records, folder, workbook)
    before = hashlib.sha256(case.read_bytes()).hexdigest()
    assert main(["validate", str(case)]) == 0, capsys.readouterr().err
    out = folder / "out"
    assert main(["run", str(case), "--out", str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr()
    assert "Traceback" not in said.out + said.err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["name"]: f for f in manifest["files"]}
    assert {"results.json", "options.csv", "lines.csv", "cashflows.csv",
            "switching_values.csv", "parameters_used.csv", "results.xlsx",
            "report.html"} <= set(listed)
    assert {p.name for p in out.iterdir()} == {*listed, "manifest.json"}
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert len(data) == entry["bytes"] > 0, name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [o["name"] for o in results["options"]] == [o["name"] for o in records["options"]]
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before
