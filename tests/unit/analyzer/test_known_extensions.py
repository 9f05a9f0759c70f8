"""Routes third-party extensions register themselves: the library's defaults where the code
sets a value the analyzer cannot read (with an `extension-default` diagnostic), and the
configuration switches that add or remove them."""

from __future__ import annotations

from pathlib import Path

from analyzer.resolution import fab_table as fab
from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project


def analyze(tmp_path: Path, files: dict[str, str]) -> Analysis:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return analyze_project(tmp_path, AnalyzeOptions(use_cache=False, show_progress=False))


def endpoints(analysis: Analysis) -> set[str]:
    return {r.endpoint for r in analysis.routes}


def notes(analysis: Analysis) -> list[tuple[str, int, str]]:
    return [
        (d.file, d.line, d.message) for d in analysis.diagnostics if d.kind == "extension-default"
    ]


FAB_APP = """
from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.security.sqla.manager import SecurityManager
{extra}

app = Flask(__name__)
app.config.from_object("settings")
appbuilder = AppBuilder(app, None{arguments})
"""


def test_fab_unreadable_auth_type_takes_the_default_with_a_diagnostic(tmp_path: Path) -> None:
    analysis = analyze(
        tmp_path,
        {
            "site.py": FAB_APP.format(extra="", arguments=""),
            "settings.py": "import os\nAUTH_TYPE = int(os.environ['AUTH'])\n",
        },
    )
    assert {"AuthDBView.login", "UserDBModelView.list", "ResetPasswordView.this_form_get"} <= (
        endpoints(analysis)
    )
    assert "AuthOAuthView.login" not in endpoints(analysis)
    [(file, line, message)] = notes(analysis)
    assert (file, line) == ("site.py", 9)
    assert "AUTH_TYPE" in message and "default 1" in message


def test_fab_auth_type_constant_and_switches_choose_the_views(tmp_path: Path) -> None:
    settings = """
from flask_appbuilder.security.manager import AUTH_OAUTH
AUTH_TYPE = AUTH_OAUTH
FAB_ADD_SECURITY_PERMISSION_VIEW = False
FAB_ADD_MENU_API = False
FAB_API_SWAGGER_UI = True
"""
    analysis = analyze(
        tmp_path, {"site.py": FAB_APP.format(extra="", arguments=""), "settings.py": settings}
    )
    found = endpoints(analysis)
    assert {"AuthOAuthView.oauth_authorized", "UserOAuthModelView.list", "OpenApi.get"} <= found
    assert not found & {"AuthDBView.login", "ResetPasswordView.this_form_get"}
    assert not found & {"PermissionModelView.list", "MenuApi.get_menu_data"}
    assert notes(analysis) == []


def test_fab_security_views_off_keeps_index_and_static(tmp_path: Path) -> None:
    analysis = analyze(
        tmp_path,
        {
            "site.py": FAB_APP.format(extra="", arguments=""),
            "settings.py": "FAB_ADD_SECURITY_VIEWS = False\n",
        },
    )
    assert endpoints(analysis) == {
        "static",
        "appbuilder.static",
        "IndexView.index",
        "UtilView.back",
        "LocaleView.index",
        "MenuApi.get_menu_data",
    }


def test_fab_manager_overriding_register_views_without_super(tmp_path: Path) -> None:
    manager = """
from flask_appbuilder import BaseView, expose


class OwnLogin(BaseView):
    route_base = "/signin"

    @expose("/")
    def form(self):
        return "form"


class OwnSecurity(SecurityManager):
    def register_views(self):  # FAB's own security views are never added
        self.appbuilder.add_view_no_menu(OwnLogin)
"""
    analysis = analyze(
        tmp_path,
        {
            "site.py": FAB_APP.format(
                extra=manager, arguments=", security_manager_class=OwnSecurity"
            ),
            "settings.py": "",
        },
    )
    found = endpoints(analysis)
    assert "OwnLogin.form" in found
    assert not found & {"AuthDBView.login", "RoleModelView.list", "SecurityApi.login"}
    assert "UtilView.back" in found and "MenuApi.get_menu_data" in found


def test_fab_setting_defined_but_loaded_by_code_not_followed(tmp_path: Path) -> None:
    """superset: `from_object(name or os.environ.get(...))`; the value its config module gives."""
    site = FAB_APP.format(extra="", arguments="").replace(
        'app.config.from_object("settings")', "app.config.from_object(pick() or 'settings')"
    )
    analysis = analyze(tmp_path, {"site.py": site, "conf.py": "FAB_API_SWAGGER_UI = True\n"})
    assert {"OpenApi.get", "SwaggerView.show"} <= endpoints(analysis)
    assert any(
        "FAB_API_SWAGGER_UI taken as True" in m and "conf.py" in m for *_, m in notes(analysis)
    )


def test_flasgger_config_not_known_uses_the_defaults(tmp_path: Path) -> None:
    app = """
import json

from flasgger import Swagger
from flask import Flask

app = Flask(__name__)
Swagger(app, config=json.load(open("swagger.json")))
"""
    analysis = analyze(tmp_path, {"docs.py": app})
    rules = {(r.rule, r.endpoint) for r in analysis.routes}
    assert ("/apispec_1.json", "flasgger.apispec_1") in rules
    assert ("/apidocs/", "flasgger.apidocs") in rules
    assert ("/flasgger_static/<path:filename>", "flasgger.static") in rules
    assert [(f, line) for f, line, _ in notes(analysis)] == [("docs.py", 8)]


