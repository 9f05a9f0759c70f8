"""Move a module's absolute imports of the monolith's packages under the service package.

`from shop.db import db` -> `from reviews_svc.shop.db import db`; `import shop.db as d` ->
`import reviews_svc.shop.db as d`; a bare `import shop.db` becomes `from reviews_svc import
shop` plus `import reviews_svc.shop.db` (so `shop.db.x` keeps working). Relative imports stay
as they are. The import name given to `Flask(...)` (it locates templates and static files)
moves too when it names a monolith module as a string.
"""

from __future__ import annotations

from collections.abc import Set

import libcst as cst

from extractor.codemods.names import dotted


class RenamePackage(cst.CSTTransformer):
    def __init__(self, prefix: str, packages: Set[str]) -> None:
        super().__init__()
        self.prefix = prefix
        self.packages = packages  # the monolith's top-level packages/modules

    def _ours(self, name: str | None) -> bool:
        return name is not None and name.split(".")[0] in self.packages

    def _moved(self, name: str) -> cst.Attribute | cst.Name:
        return _dotted(f"{self.prefix}.{name}")

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        written = dotted(updated.module) if updated.module is not None else None
        if updated.relative or not self._ours(written):
            return updated
        assert written is not None
        return updated.with_changes(module=self._moved(written))

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Import):
            return updated
        statement = updated.body[0]
        lines: list[cst.BaseSmallStatement] = []
        for alias in statement.names:
            written = dotted(alias.name)
            if not self._ours(written):
                lines.append(
                    cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
                )
                continue
            assert written is not None
            moved = alias.with_changes(name=self._moved(written), comma=cst.MaybeSentinel.DEFAULT)
            if alias.asname is None:
                top = written.split(".")[0]
                lines.append(
                    cst.ImportFrom(
                        module=_dotted(self.prefix),
                        names=[cst.ImportAlias(name=cst.Name(top))],
                    )
                )
                if "." in written:
                    lines.append(cst.Import(names=[moved]))
            else:
                lines.append(cst.Import(names=[moved]))
        if len(lines) == 1:
            return updated.with_changes(body=lines)
        first = updated.with_changes(body=[lines[0]])
        rest = [cst.SimpleStatementLine(body=[line]) for line in lines[1:]]
        return cst.FlattenSentinel([first, *rest])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if dotted(updated.func) not in ("Flask", "flask.Flask") or not updated.args:
            return updated
        first = updated.args[0]
        if first.keyword is not None and first.keyword.value != "import_name":
            return updated
        literal = first.value
        if not isinstance(literal, cst.SimpleString):
            return updated
        name = literal.evaluated_value
        if not isinstance(name, str) or not self._ours(name):
            return updated
        quote = literal.quote
        renamed = cst.SimpleString(f"{quote}{self.prefix}.{name}{quote}")
        return updated.with_changes(args=[first.with_changes(value=renamed), *updated.args[1:]])


def _dotted(text: str) -> cst.Attribute | cst.Name:
    """`a.b.c` as the node an import statement holds (module names are dotted names)."""
    expression = cst.parse_expression(text)
    if not isinstance(expression, cst.Attribute | cst.Name):
        raise ValueError(f"not a dotted name: {text!r}")
    return expression


def rename_package(source: str, prefix: str, packages: Set[str]) -> str:
    return cst.parse_module(source).visit(RenamePackage(prefix, packages)).code
