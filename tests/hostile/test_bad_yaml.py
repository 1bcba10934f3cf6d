"""Bad YAML inputs: each is refused with its location, field and fix, and nothing is written.

Every case below is a small edit of the minimal case, written to a file and run through
the command line in-process, with both ``appraisal validate`` and ``appraisal run --out``:
exit code 1, a ``file:line:column`` location, the field path and a fix hint, no output
folder created, and the input file's bytes unchanged (DESIGN.md, "Safety rules";
reliability test plan 7.2 and P20).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import case_from_records
from appraisal.case.model import Case
from appraisal.cli.commands import main
from appraisal.engine.compile import compile_case
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.inputs.load import example_path, load_case
from appraisal.inputs.yaml_case import load_yaml_case
from appraisal.yaml_safety import parse_yaml

LOCATED = re.compile(r"case\.yaml:\d+:\d+")

def _sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"the minimal case no longer contains {old!r}"
        return text.replace(old, new, 1)
    return edit


def _after(anchor: str, added: str) -> Callable[[str], str]:
    return _sub(anchor, anchor + added)


@dataclass(frozen=True)
class Bad:
    id: str
    edit: Callable[[str], str | bytes]
    code: str
    field: str | None
    hint: str | None
    bug: str = ""  # the whole case is refused wrongly: xfail everything
    location_bug: str = ""  # refused, but not located at file:line:column
    hint_bug: str = ""  # refused and located, but without a fix hint


COST = "    kind: cost\n"
BENEFIT = "    kind: benefit\n"
COST_VALUES = "    values: {2025: 100, 2026: 50, 2027: 50}\n"

CATALOGUE = [
    Bad("unknown-key-top-level", _sub("title:", "titel:"), "unknown-key", "titel",
        "did you mean 'title'?"),
    Bad("unknown-key-in-a-line", _after(COST, "    catgory: capital\n"), "unknown-key",
        "lines[0].catgory", "did you mean 'category'?"),
    Bad("unknown-key-in-optimism-bias",
        _after(COST, "    optimism_bias: {project_typ: standard_buildings}\n"), "unknown-key",
        "lines[0].optimism_bias.project_typ", "did you mean 'project_type'?"),
    Bad("duplicate-key", _after("base_year: 2025\n", "base_year: 2026\n"), "duplicate-key",
        "base_year", "remove or rename one of them"),
    Bad("nan", _sub("2026: 50,", "2026: .nan,"), "not-finite", "lines[0].values[2026]",
        "write a finite number"),
    Bad("minus-inf", _sub("2026: 50,", "2026: -.inf,"), "not-finite", "lines[0].values[2026]",
        "write a finite number"),
    Bad("yaml11-boolean-NO", _sub("counterfactual: true", "counterfactual: NO"),
        "yaml-1.1-boolean", "options[0].counterfactual", "write true or false"),
    Bad("yaml11-boolean-yes", _after("  - name: New service\n", "    counterfactual: yes\n"),
        "yaml-1.1-boolean", "options[1].counterfactual", "write true or false"),
    Bad("sexagesimal", _sub("2026: 50,", "2026: 1:30,"), "yaml-1.1-sexagesimal",
        "lines[0].values[2026]", "quote it"),
    Bad("leading-zero", _sub("2026: 50,", "2026: 010,"), "leading-zero",
        "lines[0].values[2026]", "remove the leading zero"),
    Bad("year-outside-horizon", _sub("2034: 30}", "2040: 30}"), "year-outside-horizon",
        "lines[1].values[2040]", "extend 'horizon_years'"),
    Bad("duplicate-option-names", _sub("  - name: New service\n",
                                       "  - name: Business as usual\n"),
        "duplicate-name", "options[1].name", "give each option a unique name"),
    Bad("duplicate-line-names", _sub("    name: Avoided costs\n",
                                     "    name: Set-up and running costs\n"),
        "duplicate-name", "lines[1].name", "unique name within its option"),
    Bad("line-names-a-missing-option", _sub("  - option: New service\n    name: Avoided",
                                            "  - option: New servise\n    name: Avoided"),
        "unknown-option", "lines[1].option", "did you mean 'New service'?"),
    Bad("no-counterfactual", _sub("    counterfactual: true\n", ""), "counterfactual",
        "options", "mark one option 'counterfactual: true'"),
    Bad("two-counterfactuals", _after("  - name: New service\n", "    counterfactual: true\n"),
        "counterfactual", "options", "mark one option 'counterfactual: true'"),
    Bad("wrong-type-text", _sub("title: Minimal two-option case", "title: 42"), "wrong-type",
        "title", "put the value in quotes"),
    Bad("wrong-type-number", _sub("horizon_years: 10", "horizon_years: ten"), "wrong-type",
        "horizon_years", "whole number"),
    Bad("wrong-type-mapping", _sub(COST_VALUES, "    values: [100, 50, 50]\n"), "wrong-type",
        "lines[0].values", "{year: amount}"),
    Bad("negative-amount", _sub("2026: 50,", "2026: -50,"), "out-of-range",
        "lines[0].values[2026]", "positive amounts"),
    Bad("missing-title", _sub("title: Minimal two-option case\n", ""), "missing", "title",
        "add 'title: ...'"),
    Bad("missing-line-kind", _sub(COST, ""), "missing", "lines[0].kind", "add 'kind: ...'"),
    Bad("values-and-profile", _after(COST_VALUES,
                                     "    profile: {type: one_off, year: 2025, amount: 5}\n"),
        "profile", "lines[0]", "exactly one of the two"),
    Bad("bad-profile-generator",
        _sub(COST_VALUES, "    profile: {type: zigzag, start: 2025, end: 2027, amount: 50}\n"),
        "bad-choice", "lines[0].profile.type", "use one of the listed values"),
    Bad("bad-schedule-name", _after(COST, "    schedule: stndard\n"), "bad-choice",
        "lines[0].schedule", "did you mean 'standard'?"),
    Bad("anchor-and-alias",
        lambda t: _sub("    values: {2028", "    values: *v #")(
            _sub(COST_VALUES, "    values: &v {2025: 100, 2026: 50, 2027: 50}\n")(t)),
        "yaml-alias", "lines[1].values", "write the value out in full"),
    Bad("merge-key", _after(BENEFIT, "    <<: {source: elsewhere}\n"), "yaml-merge",
        "lines[1]", "write the keys out in full"),
    Bad("python-object-tag",
        _sub("title: Minimal two-option case", "title: !!python/object/apply:os.system [ls]"),
        "yaml-tag", "title", "remove the tag"),
    Bad("python-str-tag", _sub("title: Minimal", "title: !!python/str Minimal"), "yaml-tag",
        "title", "remove the tag"),
    Bad("bad-schema-version", _sub("schema_version: 1", "schema_version: 2"), "schema-version",
        "schema_version", "schema_version: 1"),
    Bad("optimism-bias-on-a-benefit",
        _after(BENEFIT, "    optimism_bias: {project_type: standard_buildings}\n"),
        "optimism-bias-benefit", "lines[1].optimism_bias", "adjust the benefit amounts"),
    Bad("unknown-optimism-bias-project-type",
        _after(COST, "    optimism_bias: {project_type: standard_bildings}\n"),
        "optimism-bias", "lines[0].optimism_bias.project_type",
        "did you mean 'standard_buildings'?"),
    Bad("unconfirmed-deflator-without-opt-in", _after(COST, "    price_year: 2020\n"),
        "deflator", "lines[0].price_year", "allow_unconfirmed: [gdp_deflator]"),
    Bad("price-year-on-a-nominal-line",
        _after(COST, "    price_basis: nominal\n    price_year: 2020\n"), "price-year-nominal",
        "lines[0].price_year", "remove 'price_year'"),
    Bad("bad-choice-of-timing", _after("horizon_years: 10\n", "timing: mid-year\n"),
        "bad-choice", "timing", "use one of the listed values"),
    Bad("invalid-yaml-syntax", _sub("options:\n", "options: [\n"), "yaml-syntax", None,
        "check indentation"),
    Bad("control-character", _sub("two-option", "two\x00option"), "yaml-syntax", None,
        "remove the control character"),
    Bad("non-utf8-bytes", lambda t: t.encode("utf-8").replace(b"two-option", b"two\xffoption"),
        "encoding", None, "save the file as UTF-8"),
    Bad("empty-file", lambda t: "", "empty", None, "appraisal demo"),
    Bad("not-a-mapping", lambda t: "- just\n- a list\n", "wrong-type", None, "mapping"),
]


def _params(aspect: str) -> list:
    out = []
    for bad in CATALOGUE:
        reason = bad.bug or {"location": bad.location_bug, "hint": bad.hint_bug}.get(aspect, "")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(bad, id=bad.id, marks=marks))
    return out


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write_bad(bad: Bad, minimal_text: str, write_case, tmp_path):
    path = write_case(tmp_path, bad.edit(minimal_text))
    return path, path.read_bytes()


def test_there_are_at_least_twenty_distinct_bad_inputs(minimal_text):
    texts = {bad.edit(minimal_text) for bad in CATALOGUE}
    assert len(texts) == len(CATALOGUE) >= 20
    assert len({bad.id for bad in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("bad", _params("refused"))
def test_bad_input_is_refused_and_nothing_is_written(bad, minimal_text, write_case, tmp_path,
                                                     capsys):
    path, before = _write_bad(bad, minimal_text, write_case, tmp_path)
    out_dir = tmp_path / "out"
    for args in (["validate", str(path)], ["run", str(path), "--out", str(out_dir)]):
        code, out, err = _cli(capsys, *args)
        assert code == 1, (args, out, err)
        assert f"[{bad.code}]" in err, err
        if bad.field:
            assert f"{bad.field}:" in err, err
        assert "Traceback" not in err + out
        assert "valid (" not in out
        assert not out_dir.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]  # no staging left
        assert path.read_bytes() == before


@pytest.mark.parametrize("bad", _params("location"))
def test_bad_input_is_located_at_file_line_column(bad, minimal_text, write_case, tmp_path,
                                                  capsys):
    path, _ = _write_bad(bad, minimal_text, write_case, tmp_path)
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        code, _, err = _cli(capsys, *args)
        assert code == 1
        issue_lines = [ln for ln in err.splitlines() if f"[{bad.code}]" in ln]
        assert issue_lines, err
        assert all(LOCATED.search(ln) for ln in issue_lines), err
        if bad.location_bug:  # located issues should also name the line's field path
            assert "lines[0]." in err


def _issues_of(path) -> list:
    """Every issue ``appraisal validate`` would report: loading, then compiling."""
    try:
        compile_case(load_case(path))
    except AppraisalValidationError as exc:
        return exc.issues
    return []


@pytest.mark.parametrize("bad", _params("hint"))
def test_bad_input_comes_with_a_fix_hint(bad, minimal_text, write_case, tmp_path, capsys):
    path, _ = _write_bad(bad, minimal_text, write_case, tmp_path)
    issue = next(i for i in _issues_of(path) if i.code == bad.code)
    _, _, err = _cli(capsys, "validate", str(path))
    assert str(issue) in err
    assert issue.fix, f"no fix hint: {issue}"
    assert bad.hint in str(issue), str(issue)


def test_several_problems_are_all_reported_at_once(minimal_text, write_case, tmp_path, capsys):
    text = minimal_text
    for edit in (_sub("title:", "titel:"), _sub("counterfactual: true", "counterfactual: NO"),
                 _sub("2026: 50,", "2026: 010,"), _sub("2027: 50}", "2027: -50}"),
                 _sub("2034: 30}", "2040: 30}"), _after(COST, "    schedule: stndard\n"),
                 _sub("  - option: New service\n    name: Avoided",
                      "  - option: New servise\n    name: Avoided")):
        text = edit(text)
    path = write_case(tmp_path, text)
    code, _, err = _cli(capsys, "validate", str(path))
    assert code == 1
    for expected in ("[unknown-key] titel", "[yaml-1.1-boolean] options[0].counterfactual",
                     "[leading-zero] lines[0].values[2026]", "[out-of-range] lines[0].values[2027]",
                     "[bad-choice] lines[0].schedule", "[unknown-option] lines[1].option",
                     "[year-outside-horizon] lines[1].values[2040]"):
        assert expected in err, err
    with pytest.raises(AppraisalValidationError) as info:
        load_yaml_case(path)
    located_lines = {i.location.split(":")[1] for i in info.value.errors}
    assert len(info.value.errors) >= 7
    assert len(located_lines) >= 5


def test_the_minimal_case_is_valid(minimal_text, write_case, tmp_path, capsys):
    path = write_case(tmp_path, minimal_text)
    code, out, _ = _cli(capsys, "validate", str(path))
    assert code == 0
    assert "valid (2 options, 2 lines, 10 years from 2025)" in out


@pytest.mark.parametrize("name", ["minimal", "prevention", "capital"])
def test_the_shipped_examples_load(name):
    case = load_case(example_path(name))
    assert isinstance(case, Case)
    assert case.lines


def test_load_records_the_inputs_hash_and_name(minimal_text, write_case, tmp_path):
    import hashlib

    path = write_case(tmp_path, minimal_text)
    case = load_yaml_case(path)
    assert case.source_path == "case.yaml"
    assert case.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parse_yaml_locates_fields_at_their_keys():
    data, locate, issues = parse_yaml("a: 1\nb:\n  c: [x, 2]\n", "f.yaml")
    assert data == {"a": 1, "b": {"c": ["x", 2]}}
    assert not issues.items
    assert locate(("a",)) == "f.yaml:1:1"
    assert locate(("b", "c")) == "f.yaml:3:3"
    assert locate(("b", "c", 1)) == "f.yaml:3:10"
    assert locate(("b", "missing")) == "f.yaml:2:1"  # falls back to the nearest parent


@pytest.mark.parametrize(("text", "value"), [
    ("v: true", True), ("v: False", False), ("v: 'NO'", "NO"), ("v: '010'", "010"),
    ("v: 0", 0), ("v: -12", -12), ("v: 1.5e3", 1500.0), ("v: .5", 0.5), ("v: ~", None),
    ("v: '1:30'", "1:30"), ("v: \"yes\"", "yes"), ("v: 0.0", 0.0), ("v: 2025-01-01",
                                                                  "2025-01-01"),
])
def test_plain_yaml_values_are_read_by_our_rules(text, value):
    data, _, issues = parse_yaml(text + "\n")
    assert not issues.items
    assert data["v"] == value
    assert type(data["v"]) is type(value)


_TOKENS = st.sampled_from(["", "NO", "010", "1:30", ".nan", "-1", "1e400", "[", "{", "*a",
                           "&a x", "!!binary aGk=", "2040", "x", "'", "\t", "null", "{}", "[]",
                           "Business as usual", "true", "0", "- y", "? k", "%YAML 1.1"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_mangled_case_is_either_valid_or_refused_with_located_issues(data, tmp_path_factory):
    """Reliability plan P20 (validation totality): an arbitrary edit of a valid case either
    loads, or raises AppraisalValidationError with every issue located - never another
    exception."""
    lines = _MINIMAL_LINES.copy()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if ": " in line and data.draw(st.booleans()):
            key = line.split(": ", 1)[0]
            lines[i] = f"{key}: {data.draw(_TOKENS)}"
        elif data.draw(st.booleans()):
            del lines[i]
            if not lines:
                lines = [""]
        else:
            lines.insert(i, data.draw(_TOKENS))
    path = tmp_path_factory.mktemp("p20") / "case.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = _issues_of_loading(path)  # any other exception fails the test
    assert all(issue.location.startswith("case.yaml") for issue in issues), issues


def _issues_of_loading(path) -> list:
    try:
        load_yaml_case(path)
    except AppraisalValidationError as exc:
        errors = exc.errors
        if not errors:
            pytest.fail(f"validation error without any error-level issue: {exc}")
        return errors
    return []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_a_validation_error(text):
    try:
        data, locate, issues = parse_yaml(text, "t.yaml")
    except Exception as exc:
        pytest.fail(f"parse_yaml raised {type(exc).__name__}: {exc}")
    assert _plain(data), data  # never a constructed Python object
    assert locate(("anything", 0)).startswith("t.yaml")
    assert all(i.location.startswith("t.yaml") for i in issues)


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


_MINIMAL_LINES = """\
schema_version: 1
title: Minimal two-option case
base_year: 2025
horizon_years: 10
options:
  - name: Business as usual
    counterfactual: true
  - name: New service
