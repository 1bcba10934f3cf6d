"""One number, one name, everywhere (issue "Every number right", item 7).

The CLI summary, ``results.json``, the ``results.xlsx`` Summary and the report context state
the same headline figures under the same labels: "NPSV" is absolute, "NPSV against business
as usual" is incremental, and the value-for-money category sits beside the BCR against
business as usual (DESIGN.md, Conventions; DfT value-for-money categories are bands of the
BCR of the scheme against the do-minimum, TAG unit A1.1).
"""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

from appraisal import example_path
from appraisal.cli.commands import main
from appraisal.engine.headline import HEADLINE_MEASURES, LABELS
from appraisal.engine.results import AppraisalResult
from appraisal.outputs.report.context import report_context

EXAMPLES = ("minimal", "capital", "prevention", "falls")


def _amount(text: str) -> float:
    """``(£1.90m)`` -> -1.9e6; ``£195`` -> 195."""
    m = re.fullmatch(r"(\()?£([\d,.]+)(m)?\)?", text.strip())
    assert m, text
    value = float(m.group(2).replace(",", "")) * (1e6 if m.group(3) else 1.0)
    return -value if m.group(1) else value


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name in EXAMPLES:
        folder = tmp_path_factory.mktemp(name) / "out"
        import contextlib
        import io

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main(["run", str(example_path(name)), "--out", str(folder)]) == 0
        out[name] = (folder, buffer.getvalue())
    return out


def _cli_headline(stdout: str) -> dict[str, str]:
    """``label: value`` lines of the headline block (the first block after the title)."""
    block = stdout.split("\n\n")[1].splitlines()
    values = {}
    for line in block:
        label, _, value = line.strip().partition(": ")
        values.setdefault(label, value)  # the preferred option's block comes first
    return values


def _xlsx_headline(path) -> dict[str, object]:
    sheet = openpyxl.load_workbook(path, data_only=True)["Summary"]
    values: dict[str, object] = {}
    for row in sheet.iter_rows(min_row=5, max_col=2):
        label, value = row[0].value, row[1].value
        if isinstance(label, str) and label in LABELS.values():
            values.setdefault(label, value)  # the preferred option's block comes first
    return values


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_output_states_the_same_headline_under_the_same_labels(runs, name):
    folder, stdout = runs[name]
    data = json.loads((folder / "results.json").read_text())
    head = data["headline"]
    assert head["labels"] == {k: LABELS[k] for k in ("preferred_option", *HEADLINE_MEASURES)}
    pref = next(o for o in data["options"] if o["name"] == data["preferred_option"])
    assert head["preferred_option"] == pref["name"]
    assert head["npsv"] == pref["npsv"]
    assert head["inc_npsv"] == pref["incremental"]["npsv"]
    assert head["vfm_category"] == pref["incremental"]["vfm_category"]

    cli = _cli_headline(stdout)
    assert cli[LABELS["preferred_option"]] == head["preferred_option"]
    xlsx = _xlsx_headline(folder / "results.xlsx")
    assert xlsx[LABELS["preferred_option"]] == head["preferred_option"]
    from appraisal import evaluate, load_case

    ctx = report_context(evaluate(load_case(example_path(name))))
    assert ctx["labels"] == LABELS
    assert ctx["headline"]["preferred_option"] == head["preferred_option"]
    for key in HEADLINE_MEASURES:
        label, value = LABELS[key], head[key]
        assert ctx["headline"][key] == value, key
        if key == "vfm_category":
            assert cli[label] == (value or "not applicable")
            assert xlsx[label] == (value or "n/a")
        elif value is None:  # an undefined BCR (business as usual against itself)
            assert cli[label] == "not defined"
            assert xlsx[label] == "n/a"
        elif key == "inc_bcr":
            assert float(cli[label]) == pytest.approx(value, abs=0.005)
            assert xlsx[label] == pytest.approx(value, rel=1e-12)
        else:
            unit = 0.005e6 if "m" in cli[label] else 0.5
            assert _amount(cli[label]) == pytest.approx(value, abs=unit)
            assert xlsx[label] == pytest.approx(value, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("name", EXAMPLES)
def test_absolute_and_against_business_as_usual_columns_agree_everywhere(runs, name):
    """Per option: the CLI table, results.json, the workbook Summary and the report's
    cost-benefit table (which is against business as usual) carry the same figures."""
    folder, stdout = runs[name]
    data = json.loads((folder / "results.json").read_text())
    sheet = openpyxl.load_workbook(folder / "results.xlsx", data_only=True)["Summary"]
    header = [c.value for c in sheet[4]]
    assert header[:8] == ["Option", LABELS["pv_costs"], LABELS["pv_benefits"], LABELS["npsv"],
                          LABELS["bcr"], LABELS["inc_npsv"], LABELS["inc_bcr"],
                          LABELS["vfm_category"]]
    from appraisal import evaluate, load_case

    result: AppraisalResult = evaluate(load_case(example_path(name)))
    ctx = report_context(result)
    metrics = {m["option"]: m for m in ctx["cba"]["metrics"]}
    for k, option in enumerate(data["options"]):
        row = [c.value for c in sheet[5 + k]]
        assert row[0] == option["name"]
        assert row[3] == pytest.approx(option["npsv"], rel=1e-12, abs=1e-9)
        assert row[5] == pytest.approx(option["incremental"]["npsv"], rel=1e-12, abs=1e-9)
        line = next(ln for ln in stdout.splitlines() if ln.startswith(option["name"] + "  "))
        cells = re.findall(r"\(?£[\d,.]+m?\)?", line)
        assert _amount(cells[2]) == pytest.approx(option["npsv"], abs=0.005e6 if "m" in
                                                  cells[2] else 0.5)
        assert _amount(cells[3]) == pytest.approx(option["incremental"]["npsv"],
                                                  abs=0.005e6 if "m" in cells[3] else 0.5)
        if not option["counterfactual"]:  # the report's table is against business as usual
            assert metrics[option["name"]]["npsv"] == option["incremental"]["npsv"]
            assert metrics[option["name"]]["bcr"] == option["incremental"]["bcr"]
            assert row[7] == option["incremental"]["vfm_category"]


def test_the_value_for_money_category_is_never_beside_the_absolute_bcr(runs):
    """The category is a band of the BCR against business as usual: in the CLI table it
    follows that BCR, in the workbook it is the column after it."""
    _, stdout = runs["prevention"]
    head = next(ln for ln in stdout.splitlines() if ln.startswith("Option"))
    assert head.index("Value-for-money category") > head.rindex("BCR") > head.index("BCR")
    groups = stdout.splitlines()[stdout.splitlines().index(head) - 1]
    assert "absolute" in groups
    assert "against business as usual" in groups
    assert groups.index("against business as usual") > groups.index("absolute")
