"""Running a procedure (`facts/procedures.py`) on values known statically: what a small
function returns when every value it reads is known (`NodeView.generate_ops()` building one
command per entry of the class's `operations`, counting them as it goes).

Nothing of the analyzed code runs: its steps are read back from facts and each expression is
resolved by the `Resolver`. Every doubt gives up (None): an expression not known statically
(or holding a part that is not), a test whose truth is not known, a list changed in place
that another name or value also holds, or that a loop walks, or that the procedure did not
build itself. Runs are bounded: `MAX_STEPS` steps in all, `MAX_ITEMS` items per list, strings
of at most `LONGEST_STRING` characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from analyzer.facts.procedures import AddTo, AppendTo, Assign, Branch, ForEach, ReturnOf, Step
from analyzer.facts.values import LoopVar, Seq, Value
from analyzer.resolution.resolve import (
    ConstEntity,
    DictEntity,
    Opaque,
    Resolved,
    SeqEntity,
    iterated,
    truth,
)
from analyzer.resolution.strings import LONGEST_STRING

MAX_STEPS = 10_000  # steps one run may take, each pass through a loop's body counted
MAX_ITEMS = 1_000  # items a list the procedure builds may hold

Evaluate = Callable[[Value, Mapping[str, Resolved]], Resolved]


class _GiveUp(Exception):
    """The run cannot tell what the function does."""


def run_procedure(
    steps: tuple[Step, ...], env: Mapping[str, Resolved], evaluate: Evaluate
) -> Resolved | None:
    """What the procedure returns with `env` bound (its parameters, its receiver), or None."""
    run = _Run(dict(env), evaluate)
    try:
        returned = run.steps(steps)
    except _GiveUp:
        return None
    return ConstEntity(None) if returned is None else returned


class _Run:
    def __init__(self, env: dict[str, Resolved], evaluate: Evaluate) -> None:
        self.env = env
        self.evaluate = evaluate
        self.taken = 0
        # the lists this run made (displays, appends), by id, kept alive so no id is reused
        self.built: dict[int, SeqEntity] = {}
        self.walked: list[SeqEntity] = []  # the lists the enclosing loops walk

    def steps(self, steps: tuple[Step, ...]) -> Resolved | None:
        """Run `steps`; what a `return` among them returned, else None."""
        for step in steps:
            self.taken += 1
            if self.taken > MAX_STEPS:
                raise _GiveUp
            returned = self.step(step)
            if returned is not None:
                return returned
        return None

    def step(self, step: Step) -> Resolved | None:
        match step:
            case Assign(target, value):
                self.bind(target, self.value(value))
            case AddTo(name, value):
                self.add(name, self.value(value))
            case AppendTo(name, value):
                current = self.changed_in_place(name)
                self.bind(LoopVar(name), self.made(SeqEntity((*current.items, self.value(value)))))
            case ForEach(target, iterable, body):
                return self.loop(target, self.value(iterable), body)
            case Branch(test, body, orelse):
                known = truth(self.value(test))
                if known is None:
                    raise _GiveUp
                return self.steps(body if known else orelse)
            case ReturnOf(value):
                return self.value(value)
        return None

    def loop(self, target: Value, iterable: Resolved, body: tuple[Step, ...]) -> Resolved | None:
        iterable = iterated(iterable)
        if not isinstance(iterable, SeqEntity):
            raise _GiveUp
        self.walked.append(iterable)
        try:
            for item in iterable.items:
                self.bind(target, item)
                returned = self.steps(body)
                if returned is not None:
                    return returned
        finally:
            self.walked.pop()
        return None

    def value(self, value: Value) -> Resolved:
        found = self.evaluate(value, self.env)
        if any(_unsettled(part) for part in _parts(found)):
            raise _GiveUp
        if isinstance(value, Seq) and isinstance(found, SeqEntity):
            self.made(found)  # a list display: a new list, this run's to change
        return found

    def bind(self, target: Value, value: Resolved) -> None:
        match target:
            case LoopVar(name):
                self.env[name] = value
            case Seq(parts) if isinstance(value, SeqEntity) and len(value.items) == len(parts):
                for part, item in zip(parts, value.items, strict=True):
                    self.bind(part, item)
            case _:
                raise _GiveUp

    def add(self, name: str, added: Resolved) -> None:
        """`name += added` on strings, numbers or a list this run built."""
        current = self.env.get(name)
        match current, added:
            case ConstEntity(value=str() as left), ConstEntity(value=str() as right):
                if len(left) + len(right) > LONGEST_STRING:
                    raise _GiveUp
                self.env[name] = ConstEntity(left + right)
            case ConstEntity(value=int() as left), ConstEntity(value=int() as right) if not (
                isinstance(left, bool) or isinstance(right, bool)
            ):
                self.env[name] = ConstEntity(left + right)
            case SeqEntity(), SeqEntity(items):
                kept = self.changed_in_place(name)
                self.env[name] = self.made(SeqEntity((*kept.items, *items)))
            case _:
                raise _GiveUp

    def changed_in_place(self, name: str) -> SeqEntity:
        """The list `name` holds, which a step is about to change in place: one this run built,
        no other name or value holds and no loop walks (else the change would show there)."""
        current = self.env.get(name)
        if not isinstance(current, SeqEntity) or id(current) not in self.built:
            raise _GiveUp
        if any(current is walked for walked in self.walked):
            raise _GiveUp
        for other, value in self.env.items():
            if other != name and any(part is current for part in _parts(value)):
                raise _GiveUp
        return current

    def made(self, built: SeqEntity) -> SeqEntity:
        if len(built.items) > MAX_ITEMS:
            raise _GiveUp
        self.built[id(built)] = built
        return built


def _unsettled(value: Resolved) -> bool:
    """Not known statically, or read from settings a deployment may change."""
    return isinstance(value, Opaque) or (isinstance(value, ConstEntity) and bool(value.origin))


def _parts(value: Resolved) -> Iterator[Resolved]:
    """The value and every value nested in its lists and dicts."""
    stack = [value]
    while stack:
        part = stack.pop()
        yield part
        if isinstance(part, SeqEntity):
            stack.extend(part.items)
        elif isinstance(part, DictEntity):
            stack.extend(item for pair in part.items for item in pair)
