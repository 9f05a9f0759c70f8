"""Facts to JSON and back: a plain data format that cannot run code when read.

`dumps` writes `{"c": [class names], "t": [table], "v": value}`. The table holds each
distinct fact once, as a row `[class number, field values in order]`, children before the
facts that hold them. A file's facts repeat the same names and calls over and over
(`Ref("db")`, `Attr(Ref("db"), "session")`): written once, each is built once when read.

How a field is written follows its declared type, so reading needs no tags on values:
a fact (or None) is its row number; a tuple of facts, of plain values, or of `(str, fact)`
or `(fact, fact)` pairs, a list of those; a plain value (str, int, float, bool, None)
itself. A field of any other type is written self-described: a fact `{"#": row}`, a
mapping `{"@": "dict", "i": [[key, value], ...]}`, a tuple a list. The envelope `dumps` is
given (a dict around facts) keeps its keys; its values are written self-described.

Reading builds only the classes of `FACT_CLASSES`, by name; anything else (a foreign or
damaged entry, a reference to a row not yet read) raises `FactDecodeError`. Writing a field
that holds a value its declared type does not allow raises TypeError.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from analyzer.facts import database as db_facts
from analyzer.facts import openapi as openapi_facts
from analyzer.facts import procedures as procedure_facts
from analyzer.facts import protobuf as proto_facts
from analyzer.facts import python as facts
from analyzer.facts import values

FactClass = type[Any]


class FactDecodeError(ValueError):
    """The text is not facts this version wrote."""


def _fact_classes() -> dict[str, FactClass]:
    classes: dict[str, FactClass] = {}
    for module in (values, db_facts, proto_facts, openapi_facts, procedure_facts, facts):
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == module.__name__
            ):
                assert obj.__name__ not in classes, f"two fact classes named {obj.__name__}"
                classes[obj.__name__] = obj
    return classes


FACT_CLASSES = _fact_classes()

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)

# how a field is written, from its declared type
PLAIN = 0  # str | int | float | bool | None, or a Literal of them: as is
FACT = 1  # a fact class (or a union of them), maybe None: its row number, or null
FACTS = 2  # tuple[fact, ...]: a list of row numbers
PLAINS = 3  # tuple[plain, ...]: a list
NAMED_FACTS = 4  # tuple[tuple[str, fact], ...]: a list of [name, row]
FACT_PAIRS = 5  # tuple[tuple[fact, fact], ...]: a list of [row, row]
ANY = 6  # anything else: self-described


def _members(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(m for arg in typing.get_args(annotation) for m in _members(arg))
    return (annotation,)


def _field_kind(annotation: Any) -> int:
    members = _members(annotation)
    if all(m in _PLAIN_TYPES or typing.get_origin(m) is Literal for m in members):
        return PLAIN
    if all(m is type(None) or m in _CLASS_SET for m in members):
        return FACT
    if len(members) == 1 and typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            item_members = _members(item)
            if all(m in _CLASS_SET for m in item_members):
                return FACTS
            if all(m in _PLAIN_TYPES or typing.get_origin(m) is Literal for m in item_members):
                return PLAINS
            if typing.get_origin(item) is tuple:
                pair = typing.get_args(item)
                if len(pair) == 2 and all(m in _CLASS_SET for m in _members(pair[1])):
                    if pair[0] is str:
                        return NAMED_FACTS
                    if all(m in _CLASS_SET for m in _members(pair[0])):
                        return FACT_PAIRS
    return ANY


_CLASS_SET = frozenset(FACT_CLASSES.values())
_FIELD_NAMES = {
    cls: tuple(field.name for field in dataclasses.fields(cls)) for cls in FACT_CLASSES.values()
}
# worked out for a class when it is first written or read (a run that reuses its report
# reads no facts, and importing stays cheap)
_FIELD_KINDS: dict[FactClass, tuple[int, ...]] = {}


def _kinds(cls: FactClass) -> tuple[int, ...]:
    """How each field of `cls` is written, in order."""
    kinds = _FIELD_KINDS.get(cls)
    if kinds is None:
        declared = typing.get_type_hints(cls)  # the annotations, evaluated in cls's module
        kinds = tuple(_field_kind(declared[field.name]) for field in dataclasses.fields(cls))
        _FIELD_KINDS[cls] = kinds
    return kinds


# how `_writer` writes a field of each kind held in `x`: statements setting `w` (what is
# written) and `k` (its part of the key that tells equal facts apart: 1, 1.0 and True differ)
_WRITE_FIELD = {
    PLAIN: (
        "if type(x) not in PLAIN_TYPES: not_allowed(cls, {name!r}, x)",
        "w = x",
        "k = x if type(x) is str or x is None else (type(x), x)",
    ),
    FACT: ("w = k = None if x is None else row(x)",),
    # an empty tuple (most are: a call's keywords and loops) skips the comprehensions, each
    # a frame
    FACTS: ("if x: w = [row(i) for i in x]; k = tuple(w)", "else: w = []; k = ()"),
    PLAINS: (
        "if any(type(i) not in PLAIN_TYPES for i in x): not_allowed(cls, {name!r}, x)",
        "w = list(x)",
        "k = tuple([(type(i), i) for i in x]) if x else ()",
    ),
    NAMED_FACTS: (
        "if not x: w = []; k = ()",
        "else:",
        "    if any(type(n) is not str for n, _ in x): not_allowed(cls, {name!r}, x)",
        "    w = [[n, row(v)] for n, v in x]",
        "    k = tuple([(n, v) for n, v in w])",
    ),
    FACT_PAIRS: (
        "if x: w = [[row(a), row(b)] for a, b in x]; k = tuple([(a, b) for a, b in w])",
        "else: w = []; k = ()",
    ),
    ANY: ("w = encode(x)", "k = shallow_key(w)"),
}


def _not_allowed(cls: FactClass, name: str, value: Any) -> None:
    raise TypeError(f"{cls.__name__}.{name} holds {type(value).__name__} {value!r:.80}")


Writer = Callable[
    [int, dict[str, Any], Callable[[Any], int], Callable[[Any], Any]],
    tuple[list[Any], tuple[Any, ...]],
]


def _writer(cls: FactClass) -> Writer:
    """A function `(class number, fact's fields, row, encode) -> (row, key)` for `cls`,
    written out field by field from the class's own field names and types only."""
    lines = ["def write(number, fields, row, encode):"]
    for position, (name, kind) in enumerate(zip(_FIELD_NAMES[cls], _kinds(cls), strict=True)):
        lines.append(f"    x = fields[{name!r}]")
        lines += [f"    {step.format(name=name)}" for step in _WRITE_FIELD[kind]]
        lines.append(f"    w{position}, k{position} = w, k")
    written = "".join(f", w{i}" for i in range(len(_FIELD_NAMES[cls])))
    keys = "".join(f", k{i}" for i in range(len(_FIELD_NAMES[cls])))
    lines.append(f"    return [number{written}], (number{keys})")
    namespace: dict[str, Any] = {
        "cls": cls,
        "PLAIN_TYPES": _PLAIN_TYPES,
        "not_allowed": _not_allowed,
        "shallow_key": _shallow_key,
    }
    # the source names only the fact class's own fields (identifiers, from dataclasses.fields)
    # and the steps above; nothing from an analyzed file or a cache entry (as `dataclasses`)
    exec(compile("\n".join(lines) + "\n", f"<facts writer for {cls.__name__}>", "exec"), namespace)
    write: Writer = namespace["write"]
    return write


