"""extract_db_facts on small modules, compared with the facts written by hand beside each one.

Each `tests/fixtures/analyzer_db/modules/<name>.py` has `<name>.expected.json`:
- "functions": qualname -> {"accesses": ["table read|write [low] [ddl] [indirect]"],
  "models": ["Model read|write [low]"], "sql_names": [...], "relationships": ["Model.attr mode"],
  "sql_params": [parameters the SQL run is built from], "sql_arguments": ["callee(slot):
  <table access> | ref NAME"] (what a call's argument may carry as SQL), "method_calls":
  ["Model.method"], "param_calls": ["@param:p.method"] (a method called on a parameter, bound
  to the class a caller passes), "returns": ["Model"], "built_calls": ["Class.method"] (methods
  called on a class or on an instance just built from it, any class), "receiver_uses":
  ["self read|write" for `session.add(self)`, `cls.query`, ..., or the name of a method called
  on the receiver],
  "connections": ["returns|sends SQL through|g.<attr> = <kind> <name> [setting=K] [user]"]
  (the connections it returns or yields, those its SQL parameters' SQL is sent through, those
  it stores in Flask's `g`), "sent_through": ["<table access> via <kind> <name> [setting=K]
  [user]"] (the accesses sent through a connection other than Flask-SQLAlchemy's default one)};
  every function with facts must be listed, and only those.
- "models": class -> {"table", "bases", and optionally "resolved" (default true), "pk",
  "abstract" (default false), "fks" ["col -> table.col"], "relationships"
  ["attr -> Target [secondary=t] [secondary_ref=n] [backref=b]"]}; only models, all of them.
- "tables": name -> {"line", "variable", "fks"}; "sql_constants": name -> accesses;
- "diagnostics": [[line, "message start"]]; "model_bases": [...]; "engine_settings": module
  engine -> the setting its URL is read from; "session_factories": module-level session
  factory -> its connection ("<kind> <name> [setting=K]"). Missing sections mean empty.
"""

from __future__ import annotations

import ast
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from analyzer.database.extract import extract_db_facts
from analyzer.facts.database import (
    Connection,
    ForeignKey,
    FunctionDbFacts,
    ModuleDbFacts,
    SqlArgument,
    TableAccess,
)
from analyzer.syntax.scopes import collect_scopes

MODULES = Path(__file__).parents[2] / "fixtures" / "analyzer_db" / "modules"
FIXTURES = sorted(MODULES.glob("*.py"))


def _access(access: TableAccess) -> str:
    flags = [f for f, on in (("low", access.confidence == "low"), ("ddl", access.ddl)) if on]
    if access.indirect:
        flags.append("indirect")
    return " ".join([access.table, access.mode, *flags])


def _carried(argument: SqlArgument) -> list[str]:
    where = f"{argument.callee}({argument.slot})"
    return [
        *(f"{where}: {_access(a)}" for a in argument.accesses),
        *(f"{where}: ref {ref}" for ref in argument.name_refs),
    ]


def _connection(connection: Connection) -> str:
    setting = f" setting={connection.setting}" if connection.setting else ""
    user = " user" if connection.user_provided else ""
    return f"{connection.kind} {connection.database}{setting}{user}"


def _connections(function: FunctionDbFacts) -> list[str]:
    return sorted(
        {
            *(f"returns {_connection(c)}" for c in function.returns_connections),
            *(f"sends SQL through {_connection(c)}" for c in function.sql_sent_through),
            *(
                f"g.{s.attribute} = {_connection(s.connection)}"
                for s in function.stores_connections
            ),
        }
    )


def _fk(fk: ForeignKey) -> str:
    column = f".{fk.references_column}" if fk.references_column else ""
    return f"{fk.column} -> {fk.references_table}{column}"


