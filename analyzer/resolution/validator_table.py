"""What validation libraries' schema objects return when called on data, as data: which
validators give back what they are given (so a schema built only of them returns its data
as it was, validated), with the arguments that keep them so.

Each entry was read from the library's source at the version named beside it. The code that
applies it is `validated_data`; nothing here imports the analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keeping:
    """A validator that returns its data unchanged once its own sub-schemas do: called with
    at most `positional` arguments and only these keywords (others may change the data, as a
    key's `default` adds it)."""

    positional: int | None  # None: any number (`Any(*validators)`)
    keywords: frozenset[str] = frozenset()


def _names(module: str, *names: str) -> tuple[str, ...]:
    """A name as `voluptuous` exports it and as its own module defines it."""
    return tuple(dotted for name in names for dotted in (f"voluptuous.{name}", f"{module}.{name}"))


# ---- voluptuous 0.16.0 ---------------------------------------------------------------------
VOLUPTUOUS_VERSION = "0.16.0"
_BUILDER = "voluptuous.schema_builder"
_VALIDATORS = "voluptuous.validators"
# `Schema(schema, required=False, extra=PREVENT_EXTRA)`; `Schema(...)(data)` returns the data
# validated: a new list or dict equal to it when every part of the schema only checks
SCHEMA_CLASSES = frozenset(_names(_BUILDER, "Schema"))
# `extra=` values that keep every key of the data (REMOVE_EXTRA = 2 drops the unknown ones)
EXTRA_KEEPING = frozenset(_names(_BUILDER, "PREVENT_EXTRA", "ALLOW_EXTRA"))
EXTRA_KEEPING_VALUES = frozenset({0, 1})  # their values
EXTRA = "extra"
# a type in a schema is an `isinstance` check: the data is returned as it is
CHECKED_TYPES = frozenset(
    f"builtins.{name}" for name in ("str", "int", "float", "bool", "list", "dict", "tuple", "bytes")
)
_MSG = frozenset({"msg"})
KEEPING: dict[str, Keeping] = {
    **dict.fromkeys(_names(_BUILDER, "Schema"), Keeping(2, frozenset({"required", "extra"}))),
    # `Required(schema, msg, default, description)`: a `default` adds the key when missing
    **dict.fromkeys(
        _names(_BUILDER, "Required", "Optional"), Keeping(2, frozenset({"msg", "description"}))
    ),
    # `Any`/`All(*validators, msg, required)`: the first passing one's result, each one's in turn
    **dict.fromkeys(
        _names(_VALIDATORS, "Any", "All"), Keeping(None, frozenset({"msg", "required"}))
    ),
    **dict.fromkeys(_names(_VALIDATORS, "Maybe"), Keeping(2, _MSG)),
    **dict.fromkeys(_names(_VALIDATORS, "Length"), Keeping(3, frozenset({"min", "max", "msg"}))),
    **dict.fromkeys(
        _names(_VALIDATORS, "Range"),
        Keeping(5, frozenset({"min", "max", "min_included", "max_included", "msg"})),
    ),
    **dict.fromkeys(_names(_VALIDATORS, "Match"), Keeping(2, frozenset({"pattern", "msg"}))),
    **dict.fromkeys(
        _names(_VALIDATORS, "In", "NotIn"), Keeping(2, frozenset({"container", "msg"}))
    ),
    **dict.fromkeys(_names(_VALIDATORS, "Contains"), Keeping(2, frozenset({"item", "msg"}))),
    **dict.fromkeys(_names(_VALIDATORS, "Equal"), Keeping(2, frozenset({"target", "msg"}))),
    **dict.fromkeys(_names(_VALIDATORS, "Unique"), Keeping(1, _MSG)),
    **dict.fromkeys(
        _names(_VALIDATORS, "Datetime", "Date"), Keeping(2, frozenset({"format", "msg"}))
    ),
    # functions wrapped by `@message`: called with an optional message, a check returning `v`
    **dict.fromkeys(
        _names(_VALIDATORS, "Email", "Url", "FqdnUrl", "IsFile", "IsDir", "PathExists", "IsTrue"),
        Keeping(1, _MSG),
    ),
}
