"""Reading a constraints file (`strangler plan --constraints FILE`, TOML), checked against
the plan graph (pure: the command passes the text in).

    project = "sha256:..."        # optional: the analysis it was written for
    [services.feedback]           # names a service and pins things to it
    routes = ["reviews.create_review"]
    modules = ["legacy_monolith.reviews.views"]
    tables = ["reviews"]
    [[apart]]                     # no two of these in one service
    things = ["table:orders", "table:reviews"]

Every error is a `ConstraintsError` naming the file and the line: TOML syntax, an
unknown key, a value of the wrong kind, an unknown route, module or table (with the
closest name), a thing pinned to two services, things kept apart but pinned to one
service, more named services than `--services N`, a `project` that is not this analysis.
tomllib gives no line for what it parsed, so the line is found in the text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from planner.model import Apart, Constraints, NodeId, Pin, PlanGraph
from planner.weights import node_kind, node_name
from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean, kind, syntax_problem, unknown_key_reason

TOP_LEVEL_KEYS = ("project", "services", "apart")
PIN_KEYS = ("routes", "modules", "tables")  # under [services.NAME]
APART_KEYS = ("things",)  # under [[apart]]
_KIND_OF_KEY = {"routes": "route", "modules": "module", "tables": "table"}
_KINDS = tuple(_KIND_OF_KEY.values())
_SERVICE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(#.*)?$")

FORMAT_HINT = "the format is under 'Constraints' in docs/running.md"


class ConstraintsError(UsageError):
    """A constraints file that cannot be honoured: says which file, line and why."""

    def __init__(self, source: str, line: int | None, reason: str, hint: str = FORMAT_HINT):
        super().__init__(f"{source if line is None else f'{source}:{line}'}: {reason}", hint=hint)
        self.line = line


@dataclass(frozen=True)
class ConstraintsFile:
    """The text of a constraints file, and the name errors give it."""

    source: str
    text: str


def read_constraints(
    file: ConstraintsFile, graph: PlanGraph, project_hash: str, services: int | None = None
) -> Constraints:
    """The constraints in `file`, each thing a node of `graph`; refuses a file written for
    another analysis than `project_hash`, or naming more services than `services`."""
    try:
        data = tomllib.loads(file.text)
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(exc)
        raise ConstraintsError(file.source, problem.line, problem.reason) from None
    return _Reader(file, graph).constraints(data, project_hash, services)


@dataclass(frozen=True)
class _Section:
    """Lines `start` to `end - 1` of the text, the body of the table `name` ("" for the top
    level); `header`: the line naming it, when found."""

    name: str
    header: int | None
    start: int
    end: int


class _Lines:
    """Finds where a section, a key or a quoted value sits, by scanning the text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers = [
            (number, match.group(1) == "[[", re.sub(r"[\s\"']", "", match.group(2)))
            for number, line in enumerate(self._lines, start=1)
            if (match := _HEADER.match(line))
        ]

    def top(self) -> _Section:
        first = next((n for n, _, _ in self._headers), len(self._lines) + 1)
        return _Section("", None, 1, first)

    def service(self, name: str) -> _Section:
        found = [n for n, array, h in self._headers if not array and h == f"services.{name}"]
        return self._section(f"services.{name}", found[0] if found else None)

    def apart(self, index: int) -> _Section:
        found = [n for n, array, header in self._headers if array and header == "apart"]
        return self._section("apart", found[index] if index < len(found) else None)

    def key(self, key: str, section: _Section) -> int | None:
        """The line assigning `key` in `section`, else opening a table under it there."""
        name = re.escape(key)
        assignment = re.compile(rf"^\s*(?:{name}|\"{name}\"|'{name}')\s*=")
        full = f"{section.name}.{key}" if section.name else key
        tables = (n for n, _, h in self._headers if h == full or h.startswith(f"{full}."))
        return (
            self._first(assignment, section.start, section.end)
            or next(tables, None)
            or section.header
        )

    def value(self, value: str, key: str, section: _Section) -> int | None:
        """The line holding `value` quoted, after `key` in `section`."""
        start = self.key(key, section) or section.start
        quoted = re.compile(rf"[\"']{re.escape(value)}[\"']")
        return self._first(quoted, start, section.end, search=True) or start

    def _section(self, name: str, header: int | None) -> _Section:
        """The lines under `header` up to the next one; the whole text when there is no
        header (the table is written some other way)."""
        last = len(self._lines) + 1
        if header is None:
            return _Section(name, None, 1, last)
        later = (n for n, _, _ in self._headers if n > header)
        return _Section(name, header, header + 1, next(later, last))

    def _first(
        self, pattern: re.Pattern[str], start: int, end: int, search: bool = False
    ) -> int | None:
        for number in range(max(start, 1), end):
            line = self._lines[number - 1]
            if (pattern.search(line) if search else pattern.match(line)) is not None:
                return number
        return None


