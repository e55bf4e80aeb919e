"""The package's shape, checked from its source: no import cycles, imports inside functions
only for optional dependencies, a small top level, and R's ``glm.fit`` messages written once.

The layer contract itself (which layer may import which) is checked by ``lint-imports`` with
the contracts in ``pyproject.toml``; these tests cover what that contract does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rglm

# The package under test (the installed one when CI runs the tests from a copy of the
# repository without ./rglm).
PACKAGE = Path(rglm.__file__).resolve().parent

# Optional extras: imported lazily, where they are used, with a clear message when missing.
OPTIONAL = {
    "matplotlib",
    "pyarrow",
    "dask",
    "distributed",
    "tqdm",
    "threadpoolctl",
    "marginaleffects",
    "polars",
    "numba",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The rglm modules an import statement loads (a `from pkg import name` loads pkg.name when
    that is a module, else pkg)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in MODULES else target)
    return out


def _imports(module: str) -> list[tuple[str, bool]]:
    """(imported module, whether the import is inside a function) for each import of a module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool, in_type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and not in_type_checking:
                for name in _imported(child, module, path.name == "__init__.py"):
                    found.append((name, in_function))
            checking = in_type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)), checking)

    visit(tree, False, False)
    return found


def test_imports_inside_functions_are_only_for_optional_dependencies() -> None:
    bad = [
        f"{module}: {name}"
        for module in MODULES
        for name, inside in _imports(module)
        if inside and name.split(".")[0] not in OPTIONAL
    ]
    assert bad == []


def test_the_import_graph_has_no_cycles() -> None:
    graph = {m: {n for n, _ in _imports(m) if n in MODULES and n != m} for m in MODULES}
    # Tarjan's strongly connected components; any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    assert cycles == []


def test_the_top_level_holds_at_most_twelve_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top


@pytest.mark.parametrize(
    "message",
    [
        "step size truncated due to divergence",
        "step size truncated: out of bounds",
        "IRLS did not converge in",
    ],
)
def test_each_glm_fit_message_is_written_once(message: str) -> None:
    sources = [p.read_text() for p in PACKAGE.rglob("*.py")]
    assert sum(s.count(message) for s in sources) == 1
