"""Where the picture's boxes and labels go, computed once here (pure, deterministic, integer
pixels) so the page only has to move whole groups when one is expanded.

Groups sit in a grid. Each has two sizes: collapsed (its title only) and expanded (its title
over columns of members: routes, then modules, then tables, `MAX_ROWS` to a column). A grid
column is as wide as its widest group in its current state, a row as tall as its tallest,
so no state makes two groups overlap. Label widths are estimated for a monospace font, a
little wider than DejaVu Sans Mono's; the page narrows any label that still overflows."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from analyzer.reports.html_graph import KINDS, ReportGraph

FONT_SIZE = 12
CHAR_WIDTH = 0.62 * FONT_SIZE  # DejaVu Sans Mono advances 0.602 em
LABEL_HEIGHT = 16  # a label's box: FONT_SIZE plus room for descenders
ROW = 20  # one member per ROW pixels
PAD = 8  # inside a group's frame, around a label
COLUMN_GAP = 16  # between two member columns
GAP = 32  # between groups
HEADER = 28  # a group's title bar
MAX_ROWS = 30  # members per column before a kind wraps to the next column
MAX_LABEL = 44  # characters shown; longer labels keep their start and end
TITLE_PREFIX = "[+] "  # "[-] " when expanded: same width


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    def moved(self, dx: int, dy: int) -> Box:
        return Box(self.x + dx, self.y + dy, self.width, self.height)


@dataclass(frozen=True, slots=True)
class Label:
    """A text in a box, placed relative to its group's corner."""

    text: str
    box: Box
    node: str = ""  # the node it names; "" for a column heading


@dataclass(frozen=True, slots=True)
class GroupLayout:
    name: str
    row: int
    column: int
    title: Label
    collapsed: tuple[int, int]  # width, height
    expanded: tuple[int, int]
    members: tuple[Label, ...]  # headings and nodes, shown when expanded


@dataclass(frozen=True, slots=True)
class Layout:
    groups: tuple[GroupLayout, ...]
    columns: int


def text_width(text: str) -> int:
    """Pixels `text` takes in the picture's font: wide East Asian characters count twice,
    combining marks not at all."""
    cells = sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
    return math.ceil(cells * CHAR_WIDTH)


def shorten(text: str) -> str:
    """At most MAX_LABEL characters, keeping both ends (`...catalog.queries`)."""
    if len(text) <= MAX_LABEL:
        return text
    head = MAX_LABEL // 3
    return text[:head] + "…" + text[len(text) - (MAX_LABEL - head - 1) :]


def layout_graph(graph: ReportGraph) -> Layout:
    """The groups in `graph`'s order, row by row, in a grid about as wide as it is tall."""
    members: dict[str, list[tuple[str, str, str]]] = {g: [] for g in graph.groups}
    for node in graph.nodes:
        members[node.group].append((node.kind, node.id, node.label))
    columns = max(1, math.ceil(math.sqrt(len(graph.groups))))
    return Layout(
        groups=tuple(
            _group(name, members[name], divmod(index, columns))
            for index, name in enumerate(graph.groups)
        ),
        columns=columns,
    )


def _title(name: str, kinds: list[str]) -> str:
    """`[+] orders (5 routes, 1 module, 4 tables)`: the name shortened, the counts kept."""
    counts = [_count(kinds.count(k), k) for k in KINDS if k in kinds]
    return f"{TITLE_PREFIX}{shorten(name)} ({', '.join(counts)})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _group(name: str, nodes: list[tuple[str, str, str]], cell: tuple[int, int]) -> GroupLayout:
    title_text = _title(name, [kind for kind, _, _ in nodes])
    title = Label(title_text, _label_box(PAD, (HEADER - LABEL_HEIGHT) // 2, title_text))
    collapsed = (title.box.width + 2 * PAD, HEADER)
    placed: list[Label] = []
    x = PAD
    bottom = HEADER
    for kind in KINDS:
        of_kind = [(node, label) for k, node, label in nodes if k == kind]
        for start in range(0, len(of_kind), MAX_ROWS):
            column = [
                Label(shorten(label), _label_box(x, 0, shorten(label)), node)
                for node, label in of_kind[start : start + MAX_ROWS]
            ]
            heading = f"{kind}s" if start == 0 else f"{kind}s, more"
            column.insert(0, Label(heading, _label_box(x, 0, heading)))
            for row, label in enumerate(column):
                placed.append(
                    Label(label.text, label.box.moved(0, HEADER + PAD + row * ROW), label.node)
                )
            bottom = max(bottom, placed[-1].box.y + placed[-1].box.height)
            x += max(label.box.width for label in column) + COLUMN_GAP
    expanded = (max(collapsed[0], x - COLUMN_GAP + PAD), bottom + PAD)
    return GroupLayout(name, cell[0], cell[1], title, collapsed, expanded, tuple(placed))


def _label_box(x: int, y: int, text: str) -> Box:
    return Box(x, y, text_width(text), LABEL_HEIGHT)


def place_groups(layout: Layout, expanded: Collection[str]) -> dict[str, Box]:
    """Each group's frame, with the groups named in `expanded` expanded (the page does the
    same sums when a group is clicked)."""
    sizes = {g.name: g.expanded if g.name in expanded else g.collapsed for g in layout.groups}
    widths = [0] * layout.columns
    heights = [0] * (max((g.row for g in layout.groups), default=0) + 1)
    for group in layout.groups:
        width, height = sizes[group.name]
        widths[group.column] = max(widths[group.column], width)
        heights[group.row] = max(heights[group.row], height)
    xs = [GAP + sum(widths[:c]) + GAP * c for c in range(layout.columns)]
    ys = [GAP + sum(heights[:r]) + GAP * r for r in range(len(heights))]
    return {g.name: Box(xs[g.column], ys[g.row], *sizes[g.name]) for g in layout.groups}
