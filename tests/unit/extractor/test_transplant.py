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


def test_data_folders_come_along_and_their_scripts_import_the_moved_package(
    tmp_path: Path,
) -> None:
    """As ihatemoney ships them: an Alembic folder Flask-Migrate reads by path at start-up,
    translations, a default config beside the code; its tests stay behind."""
    package = tmp_path / "src" / "money"
    (package / "migrations" / "versions").mkdir(parents=True)
    (package / "translations" / "fr").mkdir(parents=True)
    (package / "tests").mkdir()
    (package / "__init__.py").write_text(
        "from flask import Flask\n\ndef create_app():\n"
        "    app = Flask(__name__)\n\n    @app.get('/ping')\n    def ping():\n"
        "        return 'pong'\n\n    return app\n"
    )
    (package / "default.cfg").write_text("DEBUG = False\n")
    (package / "migrations" / "env.py").write_text("from money import create_app\n")
    (package / "migrations" / "versions" / "001_first.py").write_text("revision = '001'\n")
    (package / "translations" / "fr" / "messages.mo").write_bytes(b"\x00\x01")
    (package / "tests" / "test_app.py").write_text("def test(): pass\n")
    analysis = analyze_project(
        tmp_path / "src", AnalyzeOptions(use_cache=False, show_progress=False)
    )
    moved = transplant(analysis, select_routes(analysis, rules=["/ping"]), "pinger")

    assert moved.modules["money/migrations/env.py"] == "from pinger.money import create_app\n"
    assert moved.modules["money/migrations/versions/001_first.py"] == "revision = '001'\n"
    assert sorted(destination for _, destination in moved.resources) == [
        "money/default.cfg",
        "money/translations/fr/messages.mo",
    ]
    assert not any("tests" in path for path in moved.modules)


@pytest.mark.parametrize(("with_table", "noted"), [(True, True), (False, False)])
def test_an_app_whose_database_cannot_be_repointed_is_noted_only_when_it_has_tables(
    tmp_path: Path, with_table: bool, noted: bool
) -> None:
    """The factory opens its database in a way the codemod does not know (its own engine):
    a person must point it at the service's database, unless the routes touch no table."""
    package = tmp_path / "src" / "shop"
    package.mkdir(parents=True)
    query = "engine.execute('SELECT id FROM orders')" if with_table else "'no table'"
    (package / "__init__.py").write_text(
        "from flask import Flask\nfrom sqlalchemy import create_engine\n\n"
        "def create_app():\n    app = Flask(__name__)\n"
        "    engine = create_engine(app.config.get('DB', 'sqlite://'))\n\n"
        f"    @app.get('/orders')\n    def orders():\n        return str({query})\n\n"
        "    return app\n"
    )
    analysis = analyze_project(
        tmp_path / "src", AnalyzeOptions(use_cache=False, show_progress=False)
    )
    tables = ["orders"] if with_table else []
    moved = transplant(analysis, select_routes(analysis, rules=["/orders"]), "svc", tables)
    assert any("no `init_app(app)`" in note.message for note in moved.notes) == noted
