"""The case model: frozen objects, profiles resolved by hand, Python construction."""

from __future__ import annotations

import dataclasses

import pytest

from appraisal import case_from_records
from appraisal.case.case_data import case_to_data
from appraisal.case.model import (
    BcrDefinition,
    Case,
    Kind,
    Line,
    LineOptimismBias,
    Option,
    PriceAssumptions,
    PriceBasis,
    Profile,
    ProfileType,
    Schedule,
    Timing,
    ValueType,
)
from appraisal.errors import AppraisalValidationError


def _case(**extra) -> Case:
    return case_from_records(
        title="Tiny", base_year=2025, horizon_years=4,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "Do it"}],
        lines=[{"option": "Do it", "name": "cost", "kind": "cost", "values": {2025: 10}},
               {"option": "Do it", "name": "saving", "kind": "benefit",
                "values": {2026: 6, 2027: 6}}],
        **extra)


def test_one_off_profile():
    assert Profile(type="one_off", year=2027, amount=5.0).resolve() == {2027: 5.0}


def test_constant_profile():
    assert Profile(type="constant", start=2025, end=2027, amount=3.0).resolve() == {
        2025: 3.0, 2026: 3.0, 2027: 3.0}


def test_growth_profile_by_hand():
    """100 growing 10% a year: 100, 110, 121, 133.1."""
    got = Profile(type="growth", start=2025, end=2028, amount=100.0, rate=0.1).resolve()
    assert list(got) == [2025, 2026, 2027, 2028]
    assert list(got.values()) == pytest.approx([100.0, 110.0, 121.0, 133.1])


def test_ramp_up_profile_by_hand():
    """Ramping over 4 years to 100: 25, 50, 75, then 100 to the end."""
    got = Profile(type="ramp_up", start=2025, end=2030, amount=100.0, ramp_years=4).resolve()
    assert got == {2025: 25.0, 2026: 50.0, 2027: 75.0, 2028: 100.0, 2029: 100.0, 2030: 100.0}


def test_explicit_profile():
    assert Profile(values=((2025, 1.0), (2030, 2.0))).resolve() == {2025: 1.0, 2030: 2.0}


@pytest.mark.parametrize("profile", [
    Profile(values=((2025, 1.0), (2026, 2.0))),
    Profile(type="one_off", year=2026, amount=5.0),
    Profile(type="constant", start=2025, end=2027, amount=3.0),
    Profile(type="growth", start=2025, end=2028, amount=100.0, rate=0.02),
    Profile(type="ramp_up", start=2025, end=2028, amount=100.0, ramp_years=2),
], ids=lambda p: p.type)
def test_profile_data_round_trips_through_the_schema(profile):
    case = case_from_records(
        title="T", base_year=2025, horizon_years=5,
        options=[{"name": "BAU", "counterfactual": True}],
        lines=[{"option": "BAU", "name": "x", "kind": "cost", **profile.to_data()}])
    assert case.lines[0].profile == profile


def test_case_from_records_and_derived_properties():
    case = _case(price_year=2024)
    assert case.counterfactual.name == "BAU"
    assert case.years == (2025, 2026, 2027, 2028)
    assert case.price_base_year == 2024
    assert _case().price_base_year == 2025
    assert [ln.sign for ln in case.lines] == [-1, 1]
    assert case.source_path == "<python>"


def test_from_records_collects_every_problem():
    with pytest.raises(AppraisalValidationError) as info:
        case_from_records(title="T", base_year=2025, horizon_years=0,
                          options=[{"name": "A"}], lines=[])
    codes = sorted(i.code for i in info.value.issues)
    assert codes == ["counterfactual", "out-of-range"]
    fields = {i.field for i in info.value.issues}
    assert fields == {"horizon_years", "options"}


