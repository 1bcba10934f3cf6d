"""Print the size of the package, per layer: total lines and code lines.

Code lines are the lines that hold a token other than a comment, a docstring or
white space, so a shrink that only deletes documentation shows in the first
column and not in the second.

Run it from the repository root::

    python benchmarks/package_size.py            # per layer
    python benchmarks/package_size.py --modules  # per module, largest first
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "appraisal"


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Return the line numbers that belong to a module, class or function docstring."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                first = body[0]
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def count(source: str) -> tuple[int, int]:
    """Return ``(total lines, code lines)`` of one Python source text.

    Examples
    --------
    >>> count("'''Doc.'''\\n\\n# note\\nx = 1  # one\\n")
    (4, 1)
    """
    docstrings = _docstring_lines(ast.parse(source))
    code: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in skip or token.type == tokenize.ENDMARKER:
            continue
        rows = range(token.start[0], token.end[0] + 1)
        code.update(row for row in rows if row not in docstrings)
    return len(source.splitlines()), len(code)


def main() -> None:
    """Print the totals per layer (or per module with ``--modules``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="one row a module")
    args = parser.parse_args()
    total: Counter[str] = Counter()
    code: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        layer = relative.parts[0] if len(relative.parts) > 1 else "(top)"
        key = str(relative) if args.modules else layer
        lines, code_lines = count(path.read_text(encoding="utf-8"))
        total[key] += lines
        code[key] += code_lines
    rows = sorted(total, key=lambda key: -total[key]) if args.modules else sorted(total)
    print(f"{'':40} {'lines':>7} {'code':>7}")
    for key in rows:
        print(f"{key:40} {total[key]:7d} {code[key]:7d}")
    print(f"{'all':40} {sum(total.values()):7d} {sum(code.values()):7d}")


if __name__ == "__main__":
    main()
