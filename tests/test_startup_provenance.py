"""``appraisal._resources.installed_version`` gives what ``importlib.metadata.version`` gives
(issue 14, item 4: read without importing importlib.metadata): for the packages a run's
manifest records, and for made-up installations that exercise the search order, the name
normalisation and the cases left to importlib.metadata."""

from __future__ import annotations

import importlib
import sys
import zipfile
from importlib import metadata

import pytest

from appraisal._resources import installed_version
from appraisal.engine.results import _PACKAGES


def _reference(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@pytest.fixture
def fresh(monkeypatch):
    """Both lookups start afresh (each caches what it found)."""
    installed_version.cache_clear()
    importlib.invalidate_caches()
    yield monkeypatch
    installed_version.cache_clear()
    importlib.invalidate_caches()


@pytest.mark.parametrize("name", [*_PACKAGES, "appraisal", "pyyaml", "Jinja2", "markupsafe",
                                  "typing-extensions", "not-an-installed-distribution"])
def test_the_installed_packages(name):
    assert installed_version(name) == _reference(name)


def _dist(folder, dirname, text=None, filename="METADATA"):
    info = folder / dirname
    info.mkdir(parents=True)
    if text is not None:
        (info / filename).write_text(text, encoding="utf-8")
    return info


def _meta(name, version, extra=""):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\nbody\n"


def test_made_up_installations(tmp_path, fresh):
    one, two = tmp_path / "one", tmp_path / "two"
    _dist(one, "Foo.Bar-1.0.dist-info", _meta("Foo.Bar", "1.0"))
    _dist(two, "foo_bar-2.0.dist-info", _meta("foo_bar", "2.0"))  # later on the path
    _dist(two, "Zed-3.0.dist-info", _meta("Zed", "3.0", "Summary: x\n  folded"))
    _dist(one, "old-0.5.egg-info", "Metadata-Version: 1.0\nVersion: 0.5\n", "PKG-INFO")
    _dist(one, "folded-1.0.dist-info", "Name: folded\nVersion: 1.0\n  .post1\n\n")
    _dist(one, "spaced-1.0.dist-info", "Name: spaced\nVersion:   1.0 \n\n")
    _dist(one, "crlf-1.0.dist-info", "Name: crlf\r\nVersion: 1.0\r\n\r\n")
    _dist(one, "empty-1.0.dist-info", "")
    _dist(one, "novers-1.0.dist-info", "Name: novers\n\nVersion: 9\n")
    _dist(one, "caps-1.0.dist-info", "Name: caps\nVERSION: 1.1\nVersion: 1.2\n\n")
    fresh.setattr(sys, "path", [str(tmp_path / "missing"), str(one), str(two)])
    names = ["foo.bar", "Foo_Bar", "foo-bar", "zed", "ZED", "old", "folded", "spaced", "crlf",
             "caps", "novers", "empty", "nothing"]
    assert [installed_version(n) for n in names] == [_reference(n) for n in names]
    assert installed_version("foo-bar") == "1.0"  # the first on the path
    assert installed_version("zed") == "3.0"


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path, fresh):
    archive = tmp_path / "dists.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-4.0.dist-info/METADATA", _meta("zipped", "4.0"))
    fresh.setattr(sys, "path", [str(archive)])
    assert installed_version("zipped") == _reference("zipped") == "4.0"
