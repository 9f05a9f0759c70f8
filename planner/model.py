"""The plan, as plain frozen data: what every later stage (reports, routes file, waves) reads."""

from __future__ import annotations

from dataclasses import dataclass, field

NodeId = str  # "route:<endpoint>", "module:<name>", "table:<name>", "guard:<name>"


@dataclass(frozen=True)
class PlanGraph:
    """The weighted, undirected graph the candidates are cut from (no networkx here)."""

    nodes: tuple[NodeId, ...]  # sorted
    edges: dict[tuple[NodeId, NodeId], float]  # (a, b) with a < b -> weight
    reasons: dict[tuple[NodeId, NodeId], tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """One proposed service: what it holds and what its cut costs."""

    name: str
    routes: tuple[str, ...]  # endpoints
    modules: tuple[str, ...]
    tables: tuple[str, ...]  # the tables the partition puts with it
    owns: tuple[str, ...]  # written by this candidate's routes only
    reads_from_others: tuple[str, ...]  # read here, written only elsewhere or nowhere here
    conflicts: tuple[str, ...]  # written here and by another candidate
    broken_foreign_keys: tuple[tuple[str, str], ...]  # (table here, referenced table elsewhere)
    crossing_calls: tuple[tuple[str, str], ...]  # ("module:function" here, callee elsewhere)
    explanations: dict[str, str]  # node -> why it sits here


@dataclass(frozen=True)
class Wave:
    services: tuple[str, ...]
    routes: tuple[str, ...]
    sync_to_service: tuple[str, ...]
    sync_to_monolith: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    project_path: str
    project_hash: str
    candidates: tuple[Candidate, ...]
    unassigned_modules: tuple[str, ...]
    unassigned_tables: tuple[str, ...]
    metrics: dict[str, dict[str, object]]  # "proposal" / "as_is" -> metric -> value
    waves: tuple[Wave, ...]
    granularity: str  # how the number of services was chosen
