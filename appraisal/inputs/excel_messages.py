"""Problems of a case workbook in the workbook's own words.

The case's checks (:mod:`appraisal.case.schema`, :mod:`appraisal.case.public_value`, the
lenses' section parsers) speak of field paths (``lines[2].profile.amount``) and give fixes
in YAML (``add '- name: Business as usual' with 'counterfactual: true'``). A person who
typed into a workbook sees sheets, rows and columns, so :class:`WorkbookWords` rewrites each
problem found in a workbook:

- the *field* becomes the sheet, the row and what the row is, then the column:
  ``Lines row 7 (Whole-family service / Key-worker contract), Kind``;
- field paths inside the message become rows (``lines[3]`` -> ``Lines row 6 (...)``) and
  quoted field names become column headers (``'kind'`` -> ``Kind``);
- a fix written in YAML becomes a fix in the workbook (fill in a column, choose from the
  drop-down, a row per key on the Sections sheet).

The location (``Sheet!Cell``) and the reason code are kept as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from appraisal.case import sheets as S
from appraisal.case.lens_sheets_pairwise import PAIRWISE
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.cells import cell_ref, column_letter
from appraisal.errors import Expected, Issue

__all__ = ["YAML_SYNTAX", "WorkbookWords", "looks_like_yaml", "path_words"]

#: Text that only makes sense in a YAML file: ``key: value`` snippets, flow maps, list
#: items, indexed field paths, and advice about quoting.
YAML_SYNTAX = re.compile(
    r"'[\w .-]*: |\{\s*[\w<.]+\s*:|'- |- name:|- impact:|key: value|\bYAML\b|\byaml\b"
    r"|in quotes|\b[a-z_]+\[\d+\]|\[\d+\]\.[a-z_]|'[a-z_]+:'|\b[a-z_]+: <|\be\.g\. [a-z_]+: ")
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!']+))!\$?([A-Z]{1,3})\$?(\d+)")
_INDEXED = re.compile(r"\b(lines|options)\[(\d+)\]((?:\.[A-Za-z_][\w]*)*)")
#: A quoted field path inside a lens section laid out as a table, e.g.
#: ``'affordability.funding[2].constant.amount'``.
_SECTION_PATH = re.compile(r"'([a-z_]+(?:\.[a-z_]+)*\[\d+\](?:\.[A-Za-z_]\w*|\[\d+\])*)'")
#: A quoted field name, or a column key inside a line field (``'optimism_bias.duration'``).
_QUOTED = re.compile(r"'([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)'")
_SET = re.compile(r"(?:set )?'([a-z_][a-z0-9_]*): ([^'{}\[\]]+)'")
_ADD = re.compile(r"add '([a-z_][a-z0-9_]*): \.\.\.'")
_TABLES = {spec.title: spec for spec in (S.OPTIONS, S.LINES, S.PROFILES, S.VALUATION,
                                         S.OPTIMISM_BIAS, S.RISK_AREAS,
                                         S.LINE_DETAILS,
                                         S.DEFLATOR, S.DISCOUNT_SCHEDULES, S.SECTIONS)}


def _shown(text: str) -> str:
    r"""Text as a message may show it: a control character (a line break in a name the
    checks refuse) is written as its escape, so a message is one line per problem.

    Examples
    --------
    >>> _shown("A\n=SUM(1,2)")
    'A\\n=SUM(1,2)'
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def looks_like_yaml(text: str) -> bool:
    """True when *text* holds YAML syntax or a field path.

    Examples
    --------
    >>> looks_like_yaml("add '- name: Business as usual' with 'counterfactual: true'")
    True
    >>> looks_like_yaml("the value lines[2].profile.amount is wrong")
    True
    >>> looks_like_yaml("choose yes or no from the drop-down")
    False
    """
    return bool(YAML_SYNTAX.search(text))


def _headers(spec: S.TableSheet) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in spec.columns:
        out[column.key] = column.header
        out.setdefault(column.key.rsplit(".", 1)[-1], column.header)
    return out