def normalise(facts: ModuleDbFacts) -> dict[str, Any]:
    functions: dict[str, dict[str, list[str]]] = {}
    for function in facts.functions:
        entry = {
            "accesses": sorted({_access(a) for a in function.accesses}),
            "models": sorted(
                {
                    f"{u.model_ref} {u.mode}{' low' if u.confidence == 'low' else ''}"
                    for u in function.model_uses
                }
            ),
            "sql_names": sorted({u.name_ref for u in function.sql_name_uses}),
            "relationships": sorted(
                {f"{u.model_ref}.{u.attribute} {u.mode}" for u in function.relationship_uses}
            ),
            "sql_params": sorted(function.sql_params),
            "sql_arguments": sorted(
                {item for argument in function.sql_arguments for item in _carried(argument)}
            ),
            "method_calls": sorted({f"{c.model_ref}.{c.method}" for c in function.method_calls}),
            "param_calls": sorted(
                {f"{c.model_ref}.{c.method}" for c in function.placeholder_method_calls}
            ),
            "returns": [function.returns_model] if function.returns_model else [],
            "built_calls": sorted(
                {f"{c.model_ref}.{c.method}" for c in function.built_method_calls}
            ),
            "receiver_uses": sorted({u.method or f"self {u.mode}" for u in function.receiver_uses}),
            "connections": _connections(function),
            "sent_through": sorted(
                {
                    f"{_access(a)} via {_connection(a.connection)}"
                    for a in function.accesses
                    if a.connection is not None
                }
            ),
        }
        functions[function.qualname] = {k: v for k, v in entry.items() if v}
    models = {}
    for model in facts.models:
        relationships = []
        for rel in model.relationships:
            text = f"{rel.attribute} -> {rel.target_ref}"
            for key in ("secondary_table", "secondary_ref", "backref"):
                if getattr(rel, key):
                    text += f" {key.replace('_table', '')}={getattr(rel, key)}"
            relationships.append(text)
        models[model.class_name] = {
            "table": model.table,
            "bases": list(model.base_refs),
            "resolved": model.resolved,
            "pk": model.has_primary_key,
            "abstract": model.abstract,
            "fks": sorted(_fk(fk) for fk in model.foreign_keys),
            "relationships": sorted(relationships),
        }
    return {
        "functions": functions,
        "models": models,
        "tables": {
            t.name: {
                "line": t.line,
                "variable": t.variable,
                "fks": sorted(_fk(f) for f in t.foreign_keys),
            }
            for t in facts.tables
        },
        "sql_constants": {
            name: sorted({_access(a) for a in accesses})
            for name, accesses in facts.sql_constants.items()
        },
        "diagnostics": sorted([d.line, d.message] for d in facts.diagnostics),
        "model_bases": sorted(facts.model_bases),
        "engine_settings": dict(facts.engine_settings),
        "session_factories": {k: _connection(c) for k, c in facts.session_factories.items()},
    }


def expected_form(expected: dict[str, Any]) -> dict[str, Any]:
    functions = {
        name: {k: sorted(set(v)) for k, v in entry.items() if v}
        for name, entry in expected.get("functions", {}).items()
    }
    models = {
        name: {
            "table": entry["table"],
            "bases": entry["bases"],
            "resolved": entry.get("resolved", True),
            "pk": entry["pk"],
            "abstract": entry.get("abstract", False),
            "fks": sorted(entry.get("fks", [])),
            "relationships": sorted(entry.get("relationships", [])),
        }
        for name, entry in expected.get("models", {}).items()
    }
    tables = {
        name: {
            "line": entry["line"],
            "variable": entry.get("variable"),
            "fks": sorted(entry.get("fks", [])),
        }
        for name, entry in expected.get("tables", {}).items()
    }
    return {
        "functions": functions,
        "models": models,
        "tables": tables,
        "sql_constants": {k: sorted(set(v)) for k, v in expected.get("sql_constants", {}).items()},
        "diagnostics": sorted(expected.get("diagnostics", [])),
        "model_bases": sorted(expected.get("model_bases", [])),
        "engine_settings": expected.get("engine_settings", {}),
        "session_factories": expected.get("session_factories", {}),
    }


def _diagnostics_match(found: list[list[Any]], expected: list[list[Any]]) -> bool:
    return len(found) == len(expected) and all(
        f[0] == e[0] and str(f[1]).startswith(e[1]) for f, e in zip(found, expected, strict=True)
    )


@pytest.mark.parametrize("source", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_module_facts_match_the_hand_written_expectation(source: Path) -> None:
    expected = expected_form(json.loads(source.with_suffix(".expected.json").read_text()))
    facts = extract_db_facts(collect_scopes(ast.parse(source.read_text())), module=source.stem)
    found = normalise(facts)
    assert _diagnostics_match(found.pop("diagnostics"), expected.pop("diagnostics")), normalise(
        facts
    )["diagnostics"]
    assert found == expected


def test_there_are_fixture_modules_with_expectations() -> None:
    assert len(FIXTURES) >= 6
    assert all(p.with_suffix(".expected.json").exists() for p in FIXTURES)


@pytest.mark.parametrize("source", FIXTURES[:2], ids=[p.stem for p in FIXTURES[:2]])
def test_facts_survive_pickling(source: Path) -> None:
    facts = extract_db_facts(collect_scopes(ast.parse(source.read_text())), module=source.stem)
    assert pickle.loads(pickle.dumps(facts)) == facts
