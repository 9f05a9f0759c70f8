"""The monolith modules a module's (transformed) source imports, read with `ast` (never run)."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Set


def project_imports(source: str, module: str, is_package: bool, known: Set[str]) -> set[str]:
    """Every module of `known` that `source` imports, at any depth (function bodies too)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_with_parents(alias.name, known))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            if base is None:
                continue
            found.update(_with_parents(base, known))
            for alias in node.names:
                found.update(_with_parents(f"{base}.{alias.name}", known))
    found.discard(module)
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if node.level == 0:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base) or None


def _with_parents(name: str, known: Set[str]) -> set[str]:
    """`a.b.c` and the packages Python imports on the way (`a`, `a.b`), those that are known."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(known)


def names_imported_from(
    sources: Mapping[str, tuple[str, bool]], known: Set[str]
) -> dict[str, set[str]]:
    """For each module of `known`, the names other modules import from it by
    `from module import name` (`sources`: module -> (source, is_package))."""
    found: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        package = module if is_package else module.rpartition(".")[0]
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _absolute(node, package)
                if base is not None and base in known and base != module:
                    found.setdefault(base, set()).update(a.name for a in node.names)
    return found
