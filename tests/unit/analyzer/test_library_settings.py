"""Settings a library puts in `app.config` itself (Flask-Security's defaults), registrations
made only under one of its switches, and rules chosen by whether an optional import works."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import analyze, write

from analyzer.resolution import extension_table as table
from analyzer.resolution.results import Analysis

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"


def rules(analysis: Analysis) -> dict[str, str]:
    return {r.endpoint: r.rule for r in analysis.routes}


def messages(analysis: Analysis, kind: str) -> list[str]:
    return [d.message for d in analysis.diagnostics if d.kind == kind]


def test_a_setting_the_project_never_sets_takes_the_library_default() -> None:
    analysis = analyze(FIXTURES / "library_settings")
    assert rules(analysis)["security.verify"] == table.FLASK_SECURITY_DEFAULTS["VERIFY_URL"]
    notes = messages(analysis, "configured-route")
    assert any(
        "default '/verify'" in m and "SECURITY_VERIFY_URL is not set by the project's code" in m
        for m in notes
    )


def test_a_registration_under_a_switch_that_is_off_is_not_reported_but_noted() -> None:
    analysis = analyze(FIXTURES / "library_settings")
    found = rules(analysis)
    assert "security.token_login" not in found
    assert "security.two_factor_setup" not in found
    assert "two_factor_page" not in found
    assert found["security.login"] == "/login/"  # the `else` branch
    notes = messages(analysis, "configured-route")
    assert any("SECURITY_PASSWORDLESS is on; it is False" in m for m in notes)
    assert any(m.startswith(".add_url_rule() not reported") for m in notes)


def test_a_switch_the_project_turns_on_or_gives_as_a_keyword_keeps_the_registration() -> None:
    found = rules(analyze(FIXTURES / "library_settings"))
    assert found["security.register"] == "/register"  # SECURITY_REGISTERABLE = True
    assert found["security.change_password"] == "/change"  # config.get(...) True
    assert found["security.forgot_password"] == "/reset"  # Security(recoverable=True)


def test_the_project_setting_a_switch_on_reports_the_guarded_rule(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "from flask import Flask\n"
                "from flask_security import Security\n"
                "from flask_security.views import token_login\n\n"
                "app = Flask(__name__)\n"
                "app.config['SECURITY_PASSWORDLESS'] = True\n"
                "security = Security(app)\n"
                "if security.passwordless:\n"
                "    app.add_url_rule('/login/<token>', 'token_login', token_login)\n"
            )
        },
    )
    assert rules(analyze(project)) == {
        "static": "/static/<path:filename>",
        "token_login": "/login/<token>",
    }


def test_settings_of_a_library_the_project_does_not_import_stay_unknown(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "from flask import Flask\n\n"
                "app = Flask(__name__)\n"
                "if app.config['SECURITY_TWO_FACTOR']:\n"
                "    app.add_url_rule('/tf', 'tf', lambda: '')\n"
                "app.add_url_rule(app.config['SECURITY_VERIFY_URL'], 'verify', lambda: '')\n"
            )
        },
    )
    analysis = analyze(project)
    assert rules(analysis) == {"static": "/static/<path:filename>", "tf": "/tf"}
    assert any("not known statically" in m for m in messages(analysis, "dynamic-route"))


def test_a_name_bound_by_an_optional_import_takes_the_branch_of_a_working_import() -> None:
    analysis = analyze(FIXTURES / "optional_import")
    found = rules(analysis)
    assert found["index"] == "/legacy"
    assert found["help_page"] == "/docs/help"
    assert messages(analysis, "configured-route") == [
        "route rule reported with its default '/legacy'; other values possible: '/' when "
        "flasgger.Swagger is missing or false",
        "route rule reported with its default '/docs/help'; other values possible: '/help' "
        "when flasgger.Swagger is missing or false",
    ]


def test_a_project_constant_tested_the_same_way_is_read(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "flags.py": "LEGACY = False\n",
            "app.py": (
                "from flask import Flask\n"
                "from flags import LEGACY\n\n"
                "if LEGACY:\n"
                "    landing = '/legacy'\n"
                "else:\n"
                "    landing = '/'\n"
                "app = Flask(__name__)\n"
                "app.add_url_rule(landing, 'index', lambda: '')\n"
            ),
        },
    )
    assert rules(analyze(project))["index"] == "/"


def test_a_type_checking_branch_is_not_taken_for_the_running_code(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "from typing import TYPE_CHECKING\n"
                "from flask import Flask\n\n"
                "if TYPE_CHECKING:\n"
                "    landing = '/typed'\n"
                "else:\n"
                "    landing = '/'\n"
                "app = Flask(__name__)\n"
                "app.add_url_rule(landing, 'index', lambda: '')\n"
            ),
        },
    )
    assert rules(analyze(project))["index"] == "/"
