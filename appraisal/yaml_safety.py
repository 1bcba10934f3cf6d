"""YAML read strictly, with a location for every node: the YAML safety layer.

The text is scanned once as events (nesting depth, explicit tags) and composed into nodes,
never constructed into Python objects by PyYAML, then converted by our own rules, so the
YAML 1.1 surprises are errors instead of silent changes of meaning (see
:mod:`appraisal.inputs.yaml_case`, which reads a case with it). Used by every YAML reader:
case files, and the value trees shipped in ``data/mca``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from appraisal.errors import Issues
from appraisal.fields import field_path

__all__ = ["parse_yaml"]

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+(\.[0-9]*)?")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?")
_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}
_NOT_FINITE = {".nan", ".inf", "-.inf", "+.inf", "nan", "inf", "-inf", "+inf", "infinity"}
_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge", "value")
}


def _scalar(node: yaml.ScalarNode, where: str, issues: Issues, path: str) -> Any:
    text = node.value
    if node.style in ("'", '"', "|", ">"):
        return text
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("", "~", "null"):
        return None
    if low in _YAML11_BOOL:
        issues.error("yaml-1.1-boolean", f"'{text}' is read as a boolean by some YAML readers "
                     "and as text by others", location=where, field=path,
                     fix=f"write true or false, or quote it: '{text}'")
        return text
    if low in _NOT_FINITE:
        issues.error("not-finite", f"'{text}' is not a finite number", location=where,
                     field=path, fix="write a finite number")
        return None
    if _LEADING_ZERO.fullmatch(text):
        issues.error("leading-zero", f"'{text}' has a leading zero (YAML 1.1 reads it as an "
                     "octal number)", location=where, field=path,
                     fix="remove the leading zero, or quote it if it is text")
        return text
    if _SEXAGESIMAL.fullmatch(text):
        issues.error("yaml-1.1-sexagesimal", f"'{text}' is read as a base-60 number by YAML 1.1 "
                     "readers", location=where, field=path, fix=f"quote it: '{text}'")
        return text
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def parse_yaml(
    text: str, source: str = "<yaml>"
) -> tuple[Any, Callable[[tuple], str], Issues]:
    """Parse YAML text into plain data, a locator and the problems found.

    Examples
    --------
    >>> data, locate, issues = parse_yaml("a: 1\\nb: [x, NO]\\n", "c.yaml")
    >>> data["a"], locate(("b", 1)), [i.code for i in issues]
    (1, 'c.yaml:2:8', ['yaml-1.1-boolean'])
    """
    issues = Issues()
    marks: dict[tuple, tuple[int, int]] = {}
    explicit: set[tuple[int, bool]] = set()
    try:
        if not _events_ok(text, source, issues, explicit):
            return None, lambda path: source, issues
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        issues.error("yaml-syntax", f"{exc.problem or 'invalid YAML'}"
                     f"{' ' + exc.context if exc.context else ''}", location=where,
                     fix="check indentation, colons and quotes around this point")
        return None, lambda path: source, issues
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        issues.error("yaml-syntax", f"{exc.reason}: character #x{exc.character:04x}",
                     location=f"{source}:{line}:{column}",
                     fix="remove the control character (save the file as plain UTF-8 text)")
        return None, lambda path: source, issues
    except yaml.YAMLError as exc:
        issues.error("yaml-syntax", str(exc), location=source)
        return None, lambda path: source, issues

    def where(n: yaml.Node) -> str:
        return f"{source}:{n.start_mark.line + 1}:{n.start_mark.column + 1}"

    seen: set[int] = set()

    def convert(n: yaml.Node, path: tuple) -> Any:
        marks[path] = (n.start_mark.line + 1, n.start_mark.column + 1)
        written = (n.start_mark.index, isinstance(n, yaml.ScalarNode)) in explicit
        if n.tag not in _STANDARD_TAGS or written:
            # e.g. !!python/object, !!binary, !local, and !!str: the README refuses them all
            shown = n.tag.replace("tag:yaml.org,2002:", "!!", 1)
            issues.error("yaml-tag", f"explicit tag '{shown}' is not allowed", location=where(n),
                         field=field_path(path), fix="remove the tag")
            return None
        if id(n) in seen:
            issues.error("yaml-alias", "anchors and aliases (&name / *name) are not allowed in a "
                         "case", location=where(n), field=field_path(path),
                         fix="write the value out in full")
            return None
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            return _scalar(n, where(n), issues, field_path(path))
        if isinstance(n, yaml.SequenceNode):
            return [convert(item, (*path, i)) for i, item in enumerate(n.value)]
        out: dict[Any, Any] = {}
        first: dict[Any, yaml.Node] = {}
        for key_node, value_node in n.value:
            if not isinstance(key_node, yaml.ScalarNode):
                issues.error("yaml-key", "mapping keys must be plain values",
                             location=where(key_node), field=field_path(path))
                continue
            key = _scalar(key_node, where(key_node), issues, field_path(path))
            if key_node.value == "<<":
                issues.error("yaml-merge", "merge keys (<<) are not allowed in a case",
                             location=where(key_node), field=field_path(path),
                             fix="write the keys out in full")
                continue
            if key in first:
                issues.error("duplicate-key", f"key '{key}' appears twice in this mapping "
                             f"(first at line {first[key].start_mark.line + 1})",
                             location=where(key_node), field=field_path((*path, key)),
                             fix="remove or rename one of them")
                continue
            first[key] = key_node
            out[key] = convert(value_node, (*path, key))
            # a field is located at its key: the line a reader looks for
            marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out

    data = convert(node, ()) if node is not None else None

    def locate(path: tuple) -> str:
        probe = tuple(path)
        while probe and probe not in marks:
            probe = probe[:-1]
        line, col = marks.get(probe, (1, 1))
        return f"{source}:{line}:{col}"

    return data, locate, issues


def _events_ok(text: str, source: str, issues: Issues, explicit: set[tuple[int, bool]]) -> bool:
    """Scan the YAML events once, before any node is built: nesting depth and explicit tags.

    PyYAML builds nodes recursively, so a file nested thousands deep would exhaust the
    stack; the event stream is flat, so the depth is counted here and a file deeper
    than :data:`~appraisal.limits.MAX_NESTING` is refused at the first level over.
    Explicit tags (even standard ones such as ``!!str``) are recorded by position, since
    a composed node does not say whether its tag was written or resolved.
    """
    from appraisal.limits import MAX_NESTING

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent) and (
                event.tag is not None):
            explicit.add((event.start_mark.index, isinstance(event, yaml.ScalarEvent)))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                issues.error("too-deep", f"mappings and lists are nested more than "
                             f"{MAX_NESTING} deep here; a case needs fewer than 10 levels, and "
                             "deeper files are refused so that reading them cannot exhaust "
                             "memory", location=f"{source}:{mark.line + 1}:{mark.column + 1}",
                             fix="check the brackets and indentation around this point")
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return True
