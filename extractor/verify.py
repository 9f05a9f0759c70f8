"""Check the copy against the choice: the routes its app registers, as the analyzer reads
the generated code, must be the chosen ones. Pure: two route lists in, notes out."""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.resolution.results import Route
from extractor.transplant import Note


def _key(route: Route) -> tuple[str, tuple[str, ...]]:
    return route.rule, route.methods


def route_differences(chosen: Sequence[Route], served: Sequence[Route]) -> list[Note]:
    """A note for each route the copy registers but was not chosen, and each chosen route
    the copy does not register (static routes aside: Flask adds its own)."""
    wanted = {_key(r) for r in chosen}
    registered = {_key(r) for r in served if r.kind != "static"}
    notes = [
        Note(
            route.file,
            route.line,
            f"{' '.join(route.methods)} {route.rule} ({route.endpoint}) is still registered in the"
            " copy: the extractor could not take its registration out (the proxy never sends"
            " it there; remove it by hand if its code should not come along)",
        )
        for route in served
        if route.kind != "static" and _key(route) not in wanted
    ]
    notes += [
        Note(
            route.file,
            route.line,
            f"{' '.join(route.methods)} {route.rule} ({route.endpoint}) was chosen but the copy"
            " does not register it as the analyzer reads it: check the copied app before use",
        )
        for route in chosen
        if _key(route) not in registered
    ]
    return notes
