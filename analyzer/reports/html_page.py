"""The HTML document around a report: inline style and script (nothing is fetched), a header
summary, sections, tables and the graph picture.

Plain `str` is text and is escaped here; only `Html` (made by these helpers) passes as is,
so a name from the analyzed code can never become markup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from importlib.resources import files

from analyzer.reports.html_graph import ReportGraph
from analyzer.reports.html_picture import render_picture

_WARN = ' class="warn"'


class Html(str):
    """Markup made by this module's helpers: already escaped."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of the header summary."""

    label: str
    value: int | str
    warn: bool = False  # drawn in red: something to look at


def html(part: str) -> Html:
    """`part` escaped, unless it already is markup."""
    return part if isinstance(part, Html) else Html(escape(part))


def code(text: str) -> Html:
    return Html(f"<code>{escape(text)}</code>")


def join(parts: Iterable[str], separator: str = ", ") -> Html:
    return Html(escape(separator).join(html(p) for p in parts))


def section(heading: str, *parts: str, level: int = 2) -> Html:
    return Html(f"<h{level}>{html(heading)}</h{level}>\n" + "\n".join(_block(p) for p in parts))


def bullets(items: Iterable[str]) -> Html:
    return Html("<ul>" + "".join(f"<li>{html(item)}</li>" for item in items) + "</ul>")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[str] = frozenset()
) -> Html:
    """A table (or "None." without rows); columns named in `numeric` are right-aligned."""
    if not rows:
        return Html("<p>None.</p>")
    aligned = [' class="number"' if name in numeric else "" for name in headers]
    head = "".join(f"<th{a}>{html(h)}</th>" for h, a in zip(headers, aligned, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td{a}>{html(c)}</td>" for c, a in zip(cells, aligned, strict=True))
        + "</tr>\n"
        for cells in rows
    )
    return Html(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>")


def document(
    title: str, figures: Sequence[Figure], graph: ReportGraph, sections: Sequence[str]
) -> str:
    """The whole page: title, summary figures, the picture, then the sections."""
    summary = "".join(
        f"<li{_WARN if f.warn else ''}><strong>{html(str(f.value))}</strong>{html(f.label)}</li>"
        for f in figures
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # belt and braces: even a page someone edits may fetch nothing
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
            " style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
            f"<title>{html(title)}</title>",
            f"<style>\n{_asset('html_report.css')}</style>",
            "</head>",
            "<body>",
            f"<h1>{html(title)}</h1>",
            f'<ul class="summary">{summary}</ul>',
            _picture(graph),
            *(html(s) for s in sections),
            f"<script>\n{_asset('html_graph.js')}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _picture(graph: ReportGraph) -> str:
    legend = "".join(
        f'<span><span class="swatch" style="background:{color}"></span>{name}</span>'
        for name, color in (
            ("reads", "#0969da"),
            ("writes", "#cf222e"),
            ("imports", "#6e7781"),
            ("foreign key", "#1a7f37"),
        )
    )
    return "\n".join(
        [
            "<h2>Graph</h2>",
            "<p>Click a group's title to open it; red frames mark hotspots. Edges join what is"
            " shown: a closed group stands for all it holds.</p>",
            '<div class="toolbar">',
            '<input id="search" type="search" placeholder="find a route, module or table"'
            ' aria-label="find a route, module or table">',
            '<span id="search-found"></span>',
            '<button id="expand-all" type="button">open all</button>',
            '<button id="collapse-all" type="button">close all</button>',
            f'<span class="legend">{legend}</span>',
            "</div>",
            f'<div class="picture">\n{render_picture(graph)}\n</div>',
        ]
    )


def _block(part: str) -> str:
    """A paragraph for plain text, markup as is."""
    return part if isinstance(part, Html) else f"<p>{escape(part)}</p>"


def _asset(name: str) -> str:
    return files("analyzer.reports").joinpath(name).read_text(encoding="utf-8")
