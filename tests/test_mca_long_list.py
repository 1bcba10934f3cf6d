"""The long list: options framework filter carried to a short list."""

from __future__ import annotations

import copy
import json

import yaml

from appraisal.errors import Issues
from appraisal.lenses.mca import long_list as long_list_module
from appraisal.lenses.mca import parse_long_list_section


def locate(path):
    return "case.yaml:" + "/".join(map(str, path))


def documented():
    text = long_list_module.__doc__.split("The section::")[1].split("``tests/")[0]
    return yaml.safe_load(text)["long_list"]


def parse(data):
    found = Issues()
    return parse_long_list_section(data, locate=locate, issues=found), found


def test_documented_example():
    ll, found = parse(documented())
    assert list(found) == []
    pilot = next(c for c in ll.choices if c.id == "pilot")
    assert pilot.suggested == "discounted"
    assert pilot.decision == "discounted"
    assert pilot.reason == "Too small to move the borough-wide rate"
    grant = next(c for c in ll.choices if c.id == "grant")
    assert grant.decision == "carried_forward"
    assert grant.reason == "meets every spending objective and critical success factor"
    borough = ll.in_dimension("scope")[0]
    assert borough.decision == "preferred"
    assert "partly meets affordable" in borough.reason
    assert [s.name for s in ll.short_list] == ["Business as usual", "New service"]
    assert ll.short_list[0].business_as_usual
    d = ll.to_dict()
    assert json.loads(json.dumps(d))["choices"][1]["assessment"] == {"so1": "does_not",
                                                                    "affordable": "meets"}
    frame = ll.to_frame()
    assert frame.loc[("scope", "Two-ward pilot"), "decision"] == "discounted"
    lines = ll.summary_lines()
    assert lines[0] == "Long list: 3 choices in 2 dimensions"
    assert "  scope: carried forward Borough-wide service (preferred); discounted 1" in lines


def errors_of(mutate):
    data = copy.deepcopy(documented())
    mutate(data)
    ll, found = parse(data)
    return ll, [(i.code, i.field, i.location) for i in found.errors]


def test_overriding_the_assessment_needs_a_reason():
    def mutate(d):
        pilot = d["choices"]["scope"][1]
        pilot["decision"] = "carried_forward"
        del pilot["reason"]
    ll, errors = errors_of(mutate)
    assert ll is None
    assert errors == [("missing-reason", "long_list.choices.scope[1].decision",
                       "case.yaml:long_list/choices/scope/1/decision")]


def test_override_with_a_reason_is_kept():
    def mutate(d):
        d["choices"]["scope"][1]["decision"] = "carried_forward"
    ll, errors = errors_of(mutate)
    assert errors == []
    pilot = ll.in_dimension("scope")[1]
    assert (pilot.suggested, pilot.decision) == ("discounted", "carried_forward")


def test_bad_assessments_dimensions_and_short_list():
    def mutate(d):
        d["choices"]["scope"][0]["assessment"]["so1"] = "sort of"
        del d["choices"]["funding"][0]["assessment"]["affordable"]
        d["choices"]["scoop"] = []
        d["short_list"][1]["choices"]["scope"] = "pilot"
        d["short_list"].append({"option": "Other", "choices": {"scope": "borough"}})
    _, errors = errors_of(mutate)
    found = {e[:2] for e in errors}
    assert ("bad-choice", "long_list.choices.scope[0].assessment.so1") in found
    assert ("missing-assessment", "long_list.choices.funding[0].assessment") in found
    assert ("bad-choice", "long_list.choices.scoop") in found
    assert ("discounted-choice", "long_list.short_list[1].choices.scope") in found
    assert ("missing-choice", "long_list.short_list[2].choices") in found


def test_assessment_against_unknown_objective_and_two_preferred():
    def mutate(d):
        d["choices"]["scope"][0]["assessment"]["so2"] = "meets"
        d["choices"]["scope"][1]["decision"] = "preferred"
    _, errors = errors_of(mutate)
    found = {e[:2] for e in errors}
    assert ("unknown-reference", "long_list.choices.scope[0].assessment.so2") in found
    assert ("several-preferred", "long_list.choices.scope") in found


def test_unknown_keys_and_missing_sections():
    ll, found = parse({"choices": {}, "shortlist": []})
    assert ll is None
    messages = {(i.field, i.fix) for i in found.errors}
    assert ("long_list.shortlist", "did you mean 'short_list'?") in messages
    assert any(i.message == "required key 'spending_objectives' is missing"
               for i in found.errors)
