"""The project graph: folding table access along calls, import cycles, and exports.

networkx is used here only, and imported only when an export needs it (import cycles are
searched without it: `analyzer.resolution.cycle_search`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from analyzer.resolution.cycle_search import cyclic_groups, first_cycle
from analyzer.resolution.results import Access, Analysis, FunctionKey, ModuleInfo, TableUse

if TYPE_CHECKING:
    import networkx as nx


def fold_access(
    roots: Iterable[FunctionKey],
    calls: Mapping[FunctionKey, tuple[FunctionKey, ...]],
    uses: Mapping[FunctionKey, tuple[TableUse, ...]],
    external: Mapping[FunctionKey, tuple[TableUse, ...]] | None = None,
    commits: frozenset[FunctionKey] = frozenset(),
) -> Access:
    """Tables touched by `roots` and every project function they reach (and, given
    `external`, the tables of other databases they reach). Instances changed without a
    commit where they are changed (mode "change") are written when one of the functions
    reached is in `commits`: the session's commit flushes them, wherever it is made."""
    stack = list(dict.fromkeys(roots))
    seen = set(stack)
    evidence: list[TableUse] = []
    elsewhere: list[TableUse] = []
    # every route and hook walks its part of the graph: the lookups bound once
    uses_of, external_of, callees_of = uses.get, (external or {}).get, calls.get
    while stack:
        function = stack.pop()
        used = uses_of(function)
        if used:
            evidence.extend(used)
        used = external_of(function)
        if used:
            elsewhere.extend(used)
        for callee in callees_of(function, ()):
            if callee not in seen:
                seen.add(callee)
                stack.append(callee)
    committed = not commits.isdisjoint(seen)
    evidence = _committed(evidence, committed=committed)
    elsewhere = _committed(elsewhere, committed=committed)
    direct = [use for use in evidence if not use.indirect]
    reads = {use.table for use in direct if use.mode == "read"}
    writes = {use.table for use in direct if use.mode == "write"}
    indirect = {use.table for use in evidence if use.indirect} - reads - writes
    sure = {use.table for use in direct if use.confidence == "high"}
    return Access(
        reads=tuple(sorted(reads)),
        writes=tuple(sorted(writes)),
        indirect=tuple(sorted(indirect)),
        low_confidence=tuple(sorted((reads | writes) - sure)),
        evidence=tuple(sorted(set(evidence), key=evidence_order)),
        external=tuple(sorted(set(elsewhere), key=evidence_order)),
    )


def _committed(evidence: list[TableUse], *, committed: bool) -> list[TableUse]:
    """The changes among `evidence` as writes when the session is committed, else dropped."""
    kept = [use for use in evidence if use.mode != "change"]
    if committed and len(kept) < len(evidence):
        kept.extend(replace(use, mode="write") for use in evidence if use.mode == "change")
    return kept


def evidence_order(
    use: TableUse,
) -> tuple[str, int, str, str, bool, str, str, FunctionKey, str]:
    """Every field: uses alike up to their mode must not come out in a set's order, which
    changes from process to process (string hashes are salted)."""
    return (
        *(use.file, use.line, use.table, use.mode),
        *(use.indirect, use.confidence, use.via, use.function, use.database or ""),
    )


def import_cycles(modules: Iterable[ModuleInfo]) -> tuple[tuple[str, ...], ...]:
    """One example cycle per group of modules that import each other (directly or not)."""
    graph: dict[str, dict[str, None]] = {}  # each module's imports, first seen first
    for module in modules:
        targets = graph.setdefault(module.name, {})
        for target in module.imports:
            if target != module.name:
                targets.setdefault(target, None)
                graph.setdefault(target, {})
    return tuple(sorted(first_cycle(graph, group) for group in cyclic_groups(graph)))


def _export_graph(analysis: Analysis) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for module in analysis.modules:
        graph.add_node(f"module:{module.name}", kind="module", label=module.name, file=module.file)
    for module in analysis.modules:
        for target in module.imports:
            graph.add_edge(f"module:{module.name}", f"module:{target}", kind="imports")
    for caller, callees in analysis.calls.items():
        for callee in callees:
            graph.add_edge(_function_node(caller), _function_node(callee), kind="calls")
    for function, uses in analysis.function_uses.items():
        for use in {(u.table, u.mode, u.indirect) for u in uses}:
            kind = "indirect" if use[2] else use[1] + "s"
            graph.add_edge(_function_node(function), f"table:{use[0]}", kind=kind)
    for table in analysis.tables:
        graph.add_node(f"table:{table.name}", kind="table", label=table.name)
        for target in table.foreign_keys:
            graph.add_edge(f"table:{table.name}", f"table:{target}", kind="references")
    for route in analysis.routes:
        node = f"route:{route.app or '-'} {route.rule} {route.endpoint}"
        graph.add_node(
            node,
            kind="route",
            label=f"{' '.join(route.methods)} {route.rule}",
            endpoint=route.endpoint,
            file=route.file,
            line=route.line,
        )
        for handler in route.handlers:
            graph.add_edge(node, _function_node(handler), kind="handled_by")
    for node, data in graph.nodes(data=True):
        if "kind" not in data:
            kind, _, label = node.partition(":")
            data.update(kind=kind, label=label)
    return graph


def _function_node(key: FunctionKey) -> str:
    return f"function:{key[0]}.{key[1]}"


def to_graphml(analysis: Analysis) -> str:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(_export_graph(analysis), buffer)
    return buffer.getvalue().decode("utf-8")


_DOT_SHAPES = {"module": "folder", "function": "ellipse", "route": "box", "table": "cylinder"}


def to_dot(analysis: Analysis) -> str:
    """Graphviz DOT text (no pydot/pygraphviz needed)."""
    graph = _export_graph(analysis)
    lines = ["digraph strangler {", "  rankdir=LR;"]
    for node, data in sorted(graph.nodes(data=True)):
        shape = _DOT_SHAPES.get(data["kind"], "ellipse")
        lines.append(f"  {_quote(node)} [label={_quote(data['label'])}, shape={shape}];")
    for source, target, data in sorted(
        graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])
    ):
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(data['kind'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
