"""The plan as a Markdown report for people: services, table owners, metrics side by side,
waves."""

from __future__ import annotations

from planner.model import ConstraintsReport, Plan

METRICS = (
    ("structural_modularity", "SM, structural modularity (higher is better)"),
    ("newman_modularity", "Q, Newman modularity (higher is better)"),
    ("inter_call_percentage", "ICP, inter-call percentage (lower is better)"),
    ("interface_number", "IFN, interface number (lower is better)"),
    ("non_extreme_distribution", "NED, routes in services of extreme size (lower is better)"),
    ("transaction_purity", "writing routes whose writes stay in their service"),
)


def render_markdown(plan: Plan) -> str:
    lines = [f"# Service plan for {plan.project_path}", "", f"Granularity: {plan.granularity}."]
    for c in plan.candidates:
        lines += ["", f"## {c.name}", "", f"- routes: {', '.join(c.routes)}"]
        lines += [
            f"- modules: {', '.join(c.modules) or '-'}",
            f"- owns: {', '.join(c.owns) or '-'}",
        ]
        lines += [f"- reads from others: {', '.join(c.reads_from_others) or '-'}"]
        lines += [f"- written elsewhere too (conflicts): {', '.join(c.conflicts) or '-'}"]
        lines += [f"- becomes the one writer of: {', '.join(c.planned_owns) or '-'}"]
        broken = ", ".join(f"{t} -> {ref}" for t, ref in c.broken_foreign_keys)
        lines += [f"- foreign keys the cut breaks: {broken or '-'}"]
        lines += [f"- calls leaving it: {len(c.crossing_calls)}"]
    lines += _constraints(plan.constraints)
    lines += ["", "## Table owners", "", "| table | one writer | why |", "| --- | --- | --- |"]
    lines += [f"| {o.table} | {o.owner or 'the monolith'} | {o.why} |" for o in plan.ownership]
    lines += ["", "## Metrics", "", "| metric | proposal | as-is modules |", "| --- | --- | --- |"]
    for key, title in METRICS:
        lines.append(
            f"| {title} | {plan.metrics['proposal'][key]} | {plan.metrics['as_is'][key]} |"
        )
    lines += ["", "## Waves", ""]
    for number, wave in enumerate(plan.waves, start=1):
        lines.append(
            f"{number}. {', '.join(wave.services)}: {len(wave.routes)} routes; owns:"
            f" {', '.join(wave.owns) or '-'}; sync to the service:"
            f" {', '.join(wave.sync_to_service) or '-'}; sync back to the monolith:"
            f" {', '.join(wave.sync_to_monolith) or '-'}"
        )
        lines += [
            f"   - redirect: {r.kind} `{r.writer}` writes {r.table}, to call {r.owner} instead"
            for r in wave.redirect_writes
        ]
    return "\n".join(lines) + "\n"


def _constraints(report: ConstraintsReport | None) -> list[str]:
    """Where the constraints cost coupling: the edges each one cuts that the plan made
    without them keeps inside a service."""
    if report is None:
        return []
    lines = [
        "",
        "## Constraints",
        "",
        f"From {report.source}: crossing edge weight {report.crossing_weight:g}, against"
        f" {report.unconstrained_crossing_weight:g} without the constraints.",
        "",
        "| line | constraint | extra crossing weight | edges it cuts |",
        "| --- | --- | --- | --- |",
    ]
    for cost in report.costs:
        edges = ", ".join(f"{a} - {b} ({w:g})" for a, b, w in cost.edges) or "-"
        lines.append(f"| {cost.line or '-'} | {cost.constraint} | {cost.cost:g} | {edges} |")
    return lines
