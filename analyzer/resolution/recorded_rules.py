"""Routes declared on methods with a project class's decorator, which only records the rule.

OctoPrint's plugins decorate their methods with `@octoprint.plugin.BlueprintPlugin.route(rule,
...)`: a static method of the framework's own class that records the rule on the function. The
rules are read back per plugin by `plugin_blueprints`, for the plugins whose identifier is known;
the classes whose rules no known plugin reads back get one diagnostic each, naming the decorator
and the lines, where one per rule would bury the others.
"""

from __future__ import annotations

from collections.abc import Collection

from analyzer.facts.python import Diagnostic
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import ClassEntity, FunctionEntity, Resolved, Resolver

ClassKey = tuple[str, str]  # (module, class qualname)


class RecordedRules:
    """Route decorators of project classes on methods, by method and by the method's class."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.by_method: dict[tuple[str, str], list[Registration]] = {}
        self.by_class: dict[ClassKey, list[Registration]] = {}
        self.decorators: set[ClassEntity] = set()  # the classes whose decorator records them

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
        self.decorators.add(target)
        self.by_method.setdefault((view.module, view.qualname), []).append(reg)
        self.by_class.setdefault(owner, []).append(reg)
        return True

    def notes(self, read_back: Collection[ClassKey], why: str) -> list[Diagnostic]:
        """One `unresolved-route` per class whose rules are not `read_back`, at the class;
        `why` says why they are not reported."""
        found = []
        for (module, qualname), regs in self.by_class.items():
            if (module, qualname) in read_back:
                continue
            lines = {
                reg.fact.line: f"@{reg.target.module}.{reg.target.qualname}.{reg.fact.attr}"
                for reg in regs
                if isinstance(reg.target, ClassEntity)
            }
            decorators = ", ".join(sorted(set(lines.values())))
            where = ", ".join(str(line) for line in sorted(lines))
            found.append(
                Diagnostic(
                    self.resolver.files[module].path,
                    self.resolver.classes[(module, qualname)].line,
                    "unresolved-route",
                    f"{len(lines)} rule(s) declared on methods of {qualname} with {decorators} "
                    f"(lines {where}): a decorator of a project class, not of a Flask app, "
                    f"blueprint or API, that records rules the project turns into routes at run "
                    f"time; not reported: {why}",
                )
            )
        return found
