"""Packaging: the bundled data/ and templates/ are found from the editable install and from
an installed wheel, run from a folder outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from pathlib import Path
import appraisal
from appraisal._resources import data_dir, templates_dir
case = appraisal.load_case(appraisal.example_path("minimal"))
result = appraisal.evaluate(case)
print(json.dumps({
    "package": str(Path(appraisal.__file__).resolve().parent),
    "data": str(data_dir().resolve()),
    "templates": str(templates_dir().resolve()),
    "template_files": sorted(p.name for p in templates_dir().iterdir()),
    "schedules": (data_dir() / "green_book" / "discount_schedules.csv").is_file(),
    "preferred": result.preferred_option,
    "npsv": result.option("New service").npsv,
}))
"""


def _probe(cwd: Path, pythonpath: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_resources_are_found_from_the_editable_install(tmp_path):
    found = _probe(cwd=tmp_path)
    assert Path(found["package"]) == (REPO / "appraisal").resolve()
    assert Path(found["data"]) == (REPO / "data").resolve()
    assert Path(found["templates"]) == (REPO / "templates").resolve()
    assert found["schedules"]
    assert found["template_files"]
    assert found["preferred"] == "Business as usual"


@pytest.mark.slow
def test_resources_are_found_from_an_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(REPO)],
        capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("appraisal-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "appraisal/_data/green_book/discount_schedules.csv" in names
    assert "appraisal/_data/examples/minimal.yaml" in names
    assert any(n.startswith("appraisal/_templates/") for n in names)
    assert not any(n.startswith(("tests/", "appraisal/tests/")) for n in names)

    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
         str(target), str(wheel)],
        capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = _probe(cwd=elsewhere, pythonpath=target)
    installed = (target / "appraisal").resolve()
    assert Path(found["package"]) == installed  # not the checkout
    assert Path(found["data"]) == installed / "_data"
    assert Path(found["templates"]) == installed / "_templates"
    assert found["schedules"]
    assert found["template_files"]
    assert found["preferred"] == "Business as usual"
    assert found["npsv"] == pytest.approx(-23.744947, abs=1e-6)
