"""The public API of appraisal.lenses.uncertainty is explicit and complete (httpx-style check)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import appraisal.lenses.uncertainty as uncertainty

MODULES = ["backends", "case_model", "correlation", "deterministic", "distributions", "gsa", "lens",
           "sampling", "section", "summaries", "voi"]


def test_package_all_is_the_union_of_the_modules_all():
    exported: set[str] = set()
    for name in MODULES:
        module = importlib.import_module(f"appraisal.lenses.uncertainty.{name}")
        exported |= set(module.__all__)
        for item in module.__all__:
            assert getattr(uncertainty, item) is getattr(module, item)
    assert set(uncertainty.__all__) == exported
    assert len(uncertainty.__all__) == len(set(uncertainty.__all__))


def test_every_public_function_and_class_is_exported_and_documented():
    package_dir = Path(uncertainty.__file__).parent
    for name in MODULES:
        module = importlib.import_module(f"appraisal.lenses.uncertainty.{name}")
        tree = ast.parse((package_dir / f"{name}.py").read_text(encoding="utf-8"))
        public = {node.name for node in tree.body
                  if isinstance(node, ast.FunctionDef | ast.ClassDef)
                  and not node.name.startswith("_")}
        assert public - set(module.__all__) <= {"dotted"}, name
        for item in public:
            assert getattr(module, item).__doc__, f"{name}.{item} has no docstring"


def test_only_gsa_imports_salib_and_only_backends_mention_dask():
    package_dir = Path(uncertainty.__file__).parent
    for path in package_dir.glob("*.py"):
        imports = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imports |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imports.add(node.module.split(".")[0])
        if path.stem != "gsa":
            assert "SALib" not in imports, path.name
        if path.stem != "backends":
            assert "dask" not in imports, path.name
