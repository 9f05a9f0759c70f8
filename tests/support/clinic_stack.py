"""The clinic fixture monolith with its `api` blueprint extracted, run behind the proxy.

The clinic (`tests/fixtures/extract_apps/clinic`: config classes, an app factory with
`register_*` helpers, a CRUD mixin, flasky blueprints registered in a loop, bearer tokens
kept in a table, Flask-Login pages) is served as it is by gunicorn as the monolith.
`strangler extract` cuts its `api` blueprint out as `front_desk` (in the style the caller's
options choose); the package is backfilled and run with the `strangler service` commands on
the real broker and the proxy sends every extracted route to it in service mode. The e2e
tests of both styles compare `CLINIC_REQUESTS` through it with the clinic's own answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from generated_stack import backfill, run_service, serve_proxy

from extractor.commands import extract
from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_demo.routes import service_mode_routes
from strangler_demo.stack import START_TIMEOUT

CLINIC = Path(__file__).resolve().parents[1] / "fixtures" / "extract_apps" / "clinic"
SERVICE = "front_desk"
VALID = "tok-alice-frontdesk"  # clinic/seed.py: Alice's token; Carol's is revoked
REVOKED = "tok-carol-old"
UNKNOWN = 10**6


@dataclass
class ClinicStack:
    monolith_url: str
    proxy_url: str
    admin_url: str
    package: Path  # the generated service package


def clinic_env(database_url: str) -> dict[str, str]:
    """The clinic run as its own deployment would: its package on the path, its database."""
    return {
        "PYTHONPATH": str(CLINIC),
        "PYTHONDONTWRITEBYTECODE": "1",  # leave the fixture tree as it is
        "DATABASE_URL": database_url,
    }


@contextmanager
def clinic_stack(workdir: Path, amqp_uri: str, *extract_options: str) -> Iterator[ClinicStack]:
    """The clinic, its `api` extracted (`strangler extract ... *extract_options`), backfilled
    and run, and the proxy in front sending the extracted routes to it."""
    services_dir = workdir / "services"
    extracted = CliRunner().invoke(
        extract,
        [str(CLINIC), "--service", SERVICE, "--blueprint", "api", "--into", str(services_dir),
         *extract_options],
    )  # fmt: skip
    assert extracted.exit_code == 0, extracted.output
    monolith_db = f"sqlite:///{workdir / 'clinic.sqlite3'}"
    seeded = subprocess.run(
        [sys.executable, "-P", "-m", "clinic.seed"],  # -P: the clinic from PYTHONPATH only
        env={**os.environ, **clinic_env(monolith_db)},
        cwd=workdir, capture_output=True, text=True, timeout=START_TIMEOUT,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    service_db = f"sqlite:///{workdir / SERVICE}.sqlite3"
    backfill(SERVICE, services_dir, monolith_db, service_db)
    package = services_dir / SERVICE
    routes = workdir / "routes.toml"
    routes.write_text(
        'monolith = "http://127.0.0.1:1"\n'  # the command line names the real one
        + service_mode_routes(package / "routes.toml")
    )
    with ProcessGroup(workdir / "logs") as group:
        run_service(group, SERVICE, services_dir, amqp_uri, service_db)
        monolith_port = free_port()
        monolith_url = f"http://127.0.0.1:{monolith_port}"
        monolith = group.start(
            "clinic",
            [sys.executable, "-P", "-m", "gunicorn", "--bind", f"127.0.0.1:{monolith_port}",
             "--chdir", str(workdir), "--workers", "1", "wsgi:app"],
            env=clinic_env(monolith_db),
        )  # fmt: skip
        monolith.wait_ready(http_ok(f"{monolith_url}/auth/login"), START_TIMEOUT)
        proxy_url, admin_url = serve_proxy(group, routes, monolith_url, amqp_uri)
        yield ClinicStack(monolith_url, proxy_url, admin_url, package)


def request(
    method: str, path: str, token: str | None = VALID, body: object = None, scheme: str = "Bearer"
) -> str:
    """A requests-file line, sent with `scheme token` as its Authorization (None: none)."""
    line: dict[str, object] = {"method": method, "path": path}
    if token is not None:
        line["headers"] = {"Authorization": f"{scheme} {token}"}
    if body is not None:
        line["body"] = body
    return json.dumps(line)


BOOKING = {"doctor_id": 2, "patient_id": 5, "starts_at": "2026-03-09T10:30", "reason": "ecg"}
CLINIC_REQUESTS = [
    # no token, an unknown scheme's, a revoked one: 401 from the token check
    request("GET", "/api/v1/doctors", token=None),
    request("GET", "/api/v1/patients/3", token=None),
    request("GET", "/api/v1/patients", token=None),
    request("POST", "/api/v1/appointments", token=None, body=BOOKING),
    request("POST", "/api/v1/appointments/2/cancel", token=None),
    request("GET", "/api/v1/doctors", token=REVOKED),
    request("GET", "/api/v1/doctors/2", token=REVOKED),
    request("GET", "/api/v1/doctors", scheme="Token"),
    request("GET", "/api/v1/patients/3", scheme="Token"),
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
    request("GET", "/api/v1/patients/4/appointments?page=0"),
    request("POST", "/api/v1/appointments", body=[BOOKING]),
    request("POST", "/api/v1/appointments", body={"doctor_id": 2}),
    request("POST", "/api/v1/appointments", body={**BOOKING, "starts_at": "2026-03-09T10:31"}),
    request("POST", "/api/v1/appointments", body={**BOOKING, "doctor_id": UNKNOWN}),
    # writes, applied on each side's own database: 201, then 409 for the same slot
    request("POST", "/api/v1/appointments", body=BOOKING),
    request("POST", "/api/v1/appointments", body=BOOKING),
    request("POST", "/api/v1/appointments/1/cancel"),
    request("POST", "/api/v1/appointments/1/cancel"),
    request("GET", "/api/v1/appointments/1"),
    # the booking made above, read back
    request("GET", "/api/v1/patients/5/appointments"),
]
