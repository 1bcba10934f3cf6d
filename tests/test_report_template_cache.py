"""Compiled report templates kept between runs (issue 14, fast start).

The page rendered from cached template code equals the page from a fresh compile; a
changed template or environment setting is compiled again; a cache that cannot be used
never fails a render.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jinja2
import pytest

from appraisal.outputs.report import render_report
from appraisal.outputs.report.render import build_environment
from appraisal.outputs.report.template_cache import (
    TemplateBytecodeCache,
    environment_fingerprint,
    template_cache,
)

EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"


@pytest.fixture
def context() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def fresh_environments():
    """Every test starts and ends with no environment built (the cache folder is read
    when the environment is built)."""
    build_environment.cache_clear()
    yield
    build_environment.cache_clear()


def _render(context: dict, monkeypatch: pytest.MonkeyPatch, cache: str) -> str:
    monkeypatch.setenv("APPRAISAL_CACHE_DIR", cache)
    build_environment.cache_clear()
    return render_report(context)


def test_a_page_from_cached_templates_equals_a_fresh_compile(
        context, tmp_path, monkeypatch, fresh_environments):
    fresh = _render(context, monkeypatch, "")  # no cache: compiled from source
    assert build_environment().bytecode_cache is None
    cold = _render(context, monkeypatch, str(tmp_path))  # compiled, then stored
    entries = sorted((tmp_path / "jinja2").iterdir())
    assert len(entries) >= 2  # the page and its partials
    build_environment.cache_clear()
    env = build_environment()

    def no_compile(*args, **kwargs):
        raise AssertionError("a cached template was compiled again")

    monkeypatch.setattr(env, "compile", no_compile)
    warm = render_report(context)  # every template from the cache
    assert fresh == cold == warm
    assert sorted((tmp_path / "jinja2").iterdir()) == entries


def test_a_changed_template_is_compiled_again(tmp_path):
    sources = {"page": "{{ 1 + 1 }}"}
    env = jinja2.Environment(loader=jinja2.DictLoader(sources))
    env.bytecode_cache = TemplateBytecodeCache(tmp_path, environment_fingerprint(env))
    assert env.get_template("page").render() == "2"
    sources["page"] = "{{ 2 + 2 }}"
    again = jinja2.Environment(loader=jinja2.DictLoader(sources))
    again.bytecode_cache = TemplateBytecodeCache(tmp_path, environment_fingerprint(again))
    assert again.get_template("page").render() == "4"


def test_every_setting_the_compiler_reads_changes_the_fingerprint():
    def plain(value):
        return value

    @jinja2.pass_context
    def with_context(context, value):
        return value

    base = jinja2.Environment()
    base.filters["f"] = plain
    fingerprints = {environment_fingerprint(base)}
    for env in (jinja2.Environment(autoescape=True), jinja2.Environment(trim_blocks=True),
                jinja2.Environment(lstrip_blocks=True),
                jinja2.Environment(keep_trailing_newline=True),
                jinja2.Environment(variable_start_string="[["),
                jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]),
                jinja2.sandbox.ImmutableSandboxedEnvironment()):
        env.filters["f"] = plain
        fingerprints.add(environment_fingerprint(env))
    other = jinja2.Environment()
    other.filters["f"] = with_context  # the compiler passes the context to it
    fingerprints.add(environment_fingerprint(other))
    assert len(fingerprints) == 9


def test_damaged_entries_are_compiled_again(context, tmp_path, monkeypatch, fresh_environments):
    first = _render(context, monkeypatch, str(tmp_path))
    for entry in (tmp_path / "jinja2").iterdir():
        entry.write_bytes(entry.read_bytes()[:40])  # cut short after the header
    assert _render(context, monkeypatch, str(tmp_path)) == first


def test_a_cache_folder_that_cannot_be_made_is_skipped(
        context, tmp_path, monkeypatch, fresh_environments):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    page = _render(context, monkeypatch, str(blocker))
    assert build_environment().bytecode_cache is None
    assert page == _render(context, monkeypatch, "")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch):
    folder = tmp_path / "jinja2"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv("APPRAISAL_CACHE_DIR", str(tmp_path))
    assert template_cache(jinja2.Environment()) is None
    folder.chmod(0o700)
    assert template_cache(jinja2.Environment()) is not None
    assert not stat.S_IMODE(folder.stat().st_mode) & 0o077


def test_no_home_folder_means_no_cache(monkeypatch):
    monkeypatch.delenv("APPRAISAL_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("LOCALAPPDATA", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert template_cache(jinja2.Environment()) is None
