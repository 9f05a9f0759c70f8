"""`strangler plan PATH [--services N] [--format json|markdown|html] [--output FILE]
[--routes-out FILE] [--constraints FILE]`."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.as_html import render_html
from planner.as_json import render_json
from planner.as_markdown import render_markdown
from planner.constraints import ConstraintsError, ConstraintsFile
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
    "--format",
    "output_format",
    type=click.Choice(["json", "markdown", "html"]),
    default="markdown",
    help="html: one self-contained page with a picture of the services.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--routes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a proxy routes file: every route in monolith mode, targets named as"
    " `strangler extract` names them.",
)
@click.option(
    "--constraints",
    "constraints_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file pinning routes, modules or tables to named services and keeping"
    " things apart; the plan says what each costs.",
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
    constraints_path: Path | None,
) -> None:
    """Propose services for the Flask app at PATH, score them, and order their extraction.

    PATH is only read, never imported or run. The same source always gives the same plan.
    """
    analysis = analyze_project(path, AnalyzeOptions(show_progress=False))
    the_plan = build_plan(analysis, services, _read_constraints(constraints_path))
    text = {
        "json": lambda: render_json(the_plan),
        "markdown": lambda: render_markdown(the_plan),
        "html": lambda: render_html(the_plan, analysis),
    }[output_format]()
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


def _read_constraints(path: Path | None) -> ConstraintsFile | None:
    if path is None:
        return None
    try:
        return ConstraintsFile(str(path), path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConstraintsError(str(path), None, f"cannot read the constraints: {exc}") from None
