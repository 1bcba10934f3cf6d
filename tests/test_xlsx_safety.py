"""Workbook pre-checks: bombs, XXE, format confusion, macros, links.

Each fixture is generated here (no committed binaries). The cases follow the
reliability test plan, section 2.1 and the Excel rows X01-X08 and L10 of 7.2,
plus the parser payloads of 7.3.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import xlsx_safety
from appraisal.errors import AppraisalValidationError, UnsafeInputError
from appraisal.xlsx_safety import (
    MAX_PART_BYTES,
    check_workbook_file,
    ensure_defusedxml,
    open_workbook_safely,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURE_REUSE = HealthCheck.function_scoped_fixture  # each example overwrites its own file
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'


def workbook_parts(shared_strings: str | None = None) -> dict[str, str | bytes]:
    """A minimal valid workbook whose A1 comes from xl/sharedStrings.xml."""
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{XML_DECL}<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
            '<sheet name="Inputs" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_DECL}<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
        "xl/worksheets/sheet1.xml": (
            f'{XML_DECL}<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c></row></sheetData></worksheet>'),
        "xl/sharedStrings.xml": shared_strings or (
            f'{XML_DECL}<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>hello</t></si></sst>'),
    }


def write_zip(path: Path, parts: dict[str, str | bytes], *, level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def forge_declared_size(path: Path, member: str, size: int) -> None:
    """Patch the zip headers so *member* declares *size* bytes uncompressed (a lie)."""
    data = bytearray(path.read_bytes())
    for signature, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46),
                                                     (b"PK\x03\x04", 22, 26, 30)):
        start = data.find(signature)
        while start != -1:
            length = int.from_bytes(data[start + name_len_at:start + name_len_at + 2], "little")
            if data[start + name_at:start + name_at + length].decode() == member:
                data[start + size_at:start + size_at + 4] = size.to_bytes(4, "little")
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def valid(tmp_path) -> Path:
    return write_zip(tmp_path / "case.xlsx", workbook_parts())


def forbid_decompression(monkeypatch) -> None:
    """Fail loudly if anything opens a zip member (the checks must use declared sizes)."""

    real_open = zipfile.ZipFile.open

    def read_forbidden(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            raise AssertionError(f"zip member {name!r} was decompressed")
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", read_forbidden)


@pytest.fixture
def no_decompression(monkeypatch):
    forbid_decompression(monkeypatch)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
              for i in range(1, 10))
    + f']><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')

XXE_WORKBOOK = (
    '<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
    '<sheet name="&xxe;" sheetId="1" r:id="rId1"/></sheets></workbook>')


def test_valid_workbook_passes_with_a_clean_report(valid):
    report = check_workbook_file(valid)
    assert report.path == valid
    assert report.entries == 6
    assert report.has_macros is False
    assert report.vba_sha256 is None
    assert report.external_links == ()
    assert report.issues() == []
    workbook, _ = open_workbook_safely(valid, data_only=True)
    assert workbook["Inputs"]["A1"].value == "hello"
    assert workbook["Inputs"]["B1"].value == 42


def test_openpyxl_workbook_passes(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = "=SUM(1,2)"
    book.save(tmp_path / "made.xlsx")
    workbook, report = open_workbook_safely(tmp_path / "made.xlsx", data_only=False)
    assert workbook.active["A1"].value == "=SUM(1,2)"
    assert report.parser_warnings == ()


# --- X04, X05, 7.3: XML bombs and external entities ----------------------------------------


def test_billion_laughs_in_shared_strings_is_refused(tmp_path):
    path = write_zip(tmp_path / "bomb.xlsx", workbook_parts(BILLION_LAUGHS))
    with pytest.raises(UnsafeInputError, match="DOCTYPE") as info:
        check_workbook_file(path)
    assert str(path) in str(info.value)
    assert "xl/sharedStrings.xml" in str(info.value)


def test_billion_laughs_is_also_stopped_by_defusedxml(tmp_path, monkeypatch):
    # Defence in depth: with our prolog scan switched off, openpyxl+defusedxml refuse it
    # and open_workbook_safely maps that refusal to UnsafeInputError.
    path = write_zip(tmp_path / "bomb.xlsx", workbook_parts(BILLION_LAUGHS))
    monkeypatch.setattr(xlsx_safety, "_check_xml_prolog", lambda *args: None)
    with pytest.raises(UnsafeInputError, match="entity") as info:
        open_workbook_safely(path, data_only=True)
    assert str(path) in str(info.value)


def test_external_entity_is_refused_and_never_read(tmp_path, monkeypatch):
    parts = workbook_parts()
    parts["xl/workbook.xml"] = XXE_WORKBOOK
    path = write_zip(tmp_path / "xxe.xlsx", parts)
    with pytest.raises(UnsafeInputError, match=r"xl/workbook\.xml"):
        check_workbook_file(path)
    monkeypatch.setattr(xlsx_safety, "_check_xml_prolog", lambda *args: None)
    with pytest.raises(UnsafeInputError) as info:
        open_workbook_safely(path, data_only=True)
    assert "root:" not in str(info.value)


@pytest.mark.parametrize("part", ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                  "xl/worksheets/sheet1.xml", "xl/drawings/drawing1.xml"])
def test_doctype_in_any_xml_part_is_refused(tmp_path, part):
    parts = workbook_parts()
    parts[part] = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        check_workbook_file(write_zip(tmp_path / "d.xlsx", parts))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_doctype_hidden_by_another_encoding_is_refused(tmp_path, encoding):
    parts = workbook_parts()
    text = f'<?xml version="1.0" encoding="{encoding.upper()}"?>' + BILLION_LAUGHS[21:]
    parts["xl/sharedStrings.xml"] = text.encode(encoding)
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        check_workbook_file(write_zip(tmp_path / "enc.xlsx", parts))


def test_doctype_after_a_long_comment_is_still_found(tmp_path):
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0"?><!--' + "pad " * 2_000 + "-->" + BILLION_LAUGHS[21:])
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        check_workbook_file(write_zip(tmp_path / "pad.xlsx", parts))


def test_endless_prolog_is_refused(tmp_path):
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = "<!--" + "x" * (xlsx_safety.PROLOG_LIMIT_BYTES + 10)
    with pytest.raises(UnsafeInputError, match="prolog longer"):
        check_workbook_file(write_zip(tmp_path / "prolog.xlsx", parts))


def test_doctype_text_after_the_root_element_is_not_a_false_alarm(tmp_path):
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = (
        f'{XML_DECL}<!-- written by hand --><sst xmlns="{MAIN}" count="1" uniqueCount="1">'
        "<!-- <!DOCTYPE is only text here --><si><t>&lt;!DOCTYPE x&gt;</t></si></sst>")
    path = write_zip(tmp_path / "fine.xlsx", parts)
    check_workbook_file(path)
    workbook, _ = open_workbook_safely(path, data_only=True)
    assert workbook["Inputs"]["A1"].value == "<!DOCTYPE x>"


# --- X06, 7.3: zip bombs and hostile archives ----------------------------------------------


def test_forged_declared_size_over_the_limit_is_refused_without_decompressing(
        tmp_path, no_decompression):
    path = write_zip(tmp_path / "zipbomb.xlsx", workbook_parts())
    forge_declared_size(path, "xl/sharedStrings.xml", MAX_PART_BYTES + 1)
    assert path.stat().st_size < 4_000  # small on disk
    with pytest.raises(UnsafeInputError, match="declares 104,857,601 bytes") as info:
        check_workbook_file(path)
    assert str(path) in str(info.value)


def test_real_highly_compressible_huge_part_is_refused(tmp_path, monkeypatch):
    # A genuine 150 MiB part of zeros: about 150 KB on disk, over the per-part limit.
    path = tmp_path / "zeros.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in workbook_parts().items():
            archive.writestr(name, content)
        with archive.open("xl/media/zeros.bin", "w") as member:
            block = bytes(2**20)
            for _ in range(150):
                member.write(block)
    assert path.stat().st_size < 1_000_000
    forbid_decompression(monkeypatch)
    with pytest.raises(UnsafeInputError, match=r"zeros\.bin"):
        check_workbook_file(path)


def test_compression_ratio_over_the_limit_is_refused(tmp_path, no_decompression):
    parts = workbook_parts()
    parts["xl/worksheets/sheet2.xml"] = b" " * (2 * 2**20)  # 2 MiB of spaces, ~1000:1
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        check_workbook_file(write_zip(tmp_path / "ratio.xlsx", parts, level=9))


def test_total_declared_size_over_the_limit_is_refused(tmp_path, monkeypatch, no_decompression):
    monkeypatch.setattr(xlsx_safety, "MAX_TOTAL_BYTES", 1_000)
    with pytest.raises(UnsafeInputError, match="in total"):
        check_workbook_file(write_zip(tmp_path / "total.xlsx", workbook_parts()))


def test_too_many_entries_are_refused(tmp_path, monkeypatch, no_decompression):
    monkeypatch.setattr(xlsx_safety, "MAX_ENTRIES", 5)
    with pytest.raises(UnsafeInputError, match="6 zip entries"):
        check_workbook_file(write_zip(tmp_path / "many.xlsx", workbook_parts()))


@pytest.mark.parametrize("name", ["../evil.xml", "xl/../../evil.xml", "/etc/evil.xml",
                                  "C:/evil.xml", "xl\\evil.xml"])
def test_path_traversal_member_names_are_refused(tmp_path, name, no_decompression):
    parts = workbook_parts()
    parts[name] = "<x/>"
    with pytest.raises(UnsafeInputError, match="unsafe path"):
        check_workbook_file(write_zip(tmp_path / "trav.xlsx", parts))


def test_duplicate_member_names_are_refused(tmp_path):
    path = write_zip(tmp_path / "dup.xlsx", workbook_parts())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("XL/workbook.xml", "<other/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("xl/workbook.xml", "<other/>")
    with pytest.raises(UnsafeInputError, match="appears twice"):
        check_workbook_file(path)


# --- X01-X03: format confusion --------------------------------------------------------------


def _located(info: pytest.ExceptionInfo, path: Path, code: str) -> str:
    issue = info.value.issues[0]
    assert issue.code == code
    assert issue.location == str(path)
    assert issue.fix
    return issue.message


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_ole_compound_file_is_a_password_protected_or_legacy_workbook(tmp_path, suffix):
    path = tmp_path / f"locked{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    message = _located(info, path, "password-protected-or-legacy")
    assert "password-protected or legacy workbook" in message
    assert "xlsx" in info.value.issues[0].fix


def test_truncated_zip_is_corrupt(tmp_path):
    book = openpyxl.Workbook()
    book.save(tmp_path / "whole.xlsx")
    data = (tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    assert "corrupt or not an .xlsx" in _located(info, path, "not-xlsx")


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "the file is empty"),
    (b"option,cost\nA,100\n", "not a zip-based workbook"),
    (b"<html><body>table</body></html>", "not a zip-based workbook"),
])
def test_non_zip_content_is_not_an_xlsx(tmp_path, content, expected):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    assert expected in _located(info, path, "not-xlsx")


def test_zip_without_content_types_is_not_an_xlsx(tmp_path):
    path = write_zip(tmp_path / "plain.xlsx", {"readme.txt": "hello"})
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    assert "[Content_Types].xml" in _located(info, path, "not-xlsx")


@pytest.mark.parametrize("suffix", [".ods", ".xlsb", ".csv", ".zip", ""])
def test_unsupported_formats_get_a_conversion_hint(tmp_path, suffix):
    path = write_zip(tmp_path / f"book{suffix}", workbook_parts())
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    assert ".xlsx, .xlsm" in _located(info, path, "unsupported-format")
    assert "save it as" in info.value.issues[0].fix


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(tmp_path / "nope.xlsx")
    _located(info, tmp_path / "nope.xlsx", "file-not-found")
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(tmp_path)
    _located(info, tmp_path, "not-a-file")


def test_encrypted_zip_entry_is_refused(tmp_path):
    path = write_zip(tmp_path / "enc.xlsx", workbook_parts())
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 8] |= 0x1  # general-purpose flag bit 0: encrypted
    path.write_bytes(bytes(data))
    with pytest.raises(AppraisalValidationError) as info:
        check_workbook_file(path)
    assert "encrypted" in _located(info, path, "password-protected-or-legacy")


def test_unparseable_workbook_xml_becomes_a_located_error(tmp_path):
    parts = workbook_parts()
    parts["xl/workbook.xml"] = "<workbook><sheets><sheet name='x'"
    path = write_zip(tmp_path / "broken.xlsx", parts)
    with pytest.raises(AppraisalValidationError) as info:
        open_workbook_safely(path, data_only=True)
    assert "openpyxl could not read it" in _located(info, path, "unreadable-workbook")


# --- X07, X08: macros, links, connections ---------------------------------------------------


def test_xlsm_with_vba_is_flagged_hashed_and_never_kept(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = 5
    book.save(tmp_path / "plain.xlsx")
    vba = b"\xd0\xcf\x11\xe0 fake VBA project with AutoOpen"
    path = tmp_path / "macro.xlsm"
    path.write_bytes((tmp_path / "plain.xlsx").read_bytes())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", vba)
    report = check_workbook_file(path)
    assert report.has_macros is True
    assert report.vba_sha256 == hashlib.sha256(vba).hexdigest()
    workbook, report = open_workbook_safely(path, data_only=True)
    assert workbook.vba_archive is None  # keep_vba=False: nothing kept, nothing run
    assert workbook.active["A1"].value == 5
    codes = [issue.code for issue in report.issues()]
    assert codes == ["macros-ignored"]
    assert "ignored" in report.issues()[0].message


def test_external_links_and_connections_are_listed(tmp_path):
    parts = workbook_parts()
    parts["xl/externalLinks/externalLink1.xml"] = f'<externalLink xmlns="{MAIN}"/>'
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = f'<Relationships xmlns="{PKG}"/>'
    parts["xl/connections.xml"] = f'<connections xmlns="{MAIN}"/>'
    path = write_zip(tmp_path / "linked.xlsx", parts)
    report = check_workbook_file(path)
    assert report.external_links == ("xl/externalLinks/externalLink1.xml",)
    assert report.has_data_connections is True
    codes = {issue.code for issue in report.issues()}
    assert codes == {"external-links-ignored", "data-connections-ignored"}
    assert all(issue.location == str(path) for issue in report.issues())


# --- L10: defusedxml must be active ---------------------------------------------------------


def test_refuses_when_defusedxml_is_switched_off(monkeypatch, valid):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    monkeypatch.setenv("OPENPYXL_DEFUSEDXML", "False")
    with pytest.raises(UnsafeInputError, match="OPENPYXL_DEFUSEDXML"):
        check_workbook_file(valid)


def test_refuses_when_defusedxml_is_missing(monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    monkeypatch.setitem(sys.modules, "defusedxml", None)
    with pytest.raises(UnsafeInputError, match="pip install defusedxml"):
        ensure_defusedxml()


def test_refuses_when_openpyxl_parses_with_the_stdlib(monkeypatch):
    from xml.etree.ElementTree import iterparse

    from openpyxl.xml import functions

    monkeypatch.setattr(functions, "iterparse", iterparse)
    with pytest.raises(UnsafeInputError, match="switched off"):
        ensure_defusedxml()


def test_environment_variable_really_disables_reading(valid):
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "from appraisal.xlsx_safety import check_workbook_file as c;"
            "from appraisal.errors import UnsafeInputError as U\n"
            "try:\n c(sys.argv[2])\nexcept U as e:\n print('refused:', e); sys.exit(3)")
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "False"}
    done = subprocess.run([sys.executable, "-c", code, str(REPO), str(valid)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3, done.stderr
    assert "OPENPYXL_DEFUSEDXML" in done.stdout


# --- robustness: arbitrary bytes never escape as an unhandled exception ---------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE_REUSE])
@given(content=st.binary(max_size=600))
def test_arbitrary_bytes_give_only_toolkit_errors(tmp_path, content):
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(content)
    with pytest.raises((AppraisalValidationError, UnsafeInputError)):
        open_workbook_safely(path, data_only=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE_REUSE])
@given(data=st.data())
def test_corrupted_workbooks_give_only_toolkit_errors(tmp_path, data):
    source = write_zip(tmp_path / "base.xlsx", workbook_parts(), level=1)
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    path = tmp_path / "mutant.xlsx"
    path.write_bytes(bytes(raw))
    outcome = "opened"
    try:
        open_workbook_safely(path, data_only=True)
    except (AppraisalValidationError, UnsafeInputError) as exc:
        outcome = str(exc)
    assert outcome == "opened" or str(path) in outcome
