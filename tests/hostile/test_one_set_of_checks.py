"""``validate`` exit 0 means ``run`` cannot refuse the input (issue 13, item 1).

Each probe below was, before this change, accepted by ``appraisal validate`` and then
refused by ``run`` from a later layer (the Excel writer at ``Options!A4`` of a sheet the
user never wrote, or the report-context schema), accepted silently (names a reader
cannot tell apart, an explicit ``!!str`` tag the README says is refused), or raised a
traceback (nesting thousands deep, a trillion draws). Now ``validate`` and ``run`` refuse
each one with the same error at the user's own ``file:line:column``, naming the limit;
the limits live in :mod:`appraisal.limits`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appraisal.limits import (
    MAX_AMOUNT,
    MAX_DRAWS,
    MAX_MORRIS,
    MAX_NAME_CHARS,
    MAX_NESTING,
    MAX_SOBOL,
    MAX_TEXT_CHARS,
    MAX_WORKERS,
    MAX_YEAR,
)

REPO = Path(__file__).resolve().parents[2]
MINIMAL = (REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8")
UNCERTAINTY = """\
uncertainty:
  draws: 200
  seed: 7
  inputs:
    - name: cost
      target: {kind: cost}
      field: scale
      distribution: {dist: uniform, low: 0.9, high: 1.2}