@pytest.mark.parametrize("obj", [
    Option(name="A"),
    Profile(type="one_off", year=2025, amount=1.0),
    PriceAssumptions(),
    LineOptimismBias(project_type="standard_buildings"),
], ids=lambda o: type(o).__name__)
def test_model_objects_are_frozen(obj):
    field = dataclasses.fields(obj)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, None)


def test_case_and_line_are_frozen_and_replace_returns_new_objects():
    case = _case()
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.title = "Other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.lines[0].scale = 2.0  # type: ignore[misc]
    changed = dataclasses.replace(case, title="Other")
    assert changed.title == "Other"
    assert case.title == "Tiny"
    assert isinstance(case.lines, tuple)
    assert isinstance(case.options, tuple)


def test_mappings_inside_frozen_objects_are_read_only():
    ob = LineOptimismBias(project_type="x", mitigation={"design": 0.5})
    with pytest.raises(TypeError):
        ob.mitigation["design"] = 1.0  # type: ignore[index]
    prices = PriceAssumptions(deflator={2024: 100.0})
    with pytest.raises(TypeError):
        prices.deflator[2025] = 101.0  # type: ignore[index]


def test_optimism_bias_data_omits_defaults():
    assert LineOptimismBias(project_type="standard_buildings").to_data() == {
        "project_type": "standard_buildings"}
    full = LineOptimismBias(shares={"a": 1.0}, bound="lower", duration=True, source="s",
                            contributions={"x": 0.2}, mitigation={"x": 0.5})
    assert full.to_data() == {"shares": {"a": 1.0}, "bound": "lower", "duration": True,
                              "source": "s", "contributions": {"x": 0.2},
                              "mitigation": {"x": 0.5}}


def test_line_defaults():
    line = Line(option="A", name="x", kind="cost", profile=Profile(values=((2025, 1.0),)))
    assert (line.schedule, line.price_basis, line.delay, line.scale) == ("standard", "real", 0,
                                                                         1.0)


def _line(**fields) -> Line:
    return Line(**{"option": "A", "name": "x", "kind": "cost",
                   "profile": Profile(values=((2025, 1.0),)), **fields})


def test_closed_sets_given_as_text_become_enum_members():
    line = _line(kind="benefit", value_type="social", schedule="health", price_basis="nominal")
    assert (type(line.kind), type(line.value_type), type(line.schedule),
            type(line.price_basis)) == (Kind, ValueType, Schedule, PriceBasis)
    assert (line.kind, line.value_type, line.schedule, line.price_basis) == (
        Kind.BENEFIT, ValueType.SOCIAL, Schedule.HEALTH, PriceBasis.NOMINAL)
    assert line.sign == 1
    assert _line(kind=Kind.BENEFIT, value_type=ValueType.SOCIAL, schedule=Schedule.HEALTH,
                 price_basis=PriceBasis.NOMINAL) == line
    case = dataclasses.replace(_case(), timing="mid", bcr_definition="public_sector_cost")
    assert (type(case.timing), type(case.bcr_definition)) == (Timing, BcrDefinition)
    assert (case.timing, case.bcr_definition) == (Timing.MID, BcrDefinition.PUBLIC_SECTOR_COST)
    assert type(case.lines[0].kind) is Kind
    assert type(Profile(type="one_off", year=2025, amount=1.0).type) is ProfileType
    assert type(case.lines[0].profile.type) is ProfileType


def test_open_and_optional_closed_sets_keep_their_text():
    """A case's own schedule keeps its name; a value type not given stays empty."""
    line = _line(schedule="local")
    assert line.schedule == "local"
    assert type(line.schedule) is str
    assert line.value_type == ""


