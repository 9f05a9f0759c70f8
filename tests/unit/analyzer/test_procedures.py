"""Procedures: small looping functions written out as steps at extraction and run by the
resolver on values known statically (pgAdmin's `NodeView.generate_ops()`), bounded, giving
up on anything it cannot tell."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.procedures import AddTo, AppendTo, Assign, Branch, ForEach, ReturnOf
from analyzer.facts.python import FunctionFact
from analyzer.facts.values import Attr, CallOf, ClassOf, Compare, Lit, LoopVar, Pairs, Value
from analyzer.resolution.procedures import MAX_ITEMS, run_procedure
from analyzer.resolution.resolve import (
    RECEIVER,
    ClassEntity,
    ConstEntity,
    Ctx,
    DictEntity,
    Resolved,
    Resolver,
    SeqEntity,
)
from analyzer.source.procedures import MAX_NODES

NODE_VIEW = """
class NodeView:
    operations = dict({"obj": [{"get": "p", "put": "u"}, {"get": "l"}], "sql": [{"get": "s"}]})

    @classmethod
    def generate_ops(cls):
        cmds = []
        for op in cls.operations:
            idx = 0
            for ops in cls.operations[op]:
                meths = []
                for meth in ops:
                    meths.append(meth.upper())
                if len(meths) > 0:
                    cmds.append({"cmd": op, "req": (idx == 0), "with_id": (idx != 2),
                                 "methods": meths})
                idx += 1
        return cmds


class Child(NodeView):
    operations = {"vopts": [{}, {"get": "v"}], "all": [{}, {}, {"post": "a"}]}
"""


def _functions(source: str) -> dict[str, FunctionFact]:
    facts = extract_file(
        textwrap.dedent(source).encode(), FileSpec("mod.py", "python", "mod", False), None
    )
    return {f.qualname: f for f in facts.functions}


def _called(source: str, cls: str, method: str, defined_in: str | None = None) -> Resolved:
    """`cls.method()` resolved in module `mod`, run for class `cls`."""
    facts = extract_file(
        textwrap.dedent(source).encode(), FileSpec("mod.py", "python", "mod", False), None
    )
    resolver = Resolver([facts])
    receiver = ClassEntity("mod", cls)
    owner = defined_in or cls
    ctx = Ctx("mod", f"{owner}.caller", {RECEIVER: receiver})
    return resolver.resolve(CallOf(Attr(ClassOf(owner), method)), ctx)


def _ran(source: str, cls: str, method: str) -> Resolved | None:
    """What running `cls.method`'s procedure returns (None: the run gave up)."""
    facts = extract_file(
        textwrap.dedent(source).encode(), FileSpec("mod.py", "python", "mod", False), None
    )
    resolver = Resolver([facts])
    fact = next(f for f in facts.functions if f.qualname == f"{cls}.{method}")
    assert fact.procedure

    def evaluate(value: Value, env: Mapping[str, Resolved]) -> Resolved:
        return resolver.resolve(value, Ctx("mod", fact.qualname, env))

    return run_procedure(fact.procedure, {RECEIVER: ClassEntity("mod", cls)}, evaluate)


def _command(cmd: str, req: bool, with_id: bool, methods: tuple[str, ...]) -> DictEntity:
    return DictEntity(
        (
            (ConstEntity("cmd"), ConstEntity(cmd)),
            (ConstEntity("req"), ConstEntity(req)),
            (ConstEntity("with_id"), ConstEntity(with_id)),
            (ConstEntity("methods"), SeqEntity(tuple(ConstEntity(m) for m in methods))),
        )
    )


def test_a_looping_function_is_written_out_as_its_steps() -> None:
    steps = _functions(NODE_VIEW)["NodeView.generate_ops"].procedure
    assert [type(step) for step in steps] == [Assign, ForEach, ReturnOf]
    outer = steps[1]
    assert isinstance(outer, ForEach) and outer.iterable == Attr(ClassOf("NodeView"), "operations")
    inner = outer.body[1]
    assert isinstance(inner, ForEach)
    assert [type(step) for step in inner.body] == [Assign, ForEach, Branch, AddTo]
    branch = inner.body[2]
    assert isinstance(branch, Branch) and isinstance(branch.body[0], AppendTo)
    assert inner.body[3] == AddTo("idx", Lit(1))
    appended = branch.body[0]
    assert isinstance(appended, AppendTo) and isinstance(appended.value, Pairs)
    assert dict(appended.value.items)[Lit("req")] == Compare(LoopVar("idx"), "==", Lit(0))


