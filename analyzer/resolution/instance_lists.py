"""The items methods add to a list attribute of their object: `self.submodules = []` in
`__init__`, then `self.submodules.append(child)` (or `.extend([...])`) in the methods that run
for one object (pgAdmin 4's modules, each appending its child blueprints in its `register`
override before the base class's `register` registers every one of them on the app).

Read from facts alone: which of a class's methods run (an override, and the overridden ones
its `super().<method>(...)` call reaches) and what they add to `self.<attribute>`, as written
where they add it. Additions inside loops are left out (their items are not known here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import Attr, CallOf, SelfOf, Seq, SuperOf, Value

MAX_ADDITIONS = 64  # items one object's methods may add to one list attribute

GROWING_METHODS = ("append", "extend")
# the methods Flask itself runs on a blueprint built from a project subclass: its constructor,
# and `register(app, options)` for each app registering it
RUN_BY_FLASK = ("__init__", "register")


def methods_run(
    functions: Mapping[tuple[str, str], FunctionFact],
    classes: Sequence[tuple[str, str]],
    name: str,
) -> list[tuple[str, FunctionFact]]:
    """The definitions of method `name` that run when it is called on an instance whose MRO's
    project classes are `classes` (module, qualname), most derived first: the first one, and
    each one the previous hands on to with `super().<name>(...)`. (module, fact) each."""
    run: list[tuple[str, FunctionFact]] = []
    for module, qualname in classes:
        fact = functions.get((module, f"{qualname}.{name}"))
        if fact is None:
            continue
        run.append((module, fact))
        if not _calls_super(fact, qualname, name):
            break
    return run


def added_items(fact: FunctionFact, attribute: str) -> list[Value]:
    """What `fact` adds to `self.<attribute>` outside loops, in call order: the argument of
    each `.append(x)`, the items of each `.extend([...])` written out."""
    added: list[Value] = []
    for call in sorted(fact.calls, key=lambda c: c.line):
        match call:
            case CallFact(
                func=Attr(base=Attr(base=SelfOf(), name=name), name=method), args=(item,)
            ) if name == attribute and method in GROWING_METHODS and not call.loops:
                if method == "append":
                    added.append(item)
                elif isinstance(item, Seq):
                    added.extend(item.items)
    return added[:MAX_ADDITIONS]


def _calls_super(fact: FunctionFact, class_qualname: str, name: str) -> bool:
    """Whether `fact` calls `super().<name>(...)` (its class's next definition of it)."""
    for call in fact.calls:
        match call.func:
            case Attr(base=CallOf(func=SuperOf(class_qualname=owner)), name=called) if (
                owner == class_qualname and called == name
            ):
                return True
    return False