@pytest.mark.parametrize(("cls", "field", "value", "allowed"), [
    (Line, "kind", "income", "cost, benefit"),
    (Line, "value_type", "private", "fiscal, economic, social"),
    (Line, "kind", "", "cost, benefit"),
    (Line, "price_basis", "cash", "real, nominal"),
    (Profile, "type", "linear", "explicit, one_off, constant, growth, ramp_up"),
    (Case, "timing", "start", "end, mid"),
    (Case, "bcr_definition", "dft", "benefit_cost, public_sector_cost"),
])
def test_a_value_outside_a_closed_set_is_refused_with_the_choices(cls, field, value, allowed):
    make = {Line: _line, Profile: Profile,
            Case: lambda **kw: dataclasses.replace(_case(), **kw)}[cls]
    with pytest.raises(ValueError, match=f"{cls.__name__}.{field} must be one of {allowed} "
                                         f"\\(got '{value}'\\)"):
        make(**{field: value})


def test_enum_members_write_back_as_plain_text():
    data = case_to_data(_case(timing="mid"))
    assert data["timing"] == "mid"
    assert type(data["timing"]) is str
    assert [type(ln["kind"]) for ln in data["lines"]] == [str, str]


def test_a_case_pickles_with_its_locations_and_folder(tmp_path):
    """Cases cross process and Dask boundaries, so they must survive pickling."""
    import pickle

    from appraisal.inputs.load import example_path, load_case

    for name in ("minimal", "capital"):
        case = load_case(example_path(name))
        back = pickle.loads(pickle.dumps(case))
        assert back == case
        assert dict(back.locations) == dict(case.locations)
        assert back.base_dir == case.base_dir != ""
        assert back.locate("lines[0].schedule") == case.locate("lines[0].schedule")
    with_pack = case_from_records(
        title="T", base_year=2025, horizon_years=1, unit_value_packs=[{"shipped": "illustrative"}],
        options=[{"name": "BAU", "counterfactual": True}], lines=[])
    back = pickle.loads(pickle.dumps(with_pack))
    assert back == with_pack
    assert dict(back.sections["unit_value_packs"]) == dict(with_pack.sections["unit_value_packs"])


def test_equality_does_not_depend_on_locations_or_folder():
    case = case_from_records(title="T", base_year=2025, horizon_years=1,
                             options=[{"name": "BAU", "counterfactual": True}], lines=[])
    moved = dataclasses.replace(case, locations={"title": "other.yaml:9:9"}, base_dir="x")
    assert moved == case
    assert "locations" not in repr(case)
    assert "base_dir" not in repr(case)
    with pytest.raises(TypeError):
        moved.locations["title"] = "y"  # type: ignore[index]


def test_yaml_locations_point_at_the_fields_compile_needs(tmp_path):
    from appraisal.inputs.yaml_case import load_yaml_case

    path = tmp_path / "case.yaml"
    path.write_text(
        "schema_version: 1\ntitle: T\nbase_year: 2025\nhorizon_years: 2\n"
        "options:\n  - {name: BAU, counterfactual: true}\n"
        "lines:\n  - option: BAU\n    name: c\n    kind: cost\n    values: {2025: 1}\n"
        "    optimism_bias:\n      project_type: standard_buildings\n", encoding="utf-8")
    case = load_yaml_case(path)
    assert case.locate("lines[0].optimism_bias.project_type") == "case.yaml:13:7"
    assert case.locate("lines[0].optimism_bias") == "case.yaml:12:5"
    assert case.locate("lines[0].delay") == "case.yaml:8:5"  # absent: the line itself
    assert case.base_dir == str(tmp_path.resolve())
    # the top-level fields and the options too (was the bare file name)
    assert case.locate("title") == "case.yaml:2:1"
    assert case.locate("horizon_years") == "case.yaml:4:1"
    assert case.locate("options[0].name") == "case.yaml:6:6"


def test_workbook_locations_of_the_top_level_fields_and_options(tmp_path):
    from appraisal.inputs.load import example_path, load_case
    from appraisal.outputs.excel_template import write_template

    book = write_template(tmp_path / "minimal.xlsx", load_case(example_path("minimal")))
    case = load_case(book)
    assert case.locate("title") == "Case!B3"
    assert case.locate("base_year") == "Case!B6"
    assert case.locate("options[1].name") == "Options!A4"
