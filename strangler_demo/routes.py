"""Routes files for the demo stack: the catalog's, plus generated packages' routes switched
from shadow to service mode (what a person does once parity holds)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROUTE_KEYS = ("path", "methods", "target", "protocol", "context")


def service_mode_routes(routes_toml: Path, *, owns_writes: bool = False) -> str:
    """The `[[route]]` tables of `routes_toml`, each with `mode = "service"`, as TOML text;
    with `owns_writes` (the service owns what they write), writes never fall back to the
    monolith (`write_fallback = false`, docs/moving-writes.md step 3)."""
    routes = tomllib.loads(routes_toml.read_text(encoding="utf-8")).get("route", [])
    blocks = []
    for route in routes:
        lines = ["[[route]]"]
        lines += [f"{key} = {json.dumps(route[key])}" for key in ROUTE_KEYS if key in route]
        lines.append('mode = "service"')
        if owns_writes:
            lines.append("write_fallback = false")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
