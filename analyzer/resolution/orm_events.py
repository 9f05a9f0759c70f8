"""SQLAlchemy mapper events: `@listens_for(Model, "after_insert")` (or `before_`/`after_` +
`insert`/`update`/`delete`, from `sqlalchemy.event`) runs the listener in the flush that
writes one of the model's rows, so a function writing the model's table calls it (and, through
the functions it defines, the `after_flush` receivers it registers). Which kind of write a
function makes is not known (a write is a write), so every mapper listener of the table counts.
`event.listen(Model, "after_insert", fn)` calls and attribute events (`Model.tags`,
"append") are not followed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from analyzer.facts.values import CallOf, Lit
from analyzer.resolution.resolve import ClassEntity, Ctx, ExternalEntity, Resolver
from analyzer.resolution.results import FunctionKey, TableUse

MAPPER_EVENTS = frozenset(
    f"{when}_{change}" for when in ("before", "after") for change in ("insert", "update", "delete")
)
TableOf = Callable[[ClassEntity], str | None]


def mapper_listeners(resolver: Resolver, table_of: TableOf) -> dict[str, tuple[FunctionKey, ...]]:
    """The functions listening to each table's row changes."""
    found: dict[str, list[FunctionKey]] = {}
    for key, function in resolver.functions.items():
        for decorator in function.decorators:
            table = _listened_table(resolver, key[0], decorator, table_of)
            if table is not None:
                found.setdefault(table, []).append(key)
    return {table: tuple(dict.fromkeys(keys)) for table, keys in found.items()}


def flush_calls(
    uses: Mapping[FunctionKey, tuple[TableUse, ...]],
    listeners: Mapping[str, tuple[FunctionKey, ...]],
) -> dict[FunctionKey, tuple[FunctionKey, ...]]:
    """Each function writing a listened table -> the listeners its writes make run."""
    calls: dict[FunctionKey, tuple[FunctionKey, ...]] = {}
    for key, found in uses.items():
        run = [
            listener
            for use in found
            if use.mode == "write" and not use.indirect
            for listener in listeners.get(use.table, ())
            if listener != key
        ]
        if run:
            calls[key] = tuple(dict.fromkeys(run))
    return calls


def _listened_table(
    resolver: Resolver, module: str, decorator: object, table_of: TableOf
) -> str | None:
    """The table whose mapper events `@listens_for(Model, "<event>")` makes its function hear."""
    if not isinstance(decorator, CallOf) or len(decorator.args) < 2:
        return None
    event = decorator.args[1]
    if not (isinstance(event, Lit) and event.value in MAPPER_EVENTS):
        return None
    func = resolver.resolve(decorator.func, Ctx(module))
    if not (isinstance(func, ExternalEntity) and _is_listens_for(func.dotted)):
        return None
    model = resolver.resolve(decorator.args[0], Ctx(module))
    return table_of(model) if isinstance(model, ClassEntity) else None


def _is_listens_for(dotted: str) -> bool:
    return dotted.split(".")[0] == "sqlalchemy" and dotted.rsplit(".", 1)[-1] == "listens_for"