def test_the_counter_and_the_skipped_empty_entries_are_followed_per_class() -> None:
    assert _called(NODE_VIEW, "NodeView", "generate_ops") == SeqEntity(
        (
            _command("obj", True, True, ("GET", "PUT")),
            _command("obj", False, True, ("GET",)),
            _command("sql", True, True, ("GET",)),
        )
    )
    # the subclass's operations, read through `cls`: an empty entry is skipped but counted
    assert _called(NODE_VIEW, "Child", "generate_ops", defined_in="NodeView") == SeqEntity(
        (_command("vopts", False, True, ("GET",)), _command("all", False, False, ("POST",)))
    )


def test_functions_with_statements_a_procedure_does_not_hold_have_none() -> None:
    functions = _functions(
        """
        def waits(items):
            out = []
            for item in items:
                out.append(item)
            while out:
                out.pop()
            return out

        def tries(items):
            out = []
            for item in items:
                try:
                    out.append(item)
                except ValueError:
                    pass
            return out

        def calls(items):
            out = []
            for item in items:
                print(item)
            return out

        def straight():
            return [1]
        """
    )
    assert all(not fact.procedure for fact in functions.values())


def test_runs_past_the_step_bound_give_up() -> None:
    source = """
    class Big:
        many = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

        @classmethod
        def count(cls):
            total = 0
            for a in cls.many:
                for b in cls.many:
                    for c in cls.many:
                        for d in cls.many:
                            total += 1
            return total
    """
    assert _ran(source, "Big", "count") is None  # 10,000+ steps


def test_functions_past_the_node_bound_have_none() -> None:
    # 23 nodes as `ast.walk` counts them (each name and list with its context), plus 5 for
    # `t = a` and 4 per `total = 0`: 2,000 in all, the bound; one `pass` more is past it
    head = "def many():\n    out = []\n    for x in items:\n        out.append(x)\n    t = a\n"
    padding = "    total = 0\n" * 493
    at_bound = f"{head}{padding}    return out\n"
    past_bound = f"{head}{padding}    pass\n    return out\n"
    assert sum(1 for _ in ast.walk(ast.parse(at_bound))) == 1 + MAX_NODES  # the Module too
    assert _functions(at_bound)["many"].procedure
    assert not _functions(past_bound)["many"].procedure


def test_lists_past_the_item_bound_give_up() -> None:
    eleven = ", ".join(str(n) for n in range(11))
    source = f"""
    class Big:
        many = [{eleven}]

        @classmethod
        def pairs(cls):
            out = []
            for a in cls.many:
                for b in cls.many:
                    for c in cls.many:
                        out.append(a)
            return out
    """
    assert MAX_ITEMS < 11**3  # few steps, too many items
    assert _ran(source, "Big", "pairs") is None


def test_unknown_tests_and_values_give_up() -> None:
    source = """
    import os

    class C:
        names = ["a", "b"]

        @classmethod
        def picked(cls):
            out = []
            for name in cls.names:
                if name == os.environ["PICK"]:
                    out.append(name)
            return out

        @classmethod
        def joined(cls):
            text = ""
            for name in cls.names:
                text += cls.suffix()
            return text
    """
    assert _ran(source, "C", "picked") is None
    assert _ran(source, "C", "joined") is None


def test_lists_changed_in_place_that_something_else_holds_give_up() -> None:
    source = """
    class C:
        names = ["a", "b"]

        @classmethod
        def aliased(cls):
            out = []
            kept = out
            for name in cls.names:
                out.append(name)
            return kept

        @classmethod
        def nested(cls):
            inner = []
            out = [inner]
            for name in cls.names:
                inner.append(name)
            return out

        @classmethod
        def class_list(cls):
            out = cls.names
            for name in ["c"]:
                out.append(name)
            return out

        @classmethod
        def walked(cls):
            out = ["x"]
            for name in out:
                out.append(name)
            return out

        @classmethod
        def fresh(cls):
            out = []
            for name in cls.names:
                out.append(name + "/")
            return out
    """
    for method in ("aliased", "nested", "class_list", "walked"):
        assert _ran(source, "C", method) is None, method
    assert _ran(source, "C", "fresh") == SeqEntity((ConstEntity("a/"), ConstEntity("b/")))


def test_strings_joined_in_loops_and_folded_names() -> None:
    source = """
    class C:
        parent_ids = [{"type": "int", "id": "gid"}]
        ids = [{"type": "int", "id": "sid"}, {"type": "string", "id": "name"}]

        @classmethod
        def urls(cls):
            common = "/"
            for p in cls.parent_ids:
                common += "<{0}:{1}>/".format(str(p["type"]), str(p["id"]))
            id_url = None
            for p in cls.ids:
                id_url = "{0}<{1}:{2}>".format(common if not id_url else id_url, p["type"], p["id"])
            return id_url, common
    """
    assert _called(source, "C", "urls") == SeqEntity(
        (ConstEntity("/<int:gid>/<int:sid><string:name>"), ConstEntity("/<int:gid>/"))
    )
