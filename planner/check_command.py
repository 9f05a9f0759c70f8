"""`strangler check PATH --plan FILE [--baseline FILE] [--update-baseline]
[--importlinter-out FILE]`: the plan's boundaries, enforced like a linter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.baseline import new_violations, read_baseline, render_baseline
from planner.boundaries import (
    Key,
    Violation,
    find_violations,
    modules_by_service,
    modules_in_common,
)
from planner.importlinter_contract import render_contract
from planner.plan_file import PlanFileError, read_boundaries
from strangler.errors import UsageError


@dataclass(frozen=True)
class CheckRun:
    found: tuple[Violation, ...]  # every violation in the code now
    new: tuple[Violation, ...]  # those the baseline does not accept


def check_project(
    path: Path,
    plan_path: Path,
    baseline: Path | None,
    update_baseline: bool,
    importlinter_out: Path | None,
) -> CheckRun:
    """Check the code at `path` against the plan's boundaries; with `update_baseline`, accept
    every violation found into `baseline`."""
    if update_baseline and baseline is None:
        raise UsageError("--update-baseline needs the file to write", hint="add --baseline FILE")
    boundaries = read_boundaries(plan_path)
    analysis = analyze_project(path, AnalyzeOptions(show_progress=False))
    if not modules_in_common(boundaries, analysis):
        raise PlanFileError(
            f"{plan_path}: none of the plan's modules is in {path}: the plan is another project's",
            hint=f"write this project's plan with `strangler plan {path} --format json`",
        )
    found = find_violations(boundaries, analysis)
    accepted: Counter[Key] = Counter()
    if baseline is not None and update_baseline:
        baseline.write_text(render_baseline(found), encoding="utf-8")
        accepted = Counter(v.key for v in found)
    elif baseline is not None:
        accepted = read_baseline(baseline)
    if importlinter_out is not None:
        crossings = [(key[1], key[2]) for key in accepted if key[0] == "crossing-import"]
        importlinter_out.write_text(
            render_contract(modules_by_service(boundaries, analysis), crossings), encoding="utf-8"
        )
    return CheckRun(found, new_violations(found, accepted))


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--plan",
    "plan_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The agreed plan: a `strangler plan --format json` file.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The violations accepted with the plan (JSON): only new ones fail.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write every violation found now into --baseline, and pass.",
)
@click.option(
    "--importlinter-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the module boundaries as an import-linter contract file.",
)
@click.pass_context
def check(
    ctx: click.Context,
    path: Path,
    plan_path: Path,
    baseline: Path | None,
    update_baseline: bool,
    importlinter_out: Path | None,
) -> None:
    """Fail when the code at PATH imports or uses tables across the plan's boundaries.

    Prints `file:line: rule: message` per violation the baseline does not accept, then a
    summary; exits 1 if there is any. PATH is only read, never imported or run.
    """
    run = check_project(path, plan_path, baseline, update_baseline, importlinter_out)
    for violation in run.new:
        click.echo(
            f"{path / violation.file}:{violation.line}: {violation.rule}: {violation.message}"
        )
    click.echo(_summary(run, baseline, update_baseline))
    if importlinter_out is not None:
        click.echo(f"wrote {importlinter_out}", err=True)
    ctx.exit(1 if run.new else 0)


def _summary(run: CheckRun, baseline: Path | None, update_baseline: bool) -> str:
    if update_baseline:
        return f"wrote {baseline}: {_count(len(run.found), 'boundary violation')} accepted"
    if baseline is None:
        return _count(len(run.new), "boundary violation")
    accepted = len(run.found) - len(run.new)
    return f"{_count(len(run.new), 'new boundary violation')}, {accepted} accepted by {baseline}"


def _count(number: int, thing: str) -> str:
    return f"{number or 'no'} {thing}{'' if number == 1 else 's'}"