class _Reader:
    def __init__(self, file: ConstraintsFile, graph: PlanGraph) -> None:
        self._source = file.source
        self._lines = _Lines(file.text)
        self._names: dict[str, set[str]] = {kind_: set() for kind_ in _KINDS}
        for node in graph.nodes:
            if node_kind(node) in self._names:
                self._names[node_kind(node)].add(node_name(node))

    def _fail(self, line: int | None, reason: str, hint: str = FORMAT_HINT) -> ConstraintsError:
        return ConstraintsError(self._source, line, reason, hint)

    def constraints(
        self, data: dict[str, Any], project_hash: str, services: int | None
    ) -> Constraints:
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                reason = unknown_key_reason(key, TOP_LEVEL_KEYS, "at the top level")
                raise self._fail(self._lines.key(key, self._lines.top()), reason)
        self._check_project(data.get("project"), project_hash)
        pins, named = self._pins(data.get("services", {}))
        if services is not None and len(named) > services:
            extra = named[services]
            raise self._fail(
                self._lines.service(extra).header,
                f"the file names {len(named)} services ({', '.join(named)}), more than"
                f" --services {services}",
                hint=f"ask for at least --services {len(named)}, or name fewer services",
            )
        apart = self._apart(data.get("apart", []), pins)
        return Constraints(self._source, named, tuple(pins.values()), apart)

    def _check_project(self, project: object, project_hash: str) -> None:
        if project is None:
            return
        line = self._lines.key("project", self._lines.top())
        if not isinstance(project, str):
            raise self._fail(line, f"project: must be a string, got {kind(project)}")
        if project != project_hash:
            raise self._fail(
                line,
                f"made for another project: project = {project!r}, this analysis is"
                f" {project_hash!r}",
                hint="the source changed since, or the file is another project's: update"
                " `project` (the `project.hash` of `strangler plan --format json`) or remove it",
            )

    def _pins(self, services: object) -> tuple[dict[NodeId, Pin], tuple[str, ...]]:
        if not isinstance(services, dict):
            raise self._fail(
                self._lines.key("services", self._lines.top()),
                f"services: must be tables [services.NAME], got {kind(services)}",
            )
        pins: dict[NodeId, Pin] = {}
        for name, keys in services.items():
            self._pin_service(name, keys, pins)
        return pins, tuple(services)

    def _pin_service(self, name: str, keys: object, pins: dict[NodeId, Pin]) -> None:
        """Adds the pins of `[services.<name>]` to `pins`."""
        section = self._lines.service(name)
        if not _SERVICE_NAME.match(name):
            raise self._fail(
                section.header,
                f"service name {name!r}: use letters, digits and _ (a Python identifier),"
                " as `strangler extract` names packages",
            )
        if not isinstance(keys, dict):
            raise self._fail(section.header, f"services.{name}: must be a table, got {kind(keys)}")
        for key in keys:
            if key not in PIN_KEYS:
                reason = unknown_key_reason(key, PIN_KEYS, f"in [services.{name}]")
                raise self._fail(self._lines.key(key, section), reason)
        if not any(keys.values()):
            raise self._fail(
                section.header,
                f"[services.{name}] pins nothing: list its routes, modules or tables",
            )
        for key, names in keys.items():
            for thing in self._strings(names, key, section, f"services.{name}.{key}"):
                line = self._lines.value(thing, key, section)
                node = self._node(_KIND_OF_KEY[key], thing, line, f"under {key}")
                earlier = pins.setdefault(node, Pin(node, name, line))
                if earlier.service != name:
                    raise self._fail(
                        line,
                        f"{_words(node)} is pinned to {name!r} here and to"
                        f" {earlier.service!r} at line {earlier.line}",
                        hint="a thing sits in one service: keep one of the pins",
                    )

    def _apart(self, entries: object, pins: dict[NodeId, Pin]) -> tuple[Apart, ...]:
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self._fail(
                self._lines.key("apart", self._lines.top()),
                "apart: must be tables [[apart]] with `things`",
            )
        result = []
        for index, entry in enumerate(entries):
            section = self._lines.apart(index)
            for key in entry:
                if key not in APART_KEYS:
                    reason = unknown_key_reason(key, APART_KEYS, "in [[apart]]")
                    raise self._fail(self._lines.key(key, section), reason)
            line = self._lines.key("things", section)
            listed = self._strings(entry.get("things", []), "things", section, "apart.things")
            things = list(dict.fromkeys(listed))
            if len(things) < 2:
                raise self._fail(line, "[[apart]] things: name at least two different things")
            nodes = tuple(self._apart_node(thing, section) for thing in things)
            self._check_not_pinned_together(nodes, pins, line)
            result.append(Apart(nodes, line))
        return tuple(result)

    def _check_not_pinned_together(
        self, nodes: tuple[NodeId, ...], pins: dict[NodeId, Pin], line: int | None
    ) -> None:
        first_in: dict[str, Pin] = {}
        for pin in (pins[n] for n in nodes if n in pins):
            first = first_in.setdefault(pin.service, pin)
            if first is not pin:
                raise self._fail(
                    line,
                    f"{_words(first.node)} and {_words(pin.node)} are kept apart but both"
                    f" pinned to {pin.service!r} (lines {first.line} and {pin.line})",
                    hint="drop one of the pins or the [[apart]]",
                )

    def _apart_node(self, thing: str, section: _Section) -> NodeId:
        line = self._lines.value(thing, "things", section)
        kind_, _, name = thing.partition(":")
        if not name:
            known = [k for k in _KINDS if thing in self._names[k]]
            suggestion = f" (did you mean '{known[0]}:{thing}'?)" if known else ""
            raise self._fail(
                line, f"{thing!r}: say what it is, 'route:', 'module:' or 'table:'{suggestion}"
            )
        if kind_ not in _KINDS:
            raise self._fail(
                line, f"{thing!r}: unknown kind {kind_!r}{did_you_mean(kind_, _KINDS)}"
            )
        return self._node(kind_, name, line, "")

    def _node(self, kind_: str, name: str, line: int | None, where: str) -> NodeId:
        if name in self._names[kind_]:
            return f"{kind_}:{name}"
        elsewhere = [k for k in _KINDS if name in self._names[k]]
        other = f"; it is a {elsewhere[0]}" if elsewhere else ""
        choices = sorted(self._names[kind_])
        raise self._fail(
            line,
            f"unknown {kind_} {name!r}{' ' + where if where else ''}"
            f"{did_you_mean(name, choices)}{other}",
            hint=f"the names are those of `strangler analyze PATH`; {FORMAT_HINT}",
        )

    def _strings(self, value: object, key: str, section: _Section, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(self._lines.key(key, section), f"{where}: must be a list of strings")
        return value


def _words(node: NodeId) -> str:
    return f"{node_kind(node)} {node_name(node)!r}"
