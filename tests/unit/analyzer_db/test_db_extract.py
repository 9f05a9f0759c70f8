"""Properties of extract_db_facts that the fixture modules do not show on their own."""

from __future__ import annotations

import ast
import textwrap

from analyzer.database.extract import extract_db_facts
from analyzer.database.sql_tables import _parse_statements
from analyzer.facts.database import DbDiagnostic, ModuleDbFacts, TableAccess
from analyzer.syntax.scopes import collect_scopes


def facts_of(source: str) -> ModuleDbFacts:
    return extract_db_facts(collect_scopes(ast.parse(textwrap.dedent(source))), module="sample")


def test_qualnames_follow_python_and_module_level_code_is_module() -> None:
    facts = facts_of(
        """
        cur.execute("SELECT * FROM at_import")

        def outer(conn):
            def inner():
                conn.execute("SELECT * FROM from_inner")
            class Local:
                def method(self):
                    conn.execute("SELECT * FROM from_local_method")
            return inner, Local

        class Repo:
            def get(self, conn):
                conn.execute("SELECT * FROM from_method")

            async def aget(self, conn):
                await conn.fetch("SELECT * FROM from_async")
        """
    )
    tables = {f.qualname: [a.table for a in f.accesses] for f in facts.functions}
    assert tables == {
        "<module>": ["at_import"],
        "outer.<locals>.inner": ["from_inner"],
        "outer.<locals>.Local.method": ["from_local_method"],
        "Repo.get": ["from_method"],
        "Repo.aget": ["from_async"],
    }


def test_accesses_carry_the_line_of_the_call_not_of_the_constant() -> None:
    facts = facts_of(
        """
        QUERY = (
            "SELECT * FROM orders"
        )

        def view(conn):
            return conn.execute(
                QUERY
            )
        """
    )
    (function,) = facts.functions
    assert function.accesses == (TableAccess("orders", "read", 7),)
    assert facts.sql_constants == {"QUERY": (TableAccess("orders", "read", 2),)}


def test_a_variable_uses_only_the_assignments_before_it() -> None:
    facts = facts_of(
        """
        def view(conn):
            sql = "SELECT * FROM first_table"
            conn.execute(sql)
            sql = "SELECT * FROM second_table"
            conn.execute(sql)
        """
    )
    (function,) = facts.functions
    assert [(a.table, a.line) for a in function.accesses] == [
        ("first_table", 4),
        ("first_table", 6),
        ("second_table", 6),
    ]


def test_executescript_with_create_table_defines_tables_and_writes_them_as_ddl() -> None:
    facts = facts_of(
        '''
        def init_db(db):
            db.executescript("""
                CREATE TABLE IF NOT EXISTS user (id INTEGER PRIMARY KEY, username TEXT);
                CREATE TABLE IF NOT EXISTS post (
                    id INTEGER PRIMARY KEY,
                    author_id INTEGER NOT NULL REFERENCES user (id)
                );
            """)
        '''
    )
    (function,) = facts.functions
    assert {(a.table, a.mode, a.ddl) for a in function.accesses} == {
        ("user", "write", True),
        ("post", "write", True),
    }
    assert [(t.name, t.line) for t in facts.tables] == [("user", 3), ("post", 3)]
    assert [(fk.column, fk.references_table) for fk in facts.tables[1].foreign_keys] == [
        ("author_id", "user")
    ]


def test_dynamic_table_names_give_a_diagnostic_with_the_line() -> None:
    facts = facts_of(
        """
        def purge(conn, table):
            conn.execute(f"DELETE FROM {table}")
        """
    )
    assert [(f.qualname, f.accesses, f.sql_params) for f in facts.functions] == [
        ("purge", (), ("table",))
    ]
    assert facts.diagnostics == (DbDiagnostic(3, "dynamic SQL: table name built at run time"),)


def test_the_dialect_is_passed_to_the_parser() -> None:
    source = """
        def view(conn):
            conn.execute("SELECT * FROM t1 WHERE x = @x")
        """
    facts = extract_db_facts(
        collect_scopes(ast.parse(textwrap.dedent(source))), module="m", dialect="mysql"
    )
    assert [a.table for a in facts.functions[0].accesses] == ["t1"]


def test_a_big_module_parses_each_distinct_sql_once() -> None:
    # Speed by design: sqlglot work is per distinct SQL text, not per call site.
    functions = [
        f"def view_{i}(conn):\n"
        f"    conn.execute('SELECT * FROM orders WHERE id = ?', ({i},))\n"
        f'    conn.execute("UPDATE stock_{i % 10} SET qty = qty - 1 WHERE sku = ?")\n'
        f"    return Product.query.get({i})\n"
        for i in range(500)
    ]
    source = "from .models import Product\n\n" + "\n".join(functions)
    assert source.count("\n") >= 2000
    _parse_statements.cache_clear()
    facts = extract_db_facts(collect_scopes(ast.parse(source)), module="big")
    assert len(facts.functions) == 500
    assert _parse_statements.cache_info().misses == 11


def test_a_session_query_of_columns_or_a_session_handed_over_is_no_sql() -> None:
    facts = facts_of(
        """
        query_client = create_query_client_func(db.session, Client)

        def totals(user_id):
            return db.session.query(Workout.sport_id, func.count(Workout.id)).all()
        """
    )
    assert [f.sql_name_uses for f in facts.functions] == [()] * len(facts.functions)
    function = next(f for f in facts.functions if f.qualname == "totals")
    assert [(u.model_ref, u.mode) for u in function.model_uses] == [("Workout", "read")]
    assert facts.diagnostics == ()


def test_adding_a_loaded_row_to_a_set_writes_nothing() -> None:
    facts = facts_of(
        """
        def group():
            by_kind = defaultdict(set)
            seen = set()
            for tag in Tag.query.all():
                by_kind[tag.kind_id].add(tag)
                seen.add(tag)
            db.session.add(Tag(label="new"))
        """
    )
    (function,) = facts.functions
    uses = {(u.model_ref, u.mode, u.line) for u in function.model_uses}
    assert uses == {("Tag", "read", 5), ("Tag", "write", 8)}


def test_a_relationship_of_a_row_known_per_call_leaves_a_known_type_alone() -> None:
    facts = facts_of(
        """
        from helpers import lookup

        def init(serial):
            found = lookup(serial)
            if not found:
                token = Token(serial)
            else:
                token = found[0].token
            token.save()
        """
    )
    function = next(f for f in facts.functions if f.qualname == "init")
    assert [(c.model_ref, c.method) for c in function.built_method_calls] == [("Token", "save")]
