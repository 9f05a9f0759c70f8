"""One scope model: the Python facts and the database facts of a module name, nest and attach
its functions the same way, following Python's `__qualname__`."""

from __future__ import annotations

import ast
import textwrap

from analyzer.database.extract import extract_db_facts
from analyzer.facts.values import ClassOf, SelfOf, attribute_of
from analyzer.source.extract import ModuleStructure, extract_structure
from analyzer.syntax.scopes import ModuleScopes, collect_scopes

SOURCE = """
import typing

def outer(conn):
    def inner():
        conn.execute("SELECT * FROM from_inner")
    for _ in (1, 2):
        def unrolled():
            pass
    class Local:
        def method(self):
            conn.execute("SELECT * FROM from_local_method")
    return inner, Local

class Repo:
    TABLE = "repo"
    if typing.TYPE_CHECKING:
        QUERY = "SELECT * FROM from_class_block"
        def typed(self, conn):
            conn.execute(self.QUERY)
    @staticmethod
    def static(self, conn):
        conn.execute("SELECT * FROM from_static")
    @classmethod
    def build(cls):
        return cls.TABLE
"""


def _module() -> tuple[ModuleScopes, ModuleStructure]:
    scopes = collect_scopes(ast.parse(textwrap.dedent(SOURCE)))
    return scopes, extract_structure(scopes, path="m.py", module="m", is_package=False)


def test_both_extractors_see_the_same_functions() -> None:
    scopes, structure = _module()
    model = {scope.qualname: scope.class_qualname for scope in scopes.all_scopes()}
    assert model == {
        "<module>": None,
        "outer": None,
        "outer.<locals>.inner": None,
        "outer.<locals>.unrolled": None,
        "outer.<locals>.Local.method": "outer.<locals>.Local",
        "Repo.typed": "Repo",
        "Repo.static": "Repo",
        "Repo.build": "Repo",
    }
    assert {f.qualname: f.class_qualname for f in structure.functions} == model
    db = extract_db_facts(scopes, module="m")
    assert {f.qualname for f in db.functions} <= model.keys()


def test_a_def_in_a_class_body_block_is_a_method() -> None:
    scopes, structure = _module()
    repo = next(c for c in structure.classes if c.qualname == "Repo")
    assert repo.methods == ("typed", "static", "build")
    assert dict(repo.class_attrs).keys() == {"TABLE", "QUERY"}
    db = extract_db_facts(scopes, module="m")
    typed = next(f for f in db.functions if f.qualname == "Repo.typed")
    assert [a.table for a in typed.accesses] == ["from_class_block"]


def test_a_methods_receiver_is_bound_to_its_class_and_staticmethods_have_none() -> None:
    scopes, structure = _module()
    receivers = {s.qualname: s.receiver for s in scopes.functions.values()}
    assert receivers["Repo.typed"] == "self"
    assert receivers["Repo.build"] == "cls"
    assert receivers["Repo.static"] is None
    assert receivers["outer"] is None
    functions = {f.qualname: f for f in structure.functions}
    assert [p.name for p in functions["Repo.typed"].params] == ["conn"]
    assert [p.name for p in functions["Repo.static"].params] == ["self", "conn"]
    assert functions["Repo.typed"].calls[0].args == (attribute_of(SelfOf("Repo"), "QUERY"),)
    assert functions["Repo.build"].returns == attribute_of(ClassOf("Repo"), "TABLE")


def test_nested_lists_each_local_function_once() -> None:
    _, structure = _module()
    outer = next(f for f in structure.functions if f.qualname == "outer")
    assert outer.nested == ("outer.<locals>.inner", "outer.<locals>.unrolled")


def test_a_class_bodys_names_are_the_classs_not_the_enclosing_scopes() -> None:
    scopes, structure = _module()
    assert scopes.module.bindings.keys() == {"typing", "outer", "Repo"}
    assert dict(structure.bindings).keys() == {"typing", "outer", "Repo"}
    outer = next(s for s in scopes.functions.values() if s.qualname == "outer")
    assert "method" not in outer.bindings
    assert scopes.class_constants["Repo"].keys() == {"TABLE", "QUERY"}


def test_a_for_statement_is_held_by_its_function_and_every_one_around_it() -> None:
    scopes = collect_scopes(
        ast.parse(
            textwrap.dedent(
                """
                def outer():
                    class Local:
                        def method(self):
                            for item in self.items:
                                pass

                def around():
                    def inner():
                        for item in items:
                            pass

                async def waits(items):
                    async for item in items:
                        pass
                    return [item for item in items]
                """
            )
        )
    )
    held = {scope.qualname: scope.holds_for for scope in scopes.functions.values()}
    assert held == {
        "outer": True,
        "outer.<locals>.Local.method": True,
        "around": True,
        "around.<locals>.inner": True,
        "waits": False,  # `async for` and comprehensions are no `for` statement
    }
