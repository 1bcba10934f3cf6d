"""Reading a case file (:mod:`appraisal.inputs.yaml_case`); the bad YAML catalogue is
``tests/hostile/test_bad_yaml.py``."""

from __future__ import annotations

import hashlib

import pytest

from appraisal.errors import AppraisalValidationError
from appraisal.inputs.load import example_path
from appraisal.inputs.yaml_case import load_yaml_case


def test_a_case_records_its_file_name_and_hash():
    path = example_path("minimal")
    case = load_yaml_case(path)
    assert case.source_path == path.name
    assert case.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_utf8_is_located_at_its_byte(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_bytes(b"title: caf\xe9\n")
    with pytest.raises(AppraisalValidationError) as info:
        load_yaml_case(path)
    issue = info.value.issues[0]
    assert (issue.code, issue.location) == ("encoding", "case.yaml:1:11")


def test_an_empty_file_says_it_holds_no_case(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(AppraisalValidationError, match="holds no case"):
        load_yaml_case(path)
