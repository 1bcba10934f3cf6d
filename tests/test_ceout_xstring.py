"""Excel's ``_xHHHH_`` escapes in workbook text cells (ECMA-376 Part 1, 22.9.2.19
``ST_Xstring``; Microsoft's notes on it, [MS-OI29500] 2.1.1747: Excel escapes a carriage
return as ``_x000D_`` and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``).

The workbook reader decodes them as Excel shows the cell, in inline strings (the fast
path), shared strings (a workbook saved by openpyxl or Excel) and the cached text of a
formula (``t="str"``), then the case's own rules apply to the decoded text: a carriage
return in a name is refused at its cell. The writer escapes a literal ``_xHHHH_``, so a
YAML -> workbook -> case round trip keeps it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import load_case
from appraisal.cells import decode_xstring, encode_xstring
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.excel_grid import _cell

REPO = Path(__file__).resolve().parents[1]
MINIMAL = REPO / "data" / "examples" / "minimal.yaml"


def _workbook(tmp_path: Path, capsys, old: str, new: str, *, shared: bool) -> Path:
    """The minimal case as a workbook with every cell *old* replaced by *new* in the
    sheet XML: as inline strings (this toolkit's writer) or, ``shared``, as shared
    strings (openpyxl's writer, as Excel saves)."""
    import openpyxl

    from appraisal.cli.commands import main

    plain = tmp_path / "plain.xlsx"
    assert main(["convert", str(MINIMAL), str(plain)]) == 0
    capsys.readouterr()
    if shared:
        book = openpyxl.load_workbook(plain)
        for ws in book:
            for row in ws.iter_rows():
                for c in row:
                    if c.value == old:
                        c.value = new  # openpyxl writes the text raw: the escape stays
        book.save(plain)
    case = tmp_path / "case.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(case, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if not shared:
                data = data.replace(f">{old}<".encode(), f">{new}<".encode())
            out.writestr(info, data)
    text = b"".join(zipfile.ZipFile(case).read(n) for n in zipfile.ZipFile(case).namelist())
    assert new.encode() in text  # the escape is in the file as written
    return case


@pytest.mark.parametrize("shared", [False, True], ids=["inline-string", "shared-string"])
def test_escaped_carriage_return_in_a_name_is_refused_at_its_cell(tmp_path, capsys, shared):
    case = _workbook(tmp_path, capsys, "New service", "New_x000D_service", shared=shared)
    with pytest.raises(AppraisalValidationError) as exc:
        load_case(case)
    text = str(exc.value)
    assert "Options!A4: error [control-character]" in text
    assert "U+000D at position 3" in text


@pytest.mark.parametrize("shared", [False, True], ids=["inline-string", "shared-string"])
def test_escapes_decode_to_the_text_excel_shows(tmp_path, capsys, shared):
    """``_x0041_`` is ``A``; ``_x005F_x000D_`` is the literal text ``_x000D_``."""
    case = _workbook(tmp_path, capsys, "New service", "New _x0041__x005F_x000D_ service",
                     shared=shared)
    names = [o.name for o in load_case(case).options]
    assert "New A_x000D_ service" in names


def test_formula_text_result_is_decoded():
    cell = _cell({"t": "str", "s": 0, "v": "a_x000D_b", "f": 'CONCAT("a","b")', "is": None},
                 [])
    assert cell.value == "a\rb"


def test_literal_escape_survives_the_yaml_workbook_round_trip(tmp_path, capsys):
    from appraisal.cli.commands import main

    src = tmp_path / "lit.yaml"
    title = "Literal _x000D_ and _x0041_ in a title"
    src.write_text(MINIMAL.read_text(encoding="utf-8").replace(
        "title: Minimal two-option case", f'title: "{title}"'), encoding="utf-8")
    book = tmp_path / "lit.xlsx"
    assert main(["convert", str(src), str(book)]) == 0
    capsys.readouterr()
    with zipfile.ZipFile(book) as z:
        assert any(b"_x005F_x000D_" in z.read(n) for n in z.namelist())
    assert load_case(book).title == title


@pytest.mark.parametrize("text", ["", "plain", "_x000D_", "_x005F_x0041_", "a_x12_b",
                                  "__x0041__", "_X000d_", "x005F_"])
def test_encode_then_decode_is_the_identity(text):
    assert decode_xstring(encode_xstring(text)) == text


@given(st.text(alphabet=st.sampled_from(["_", "x", "X", "0", "0", "5", "F", "f", "4", "1",
                                         "D", "a", "\r"]), max_size=40))
@settings(max_examples=300, deadline=None)
def test_decode_inverts_encode_for_any_text(text):
    """Texts dense in underscores, x and hex digits (overlapping escapes included)."""
    assert decode_xstring(encode_xstring(text)) == text
