"""Every number in the executive summary and the at-a-glance block comes from the context.

The summary paragraphs and the first screen are prose written by code; this checks that
each figure they quote (money, percentages, counts, ratios, points) can be produced by
formatting a number the report context carries, or the difference of two numbers of
the same kind (a gap between two options). A number typed into a template string, or
computed from something the report does not show, fails the test.
"""

from __future__ import annotations

import itertools
import re

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.formatting import format_bcr, format_money, format_percent
from appraisal.outputs.report.context import report_context

EXAMPLES = ("minimal", "capital", "prevention")
# money (£12, £1.2m), percentages, then any other number; ordinals (5th) are words
_NUM = r"\d{1,3}(?:,\d{3})*(?:\.\d+)?"
TOKEN = re.compile(rf"£{_NUM}m?|{_NUM}%|(?<![\w.,£]){_NUM}(?![\w%])")


@pytest.fixture(scope="module")
def contexts():
    return {n: report_context(evaluate(load_case(example_path(n)), lenses="all")) for n in EXAMPLES}


def _numbers(value, path=""):
    """(path without list indices, number) for every figure in the context: the numbers
    of its records and the lengths of its lists, not the points of chart series (plain
    lists of numbers: cash flows by year, histogram bins, curves), which would match
    almost any figure by chance."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        yield "len", float(len(value))
        for v in value:
            if not isinstance(v, int | float):
                yield from _numbers(v, f"{path}[]")


def _renderings(x: float) -> set[str]:
    x = abs(x)
    out = {format_money(x, "£"), format_money(x, "£m"), format_bcr(x), f"{x:.1f}", f"{x:.2f}",
           f"{x:g}", format_percent(x), format_percent(x, 1)}
    if float(x).is_integer():
        out.add(f"{int(x):,}")
    return out


def _allowed(ctx: dict) -> set[str]:
    body = {k: v for k, v in ctx.items() if k not in ("summary", "at_a_glance")}
    by_path: dict[str, list[float]] = {}
    for path, x in _numbers(body):
        by_path.setdefault(path, []).append(x)
    allowed: set[str] = set()
    for values in by_path.values():
        for x in values:
            allowed |= _renderings(x)
        if len(values) <= 12:  # gaps between options (NPSV, MCA totals)
            for a, b in itertools.combinations(values, 2):
                allowed |= _renderings(a - b)
    return allowed


def _sentences(ctx: dict) -> list[str]:
    s, g = ctx["summary"], ctx.get("at_a_glance", {})
    texts = [s["rationale"], s["key_uncertainties"], s["switching_values"], g["recommendation"]]
    texts += [g[k]["text"] for k in ("how_sure", "switching", "scenarios") if k in g]
    texts += g.get("warnings", [])
    return texts


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_summary_number_is_in_the_context(contexts, name):
    ctx = contexts[name]
    allowed = _allowed(ctx)
    missing = [(tok, text[:80]) for text in _sentences(ctx)
               for tok in TOKEN.findall(text) if tok not in allowed]
    assert missing == []


def test_the_check_catches_a_number_that_is_not_in_the_context(contexts):
    ctx = dict(contexts["prevention"])
    ctx["summary"] = {**ctx["summary"], "rationale": ctx["summary"]["rationale"]
                      + " It would save £123.4m."}
    allowed = _allowed(ctx)
    assert [t for t in TOKEN.findall(ctx["summary"]["rationale"]) if t not in allowed] == \
        ["£123.4m"]


# --------------------------------------------------------------------------- MCA sentence
from appraisal.outputs.report.narrative import _mca_sentences  # noqa: E402


def _mca(totals, p_first, sets):
    ranked = sorted(totals, key=lambda o: -totals[o])
    return {"scores": [{"option": o, "total": totals[o], "rank": i + 1}
                       for i, o in enumerate(ranked)],
            "weight_robustness": {"n_samples": 1000, "rows": [
                {"option": o, "p_first": p} for o, p in p_first.items()]},
            "weight_sets": [{"name": n, "preferred": o} for n, o in sets.items()]}


def test_prevention_summary_does_not_claim_the_mca_agrees(contexts):
    """The demo's MCA lead is a fraction of a point, random weights favour the other
    option and the citizens' panel prefers it: the summary says so, in words."""
    text = contexts["prevention"]["summary"]["key_uncertainties"]
    assert "also ranks" not in text
    assert "not robust" in text
    assert "citizens panel" in text.lower()
    assert "citizens_panel" not in text
    mca = contexts["prevention"]["mca"]
    p = {r["option"]: r["p_first"] for r in mca["weight_robustness"]["rows"]}
    assert f"{round(100 * p['Whole-family service and hub'])}% of 2,000 draws" in text


def test_mca_sentence_supports_only_when_margin_random_weights_and_sets_agree():
    agree = _mca({"A": 80.0, "B": 60.0}, {"A": 0.9, "B": 0.1}, {"x": "A", "y": "A"})
    assert _mca_sentences("A", agree) == [
        "The multi-criteria analysis supports A: it ranks first, 20.0 points ahead of B, and "
        "in 90% of random weight draws; every stakeholder weight set (2) puts it first."]
    split = _mca({"A": 80.0, "B": 60.0}, {"A": 0.9, "B": 0.1}, {"x": "A", "y": "B"})
    assert "not robust" in _mca_sentences("A", split)[0]
    other = _mca({"A": 50.0, "B": 60.0}, {"A": 0.2, "B": 0.8}, {"x_y": "A"})
    assert _mca_sentences("A", other) == [
        "The multi-criteria analysis ranks B first, not A (10.0 points behind); with the "
        "criterion weights drawn at random, A ranks first in 20% of draws; the x y weight "
        "set puts A first."]
    assert _mca_sentences("A", {}) == []


# --------------------------------------------------------------------------- at a glance
def test_at_a_glance_reports_the_pessimistic_reversal_and_the_banner(contexts):
    g = contexts["prevention"]["at_a_glance"]
    pess = next(r for r in g["scenarios"]["rows"] if r["scenario"] == "pessimistic")
    assert pess["changes_decision"] is True
    assert pess["preferred_option"] == "Business as usual"
    assert "Pessimistic: Business as usual would be preferred instead" in g["scenarios"]["text"]
    assert any(w.startswith("Illustrative figures") for w in g["warnings"])
    mc = contexts["prevention"]["uncertainty"]["monte_carlo"]
    assert g["how_sure"]["p_preferred"] == mc["p_preferred"]["Whole-family service"]
    first = next(r for r in contexts["prevention"]["uncertainty"]["switching_values"]
                 if r["change"] is not None)
    assert g["switching"]["parameter"] == first["parameter"]
    assert all(abs(r["change"]) >= abs(first["change"])
               for r in contexts["prevention"]["uncertainty"]["switching_values"]
               if r["change"] is not None)
    assert "warnings" not in contexts["minimal"]["at_a_glance"]  # confirmed values only
