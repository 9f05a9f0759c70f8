"""The demo's planning step: `strangler plan` on the sample shop, the plan written where the
demo's files go, and the area to extract chosen from it (the one that owns `reviews`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.as_html import render_html
from planner.as_json import render_json
from planner.as_markdown import render_markdown
from planner.model import Plan
from planner.usecases import build_plan

AREA_TABLE = "reviews"  # the demo extracts the planned service that owns this table


@dataclass(frozen=True)
class PlannedArea:
    plan_path: Path  # the plan as JSON, which `strangler extract --plan` reads
    report_path: Path  # the same plan for people (Markdown)
    page_path: Path  # and as one HTML page with a picture of the services
    area: str
    lines: tuple[str, ...]  # what the demo prints about the plan


def plan_sample(source: Path, workdir: Path) -> PlannedArea:
    analysis = analyze_project(source, AnalyzeOptions(show_progress=False))
    plan = build_plan(analysis)
    plan_path, report_path, page_path = (workdir / f"plan.{end}" for end in ("json", "md", "html"))
    plan_path.write_text(render_json(plan), encoding="utf-8")
    report_path.write_text(render_markdown(plan), encoding="utf-8")
    page_path.write_text(render_html(plan, analysis), encoding="utf-8")
    area = _area_owning(plan, AREA_TABLE)
    return PlannedArea(plan_path, report_path, page_path, area, _summary(plan))


def _area_owning(plan: Plan, table: str) -> str:
    owners = [c.name for c in plan.candidates if table in c.owns]
    if len(owners) != 1:
        raise RuntimeError(f"the sample's plan gives table {table} to {owners or 'no service'}")
    return owners[0]


def _summary(plan: Plan) -> tuple[str, ...]:
    proposal, as_is = plan.metrics["proposal"], plan.metrics["as_is"]
    services = ", ".join(f"{c.name} ({len(c.routes)})" for c in plan.candidates)
    waves = [
        f"wave {number}: {', '.join(wave.services)}" for number, wave in enumerate(plan.waves, 1)
    ]
    return (
        f"{len(plan.candidates)} services proposed (routes each): {services}",
        f"structural modularity {proposal['structural_modularity']} (the as-is module layout:"
        f" {as_is['structural_modularity']})",
        *waves,
    )
