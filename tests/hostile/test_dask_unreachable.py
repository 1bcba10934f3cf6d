"""An unreachable Dask scheduler: one line naming the address and the timeout."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from appraisal.errors import BackendError
from appraisal.lenses.uncertainty.backends import DaskBackend

pytest.importorskip("distributed")
REPO = Path(__file__).resolve().parents[2]
ADDRESS = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


def test_backend_raises_backend_error_within_the_timeout():
    start = time.monotonic()
    with pytest.raises(BackendError) as info, DaskBackend(ADDRESS, timeout=1):
        pass
    assert time.monotonic() - start < 20
    assert ADDRESS in str(info.value)
    assert "1 s" in str(info.value)


def test_cli_says_so_in_one_line(tmp_path, capsys):
    from appraisal.cli.commands import main

    case = REPO / "data" / "examples" / "early_help_prevention.yaml"
    code = main(["uncertainty", str(case), "--out", str(tmp_path / "out"), "--draws", "50",
                 "--dask", ADDRESS, "--dask-timeout", "1.5"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert f"could not reach the Dask scheduler at {ADDRESS} within 1.5 s" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_nonpositive_timeout(tmp_path, capsys):
    from appraisal.cli.commands import main

    case = REPO / "data" / "examples" / "early_help_prevention.yaml"
    code = main(["uncertainty", str(case), "--out", str(tmp_path / "out"),
                 "--dask", ADDRESS, "--dask-timeout", "0"])
    assert code == 1
    assert "--dask-timeout" in capsys.readouterr().err
