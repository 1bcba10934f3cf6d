"""The README's commands work as written: the Quickstart says how to run the installed
command, every ``appraisal`` command line (in README.md and docs/*.md) parses, those on the
shipped examples run (with their outputs redirected outside the repository), and the
economists' Python section runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from appraisal.cli.commands import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [block for text in (TEXT, *DOCS)
          for block in re.findall(r"```(?:sh|console)\n(.*?)```", text, re.S)]
COMMANDS = [line.removeprefix("$ ").split("  #")[0].strip()
            for block in BLOCKS for line in block.splitlines()
            if line.removeprefix("$ ").startswith("appraisal ")]


def _section(title: str) -> str:
    return TEXT.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_quickstart_says_how_to_run_the_installed_command():
    quickstart = _section("Quickstart")
    assert ". .venv/bin/activate" in quickstart
    assert ".venv/bin/appraisal" in quickstart


def test_the_readme_has_commands():
    assert any(c.startswith("appraisal run data/examples/") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_parses(command):
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert args.command == shlex.split(command)[1]


@pytest.mark.parametrize("command", [c for c in COMMANDS if " data/examples/" in c])
def test_commands_on_the_shipped_examples_run_outside_the_repository(command, tmp_path,
                                                                     monkeypatch, capsys):
    argv = shlex.split(command)[1:]
    if "--out" in argv:
        out = argv[argv.index("--out") + 1]
        assert out.startswith(("~", "/")), f"{command!r} writes into the repository"
        argv[argv.index("--out") + 1] = str(tmp_path / "out")
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    if "--out" in argv:
        assert (tmp_path / "out" / "results.json").is_file()
    assert capsys.readouterr().out


def test_the_python_section_runs(monkeypatch):
    section = _section("For economists: Python and notebooks")
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md (Python)", "exec"), namespace)
    assert "uncertainty" not in namespace["result"].lenses
    assert "uncertainty" in namespace["full"].lenses
