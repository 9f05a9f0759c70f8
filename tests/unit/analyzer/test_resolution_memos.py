"""What resolution remembers so a large app is resolved once, and a report that does not
depend on the order sets happen to iterate in."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.python import FileFacts
from analyzer.facts.values import Value
from analyzer.resolution.graph import fold_access
from analyzer.resolution.resolve import (
    MAX_DEPTH,
    ClassEntity,
    ConstEntity,
    Ctx,
    FunctionEntity,
    Opaque,
    Resolved,
    Resolver,
)
from analyzer.resolution.results import TableUse

SERVICE = """
from flask import Flask

DEBUG = False


def helper(item, limit=len("abc")):
    return item


def create_app(settings="shop.Settings"):
    app = Flask(__name__)
    app.config.from_object(settings)
    return app


class Settings:
    DEBUG = True


def view():
    return helper(1)
"""


def _facts(source: str, module: str = "shop") -> FileFacts:
    return extract_file(source.encode(), FileSpec(f"{module}.py", "python", module, False), None)


class _Counting(Resolver):
    """A resolver that records every value it is asked to resolve."""

    def __init__(self, files: list[FileFacts]) -> None:
        super().__init__(files)
        self.asked: list[Value] = []

    def resolve(self, value: Value, ctx: Ctx) -> Resolved:
        self.asked.append(value)
        return super().resolve(value, ctx)


def _function(facts: FileFacts, qualname: str) -> Any:
    return next(f for f in facts.functions if f.qualname == qualname)


def test_a_call_target_is_resolved_once_per_place() -> None:
    facts = _facts(SERVICE)
    resolver = _Counting([facts])
    (call,) = _function(facts, "view").calls
    ctx = Ctx("shop", "view")
    first = resolver.called(call, ctx)
    asked = len(resolver.asked)
    assert first == FunctionEntity("shop", "helper") == resolver.resolve(call.func, ctx)
    resolver.asked.clear()
    assert resolver.called(call, ctx) == first
    assert resolver.asked == []  # remembered
    assert asked >= 1


def test_settings_resolve_only_the_defaults_of_functions_that_load_configuration() -> None:
    facts = _facts(SERVICE)
    resolver = _Counting([facts])
    assert resolver.settings()["DEBUG"] == ConstEntity(True)
    assert _function(facts, "create_app").params[0].default in resolver.asked
    assert _function(facts, "helper").params[1].default not in resolver.asked  # loads nothing


def test_setting_definitions_are_collected_in_one_pass_for_every_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolver = Resolver([_facts(SERVICE)])
    scans = itertools.count()
    real = Resolver._literal_definitions

    def counted(self: Resolver) -> Any:
        next(scans)
        return real(self)

    monkeypatch.setattr(Resolver, "_literal_definitions", counted)
    expected = ((True, "shop.py:17"), (False, "shop.py"))  # the class's first, then the module's
    assert resolver.setting_definitions("DEBUG") == expected
    assert resolver.setting_definitions("DEBUG") == expected
    assert resolver.setting_definitions("NOT_SET_ANYWHERE") == ()
    assert next(scans) == 1


def test_evidence_order_does_not_depend_on_set_order() -> None:
    """Uses that differ only past (file, line, table, mode) come out in one order: a set's
    order changes from process to process (string hashes are salted)."""
    view, other = ("m", "view"), ("m", "other")
    uses = [
        TableUse("orders", "read", function, "m.py", 3, confidence, via, indirect)
        for function in (view, other)
        for confidence in ("high", "low")
        for via, indirect in (("orm", False), ("orm", True), ("sql", False))
    ]
    expected = tuple(sorted(uses, key=lambda u: (u.indirect, u.confidence, u.via, u.function)))
    for order in (uses, uses[::-1], uses[1::2] + uses[::2]):
        assert fold_access([view], {}, {view: tuple(order)}).evidence == expected


def test_a_name_cut_short_at_the_depth_cap_is_not_remembered_as_recursive() -> None:
    # a module-level name first asked deep inside another resolution (privacyidea's model
    # class, met at the depth cap while registrations were resolved) is worked out again when
    # asked from the top, not kept as a "recursive definition"
    resolver = Resolver([_facts(SERVICE)])
    resolver._depth = MAX_DEPTH + 1
    assert isinstance(resolver.global_name("shop", "Settings"), Opaque)
    resolver._depth = 0
    assert resolver.global_name("shop", "Settings") == ClassEntity("shop", "Settings")
