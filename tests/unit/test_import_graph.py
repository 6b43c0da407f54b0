"""The dependency rule, read from the source with `ast` (no import runs): handlers -> api -> domain
services -> ports <- adapters, one composition root, no cycles between sellerflow's packages.

import-linter (`make lint`, contracts in pyproject.toml) checks the same rule module by module; this
test keeps it in the unit suite and names the offending edge when it breaks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "sellerflow" / "sellerflow"

DOMAIN = {"alerts", "analytics", "audit", "connect", "members", "pii", "privacy", "reports", "sync"}
ADAPTERS = {"store", "spapi", "ads", "notifications"}
COMPOSITION_ROOT = "wiring"
HTTP_LAYER = "api"
# What adapters may read from the domain: its types (models, content, the audit chain's
# pure format), never a rule or service module.
DOMAIN_TYPES = {
    "alerts.model",
    "alerts.content",
    "analytics.model",
    "audit.chain",
    "audit.context",
    "members.model",
    "pii.models",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, module: str) -> Iterator[str]:
    """Every sellerflow* module the file imports (lazy and TYPE_CHECKING imports included)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # `from sellerflow.x import y` imports sellerflow.x, or the module sellerflow.x.y
            names = [stem, *(f"{stem}.{alias.name}" for alias in node.names)]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in ("sellerflow", "sellerflow_dev"))


def _module_edges() -> set[tuple[str, str]]:
    known = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    edges = set()
    for path in PACKAGE.rglob("*.py"):
        module = _module_name(path)
        for target in _imported(path, module):
            if target in known or target.split(".")[0] == "sellerflow_dev":
                edges.add((module, target))
    return edges


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sellerflow" else parts[0]


def _package_graph(edges: set[tuple[str, str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        if _package(source) != _package(target):
            graph.setdefault(_package(source), set()).add(_package(target))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path that ends where it starts), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


EDGES = _module_edges()
GRAPH = _package_graph(EDGES)


def test_the_graph_is_read_from_the_package() -> None:
    # guards the reader itself: a broken walk would make every rule below pass vacuously
    assert {"alerts", "store", "wiring", "api"} <= set(GRAPH)
    assert "store" in GRAPH["wiring"]
    assert ("sellerflow.wiring.alerts", "sellerflow.store.alerts") in EDGES


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_no_import_cycle_between_sellerflows_packages() -> None:
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


@pytest.mark.parametrize("package", sorted(DOMAIN))
def test_the_domain_imports_no_adapter_http_layer_or_composition_root(package: str) -> None:
    forbidden = ADAPTERS | {HTTP_LAYER, COMPOSITION_ROOT}
    assert not GRAPH.get(package, set()) & forbidden


@pytest.mark.parametrize("package", sorted(ADAPTERS))
def test_adapters_import_only_the_domains_types(package: str) -> None:
    def allowed(target: str) -> bool:
        if _package(target) in {HTTP_LAYER, COMPOSITION_ROOT}:
            return False
        return _package(target) not in DOMAIN or target.removeprefix("sellerflow.") in DOMAIN_TYPES

    offending = sorted((s, t) for s, t in EDGES if _package(s) == package and not allowed(t))
    assert not offending


def test_nothing_but_the_handlers_imports_the_composition_root() -> None:
    importers = sorted(
        {_package(s) for s, t in EDGES if _package(t) == COMPOSITION_ROOT} - {COMPOSITION_ROOT}
    )
    assert importers == []


def test_the_product_never_imports_the_development_tools() -> None:
    assert not [edge for edge in EDGES if edge[1].split(".")[0] == "sellerflow_dev"]


def test_tables_are_bound_only_in_the_composition_root() -> None:
    callers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "bind_tables":
                    callers.add(_module_name(path))
    assert callers, "bind_tables is called somewhere (the reader works)"
    assert {_package(module) for module in callers} == {COMPOSITION_ROOT}, sorted(callers)


@pytest.mark.parametrize("handler", sorted(ROOT.glob("functions/*/app.py")), ids=lambda p: p.parent.name)
def test_handlers_get_their_adapters_from_the_composition_root(handler: Path) -> None:
    imported = {
        target for target in _imported(handler, f"functions.{handler.parent.name}.app") if "." in target
    }
    assert not sorted(t for t in imported if _package(t) in ADAPTERS)
