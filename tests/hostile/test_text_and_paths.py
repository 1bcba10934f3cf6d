"""Text that could change on the way, bidi overrides in the report, and odd paths.

Reliability test plan 7.3 (security payloads: "RTL override U+202E" inert in every
output channel; "value unchanged after a double round trip") and 7.2 L01/L02 (a folder
instead of a file: "message names the path"; a symlinked output refused).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from appraisal.errors import AppraisalValidationError, OutputError
from appraisal.outputs.report.render import BIDI_CONTROLS

REPO = Path(__file__).resolve().parents[2]
MINIMAL = (REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8")


def _case_with_option(tmp_path: Path, name: str) -> Path:
    text = MINIMAL.replace("New service", name)
    assert text != MINIMAL
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ['"Line\\rbreak"', '"Windows\\r\\nline"', '"Two\\nlines"',
                                  '"Tab\\tname"'])
def test_control_character_in_a_name_is_refused_at_validation(tmp_path, capsys, name):
    """A CR would come back as LF from the workbook; an LF or tab breaks one-line labels."""
    from appraisal.cli.commands import main

    case = _case_with_option(tmp_path, name)
    assert main(["validate", str(case)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"case\.yaml:\d+:\d+: error \[control-character\] options\[1\]\.name: "
                     r"'name' contains the control character U\+000[9AD]", err), err
    assert main(["run", str(case), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


def test_carriage_return_in_a_description_is_refused(tmp_path, capsys):
    from appraisal.cli.commands import main

    text = MINIMAL.replace("  - name: New service",
                           '  - name: New service\n    description: "a\\r\\nb"')
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    assert main(["validate", str(case)]) == 1
    assert "[carriage-return] options[1].description" in capsys.readouterr().err


def test_line_feed_in_a_description_survives_json_and_workbook(tmp_path):
    """Text that is kept is kept exactly: the case and its results workbook agree."""
    from appraisal.cli.commands import main
    from appraisal.inputs.load import load_case

    text = MINIMAL.replace("  - name: New service",
                           '  - name: New service\n    description: "Two\\nlines"')
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    assert main(["run", str(case), "--out", str(tmp_path / "out")]) == 0
    assert [o.description for o in load_case(case).options
            if o.name == "New service"] == ["Two\nlines"]
    again = load_case(tmp_path / "out" / "results.xlsx")
    assert [o.description for o in again.options if o.name == "New service"] == ["Two\nlines"]


def _outside_isolates(text: str) -> list[str]:
    """Bidi controls not enclosed in an FSI ... PDI pair."""
    return BIDI_CONTROLS.findall(re.sub("\u2068[^\u2068\u2069]*\u2069", "", text))


def test_rtl_override_in_user_text_is_isolated_in_the_report(tmp_path):
    from html.parser import HTMLParser

    from appraisal.cli.commands import main

    case = _case_with_option(tmp_path, '"Evil \\u202Eoption"')
    assert main(["run", str(case), "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("\u202e") >= 5  # shown in text, tables, charts; kept exactly
    assert "\u2068Evil \u202eoption\u2069" in page

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.leaks: list[str] = []

        def handle_starttag(self, tag, attrs):
            for _, value in attrs:
                if value and _outside_isolates(value):
                    self.leaks.append(value)

        def handle_data(self, data):
            if _outside_isolates(data):
                self.leaks.append(data)

    parser = Texts()
    parser.feed(page)
    assert parser.leaks == []


def test_report_without_bidi_text_is_unchanged():
    from appraisal.outputs.report.render import isolate_bidi

    page = "<p>Plain option</p>"
    assert isolate_bidi(page, {"name": "Plain option"}) is page


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "what"), [
    (lambda d: d, "is a folder"),
    (lambda d: (os.mkfifo(d / "pipe"), d / "pipe")[1], "is a named pipe (FIFO)"),
    (lambda d: Path("/dev/null"), "is a character device"),
])
def test_case_path_that_is_not_a_file_says_what_it_is(tmp_path, capsys, make, what):
    from appraisal.cli.commands import main

    path = make(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{path!s}: 1 problem" in err  # never an empty name
    assert what in err
    assert "[not-a-file]" in err
    assert not (tmp_path / "out").exists()


def test_current_folder_as_case_names_it(tmp_path, capsys, monkeypatch):
    from appraisal.cli.commands import main

    monkeypatch.chdir(tmp_path)
    assert main(["validate", "."]) == 1
    err = capsys.readouterr().err
    assert err.startswith(".: 1 problem")
    assert "'.' is a folder" in err


def test_out_given_as_a_symlink_to_a_folder_is_refused(tmp_path, capsys):
    from appraisal.cli.commands import main
    from appraisal.outputs.atomic import atomic_output_dir

    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(OutputError, match="symbolic link"), atomic_output_dir(link):
        pass
    case = REPO / "data" / "examples" / "minimal.yaml"
    assert main(["run", str(case), "--out", str(link)]) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert list(real.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_missing_case_still_says_no_such_file(tmp_path):
    from appraisal.inputs.load import load_case

    with pytest.raises(AppraisalValidationError, match="no such file"):
        load_case(tmp_path / "nope.yaml")
