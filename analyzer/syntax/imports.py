"""Import statements: the absolute module a relative import names, and the names imports
inside functions bind."""

from __future__ import annotations

import ast

from analyzer.syntax.scopes import ModuleScopes


def absolute_import(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    """The absolute module named by a relative import, or None when it climbs above the top."""
    if level == 0:
        return name
    package_parts = module.split(".") if module else []
    if not is_package:
        package_parts = package_parts[:-1]
    climb = level - 1
    if climb >= len(package_parts):
        return None
    base = package_parts[: len(package_parts) - climb]
    if name:
        base = [*base, name]
    return ".".join(base) if base else None


def function_imports(
    scopes: ModuleScopes, module: str, is_package: bool
) -> dict[tuple[int, str], str]:
    """(line, name) -> absolute dotted name, for the names imports inside functions bind
    (`from app.models import User` in a view, to avoid an import cycle); also those in
    module-level blocks (`try:`/`if`), as only the module's own import statements are left
    to the resolver."""
    found: dict[tuple[int, str], str] = {}
    top = {id(statement) for statement in scopes.tree.body}
    for node in scopes.imports:
        if id(node) in top:
            continue  # module level: the resolver follows those
        if isinstance(node, ast.ImportFrom):
            source = absolute_import(module, is_package, node.level, node.module)
            for alias in node.names if source else ():
                if alias.name != "*":
                    found[(node.lineno, alias.asname or alias.name)] = f"{source}.{alias.name}"
        else:
            for alias in node.names:
                if alias.asname:
                    found[(node.lineno, alias.asname)] = alias.name
    return found
