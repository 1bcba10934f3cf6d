"""A name starting with a carriage return and ``=``: refused where it is written, never altered.

Issue 13 found such a name altered on a YAML -> workbook -> YAML round trip: a carriage
return in a cell's XML text comes back as a line feed (XML 1.0, section 2.11, end-of-line
handling), and ``=`` after it makes a formula-like text. It is now refused by the case
model, so it cannot reach a round trip: ``validate``, ``run`` and ``convert`` each refuse
it with a located message, write nothing and leave the input's bytes as they were. The
workbook is probed twice: the carriage return written raw (a reader sees a line feed) and
as the character reference ``&#13;`` (a reader sees the carriage return itself).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "data" / "examples" / "minimal.yaml"
NAME = "\r=SUM(1,2)"
COMMANDS = [("validate",), ("run", "--out", "OUT"), ("convert", "OTHER")]


def _args(command: tuple[str, ...], case: Path, tmp_path: Path) -> list[str]:
    """The command line; ``convert`` goes to the other format (YAML <-> workbook)."""
    other = "back.xlsx" if case.suffix == ".yaml" else "back.yaml"
    out = {"OUT": str(tmp_path / "out"), "OTHER": str(tmp_path / other)}
    return [command[0], str(case), *(out.get(a, a) for a in command[1:])]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_yaml_name_with_carriage_return_and_equals_is_refused_where_written(
        tmp_path, refused, command):
    text = MINIMAL.read_text(encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(text.replace("New service", '"\\r=SUM(1,2)"'), encoding="utf-8")
    line = 1 + text.splitlines().index("  - name: New service")
    refused(_args(command, case, tmp_path), inputs=[case],
            pattern=rf"case\.yaml:{line}:5: error \[control-character\] options\[1\]\.name: "
                    r"'name' contains the control character U\+000D at position 0")


def _workbook(tmp_path: Path, capsys, encoded: bytes) -> Path:
    """The minimal case as a workbook, its option 'New service' renamed to NAME in every
    sheet, the carriage return written into the XML as *encoded*."""
    import openpyxl

    from appraisal.cli.commands import main

    plain = tmp_path / "plain.xlsx"
    assert main(["convert", str(MINIMAL), str(plain)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(plain)
    renamed = [(ws.title, c.coordinate) for ws in book for row in ws.iter_rows() for c in row
               if c.value == "New service"]
    assert ("Options", "A4") in renamed
    for title, ref in renamed:
        book[title][ref].value = NAME
    book.save(plain)
    case = tmp_path / "case.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(case, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            assert b"_x000D_" not in data  # not the OOXML escape: a literal CR in the XML
            out.writestr(info, data.replace(b"\r=SUM", encoded + b"=SUM"))
    plain.unlink()
    return case


@pytest.mark.parametrize(("encoded", "code_point"), [(b"\r", "000A"), (b"&#13;", "000D")],
                         ids=["raw-cr-read-as-lf", "char-ref-cr"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_workbook_name_with_carriage_return_and_equals_is_refused_where_written(
        tmp_path, capsys, refused, command, encoded, code_point):
    case = _workbook(tmp_path, capsys, encoded)
    refused(_args(command, case, tmp_path), inputs=[case],
            pattern=r"Options!A4: error \[control-character\] Options row 4 \(\\[nr]=SUM\(1,2\)\), "
                    rf"Name: Name contains the control character U\+{code_point} at position 0")
