"""Running what `strangler extract` generated, as a user would: the CLI's own commands
(`service backfill`, `service run`, `monolith serve`, `proxy`) as real processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from strangler.processes import ProcessGroup, free_port, http_ok, rpc_consumer_ready
from strangler_demo.stack import START_TIMEOUT, strangler_argv


def backfill(name: str, services_dir: Path, monolith_db: str, service_db: str) -> None:
    """`strangler service backfill NAME`: the service's own database filled from the
    monolith's (run from the service database's folder: a relative SQLite path lands there)."""
    done = subprocess.run(
        strangler_argv("service", "backfill", name, "--services-dir", str(services_dir),
                       "--from-url", monolith_db, "--to-url", service_db),
        capture_output=True, text=True, timeout=START_TIMEOUT, cwd=services_dir.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def run_service(
    group: ProcessGroup, name: str, services_dir: Path, amqp_uri: str, service_db: str
) -> None:
    """`strangler service run NAME`, once it consumes its RPC queue."""
    service = group.start(
        name,
        strangler_argv("service", "run", name, "--services-dir", str(services_dir),
                       "--amqp-uri", amqp_uri, "--database-url", service_db),
    )  # fmt: skip
    service.wait_ready(rpc_consumer_ready(amqp_uri, name), START_TIMEOUT)


def serve_monolith(group: ProcessGroup, monolith_db: str) -> str:
    """The sample monolith under gunicorn (one worker); its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monolith = group.start(
        "monolith",
        strangler_argv("monolith", "serve", "--port", str(port), "--database-url", monolith_db,
                       "--workers", "1"),
    )  # fmt: skip
    monolith.wait_ready(http_ok(f"{url}/healthz"), START_TIMEOUT)
    return url


def serve_proxy(
    group: ProcessGroup, routes: Path, monolith_url: str, amqp_uri: str
) -> tuple[str, str]:
    """The proxy (one worker) over `routes`; its public and admin URLs once it is healthy."""
    port, admin_port = free_port(), free_port()
    admin_url = f"http://127.0.0.1:{admin_port}"
    proxy = group.start(
        "proxy",
        strangler_argv("proxy", "--routes", str(routes), "--monolith", monolith_url,
                       "--amqp-uri", amqp_uri, "--port", str(port),
                       "--admin-port", str(admin_port), "--workers", "1"),
    )  # fmt: skip
    proxy.wait_ready(http_ok(f"{admin_url}/_strangler/health"), START_TIMEOUT)
    return f"http://127.0.0.1:{port}", admin_url