lines:
  - option: New service
    name: Set-up and running costs
    kind: cost
    values: {2025: 100, 2026: 50, 2027: 50}
  - option: New service
    name: Avoided costs
    kind: benefit
    values: {2028: 30, 2029: 30, 2030: 30, 2031: 30, 2032: 30, 2033: 30, 2034: 30}
""".splitlines()


def test_relative_packs_resolve_against_the_case_folder_not_the_working_folder(
        tmp_path, monkeypatch):
    """A case run from another folder still finds its parameter pack and unit-value pack,
    both given as paths relative to the case file."""
    from appraisal.lenses.pipeline import evaluate
    from appraisal.params.packs import PROVENANCE_COLUMNS

    project = tmp_path / "project"
    (project / "my_params").mkdir(parents=True)
    (project / "units").mkdir()
    (project / "my_params" / "discount_schedules.csv").write_text(
        "schedule,from_t,to_t," + ",".join(PROVENANCE_COLUMNS) + "\n"
        "standard,0,30,0.04,rate,,My department guidance,2026,T1,C,GB2026,test\n",
        encoding="utf-8")
    (project / "units" / "costs.csv").write_text(
        "code,description,unit,value,price_year,agency,value_type,cashable,source,licence\n"
        "X1,A call-out,call-out,600,2024,Police,fiscal,false,Local audit 2024,OGL\n",
        encoding="utf-8")
    path = project / "case.yaml"
    path.write_text(
        "schema_version: 1\ntitle: Relative packs\nbase_year: 2024\nhorizon_years: 3\n"
        "parameters: {packs: [my_params]}\n"
        "unit_value_packs:\n  - {path: units/costs.csv, name: local}\n"
        "options:\n  - {name: BAU, counterfactual: true}\n  - {name: A}\n"
        "lines:\n"
        "  - {option: A, name: cost, kind: cost, values: {2025: 104}}\n"
        "  - {option: A, name: saving, kind: benefit, values: {2024: 2},\n"
        "     unit_value: {pack: local, code: X1}}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    case = load_yaml_case(path)
    assert case.base_dir == str(project.resolve())
    result = evaluate(case)
    a = result.option("A")
    assert a.pv_costs == pytest.approx(104 / 1.04, rel=1e-12)  # the pack's 4%, not 3.5%
    assert a.pv_benefits == pytest.approx(2 * 600, rel=1e-12)
    assert "my_params" in result.manifest["parameter_packs"]


def test_compile_time_issues_of_a_python_case_are_located_by_field_path():
    case = case_from_records(
        title="T", base_year=2025, horizon_years=2,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "ok", "kind": "cost", "values": {2025: 1}},
               {"option": "A", "name": "c", "kind": "cost", "values": {2025: 1},
                "optimism_bias": {"project_type": "outsorcing"}}])
    with pytest.raises(AppraisalValidationError) as info:
        compile_case(case)
    (issue,) = info.value.issues
    assert issue.field == issue.location == "lines[1].optimism_bias.project_type"
    assert "did you mean 'outsourcing'?" in issue.fix


def test_a_failed_deflator_is_reported_once(minimal_text, write_case, tmp_path):
    """Two lines needing the unconfirmed deflator: one 'deflator' issue, at the first."""
    text = _after(COST, "    price_year: 2020\n")(minimal_text)
    text = _after(BENEFIT, "    price_basis: nominal\n")(text)
    with pytest.raises(AppraisalValidationError) as info:
        compile_case(load_case(write_case(tmp_path, text)))
    issues = [i for i in info.value.issues if i.code == "deflator"]
    assert len(issues) == 1, [str(i) for i in info.value.issues]
    assert issues[0].field == "lines[0].price_year"
    assert LOCATED.fullmatch(issues[0].location)
    # the table to opt in to, as data (a workbook names it on its Case sheet from this)
    assert issues[0].opt_in == "gdp_deflator"
    assert issues[0].to_dict()["opt_in"] == "gdp_deflator"
    assert "opt_in" not in Issue("deflator", "years missing").to_dict()


@pytest.mark.parametrize(("find", "typed", "expected"), [
    ("horizon_years: 10", "horizon_years: ten", "whole number"),
    ("title: Minimal two-option case", "title: [a, b]", "text"),
])
def test_a_wrong_type_says_what_the_field_takes_as_data(minimal_text, write_case, tmp_path,
                                                       find, typed, expected):
    """A ``wrong-type`` problem carries what the field takes (``Issue.expected``), which the
    workbook's wording turns into its fix, instead of reading it out of the message."""
    assert find in minimal_text
    issues = [i for i in _issues_of(write_case(tmp_path, minimal_text.replace(find, typed)))
              if i.code == "wrong-type"]
    assert [i.expected for i in issues] == [expected], [str(i) for i in issues]
    assert issues[0].to_dict()["expected"] == expected
    assert "expected" not in Issue("wrong-type", "must be a number").to_dict()


def test_every_issue_of_the_catalogue_has_a_fix(minimal_text, write_case, tmp_path):
    """Audit: every issue reported for any catalogue input says how to fix it."""
    for k, bad in enumerate(CATALOGUE):
        folder = tmp_path / str(k)
        folder.mkdir()
        issues = _issues_of(write_case(folder, bad.edit(minimal_text)))
        assert issues, bad.id
        assert all(i.fix for i in issues), (bad.id, [str(i) for i in issues if not i.fix])
