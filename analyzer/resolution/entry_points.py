"""Plugins loaded from entry points: the loaders that hand over the entry points of a group, and
the objects the tree's own manifests declare for it (`analyzer.source.entry_points`).

- stevedore's managers (`ExtensionManager`, `EnabledExtensionManager`, `NamedExtensionManager`,
  `DriverManager`, given `namespace`): iterated or through `.extensions`, each extension's
  `.plugin` is the declared object, `.obj` the object called when `invoke_on_load` is set,
  `.name` its name; a driver manager's `.driver` is its one plugin (or object);
- `importlib.metadata.entry_points(group=...)` (or `entry_points().select(group=...)`,
  `entry_points()[group]`), and `pkg_resources.iter_entry_points(group)`: each entry point's
  `.load()` is the declared object, `.name` its name.

Every entry point the tree declares for the group counts as enabled, as optional features are
taken on elsewhere: a filter decided at run time (stevedore's `check_func`, names not known
statically) keeps them all, noted. Entry points other distributions declare are not known:
a group the tree declares none for is noted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.facts.python import EntryPoint

# stevedore's filter called on each extension at run time
CHECK_FUNCTION = "check_func"
# stevedore's managers, and the argument (index, keyword) choosing the entry points they keep
STEVEDORE_MANAGERS: dict[str, tuple[int, str] | None] = {
    **dict.fromkeys(("stevedore.ExtensionManager", "stevedore.extension.ExtensionManager")),
    **dict.fromkeys(
        ("stevedore.EnabledExtensionManager", "stevedore.enabled.EnabledExtensionManager"),
        (1, CHECK_FUNCTION),
    ),
    **dict.fromkeys(
        ("stevedore.NamedExtensionManager", "stevedore.named.NamedExtensionManager"),
        (1, "names"),
    ),
    **dict.fromkeys(("stevedore.DriverManager", "stevedore.driver.DriverManager"), (1, "name")),
}
DRIVER_MANAGERS = frozenset({"stevedore.DriverManager", "stevedore.driver.DriverManager"})
# `entry_points(group=..., name=...)`: all of them without a group
ENTRY_POINT_SELECTIONS = frozenset(
    {"importlib.metadata.entry_points", "importlib_metadata.entry_points"}
)
# `iter_entry_points(group, name=None)`
PKG_RESOURCES_ITERATIONS = frozenset({"pkg_resources.iter_entry_points"})
# what an entry point (or a stevedore extension) holds: `load()`, or `.plugin`, is the object
LOADED = frozenset({"load", "resolve"})


@dataclass(frozen=True, slots=True)
class EntryPointEntity:
    """One declared entry point as a loader hands it over (stevedore's `Extension`, an
    `importlib.metadata.EntryPoint`, a `pkg_resources.EntryPoint`)."""

    group: str
    name: str
    module: str
    attr: str  # '' for a module
    invoked: bool = False  # stevedore's `invoke_on_load`: `.obj` is the object called


@dataclass(frozen=True, slots=True)
class EntryPointSet:
    """The entry points a loader hands over; `grouped` False for `entry_points()` without a
    group (selected later); `driver` for a stevedore driver manager."""

    items: tuple[EntryPointEntity, ...]
    grouped: bool = True
    driver: bool = False

    def select(self, group: str, names: Iterable[str] | None = None) -> EntryPointSet:
        """Those of `group` (of `names` when given)."""
        wanted = None if names is None else frozenset(names)
        return EntryPointSet(
            tuple(
                item
                for item in self.items
                if item.group == group and (wanted is None or item.name in wanted)
            ),
            driver=self.driver,
        )


def declared_entry_points(declared: Iterable[EntryPoint]) -> EntryPointSet:
    """Every declared entry point, once (a group may be declared in several manifests)."""
    items = dict.fromkeys(EntryPointEntity(e.group, e.name, e.module, e.attr) for e in declared)
    return EntryPointSet(tuple(items), grouped=False)
