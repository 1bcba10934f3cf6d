"""Write a run's outputs into a folder: all or nothing, never over an input.

``results.json`` (versioned), CSV tables, and whatever further writers lenses and
front ends register in :data:`OUTPUT_WRITERS` (e.g. ``results.xlsx``, ``report.html``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from appraisal.io.atomic import atomic_output_dir
from appraisal.io.csv_safe import write_csv
from appraisal.results import AppraisalResult

__all__ = ["MANIFEST", "OUTPUT_WRITERS", "write_outputs"]

#: The file listing what a run wrote (name, bytes, SHA-256); ``--force`` over an earlier run
#: removes the files its manifest lists and this run does not write.
MANIFEST = "manifest.json"

#: Extra writers: ``writer(result, staging_dir: Path) -> list of file names written``.
OUTPUT_WRITERS: list[Callable[[AppraisalResult, Path], list[str]]] = []


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def results_json(result: AppraisalResult) -> str:
    """The ``results.json`` text of a result."""
    return json.dumps(_clean(result.to_dict()), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def write_outputs(
    result: AppraisalResult,
    out_dir: str | Path,
    *,
    force: bool = False,
    protect: Sequence[str | Path] = (),
    extra: bool = True,
) -> list[Path]:
    """Write ``results.json`` and CSV tables (and registered extras) into ``out_dir``.

    Files are built in a staging folder and moved into place only when all succeeded;
    an existing file is replaced only with ``force``; ``protect`` lists inputs that must
    never be overwritten.
    """
    target = Path(out_dir)
    names: list[str] = []
    with atomic_output_dir(target, force=force, protect=protect, manifest=MANIFEST) as stage:
        (stage / "results.json").write_text(results_json(result), encoding="utf-8")
        names.append("results.json")
        for view, name in (("options", "options.csv"), ("lines", "lines.csv"),
                           ("cashflows", "cashflows.csv"), ("switching", "switching_values.csv"),
                           ("parameters", "parameters_used.csv")):
            frame = result.to_frame(view)
            write_csv(frame, stage / name, index=view == "options")
            names.append(name)
        if extra:
            for writer in OUTPUT_WRITERS:
                names += writer(result, stage)
    return [target / n for n in [*names, MANIFEST]]
