"""The financial case (affordability lens): reconciliation with the appraisal, nominal and
real, funding identities, the shipped prevention example, and located errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from appraisal import case_from_records, evaluate, example_path, load_case
from appraisal.case.model import Case
from appraisal.engine.compile import compile_case
from appraisal.errors import AppraisalValidationError
from appraisal.lenses.affordability import (
    AffordabilityResult,
    AffordabilitySpec,
    affordability,
    budget_year_label,
)
from appraisal.outputs.files import write_outputs


@pytest.fixture(scope="module")
def prevention():
    return evaluate(load_case(example_path("prevention")))


def _small_case(**aff) -> Case:
    return case_from_records(
        title="T", base_year=2025, horizon_years=4,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[
            {"option": "BAU", "name": "old", "kind": "cost", "values": {2025: 50, 2026: 50},
             "agency": "Council", "value_type": "fiscal"},
            {"option": "A", "name": "build", "kind": "cost", "values": {2025: 1000},
             "agency": "Council", "value_type": "fiscal", "category": "capital",
             "optimism_bias": {"uplift": 0.5, "measure": "capex", "source": "test"}},
            {"option": "A", "name": "run", "kind": "cost", "values": {2026: 100, 2027: 100},
             "agency": "NHS", "value_type": "fiscal"},
            {"option": "A", "name": "save", "kind": "benefit",
             "values": {2026: 500, 2027: 500, 2028: 500}, "agency": "Council",
             "value_type": "fiscal", "cashable": True},
        ],
        affordability=aff)


def test_real_totals_by_agency_equal_the_ledger(prevention):
    """Base cost + optimism bias (real, undiscounted) by agency and year = the ledger's
    cash-position costs, for every option the financial case assesses."""
    ledger = prevention.lenses["public_value"]
    aff = prevention.lenses["affordability"].to_dict()
    assert len(aff["options"]) == 3
    for block in aff["options"]:
        o = ledger.option_names.index(block["option"])
        led = {(r["agency"], r["year"]): r["costs"] for r in ledger.cash_rows(o)}
        ours = {(r["agency"], r["year"]): r["real_base_cost"] + r["real_optimism_bias"]
                for r in block["by_year"]}
        agencies = {a for a, _ in led} | {a for a, _ in ours}
        for a in agencies:
            for y in prevention.compiled.years:
                assert ours.get((a, int(y)), 0.0) == pytest.approx(
                    led.get((a, int(y)), 0.0), rel=1e-12, abs=1e-6), (block["option"], a, y)
        total_led = sum(led.values())
        assert total_led > 0
        assert sum(ours.values()) == pytest.approx(total_led, rel=1e-12)


def test_nominal_over_deflator_is_real_year_by_year(prevention):
    """nominal base cost ÷ (D(year) / D(price base)) = real base cost, the deflator being
    the case's own GDP deflator index (with its recorded 2% extension)."""
    compiled = prevention.compiled
    index = compiled.deflator
    base = compiled.case.price_base_year
    aff = prevention.lenses["affordability"].to_dict()
    assert aff["assumptions"]["inflation"]["method"] == "GDP deflator"
    assert aff["assumptions"]["inflation"]["extend_growth"] == 0.02
    checked = 0
    for block in aff["options"]:
        for r in block["by_year"]:
            factor = index.at([r["year"]])[0] / index.at([base])[0]
            assert r["deflator_factor"] == pytest.approx(factor, rel=1e-12)
            assert r["base_cost"] / factor == pytest.approx(r["real_base_cost"], rel=1e-12,
                                                            abs=1e-9)
            assert r["optimism_bias"] / factor == pytest.approx(r["real_optimism_bias"],
                                                                rel=1e-12, abs=1e-9)
            checked += bool(r["real_base_cost"])
    assert checked > 20