_HEADERS = {title: _headers(spec) for title, spec in _TABLES.items()}
_HEADERS.update({table.title: {**_headers(table.sheet()), **table.words}
                 for table in LENS_TABLES})
_HEADERS[PAIRWISE.title] = _headers(PAIRWISE)
#: The Case sheet's rows in words, by field path, and by the last key of the path where no
#: other row ends in it (a section's own message names 'draws', not 'uncertainty.draws').
_LEAVES = Counter(row.path[-1] for row in S.CASE_ROWS)
_HEADERS["Case"] = {**{row.path[-1]: row.label for row in S.CASE_ROWS
                       if _LEAVES[row.path[-1]] == 1},
                    **{row.name: row.label for row in S.CASE_ROWS}}
#: Workbook wording of a lens table's messages, by sheet and reason code.
_TABLE_MESSAGES = {table.title: table.messages for table in LENS_TABLES if table.messages}
#: The column of each lens table's row key (the ID an MCA row's scores and weights refer to).
_KEY_COLUMNS = {table.title: (n, column.header) for table in LENS_TABLES
                for n, column in enumerate(table.sheet().columns, start=1)
                if column.role == "key"}


#: Lens (and Line details) messages in the words of the sheet they are located on: (sheet
#: or None for any, reason code, start of the message) -> (message, fix); ``{0}`` is the
#: first quoted name of the message, if any. For messages that speak of the section's
#: structure (keys, mappings, matrices) rather than of the workbook's rows and columns.
_LENS_WORDS: dict[tuple[str | None, str, str], tuple[str, str]] = {
    (None, "missing-comparison", "no matrix compares"): (
        "the AHP weight set has no grid comparing the children of {0}",
        "add a grid on the MCA pairwise sheet: the weight set in column A, {0} under Compared "
        "under, and the items under {0} across its first row"),
    (None, "missing-key", "give either criteria + matrix"): (
        "the AHP weight set has no grid on the MCA pairwise sheet",
        "add its grids there: one with Compared under all criteria, or one per purpose (and "
        "root) whose children it compares"),
    (None, "conflicting-keys", "give either criteria + matrix"): (
        "the AHP weight set has a grid over all criteria and grids under purposes",
        "keep one grid over all criteria, or one grid per purpose (and root)"),
    ("MCA weight sets", "missing-key", "required key 'swings' is missing"): (
        "the swing weight set has no column of swings on the MCA sheet",
        "add a column on the MCA sheet headed with the set's name and (swing), e.g. "
        "'officers (swing)', with its swings; or correct the header"),
    ("MCA weight sets", "missing-key", "required key 'weights' is missing"): (
        "the direct weight set has no column of weights on the MCA sheet",
        "add a column on the MCA sheet headed with the set's name and (weight), e.g. "
        "'partners (weight)', with its weights; or correct the header"),
    ("Short list", "wrong-type", "expected a mapping, got nothing"): (
        "the option has no choice in the dimension columns",
        "type its choice (an ID from the Long list) under Scope, Solution, Delivery, "
        "Implementation or Funding, or choose yes under Business as usual"),
}
# the input sheets' own (an empty Options sheet; a works duration typed as a word)
_LENS_WORDS[("Options", "wrong-type", "'options' must be a non-empty list")] = (
    "the Options sheet has no options", "type business as usual (yes under Counterfactual) "
    "and each option you appraise, one per row")
_LENS_WORDS[("Line details", "wrong-type", "'duration' must be a mapping")] = (
    "the works duration takes TRUE or FALSE (its own contributions, mitigation and uplift are "
    "rows of their own, with the keys duration.contributions.<risk area>, "
    "duration.mitigation.<risk area> and duration.uplift)",
    "type TRUE to add the works-duration uplift, or FALSE")
_LENS_WORDS[("Risk areas", "optimism-bias", "mitigation given for risk area")] = (
    "mitigation given for risk area {0}, which has no Contribution (%)",
    "spell the risk area as on the line's row with its Contribution (%), or give its "
    "contribution on this row")
