"""Fuzz: a mutated example either fails ``validate`` and ``run`` alike, or passes both.

Issue 13 ("What it must show"): ``validate`` exit 0 implies ``run`` exit 0 with every
output written; a case ``validate`` refuses is refused by ``run`` too, with no traceback,
nothing written and the input's bytes unchanged. Hypothesis replaces one value of
``data/examples/minimal.yaml`` (a text, a number, a year, a list, a mapping) with a
hostile one: control characters, long or look-alike names, huge or tiny numbers, odd
types; or adds a top-level key or an uncertainty section with drawn sizes.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8"))


def _paths(data: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


PATHS = _paths(BASE)

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["New service", "new service", "New service ", "Cafe\u0301", "Caf\u00e9",
                     "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                     "Business as usual", "a" * 300, "\u202eevil", "\x00", "\x1b[31m"]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, -1, 1e15, 1e15 + 1, 1e308, 5e-324, 1799, 1900, 2300, 2301, 10**12]),
)
values = st.one_of(texts, numbers, st.booleans(), st.none(),
                   st.lists(st.one_of(texts, numbers), max_size=3),
                   st.dictionaries(st.one_of(texts, st.integers(2000, 2400)),
                                   st.one_of(texts, numbers), max_size=3))


@st.composite
def mutated(draw) -> dict:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the place
    if draw(st.booleans()):
        data["uncertainty"] = {
            "draws": draw(st.sampled_from([1, 100, 10**6, 10**6 + 1, 10**12])),
            "seed": draw(st.sampled_from([0, 7, 2**64 - 1, 2**64])),
            "inputs": [{"name": "cost", "target": {"kind": "cost"}, "field": "scale",
                        "distribution": {"dist": "uniform", "low": 0.9, "high": 1.2}}]}
        if draw(st.booleans()):
            data["uncertainty"]["sobol"] = {"base_samples": draw(st.sampled_from(
                [2, 3, 2**17, 2**18, 2**40]))}
    return data


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=mutated())
def test_validate_zero_means_run_zero_and_a_refusal_is_clean(tmp_path_factory, capsys, data):
    from appraisal.cli.commands import main

    folder = tmp_path_factory.mktemp("fuzz")
    case = folder / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    before = hashlib.sha256(case.read_bytes()).hexdigest()
    checked = main(["validate", str(case)])
    said = capsys.readouterr()
    assert checked in (0, 1)
    assert "Traceback" not in said.out + said.err
    out = folder / "out"
    small = not (checked == 0 and isinstance(data.get("uncertainty"), dict)
                 and (data["uncertainty"].get("draws", 0) > 20_000
                      or "sobol" in data["uncertainty"]))
    if not small:
        return  # valid, but a long Monte Carlo or Sobol run: covered by the sized probes
    ran = main(["run", str(case), "--out", str(out)])
    done = capsys.readouterr()
    assert "Traceback" not in done.out + done.err
    assert ran == checked, (said.err, done.err)
    if ran == 0:
        assert {"results.json", "report.html", "results.xlsx"} <= set(_listing(out))
    else:
        assert not out.exists()
        assert _listing(folder) == ["case.yaml"]
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before