"""


def _sub(old: str, new: str, count: int = 1):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)
    return edit


def _append(extra: str):
    return lambda text: text + extra


# (id, edit of minimal.yaml, rule code, field, line of the located error)
PROBES = [
    ("horizon-past-2300", _sub("horizon_years: 10", "horizon_years: 400"), "out-of-range",
     "horizon_years", 4),
    ("horizon-one-past-2300", _sub("horizon_years: 10", f"horizon_years: {MAX_YEAR - 2025 + 2}"),
     "out-of-range", "horizon_years", 4),
    ("base-year-past-2300", _sub("base_year: 2025", "base_year: 2301"), "out-of-range",
     "base_year", 3),
    ("price-year-past-2300", _sub("base_year: 2025", "base_year: 2025\nprice_year: 2400"),
     "out-of-range", "price_year", 4),
    ("line-price-year-past-2300", _sub("kind: cost", "kind: cost\n    price_year: 2999"),
     "out-of-range", r"lines\[0\]\.price_year", 13),
    ("amount-1e308", _sub("2025: 100", "2025: 1.0e+308"), "number-too-large",
     r"lines\[0\]\.values\[2025\]", 13),
    ("amount-2e16", _sub("2026: 50", "2026: 2.0e+16"), "number-too-large",
     r"lines\[0\]\.values\[2026\]", 13),
    ("amount-just-over", _sub("2025: 100", f"2025: {int(MAX_AMOUNT) + 1}"), "number-too-large",
     r"lines\[0\]\.values\[2025\]", 13),
    ("scale-1e20", _sub("kind: cost", "kind: cost\n    scale: 1.0e+20"), "number-too-large",
     r"lines\[0\]\.scale", 13),
    ("nul-in-description", _sub("  - name: New service",
                                '  - name: New service\n    description: "a\\0b"'),
     "illegal-character", r"options\[1\]\.description", 9),
    ("bell-in-title", _sub("title: Minimal two-option case",
                           'title: "\\aMinimal two-option case"'), "illegal-character",
     "title", 2),
    ("escape-in-line-name", _sub("name: Avoided costs", 'name: "Avoided\\e costs"'),
     "control-character", r"lines\[1\]\.name", 15),
    ("vertical-tab-in-source", _sub("kind: benefit", 'kind: benefit\n    source: "a\\vb"'),
     "illegal-character", r"lines\[1\]\.source", 17),
    ("name-40000", _sub("New service", "N" * 40_000, 1), "text-too-long",
     r"options\[1\]\.name", 8),
    ("name-just-over", _sub("  - name: New service", "  - name: New service\n  - name: "
                            + "n" * (MAX_NAME_CHARS + 1)), "text-too-long",
     r"options\[2\]\.name", 9),
    ("title-40000", _sub("Minimal two-option case", "T" * 40_000), "text-too-long", "title", 2),
    ("description-over", _sub("  - name: New service", "  - name: New service\n    "
                              "description: " + "d" * (MAX_TEXT_CHARS + 1)), "text-too-long",
     r"options\[1\]\.description", 9),
    ("line-name-300", _sub("name: Avoided costs", "name: " + "a" * 300), "text-too-long",
     r"lines\[1\]\.name", 15),
    ("options-differ-by-case", _sub("  - name: New service",
                                    "  - name: New service\n  - name: new SERVICE"),
     "duplicate-name", r"options\[2\]\.name", 9),
    ("options-differ-by-trailing-space", _sub("  - name: New service",
                                              "  - name: New service\n  - name: 'New service '"),
     "duplicate-name", r"options\[2\]\.name", 9),
    ("options-differ-by-leading-space", _sub("  - name: New service",
                                             "  - name: New service\n  - name: ' New service'"),
     "duplicate-name", r"options\[2\]\.name", 9),
    ("options-differ-by-nfc", lambda t: t.replace("New service", "Caf\u00e9").replace(
        "  - name: Caf\u00e9", "  - name: Caf\u00e9\n  - name: Cafe\u0301"),
     "duplicate-name", r"options\[2\]\.name", 9),
    ("options-differ-by-case-and-nfc", lambda t: t.replace("New service", "\u00c9cole").replace(
        "  - name: \u00c9cole", "  - name: \u00c9cole\n  - name: e\u0301cole"),
     "duplicate-name", r"options\[2\]\.name", 9),
    ("lines-differ-by-case", _sub("name: Avoided costs", "name: SET-UP AND RUNNING COSTS"),
     "duplicate-name", r"lines\[1\]\.name", 15),
    ("lines-differ-by-space", _sub("name: Avoided costs", "name: 'Set-up and running costs  '"),
     "duplicate-name", r"lines\[1\]\.name", 15),
    ("explicit-str-tag", _sub("title: Minimal two-option case",
                              "title: !!str Minimal two-option case"), "yaml-tag", "title", 2),
    ("explicit-int-tag", _sub("horizon_years: 10", "horizon_years: !!int 10"), "yaml-tag",
     "horizon_years", 4),
    ("non-specific-tag", _sub("horizon_years: 10", "horizon_years: ! 10"), "yaml-tag",
     "horizon_years", 4),
    ("explicit-float-tag", _sub("2025: 100", "2025: !!float 100"), "yaml-tag",
     r"lines\[0\]\.values\[2025\]", 13),
    ("explicit-seq-tag", _sub("options:\n", "options: !!seq\n"), "yaml-tag", "options", 5),
    ("explicit-map-tag-flow", _sub("values: {2025: 100", "values: !!map {2025: 100"),
     "yaml-tag", r"lines\[0\]\.values", 13),
    ("draws-a-trillion", _append(UNCERTAINTY.replace("draws: 200", "draws: 1000000000000")),
     "too-many", r"uncertainty\.draws", 19),
    ("draws-just-over", _append(UNCERTAINTY.replace("draws: 200", f"draws: {MAX_DRAWS + 1}")),
     "too-many", r"uncertainty\.draws", 19),
    ("draws-one", _append(UNCERTAINTY.replace("draws: 200", "draws: 1")), "invalid-value",
     r"uncertainty\.draws", 19),
    ("sobol-2-to-40", _append(UNCERTAINTY + "  sobol: {base_samples: 1099511627776}\n"),
     "too-many", r"uncertainty\.sobol\.base_samples", 26),
    ("sobol-just-over", _append(UNCERTAINTY + f"  sobol: {{base_samples: {MAX_SOBOL * 2}}}\n"),
     "too-many", r"uncertainty\.sobol\.base_samples", 26),
    ("seed-over-64-bits", _append(UNCERTAINTY.replace("seed: 7", f"seed: {2**70}")),
     "out-of-range", r"uncertainty\.seed", 20),
]

DEEP = [
    ("flow-sequences-1000", "extra: " + "[" * 1000 + "]" * 1000 + "\n", 1),
    ("flow-mappings-5000", "extra: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", 1),
    ("block-mappings-700", "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 700)), None),
    ("block-sequences-600", "".join("  " * i + "-\n" for i in range(600)), None),
    ("one-over-the-limit", "extra: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
     + "\n", 1),
]


def _write(tmp_path: Path, text: str) -> Path:
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    return case


@pytest.mark.parametrize(("edit", "code", "field", "line"),
                         [p[1:] for p in PROBES], ids=[p[0] for p in PROBES])
def test_validate_and_run_refuse_alike_at_the_users_line(tmp_path, refused, edit, code, field,
                                                         line):
    case = _write(tmp_path, edit(MINIMAL))
    pattern = rf"case\.yaml:{line}:\d+: error \[{code}\] {field}:"
    said = refused(["validate", str(case)], inputs=[case], pattern=pattern)
    assert "Nothing was written." in said
    again = refused(["run", str(case), "--out", str(tmp_path / "out")], inputs=[case],
                    pattern=pattern)
    assert again == said  # one set of checks: the same problems, the same words
    # never a location in a sheet the user did not write, nor an internal schema
    assert not re.search(r"\b[A-Z][a-z]+!\$?[A-Z]+\$?\d+", said)
    assert "report context" not in said


@pytest.mark.parametrize(("tail", "line"), [p[1:] for p in DEEP], ids=[p[0] for p in DEEP])
def test_deep_nesting_is_refused_before_it_is_built(tmp_path, refused, tail, line):
    text = tail if line is None else MINIMAL + tail
    case = _write(tmp_path, text)
    pattern = rf"case\.yaml:\d+:\d+: error \[too-deep\] .*more than {MAX_NESTING} deep"
    refused(["validate", str(case)], inputs=[case], pattern=pattern)
    refused(["run", str(case), "--out", str(tmp_path / "out")], inputs=[case], pattern=pattern)


CLI = [
    ("draws", ["--draws", "1000000000000"], rf"limit of {MAX_DRAWS:,} draws"),
    ("sobol", ["--sobol", "1099511627776"], rf"limit of {MAX_SOBOL:,} Sobol' base samples"),
    ("morris", ["--morris", "100000000000"], rf"limit of {MAX_MORRIS:,} Morris trajectories"),
    ("workers", ["--workers", "100000"], rf"limit of {MAX_WORKERS:,} workers"),
    ("seed", ["--seed", str(2**70)], r"limit of [\d,]+ for a seed: a root seed is a 64-bit"),
]


@pytest.mark.parametrize(("flag", "args", "why"), CLI, ids=[c[0] for c in CLI])
def test_run_sizes_on_the_command_line_are_bounded_with_the_reason(tmp_path, refused, flag,
                                                                    args, why):
    case = _write(tmp_path, MINIMAL + UNCERTAINTY)
    refused(["uncertainty", str(case), "--out", str(tmp_path / "unc"), *args], inputs=[case],
            pattern=rf"--{flag}: error \[(too-many|invalid-value)\] {flag}: [\d,]+ is over the "
                    rf"{why}")


EDGES = [
    ("horizon-ends-2300", _sub("horizon_years: 10", f"horizon_years: {MAX_YEAR - 2025 + 1}")),
    ("amount-at-the-limit", _sub("2025: 100", f"2025: {int(MAX_AMOUNT)}")),
    ("name-at-the-limit", _sub("New service", "N" * MAX_NAME_CHARS, -1)),
    ("names-differ-inside", _sub("  - name: New service", "  - name: New service\n"
                                 "  - name: New  service")),
    ("tab-and-newline-in-description", _sub("  - name: New service",
                                            '  - name: New service\n    description: "a\\tb\\nc"')),
]


@pytest.mark.parametrize("edit", [e[1] for e in EDGES], ids=[e[0] for e in EDGES])
def test_a_case_at_a_limit_is_valid_and_runs(tmp_path, capsys, edit):
    from appraisal.cli.commands import main

    case = _write(tmp_path, edit(MINIMAL))
    assert main(["validate", str(case)]) == 0, capsys.readouterr().err
    assert main(["run", str(case), "--out", str(tmp_path / "out")]) == 0, \
        capsys.readouterr().err
    assert (tmp_path / "out" / "results.json").is_file()
    assert (tmp_path / "out" / "report.html").is_file()
