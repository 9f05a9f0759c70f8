"""Facts to JSON and back: a plain data format that cannot run code when read.

A frozen fact dataclass is written as `{"@": "ClassName", "f": [field values in order]}`,
a mapping as `{"@": "dict", "i": [[key, value], ...]}`, tuples as lists. Reading builds
only the classes of `FACT_CLASSES`, by name; anything else (a foreign or damaged entry)
raises `FactDecodeError`. Objects without "@" stay plain dicts (envelopes around facts).
"""

from __future__ import annotations

import dataclasses
import json
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


def _fact_object(value: Any) -> dict[str, Any]:
    """json's hook for what it cannot write itself: a fact, as tag and field values."""
    field_names = _FIELD_NAMES.get(type(value))
    if field_names is None:
        raise TypeError(f"{type(value).__name__} is not a fact")
    fields = [getattr(value, name) for name in field_names]
    return {
        "@": type(value).__name__,
        "f": [{"@": "dict", "i": list(f.items())} if type(f) is dict else f for f in fields],
    }


def _frozen(value: Any) -> Any:
    """Lists back to tuples, deeply (facts are hashable and immutable)."""
    if type(value) is list:
        return tuple([_frozen(item) if type(item) is list else item for item in value])
    return value


def _object(obj: dict[str, Any]) -> Any:
    """One JSON object back to a fact, built as unpickling does: no __init__ per object."""
    tag = obj.get("@")
    if tag is None:
        return obj
    if tag == "dict":
        return {key: _frozen(item) for key, item in obj["i"]}
    cls = FACT_CLASSES[tag]
    names = _FIELD_NAMES[cls]
    items = obj["f"]
    if len(items) != len(names):
        raise FactDecodeError(f"{tag} has {len(names)} fields, not {len(items)}")
    fact = object.__new__(cls)
    fact.__dict__.update(
        zip(names, [_frozen(item) if type(item) is list else item for item in items], strict=True)
    )
    return fact


def dumps(value: Any) -> str:
    """`value` (facts, or tuples/dicts of them) as compact JSON text."""
    return json.dumps(
        value,
        default=_fact_object,
        separators=(",", ":"),
        ensure_ascii=False,
        check_circular=False,  # facts are trees
    )


def loads(text: str | bytes) -> Any:
    """The facts `dumps` wrote; FactDecodeError for anything else."""
    try:
        return _frozen(json.loads(text, object_hook=_object))
    except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise FactDecodeError(str(exc)) from None
