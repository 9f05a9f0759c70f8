"""`strangler plan --constraints` on the sample monolith: a pin names the service that
holds the pinned table, the JSON says what it costs, and a bad file is refused."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from planner.commands import plan as plan_command
from planner.constraints import ConstraintsError

MONOLITH = str(Path(__file__).resolve().parents[3] / "legacy_monolith")
REVIEWS = {
    "reviews.create_review",
    "reviews.delete_review",
    "reviews.list_reviews",
    "reviews.summary",
}


def test_the_reviews_table_pinned_to_feedback_makes_a_feedback_service(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.toml"
    constraints.write_text(
        '# the reviews area, under its new name\n[services.feedback]\ntables = ["reviews"]\n'
    )
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        plan_command,
        [MONOLITH, "--format", "json", "--output", str(out), "--constraints", str(constraints)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    by_name = {s["name"]: s for s in written["services"]}
    assert "reviews" in by_name["feedback"]["tables"]
    assert set(by_name["feedback"]["routes"]) >= REVIEWS
    assert "reviews" not in by_name  # the area is the pinned service, not a second one
    # the table already sat with the routes that write it: the pin cuts nothing new
    assert written["constraints"]["file"] == str(constraints)
    assert written["constraints"]["costs"] == [
        {"constraint": "table reviews in feedback", "line": 3, "cost": 0, "edges": []}
    ]


def test_a_misspelt_table_is_refused_with_its_line(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.toml"
    constraints.write_text('[services.feedback]\ntables = [\n  "reviews",\n  "review_votes",\n]\n')
    result = CliRunner().invoke(plan_command, [MONOLITH, "--constraints", str(constraints)])
    assert isinstance(result.exception, ConstraintsError)
    assert result.exception.exit_code == 2
    assert str(result.exception).startswith(f"{constraints}:4: unknown table 'review_votes'")
