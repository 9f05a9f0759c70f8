"""Which Flask-AppBuilder table (`fab_table.FAB_RELEASES`) the analyzed project's requirements
choose: the newest table whose release line holds a version every requirement of
`flask-appbuilder` allows (each manifest's, intersected; `!=` and markers ignored). No
requirement, or requirements that together allow nothing: the newest table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from analyzer.facts.python import FileFacts
from analyzer.resolution.fab_table import FAB_DISTRIBUTION, FAB_NEWEST, FAB_RELEASES, FabRelease


@dataclass(frozen=True, slots=True)
class VersionRange:
    """The versions between two bounds (None: unbounded), each bound in or out."""

    low: Version | None = None
    low_in: bool = True
    high: Version | None = None
    high_in: bool = False

    def meet(self, other: VersionRange) -> VersionRange:
        """The versions in both."""
        low, low_in = self.low, self.low_in
        if other.low is not None and (low is None or other.low > low):
            low, low_in = other.low, other.low_in
        elif other.low is not None and other.low == low:
            low_in = low_in and other.low_in
        high, high_in = self.high, self.high_in
        if other.high is not None and (high is None or other.high < high):
            high, high_in = other.high, other.high_in
        elif other.high is not None and other.high == high:
            high_in = high_in and other.high_in
        return VersionRange(low, low_in, high, high_in)

    @property
    def empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > self.high or (
            self.low == self.high and not (self.low_in and self.high_in)
        )


def pinned_fab_release(files: Iterable[FileFacts]) -> FabRelease:
    """The Flask-AppBuilder table for the versions the project's requirements allow."""
    specifiers = [r.specifier for f in files for r in f.requirements if r.name == FAB_DISTRIBUTION]
    allowed = VersionRange()
    for written in specifiers:
        allowed = allowed.meet(specifier_range(written))
    if allowed.empty:
        return FAB_NEWEST
    for release, line in reversed(list(zip(FAB_RELEASES, _release_lines(), strict=True))):
        if not allowed.meet(line).empty:
            return release
    return FAB_NEWEST


def _release_lines() -> list[VersionRange]:
    """Each table's release line: from its `since` up to the next one's."""
    lows = [Version(r.since) for r in FAB_RELEASES]
    highs = [*lows[1:], None]
    return [VersionRange(low, True, high) for low, high in zip(lows, highs, strict=True)]


def specifier_range(written: str) -> VersionRange:
    """The versions a PEP 440 specifier allows, as one range (all of them when unreadable)."""
    try:
        clauses = SpecifierSet(written)
    except InvalidSpecifier:
        return VersionRange()
    allowed = VersionRange()
    for clause in clauses:
        allowed = allowed.meet(_clause_range(clause))
    return allowed


def _clause_range(clause: Specifier) -> VersionRange:
    operator, text = clause.operator, clause.version
    wildcard = text.endswith(".*")
    try:
        version = Version(text.removesuffix(".*"))
    except InvalidVersion:  # `===foo`
        return VersionRange()
    if operator in ("==", "===") and wildcard:
        return VersionRange(version, True, _bumped(version.release), False)
    if operator in ("==", "==="):
        return VersionRange(version, True, version, True)
    if operator == "~=":  # `~=4.5.3`: >=4.5.3, ==4.5.*
        return VersionRange(version, True, _bumped(version.release[:-1]), False)
    return {
        ">=": VersionRange(low=version),
        ">": VersionRange(low=version, low_in=False),
        "<=": VersionRange(high=version, high_in=True),
        "<": VersionRange(high=version),
    }.get(operator, VersionRange())  # `!=`: all but one


def _bumped(release: tuple[int, ...]) -> Version:
    """The first version after every `release.*`: 4.5 -> 4.6."""
    return Version(".".join(map(str, (*release[:-1], release[-1] + 1))))
