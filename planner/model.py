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
    planned_owns: tuple[str, ...] = ()  # the tables it becomes the one writer of (ownership.py)


@dataclass(frozen=True)
class TableOwner:
    """Who becomes the one writer of a table the plan's routes or request hooks write."""

    table: str
    owner: str | None  # a candidate; None: the monolith keeps it
    writers: tuple[str, ...]  # the candidates whose routes write it
    why: str  # the rule that chose the owner, in words


@dataclass(frozen=True)
class RedirectWrite:
    """Code that writes a table another service owns: from the owner's wave on it calls the
    owner instead (`kind` "route": `writer` is an endpoint; "hook": "module:function" of a
    request hook the monolith runs)."""

    kind: str
    writer: str
    table: str
    owner: str


@dataclass(frozen=True)
class Wave:
    services: tuple[str, ...]
    routes: tuple[str, ...]
    sync_to_service: tuple[str, ...]
    sync_to_monolith: tuple[str, ...]
    owns: tuple[str, ...] = ()  # the tables its services become the one writer of
    redirect_writes: tuple[RedirectWrite, ...] = ()


@dataclass(frozen=True)
class Pin:
    """A constraint: `node` sits in the service `service` (`line`: where the file says so)."""

    node: NodeId
    service: str
    line: int | None


@dataclass(frozen=True)
class Apart:
    """A constraint: no two of `nodes` sit in the same service."""

    nodes: tuple[NodeId, ...]
    line: int | None


@dataclass(frozen=True)
class Constraints:
    """A checked constraints file: every node is in the plan graph, no pin contradicts another."""

    source: str  # the file, as errors and reports name it
    services: tuple[str, ...]  # the services it names, in the file's order
    pins: tuple[Pin, ...]
    apart: tuple[Apart, ...]

    def service_of(self) -> dict[NodeId, str]:
        return {pin.node: pin.service for pin in self.pins}


@dataclass(frozen=True)
class ConstraintCost:
    """What one constraint costs: the edges it cuts that the plan without constraints keeps
    inside one service, and their total weight."""

    constraint: str  # in words: "table reviews in feedback", "apart: table a, table b"
    line: int | None
    cost: float
    edges: tuple[tuple[NodeId, NodeId, float], ...]


@dataclass(frozen=True)
class ConstraintsReport:
    """How a constraints file changed the plan: crossing edge weight with and without it."""

    source: str
    crossing_weight: float
    unconstrained_crossing_weight: float
    costs: tuple[ConstraintCost, ...]


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
    constraints: ConstraintsReport | None = None  # with --constraints FILE
    ownership: tuple[TableOwner, ...] = ()  # every written table, sorted by name
