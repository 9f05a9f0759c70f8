"""Database facts of one module: raw SQL, ORM models and uses, table definitions.

Entry point of the database-access extraction. Pure: a module's scopes
(`analyzer.syntax.scopes`) in, frozen picklable facts out, one entry per function scope ("f",
"Cls.method", "f.<locals>.g"; "<module>" for code outside any function). Functions that touch
nothing are left out.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable
from typing import TypeVar

from analyzer.database.connections import ConnectionFinder
from analyzer.database.names import callee_name
from analyzer.database.orm_access import OrmAccessFinder
from analyzer.database.orm_models import extract_models
from analyzer.database.param_guards import param_guards
from analyzer.database.sql_calls import SQL_CALLS, SqlFindings, add_text_findings, sql_in_scope
from analyzer.database.sql_strings import SqlTextResolver
from analyzer.facts.database import (
    DbDiagnostic,
    FunctionDbFacts,
    ModuleDbFacts,
    ParamGuard,
    TableAccess,
)
from analyzer.syntax.imports import function_imports
from analyzer.syntax.scopes import ModuleScopes

_T = TypeVar("_T")


def extract_db_facts(
    scopes: ModuleScopes, *, module: str, dialect: str | None = None, is_package: bool = False
) -> ModuleDbFacts:
    """Everything database-related in `scopes`, those of the parsed module `module` (the
    dotted module name, which names the engines it holds, and the package relative imports
    start from, with `is_package`); other names are kept as written, for the caller to
    resolve (a model a function imports itself by its absolute dotted name).
    """
    definitions = extract_models(scopes.tree, scopes.imported)
    resolver = SqlTextResolver(scopes)
    orm = OrmAccessFinder(scopes, definitions, function_imports(scopes, module, is_package))
    connections = ConnectionFinder(module, scopes, SQL_CALLS)
    makes_flask_sqlalchemy = False
    functions: list[FunctionDbFacts] = []
    diagnostics: list[DbDiagnostic] = []
    tables = list(definitions.tables)
    nodes = {id(scope): node for node, scope in scopes.functions.items()}
    for scope in scopes.all_scopes():
        sql = sql_in_scope(scope, resolver, dialect, connections)
        makes_flask_sqlalchemy = makes_flask_sqlalchemy or any(
            callee_name(call) == "SQLAlchemy" for call in scope.calls
        )
        found = orm.find(scope)
        diagnostics.extend(sql.diagnostics)
        tables.extend(sql.definitions)
        facts = FunctionDbFacts(
            qualname=scope.qualname,
            accesses=_unique([*sql.accesses, *found.accesses]),
            model_uses=_unique(found.model_uses),
            sql_name_uses=_unique(sql.name_uses),
            relationship_uses=_unique(found.relationship_uses),
            sql_params=_unique(sql.sql_params),
            sql_arguments=_unique(sql.arguments),
            method_calls=_unique(found.method_calls),
            returns_model=found.returns_model,
            receiver_uses=_unique(found.receiver_uses),
            built_method_calls=_unique(found.built_method_calls),
            placeholder_method_calls=_unique(found.placeholder_method_calls),
            result_uses=_unique(found.result_uses),
            model_arguments=_unique(found.model_arguments),
            returns_connections=connections.returned(scope),
            stores_connections=connections.stored(scope),
            sql_sent_through=_unique(sql.sent_through),
            g_stores=_unique(found.g_stores),
            commits=found.commits,
        )
        # the branches on parameters: what they may move (the uses, the calls made there)
        guards = _unique([*_guards(nodes.get(id(scope)), scope.params), *found.param_guards])
        if guards:
            facts = dataclasses.replace(facts, param_guards=guards)
        if facts != FunctionDbFacts(scope.qualname):
            functions.append(facts)
    constants = _sql_constants(scopes, resolver, dialect, diagnostics)
    return ModuleDbFacts(
        functions=tuple(functions),
        models=definitions.models,
        tables=tuple(tables),
        sql_constants=constants,
        diagnostics=_unique(diagnostics),
        model_bases=definitions.model_bases,
        base_namings=definitions.base_namings,
        mixin_tables=definitions.mixin_tables,
        makes_flask_sqlalchemy=makes_flask_sqlalchemy,
        engines=connections.engines(),
        engine_settings=connections.engine_settings(),
        session_factories=connections.session_factories(),
    )


def _sql_constants(
    scopes: ModuleScopes,
    resolver: SqlTextResolver,
    dialect: str | None,
    diagnostics: list[DbDiagnostic],
) -> dict[str, tuple[TableAccess, ...]]:
    """Module-level names bound to SQL, with what it touches (line: the binding's line)."""
    constants: dict[str, tuple[TableAccess, ...]] = {}
    module = scopes.module
    for name, bindings in module.bindings.items():
        if name in scopes.imported or all(b.value is None for b in bindings):
            continue
        findings = SqlFindings()
        line = bindings[0].line
        for text in resolver.resolve_name(name, module):
            add_text_findings(text, line, dialect, findings, explicit=False)
        diagnostics.extend(findings.diagnostics)
        if findings.accesses:
            constants[name] = _unique(findings.accesses)
    return constants


def _guards(node: ast.AST | None, params: list[str]) -> tuple[ParamGuard, ...]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return param_guards(node, params)
    return ()


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))
