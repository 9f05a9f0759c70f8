"""Module names for files, and absolute names for relative imports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from analyzer.syntax.imports import absolute_import

__all__ = ["absolute_import", "module_name_for", "path_module_name"]

MAX_PACKAGE_DEPTH = 32


def module_name_for(path: Path, *, has_init: Callable[[Path], bool]) -> tuple[str, bool]:
    """The dotted module name Python would give `path`, and whether it is a package.

    Walks up while the directory holds an `__init__.py` (or is a namespace directory inside
    a package), so `src/shop/views.py` is `shop.views` when `src/` is not a package itself.
    """
    is_package = path.name == "__init__.py"
    names: list[str] = [] if is_package else [path.stem]
    directory = path.parent
    if is_package:
        names.append(directory.name)
        directory = directory.parent
    for _ in range(MAX_PACKAGE_DEPTH):
        if not directory.name.isidentifier():
            break
        # a directory without __init__.py inside a package is a namespace subpackage
        if not has_init(directory) and not has_init(directory.parent):
            break
        names.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(names)), is_package


def path_module_name(relative: Path) -> str | None:
    """The dotted name of a file from its path under the analyzed root (`app/views.py` ->
    `app.views`), used as a second name for namespace packages; None if not importable."""
    parts = list(relative.parts)
    if parts[-1] == "__init__.py":
        parts.pop()
    else:
        parts[-1] = relative.stem
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)
