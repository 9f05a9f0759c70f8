"""`strangler analyze PATH`: parse options, run the analysis, write the chosen report."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import click

from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, report_project
from strangler.errors import StranglerError

# each format's renderer, imported only when that format is asked for (and the analysis run:
# a reused report needs none)
RENDERERS: dict[str, str] = {
    "json": "analyzer.reports.as_json:render_json",
    "markdown": "analyzer.reports.as_markdown:render_markdown",
    "dot": "analyzer.resolution.graph:to_dot",
    "graphml": "analyzer.resolution.graph:to_graphml",
    "html": "analyzer.reports.as_html:render_html",
}


def renderer(output_format: str) -> Callable[[Analysis], str]:
    """The function that renders an analysis in `output_format` (a key of RENDERERS)."""
    module, name = RENDERERS[output_format].split(":")
    render: Callable[[Analysis], str] = getattr(importlib.import_module(module), name)
    return render


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
    run = report_project(
        path, options, output_format, lambda analysis: renderer(output_format)(analysis)
    )
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
    reused = ""
    if run.same_facts:
        reused = " (files changed, but not their facts: the last run's report was reused)"
    elif run.reused:
        reused = " (nothing changed since the last run: its report was reused)"
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