#: Section paths a message may quote, in words.
_PATH_WORDS = {"distribution.groups": "the groups on the Distribution sheet"}


def _lens_words(title: str | None, code: str, message: str) -> tuple[str, str] | None:
    """The workbook wording of a lens message about a section's structure, or None.

    Examples
    --------
    >>> _lens_words(None, "missing-comparison",
    ...             "no matrix compares the children of 'root'")[0]
    "the AHP weight set has no grid comparing the children of 'root'"
    """
    for (sheet, known, start), (said, fix) in _LENS_WORDS.items():
        if code == known and message.startswith(start) and sheet in (None, title):
            found = re.search(r"'([^']*)'", message)
            name = f"'{found.group(1)}'" if found else ""
            return said.format(name), fix.format(name)
    return None


#: How to type a value of each kind (``Issue.expected`` of a ``wrong-type`` problem), in the
#: workbook's words.
_TYPE_FIXES = {
    Expected.WHOLE_NUMBER: "type a whole number, e.g. 10 or 2025 (no words, units or decimals)",
    Expected.NUMBER: "type a plain number, without units or £ signs",
    Expected.TEXT: "type the value as text (in Excel, start it with an apostrophe ')",
    Expected.YES_NO: "choose yes or no from the drop-down",
    Expected.LIST: "type the names separated by ';'",
}
_ANY_TYPE = "type the value in the form the help row of the sheet gives"


def _missing_key(message: str) -> str:
    found = re.search(r"required key (.+?) is missing", message)
    what = found.group(1).strip("'") if found else ""
    return f"fill in {what}" if what and not looks_like_yaml(what) else (
        "fill in the value the message names")


#: Workbook fixes by reason code, used when the case's own fix is written in YAML.
#: Each takes the message and the column header (or "") of the cell.
_FIXES: dict[str, Any] = {
    "missing": lambda m, col: f"fill in {col or 'the cell'}",
    "empty": lambda m, col: f"type a value in {col or 'the cell'}",
    "bad-choice": lambda m, col: ("choose one of the values the message lists (the cell has "
                                  "a drop-down list)"),
    "counterfactual": lambda m, col: ("on the Options sheet choose yes under Counterfactual "
                                      "for the business-as-usual option and no for the others"),
    "profile": lambda m, col: ("on the Profiles sheet give the line a Profile type and its "
                               "Amount, or choose explicit and type the amounts in the year "
                               "columns"),
    "duplicate-name": lambda m, col: "give each row a different name",
    "missing-key": lambda m, col: _missing_key(m),
    "missing-score": lambda m, col: ("type the option's score in its column on the "
                                     "criterion's row"),
    "missing-parameter": lambda m, col: (f"fill in {m.removesuffix(' is required')}"
                                         if m.endswith(" is required") else f"fill in {col}"),
    "unknown-key": lambda m, col: "correct the Path, or delete the row",
    "invalid-value": lambda m, col: ("type a whole number (no words, units or decimals)"
                                     if "must be an integer" in m
                                     else "correct the cell as the message says"),
    "deflator": lambda m, col: ("give the missing years on the Deflator sheet, or the row "
                                "Deflator: growth after the series on the Case sheet (with "
                                "its source)"),
}


def _opt_in(table: str) -> str:
    """How a workbook opts in to an unconfirmed parameter table (``Issue.opt_in``).

    Examples
    --------
    >>> _opt_in("qaly_values")[:49]
    'check the value, then add qaly_values to the row '
    """
    return (f"check the value, then add {table} to the row Parameters: unconfirmed tables "
            "used on the Case sheet (names separated by ';'); or use a confirmed value of "
            "your own")


#: Workbook wording of messages written in YAML, by reason code.
_MESSAGES: dict[str, str] = {
    "profile": "the line needs its amounts exactly once: a row on the Profiles sheet with "
               "either a generator (Profile type and its columns) or amounts in the year "
               "columns",
}
#: Names of case sections that are sheets of the workbook.
_SHEET_NAMES = {"'options'": "the Options sheet", "'lines'": "the Lines sheet"}


