"""`strangler extract --route` on the clinic fixture (`tests/fixtures/extract_apps/clinic`), a
monolith in another style than the sample shop: two Flask-Login pages of its `main`
blueprint. The generated package's app, imported for real in a child process, holds exactly
those routes of the clinic's own url_map, and sends an anonymous visitor to the login page
the monolith kept, as the clinic itself does."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from extractor.commands import extract

CLINIC = Path(__file__).resolve().parents[2] / "fixtures" / "extract_apps" / "clinic"
CHOSEN = ("/patients/<int:patient_id>", "/doctors")

INSPECT_APP = """
import importlib, json, sys
module, _, factory = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), factory)()
rules = sorted(
    [r.rule, r.endpoint, sorted(r.methods - {"HEAD", "OPTIONS"})] for r in app.url_map.iter_rules()
)
client = app.test_client()
anonymous = {}
for path in sys.argv[2:]:
    answer = client.get(path)
    anonymous[path] = [answer.status_code, answer.headers.get("Location")]
print(json.dumps({"rules": rules, "anonymous": anonymous}))
"""


def inspect_app(target: str, pythonpath: Path, env: dict[str, str], *paths: str) -> dict:
    """The app's url_map and its answers to anonymous GETs, from a child process."""
    result = subprocess.run(
        [sys.executable, "-c", INSPECT_APP, target, *paths],
        cwd=pythonpath,
        env={**os.environ, **env, "PYTHONPATH": str(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found: dict = json.loads(result.stdout)
    return found


def tree_state(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_pages_chosen_by_rule_are_served_as_the_clinic_serves_them(tmp_path: Path) -> None:
    before = tree_state(CLINIC)
    into = tmp_path / "services"
    arguments = [str(CLINIC), "--service", "staff_pages", "--into", str(into)]
    for rule in CHOSEN:
        arguments += ["--route", rule]
    result = CliRunner().invoke(extract, arguments)
    assert result.exit_code == 0, result.output
    assert "2 routes" in result.output
    assert tree_state(CLINIC) == before

    paths = ("/patients/3", "/doctors")
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}"}
    clinic = inspect_app("clinic:create_app", CLINIC, database, *paths)
    service_database = {"STAFF_PAGES_DATABASE_URL": f"sqlite:///{tmp_path / 'pages.sqlite3'}"}
    service = inspect_app("staff_pages.clinic:create_app", into, service_database, *paths)

    wanted = [rule for rule in clinic["rules"] if rule[0] in CHOSEN or rule[1] == "static"]
    assert [rule[1] for rule in wanted] == ["main.doctors", "main.patient", "static"]
    assert service["rules"] == wanted
    # Flask-Login's login_view, `auth.login`, stayed in the monolith: the page still sends
    # an anonymous visitor there, as the clinic does (302 /auth/login?next=...)
    assert clinic["anonymous"]["/patients/3"] == [302, "/auth/login?next=%2Fpatients%2F3"]
    assert service["anonymous"] == clinic["anonymous"]
