"""The clinic's token-guarded API extracted in the RPC-methods style, end to end (issue 11).

`strangler extract --style rpc` writes the clinic's JSON views as `@rpc` methods behind the
same flask-httpauth token check (it reads only the Authorization header, which the proxy
passes as Nameko context data); the package is backfilled and run on the real broker
(`tests/support/clinic_stack.py`), the proxy sends the converted routes by plain RPC and the
others as HTTP envelopes, and the requests of the transplant e2e are compared with the
clinic's own answers: valid, missing, revoked and unknown-scheme tokens, reads, 404s, 400s.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator

import pytest
import urllib3
from clinic_stack import CLINIC_REQUESTS, REVOKED, SERVICE, ClinicStack, clinic_stack

from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq

# the token-guarded JSON views that become methods (routes.toml's path, method)
CONVERTED = {
    ("/api/v1/appointments/<int:appointment_id>", "GET"): "get_appointment",
    ("/api/v1/appointments/<int:appointment_id>/cancel", "POST"): "cancel_appointment",
    ("/api/v1/doctors/<int:doctor_id>", "GET"): "get_doctor",
    ("/api/v1/patients", "GET"): "list_patients",
    ("/api/v1/patients/<int:patient_id>", "GET"): "get_patient",
    ("/api/v1/patients/<int:patient_id>/appointments", "GET"): "patient_history",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[ClinicStack]:
    with clinic_stack(tmp_path_factory.mktemp("clinic-rpc"), amqp_uri, "--style", "rpc") as up:
        yield up


def test_the_token_guarded_views_are_rpc_methods_in_the_proxy_s_table(stack: ClinicStack) -> None:
    generated = tomllib.loads((stack.package / "routes.toml").read_text())["route"]
    rpc = {(r["path"], r["methods"][0]): r["target"] for r in generated if r["protocol"] == "rpc"}
    assert rpc == {route: f"{SERVICE}.{method}" for route, method in CONVERTED.items()}
    readme = (stack.package / "README.md").read_text()
    assert "names something `query`, which is the RPC method's parameter" in readme  # doctors
    table = json.loads(urllib3.request("GET", f"{stack.admin_url}/_strangler/routes").data)
    live = {
        (r["path"], m): (r["target"], r["protocol"], r["mode"])
        for r in table["routes"]
        for m in r["methods"]
    }
    for route, method in CONVERTED.items():
        assert live[route] == (f"{SERVICE}.{method}", "rpc", "service")


def test_the_rpc_methods_answer_as_the_clinic_does(stack: ClinicStack) -> None:
    report = run_comparison(
        stack.monolith_url, stack.proxy_url, parse_requests("\n".join(CLINIC_REQUESTS))
    )

    assert report.ok, format_report(report)
    totals = report.to_dict()["totals"]
    assert totals["compared"] == totals["equal"] == len(CLINIC_REQUESTS)
    assert totals["not_served_by_service"] == 0


def test_a_revoked_token_gets_the_clinic_s_401_from_the_method(stack: ClinicStack) -> None:
    answer = urllib3.request(
        "GET", f"{stack.proxy_url}/api/v1/doctors/2", headers={"Authorization": f"Bearer {REVOKED}"}
    )

    assert answer.status == 401
    assert answer.headers["X-Strangler-Backend"] == "service"
    assert answer.headers["X-Strangler-Route"] == "/api/v1/doctors/<int:doctor_id>"
    assert json.loads(answer.data) == {
        "error": "unauthorized",
        "message": "a valid bearer token is required",
    }
