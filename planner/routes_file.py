"""A routes file for the proxy from a plan: every route present, each in `monolith` mode,
its target named as `strangler extract` names it, ready to raise one route at a time."""

from __future__ import annotations

import json

from analyzer.resolution.results import Analysis
from planner.model import Plan
from planner.weights import planned_routes

ENVELOPE_METHOD = "http"  # the method `strangler extract` gives every service package


def render_routes_file(plan: Plan, analysis: Analysis, monolith_url: str) -> str:
    service_of = {r: c.name for c in plan.candidates for r in c.routes}
    lines = [
        "# Routes file for the strangler proxy, written by `strangler plan`: every route",
        "# still answered by the monolith; raise `mode` as each service is extracted.",
        "",
        f"monolith = {json.dumps(monolith_url)}",
    ]
    for route in sorted(planned_routes(analysis), key=lambda r: (r.rule, r.methods, r.endpoint)):
        service = service_of.get(route.endpoint)
        if service is None:
            continue
        lines += [
            "",
            "[[route]]",
            f"path = {json.dumps(route.rule)}",
            f"methods = [{', '.join(json.dumps(m) for m in route.methods)}]",
            f'target = "{service}.{ENVELOPE_METHOD}"',
            'protocol = "http"',
            'mode = "monolith"',
        ]
    return "\n".join(lines) + "\n"
