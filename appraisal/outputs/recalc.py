"""Recalculate a workbook with LibreOffice, headless, to check its live formulas.

The tests use this to prove that the formulas the toolkit exports compute the
same numbers as the engine: :func:`recalculate` opens the workbook in
LibreOffice Calc (``soffice --headless --convert-to xlsx``) with a fresh,
throw-away user profile whose registry says "always recalculate on load"
(``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` = 0;
LibreOffice's default, 1, keeps the cached values a file carries), and saves a
converted copy whose cached values are LibreOffice's own results.
:func:`read_values` then reads them with openpyxl (``data_only=True``).

The input is copied into a private folder first, so LibreOffice's lock files
never appear next to it; the process group is killed if it runs past the time
limit. :func:`soffice_or_skip` is the pytest helper: under ``CI=true`` a
missing LibreOffice fails the test, elsewhere it skips with a clear message.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

from appraisal.errors import AppraisalValidationError, Issue, OutputError
from appraisal.outputs.atomic import PathLike, atomic_write_bytes

__all__ = [
    "SOFFICE_TIMEOUT_S",
    "find_soffice",
    "read_values",
    "recalculate",
    "soffice_or_skip",
]

#: Longest a single LibreOffice conversion may run before it is killed, in seconds.
SOFFICE_TIMEOUT_S = 120.0

_RECALC_MODES = {"always": 0, "never": 1}
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """Path of the LibreOffice ``soffice`` executable on ``PATH``, or None.

    Examples
    --------
    >>> find_soffice() is None or find_soffice().endswith(("soffice", "libreoffice"))
    True
    """
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_or_skip() -> str:
    """Return the ``soffice`` path for a test; fail under ``CI=true`` if missing, else skip."""
    import pytest

    found = find_soffice()
    if found is None:
        msg = ("LibreOffice (soffice) is not installed, so exported formulas cannot be "
               "recalculated; install the Debian package libreoffice-calc-nogui (.ci/run does)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return found


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the conversion and the soffice.bin it started (same new session)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()


def recalculate(
    xlsx_path: PathLike,
    out_dir: PathLike,
    *,
    timeout: float = SOFFICE_TIMEOUT_S,
    recalc: Literal["always", "never"] = "always",
    soffice: str | None = None,
    force: bool = False,
) -> Path:
    """Open *xlsx_path* in headless LibreOffice, recalculate every formula, save a copy.

    Parameters
    ----------
    xlsx_path : str or os.PathLike
        The workbook to recalculate; it is never modified.
    out_dir : str or os.PathLike
        Existing folder for the result, named like the input.
    timeout : float, default :data:`SOFFICE_TIMEOUT_S`
        Seconds before LibreOffice is killed.
    recalc : {"always", "never"}, default "always"
        The profile's load-time recalculation mode. ``"never"`` keeps the
        file's cached values; it exists so tests can prove the harness really
        recalculates.
    soffice : str, optional
        The executable; found on ``PATH`` by default.
    force : bool, default False
        Replace an existing result file.

    Returns
    -------
    pathlib.Path
        The recalculated workbook, ``out_dir / xlsx_path.name``.

    Raises
    ------
    AppraisalValidationError
        If *xlsx_path* does not exist.
    OutputError
        If LibreOffice is missing, fails, times out, or the result would
        overwrite the input or an existing file.
    """
    source, folder = Path(xlsx_path), Path(out_dir)
    if not source.is_file():
        raise AppraisalValidationError(
            [Issue("file-not-found", "the workbook to recalculate does not exist", str(source))],
            source=str(source))
    if recalc not in _RECALC_MODES:
        msg = f"recalc must be 'always' or 'never' (got {recalc!r})"
        raise AppraisalValidationError([Issue("bad-argument", msg, field="recalc")])
    exe = soffice or find_soffice()
    if exe is None:
        msg = "LibreOffice (soffice) was not found on PATH; install libreoffice-calc-nogui"
        raise OutputError(msg)
    with tempfile.TemporaryDirectory(prefix="appraisal-recalc-") as scratch:
        work = Path(scratch)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _PROFILE.format(mode=_RECALC_MODES[recalc]), encoding="utf-8")
        (work / "in").mkdir()
        copy = work / "in" / source.name
        shutil.copyfile(source, copy)
        converted = work / "out"
        command = [exe, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                   "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
                   "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(converted),
                   str(copy)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            msg = (f"LibreOffice did not finish recalculating {str(source)!r} within "
                   f"{timeout:g} s and was stopped")
            raise OutputError(msg) from None
        except BaseException:
            _kill_group(process)
            raise
        result = converted / (source.stem + ".xlsx")
        if process.returncode != 0 or not result.is_file():
            tail = (err or out).decode("utf-8", "replace").strip()[-500:]
            msg = (f"LibreOffice could not recalculate {str(source)!r} (exit code "
                   f"{process.returncode}): {tail or 'no output file was produced'}")
            raise OutputError(msg)
        return atomic_write_bytes(folder / (source.stem + ".xlsx"), result.read_bytes(),
                                  force=force, protect=[source])


def read_values(xlsx_path: PathLike) -> dict[str, dict[str, Any]]:
    """Every non-empty cell's value (cached results for formulas), by sheet and coordinate.

    The file is opened through :func:`appraisal.xlsx_safety.open_workbook_safely`.

    Examples
    --------
    >>> import os, tempfile, openpyxl
    >>> path = os.path.join(tempfile.mkdtemp(), "v.xlsx")
    >>> book = openpyxl.Workbook()
    >>> book.active["B2"] = 7
    >>> book.save(path)
    >>> read_values(path)
    {'Sheet': {'B2': 7}}
    """
    from appraisal.xlsx_safety import open_workbook_safely

    workbook, _ = open_workbook_safely(xlsx_path, data_only=True)
    return {
        sheet.title: {cell.coordinate: cell.value
                      for row in sheet.iter_rows() for cell in row if cell.value is not None}
        for sheet in workbook.worksheets
    }