def test_flasgger_swagger_ui_off_serves_only_the_specs(tmp_path: Path) -> None:
    app = """
from flasgger import Swagger
from flask import Flask

app = Flask(__name__, static_folder=None)
Swagger(app, config={"swagger_ui": False, "specs": [{"endpoint": "spec", "route": "/spec.json"}]})
"""
    analysis = analyze(tmp_path, {"docs.py": app})
    assert {(r.rule, r.endpoint) for r in analysis.routes} == {("/spec.json", "flasgger.spec")}


def test_flask_dance_login_url_not_known_uses_its_default(tmp_path: Path) -> None:
    app = """
import os

from flask import Flask
from flask_dance.contrib.gitlab import make_gitlab_blueprint

app = Flask(__name__, static_folder=None)
app.register_blueprint(make_gitlab_blueprint(login_url=os.environ["LOGIN"]), url_prefix="/auth")
"""
    analysis = analyze(tmp_path, {"oauth.py": app})
    assert {(r.rule, r.endpoint) for r in analysis.routes} == {
        ("/auth/gitlab", "gitlab.login"),
        ("/auth/gitlab/authorized", "gitlab.authorized"),
    }
    [(file, line, message)] = notes(analysis)
    assert (file, line) == ("oauth.py", 8) and "login_url" in message


def test_flask_storage_serves_its_files_under_fs_prefix(tmp_path: Path) -> None:
    app = """
import flask_storage as fs
from flask import Flask

images = fs.Storage("images")


def create_app():
    app = Flask(__name__, static_folder=None)
    app.config["FS_PREFIX"] = "/files"
    fs.init_app(app, images)
    return app
"""
    analysis = analyze(tmp_path, {"storage.py": app})
    assert [(r.rule, r.endpoint, r.kind) for r in analysis.routes] == [
        ("/files/<string:fs>/<path:filename>", "fs.get_file", "generated")
    ]


def test_flask_healthz_prefix_not_known_uses_its_default(tmp_path: Path) -> None:
    app = """
import os
from flask import Flask
from flask_healthz import Healthz


def create_app():
    app = Flask(__name__, static_folder=None)
    Healthz(app, prefix=os.environ["HEALTHZ_PREFIX"])
    return app
"""
    analysis = analyze(tmp_path, {"health.py": app})
    assert [(r.rule, r.endpoint, r.kind) for r in analysis.routes] == [
        ("/healthz/<name>", "healthz.check", "generated")
    ]
    [(file, line, message)] = notes(analysis)
    assert (file, line) == ("health.py", 9) and "prefix" in message


SECURITY_APP = """
from flask import Flask
from flask_security import Security, SQLAlchemyUserDatastore

datastore = SQLAlchemyUserDatastore(None, None, None)


def create_app():
    app = Flask(__name__, static_folder=None)
    app.config.update({{"SECURITY_URL_PREFIX": "/auth", "SECURITY_CHANGEABLE": True}})
{setup}
    return app
"""


def test_flask_security_registers_its_blueprint_from_the_settings(tmp_path: Path) -> None:
    setup = "    Security(app, datastore)"
    analysis = analyze(tmp_path, {"site.py": SECURITY_APP.format(setup=setup)})
    assert sorted((r.rule, r.endpoint, r.methods) for r in analysis.routes) == [
        ("/auth/change", "security.change_password", ("GET", "POST")),
        ("/auth/fs-static/<path:filename>", "security.static", ("GET",)),
        ("/auth/login", "security.login", ("GET", "POST")),
        ("/auth/logout", "security.logout", ("POST",)),
        ("/auth/verify", "security.verify", ("GET", "POST")),
    ]


def test_flask_security_switches_and_logout_methods_given(tmp_path: Path) -> None:
    setup = """    app.config["SECURITY_LOGOUT_METHODS"] = ["GET", "POST"]
    security = Security(registerable=True)
    security.init_app(app, datastore, changeable=False)"""
    analysis = analyze(tmp_path, {"site.py": SECURITY_APP.format(setup=setup)})
    assert sorted((r.rule, r.endpoint, r.methods) for r in analysis.routes) == [
        ("/auth/fs-static/<path:filename>", "security.static", ("GET",)),
        ("/auth/login", "security.login", ("GET", "POST")),
        ("/auth/logout", "security.logout", ("GET", "POST")),
        ("/auth/verify", "security.verify", ("GET", "POST")),
    ]
    [(file, line, message)] = notes(analysis)
    assert (file, line) == ("site.py", 13) and "registerable" in message


def test_flask_security_without_its_blueprint_adds_nothing(tmp_path: Path) -> None:
    """udata's: the constructor without the datastore does not initialise it, and `init_app`
    is told not to register the blueprint."""
    setup = """    security = Security(datastore, register_blueprint=False)
    security.init_app(app, datastore, register_blueprint=False)"""
    analysis = analyze(tmp_path, {"site.py": SECURITY_APP.format(setup=setup)})
    assert analysis.routes == ()
    assert analysis.diagnostics == ()


def test_every_fab_step_names_a_view_of_its_release() -> None:
    for release in fab.FAB_RELEASES:
        unknown = [s.default for s in release.steps if s.default not in release.view_by_dotted]
        assert unknown == [], release.version
        assert fab.FAB_INDEX_VIEW in release.view_by_dotted
