"""The demo plans the sample shop and extracts the planned area that owns the reviews."""

from __future__ import annotations

import json
from pathlib import Path

import legacy_monolith
from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.plan_file import area_routes
from planner.usecases import analysis_hash
from strangler_demo.plan_step import plan_sample

SOURCE = Path(legacy_monolith.__file__).parent
# legacy_monolith/reviews/views.py, read by hand: the blueprint's four views
REVIEWS_ENDPOINTS = {
    "reviews.list_reviews",
    "reviews.summary",
    "reviews.create_review",
    "reviews.delete_review",
}


def test_the_planned_area_is_the_reviews_blueprint_and_extract_reads_it(tmp_path: Path) -> None:
    planned = plan_sample(SOURCE, tmp_path)

    project_hash = analysis_hash(analyze_project(SOURCE, AnalyzeOptions(show_progress=False)))
    assert set(area_routes(planned.plan_path, planned.area, project_hash)) == REVIEWS_ENDPOINTS
    plan = json.loads(planned.plan_path.read_text(encoding="utf-8"))
    owners = [s["name"] for s in plan["services"] if "reviews" in s["owns"]]
    assert owners == [planned.area]
    assert f"## {planned.area}" in planned.report_path.read_text(encoding="utf-8")
    assert planned.page_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert any(line.startswith("wave 1: ") for line in planned.lines)
