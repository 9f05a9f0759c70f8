"""`url_for` of a route left in the monolith: the codemod that registers the fallback (the
expected code written by hand) and the generated module, checked against a Flask app that
really has those routes."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.routing import BuildError

from analyzer.resolution.results import Route
from extractor.codemods.url_fallback import insert_url_fallback
from extractor.monolith_links import monolith_links_py

APP = "clinic:create_app()"
LEFT_OUT = (
    Route(APP, "/auth/login", "auth.login", ("GET", "POST"), "a.py", 1, ()),
    Route(APP, "/patients/<int:patient_id>", "main.patient", ("GET",), "m.py", 2, ()),
)


def test_the_fallback_is_registered_right_after_the_app_is_made() -> None:
    source = """def create_app(config_name="default"):
    app = Flask(__name__)  # the app
    app.config.from_object(config[config_name])
    return app
"""
    code, inserted = insert_url_fallback(source, "create_app", "svc.monolith_links", "link")
    assert inserted
    assert (
        code
        == """def create_app(config_name="default"):
    app = Flask(__name__)  # the app
    from svc.monolith_links import link  # strangler extract: links to the monolith's routes
    app.url_build_error_handlers.append(link)
    app.config.from_object(config[config_name])
    return app
"""
    )


def test_a_module_level_app_and_no_app() -> None:
    code, inserted = insert_url_fallback("web = flask.Flask('shop')\n", None, "svc.l", "link")
    assert inserted
    assert code.splitlines()[1:] == [
        "from svc.l import link  # strangler extract: links to the monolith's routes",
        "web.url_build_error_handlers.append(link)",
    ]
    source = "def create_app():\n    return make()\n"
    assert insert_url_fallback(source, "create_app", "svc.l", "link") == (source, False)


def _service_app() -> Flask:
    namespace: dict[str, object] = {}
    exec(compile(monolith_links_py(LEFT_OUT), "monolith_links.py", "exec"), namespace)
    app = Flask("service")
    app.url_build_error_handlers.append(namespace["link_to_monolith"])  # type: ignore[arg-type]
    return app


def _monolith_app() -> Flask:
    app = Flask("monolith")
    for route in LEFT_OUT:
        app.add_url_rule(route.rule, route.endpoint, lambda **_: "", methods=route.methods)
    return app


LINKS = (
    ("auth.login", {"next": "/patients/3"}),
    ("main.patient", {"patient_id": 7, "_anchor": "visits"}),
    ("main.patient", {"patient_id": 7, "_external": True}),
)


def test_links_to_left_out_routes_are_the_monolith_s_own() -> None:
    expected = []
    with _monolith_app().test_request_context("/", base_url="https://clinic.test/app"):
        expected = [url_for(endpoint, **values) for endpoint, values in LINKS]
    assert expected[0] == "/app/auth/login?next=/patients/3"
    with _service_app().test_request_context("/", base_url="https://clinic.test/app"):
        assert [url_for(endpoint, **values) for endpoint, values in LINKS] == expected
        with pytest.raises(BuildError):
            url_for("main.patient")  # a value missing: Flask's own error, as in the monolith
        with pytest.raises(BuildError):
            url_for("nowhere")
