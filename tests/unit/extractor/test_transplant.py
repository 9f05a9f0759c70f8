"""Transplanting the clinic fixture's API (`tests/fixtures/extract_apps/clinic`): flasky-style
blueprints, made in a package's `__init__.py` and registered in a loop of (blueprint, prefix)
pairs. The expected factory is written by hand from the fixture's `clinic/__init__.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.selection import select_routes
from extractor.transplant import Transplant, transplant

CLINIC = Path(__file__).resolve().parents[2] / "fixtures" / "extract_apps" / "clinic"


@pytest.fixture(scope="module")
def api_only() -> Transplant:
    analysis = analyze_project(CLINIC, AnalyzeOptions(show_progress=False))
    return transplant(analysis, select_routes(analysis, blueprints=["api"]), "front_desk")


def test_a_blueprint_made_in_its_package_init_leaves_the_registration_loop(
    api_only: Transplant,
) -> None:
    factory = api_only.modules["clinic/__init__.py"]
    assert (
        """def register_blueprints(app):
    from .api import api as api_blueprint
    from .auth import auth as auth_blueprint

    for blueprint, prefix in (
        (auth_blueprint, "/auth"),
        (api_blueprint, "/api/v1"),
    ):
        app.register_blueprint(blueprint, url_prefix=prefix)
"""
        in factory
    )
    assert "from front_desk.config import config" in factory


def test_the_dropped_blueprints_package_and_templates_stay_behind(api_only: Transplant) -> None:
    assert not [path for path in api_only.modules if path.startswith("clinic/main/")]
    assert not [path for _, path in api_only.resources if path.startswith("clinic/main/")]
    assert "clinic/auth/views.py" in api_only.modules  # its before_app_request hook runs
    assert "clinic/auth/templates/auth/login.html" in [path for _, path in api_only.resources]
