"""What a validation library's schema object returns when the analyzed code calls it on data:
voluptuous's `Schema(...)(data)` gives the data back validated, equal to what it was given
when every part of the schema only checks it (types, literals, `Required`/`Optional` keys
without a default, `Any`, `Length`...: `validator_table`). A loop over
`schema(resources)` then runs over `resources` as the caller wrote them. A schema that may
change the data (a `Coerce`, a key's default, `extra=REMOVE_EXTRA`, a project function) or
that is not written where the analyzer can read it leaves the result unknown.

The schema is read as written (its construction, and the module-level schemas it names),
never built.
"""

from __future__ import annotations

from analyzer.facts.values import SPREAD_KEYWORDS, CallOf, Lit, Pairs, Ref, Seq, Spread, Value
from analyzer.resolution import validator_table as table
from analyzer.resolution.resolve import (
    ConstEntity,
    Ctx,
    ExternalEntity,
    ModuleEntity,
    Opaque,
    Resolved,
    Resolver,
)

MAX_SCHEMA_PARTS = 500  # values one schema may be read through (nested schemas included)


def validated(resolver: Resolver, call: CallOf, ctx: Ctx) -> Resolved:
    """`schema(data)` for `schema` a voluptuous `Schema`: `data`, when the schema keeps it."""
    if len(call.args) != 1 or call.kwargs or isinstance(call.args[0], Spread):
        return Opaque("a schema called with other arguments than the data to validate")
    if not _keeps_data(resolver, call.func, ctx):
        return Opaque(f"data validated by a schema that may change it (line {call.line})")
    return resolver.resolve(call.args[0], ctx)


def _keeps_data(resolver: Resolver, schema: Value, ctx: Ctx) -> bool:
    """Whether the schema written as `schema` returns the data it is called on unchanged."""
    pending: list[tuple[Value, Ctx]] = [(schema, ctx)]
    seen: set[tuple[str, str]] = set()
    for _ in range(MAX_SCHEMA_PARTS):
        if not pending:
            return True
        value, where = pending.pop()
        match value:
            case Lit():  # a literal matches data equal to it, returned as it is
                continue
            case Seq(items):
                pending.extend((item, where) for item in items)
                continue
            case Pairs(items):
                pending.extend((part, where) for pair in items for part in pair)
                continue
            case CallOf(func=func, args=args, kwargs=kwargs):
                parts = _keeping_call(resolver, func, args, kwargs, where)
                if parts is None:
                    return False
                pending.extend((part, where) for part in parts)
                continue
            case Ref(dotted=dotted):
                if _checked_type(resolver.resolve(value, where)):
                    continue
                written = _module_binding(resolver, where, dotted, seen)
                if written is None:
                    return False
                pending.append(written)
                continue
        return False
    return False  # too large a schema to read


def _keeping_call(
    resolver: Resolver,
    func: Value,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    ctx: Ctx,
) -> tuple[Value, ...] | None:
    """The sub-schemas of a validator built by a call that keeps its data, else None."""
    called = resolver.resolve(func, ctx)
    keeping = table.KEEPING.get(called.dotted) if isinstance(called, ExternalEntity) else None
    if keeping is None or any(isinstance(arg, Spread) for arg in args):
        return None
    if keeping.positional is not None and len(args) > keeping.positional:
        return None
    parts = list(args)
    for name, value in kwargs:
        if name == SPREAD_KEYWORDS or name not in keeping.keywords:
            return None
        if name == table.EXTRA:
            if not _keeps_extra(resolver.resolve(value, ctx)):
                return None
            continue
        parts.append(value)
    return tuple(parts)


def _keeps_extra(extra: Resolved) -> bool:
    if isinstance(extra, ExternalEntity):
        return extra.dotted in table.EXTRA_KEEPING
    return isinstance(extra, ConstEntity) and extra.value in table.EXTRA_KEEPING_VALUES


def _checked_type(found: Resolved) -> bool:
    return isinstance(found, ExternalEntity) and found.dotted in table.CHECKED_TYPES


def _module_binding(
    resolver: Resolver, ctx: Ctx, dotted: str, seen: set[tuple[str, str]]
) -> tuple[Value, Ctx] | None:
    """What a module-level name of the project used in a schema (`RESOURCE_SCHEMA`, a schema
    built in another module) is written as, with where it is read; None for a name bound
    otherwise, or met before."""
    owner, _, name = dotted.rpartition(".")
    if owner:  # `schemas.RULE`: a name of the module `schemas` names
        found = resolver.resolve(Ref(owner), ctx)
        module = found.name if isinstance(found, ModuleEntity) else ""
    else:  # a name bound or imported here
        module, name = resolver.locate(ctx.module, dotted)
    written = resolver.bindings.get(module, {}).get(name)
    if written is None or (module, name) in seen:
        return None
    seen.add((module, name))
    return written, Ctx(module)
