"""The plan as one self-contained HTML page: summary figures, a picture of the graph with the
candidate services as groups (tables written by several services marked), then the services,
the constraints' cost, the metrics and the waves, as the Markdown report has them."""

from __future__ import annotations

from analyzer.reports.html_graph import project_graph
from analyzer.reports.html_page import Figure, Html, code, document, join, section, table
from analyzer.resolution.results import Analysis
from planner.as_markdown import METRICS
from planner.model import Candidate, ConstraintsReport, Plan

UNASSIGNED = "(unassigned)"


def render_html(plan: Plan, analysis: Analysis) -> str:
    """`analysis` is the one the plan was made from: the picture's nodes and edges."""
    graph = project_graph(analysis, _services(plan), _conflicts(plan), UNASSIGNED)
    return document(
        f"Service plan for {plan.project_path}",
        _figures(plan),
        graph,
        [
            _summary(plan),
            *(_candidate(c) for c in plan.candidates),
            _unassigned(plan),
            *([_constraints(plan.constraints)] if plan.constraints else []),
            _metrics(plan),
            _waves(plan),
        ],
    )


def _summary(plan: Plan) -> Html:
    headers = ["service", "routes", "modules", "owns", "reads from others", "conflicts"]
    headers += ["foreign keys the cut breaks", "calls leaving it"]
    return section(
        "Summary",
        f"Granularity: {plan.granularity}. Analysis {plan.project_hash}.",
        table(
            headers,
            [_overview(c) for c in plan.candidates],
            numeric=frozenset({"routes", "calls leaving it"}),
        ),
    )


def _services(plan: Plan) -> dict[str, str]:
    """node -> the candidate it is in."""
    group_of = {}
    for c in plan.candidates:
        group_of.update({f"route:{r}": c.name for r in c.routes})
        group_of.update({f"module:{m}": c.name for m in c.modules})
        group_of.update({f"table:{t}": c.name for t in c.tables})
    return group_of


def _conflicts(plan: Plan) -> dict[str, str]:
    """Tables written from several candidates -> which."""
    writers: dict[str, list[str]] = {}
    for c in plan.candidates:
        for t in c.conflicts:
            writers.setdefault(t, []).append(c.name)
    return {f"table:{t}": f"written by services {', '.join(w)}" for t, w in writers.items()}


def _figures(plan: Plan) -> list[Figure]:
    conflicts = {t for c in plan.candidates for t in c.conflicts}
    proposal, as_is = plan.metrics["proposal"], plan.metrics["as_is"]
    return [
        Figure("services", len(plan.candidates)),
        Figure("routes", sum(len(c.routes) for c in plan.candidates)),
        Figure("tables owned by one service", sum(len(c.owns) for c in plan.candidates)),
        Figure("tables written by several services", len(conflicts), warn=bool(conflicts)),
        Figure("waves", len(plan.waves)),
        Figure(
            "SM, proposal (as-is modules)",
            f"{proposal['structural_modularity']} ({as_is['structural_modularity']})",
        ),
    ]


def _overview(c: Candidate) -> list[str]:
    broken = [f"{table} -> {referenced}" for table, referenced in c.broken_foreign_keys]
    return [
        c.name,
        str(len(c.routes)),
        join(c.modules),
        join(c.owns),
        join(c.reads_from_others),
        join(c.conflicts),
        join(broken),
        str(len(c.crossing_calls)),
    ]


def _candidate(c: Candidate) -> Html:
    calls = [[code(caller), code(callee)] for caller, callee in c.crossing_calls]
    return section(
        f"Service {c.name}",
        table(
            ["in it", "why"], [[code(node), why] for node, why in sorted(c.explanations.items())]
        ),
        section("Calls leaving it", table(["caller here", "callee elsewhere"], calls), level=3),
    )


def _unassigned(plan: Plan) -> Html:
    return section(
        "Not in any service",
        table(
            ["kind", "names"],
            [
                [kind, join(names)]
                for kind, names in (
                    ("modules", plan.unassigned_modules),
                    ("tables", plan.unassigned_tables),
                )
                if names
            ],
        ),
    )


def _constraints(report: ConstraintsReport) -> Html:
    return section(
        "Constraints",
        f"From {report.source}: crossing edge weight {report.crossing_weight:g}, against"
        f" {report.unconstrained_crossing_weight:g} without the constraints.",
        table(
            ["line", "constraint", "extra crossing weight", "edges it cuts"],
            [
                [
                    str(cost.line or "-"),
                    cost.constraint,
                    f"{cost.cost:g}",
                    join(f"{a} - {b} ({w:g})" for a, b, w in cost.edges),
                ]
                for cost in report.costs
            ],
        ),
    )


def _metrics(plan: Plan) -> Html:
    rows = [
        [title, str(plan.metrics["proposal"][key]), str(plan.metrics["as_is"][key])]
        for key, title in METRICS
    ]
    return section("Metrics", table(["metric", "proposal", "as-is modules"], rows))


def _waves(plan: Plan) -> Html:
    rows = [
        [
            str(number),
            join(wave.services),
            join(wave.routes),
            join(wave.owns),
            join(wave.sync_to_service),
            join(wave.sync_to_monolith),
            join(f"{r.writer} -> {r.table} -> {r.owner}" for r in wave.redirect_writes),
        ]
        for number, wave in enumerate(plan.waves, start=1)
    ]
    headers = ["wave", "services", "routes that move", "owns", "sync to the service", "sync back"]
    headers += ["writes to redirect (writer -> table -> owner)"]
    return section("Waves", table(headers, rows, numeric=frozenset({"wave"})))
