"""Blinker signals: a function connected to a signal (`@sig.connect`, `@sig.connect_via(x)`,
`sig.connect(fn)`) runs when code sends it (`sig.send(...)`), so the sender calls it.

A signal is known by where its name is defined, following imports: a library's by its module
and name (`flask_principal`, `identity_loaded`), a project's (`certificate_issued =
signals.signal("issued")`) by the module holding it and the value it is bound to there. Some
libraries answer one signal by sending another; those chains are listed in `_CHAINED_SIGNALS`.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.facts.python import CallFact
from analyzer.facts.values import CallOf, Imported, Ref, Value
from analyzer.resolution.resolve import Ctx, FunctionEntity, Resolver, method_of, written_name
from analyzer.resolution.results import FunctionKey

# where the signal is defined: (module, the value its module variable holds), or, for a
# library's, (module, name there)
SignalKey = tuple[str, Value | str]
_CONNECTS = frozenset({"connect", "connect_via"})

# Flask-Principal's `Principal` receives `identity_changed` and, setting the identity, sends
# `identity_loaded` (its receivers load the user's roles and permissions)
_CHAINED_SIGNALS: dict[SignalKey, tuple[SignalKey, ...]] = {
    ("flask_principal", "identity_changed"): (("flask_principal", "identity_loaded"),),
}


class SignalReceivers:
    """The project functions each signal runs when sent."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.receivers: dict[SignalKey, list[FunctionKey]] = defaultdict(list)
        # `x.connect(fn)` calls, by function, met in the same order as the decorators
        connecting: dict[FunctionKey, list[CallFact]] = defaultdict(list)
        for key, call in resolver.calls_named(("connect",)):
            connecting[key].append(call)
        for (module, qualname), function in resolver.functions.items():
            for decorator in function.decorators:
                func = decorator.func if isinstance(decorator, CallOf) else decorator
                signal = self._method_owner(func, _CONNECTS, module)
                if signal is not None:
                    self.receivers[signal].append((module, qualname))
            for call in connecting.get((module, qualname), ()):
                signal = self._method_owner(call.func, frozenset({"connect"}), module)
                if signal is None or not call.args:
                    continue
                target = resolver.resolve(call.args[0], Ctx(module, qualname))
                if isinstance(target, FunctionEntity):
                    self.receivers[signal].append((target.module, target.qualname))

    def sent(self, func: Value, module: str) -> list[FunctionKey]:
        """The receivers a call of `func` (`sig.send`) runs, if it sends a known signal."""
        if written_name(func) != "send":  # most calls (asked of every one left unresolved)
            return []
        signal = self._method_owner(func, frozenset({"send"}), module)
        if signal is None:
            return []
        found: list[FunctionKey] = []
        for key in (signal, *_CHAINED_SIGNALS.get(signal, ())):
            found.extend(self.receivers.get(key, ()))
        return found

    def _method_owner(self, func: Value, methods: frozenset[str], module: str) -> SignalKey | None:
        """The signal whose method (one of `methods`) `func`, written in `module`, names."""
        method = method_of(func)
        if method is None or method[1] not in methods:
            return None
        owner = method[0]
        if isinstance(owner, Imported):
            site = self.resolver.locate(owner.module, owner.name)
        elif isinstance(owner, Ref):
            site = self.resolver.locate(module, owner.dotted)
        else:  # a module-level name, written as the value it holds (`signals.signal("x")`)
            return (module, owner)
        bound = self.resolver.bindings.get(site[0], {}).get(site[1])
        return (site[0], bound) if bound is not None else site