class _Table:
    """The distinct facts met while writing, numbered in the order they were finished."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []
        self.classes: dict[type[Any], int] = {}  # class -> its number in this document
        self.index: dict[tuple[Any, ...], int] = {}  # equal facts are written once
        self.seen: dict[int, int] = {}  # id(fact) -> row, for facts met more than once

    def row(self, fact: Any) -> int:
        """`fact`'s row number (writing it, and its children, first if new)."""
        known = self.seen.get(id(fact))
        if known is not None:
            return known
        cls = type(fact)
        writer = _WRITERS.get(cls)
        if writer is None:
            if cls not in _CLASS_SET:
                raise TypeError(f"{cls.__name__} is not a fact")
            writer = _WRITERS[cls] = _writer(cls)
        number = self.classes.setdefault(cls, len(self.classes))
        row, key = writer(number, fact.__dict__, self.row, self.encode)
        found = self.index.setdefault(key, len(self.rows))
        if found == len(self.rows):
            self.rows.append(row)
        self.seen[id(fact)] = found
        return found

    def encode(self, value: Any) -> Any:
        """`value` self-described: facts as `{"#": row}`, mappings tagged, tuples as lists."""
        kind = type(value)
        if kind in _PLAIN_TYPES:
            return value
        if kind is tuple or kind is list:
            return [self.encode(item) for item in value]
        if kind is dict:
            return {"@": "dict", "i": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        return {"#": self.row(value)}


def _shallow_key(encoded: Any) -> Any:
    """A hashable stand-in for a self-described value; types kept, so `1`, `1.0` and `True`
    differ. Facts are row numbers by then, so this walk stays shallow."""
    kind = type(encoded)
    if kind is list:
        return tuple(map(_shallow_key, encoded))
    if kind is dict:
        number = encoded.get("#")
        return ("#", number) if number is not None else ("dict", _shallow_key(encoded["i"]))
    return (kind, encoded)


_WRITERS: dict[FactClass, Writer] = {}  # made on first use


def dumps(value: Any) -> str:
    """`value` (facts, or tuples/dicts of them) as compact JSON text."""
    table = _Table()
    if type(value) is dict:  # an envelope: its keys stay plain
        encoded: Any = {key: table.encode(item) for key, item in value.items()}
    else:
        encoded = table.encode(value)
    names = [cls.__name__ for cls in table.classes]  # numbered in insertion order
    return json.dumps(
        {"c": names, "t": table.rows, "v": encoded},
        separators=(",", ":"),
        # \u escapes: a string constant may hold lone surrogates, which UTF-8 cannot encode
        ensure_ascii=True,
        check_circular=False,  # facts are trees
    )


def _decoded(value: Any, built: list[Any]) -> Any:
    """A self-described value back: lists to tuples, `{"#": n}` to row n, mappings."""
    kind = type(value)
    if kind is list:
        return tuple([_decoded(item, built) for item in value])
    if kind is dict:
        number = value.get("#")
        if number is not None:
            if type(number) is not int or number < 0:
                raise FactDecodeError(f"bad reference {number!r}")
            return built[number]
        if value.get("@") == "dict":
            return {_decoded(k, built): _decoded(v, built) for k, v in value["i"]}
        raise FactDecodeError("an unknown object")
    return value


# how `_builder` reads a field of each kind from the row's value `{r}`; an empty list (most
# are: a call's keywords and loops) skips the comprehension, which costs a frame
_READ_FIELD = {
    PLAIN: "{r}",
    FACT: "(None if {r} is None else built[{r}])",
    FACTS: "(() if {r} == [] else tuple([built[i] for i in {r}]))",
    PLAINS: "tuple({r})",
    NAMED_FACTS: "(() if {r} == [] else tuple([(str(k), built[v]) for k, v in {r}]))",
    FACT_PAIRS: "(() if {r} == [] else tuple([(built[k], built[v]) for k, v in {r}]))",
    ANY: "decoded({r}, built)",
}


def _builder(cls: FactClass) -> Callable[[list[Any], list[Any]], Any]:
    """A function `(row, built) -> fact` for `cls`, written out field by field (as
    `dataclasses` writes `__init__`) from the class's own field names and types only: one
    call per fact is most of the reading time. Built as unpickling does: no `__init__`.
    Unpacking the row checks its length (a ValueError otherwise)."""
    names = _FIELD_NAMES[cls]
    unpacked = ", ".join(f"x{number}" for number in range(len(names)))
    fields = ", ".join(
        f"{name!r}: " + _READ_FIELD[kind].format(r=f"x{number}")
        for number, (name, kind) in enumerate(zip(names, _kinds(cls), strict=True))
    )
    # one `update` from a dict display: the instance keeps the class's shared keys (faster
    # attribute reads later than a dict filled key by key)
    source = (
        "def build(row, built):\n"
        f"    _, {unpacked} = row\n"
        "    fact = new(cls)\n"
        f"    fact.__dict__.update({{{fields}}})\n"
        "    return fact\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "decoded": _decoded}
    # the source names only the fact class's own fields and row positions: a cache entry's
    # content is data the built function reads, never code (as `dataclasses` builds __init__)
    exec(compile(source, f"<facts builder for {cls.__name__}>", "exec"), namespace)
    build: Callable[[list[Any], list[Any]], Any] = namespace["build"]
    return build


Builder = Callable[[list[Any], list[Any]], Any]
_BUILDERS: dict[FactClass, Builder] = {}  # made on first use


def _builder_of(cls: FactClass) -> Builder:
    found = _BUILDERS.get(cls)
    if found is None:
        found = _BUILDERS[cls] = _builder(cls)
    return found


def _build(rows: list[Any], classes: list[FactClass]) -> list[Any]:
    """Every row's fact, in order (each row refers only to rows before it: a later one is an
    IndexError; a row of the wrong length, a ValueError)."""
    built: list[Any] = []
    append = built.append
    builders = [_builder_of(cls) for cls in classes]
    for row in rows:
        append(builders[row[0]](row, built))
    return built


def loads(text: str | bytes) -> Any:
    """The facts `dumps` wrote; FactDecodeError for anything else."""
    try:
        document = json.loads(text)
        if type(document) is not dict or set(document) != {"c", "t", "v"}:
            raise FactDecodeError("not a facts document")
        classes = [FACT_CLASSES[name] for name in document["c"]]
        built = _build(document["t"], classes)
        value = document["v"]
        if type(value) is dict and "#" not in value and "@" not in value:  # an envelope
            return {key: _decoded(item, built) for key, item in value.items()}
        return _decoded(value, built)
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise FactDecodeError(str(exc)) from None
