"""A ``nan`` discount rate in a user's pack is named, with its place (issue 19, item 7).

Before, ``appraisal validate`` passed such a pack and ``run`` refused it with "schedule
does not cover every year", a message that named neither the value nor the file.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from appraisal.cli.commands import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "data" / "green_book" / "discount_schedules.csv"
MINIMAL = (REPO / "data" / "examples" / "minimal.yaml").read_text(encoding="utf-8")


def test_a_nan_rate_in_a_pack_is_refused_by_validate_naming_the_value(tmp_path, capsys):
    with SHIPPED.open(encoding="utf-8", newline="") as f:
        header, first, *_ = list(csv.reader(f))
    row = dict(zip(header, first, strict=True))
    assert (row["schedule"], row["from_t"]) == ("standard", "0")
    row["value"] = "nan"
    pack = tmp_path / "pack"
    pack.mkdir()
    with (pack / "discount_schedules.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerow([row[c] for c in header])
    case = tmp_path / "case.yaml"
    case.write_text(MINIMAL + "parameters:\n  packs: [pack]\n", encoding="utf-8")
    before = hashlib.sha256(case.read_bytes()).hexdigest()
    out = tmp_path / "out"

    assert main(["validate", str(case)]) == 1
    said = capsys.readouterr()
    text = said.out + said.err
    assert "discount_schedules.csv:2:4" in text
    assert "'nan'" in text
    assert "does not cover every year" not in text
    assert "Traceback" not in text

    assert main(["run", str(case), "--out", str(out)]) == 1
    capsys.readouterr()
    assert not out.exists()
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before
