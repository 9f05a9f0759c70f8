"""The graph picture as inline SVG, drawn collapsed, plus the JSON the page's script needs to
expand groups and draw edges. Every name from the analyzed code is escaped here."""

from __future__ import annotations

import json
from html import escape

from analyzer.reports.html_graph import GraphNode, ReportGraph
from analyzer.reports.html_layout import (
    FONT_SIZE,
    GAP,
    PAD,
    GroupLayout,
    Label,
    Layout,
    layout_graph,
    place_groups,
)

BASELINE = FONT_SIZE  # from a label box's top to its text's baseline


def render_picture(graph: ReportGraph) -> str:
    layout = layout_graph(graph)
    frames = place_groups(layout, ())
    width = max((f.x + f.width for f in frames.values()), default=0) + GAP
    height = max((f.y + f.height for f in frames.values()), default=0) + GAP
    nodes = {node.id: node for node in graph.nodes}
    hot = {
        group: sum(1 for n in graph.nodes if n.group == group and n.hot) for group in graph.groups
    }
    groups = [
        _group(group, frames[group.name].x, frames[group.name].y, hot[group.name], nodes)
        for group in layout.groups
    ]
    return "\n".join(
        [
            f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}"'
            f' height="{height}" font-size="{FONT_SIZE}">',
            '<g id="edges"></g>',
            '<g id="groups">',
            *groups,
            "</g>",
            '<g id="inner-edges"></g>',
            "</svg>",
            f'<script type="application/json" id="graph-data">{_data(graph, layout)}</script>',
        ]
    )


def json_for_script(value: object) -> str:
    """JSON that cannot end the `<script>` holding it, nor open a comment or markup."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _data(graph: ReportGraph, layout: Layout) -> str:
    return json_for_script(
        {
            "columns": layout.columns,
            "gap": GAP,
            "groups": [
                {
                    "name": g.name,
                    "row": g.row,
                    "column": g.column,
                    "collapsed": g.collapsed,
                    "expanded": g.expanded,
                }
                for g in layout.groups
            ],
            "edges": [[e.source, e.target, e.kind] for e in graph.edges],
        }
    )


def _group(group: GroupLayout, x: int, y: int, hot: int, nodes: dict[str, GraphNode]) -> str:
    width, height = group.collapsed
    hint = f"{group.name}: {hot} hotspot{'' if hot == 1 else 's'}" if hot else group.name
    lines = [
        f'<g class="group{" has-hot" if hot else ""}" data-group="{escape(group.name)}"'
        f' transform="translate({x} {y})">',
        f"<title>{escape(hint)}</title>",
        f'<rect class="frame" width="{width}" height="{height}" rx="6"></rect>',
        _text("title", group.title),
        '<g class="members">',
    ]
    for label in group.members:
        lines.append(_member(label, nodes[label.node]) if label.node else _text("heading", label))
    lines += ["</g>", "</g>"]
    return "\n".join(lines)


def _member(label: Label, node: GraphNode) -> str:
    hint = "; ".join(part for part in (node.label, node.detail, node.hot) if part)
    box = label.box
    return (
        f'<g class="node {node.kind}{" hot" if node.hot else ""}" data-node="{escape(node.id)}"'
        f' data-find="{escape(f"{node.label} {node.detail}".lower())}">'
        f"<title>{escape(hint)}</title>"
        f'<rect x="{box.x - PAD // 2}" y="{box.y}" width="{box.width + PAD}"'
        f' height="{box.height}" rx="3"></rect>{_text("label", label)}</g>'
    )


def _text(role: str, label: Label) -> str:
    """A label's text, with the width it may take (the page narrows it if the font is wider
    than the estimate)."""
    box = label.box
    return (
        f'<text class="{role}" x="{box.x}" y="{box.y + BASELINE}"'
        f' data-width="{box.width}">{escape(label.text)}</text>'
    )
