"""SQL handed to project functions that run it, credited to the call that hands it over.

A function is a SQL sink for a parameter when the SQL it runs is built from that parameter
(`def insert_returning_id(sql, params): db.session.execute(text(sql + " RETURNING id"), ...)`),
or when it passes the parameter on to a sink's parameter (`return insert_returning_id(sql, p)`),
transitively, to a fixed point. A call that gives a sink's parameter a SQL string (a literal, a
constant, an f-string...) touches that string's tables, at the call:
`insert_returning_id("INSERT INTO users ...")` writes `users` in the caller, in the database
the sink sends its SQL to (the one the sink it passes the parameter on to sends it to).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from analyzer.facts.database import SqlArgument, TableAccess
from analyzer.facts.python import Diagnostic, FunctionFact
from analyzer.facts.values import Attr, Joined, Param, Ref, Value
from analyzer.resolution.calls import callable_function
from analyzer.resolution.resolve import Ctx, Resolver
from analyzer.resolution.results import FunctionKey, TableUse

Sink = tuple[FunctionKey, str]  # (function, parameter name)
ConstantLookup = Callable[[str, str], tuple[TableAccess, ...] | None]  # (module, name as written)
DatabaseLookup = Callable[[FunctionKey], str | None]  # the other database a sink sends SQL to


@dataclass(frozen=True, slots=True)
class SinkUses:
    uses: dict[FunctionKey, tuple[TableUse, ...]]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class _Forward:
    """A call passing parameters of its function (`params`) on as one argument (`slot`)."""

    caller: FunctionKey
    func: Value
    line: int
    slot: int | str
    params: tuple[str, ...]


def sql_sink_uses(
    resolver: Resolver, constant: ConstantLookup, database_of: DatabaseLookup
) -> SinkUses:
    """Table uses of every call that hands SQL to a project SQL sink (`database_of` tells
    the other database a sink function's own SQL calls send it to; None: the app's own)."""
    sinks: set[Sink] = set()
    handovers: list[tuple[FunctionKey, SqlArgument]] = []
    for module, facts in resolver.files.items():
        if module != facts.module or facts.db is None:
            continue
        for function in facts.db.functions:
            key = (module, function.qualname)
            sinks.update((key, param) for param in function.sql_params)
            handovers.extend((key, argument) for argument in function.sql_arguments)
    if not sinks:
        return SinkUses({}, ())
    targets = _Targets(resolver)
    passed_to = _spread(sinks, list(_forwards(resolver)), targets)
    databases = _SinkDatabases(database_of, passed_to)
    names = _sink_names(sinks)
    uses: dict[FunctionKey, list[TableUse]] = defaultdict(list)
    diagnostics: list[Diagnostic] = []
    for caller, argument in handovers:
        if argument.callee not in names:
            continue
        func = _called_value(resolver.functions.get(caller), argument)
        sink = None
        if func is not None:
            sink = targets.parameter(caller, func, argument.line, argument.slot)
        if sink is None or sink not in sinks:
            continue
        database = databases.of(sink)
        module = caller[0]
        path = resolver.files[module].path
        found = uses[caller]
        found.extend(_use(a, caller, path, a.line, database) for a in argument.accesses)
        for ref in argument.name_refs:
            accesses = constant(module, ref)
            if accesses is None:
                message = f"SQL in '{ref}' could not be found in the project"
                diagnostics.append(Diagnostic(path, argument.line, "dynamic-sql", message))
                continue
            found.extend(_use(a, caller, path, argument.line, database) for a in accesses)
        diagnostics.extend(
            Diagnostic(path, d.line, "dynamic-sql", d.message) for d in argument.diagnostics
        )
    return SinkUses({k: tuple(dict.fromkeys(v)) for k, v in uses.items()}, tuple(diagnostics))


def _forwards(resolver: Resolver) -> Iterator[_Forward]:
    """Statement-level calls passing a parameter on, alone or inside a built string."""
    for key, function in resolver.functions.items():
        for call in function.calls:
            if not (call.args or call.kwargs):
                continue  # most calls: nothing passed on
            slots: list[tuple[int | str, Value]] = [*enumerate(call.args), *call.kwargs]
            for slot, value in slots:
                params = _params_in(value)
                if params:
                    yield _Forward(key, call.func, call.line, slot, params)


def _params_in(value: Value) -> tuple[str, ...]:
    if isinstance(value, Param):
        return (value.name,)
    if isinstance(value, Joined):
        return tuple(p.name for p in value.parts if isinstance(p, Param))
    return ()


def _spread(sinks: set[Sink], forwards: list[_Forward], targets: _Targets) -> dict[Sink, Sink]:
    """Add the parameters passed on to sinks, until nothing changes; each added one with the
    sink it is passed on to."""
    passed_to: dict[Sink, Sink] = {}
    changed = True
    while changed:
        changed = False
        names = _sink_names(sinks)
        for forward in forwards:
            if _last_name(forward.func) not in names:
                continue
            target = targets.parameter(forward.caller, forward.func, forward.line, forward.slot)
            if target not in sinks:
                continue
            for param in forward.params:
                if (forward.caller, param) not in sinks:
                    sinks.add((forward.caller, param))
                    passed_to[(forward.caller, param)] = target
                    changed = True
    return passed_to


class _SinkDatabases:
    """The other database each sink's SQL goes to: its function's SQL calls', else that of
    the sink it passes the parameter on to."""

    def __init__(self, database_of: DatabaseLookup, passed_to: dict[Sink, Sink]) -> None:
        self.database_of = database_of
        self.passed_to = passed_to

    def of(self, sink: Sink) -> str | None:
        seen: set[Sink] = set()
        current: Sink | None = sink
        while current is not None and current not in seen:
            seen.add(current)
            database = self.database_of(current[0])
            if database is not None:
                return database
            current = self.passed_to.get(current)
        return None


def _sink_names(sinks: set[Sink]) -> set[str]:
    """Names a call to a sink may be written with: the function's, or its class's (__init__)."""
    names: set[str] = set()
    for (_, qualname), _param in sinks:
        parts = qualname.split(".")
        names.add(parts[-1])
        if parts[-1] == "__init__" and len(parts) > 1:
            names.add(parts[-2])
    return names


class _Targets:
    """The function and parameter an argument reaches (resolved once per call and slot)."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._found: dict[tuple[FunctionKey, int, Value, int | str], Sink | None] = {}

    def parameter(
        self, caller: FunctionKey, func: Value, line: int, slot: int | str
    ) -> Sink | None:
        key = (caller, line, func, slot)
        if key not in self._found:
            self._found[key] = self._parameter(caller, func, slot)
        return self._found[key]

    def _parameter(self, caller: FunctionKey, func: Value, slot: int | str) -> Sink | None:
        resolved = self.resolver.resolve(func, Ctx(*caller))
        target = callable_function(self.resolver, resolved)
        fact = self.resolver.functions.get(target) if target else None
        if target is None or fact is None:
            return None
        param = _parameter_name(fact, slot)
        return None if param is None else (target, param)


def _called_value(caller: FunctionFact | None, argument: SqlArgument) -> Value | None:
    """What the call at the argument's line calls, as the structural facts hold it."""
    for call in caller.calls if caller else ():
        if call.line == argument.line and _last_name(call.func) == argument.callee:
            return call.func
    return None


def _last_name(value: Value) -> str | None:
    if isinstance(value, Ref):
        return value.dotted.rsplit(".", 1)[-1]
    if isinstance(value, Attr):
        return value.name
    return None


def _parameter_name(fact: FunctionFact, slot: int | str) -> str | None:
    """The parameter that receives the argument at `slot` (a position or a keyword)."""
    if isinstance(slot, str):
        return slot if any(p.name == slot for p in fact.params) else None
    positional = [p for p in fact.params if p.kind == "positional"]
    return positional[slot].name if slot < len(positional) else None


def _use(
    access: TableAccess, function: FunctionKey, path: str, line: int, database: str | None
) -> TableUse:
    return TableUse(
        access.table,
        access.mode,
        function,
        path,
        line,
        access.confidence,
        access.via,
        access.indirect,
        database,
    )
