"""The layering rules of ``docs/architecture.md``, checked on the source.

Every ``import`` of an ``appraisal`` module is read from the code (module level, inside
functions and under ``TYPE_CHECKING`` alike: an import that runs back up is one even when
it runs late). A module may import its own layer and the layers below it, never one
above; and the import graph has no circles. Nothing here runs the package's code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "appraisal"

#: The layers, lowest first, as docs/architecture.md lists them.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("appraisal.errors", "appraisal.limits", "appraisal._resources",
                    "appraisal.xlsx_safety", "appraisal.cells", "appraisal.formatting",
                    "appraisal.fields", "appraisal.yaml_safety")),
    ("params", ("appraisal.params",)),
    ("greenbook", ("appraisal.greenbook",)),
    ("case", ("appraisal.case",)),
    ("engine", ("appraisal.engine",)),
    ("lenses", ("appraisal.lenses",)),
    ("inputs", ("appraisal.inputs",)),
    ("outputs", ("appraisal.outputs",)),
    ("public", ("appraisal", "appraisal.mca", "appraisal.uncertainty", "appraisal.finance",
                "appraisal.cea")),
    ("cli", ("appraisal.cli", "appraisal.__main__")),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to docs/architecture.md"
    return best


def deferred_target(node: ast.AST) -> tuple[str, str] | None:
    """``(module, name)`` of a ``Deferred("module", "name")`` (``appraisal.lenses.catalogue``:
    a lens module imported on first use, which counts as an import)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "Deferred" and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)):
        return node.args[0].value, node.args[1].value
    return None


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports (``from X import name`` counts ``X.name`` when
    that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "appraisal")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.split(".")[0] != "appraisal":
                continue
            for alias in node.names:
                sub = f"{name}.{alias.name}"
                found.add(sub if sub in modules else name)
        elif deferred := deferred_target(node):
            found.add(deferred[0])
    found.discard(own)
    return found


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imported_modules(p, modules) & modules for p in files}


GRAPH = graph()


def test_every_module_has_a_layer() -> None:
    for module in GRAPH:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_runs_up(module: str) -> None:
    mine = layer_of(module)
    upward = sorted(f"{target} ({LAYERS[layer_of(target)][0]})" for target in GRAPH[module]
                    if layer_of(target) > mine)
    assert not upward, (f"{module} ({LAYERS[mine][0]}) imports from a higher layer: "
                        + ", ".join(upward))


def test_no_circles() -> None:
    """Tarjan's strongly connected components of the import graph: all of size one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not circles, f"import circles: {circles}"


def test_every_deferred_lens_import_names_a_function_of_a_module() -> None:
    """The catalogue's deferred imports are read as imports, and each names a module of the
    package and a function or name that module defines at its top level."""
    catalogue = PACKAGE / "lenses" / "catalogue.py"
    targets = [t for node in ast.walk(ast.parse(catalogue.read_text(encoding="utf-8")))
               if (t := deferred_target(node))]
    assert len(targets) >= 8  # a run and a section parser per lens that reads a section
    for module, name in targets:
        assert module in GRAPH, f"Deferred({module!r}, ...): no such module"
        assert module in GRAPH["appraisal.lenses.catalogue"]
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        top = ast.parse(path.read_text(encoding="utf-8")).body
        defined = {n.name for n in top if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        defined |= {(a.asname or a.name) for n in top if isinstance(n, ast.ImportFrom)
                    for a in n.names}
        assert name in defined, f"Deferred({module!r}, {name!r}): {name} not defined there"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The check can fail: a case module importing the CLI is reported."""
    source = tmp_path / "probe.py"
    source.write_text("from appraisal.cli.commands import main\n", encoding="utf-8")
    modules = set(GRAPH)
    found = imported_modules(PACKAGE / "case" / "model.py", modules)
    assert "appraisal.cli.commands" not in found
    probe = imported_modules.__wrapped__ if hasattr(imported_modules, "__wrapped__") else None
    assert probe is None
    tree_imports = {a for a in ast.walk(ast.parse(source.read_text()))
                    if isinstance(a, ast.ImportFrom)}
    assert layer_of(next(iter(tree_imports)).module) > layer_of("appraisal.case.model")
