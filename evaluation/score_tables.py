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
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from evaluation.apps import EVALUATION_DIR, AppSpec, EvaluationError
from evaluation.each_app import named_apps, run_each
from evaluation.match_counts import ratio_text
from evaluation.readme_tables import update_readme
from evaluation.score import analyzer_report
from evaluation.scoring import Route, route_key
from evaluation.table_scoring import RouteTables, TableScore, score_table_access

TABLES_DIR = EVALUATION_DIR / "tables"
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


def score_app(app: AppSpec) -> TableScore:
    """Analyze the app and score its table access against its truth; the score printed."""
    truth = read_tables_truth(tables_truth_path(app))
    with tempfile.TemporaryDirectory(prefix=f"strangler-tables-{app.name}-") as workdir:
        report = analyzer_report(app, Path(workdir))
    score = score_table_access(truth, reported_tables(app, report))
    print_score(score)
    return score


def print_score(score: TableScore) -> None:
    print(
        f"  truth {score.truth_count}  found {score.found_count}  matched {score.matched}"
        f"  precision {ratio_text(score.precision)}  recall {ratio_text(score.recall)}"
        f"  F1 {ratio_text(score.f1)}  routes exact {score.routes_exact}/{score.route_count}"
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
            f" | {score.found_count} | {score.matched} | {ratio_text(score.precision)}"
            f" | {ratio_text(score.recall)} | {ratio_text(score.f1)} |"
        )
    lines += [f"| {name} | | | | | | not scored | not scored | not scored |" for name in failed]
    return "\n".join(lines)


def _accesses(accesses: list[tuple[Route, str, str]]) -> str:
    return ", ".join(f"{table} ({mode})" for _, table, mode in accesses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score per-route table access on real apps.")
    parser.add_argument("apps", nargs="*", metavar="NAME", help="apps (default: all with truth)")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the table into evaluation/README.md"
    )
    arguments = parser.parse_args(argv)
    apps = named_apps(arguments.apps)
    if apps is None:
        return 2
    if not arguments.apps:
        apps = [app for app in apps if tables_truth_path(app).is_file()]
    done, failed = run_each(apps, score_app)
    table = summary_table([(app.name, score) for app, score in done], failed)
    print(f"\n{table}")
    if arguments.update_readme:
        update_readme(MARKERS, "evaluation.score_tables", table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
