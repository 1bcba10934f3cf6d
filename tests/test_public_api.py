"""The public API is explicit, documented and mirrored by the tests; published parameters
live in data/, never as literals in the library code."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import appraisal

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "appraisal"
TESTS = REPO / "tests"

#: Published Green Book numbers that must come from data/, never from code (values compared
#: numerically, so 0.035, 3.5e-2 and 0.0350 are all caught). Kept to values that are
#: distinctive: 0.02, 0.1, 2 and the like are too common in ordinary code to police.
#: Discount rates (DfT TAG 2026 / Green Book A6), as fractions and as percentages:
DISCOUNT_RATES = {0.035, 0.03, 0.025, 0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043, 0.0257,
                  0.0214, 0.0171, 3.5, 1.29, 1.07, 2.57, 2.14}
#: Optimism-bias upper bounds (HMT 2003 Table 2), the distributional elasticity (Green Book
#: A3, eta = 1.3) and the WELLBY value and its high end (HMT wellbeing guidance 2021):
OTHER_PUBLISHED = {0.24, 0.39, 0.51, 0.44, 0.66, 0.54, 0.41, 1.3, 13000, 16000}
PUBLISHED = DISCOUNT_RATES | OTHER_PUBLISHED

# ------------------------------------------------------------------------- public API


def test_all_is_sorted_and_unique():
    names = list(appraisal.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", appraisal.__all__)
def test_every_exported_name_is_importable_and_documented(name):
    obj = getattr(appraisal, name)
    module = importlib.import_module(obj.__module__)
    assert getattr(module, obj.__name__) is obj
    doc = inspect.getdoc(obj) or ""
    own = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert own, f"{name} has no docstring of its own"
    assert doc.strip(), f"{name} has an empty docstring"
    assert not doc.startswith(f"{obj.__name__}("), f"{name}: only the generated signature"


def test_all_lists_exactly_the_public_names():
    """httpx's test_exported_members: nothing public is exported by accident."""
    public = {n for n, v in vars(appraisal).items()
              if not n.startswith("_") and not inspect.ismodule(v)}
    assert public == set(appraisal.__all__)


# ------------------------------------------------------------------------- mirror


def _mirrored(stem: str, tests: set[str]) -> bool:
    return any(name == f"test_{stem}.py" or name.startswith(f"test_{stem}_") for name in tests)


def _missing_mirrors() -> list[str]:
    """Top-level modules need ``tests/test_<module>[_*].py``; each layer package (params,
    case, greenbook, ...) needs a test file for at least one of its modules."""
    tests = {p.name for p in [*TESTS.glob("test_*.py"), *TESTS.glob("hostile/test_*.py")]}
    missing = []
    for module in sorted(PACKAGE.glob("*.py")):
        if module.name.startswith("_"):  # private modules, __init__ and __main__
            continue
        if not _mirrored(module.stem, tests):
            missing.append(f"tests/test_{module.stem}.py (for appraisal/{module.name})")
    for package in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        stems = {m.stem for m in package.rglob("*.py") if not m.name.startswith("_")}
        if not any(_mirrored(stem, tests) for stem in stems):
            missing.append(f"tests/test_<module>.py for a module of appraisal/{package.name}/")
    return missing


def test_every_module_has_a_test_file():
    """Tests mirror the package (STYLE 3.1, scikit-criteria's check-testdir idea)."""
    missing = _missing_mirrors()
    assert not missing, "missing test files:\n  " + "\n  ".join(missing)


# ------------------------------------------------------------------------- literals

_CONTEXTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Call, ast.keyword, ast.arguments,
             ast.Return, ast.Compare, ast.Dict, ast.List, ast.Tuple, ast.Set)


def published_literals(source: str, filename: str = "<string>") -> list[str]:
    """Published numbers written as literals in assignment, call, default, return,
    comparison or container contexts (docstrings and comments are not code)."""
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and type(node.value) in (int, float)
                and node.value in PUBLISHED):
            continue
        context = parents.get(node)
        while isinstance(context, ast.UnaryOp | ast.BinOp):
            context = parents.get(context)
        if isinstance(context, _CONTEXTS):
            found.append(f"{filename}:{node.lineno}: {node.value!r} in "
                         f"{type(context).__name__}")
    return found


def test_the_literal_scanner_catches_what_it_should():
    planted = '''
"""Module docstring mentioning 3.5% and 0.035 is fine."""
RATE = 0.035                      # assignment
rates = {"standard": 3.5e-2}      # container, another spelling
def f(r=0.0129): return r         # default
discount(0.03)                    # call argument
g(uplift=0.51)                    # keyword
if rate > -0.035: pass            # comparison (through a unary minus)
x: float = 1.3                    # annotated assignment
w = 13000 * q                     # arithmetic
'''
    found = published_literals(planted)
    assert sorted(int(line.split(":")[1]) for line in found) == list(range(3, 11))
    assert published_literals('"""0.035"""\nrate = "3.5%"\nn = 2\n# 0.51\n') == []


def test_no_published_number_is_a_literal_in_library_code():
    """DESIGN.md: every Green Book figure lives in data/ with its provenance; code never
    holds one as a literal."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += published_literals(path.read_text(encoding="utf-8"),
                                    str(path.relative_to(REPO)))
    assert not found, "published numbers written in code:\n  " + "\n  ".join(found)
