"""Per-route table access of `strangler analyze` on the apps with a hand-labelled truth.

    .venv/bin/python -m evaluation.score_tables [NAME ...] [--update-readme]

For each app of apps.toml that has evaluation/tables/<app>.json (a truth written by reading the
app's code: per route, the tables its view and everything it calls read and write), the archive
is analyzed as score.py does and each truth route's `reads`/`writes` are compared with the
report's (see table_scoring.py). Prints the (route, table, mode) counts, precision, recall and
F1 (micro-averaged over the app's triples), then the misses and extras grouped by route, and
ends with a Markdown table; `--update-readme` writes it into evaluation/README.md between the
table-scores markers. Exits 1 only when an app could not be scored, never for a low score.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from evaluation.apps import EVALUATION_DIR, AppSpec, EvaluationError, load_apps, select_apps
from evaluation.score import analyzer_report
from evaluation.scoring import Route, route_key
from evaluation.table_scoring import RouteTables, TableScore, score_table_access

TABLES_DIR = EVALUATION_DIR / "tables"
README = EVALUATION_DIR / "README.md"
MARKERS = ("<!-- table-scores: start -->", "<!-- table-scores: end -->")


def tables_truth_path(app: AppSpec) -> Path:
    return TABLES_DIR / f"{app.name}.json"


def read_tables_truth(path: Path) -> dict[Route, RouteTables]:
    """The truth file's routes, each with its reads and writes."""
    try:
        routes = json.loads(path.read_text(encoding="utf-8"))["routes"]
        return {
            route_key(entry["rule"], entry["endpoint"], entry["methods"]): RouteTables.of(
                entry["reads"], entry["writes"]
            )
            for entry in routes
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EvaluationError(f"{path}: not a table-access truth file ({error})") from error


def reported_tables(app: AppSpec, report: dict[str, Any]) -> dict[Route, RouteTables]:
    """The report's routes that count for the app, each with its reads and writes."""
    found: dict[Route, RouteTables] = {}
    for route in report["routes"]:
        if app.analyzer_app is None or route["app"] == app.analyzer_app:
            key = route_key(route["rule"], route["endpoint"], route["methods"])
            found[key] = RouteTables.of(_route_reads(route), route["writes"])
    return found


def _route_reads(route: dict[str, Any]) -> list[str]:
    """`reads` plus the tables read only through ORM relationships: the contract keeps those
    apart (`indirect`, with their evidence marked so), the issue counts relationship
    attributes as reads. A collection change's target (indirect, mode write) is no read."""
    related = [
        use["table"]
        for use in route.get("evidence", ())
        if use.get("indirect") and use.get("mode") == "read"
    ]
    return [*route["reads"], *related]


def print_score(score: TableScore) -> None:
    print(
        f"  truth {score.truth_count}  found {score.found_count}  matched {score.matched}"
        f"  precision {_ratio(score.precision)}  recall {_ratio(score.recall)}"
        f"  F1 {_ratio(score.f1)}  routes exact {score.routes_exact}/{score.route_count}"
    )
    for route, (missed, extra) in score.by_route().items():
        rule, endpoint, methods = route
        print(f"  {rule} -> {endpoint} [{','.join(methods)}]")
        if missed:
            print(f"      missed: {_accesses(missed)}")
        if extra:
            print(f"      extra:  {_accesses(extra)}")


def summary_table(results: list[tuple[str, TableScore]], failed: list[str]) -> str:
    lines = [
        "| app | routes | exact routes | truth pairs | found | matched | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, score in results:
        lines.append(
            f"| {name} | {score.route_count} | {score.routes_exact} | {score.truth_count}"
            f" | {score.found_count} | {score.matched} | {_ratio(score.precision)}"
            f" | {_ratio(score.recall)} | {_ratio(score.f1)} |"
        )
    lines += [f"| {name} | | | | | | not scored | not scored | not scored |" for name in failed]
    return "\n".join(lines)


def with_table(readme: str, table: str, date: str) -> str:
    """README.md's text with the part between the table-scores markers replaced."""
    start_marker, end_marker = MARKERS
    start, end = readme.find(start_marker), readme.find(end_marker)
    if start < 0 or end < start:
        raise EvaluationError(f"README.md: no {start_marker} ... {end_marker} markers")
    section = (
        f"{start_marker}\nMeasured {date} by `python -m evaluation.score_tables`.\n\n{table}\n"
    )
    return readme[:start] + section + readme[end:]


def _accesses(accesses: list[tuple[Route, str, str]]) -> str:
    return ", ".join(f"{table} ({mode})" for _, table, mode in accesses)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score per-route table access on real apps.")
    parser.add_argument("apps", nargs="*", metavar="NAME", help="apps (default: all with truth)")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the table into evaluation/README.md"
    )
    arguments = parser.parse_args(argv)
    try:
        apps = select_apps(load_apps(), arguments.apps)
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not arguments.apps:
        apps = [app for app in apps if tables_truth_path(app).is_file()]
    results: list[tuple[str, TableScore]] = []
    failed: list[str] = []
    for app in apps:
        print(f"== {app.name}", flush=True)
        try:
            truth = read_tables_truth(tables_truth_path(app))
            with tempfile.TemporaryDirectory(prefix=f"strangler-tables-{app.name}-") as workdir:
                report = analyzer_report(app, Path(workdir))
            score = score_table_access(truth, reported_tables(app, report))
        except EvaluationError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            failed.append(app.name)
            continue
        print_score(score)
        results.append((app.name, score))
    table = summary_table(results, failed)
    print(f"\n{table}")
    if arguments.update_readme:
        today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
        README.write_text(with_table(README.read_text(), table, today), encoding="utf-8")
        print(f"updated {README.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
