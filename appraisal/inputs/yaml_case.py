"""Read a case from YAML, strictly, with a location for every field.

The YAML is composed into nodes (never constructed into Python objects by PyYAML) and
converted by our own rules, so that the YAML 1.1 surprises are errors instead of silent
changes of meaning:

- ``yes``/``no``/``on``/``off``/``y``/``n`` (any case) are refused: write ``true``/
  ``false``, or quote the text;
- numbers with a leading zero (``010``, octal in YAML 1.1) and sexagesimal values
  (``1:30``) are refused: quote them or write the number plainly;
- ``.nan`` and ``.inf`` are refused; duplicate keys, anchors/aliases and explicit
  tags are refused.

Every problem is reported at once, with ``file:line:column``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from appraisal.case.model import Case
from appraisal.case.schema import build_case
from appraisal.errors import AppraisalValidationError, Issue, Issues
from appraisal.lenses.catalogue import section_parsers
from appraisal.yaml_safety import parse_yaml

__all__ = ["load_yaml_case"]

_MAX_BYTES = 20 * 1024 * 1024


def load_yaml_case(path: str | Path) -> Case:
    """Load and validate a YAML case file.

    Raises
    ------
    AppraisalValidationError
        With every problem found (YAML and schema), each at ``file:line:column``.
    """
    p = Path(path)
    name = p.name
    raw = p.read_bytes()
    if len(raw) > _MAX_BYTES:
        raise AppraisalValidationError([Issue(
            "too-large", f"the file is {len(raw):,} bytes; a case file may be at most "
            f"{_MAX_BYTES:,}", location=name)], source=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        issues = Issues()
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        issues.error("encoding", f"the file is not UTF-8 text (byte {exc.start})",
                     location=f"{name}:{line}:{column}", fix="save the file as UTF-8")
        issues.raise_if_errors(name)
        raise
    data, locate, issues = parse_yaml(text, name)
    if data is None and not issues.has_errors:
        issues.error("empty", "the file holds no case", location=f"{name}:1:1",
                     fix="start from an example: appraisal demo --example minimal")
    if issues.has_errors and not isinstance(data, dict):
        issues.raise_if_errors(name)
    sha = hashlib.sha256(raw).hexdigest()
    try:
        case = build_case(data, locate=locate, source=name, source_sha256=sha,
                          base_dir=p.parent, sections=section_parsers())
    except AppraisalValidationError as exc:
        raise AppraisalValidationError([*issues.items, *exc.issues], source=name) from None
    issues.raise_if_errors(name)
    return case
