"""Route precision/recall of `strangler analyze` on each app of the set (`make evaluate`).

    .venv/bin/python -m evaluation.score [NAME ...] [--show N]

For each app: its archive (downloaded once into var/evaluation/downloads/) is unpacked into a
temporary folder and analyzed as a user would, `strangler analyze DIR --format json --output
FILE` with a fresh cache dir; the report's routes are compared with evaluation/truth/<app>.json
(key: rule, endpoint, methods without HEAD/OPTIONS; see scoring.py) and the first missed and
extra routes printed, extras with the file:line the analyzer gave. Ends with a Markdown table;
`--update-readme` also writes it into evaluation/README.md (run it on the whole set).
Exits 1 only when an app could not be scored (download, analyzer crash, missing truth), never
for a low score.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.apps import AppSpec, EvaluationError
from evaluation.archives import cached_archive, unpack
from evaluation.each_app import named_apps, run_each
from evaluation.match_counts import ratio_text
from evaluation.readme_tables import update_readme
from evaluation.scoring import Route, RouteScore, route_key, score_routes
from evaluation.truth import read_truth

STRANGLER = Path(sys.executable).with_name("strangler")
ANALYZE_TIMEOUT_SECONDS = 1800
SCORES_MARKERS = ("<!-- scores: start -->", "<!-- scores: end -->")


@dataclass(frozen=True)
class AppResult:
    app: AppSpec
    score: RouteScore


def analyzer_report(app: AppSpec, workdir: Path) -> dict[str, Any]:
    """Unpack the app's archive in `workdir` and return `strangler analyze`'s JSON report."""
    archive = cached_archive(app)
    top = unpack(archive, workdir / "src")
    tree = (top / app.analyze).resolve()
    if not tree.is_dir() or not tree.is_relative_to(top.resolve()):
        raise EvaluationError(
            f"{app.name}: `analyze = {app.analyze!r}` is no folder of the archive"
        )
    print(f"  analyzing {app.analyze} of {archive.name} ...", flush=True)
    output = workdir / "report.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(workdir / "cache")}
    command = [str(STRANGLER), "analyze", str(tree), "--format", "json", "--output", str(output)]
    try:
        result = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=ANALYZE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EvaluationError(
            f"{app.name}: strangler analyze took over {error.timeout}s"
        ) from error
    if result.returncode != 0:
        last_lines = "\n    ".join(result.stderr.strip().splitlines()[-8:])
        raise EvaluationError(
            f"{app.name}: strangler analyze exited {result.returncode}:\n    {last_lines}"
        )
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return report


def reported_routes(app: AppSpec, report: dict[str, Any]) -> dict[Route, str]:
    """The report's routes that count for the app, each with its "file:line"."""
    routes: dict[Route, str] = {}
    for route in report["routes"]:
        if app.analyzer_app is None or route["app"] == app.analyzer_app:
            key = route_key(route["rule"], route["endpoint"], route["methods"])
            routes.setdefault(key, f"{route['file']}:{route['line']}")
    return routes


def evaluate_app(app: AppSpec, show: int) -> AppResult:
    """Score one app and print what an engineer needs to start fixing."""
    truth = read_truth(app)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"strangler-eval-{app.name}-") as workdir:
        report = analyzer_report(app, Path(workdir))
    seconds = time.monotonic() - started
    found = reported_routes(app, report)
    score = score_routes(truth, found)
    apps_seen = ", ".join(entry["name"] for entry in report.get("apps", [])) or "none"
    print(f"  analyzer apps: {apps_seen}; counted: {app.analyzer_app or 'every route'}")
    print(
        f"  truth {score.truth_count}  found {score.found_count}  matched {score.matched}"
        f"  precision {ratio_text(score.precision)}  recall {ratio_text(score.recall)}"
        f"  ({seconds:.0f}s)"
    )
    for missed, extra in score.near_misses[:show]:
        print(f"  near miss: real {_route(missed)}  reported {_route(extra)}  {found[extra]}")
    near = {route for pair in score.near_misses for route in pair}
    missed_only = [route for route in score.missed if route not in near]
    extra_only = [route for route in score.extra if route not in near]
    for route in missed_only[:show]:
        print(f"  missed: {_route(route)}")
    for route in extra_only[:show]:
        print(f"  extra: {_route(route)}  {found[route]}")
    listed = (score.near_misses, missed_only, extra_only)
    hidden = sum(max(0, len(routes) - show) for routes in listed)
    if hidden:
        print(f"  ... and {hidden} more (--show N lists more)")
    return AppResult(app, score)


def summary_table(results: list[AppResult], failed: list[str]) -> str:
    """The Markdown table README.md keeps: one row per app, apps not scored last."""
    lines = [
        "| app | truth | found | matched | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        score = result.score
        lines.append(
            f"| {result.app.name} | {score.truth_count} | {score.found_count} | {score.matched}"
            f" | {ratio_text(score.precision)} | {ratio_text(score.recall)} |"
        )
    lines += [f"| {name} | | | | not scored | not scored |" for name in failed]
    return "\n".join(lines)


def _route(route: Route) -> str:
    rule, endpoint, methods = route
    return f"{rule} -> {endpoint} [{','.join(methods)}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score strangler analyze on real Flask apps.")
    parser.add_argument("apps", nargs="*", metavar="NAME", help="apps to score (default: all)")
    parser.add_argument("--show", type=int, default=8, help="missed/extra routes listed per app")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the table into evaluation/README.md"
    )
    arguments = parser.parse_args(argv)
    apps = named_apps(arguments.apps)
    if apps is None:
        return 2
    apps = [app for app in apps if app.route_truth]  # the others: table access only
    done, failed = run_each(apps, lambda app: evaluate_app(app, arguments.show))
    table = summary_table([result for _, result in done], failed)
    print(f"\n{table}")
    if arguments.update_readme:
        update_readme(SCORES_MARKERS, "evaluation.score", table)
    if failed:
        print(f"\nnot scored: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