def test_known_answer_small_case():
    """Hand-computed: inflation 10% a year, contingency 10%, VAT 20% on capital, Council
    recovers VAT and NHS does not (NHS has no capital, so no VAT), optimism bias 50% on the
    build shown apart. Incremental to BAU (which spends 50 in 2025 and 2026)."""
    case = _small_case(inflation={"rate": 0.1, "source": "test"},
                       contingency={"rate": 0.1, "source": "test"},
                       vat={"rate": 0.2, "source": "test", "recoverable": {"Council": True},
                            "categories": ["capital"]},
                       funding=[{"name": "grant", "funder": "Gov", "agency": "Council",
                                 "values": {2025: 500}}])
    res = evaluate(case)
    block = res.lenses["affordability"].to_dict()["options"][0]
    rows = {(r["agency"], r["year"]): r for r in block["by_year"]}
    council_2025 = rows[("Council", 2025)]
    # base 1000 - 50 (BAU) = 950; contingency 95; VAT 0.2 x 1.1 x 1000 = 220, recovered
    assert council_2025["real_base_cost"] == pytest.approx(950.0)
    assert council_2025["contingency"] == pytest.approx(95.0)
    assert council_2025["vat"] == pytest.approx(220.0)
    assert council_2025["irrecoverable_vat"] == 0.0
    assert council_2025["requirement"] == pytest.approx(1045.0)
    assert council_2025["capital"] == pytest.approx(1000 * 1.1)
    assert council_2025["resource"] == pytest.approx(1045.0 - 1100.0)   # BAU's saved opex
    assert council_2025["optimism_bias"] == pytest.approx(500.0)
    assert council_2025["funding_gap"] == pytest.approx(545.0)
    # 2026: council saves BAU's 50 and gains 500 cashable, in 2026 cash (x1.1)
    c26 = rows[("Council", 2026)]
    assert c26["requirement"] == pytest.approx(-50 * 1.1 * 1.1)
    assert c26["cashable_savings"] == pytest.approx(500 * 1.1)
    assert c26["net_cash"] == pytest.approx(500 * 1.1 + 50 * 1.1 * 1.1)
    nhs = {p["agency"]: p for p in block["partners"]}["NHS"]
    assert nhs["requirement"] == pytest.approx(110 * 1.1 + 110 * 1.21)
    assert nhs["breakeven_year"] is None
    council = {p["agency"]: p for p in block["partners"]}["Council"]
    # cumulative: 2025 -545 (grant 500 received), 2026 +605 -> +60: breaks even in 2026-27
    assert council["breakeven_budget_year"] == "2026-27"
    assert {p["agency"] for p in block["partners"]} == {"Council", "NHS"}  # Gov is external


def test_funding_and_pool_identities(prevention):
    """Gap = requirement − funding (by year and in total); the final cumulative cash is
    the sum of net cash; the pooled contributions add up to the partners' requirement."""
    aff = prevention.lenses["affordability"].to_dict()
    for block in aff["options"]:
        t = block["totals"]
        assert t["funding_gap"] == pytest.approx(t["requirement"] - t["funding"], abs=1e-6)
        assert t["requirement"] == pytest.approx(t["capital"] + t["resource"], abs=1e-6)
        for p in block["partners"]:
            nets = [r["net_cash"] for r in block["by_year"] if r["agency"] == p["agency"]]
            assert p["final_cumulative_cash"] == pytest.approx(sum(nets), abs=1e-6)
        by_year: dict[int, float] = {}
        for r in block["pooled_cash"]:
            by_year[r["year"]] = by_year.get(r["year"], 0.0) + r["contribution"]
        for y, total in by_year.items():
            req = sum(r["requirement"] for r in block["by_year"] if r["year"] == y
                      and r["agency"] in {p["agency"] for p in block["pooled_cash"]})
            assert total == pytest.approx(req, rel=1e-9, abs=1e-6)


def test_optimism_bias_is_not_in_the_requirement(prevention):
    """The requirement is the expected cost: doubling a line's optimism bias moves the
    optimism-bias column only."""
    block = prevention.lenses["affordability"].to_dict()["options"][1]
    assert block["option"] == "Whole-family service"
    assert block["totals"]["optimism_bias"] > 0
    case = load_case(example_path("prevention"))
    spec = case.sections["affordability"]
    compiled = compile_case(case)
    uplift = np.array(compiled.ob_uplift)
    from dataclasses import replace
    bumped = replace(compiled, ob_uplift=uplift * 2)
    again = affordability(bumped, spec).to_dict()["options"][1]["totals"]
    assert again["requirement"] == pytest.approx(block["totals"]["requirement"], rel=1e-12)
    assert again["optimism_bias"] == pytest.approx(2 * block["totals"]["optimism_bias"],
                                                   rel=1e-12)


