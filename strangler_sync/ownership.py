"""`strangler sync check-ownership`: one writer per table, checked (pure).

A table a service owns (`owns` in its service.toml) is written by that service alone.
Any captured change to it with another origin is an error, named by table, origin and
count: those still in the change table of the database looked at, and those `sync apply`
recorded there as it saw them go by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from extracted_services.manifest import Manifest
from strangler.errors import UsageError

OriginCounts = Mapping[tuple[str, str], int]  # (table, origin) -> changes


@dataclass(frozen=True)
class Violation:
    """Changes to `table` made by `origin`, which does not own it."""

    table: str
    owner: str
    origin: str
    unpublished: int  # still in the change table
    recorded: int  # seen by `sync apply <owner>`


@dataclass(frozen=True)
class OwnershipReport:
    """The owners found, and every write to an owned table from elsewhere."""

    database: str
    owners: Mapping[str, str]  # table -> the service owning it
    violations: tuple[Violation, ...]

    def lines(self) -> list[str]:
        if not self.owners:
            return [f"ownership of {self.database}: no service owns a table (`owns` is empty)"]
        owned = ", ".join(f"{table} ({owner})" for table, owner in sorted(self.owners.items()))
        lines = [f"ownership of {self.database}: owned tables {owned}"]
        if not self.violations:
            lines.append("  no write to an owned table from another origin")
        for violation in self.violations:
            lines.append(
                f"  error: table {violation.table} is owned by {violation.owner}, but"
                f" {violation.unpublished + violation.recorded} changes came from"
                f" {violation.origin} ({violation.unpublished} unpublished in the change table,"
                f" {violation.recorded} seen by `sync apply {violation.owner}`)"
            )
        return lines


def table_owners(manifests: Iterable[Manifest]) -> dict[str, str]:
    """Table -> owner; a table two services claim is refused, naming both."""
    owners: dict[str, str] = {}
    for manifest in manifests:
        for table in manifest.owns:
            if table in owners:
                raise UsageError(
                    f"table {table!r} is owned by both {owners[table]} and {manifest.name}:"
                    " a table has one writer",
                    hint=f"remove it from `owns` in one of their service.toml ({manifest.path})",
                )
            owners[table] = manifest.name
    return owners


def check_ownership(
    database: str, owners: Mapping[str, str], unpublished: OriginCounts, recorded: OriginCounts
) -> OwnershipReport:
    """Every (owned table, foreign origin) with captured changes, in name order."""
    keys = sorted(
        (table, origin)
        for table, origin in {*unpublished, *recorded}
        if table in owners and origin != owners[table]
    )
    violations = tuple(
        Violation(
            table,
            owners[table],
            origin,
            unpublished.get((table, origin), 0),
            recorded.get((table, origin), 0),
        )
        for table, origin in keys
    )
    return OwnershipReport(database, dict(owners), violations)
