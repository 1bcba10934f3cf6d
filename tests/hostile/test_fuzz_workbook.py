"""Fuzz: a mutated example workbook fails ``validate`` and ``run`` alike, or passes both.

The minimal example is converted to the input workbook, then Hypothesis writes hostile
values into one to three input cells (Case values, Options, Lines and Profiles rows):
formulas, formula-like text, control characters, huge and tiny numbers, booleans, dates
as numbers, look-alike names, empty cells. ``validate`` must answer 0 or 1 without a
traceback; when it says valid, ``run`` must write every output; when it refuses, ``run``
refuses too and writes nothing; the workbook's bytes never change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

# (sheet, first row, last row, first column, last column) of the cells users type into
REGIONS = [("Case", 3, 17, 2, 2), ("Options", 3, 5, 1, 3), ("Lines", 3, 5, 1, 12),
           ("Profiles", 3, 5, 1, 21)]

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 2025, 2300, 2301, 1e15, 1e16, 1e308, -1, 0.5, "yes", "no", "TRUE",
                     "New service", "new service ", "Business as usual", "cost", "benefit",
                     "explicit", "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@A1",
                     "#REF!", "#N/A", "Cafe\u0301", "a" * 300, "\u202eevil", "line\nbreak",
                     "tab\there", "2025", "1e3", ""]),
    st.text(max_size=20),
)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    from appraisal import example_path
    from appraisal.outputs.convert import convert_case

    return convert_case(example_path("minimal"), tmp_path_factory.mktemp("wb") / "m.xlsx")


@st.composite
def edits(draw) -> list[tuple[str, int, int, object]]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        sheet, r0, r1, c0, c1 = draw(st.sampled_from(REGIONS))
        out.append((sheet, draw(st.integers(r0, r1)), draw(st.integers(c0, c1)),
                    draw(hostile)))
    return out


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=edits())
def test_a_mutated_workbook_is_refused_cleanly_or_runs(tmp_path_factory, capsys, book,
                                                       changes):
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    from appraisal.cli.commands import main

    folder = tmp_path_factory.mktemp("fuzzwb")
    wb = openpyxl.load_workbook(book)
    for sheet, row, col, value in changes:
        try:
            wb[sheet].cell(row, col).value = value
        except (IllegalCharacterError, ValueError):
            continue  # openpyxl itself refuses to write it: not a workbook a user can have
    case = folder / "case.xlsx"
    try:
        wb.save(case)
    except AttributeError:  # openpyxl cannot write some values (e.g. a 19-digit integer)
        reject()
    before = hashlib.sha256(case.read_bytes()).hexdigest()

    checked = main(["validate", str(case)])
    said = capsys.readouterr()
    assert checked in (0, 1)
    assert "Traceback" not in said.out + said.err
    out = folder / "out"
    ran = main(["run", str(case), "--out", str(out)])
    done = capsys.readouterr()
    assert "Traceback" not in done.out + done.err
    assert ran == checked, (said.err, done.err)
    if ran == 0:
        assert {"results.json", "report.html", "results.xlsx"} <= {p.name for p in out.iterdir()}
    else:
        assert not out.exists()
        assert sorted(p.name for p in folder.iterdir()) == ["case.xlsx"]
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before
