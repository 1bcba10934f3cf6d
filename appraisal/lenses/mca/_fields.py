"""Reading the fields of a parsed case section, recording every problem found.

The case loader turns YAML into plain Python data and gives a ``locate`` callable
for paths into it. :class:`SectionReader` wraps both with the
:class:`~appraisal.errors.Issues` collector so that each check records a located,
named problem and parsing carries on, so that every problem is reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from appraisal.errors import Expected
from appraisal.fields import FieldReader, did_you_mean

Path = tuple[str | int, ...]

__all__ = ["Path", "SectionReader"]


class SectionReader(FieldReader):
    """Typed access to a section's nodes that records problems instead of raising
    (:class:`~appraisal.fields.FieldReader`: ``error(path, code, message, fix)``).

    Parameters
    ----------
    locate : callable
        Maps a path to a location string such as ``"case.yaml:41:7"``.
    issues : Issues
        Where problems are recorded.

    Examples
    --------
    >>> from appraisal.errors import Issues
    >>> found = Issues()
    >>> reader = SectionReader(lambda p: "case.yaml", found)
    >>> reader.number("1/3", ("m", 0)), reader.number("x", ("m", 1)) is None
    (0.3333333333333333, True)
    >>> issue = found.items[0]
    >>> issue.location, issue.field, issue.message
    ('case.yaml', 'm[1]', "expected a number, got 'x'")
    """

    def mapping(self, value: object, path: Path, what: str = "a mapping") -> dict[Any, Any] | None:
        """Return ``value`` if it is a mapping, else record an error and return None."""
        if isinstance(value, Mapping):
            return dict(value)
        self.error(path, "wrong-type", f"expected {what}, got {_describe(value)}",
                   "write it as 'key: value' lines indented under this key",
                   expected=Expected.MAP)
        return None

    def sequence(self, value: object, path: Path, what: str = "a list") -> list[Any] | None:
        """Return ``value`` if it is a list, else record an error and return None."""
        if isinstance(value, list | tuple):
            return list(value)
        self.error(path, "wrong-type", f"expected {what}, got {_describe(value)}",
                   "write it as a YAML list ('- item' lines or [a, b])",
                   expected=Expected.LIST)
        return None

    def keys(self, data: Mapping[Any, Any], path: Path, allowed: Iterable[str],
             required: Iterable[str] = ()) -> bool:
        """Check for unknown and missing keys; True when there are none."""
        ok = self.unknown_keys(data, list(allowed), path)
        for key in required:
            if key not in data:
                ok = False
                self.error(path, "missing-key", f"required key '{key}' is missing",
                           f"add '{key}:' here")
        return ok

    def text(self, data: Mapping[Any, Any], key: str, path: Path, *,
             required: bool = True, default: str = "") -> str | None:
        """A non-empty string field; None (and an error) when required and absent or wrong."""
        if key not in data or data[key] is None:
            if required:
                self.error(path, "missing-key", f"required key '{key}' is missing",
                           f"add '{key}:' here")
                return None
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error((*path, key), "wrong-type", f"expected text, got {_describe(value)}",
                       "write plain text", expected=Expected.TEXT)
            return None
        text = str(value).strip()
        if not text:
            self.error((*path, key), "empty", "is empty", "write some text")
            return None
        if "\r" in text:
            self.error((*path, key), "carriage-return", "contains a carriage return "
                       "(U+000D); a workbook would give it back as a line feed, so the text "
                       "would change on the way", "remove it, or use a plain line break (\\n)")
        return text

    def number(self, value: object, path: Path) -> float | None:
        """A finite number; fraction strings such as ``'1/3'`` are allowed."""
        if isinstance(value, bool):
            result = None
        elif isinstance(value, int | float):
            result = float(value)
        elif isinstance(value, str):
            try:
                result = float(Fraction(value.strip()))
            except (ValueError, ZeroDivisionError):
                result = None
        else:
            result = None
        if result is None or not math.isfinite(result):
            self.error(path, "not-a-number", f"expected a number, got {_describe(value)}",
                       "write a number such as 3, 0.5 or '1/3'")
            return None
        return result

    def choice(self, value: object, path: Path, choices: Iterable[str]) -> str | None:
        """One of ``choices`` (case-insensitive, spaces read as underscores)."""
        choices = list(choices)
        if isinstance(value, str):
            norm = value.strip().lower().replace(" ", "_").replace("-", "_")
            if norm in choices:
                return norm
        close = did_you_mean(str(value), choices)
        hint = close or f"use one of: {', '.join(choices)}"
        self.error(path, "bad-choice",
                   f"expected one of {', '.join(choices)}, got {_describe(value)}", hint)
        return None

    def reference(self, value: object, path: Path, known: Iterable[str], what: str) -> str | None:
        """An identifier that must be one of ``known``; records a did-you-mean hint."""
        known = list(known)
        if isinstance(value, str) and value in known:
            return value
        close = did_you_mean(str(value), known)
        hint = (close or
                f"known {what}s: {', '.join(known) or '(none)'}")
        self.error(path, "unknown-reference", f"unknown {what} {_describe(value)}", hint)
        return None


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)
