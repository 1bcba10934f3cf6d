"""More of the bad-input catalogue (reliability test plan 7.2: Y04, Y10-Y12, Y14, Y16-Y19,
Y21-Y22): each edit of the minimal case is refused alike by ``validate`` and ``run``, exit 1, at
the user's own ``case.yaml:line:column`` with the rule's code and field, no traceback, nothing
written and the file's bytes unchanged (the ``refused`` fixture of ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

MINIMAL = (Path(__file__).resolve().parents[2] / "data" / "examples" / "minimal.yaml"
           ).read_text(encoding="utf-8")
UNCERTAINTY = """\
uncertainty:
  draws: 200
  seed: 7
  inputs:
    - name: cost
      target: {kind: cost}
      field: scale
      distribution: {dist: uniform, low: 0.9, high: 1.1}
"""
DISTRIBUTION = """\
distribution:
  groups: [Q1, Q2]
  incomes: {Q1: 15000, Q2: 30000}
  income_source: illustrative
  eta: 1.3
"""
MCA = """\
mca:
  criteria:
    - {id: c, name: C, direction: increase}
  scores: {Business as usual: {c: 1}, New service: {c: 2}}
"""


def _sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def _with(section: str, old: str = "", new: str = "") -> Callable[[str], str]:
    """The minimal case plus a section, the section edited."""
    def edit(text: str) -> str:
        assert old in section, old
        return text + section.replace(old, new, 1)
    return edit


BENEFIT = "    kind: benefit\n"
U, D = UNCERTAINTY, DISTRIBUTION
LOWER = "distribution: {dist: uniform, low: 0.9, high: 1.1}"

# (id, edit of minimal.yaml, line, rule code, field pattern; None for a YAML syntax error)
PROBES = [
    ("horizon-as-text", _sub("horizon_years: 10 ", 'horizon_years: "sixty" '), 4,
     "wrong-type", "horizon_years"),
    ("horizon-as-boolean", _sub("horizon_years: 10 ", "horizon_years: true "), 4,
     "wrong-type", "horizon_years"),
    ("horizon-zero", _sub("horizon_years: 10 ", "horizon_years: 0 "), 4, "out-of-range",
     "horizon_years"),
    ("horizon-negative", _sub("horizon_years: 10 ", "horizon_years: -5 "), 4, "out-of-range",
     "horizon_years"),
    ("base-year-1800", _sub("base_year: 2025", "base_year: 1800"), 3, "out-of-range",
     "base_year"),
    ("tab-indentation", _sub("  - name: New service", "\t- name: New service"), 8,
     "yaml-syntax", None),
    ("unclosed-bracket", _sub("{2025: 100, 2026: 50, 2027: 50}", "[2025, 100"), 14,
     "yaml-syntax", None),
    ("option-with-empty-name", _sub("  - name: New service", '  - name: ""'), 8, "empty",
     r"options\[1\]\.name"),
    ("amount-as-text", _sub("2026: 50, 2027", '2026: "fifty", 2027'), 13, "wrong-type",
     r"lines\[0\]\.values\[2026\]"),
    ("amount-with-a-pound-sign", _sub("2026: 50, 2027", '2026: "£50", 2027'), 13,
     "wrong-type", r"lines\[0\]\.values\[2026\]"),
    ("year-as-fy-text", _sub("2026: 50, 2027", '"FY26": 50, 2027'), 13, "wrong-type",
     r"lines\[0\]\.values\.FY26"),
    ("year-before-the-base-year", _sub("{2025: 100,", "{2020: 100,"), 13,
     "year-outside-horizon", r"lines\[0\]\.values\[2020\]"),
    ("counterfactual-as-text", _sub("counterfactual: true", 'counterfactual: "yes please"'), 7,
     "wrong-type", r"options\[0\]\.counterfactual"),
    ("uncertain-low-above-high", _with(U, LOWER, "distribution: {dist: uniform, low: 1.2, "
     "high: 0.9}"), 25, "low-above-high", r"uncertainty\.inputs\[0\]\.distribution\.low"),
    ("uncertain-mode-outside", _with(U, LOWER, "distribution: {dist: triangular, low: 0.9, "
     "mode: 1.5, high: 1.2}"), 25, "mode-outside-range",
     r"uncertainty\.inputs\[0\]\.distribution\.mode"),
    ("uncertain-negative-sd", _with(U, LOWER, "distribution: {dist: normal, mean: 1.0, "
     "sd: -0.1}"), 25, "negative-spread", r"uncertainty\.inputs\[0\]\.distribution\.sd"),
    ("uncertain-unknown-distribution", _with(U, LOWER, "distribution: {dist: gaussian, "
     "mean: 1.0, sd: 0.1}"), 25, "unknown-distribution",
     r"uncertainty\.inputs\[0\]\.distribution\.dist"),
    ("seed-negative", _with(U, "seed: 7", "seed: -1"), 20, "invalid-value",
     r"uncertainty\.seed"),
    ("seed-not-whole", _with(U, "seed: 7", "seed: 1.5"), 20, "invalid-value",
     r"uncertainty\.seed"),
    ("sobol-as-a-number", _with(U, "seed: 7", "seed: 7\n  sobol: 1000"), 21, "not-a-mapping",
     r"uncertainty\.sobol"),
    ("uncertain-field-misspelt", _with(U, "field: scale", "field: scael"), 24,
     "unknown-field", r"uncertainty\.inputs\[0\]\.field"),
    ("uncertain-target-no-such-line", _with(U, "{kind: cost}", "{line: Nothing}"), 23,
     "unknown-target", r"uncertainty\.inputs\[0\]\.target\.line"),
    ("eta-negative", _with(D, "eta: 1.3", "eta: -1"), 22, "out-of-range", r"distribution\.eta"),
    ("income-zero", _with(D, "Q1: 15000", "Q1: 0"), 20, "out-of-range",
     r"distribution\.incomes\.Q1"),
    ("income-negative", _with(D, "Q1: 15000", "Q1: -100"), 20, "out-of-range",
     r"distribution\.incomes\.Q1"),
    ("weights-with-incomes", _with(D, "eta: 1.3", "eta: 1.3\n  weights: {Q1: 1.2, Q2: 0.9}\n"
     "  weights_source: x"), 23, "weights-with-incomes", r"distribution\.weights"),
    ("mca-direction-sideways", _with(MCA, "direction: increase", "direction: sideways"), 20,
     "bad-choice", r"mca\.criteria\[0\]\.direction"),
    ("mca-weight-on-a-criterion", _with(MCA, "direction: increase}", "direction: increase, "
     "weight: -1}"), 20, "unknown-key", r"mca\.criteria\[0\]\.weight"),
    ("mca-score-for-no-such-option", _with(MCA, "New service: {c: 2}", "Old service: {c: 2}"),
     21, "unknown-reference", r"mca\.scores\.Old service"),
]


def _incidence(shares: str) -> Callable[[str], str]:
    return lambda text: text.replace(BENEFIT, f"{BENEFIT}    incidence: {shares}\n", 1) + D


PROBES += [
    ("incidence-shares-over-one", _incidence("{Q1: 0.8, Q2: 0.5}"), 17, "incidence-sum",
     r"lines\[1\]\.incidence"),
    ("incidence-no-such-group", _incidence("{Q9: 1.0}"), 17, "unknown-group",
     r"lines\[1\]\.incidence\.Q9"),
]


@pytest.mark.parametrize(("edit", "line", "code", "field"), [p[1:] for p in PROBES],
                         ids=[p[0] for p in PROBES])
def test_refused_alike_by_validate_and_run(tmp_path, refused, edit, line, code, field):
    case = tmp_path / "case.yaml"
    case.write_text(edit(MINIMAL), encoding="utf-8")
    pattern = rf"case\.yaml:{line}:\d+: error \[{code}\]" + (rf" {field}:" if field else "")
    said = refused(["validate", str(case)], inputs=[case], pattern=pattern)
    assert "Nothing was written." in said
    again = refused(["run", str(case), "--out", str(tmp_path / "out")], inputs=[case],
                    pattern=pattern)
    assert again == said


def test_the_probes_are_distinct_inputs():
    texts = {edit(MINIMAL) for _, edit, *_ in PROBES}
    assert len(texts) == len(PROBES) >= 30
