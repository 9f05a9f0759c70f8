"""The plan as JSON (contract (j) in docs/contracts.md)."""

from __future__ import annotations

import json
from typing import Any

from planner.model import ConstraintsReport, Plan, Wave

SCHEMA_VERSION = 1


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "project": {"path": plan.project_path, "hash": plan.project_hash},
        "granularity": plan.granularity,
        "services": [
            {
                "name": c.name,
                "routes": list(c.routes),
                "modules": list(c.modules),
                "tables": list(c.tables),
                "owns": list(c.owns),
                "reads_from_others": list(c.reads_from_others),
                "conflicts": list(c.conflicts),
                "planned_owns": list(c.planned_owns),
                "broken_foreign_keys": [list(pair) for pair in c.broken_foreign_keys],
                "crossing_calls": [list(pair) for pair in c.crossing_calls],
                "explanations": c.explanations,
            }
            for c in plan.candidates
        ],
        "unassigned": {
            "modules": list(plan.unassigned_modules),
            "tables": list(plan.unassigned_tables),
        },
        "metrics": plan.metrics,
        "ownership": [
            {"table": o.table, "owner": o.owner, "writers": list(o.writers), "why": o.why}
            for o in plan.ownership
        ],
        "waves": [_wave(w) for w in plan.waves],
        "constraints": _constraints(plan.constraints),
    }


def _wave(wave: Wave) -> dict[str, Any]:
    return {
        "services": list(wave.services),
        "routes": list(wave.routes),
        "sync_to_service": list(wave.sync_to_service),
        "sync_to_monolith": list(wave.sync_to_monolith),
        "owns": list(wave.owns),
        "redirect_writes": [
            {"kind": r.kind, "writer": r.writer, "table": r.table, "owner": r.owner}
            for r in wave.redirect_writes
        ],
    }


def _constraints(report: ConstraintsReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "file": report.source,
        "crossing_weight": report.crossing_weight,
        "unconstrained_crossing_weight": report.unconstrained_crossing_weight,
        "costs": [
            {
                "constraint": c.constraint,
                "line": c.line,
                "cost": c.cost,
                "edges": [list(edge) for edge in c.edges],
            }
            for c in report.costs
        ],
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), indent=2, sort_keys=False) + "\n"
