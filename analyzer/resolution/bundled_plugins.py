"""The plugins a project ships in its own plugins package, as OctoPrint's plugin manager finds
them, and the identifier each is given.

OctoPrint's `PluginManager._find_plugins_from_folders` (`plugin/core.py`, 1.11.8) scans the
folder of the package `octoprint.plugins`: each package or module right under it is a plugin,
identified by its name (`key = entry.name`), whose implementation is the object the module binds
to `__plugin_implementation__`, at module level or in its `__plugin_load__` hook (`global
__plugin_implementation__`), which the manager calls once the module is imported. Here any
package named `plugins` plays that folder's part. The facts keep no name a function binds
through `global`, so for a hook the one project class it instantiates is taken as the
implementation's (OctoPrint's hooks build the plugin and bind it). Plugins installed from
elsewhere (entry points, the user's plugins folder) are not in the tree, nor their identifiers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.facts.python import FileFacts
from analyzer.resolution.resolve import ClassEntity, Ctx, InstanceEntity, Resolver

PLUGINS_PACKAGE = "plugins"
IMPLEMENTATION = "__plugin_implementation__"
LOAD_HOOK = "__plugin_load__"


@dataclass(frozen=True, slots=True)
class BundledPlugin:
    identifier: str
    implementation: ClassEntity  # the class of the object the module declares


def bundled_plugins(resolver: Resolver) -> Iterator[BundledPlugin]:
    """Every module right under a `plugins` package that declares its implementation."""
    for module, facts in resolver.files.items():
        parts = module.split(".")
        if module != facts.module or len(parts) < 2 or parts[-2] != PLUGINS_PACKAGE:
            continue
        implementation = _implementation(resolver, facts)
        if implementation is not None:
            yield BundledPlugin(parts[-1], implementation)


def _implementation(resolver: Resolver, facts: FileFacts) -> ClassEntity | None:
    """The class of the module's `__plugin_implementation__`, else the one project class its
    `__plugin_load__` hook instantiates."""
    for name, value in facts.bindings:
        if name == IMPLEMENTATION:
            found = resolver.resolve(value, Ctx(facts.module))
            if isinstance(found, InstanceEntity) and isinstance(found.cls, ClassEntity):
                return found.cls
            return None
    hook = resolver.functions.get((facts.module, LOAD_HOOK))
    if hook is None:
        return None
    ctx = Ctx(facts.module, LOAD_HOOK)
    built = {
        called
        for call in hook.calls
        if isinstance(called := resolver.resolve(call.func, ctx), ClassEntity)
    }
    return built.pop() if len(built) == 1 else None
