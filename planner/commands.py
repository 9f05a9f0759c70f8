"""`strangler plan PATH [--services N] [--format json|markdown] [--output FILE]
[--routes-out FILE]`."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.as_json import render_json
from planner.as_markdown import render_markdown
from planner.routes_file import render_routes_file
from planner.usecases import build_plan


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--services",
    type=click.IntRange(min=1),
    help="How many services to propose (default: chosen by structural modularity).",
)
@click.option(
    "--format", "output_format", type=click.Choice(["json", "markdown"]), default="markdown"
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--routes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a proxy routes file: every route in monolith mode, targets named as"
    " `strangler extract` names them.",
)
@click.option(
    "--monolith-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The monolith, as the routes file names it.",
)
def plan(
    path: Path,
    services: int | None,
    output_format: str,
    output: Path | None,
    routes_out: Path | None,
    monolith_url: str,
) -> None:
    """Propose services for the Flask app at PATH, score them, and order their extraction.

    PATH is only read, never imported or run. The same source always gives the same plan.
    """
    analysis = analyze_project(path, AnalyzeOptions(show_progress=False))
    the_plan = build_plan(analysis, services)
    text = render_json(the_plan) if output_format == "json" else render_markdown(the_plan)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {len(the_plan.candidates)} services", err=True)
    if routes_out is not None:
        routes_out.write_text(
            render_routes_file(the_plan, analysis, monolith_url), encoding="utf-8"
        )
        click.echo(f"wrote {routes_out}", err=True)
