"""Facts to JSON and back: a plain data format that cannot run code when read.

`dumps` writes `{"t": [table], "v": value}`. The table holds each distinct fact once, as
`{"@": "ClassName", "f": [field values in order]}`, children before the facts that hold
them; every fact elsewhere (in the value, in a later entry) is a reference `{"#": index}`.
A file's facts repeat the same names and calls over and over (`Ref("db")`,
`Attr(Ref("db"), "session")`): written once, each is built once when read, which is most
of the reading time. Mappings inside facts are `{"@": "dict", "i": [[key, value], ...]}`,
tuples are lists; objects without "@" or "#" stay plain dicts (envelopes around facts).

Reading builds only the classes of `FACT_CLASSES`, by name; anything else (a foreign or
damaged entry, a reference to an entry not yet read) raises `FactDecodeError`.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable
from typing import Any

from analyzer.facts import database as db_facts
from analyzer.facts import python as facts
from analyzer.facts import values

FactClass = type[Any]


class FactDecodeError(ValueError):
    """The text is not facts this version wrote."""


def _fact_classes() -> dict[str, FactClass]:
    classes: dict[str, FactClass] = {}
    for module in (values, db_facts, facts):
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
_FIELD_NAMES = {
    cls: tuple(field.name for field in dataclasses.fields(cls)) for cls in FACT_CLASSES.values()
}


_PLAIN = (str, int, float, bool, type(None))


def _field_reader(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A fast `fact -> (field values in order)` (attrgetter returns a bare value for one)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    return lambda fact: tuple(getattr(fact, name) for name in names)


_FIELDS_OF = {cls: _field_reader(names) for cls, names in _FIELD_NAMES.items()}


class _Table:
    """The distinct facts met while writing, numbered in the order they were finished."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.index: dict[tuple[Any, ...], int] = {}  # equal facts are written once
        self.seen: dict[int, int] = {}  # id(fact) -> index, for facts met more than once

    def encode(self, value: Any) -> Any:
        """`value` as JSON-able data, facts replaced by references into the table."""
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is tuple or kind is list:
            return [self.encode(item) for item in value]
        if kind is dict:
            return {"@": "dict", "i": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        fields_of = _FIELDS_OF.get(kind)
        if fields_of is None:
            raise TypeError(f"{kind.__name__} is not a fact")
        return {"#": self._entry(value, fields_of)}

    def _entry(self, fact: Any, fields_of: Callable[[Any], tuple[Any, ...]]) -> int:
        known = self.seen.get(id(fact))
        if known is not None:
            return known
        fields = []
        key: list[Any] = [type(fact)]
        for item in fields_of(fact):
            kind = type(item)
            if kind is str or item is None:
                fields.append(item)
                key.append(item)
            elif kind in _PLAIN:  # numbers and booleans: keyed with their type
                fields.append(item)
                key.append((kind, item))
            else:
                encoded = self.encode(item)
                fields.append(encoded)
                key.append(_shallow_key(encoded))
        number = self.index.setdefault(tuple(key), len(self.entries))
        if number == len(self.entries):
            self.entries.append({"@": type(fact).__name__, "f": fields})
        self.seen[id(fact)] = number
        return number


def _shallow_key(encoded: Any) -> Any:
    """A hashable stand-in for encoded fields; types kept, so `1`, `1.0` and `True` differ.
    Children are references by then, so this walk stays shallow."""
    kind = type(encoded)
    if kind is list:
        return tuple(map(_shallow_key, encoded))
    if kind is dict:
        number = encoded.get("#")
        return ("#", number) if number is not None else ("dict", _shallow_key(encoded["i"]))
    return (kind, encoded)


def dumps(value: Any) -> str:
    """`value` (facts, or tuples/dicts of them) as compact JSON text."""
    table = _Table()
    if type(value) is dict:  # an envelope: its keys stay plain
        encoded: Any = {key: table.encode(item) for key, item in value.items()}
    else:
        encoded = table.encode(value)
    return json.dumps(
        {"t": table.entries, "v": encoded},
        separators=(",", ":"),
        # \u escapes: a string constant may hold lone surrogates, which UTF-8 cannot encode
        ensure_ascii=True,
        check_circular=False,  # facts are trees
    )


def _frozen(value: Any) -> Any:
    """Lists back to tuples, deeply (facts are hashable and immutable)."""
    if type(value) is list:
        return tuple([_frozen(item) if type(item) is list else item for item in value])
    return value


def _reader() -> Callable[[dict[str, Any]], Any]:
    """json's object hook for one text: builds table entries in order, resolves references."""
    built: list[Any] = []

    def read(obj: dict[str, Any]) -> Any:
        number = obj.get("#")
        if number is not None:
            return built[number]
        tag = obj.get("@")
        if tag is None:
            return obj
        if tag == "dict":
            return {_frozen(key): _frozen(item) for key, item in obj["i"]}
        cls = FACT_CLASSES[tag]
        names = _FIELD_NAMES[cls]
        items = obj["f"]
        if len(items) != len(names):
            raise FactDecodeError(f"{tag} has {len(names)} fields, not {len(items)}")
        # built as unpickling does: no __init__ (and no frozen-field checks) per object
        fact = object.__new__(cls)
        fact.__dict__.update(
            zip(names, [_frozen(i) if type(i) is list else i for i in items], strict=True)
        )
        built.append(fact)
        return fact

    return read


def loads(text: str | bytes) -> Any:
    """The facts `dumps` wrote; FactDecodeError for anything else."""
    try:
        document = json.loads(text, object_hook=_reader())
        if type(document) is not dict or set(document) != {"t", "v"}:
            raise FactDecodeError("not a facts document")
        value = document["v"]
        if type(value) is dict:
            return {key: _frozen(item) for key, item in value.items()}
        return _frozen(value)
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise FactDecodeError(str(exc)) from None
