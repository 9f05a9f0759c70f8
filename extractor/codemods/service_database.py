"""Point the copied app at the service's own database, before its extensions read the setting.

Flask-SQLAlchemy (and most extensions) read their settings in `init_app(app)` or in
`SQLAlchemy(app)`. Right before the first such statement in the app factory (or at module
level for a module-level app), or the first call of a helper of the same module that makes
one (`register_extensions(app)`, as cookiecutter-flask apps do), the codemod inserts::

    from <service>.service_settings import database_settings  # strangler extract
    app.config.update(database_settings())

`database_settings()` (generated) maps the service's database URL, read from its own
environment variable, onto the keys the app reads it from.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from extractor.codemods.factory_body import FactoryBodyTransformer

INSERTED_MARK = "# strangler extract: its own database"
_READS_SETTINGS = m.Call(func=m.Attribute(attr=m.Name("init_app"))) | m.Call(
    func=m.Name("SQLAlchemy") | m.Attribute(attr=m.Name("SQLAlchemy")), args=[m.AtLeastN(n=1)]
)


def _reads_settings(
    statement: cst.BaseStatement, reads: m.BaseMatcherNode = _READS_SETTINGS
) -> cst.Call | None:
    found = m.findall(statement, reads)
    return found[0] if found and isinstance(found[0], cst.Call) else None


def _app_argument(call: cst.Call) -> str | None:
    first = call.args[0].value if call.args else None
    return first.value if isinstance(first, cst.Name) else None


class _InsertSettings(FactoryBodyTransformer):
    def __init__(self, function: str | None, settings_module: str) -> None:
        super().__init__(function)
        self.settings_module = settings_module
        self._reads: m.BaseMatcherNode = _READS_SETTINGS  # and this module's helpers (below)

    def visit_Module(self, node: cst.Module) -> None:
        helpers = [
            m.Call(func=m.Name(statement.name.value))
            for statement in node.body
            if isinstance(statement, cst.FunctionDef)
            and statement.name.value != self.function
            and _reads_settings(statement) is not None
        ]
        self._reads = m.OneOf(_READS_SETTINGS, *helpers) if helpers else _READS_SETTINGS

    def rewrite(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        for index, statement in enumerate(body):
            call = _reads_settings(statement, self._reads)
            app = _app_argument(call) if call is not None else None
            if app is None:
                continue
            self.inserted = True
            added = [
                cst.parse_statement(
                    f"from {self.settings_module} import database_settings  {INSERTED_MARK}"
                ),
                cst.parse_statement(f"{app}.config.update(database_settings())"),
            ]
            return [*body[:index], *added, *body[index:]]
        return body


def insert_database_settings(
    source: str, function: str | None, settings_module: str
) -> tuple[str, bool]:
    """`source` with the settings inserted in `function` (None: module level); and whether
    a place was found."""
    transformer = _InsertSettings(function, settings_module)
    code = cst.parse_module(source).visit(transformer).code
    return code, transformer.inserted
