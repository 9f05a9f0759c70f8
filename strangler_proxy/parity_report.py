"""The parity report: per endpoint, what was compared and where the answers differ.

Pure: built from comparison outcomes, rendered as text or as a JSON-ready dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from strangler_proxy.parity import MISSING, Comparison


@dataclass(frozen=True)
class FieldReport:
    """A field that differed: in how many requests, and one example."""

    path: str
    requests: int
    example: str
    monolith: Any
    service: Any

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "requests": self.requests}
        data["example"] = self.example
        if self.monolith is not MISSING:
            data["monolith"] = self.monolith
        if self.service is not MISSING:
            data["service"] = self.service
        return data


@dataclass(frozen=True)
class EndpointReport:
    """Counts for one endpoint; compared = equal + different + not_served."""

    endpoint: str
    compared: int
    equal: int
    different: int
    not_served: int
    ignored_fields: tuple[str, ...]
    fields: tuple[FieldReport, ...]
    not_served_example: str | None = None

    @property
    def ok(self) -> bool:
        return self.compared == self.equal

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "compared": self.compared,
            "equal": self.equal,
            "different": self.different,
            "not_served_by_service": self.not_served,
            "not_served_example": self.not_served_example,
            "ignored_fields": list(self.ignored_fields),
            "differing_fields": [f.to_dict() for f in self.fields],
        }


@dataclass
class SkippedSession:
    """An optional login whose variables are unset, and the requests skipped with it."""

    line: int
    unset: tuple[str, ...]
    requests: int = 0

    def describe(self) -> str:
        return (
            f"skipped the login on line {self.line} and the {self.requests} request(s) after"
            f" it: set {', '.join(self.unset)} to compare them"
        )


@dataclass(frozen=True)
class ParityReport:
    """The whole comparison run."""

    monolith: str
    proxy: str
    endpoints: tuple[EndpointReport, ...]
    skipped: tuple[SkippedSession, ...] = ()

    @property
    def compared(self) -> int:
        return sum(e.compared for e in self.endpoints)

    @property
    def ok(self) -> bool:
        """True only if every request was served by the service and was equal."""
        return self.compared > 0 and all(e.ok for e in self.endpoints)

    def to_dict(self) -> dict[str, Any]:
        return {
            "monolith": self.monolith,
            "proxy": self.proxy,
            "ok": self.ok,
            "totals": {
                "compared": self.compared,
                "equal": sum(e.equal for e in self.endpoints),
                "different": sum(e.different for e in self.endpoints),
                "not_served_by_service": sum(e.not_served for e in self.endpoints),
            },
            "endpoints": [e.to_dict() for e in self.endpoints],
            "skipped": [
                {"line": k.line, "unset": list(k.unset), "requests": k.requests}
                for k in self.skipped
            ],
        }


@dataclass
class _EndpointTally:
    compared: int = 0
    equal: int = 0
    different: int = 0
    not_served: int = 0
    not_served_example: str | None = None
    ignored: set[str] = field(default_factory=set)
    fields: dict[str, FieldReport] = field(default_factory=dict)


class ReportBuilder:
    """Collects outcomes request by request; endpoints keep the order they were first seen."""

    def __init__(self, monolith: str, proxy: str) -> None:
        self._monolith = monolith
        self._proxy = proxy
        self._tallies: dict[str, _EndpointTally] = {}
        self._skipped: list[SkippedSession] = []

    def _tally(self, endpoint: str) -> _EndpointTally:
        return self._tallies.setdefault(endpoint, _EndpointTally())

    def not_served(self, endpoint: str, example: str) -> None:
        tally = self._tally(endpoint)
        tally.compared += 1
        tally.not_served += 1
        tally.not_served_example = tally.not_served_example or example

    def compared(self, endpoint: str, example: str, comparison: Comparison) -> None:
        tally = self._tally(endpoint)
        tally.compared += 1
        tally.ignored.update(comparison.ignored)
        if comparison.equal:
            tally.equal += 1
            return
        tally.different += 1
        for diff in comparison.differences:
            known = tally.fields.get(diff.path)
            if known is None:
                tally.fields[diff.path] = FieldReport(diff.path, 1, example, diff.left, diff.right)
            else:
                tally.fields[diff.path] = FieldReport(
                    diff.path, known.requests + 1, known.example, known.monolith, known.service
                )

    def end_skip(self, skipping: SkippedSession | None) -> None:
        """Record a skipped session once it ends (at a logout or the end of the file)."""
        if skipping is not None:
            self._skipped.append(skipping)

    def build(self) -> ParityReport:
        endpoints = tuple(
            EndpointReport(
                endpoint=name,
                compared=t.compared,
                equal=t.equal,
                different=t.different,
                not_served=t.not_served,
                ignored_fields=tuple(sorted(t.ignored)),
                fields=tuple(t.fields.values()),
                not_served_example=t.not_served_example,
            )
            for name, t in self._tallies.items()
        )
        return ParityReport(self._monolith, self._proxy, endpoints, tuple(self._skipped))


def _short(value: Any) -> str:
    text = "(missing)" if value is MISSING else json.dumps(value, sort_keys=True)
    return text if len(text) <= 40 else text[:37] + "..."


def format_report(report: ParityReport) -> str:
    """The report as a readable text table."""
    width = max([len("endpoint"), *(len(e.endpoint) for e in report.endpoints)])
    header = f"{'endpoint':<{width}}  compared  equal  different  not-served"
    lines = [f"monolith {report.monolith}  vs  proxy {report.proxy}", "", header]
    lines.append("-" * len(header))
    for e in report.endpoints:
        lines.append(
            f"{e.endpoint:<{width}}  {e.compared:>8}  {e.equal:>5}  {e.different:>9}"
            f"  {e.not_served:>10}"
        )
        for f in e.fields:
            lines.append(
                f"    differs at {f.path} in {f.requests} request(s), e.g. {f.example}:"
                f" monolith {_short(f.monolith)}, service {_short(f.service)}"
            )
        if e.not_served:
            lines.append(
                f"    not served by the service: {e.not_served}, e.g. {e.not_served_example}"
            )
        if e.ignored_fields:
            lines.append(f"    ignored fields: {', '.join(e.ignored_fields)}")
    totals = report.to_dict()["totals"]
    lines.append("-" * len(header))
    lines.append(
        f"{'total':<{width}}  {totals['compared']:>8}  {totals['equal']:>5}"
        f"  {totals['different']:>9}  {totals['not_served_by_service']:>10}"
    )
    lines += [skipped.describe() for skipped in report.skipped]
    lines.append("")
    if report.ok:
        lines.append("PARITY OK: every request was served by the service and matched the monolith")
    else:
        lines.append("PARITY FAILED: some requests differ or were not served by the service")
    return "\n".join(lines)
