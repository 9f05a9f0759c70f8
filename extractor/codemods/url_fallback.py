"""Make the copied app build links to the routes it no longer serves.

Right after the app is made (`app = Flask(...)`, in the app factory or at module level), the
codemod inserts::

    from <service>.monolith_links import link_to_monolith  # strangler extract: ...
    app.url_build_error_handlers.append(link_to_monolith)

so `url_for` of an endpoint taken out of the copy builds the monolith's URL instead of
raising `BuildError` (`extractor/monolith_links.py` writes that module).
"""

from __future__ import annotations

import libcst as cst

from extractor.codemods.factory_body import FactoryBodyTransformer
from extractor.codemods.names import dotted

INSERTED_MARK = "# strangler extract: links to the monolith's routes"


def _created_app(statement: cst.BaseStatement) -> str | None:
    """`app` for `app = Flask(...)` (also `flask.Flask`, or a `Flask` subclass named so)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target, value = assign.targets[0].target, assign.value
    if not (isinstance(target, cst.Name) and isinstance(value, cst.Call)):
        return None
    called = dotted(value.func) or ""
    return target.value if called.rpartition(".")[2].endswith("Flask") else None


class _InsertFallback(FactoryBodyTransformer):
    def __init__(self, function: str | None, links_module: str, handler: str) -> None:
        super().__init__(function)
        self.links_module = links_module
        self.handler = handler

    def rewrite(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        for index, statement in enumerate(body):
            app = _created_app(statement)
            if app is None:
                continue
            self.inserted = True
            added = [
                cst.parse_statement(
                    f"from {self.links_module} import {self.handler}  {INSERTED_MARK}"
                ),
                cst.parse_statement(f"{app}.url_build_error_handlers.append({self.handler})"),
            ]
            return [*body[: index + 1], *added, *body[index + 1 :]]
        return body


def insert_url_fallback(
    source: str, function: str | None, links_module: str, handler: str
) -> tuple[str, bool]:
    """`source` with the handler registered in `function` (None: module level); and whether
    the app was found."""
    transformer = _InsertFallback(function, links_module, handler)
    code = cst.parse_module(source).visit(transformer).code
    return code, transformer.inserted