def test_no_irr_is_reported_not_guessed():
    """An option that only costs money has no IRR: status 'none', rate None, with a note."""
    case = case_from_records(
        title="T", base_year=2025, horizon_years=3,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 10, 2026: 10},
                "agency": "Council", "value_type": "fiscal"}],
        affordability={"inflation": {"rate": 0.0, "source": "test"}})
    block = evaluate(case).lenses["affordability"].to_dict()["options"][0]
    irr = block["measures"]["irr"]
    assert irr["irr"] is None
    assert irr["status"] == "none"
    assert "sign" in irr["note"]
    assert block["measures"]["payback_year"] is None
    assert block["partners"][0]["breakeven_note"].startswith("does not break even")


def test_outputs_json_csv_summary(prevention, tmp_path: Path):
    """results.json gains an 'affordability' section; four CSV tables are written; the
    CLI summary names the funding gap."""
    write_outputs(prevention, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(data["affordability"]) == {"assumptions", "options", "note"}
    for name in ("affordability_cash.csv", "affordability_funding.csv",
                 "affordability_pooled_cash.csv", "financial_measures.csv"):
        assert (tmp_path / "out" / name).stat().st_size > 100, name
    lines = prevention.lenses["affordability"].summary_lines()
    assert any("funding gap" in ln for ln in lines)
    assert isinstance(prevention.lenses["affordability"], AffordabilityResult)


def test_budget_year_labels():
    assert [budget_year_label(y) for y in (2025, 2030)] == ["2025-26", "2030-31"]


# ------------------------------------------------------------------------------ bad input
def _with_section(tmp_path: Path, write_case, section: dict) -> Path:
    data = yaml.safe_load(Path(example_path("minimal")).read_text(encoding="utf-8"))
    data["affordability"] = section
    return write_case(tmp_path, yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(("section", "field", "code"), [
    ({"vat": {"rate": 1.2, "source": "x"}}, "affordability.vat.rate", "out-of-range"),
    ({"vat": {"rate": -0.1, "source": "x"}}, "affordability.vat.rate", "out-of-range"),
    ({"vat": {"rate": 0.2}}, "affordability.vat.source", "missing"),
    ({"contingency": {"rate": 2}}, "affordability.contingency.rate", "out-of-range"),
    ({"inflation": {"rate": 0.02}}, "affordability.inflation.source", "missing"),
    ({"inflation": {"gdp_deflator": True, "rate": 0.02, "source": "x"}},
     "affordability.inflation", "inflation"),
    ({"funding": [{"name": "g", "funder": "Gov", "values": {1990: 5}}]},
     "affordability.funding[0].values[1990]", "year-outside-horizon"),
    ({"funding": [{"name": "g", "funder": "Gov",
                   "constant": {"start": 2025, "end": 2099, "amount": 5}}]},
     "affordability.funding[0].constant.end", "year-outside-horizon"),
    ({"funding": [{"name": "g", "funder": "Gov", "option": "Nope", "values": {2025: 5}}]},
     "affordability.funding[0].option", "unknown-option"),
    ({"options": ["Nope"]}, "affordability.options[0]", "unknown-option"),
    ({"vat": {"rate": 0.2, "source": "x", "recoverable": {"Council": "yes"}}},
     "affordability.vat.recoverable.Council", "wrong-type"),
    ({"surprise": 1}, "affordability.surprise", "unknown-field"),
])
def test_bad_input_is_located(tmp_path, write_case, section, field, code):
    path = _with_section(tmp_path, write_case, section)
    with pytest.raises(AppraisalValidationError) as err:
        load_case(path)
    found = [i for i in err.value.errors if i.field == field and i.code == code]
    assert found, [str(i) for i in err.value.errors]
    file, line, _col = found[0].location.rsplit(":", 2)
    assert file.endswith(path.name)
    assert int(line) > 1
    assert found[0].fix


def test_counterfactual_cannot_be_assessed(tmp_path, write_case):
    path = _with_section(tmp_path, write_case, {"options": ["Business as usual"],
                                                "inflation": {"rate": 0.02, "source": "x"}})
    with pytest.raises(AppraisalValidationError) as err:
        evaluate(load_case(path))
    assert err.value.errors[0].field == "affordability.options"
    assert err.value.errors[0].location.rsplit(":", 2)[0].endswith(path.name)


def test_spec_defaults():
    spec = AffordabilitySpec()
    assert spec.capital_categories == ("capital",)
    assert spec.vat_rate == 0.0
