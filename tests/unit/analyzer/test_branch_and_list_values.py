"""Values a name may take: both branches of an `if`/`else` on run-time data, a module-level list
grown by functions, and a class's `__init__` parameters bound where the class is built."""

from __future__ import annotations

import time
from pathlib import Path

from analyzer_projects import analyze, write

from analyzer.resolution.results import Analysis


def routes(analysis: Analysis) -> set[tuple[str, str]]:
    return {(r.rule, r.endpoint) for r in analysis.routes}


def kinds(analysis: Analysis) -> list[str]:
    return [d.kind for d in analysis.diagnostics]


def test_each_branch_of_an_elif_chain_is_registered(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "import os\n"
                "from flask import Blueprint, Flask\n\n"
                "a = Blueprint('a', __name__)\n"
                "b = Blueprint('b', __name__)\n"
                "c = Blueprint('c', __name__)\n"
                "for bp in (a, b, c):\n"
                "    bp.add_url_rule('/', 'index', lambda: '')\n"
                "app = Flask(__name__)\n"
                "kind = os.environ.get('KIND')\n"
                "if kind == 'a':\n"
                "    chosen = a\n"
                "elif kind == 'b':\n"
                "    chosen = b\n"
                "else:\n"
                "    chosen = c\n"
                "app.register_blueprint(chosen, url_prefix='/x')\n"
            ),
        },
    )
    found = routes(analyze(project))
    assert {("/x/", "a.index"), ("/x/", "b.index"), ("/x/", "c.index")} <= found


def test_a_name_bound_in_the_if_only_keeps_its_later_binding(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "import os\n"
                "from flask import Flask\n\n"
                "rule = '/first'\n"
                "if os.environ.get('X') == 'y':\n"
                "    rule = '/second'\n"
                "app = Flask(__name__)\n"
                "app.add_url_rule(rule, 'page', lambda: '')\n"
            ),
        },
    )
    assert ("/second", "page") in routes(analyze(project))
    assert ("/first", "page") not in routes(analyze(project))


def test_a_string_grown_in_both_branches_of_a_long_loop_stays_small(tmp_path: Path) -> None:
    body = "".join(f"    '{i}',\n" for i in range(60))
    project = write(
        tmp_path,
        {
            "app.py": (
                "import os\n"
                "from flask import Flask\n\n"
                f"PARTS = [\n{body}]\n"
                "rule = ''\n"
                "for part in PARTS:\n"
                "    if os.environ.get(part):\n"
                "        rule = rule + '/a'\n"
                "    else:\n"
                "        rule = rule + '/b'\n"
                "app = Flask(__name__)\n"
                "app.add_url_rule('/ping', 'ping', lambda: '')\n"
            ),
        },
    )
    started = time.monotonic()
    found = routes(analyze(project))
    assert ("/ping", "ping") in found
    assert time.monotonic() - started < 20


def test_a_list_a_function_appends_to_is_known_in_other_functions(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "registry.py": (
                "from flask import Blueprint\n\n"
                "BLUEPRINTS = []\n"
                "admin = Blueprint('admin', __name__, url_prefix='/admin')\n"
                "admin.add_url_rule('/', 'home', lambda: '')\n\n\n"
                "def collect():\n"
                "    BLUEPRINTS.append(admin)\n"
            ),
            "app.py": (
                "from flask import Flask\n"
                "from registry import BLUEPRINTS, collect\n\n\n"
                "def create_app():\n"
                "    app = Flask(__name__)\n"
                "    collect()\n"
                "    for bp in BLUEPRINTS:\n"
                "        app.register_blueprint(bp)\n"
                "    return app\n"
            ),
        },
    )
    analysis = analyze(project)
    assert ("/admin/", "admin.home") in routes(analysis)
    assert "unresolved-route" not in kinds(analysis)


def test_an_item_appended_from_a_parameter_is_reported_as_unknown(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "from flask import Blueprint, Flask\n\n"
                "BLUEPRINTS = []\n"
                "known = Blueprint('known', __name__)\n"
                "known.add_url_rule('/k', 'k', lambda: '')\n"
                "BLUEPRINTS.append(known)\n\n\n"
                "def add(bp):\n"
                "    BLUEPRINTS.append(bp)\n\n\n"
                "def create_app():\n"
                "    app = Flask(__name__)\n"
                "    for bp in BLUEPRINTS:\n"
                "        app.register_blueprint(bp)\n"
                "    return app\n"
            ),
        },
    )
    analysis = analyze(project)
    assert ("/k", "known.k") in routes(analysis)
    assert "unresolved-route" in kinds(analysis)


# A class that registers its route on the app its `__init__` is given.
PAGES_APP = (
    "from flask import Flask\n\n\n"
    "def about():\n"
    "    return ''\n\n\n"
    "class Pages:\n"
    "    def __init__(self, app):\n"
    "        self.app = app\n\n"
    "    def register(self):\n"
    "        self.app.add_url_rule('/about', 'about', about)\n\n\n"
)


def test_an_init_parameter_built_in_two_ways_stays_unknown(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                PAGES_APP + "one = Flask('one')\n"
                "two = Flask('two')\n"
                "Pages(one).register()\n"
                "Pages(app=two)\n"
            ),
        },
    )
    analysis = analyze(project)
    assert ("/about", "about") not in routes(analysis)
    assert "unresolved-route" in kinds(analysis)


def test_an_init_parameter_built_once_is_the_argument_given(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                PAGES_APP + "one = Flask('one')\npages = Pages(app=one)\npages.register()\n"
            ),
        },
    )
    analysis = analyze(project)
    assert [(r.app, r.rule) for r in analysis.routes if r.endpoint == "about"] == [
        ("app:one", "/about")
    ]
    assert kinds(analysis) == []
