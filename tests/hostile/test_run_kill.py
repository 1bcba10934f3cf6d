"""``appraisal run`` on a large workbook, killed with SIGKILL at random moments.

Issue 13 ("What it must show"): after each kill the output folder is absent, the
previous complete run or the new complete run, never a mix, and any staging folder
the kill left is removed by the next run. Reliability test plan, 7.5 F01 (interrupted
write), applied to the whole command rather than to :func:`atomic_output_dir` alone
(``test_commit_kill.py`` kills that in isolation, at every rename).

The workbook is written with the template writer: 400 lines over 60 years (24,000
line-years), so one run takes a few seconds. Two copies differ only in their title, so
every folder can be told apart: the run of workbook A or of workbook B. Each run is of
the workbook the folder does not hold, killed after a seeded, stratified random delay:
every other one spread over the whole run (reading, appraising, writing), the rest over
its own writing stage (timed from the moment that run's staging folder appears, so a
loaded machine does not push every kill before the commit), where a kill can do harm.
If no kill landed after a commit, further runs are killed later and later in their
writing stage until one does (at most ten), so the test reaches both sides of the commit
by construction rather than by luck (with one measured delay and uniform draws, all 20
kills once fell before the commit on a loaded CI machine).
A complete run is recognised by its ``manifest.json``: the folder holds exactly the
files it lists, each with the listed size and SHA-256, ``manifest.json`` itself beside
them, and ``results.json`` names the workbook that was run. The test costs about 45 s
of CPU (one timed run, 20 killed, one final), so under 90 s on an idle 2-core machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

LINES, YEARS = 400, 60
KILLS = 20
TITLES = {"A": "Kill test workbook A", "B": "Kill test workbook B"}


def _workbook(path: Path, title: str) -> Path:
    from bench_excel import synthetic_case

    import appraisal
    from appraisal.outputs.excel_template import write_template

    records = appraisal.case_to_records(synthetic_case(LINES, YEARS))
    records["title"] = title
    return write_template(path, appraisal.case_from_records(**records))


def _run(book: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.Popen(
        [sys.executable, "-m", "appraisal", "run", str(book), "--out", str(out), "--force"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _staging(parent: Path, out: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != out.name)


def _state(out: Path) -> str | None:
    """``None`` if *out* is absent; else the title of the one complete run it holds.

    Fails if the folder is not exactly what its manifest lists (a file missing, added,
    shorter or changed), or if there is no manifest: a mix or a partial run.
    """
    if not os.path.lexists(out):
        return None
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["name"]: f for f in manifest["files"]}
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert present == {*listed, "manifest.json"}, sorted(present ^ {*listed, "manifest.json"})
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert len(data) == entry["bytes"], name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    assert {"results.json", "results.xlsx", "report.html", "options.csv"} <= set(listed)
    return json.loads((out / "results.json").read_text(encoding="utf-8"))["title"]


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_absent_previous_or_new_run(tmp_path):
    books = {key: _workbook(tmp_path / f"case-{key}.xlsx", title)
             for key, title in TITLES.items()}
    digests = {key: hashlib.sha256(book.read_bytes()).hexdigest()
               for key, book in books.items()}
    parent = tmp_path / "runs"
    parent.mkdir()
    out = parent / "out"

    # one complete run, timed: how long it takes, and when its staging folder appears
    start = time.monotonic()
    process = _run(books["A"], out)
    staged_at = None
    while process.poll() is None:
        if staged_at is None and _staging(parent, out):
            staged_at = time.monotonic() - start
        time.sleep(0.005)
    duration = time.monotonic() - start
    _, err = process.communicate()
    assert process.returncode == 0, err.decode()
    assert _state(out) == TITLES["A"]
    assert staged_at is not None, "the staging folder was never seen"
    shutil.rmtree(out)  # start the kills from an absent folder

    writing = duration - staged_at  # how long the timed run took from staging to exit
    rng = random.Random(20261207)
    seen: dict[str, int] = {"absent": 0, "previous": 0, "new": 0}
    left_by_kills = 0
    previous = None

    def kill(trial: int, key: str, before_staging: float | None, after_staging: float | None):
        """Run *key*; kill it *before_staging* s after its start, or else *after_staging* s
        after its staging folder appears (or let it finish if it exits first)."""
        nonlocal previous, left_by_kills
        leftovers_before = _staging(parent, out)
        process = _run(books[key], out)
        if before_staging is not None:
            time.sleep(before_staging)
        else:  # anchored to this run's own writing stage, whatever the machine's load
            while process.poll() is None and _staging(parent, out) == leftovers_before:
                time.sleep(0.002)
            time.sleep(after_staging)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)  # reaps it and closes its pipe
        state = _state(out)
        assert state in (previous, TITLES[key]), (trial, before_staging, after_staging, state)
        seen["absent" if state is None else "previous" if state == previous else "new"] += 1
        leftovers = _staging(parent, out)
        left_by_kills += len(set(leftovers) - set(leftovers_before))
        for name in leftovers:
            assert name.startswith(".out.appraisal-"), name
        if state == TITLES[key] and previous != TITLES[key]:
            # this run committed: it removed every staging folder earlier kills left
            assert not set(leftovers_before) & set(leftovers), (trial, leftovers)
        previous = state

    def other() -> str:
        """The workbook the folder does not hold, so "previous" and "new" differ."""
        return {TITLES["A"]: "B", TITLES["B"]: "A"}.get(previous, rng.choice("AB"))

    half = KILLS // 2
    for trial in range(KILLS):
        stratum = (trial // 2 + rng.random()) / half  # stratified: spread evenly over (0, 1)
        if trial % 2:  # anywhere in the run: reading, appraising, writing
            kill(trial, other(), stratum * duration * 1.1, None)
        else:  # the writing stage, where a kill could mix two runs, and a little past it
            kill(trial, other(), None, stratum * writing * 1.25)
    # The strata past 1.0 should reach beyond the commit; on a slow moment they may
    # not, so kill later and later in the writing stage until one run commits.
    extra = 0
    while not seen["new"] and extra < 10:
        extra += 1
        kill(KILLS + extra, other(), None, writing * (1.25 + 0.5 * extra))

    # the next run removes every staging folder the kills left, and completes
    process = _run(books["B"], out)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert _state(out) == TITLES["B"]
    assert _staging(parent, out) == []
    assert {key: hashlib.sha256(book.read_bytes()).hexdigest()
            for key, book in books.items()} == digests  # the inputs are untouched
    # the kills reached both sides of the commit and at least one left a staging folder
    assert seen["new"] >= 1, seen
    assert seen["absent"] + seen["previous"] >= 1, seen
    assert left_by_kills >= 1, seen
