"""A class's members by name answer as the scan along its fact tuples did: the first
binding of a name wins, methods before nested classes before attributes."""

from __future__ import annotations

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.python import ClassFact
from analyzer.facts.values import Lit
from analyzer.resolution.class_members import ClassMembers
from analyzer.resolution.resolve import ClassEntity, ConstEntity, FunctionEntity, Resolver

SOURCE = """
class Base:
    KIND = "base"
    LIMIT = 10

    def __init__(self):
        self.size = 1

    def run(self):
        return 1


class Child(Base):
    KIND = "child"

    class Inner:
        pass

    def __init__(self):
        self.size = 2
        self.label = "child"
"""


def test_the_first_binding_of_a_name_wins() -> None:
    fact = ClassFact(
        "C",
        1,
        methods=("get", "__getattr__"),
        class_attrs=(("x", Lit(1)), ("x", Lit(2))),
        instance_attrs=(("y", Lit(3)), ("y", Lit(4))),
    )
    members = ClassMembers.of(fact)
    assert members.methods == {"get", "__getattr__"}
    assert members.class_attrs == {"x": Lit(1)}
    assert members.instance_attrs == {"y": Lit(3)}
    assert members.dynamic


def test_class_members_are_found_along_the_mro() -> None:
    facts = extract_file(SOURCE.encode(), FileSpec("shop.py", "python", "shop", False), None)
    resolver = Resolver([facts])
    child = ClassEntity("shop", "Child")
    assert resolver.class_member(child, "KIND", instance=False) == ConstEntity("child")
    assert resolver.class_member(child, "LIMIT", instance=False) == ConstEntity(10)
    assert resolver.class_member(child, "run", instance=True) == FunctionEntity("shop", "Base.run")
    assert resolver.class_member(child, "Inner", instance=False) == ClassEntity(
        "shop", "Child.Inner"
    )
    assert resolver.class_member(child, "label", instance=True) == ConstEntity("child")
    assert resolver.class_member(child, "KIND", instance=True, skip_own=True) == ConstEntity("base")
    missing = resolver.class_member(child, "nothing", instance=True)
    assert not isinstance(missing, ConstEntity)
