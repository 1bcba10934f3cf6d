"""The exception tree: every deliberate error is an AppraisalError, also catchable as the
builtin a caller would expect, carries every issue, and survives pickling (so it crosses
process and Dask boundaries intact)."""

from __future__ import annotations

import pickle

import pytest

from appraisal.errors import (
    AppraisalError,
    AppraisalValidationError,
    BCRUndefinedError,
    Issue,
    Issues,
    NoSwitchingValueError,
    OutputError,
    ParameterError,
    PriceBaseMismatchError,
    Severity,
    UnconfirmedParameterError,
    UnsafeInputError,
)


@pytest.mark.parametrize(("cls", "builtin"), [
    (AppraisalValidationError, ValueError),
    (PriceBaseMismatchError, TypeError),
    (ParameterError, KeyError),
    (UnconfirmedParameterError, KeyError),
    (BCRUndefinedError, ZeroDivisionError),
    (UnsafeInputError, ValueError),
    (OutputError, OSError),
])
def test_every_error_is_an_appraisal_error_and_its_natural_builtin(cls, builtin):
    assert issubclass(cls, AppraisalError)
    assert issubclass(cls, builtin)


def test_unconfirmed_parameter_is_a_parameter_error():
    assert issubclass(UnconfirmedParameterError, ParameterError)
    assert issubclass(NoSwitchingValueError, AppraisalError)


def test_issues_collects_everything_and_raises_once_with_every_error():
    issues = Issues()
    issues.error("unknown-key", "unknown key 'titel'", location="c.yaml:2:1", field="titel",
                 fix="did you mean 'title'?")
    issues.warn("unconfirmed", "deflator row is C2", location="c.yaml:9:3", field="prices")
    issues.error("nan", "amount is NaN", location="c.yaml:14:9", field="lines[0].values.1")
    assert len(issues) == 3
    assert [i.code for i in issues.errors] == ["unknown-key", "nan"]
    assert [i.severity for i in issues.warnings] == [Severity.WARNING]
    with pytest.raises(AppraisalValidationError) as info:
        issues.raise_if_errors("c.yaml")
    text = str(info.value)
    assert text.splitlines()[0] == "c.yaml: 2 problems"
    assert "c.yaml:2:1: error [unknown-key] titel: unknown key 'titel' (did you mean 'title'?)" \
        in text
    assert "c.yaml:14:9" in text
    assert "c.yaml:9:3" in text


def test_warnings_alone_do_not_raise():
    issues = Issues()
    issues.warn("w", "only a warning")
    issues.raise_if_errors()
    assert not issues.has_errors


@pytest.mark.parametrize("exc", [
    AppraisalValidationError([Issue("x", "bad", "f.yaml:1:1", "a.b", "do y")], source="f.yaml"),
    PriceBaseMismatchError("capex", "2019 prices, nominal", "opex", "2024 prices, real"),
    ParameterError("no table 'foo'"),
    UnconfirmedParameterError("gdp_deflator 2026 is C2"),
    UnsafeInputError("zip bomb"),
])
def test_errors_survive_pickling_with_their_fields(exc):
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == str(exc)
    if isinstance(exc, AppraisalValidationError):
        assert back.issues == exc.issues
        assert back.source == exc.source


def test_issue_to_dict_round_trips_its_fields():
    issue = Issue("unknown-key", "unknown key 'titel'", "case.yaml:2:1", "titel", "use 'title'")
    d = issue.to_dict()
    assert d["code"] == "unknown-key"
    assert d["location"] == "case.yaml:2:1"
    assert d["field"] == "titel"
    assert d["fix"] == "use 'title'"
    assert d["severity"] == "error"
