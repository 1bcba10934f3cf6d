"""The run's core CSV tables are written from plain rows, without pandas (issue 14, fast
start): the bytes equal those pandas writes from the same rows' data frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal import evaluate, example_path, load_case
from appraisal.outputs.csv_safe import raw_csv, write_csv, write_records_csv

EXAMPLES = ("minimal", "capital", "prevention", "falls")
CORE = ("options", "lines", "cashflows", "switching", "parameters")


def _both(tmp: Path, records, columns=None, index=None) -> tuple[bytes, bytes]:
    frame = pd.DataFrame(records, columns=columns)
    if index is not None:
        frame = frame.set_index(index)
    write_csv(frame, tmp / "pandas.csv", index=index is not None)
    write_records_csv(records, tmp / "records.csv", columns=columns, index=index)
    return (tmp / "pandas.csv").read_bytes(), (tmp / "records.csv").read_bytes()


@pytest.fixture(scope="module", params=EXAMPLES)
def result(request):
    return evaluate(load_case(example_path(request.param)))


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("view", CORE)
def test_every_core_table_of_the_examples_is_written_as_pandas_writes_it(
        result, view, raw, tmp_path):
    records, columns = result.core_records(view)
    with raw_csv(raw):
        ours, theirs = _both(tmp_path, records, columns, "name" if view == "options" else None)
    assert ours == theirs
    expected = result.to_frame(view)
    assert list(pd.read_csv(tmp_path / "records.csv").columns) == (
        ["name", *expected.columns] if view == "options" else list(expected.columns))


TEXT = st.text(st.sampled_from(list("ab ,\"'\n=+-@\t\r0.é")), max_size=6)
VALUES = st.one_of(
    st.none(), st.booleans(), TEXT, st.just(float("nan")),
    st.integers(-(2**63), 2**63 - 1), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e20, max_value=1e20).map(np.float64),
    st.integers(-1000, 1000).map(np.int64),
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(np.float32),
)
KEYS = st.sampled_from(["a", "b", "=c", "year", "pv"])


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.dictionaries(KEYS, VALUES, max_size=5), max_size=6),
       raw=st.booleans())
def test_generated_rows_are_written_as_pandas_writes_them(records, raw, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csv")
    with raw_csv(raw):
        ours, theirs = _both(tmp, records)
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(records=st.lists(st.fixed_dictionaries({"name": TEXT, "npsv": VALUES, "bcr": VALUES}),
                        min_size=1, max_size=5),
       raw=st.booleans())
def test_generated_rows_with_a_name_index_are_written_as_pandas_writes_them(
        records, raw, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csv")
    with raw_csv(raw):
        ours, theirs = _both(tmp, records, index="name")
    assert ours == theirs


def test_a_fixed_column_order_is_kept_and_missing_columns_are_empty(tmp_path):
    records = [{"b": 1, "a": "x"}]
    ours, theirs = _both(tmp_path, records, columns=["a", "c", "b"])
    assert ours == theirs == b"a,c,b\nx,,1\n"
