"""`strangler extract --plan FILE --area NAME`: the routes the plan gives the area, and
nothing else; a half-given plan option is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.commands import extract
from planner.as_json import plan_to_dict
from planner.usecases import build_plan
from strangler.errors import UsageError

MONOLITH = Path(__file__).resolve().parents[3] / "legacy_monolith"


def test_extract_dry_run_takes_the_areas_routes(tmp_path: Path) -> None:
    plan = plan_to_dict(build_plan(analyze_project(MONOLITH, AnalyzeOptions(show_progress=False))))
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    result = CliRunner().invoke(
        extract,
        [str(MONOLITH), "--plan", str(plan_file), "--area", "reviews",
         "--into", str(tmp_path / "services"), "--dry-run"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # the four reviews views of legacy_monolith/reviews/views.py, under the area's name
    assert f"would write {tmp_path / 'services' / 'reviews'}: 4 routes" in result.output


def test_plan_without_area_is_refused(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text("{}")
    result = CliRunner().invoke(extract, [str(MONOLITH), "--plan", str(plan_file)])
    assert isinstance(result.exception, UsageError)  # main() prints it, exit code 2
    assert "--plan and --area go together" in str(result.exception)
