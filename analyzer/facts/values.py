"""Symbolic values: what an expression in the analyzed source denotes, before names are resolved.

The per-file extractor turns expressions into these (never evaluating anything); the
resolution stage later maps names through imports to project definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LiteralValue = str | int | float | bool | None


@dataclass(frozen=True)
class Lit:
    """A literal constant."""

    value: LiteralValue


@dataclass(frozen=True)
class Seq:
    """A list, tuple or set display."""

    items: tuple[Value, ...]


@dataclass(frozen=True)
class Pairs:
    """A dict display."""

    items: tuple[tuple[Value, Value], ...]


@dataclass(frozen=True)
class Ref:
    """A name or dotted attribute chain as written (`bp`, `views.bp`), looked up in place."""

    dotted: str


@dataclass(frozen=True)
class Attr:
    """An attribute of a computed value (`Service().create`)."""

    base: Value
    name: str


@dataclass(frozen=True)
class CallOf:
    """The result of a call; `line` tells apart objects built at different places."""

    func: Value
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Param:
    """A parameter of the enclosing function, bound only when a call site is known."""

    name: str


@dataclass(frozen=True)
class LoopVar:
    """The variable of a `for` loop over something not written out in place (a parameter, an
    imported list); bound to each item when the registration using it is resolved."""

    name: str


@dataclass(frozen=True)
class Local:
    """A function or class defined in the same module, by qualified name (`create_app.index`)."""

    qualname: str


@dataclass(frozen=True)
class SelfOf:
    """`self` inside a method: an instance of the class."""

    class_qualname: str


@dataclass(frozen=True)
class ClassOf:
    """`cls` inside a classmethod: the class, or the subclass it runs for (so a mixin's
    `cls.query` may name what only the model it is mixed into defines)."""

    class_qualname: str


@dataclass(frozen=True)
class SuperOf:
    """`super` inside a method of the class: calls go to the bases."""

    class_qualname: str


@dataclass(frozen=True)
class ModuleRef:
    """A name bound by `import a.b` / `import a.b as c` (absolute module name)."""

    module: str


@dataclass(frozen=True)
class Imported:
    """A name bound by `from module import name` (module already absolute)."""

    module: str
    name: str


@dataclass(frozen=True)
class Joined:
    """An f-string or string concatenation; parts that are not literals stay symbolic."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Item:
    """A subscript with a key (`app.config["PREFIX"]`, `ROUTES[0]`)."""

    base: Value
    key: Value


@dataclass(frozen=True)
class Sliced:
    """`base[lower:upper]` (no step); a bound left out is `Lit(None)`."""

    base: Value
    lower: Value
    upper: Value


@dataclass(frozen=True)
class Sum:
    """`left + right` where neither side is written as a string (`settings.PREFIX + rule`)."""

    left: Value
    right: Value


@dataclass(frozen=True)
class Divided:
    """`left / right`: a pathlib path joined with a part (`Path(root) / "static"`), or numbers
    divided."""

    left: Value
    right: Value


@dataclass(frozen=True)
class SetUnion:
    """`left | right` (`RouteMethod.CRUD_SET | {"export"}`): a set union."""

    left: Value
    right: Value


@dataclass(frozen=True)
class Comprehension:
    """`[element for target in iterable]` (one `for`, no `if`): `element` built once per item,
    the names of `target` in it as `LoopVar`s. `spliced`: each element is a sequence whose
    items are the comprehension's (`[e for a in A for b in B(a)]`, a list grown in loops)."""

    element: Value
    target: Value
    iterable: Value
    spliced: bool = False


@dataclass(frozen=True)
class Choice:
    """`then if test else otherwise`, or a function returning `then` only when `test` holds.

    `either`: a name bound differently in both branches of an `if`/`else` on a test read from
    run-time data (`if item["kind"] == "a": f = make_a` / `else: f = make_b`): each branch
    may run, so where every value counts (a registration) each one is taken."""

    test: Value
    then: Value
    otherwise: Value
    either: bool = False


@dataclass(frozen=True)
class Spread:
    """`*value` among call arguments, or `**value` (under the keyword `SPREAD_KEYWORDS`)."""

    value: Value


SPREAD_KEYWORDS = "**"


@dataclass(frozen=True)
class Compare:
    """`left <op> right`, one comparison (`idx == 0`); only a procedure's steps hold one."""

    left: Value
    op: str  # "==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in"
    right: Value


@dataclass(frozen=True)
class Negation:
    """`not operand`; only a procedure's steps hold one."""

    operand: Value


@dataclass(frozen=True)
class Unknown:
    """Something the extractor does not model (a comparison, a slice, a comprehension...)."""


UNKNOWN = Unknown()

