"""Small LibCST readings shared by the codemods: dotted names, absolute import targets."""

from __future__ import annotations

import libcst as cst


def dotted(node: cst.BaseExpression | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def import_target(node: cst.ImportFrom, module: str, is_package: bool) -> str | None:
    """The absolute module a `from ... import` reads from, inside module `module`."""
    written = dotted(node.module) if node.module is not None else ""
    if written is None:
        return None
    level = len(node.relative)
    if level == 0:
        return written
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, written] if written else base)


def bound_name(alias: cst.ImportAlias) -> str | None:
    """The local name an import alias binds (`y` for `x as y`, `a` for `import a.b`)."""
    if alias.asname is not None:
        name = alias.asname.name
        return name.value if isinstance(name, cst.Name) else None
    written = dotted(alias.name)
    return None if written is None else written.split(".")[0]
