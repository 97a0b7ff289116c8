"""The engine's packages import in no circle.

Every import counts: module level, inside `if TYPE_CHECKING:`, and inside functions (a
function-local import is how a circle usually hides). Nodes are the engine's subpackages
(`kinds`, `lua`, `wasm`, ...) and its top-level modules (`runtime`, `calls`, `errors`, ...);
imports inside one subpackage are that package's own business and are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "runtime" / "wippy_runtime"
PACKAGE = "wippy_runtime"


def _node(module: str) -> str | None:
    """`wippy_runtime.kinds.base` -> `kinds`; `wippy_runtime.calls` -> `calls`."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) == 1:
        return None
    return parts[1]


def _module_of(path: Path) -> str:
    rel = path.relative_to(ENGINE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute (relative imports resolved)."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            # `from . import x` / `from .. import kinds`: x may itself be a module
            out.update(f"{target}.{alias.name}" for alias in node.names)
    return out


def _is_engine_node(name: str) -> bool:
    return (ENGINE / name).is_dir() or (ENGINE / f"{name}.py").is_file()


def package_graph() -> dict[str, set[str]]:
    """Engine node -> the engine nodes it imports."""
    graph: dict[str, set[str]] = {}
    for path in ENGINE.rglob("*.py"):
        module = _module_of(path)
        src = _node(module)
        if src is None:
            continue  # the package's own __init__ re-exports the public API
        edges = graph.setdefault(src, set())
        for imported in _imports(path):
            dst = _node(imported)
            if dst is not None and dst != src and _is_engine_node(dst):
                edges.add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by a depth-first search (one per back edge)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_sees_the_known_layers():
    graph = package_graph()
    # a sanity check that the parser finds edges at all: kinds build on the lower layers
    assert {"registry", "scheduler", "wasm", "errors"} <= graph["kinds"]
    assert "kinds" in graph["build"]


def test_a_circle_is_detected():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_engine_packages_import_in_no_circle():
    found = cycles(package_graph())
    assert not found, "import circles: " + "; ".join(" -> ".join(c) for c in found)
