"""Routes declared on methods with a project class's decorator, noted once per class.

OctoPrint's plugins decorate their methods with `@octoprint.plugin.BlueprintPlugin.route(rule,
...)`: a static method of the framework's own class that only records the rule on the function.
At run time `get_blueprint()` lists the plugin's members (`dir(self)`), turns each recorded rule
into `blueprint.add_url_rule(...)` on a blueprint named after the identifier the plugin manager
gave the plugin when it loaded it, and the server registers it under `/plugin/<identifier>`.
Neither the identifier nor which plugins are loaded is written in the code, so these rules are
not reported; one diagnostic per class names the decorator and the lines, where one per rule
would bury the others.
"""

from __future__ import annotations

from analyzer.facts.python import Diagnostic
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import ClassEntity, FunctionEntity, Resolved, Resolver


class RecordedRules:
    """Route decorators of project classes on methods, grouped by the class of the method."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._by_class: dict[tuple[str, str], dict[int, str]] = {}

    def add(self, reg: Registration, target: Resolved | None) -> bool:
        """Keep a route decorator whose object is a project class, on a method; False for any
        other registration (noted on its own)."""
        view = reg.view
        if not (
            reg.fact.kind == "route"
            and isinstance(target, ClassEntity)
            and isinstance(view, FunctionEntity)
            and "." in view.qualname
        ):
            return False
        owner = (view.module, view.qualname.rsplit(".", 1)[0])
        if owner not in self.resolver.classes:
            return False
        decorator = f"@{target.module}.{target.qualname}.{reg.fact.attr}"
        self._by_class.setdefault(owner, {})[reg.fact.line] = decorator
        return True

    def notes(self) -> list[Diagnostic]:
        """One `unresolved-route` per class, at the class."""
        found = []
        for (module, qualname), lines in self._by_class.items():
            decorators = ", ".join(sorted(set(lines.values())))
            where = ", ".join(str(line) for line in sorted(lines))
            found.append(
                Diagnostic(
                    self.resolver.files[module].path,
                    self.resolver.classes[(module, qualname)].line,
                    "unresolved-route",
                    f"{len(lines)} rule(s) declared on methods of {qualname} with {decorators} "
                    f"(lines {where}): a decorator of a project class, not of a Flask app, "
                    "blueprint or API, that records rules the project turns into routes at run "
                    "time; not reported",
                )
            )
        return found