def path_words(section: str, path: str) -> str:
    """A row of the Sections sheet in words: its section and its path without brackets.

    Examples
    --------
    >>> path_words("non_monetised", "[0].scores.Do minimum")
    'non_monetised: item 1, scores, Do minimum'
    >>> path_words("mca", "criteria[2].weight")
    'mca: criteria item 3, weight'
    """
    parts = S.parse_path(path) if path else ()
    if parts is None:
        return f"{section}: {path}"
    words: list[str] = []
    for part in parts:
        key = part[1] if isinstance(part, tuple) else part
        if isinstance(key, int) and not isinstance(key, bool):
            if words and not words[-1].startswith("item "):
                words[-1] = f"{words[-1]} item {key + 1}"
            else:
                words.append(f"item {key + 1}")
        else:
            words.append(str(key).replace("_", " "))
    return f"{section}: {', '.join(words)}" if words else section


@dataclass
class WorkbookWords:
    """What a workbook's rows and columns are called, to word its problems.

    Parameters
    ----------
    rows : dict
        ``(sheet, row) -> description`` of each data row: option and line on Lines,
        Profiles and Line details, the option on Options, section and path on Sections.
    columns : dict
        ``(sheet, column) -> header`` of each header read.
    locations : Mapping
        Field path -> ``Sheet!Cell`` (as :class:`~appraisal.inputs.excel_read.WorkbookInput`).
    year_cells : tuple or None
        Profiles sheet, its first year column and the base year.

    Examples
    --------
    >>> words = WorkbookWords(rows={("Lines", 7): "Whole-family service / Key-worker contract"},
    ...                       columns={("Lines", 3): "Kind"})
    >>> issue = Issue("bad-choice", "'kind' must be one of cost, benefit (got 'costt')",
    ...               "Lines!C7", "lines[4].kind", "use one of the listed values")
    >>> print(words.translate(issue))  # doctest: +NORMALIZE_WHITESPACE
    Lines!C7: error [bad-choice] Lines row 7 (Whole-family service / Key-worker contract),
    Kind: Kind must be one of cost, benefit (got 'costt') (use one of the listed values)
    """

    rows: dict[tuple[str, int], str] = field(default_factory=dict)
    columns: dict[tuple[str, int], str] = field(default_factory=dict)
    locations: Mapping[tuple[Any, ...], str] = field(default_factory=dict)
    year_cells: tuple[str, int, int | None] | None = None

    @staticmethod
    def cell(location: str) -> tuple[str, int, int] | None:
        """(sheet, row, column) of a ``Sheet!Cell`` location, or None.

        Examples
        --------
        >>> WorkbookWords.cell("'Line details'!E5"), WorkbookWords.cell("case.xlsx")
        (('Line details', 5, 5), None)
        """
        found = _REF.match(location or "")
        if found is None:
            return None
        title = found.group(1).replace("''", "'") if found.group(1) else found.group(2)
        letters, row = found.group(3), int(found.group(4))
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        return title, row, col

    def row_words(self, title: str, row: int) -> str:
        """``Lines row 7 (option / line)``, or ``Lines row 7`` for a row not described."""
        said = self.rows.get((title, row))
        if row == S.HEADER_ROW and (title in _TABLES or title in _HEADERS):
            return f"{title} header row"
        return f"{title} row {row} ({_shown(said)})" if said else f"{title} row {row}"

    def column_words(self, title: str, col: int) -> str:
        """The header of a column (a year on the Profiles sheet's year columns)."""
        if self.year_cells is not None and title == self.year_cells[0]:
            _, first, base = self.year_cells
            if col >= first and base is not None:
                return f"year {base + col - first}"
        return self.columns.get((title, col), f"column {column_letter(col)}")

    def place(self, location: str, column: bool = True) -> str | None:
        """A ``Sheet!Cell`` in words: the sheet, the row and what the row is, the column
        (unless *column* is false, for a whole row).

        None for a location that is not a cell of the workbook.

        Examples
        --------
        >>> words = WorkbookWords(rows={("Lines", 7): "Do it / Key-worker contract"},
        ...                       columns={("Lines", 3): "Kind"})
        >>> words.place("Lines!C7")
        'Lines row 7 (Do it / Key-worker contract), Kind'
        >>> words.place("Lines!A7", column=False), words.place("case.xlsx")
        ('Lines row 7 (Do it / Key-worker contract)', None)
        """
        where = self.cell(location)
        if where is None:
            return None
        title, row, col = where
        said = self.row_words(title, row)
        return f"{said}, {self.column_words(title, col)}" if column else said

    def all_worded(self, issues: Sequence[Issue]) -> list[Issue]:
        """Every problem worded for the workbook (:meth:`translate`), a mistyped row key
        said once.

        A row key no part of the case knows (a misspelt ID on a row of kind ``from
        template`` of the MCA sheet) is unknown to each score and weight column of its row;
        it is one mistake, so it is said once, at the key's cell.

        Examples
        --------
        >>> words = WorkbookWords(rows={("MCA", 5): "trust_in_servise"})
        >>> said = words.all_worded([
        ...     Issue("unknown-reference", f"unknown criterion 'trust_in_servise'", f"MCA!{c}5",
        ...           "mca.scores", "did you mean 'trust_in_service'?") for c in "MN"])
        >>> print(said[0])  # doctest: +NORMALIZE_WHITESPACE
        MCA!A5: error [unknown-reference] MCA row 5 (trust_in_servise), ID: unknown criterion
        'trust_in_servise', so the 2 values of its row are not read (did you mean
        'trust_in_service'?)
        >>> len(said)
        1
        """
        worded = [self.translate(i) for i in issues]
        rows: dict[tuple[str, int], list[int]] = {}
        for n, issue in enumerate(worded):
            where = self.cell(issue.location)
            if (issue.code == "unknown-reference" and where is not None
                    and where[0] in _KEY_COLUMNS and where[2] != _KEY_COLUMNS[where[0]][0]):
                rows.setdefault(where[:2], []).append(n)
        dropped: set[int] = set()
        for (title, row), found in rows.items():
            if len(found) < 2:
                continue
            col, header = _KEY_COLUMNS[title]
            first = worded[found[0]]
            worded[found[0]] = replace(
                first, location=cell_ref(title, row, col),
                field=f"{self.row_words(title, row)}, {header}",
                message=f"{first.message}, so the {len(found)} values of its row are not read")
            dropped.update(found[1:])
        return [issue for n, issue in enumerate(worded) if n not in dropped]

    def translate(self, issue: Issue) -> Issue:
        """The same problem, worded for the workbook."""
        where = self.cell(issue.location)
        if where is None:
            message = self._message(issue.message, None, issue.code)
            fix = self._fix(issue, message, None, "")
            return replace(issue, message=message, fix=fix,
                           field=self._plain(issue.field, None))
        title, row, col = where
        said = _lens_words(title, issue.code, issue.message)
        if said is not None:  # (a "did you mean" of the fix is kept)
            hint = issue.fix.split("?", 1)[0] + "? " if issue.fix.startswith(
                "did you mean") else ""
            issue = replace(issue, message=said[0], fix=hint + said[1])
        about_field = bool(issue.field) and not issue.field.endswith("]")
        column = self.column_words(title, col) if about_field or row == S.HEADER_ROW else ""
        words = self.row_words(title, row)
        field_words = f"{words}, {column}" if column else words
        message = self._message(issue.message, title, issue.code)
        fix = self._fix(issue, message, title, column)
        return replace(issue, field=field_words, message=message, fix=fix)

    # --- rewording ----------------------------------------------------------------------

    def _row_of(self, kind: str, index: int) -> str | None:
        where = self.cell(self.locations.get((kind, index), ""))
        return self.row_words(where[0], where[1]) if where else None

    def _plain(self, text: str, title: str | None) -> str:
        """Indexed field paths as rows, quoted field names of a table sheet as headers."""
        def row(found: re.Match[str]) -> str:
            said = self._row_of(found.group(1), int(found.group(2)))
            if said is None:
                return found.group(0)
            tail = found.group(3).lstrip(".")
            if tail:
                header = _HEADERS.get("Lines" if found.group(1) == "lines" else "Options",
                                      {}).get(tail.rsplit(".", 1)[-1], tail.replace("_", " "))
                return f"{said}, {header}"
            return said

        text = _INDEXED.sub(row, text)
        text = _SECTION_PATH.sub(lambda m: self._section_path(m.group(1), title), text)
        headers = _HEADERS.get(title or "", {}) if title != S.SECTIONS.title else {}
        if headers:
            text = _QUOTED.sub(lambda m: headers.get(m.group(1), m.group(0)), text)
        return text

    def _section_path(self, text: str, title: str | None) -> str:
        """A field path of a lens table as the workbook says it: the column's header (on
        the sheet the message is about), or the row and the column (elsewhere)."""
        path = tuple(int(p[1:-1]) if p.startswith("[") else p
                     for p in re.findall(r"[A-Za-z_]\w*|\[\d+\]", text))
        for cut in range(len(path), 0, -1):
            where = self.cell(self.locations.get(path[:cut], ""))
            if where is None:
                continue
            sheet, row, col = where
            tail = [p for p in path[cut:] if isinstance(p, str)]
            last = path[cut - 1]
            key = tail[-1] if tail else (last if isinstance(last, str) else None)
            header = _HEADERS.get(sheet, {}).get(key) if key else None
            if header is None and key and not tail:
                header = self.columns.get((sheet, col))
            if sheet == title:
                return header or "the row"
            said = self.row_words(sheet, row)
            return f"{said}, {header}" if header else said
        return f"'{text}'"

    def _message(self, message: str, title: str | None, code: str = "") -> str:
        for quoted, words in _SHEET_NAMES.items():
            message = message.replace(f"not in {quoted}", f"not on {words}")
        for path, words in _PATH_WORDS.items():
            message = message.replace(path, words)
        message = self._plain(message, title)
        own = _TABLE_MESSAGES.get(title or "", {})
        if looks_like_yaml(message) and code in own:
            return own[code][0]
        if looks_like_yaml(message) and code in _MESSAGES:
            return _MESSAGES[code]
        return message

    def _fix(self, issue: Issue, message: str, title: str | None, column: str) -> str:
        fix = issue.fix
        if issue.opt_in:  # the YAML opt-in is a Case row in a workbook
            return _opt_in(issue.opt_in)
        if not looks_like_yaml(fix):
            return self._plain(fix, title)
        headers = _HEADERS.get(title or "", {}) if title != S.SECTIONS.title else {}
        hint = fix.split("?", 1)[0] + "?" if fix.startswith("did you mean") else ""
        hint = "" if looks_like_yaml(hint) else hint
        own = _TABLE_MESSAGES.get(title or "", {})
        if issue.code in own:
            return f"{hint} {own[issue.code][1]}".strip()
        if issue.code == "wrong-type":
            return f"{hint} {_TYPE_FIXES.get(issue.expected, _ANY_TYPE)}".strip()
        make = _FIXES.get(issue.code)
        if make is not None and not (title == S.SECTIONS.title and issue.code == "missing"):
            return f"{hint} {make(message, column)}".strip()
        if headers:
            # 'value_type: fiscal' -> set Value type to fiscal; add 'name: ...' -> fill in Name
            candidate = _ADD.sub(lambda m: f"fill in {headers.get(m.group(1), m.group(1))}", fix)
            candidate = _SET.sub(lambda m: f"set {headers.get(m.group(1), m.group(1))} to "
                                 f"{m.group(2).strip()}" if m.group(1) in headers
                                 else m.group(0), candidate)
            candidate = self._plain(candidate, title)
            if not looks_like_yaml(candidate):
                return candidate
        if title == S.SECTIONS.title:
            words = ("add or correct the rows of this section on the Sections sheet "
                     "(one row per value: Section, Path, Value) as the message says")
        else:
            words = "correct the cell as the message says"
        return f"{hint} {words}".strip()
