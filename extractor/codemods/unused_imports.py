"""Remove the imports that only the code a codemod took out was using.

An import whose name is used nowhere in the original module stays: it may be imported for
its side effects (`from app import routes` registers views), which is common in Flask apps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set

import libcst as cst

from extractor.codemods.names import bound_name


class _NameUses(cst.CSTVisitor):
    """How often each name is used outside import statements."""

    def __init__(self) -> None:
        super().__init__()
        self.uses: Counter[str] = Counter()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.uses[node.value] += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `x.name`: only `x` is a use of a name
        return False


def name_uses(module: cst.Module) -> Counter[str]:
    visitor = _NameUses()
    module.visit(visitor)
    return visitor.uses


class _RemoveImports(cst.CSTTransformer):
    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused

    def _kept(self, names: object) -> list[cst.ImportAlias]:
        assert isinstance(names, tuple | list)
        return [alias for alias in names if bound_name(alias) not in self.unused]

    def leave_Import(
        self, original: cst.Import, updated: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        kept = self._kept(updated.names)
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated.names, cst.ImportStar):
            return updated
        kept = self._kept(updated.names)
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        if updated.lpar is None:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)


def remove_orphaned_imports(before: str, after: str, exported: Set[str] = frozenset()) -> str:
    """`after` without the imports whose names `before` used and `after` no longer uses;
    names in `exported` stay (other modules import them from this one)."""
    original, changed = cst.parse_module(before), cst.parse_module(after)
    used_before, used_after = name_uses(original), name_uses(changed)
    orphaned = {name for name in used_before if used_after[name] == 0} - set(exported)
    if not orphaned:
        return after
    return changed.visit(_RemoveImports(orphaned)).code
