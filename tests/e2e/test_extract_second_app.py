"""A monolith nobody here wrote, extracted as the sample shop is (issue 11).

The clinic fixture (`tests/fixtures/extract_apps/clinic`: config classes, an app factory
with `register_*` helpers, a CRUD mixin, flasky blueprints registered in a loop, bearer
tokens kept in a table, Flask-Login pages) is served as it is by gunicorn as the monolith.
`strangler extract` cuts its `api` blueprint out as `front_desk`; the package is backfilled
and run with the `strangler service` commands on the real broker, the proxy sends the
extracted routes to it (service mode, HTTP envelope) and every request is compared with the
clinic's own answer: anonymous, revoked and valid tokens, unknown ids, bad input, writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.commands import extract
from strangler.processes import ProcessGroup, free_port, http_ok, rpc_consumer_ready
from strangler_demo.stack import START_TIMEOUT, strangler_argv
from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq

CLINIC = Path(__file__).resolve().parents[1] / "fixtures" / "extract_apps" / "clinic"
SERVICE = "front_desk"
VALID = "tok-alice-frontdesk"  # clinic/seed.py: Alice's token; Carol's is revoked
REVOKED = "tok-carol-old"
UNKNOWN = 10**6


@dataclass
class Stack:
    monolith_url: str
    proxy_url: str


def clinic_env(database_url: str) -> dict[str, str]:
    """The clinic run as its own deployment would: its package on the path, its database."""
    return {
        "PYTHONPATH": str(CLINIC),
        "PYTHONDONTWRITEBYTECODE": "1",  # leave the fixture tree as it is
        "DATABASE_URL": database_url,
    }


def _service_mode_routes(generated: Path, workdir: Path) -> Path:
    """The generated routes file, every route switched from shadow to service mode."""
    parts = ['monolith = "http://127.0.0.1:1"']  # the command line names the real one
    for route in tomllib.loads(generated.read_text())["route"]:
        assert route["mode"] == "shadow"  # as generated
        methods = ", ".join(f'"{m}"' for m in route["methods"])
        parts += [
            "[[route]]",
            f'path = "{route["path"]}"',
            f"methods = [{methods}]",
            f'target = "{route["target"]}"',
            f'protocol = "{route["protocol"]}"',
            'mode = "service"',
        ]
    path = workdir / "routes.toml"
    path.write_text("\n".join(parts) + "\n")
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("clinic")
    services_dir = workdir / "services"
    extracted = CliRunner().invoke(
        extract,
        [str(CLINIC), "--service", SERVICE, "--blueprint", "api", "--into", str(services_dir)],
    )
    assert extracted.exit_code == 0, extracted.output
    monolith_db = f"sqlite:///{workdir / 'clinic.sqlite3'}"
    seeded = subprocess.run(
        [sys.executable, "-P", "-m", "clinic.seed"],  # -P: the clinic from PYTHONPATH only
        env={**os.environ, **clinic_env(monolith_db)},
        cwd=workdir, capture_output=True, text=True, timeout=START_TIMEOUT,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    service_db = f"sqlite:///{workdir / SERVICE}.sqlite3"
    backfill = subprocess.run(
        strangler_argv("service", "backfill", SERVICE, "--services-dir", str(services_dir),
                       "--from-url", monolith_db, "--to-url", service_db),
        capture_output=True, text=True, timeout=START_TIMEOUT, cwd=workdir,
    )  # fmt: skip
    assert backfill.returncode == 0, backfill.stderr
    with ProcessGroup(workdir / "logs") as group:
        running = group.start(
            SERVICE,
            strangler_argv("service", "run", SERVICE, "--services-dir", str(services_dir),
                           "--amqp-uri", amqp_uri, "--database-url", service_db),
        )  # fmt: skip
        running.wait_ready(rpc_consumer_ready(amqp_uri, SERVICE), START_TIMEOUT)
        monolith_port, proxy_port, admin_port = free_port(), free_port(), free_port()
        monolith_url = f"http://127.0.0.1:{monolith_port}"
        monolith = group.start(
            "clinic",
            [sys.executable, "-P", "-m", "gunicorn", "--bind", f"127.0.0.1:{monolith_port}",
             "--chdir", str(workdir), "--workers", "1", "wsgi:app"],
            env=clinic_env(monolith_db),
        )  # fmt: skip
        monolith.wait_ready(http_ok(f"{monolith_url}/auth/login"), START_TIMEOUT)
        routes = _service_mode_routes(services_dir / SERVICE / "routes.toml", workdir)
        proxy = group.start(
            "proxy",
            strangler_argv("proxy", "--routes", str(routes), "--monolith", monolith_url,
                           "--amqp-uri", amqp_uri, "--port", str(proxy_port),
                           "--admin-port", str(admin_port), "--workers", "1"),
        )  # fmt: skip
        proxy.wait_ready(http_ok(f"http://127.0.0.1:{admin_port}/_strangler/health"), START_TIMEOUT)
        yield Stack(monolith_url, f"http://127.0.0.1:{proxy_port}")


def request(method: str, path: str, token: str | None = VALID, body: object = None) -> str:
    line: dict[str, object] = {"method": method, "path": path}
    if token is not None:
        line["headers"] = {"Authorization": f"Bearer {token}"}
    if body is not None:
        line["body"] = body
    return json.dumps(line)


def test_the_extracted_api_answers_as_the_clinic_does(stack: Stack) -> None:
    booking = {"doctor_id": 2, "patient_id": 5, "starts_at": "2026-03-09T10:30", "reason": "ecg"}
    lines = [
        # no token, an unknown scheme's, a revoked one: 401 from the token check
        request("GET", "/api/v1/doctors", token=None),
        request("GET", "/api/v1/patients/3", token=None),
        request("POST", "/api/v1/appointments", token=None, body=booking),
        request("GET", "/api/v1/doctors", token=REVOKED),
        json.dumps(
            {
                "method": "GET",
                "path": "/api/v1/doctors",
                "headers": {"Authorization": f"Token {VALID}"},
            }
        ),
        # reads, with the many-to-many specialties the views never name
        request("GET", "/api/v1/doctors"),
        request("GET", "/api/v1/doctors?specialty=Cardiology"),
        request("GET", "/api/v1/doctors/2"),
        request("GET", "/api/v1/doctors/1/appointments?date=2026-03-02"),
        request("GET", "/api/v1/doctors/6/appointments"),
        request("GET", "/api/v1/patients?per_page=4&page=2"),
        request("GET", "/api/v1/patients/3"),
        request("GET", "/api/v1/patients/4/appointments?per_page=1"),
        request("GET", "/api/v1/appointments/5"),
        # unknown ids: the api blueprint's own JSON 404
        request("GET", f"/api/v1/doctors/{UNKNOWN}"),
        request("GET", f"/api/v1/doctors/{UNKNOWN}/appointments"),
        request("GET", f"/api/v1/patients/{UNKNOWN}"),
        request("GET", f"/api/v1/appointments/{UNKNOWN}"),
        request("POST", f"/api/v1/appointments/{UNKNOWN}/cancel"),
        # bad input: 400 from the api blueprint's ValidationError handler
        request("GET", "/api/v1/doctors/1/appointments?date=monday"),
        request("GET", "/api/v1/patients?per_page=0"),
        request("GET", "/api/v1/patients?page=x"),
        request("POST", "/api/v1/appointments", body=[booking]),
        request("POST", "/api/v1/appointments", body={"doctor_id": 2}),
        request("POST", "/api/v1/appointments", body={**booking, "starts_at": "2026-03-09T10:31"}),
        request("POST", "/api/v1/appointments", body={**booking, "doctor_id": UNKNOWN}),
        # writes, applied on each side's own database: 201, then 409 for the same slot
        request("POST", "/api/v1/appointments", body=booking),
        request("POST", "/api/v1/appointments", body=booking),
        request("POST", "/api/v1/appointments/1/cancel"),
        request("POST", "/api/v1/appointments/1/cancel"),
        request("GET", "/api/v1/appointments/1"),
        # the booking made above, read back
        request("GET", "/api/v1/patients/5/appointments"),
    ]

    report = run_comparison(stack.monolith_url, stack.proxy_url, parse_requests("\n".join(lines)))

    assert report.ok, format_report(report)
    totals = report.to_dict()["totals"]
    assert totals["compared"] == totals["equal"] == len(lines)
    assert totals["not_served_by_service"] == 0
