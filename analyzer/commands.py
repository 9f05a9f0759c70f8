"""`strangler analyze PATH`: parse options, run the analysis, write the chosen report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from analyzer.reports.as_html import render_html
from analyzer.reports.as_json import render_json
from analyzer.reports.as_markdown import render_markdown
from analyzer.resolution.graph import to_dot, to_graphml
from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, report_project
from strangler.errors import StranglerError

RENDERERS: dict[str, Callable[[Analysis], str]] = {
    "json": render_json,
    "markdown": render_markdown,
    "dot": to_dot,
    "graphml": to_graphml,
    "html": render_html,
}


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(RENDERERS)),
    default="json",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here, not stdout (missing folders are created).",
)
@click.option(
    "--dialect",
    callback=lambda _ctx, _param, value: _check_dialect(value),
    help="SQL dialect for sqlglot (e.g. postgres, sqlite, mysql); default: try the common ones.",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-file facts cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache folder, outside PATH (default: $XDG_CACHE_HOME/strangler or ~/.cache/strangler).",
)
@click.option("--include-tests", is_flag=True, help="Also analyze tests/ and test_*.py files.")
def analyze(
    path: Path,
    output_format: str,
    output: Path | None,
    dialect: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    include_tests: bool,
) -> None:
    """Map a Flask project's routes, modules, calls and table access, without running it."""
    options = AnalyzeOptions(
        dialect=dialect, use_cache=not no_cache, cache_dir=cache_dir, include_tests=include_tests
    )
    run = report_project(path, options, output_format, RENDERERS[output_format])
    report = run.report
    if output is None:
        sys.stdout.write(report.text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report.text, encoding="utf-8")
    except OSError as exc:
        raise StranglerError(
            f"cannot write {output}: {exc.strerror}", hint="choose a writable --output path"
        ) from exc
    reused = " (nothing changed since the last run: its report was reused)" if run.reused else ""
    click.echo(
        f"wrote {output}: {report.routes} routes, {report.diagnostics} diagnostics{reused}",
        err=True,
    )


def _check_dialect(name: str | None) -> str | None:
    if name is None:
        return None
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(name)
    except ValueError as exc:
        raise click.BadParameter(
            f"unknown SQL dialect {name!r} (e.g. postgres, mysql, sqlite, tsql, oracle)"
        ) from exc
    return name