Value = (
    (
        Lit
        | Seq
        | Pairs
        | Ref
        | Attr
        | CallOf
        | Param
        | LoopVar
        | Local
        | SelfOf
        | ClassOf
        | SuperOf
        | ModuleRef
        | Imported
    )
    | Joined
    | Item
    | Sliced
    | Sum
    | Divided
    | SetUnion
    | Comprehension
    | Choice
    | Spread
    | Compare
    | Negation
    | Unknown
)


LARGEST_VALUE = 50_000  # nodes a value may hold: a table of a thousand routes needs a tenth,
# and it keeps code built to double a value on each line (`a = a + a`) from exhausting memory


def parts_of(value: Value) -> tuple[Value, ...]:
    """The values `value` is built from (none for a leaf)."""
    parts = _PARTS.get(type(value))
    return () if parts is None else parts(value)


# the parts of each composite value, by exact type (one dict lookup: a `match` tried each
# class pattern in turn, and sizes ask for the parts of every value bound to a name)
_PARTS: dict[type, Callable[[Any], tuple[Value, ...]]] = {
    Seq: lambda value: value.items,
    Joined: lambda value: value.parts,
    Pairs: lambda value: tuple(part for pair in value.items for part in pair),
    Attr: lambda value: (value.base,),
    Spread: lambda value: (value.value,),
    CallOf: lambda value: (value.func, *value.args, *(item for _, item in value.kwargs)),
    Item: lambda value: (value.base, value.key),
    Sliced: lambda value: (value.base, value.lower, value.upper),
    Sum: lambda value: (value.left, value.right),
    Divided: lambda value: (value.left, value.right),
    SetUnion: lambda value: (value.left, value.right),
    Comprehension: lambda value: (value.element, value.target, value.iterable),
    Choice: lambda value: (value.test, value.then, value.otherwise),
    Compare: lambda value: (value.left, value.right),
    Negation: lambda value: (value.operand,),
}


class ValueSizes:
    """How many nodes values hold, a part shared by two counted twice (as walking or writing
    them visits it twice), each part's size computed once: a name bound to a value and used
    twice shares it, so sizes may double on each line while the objects do not."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Value, int]] = {}  # id -> (the value, kept alive; size)

    def size(self, value: Value) -> int:
        known = self._known
        if id(value) in known:  # most values bound are names' values met before, or leaves
            return known[id(value)][1]
        if type(value) not in _PARTS:
            return 1  # a leaf: nothing to remember
        stack: list[tuple[Value, bool]] = [(value, False)]
        while stack:
            node, parts_known = stack.pop()
            if id(node) in known:
                continue
            parts = parts_of(node)
            if parts_known:
                total = 1
                for part in parts:
                    total += known[id(part)][1] if type(part) in _PARTS else 1
                known[id(node)] = (node, total)
                continue
            stack.append((node, True))
            stack.extend(
                (part, False) for part in parts if type(part) in _PARTS and id(part) not in known
            )
        return known[id(value)][1]

    def bounded(self, value: Value) -> Value:
        """The value, or UNKNOWN when it holds more than `LARGEST_VALUE` nodes."""
        return value if self.size(value) <= LARGEST_VALUE else UNKNOWN


def attribute_of(base: Value, name: str) -> Value:
    """`base.name`, keeping plain dotted chains as one `Ref`."""
    if isinstance(base, Ref):
        return Ref(f"{base.dotted}.{name}")
    return Attr(base, name)


def reads_loop_item(value: Value) -> bool:
    """Whether the value is a loop variable, or an item or attribute of one (`c["req"]`,
    `plugin.enabled`), or a comparison of one (`kind == "category"`): each item of the loop
    decides it."""
    if isinstance(value, Compare):
        return reads_loop_item(value.left) or reads_loop_item(value.right)
    while isinstance(value, Item | Attr):
        value = value.base
    return isinstance(value, LoopVar)


def mentions_param(value: Value) -> bool:
    """Whether the value depends on a parameter of the enclosing function."""
    match value:
        case Param():
            return True
        case Seq(items) | Joined(items):
            return any(mentions_param(item) for item in items)
        case Pairs(items):
            return any(mentions_param(k) or mentions_param(v) for k, v in items)
        case Attr(base, _):
            return mentions_param(base)
        case Item(base, key):
            return mentions_param(base) or mentions_param(key)
        case Sliced(base, lower, upper):
            return any(mentions_param(v) for v in (base, lower, upper))
        case Spread(inner):
            return mentions_param(inner)
        case Sum(left, right) | Divided(left, right) | SetUnion(left, right):
            return mentions_param(left) or mentions_param(right)
        case Comprehension(element, _, iterable):
            return mentions_param(element) or mentions_param(iterable)
        case Choice(test, then, otherwise, _):
            return any(mentions_param(v) for v in (test, then, otherwise))
        case CallOf(func, args, kwargs, _):
            return (
                mentions_param(func)
                or any(mentions_param(a) for a in args)
                or any(mentions_param(v) for _, v in kwargs)
            )
    return False
