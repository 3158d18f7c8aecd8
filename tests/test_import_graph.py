"""The shape of the code, checked from its imports (every import counts: module level, inside
functions, and under TYPE_CHECKING):

- no import cycles among the project's modules;
- ``corpus`` never imports ``assistant`` or ``evals``; the runtime (``assistant`` less its front
  ends) never imports ``evals`` (the CLI's ``eval`` command is the front end of ``evals``);
- no private name (``_x``) is imported or reached across modules;
- the front ends (the CLI, its commands, the web app, the evaluations) take the assistant, its
  settings and its types from the declared API (``assistant.__all__``), not from the modules
  behind it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assistant

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "corpus", "evals")
# modules behind the declared API: front ends import their names from ``assistant``
BEHIND_API = {"assistant.core", "assistant.types", "assistant.settings", "assistant.chat",
              "assistant.router", "assistant.search", "assistant.plain_answers",
              "assistant.runtime_index", "assistant.records", "assistant.rerank"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            out[_module_name(path)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (``a.b.c`` may be module a.b's attribute c)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(mod: str, tree: ast.Module) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every import of a project module."""
    out = []
    pkg = mod if (ROOT / mod.replace(".", "/") / "__init__.py").exists() else mod.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if (target := _resolve(a.name)) is not None:
                    out.append((target, "", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for a in node.names:
                full = f"{base}.{a.name}"
                if full in MODULES:
                    out.append((full, "", node.lineno))
                elif (target := _resolve(base)) is not None:
                    out.append((target, a.name, node.lineno))
    return out


GRAPH = {m: _imports(m, t) for m, t in MODULES.items()}


def test_the_graph_sees_the_project():
    assert {"assistant.core", "assistant.router", "corpus.store", "evals.runner"} <= set(GRAPH)
    assert any(t == "assistant.router" and n == "Router" for t, n, _ in GRAPH["assistant.core"])


def _cycle() -> list[str] | None:
    edges = {m: sorted({t for t, _, _ in imps if t != m and not _is_package_of(t, m)})
             for m, imps in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in edges.get(m, []):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (found := visit(t)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def _is_package_of(target: str, module: str) -> bool:
    """``assistant`` itself (the API package) loads its names lazily, on first use: importing
    it from a submodule is no cycle."""
    return module.startswith(target + ".")


def test_no_import_cycles():
    assert _cycle() is None


@pytest.mark.parametrize("low,high", [("corpus", "assistant"), ("corpus", "evals"),
                                      ("assistant", "evals")])
def test_layers_never_import_upwards(low, high):
    bad = [(m, t, line) for m, imps in GRAPH.items()
           if m.split(".")[0] == low and not _front_end(m)
           for t, _, line in imps if t.split(".")[0] == high]
    assert bad == []


def test_no_private_name_crosses_a_module():
    bad = []
    for m, imps in GRAPH.items():
        bad += [(m, f"{t}.{n}", line) for t, n, line in imps
                if n.startswith("_") and not n.startswith("__") and t != m]
    for m, tree in MODULES.items():
        aliases = {a.asname or a.name.split(".")[0]: a.name
                   for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                   for a in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.value.id in aliases and node.value.id not in ("self", "cls")):
                target = aliases[node.value.id]
                if _resolve(target) is not None or _resolve(
                        f"{_resolve_from(m, node.value.id) or ''}") is not None:
                    bad.append((m, f"{node.value.id}.{node.attr}", node.lineno))
    assert bad == []


def _resolve_from(mod: str, alias: str) -> str | None:
    for node in ast.walk(MODULES[mod]):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if (a.asname or a.name) == alias and f"{node.module}.{a.name}" in MODULES:
                    return f"{node.module}.{a.name}"
    return None


def _front_end(m: str) -> bool:
    return (m.startswith("evals.") or m in ("assistant.cli", "assistant.ui", "assistant.ui_html",
                                            "assistant.ui_monitor")
            or m.startswith("assistant.commands."))


def test_front_ends_use_the_declared_api():
    bad = [(m, t, line) for m, imps in GRAPH.items() if _front_end(m)
           for t, _, line in imps if t in BEHIND_API]
    assert bad == []


def test_the_declared_api_resolves():
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name
    with pytest.raises(AttributeError):
        assistant.no_such_name  # noqa: B018


def test_the_web_app_reaches_changes_and_watches_through_the_assistant():
    ui = [m for m in GRAPH if m.startswith("assistant.ui")]
    bad = [(m, t, line) for m in ui for t, _, line in GRAPH[m]
           if t in ("corpus.changes", "corpus.watches", "corpus.store")]
    assert ui and bad == []
