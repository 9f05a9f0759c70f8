"""The top-level CLI: user mistakes give a message and an exit code, not a traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from strangler_cli import SUBCOMMANDS, cli


def test_every_registered_subcommand_imports_and_has_help() -> None:
    runner = CliRunner()
    for name in SUBCOMMANDS:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_unknown_subcommand_is_a_usage_error_without_traceback() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "strangler_cli", "analyse"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "No such command 'analyse'" in completed.stderr
    assert "Traceback" not in completed.stderr


class _NotAProxy(BaseHTTPRequestHandler):
    """Answers every GET with the same JSON and no X-Strangler-Backend header."""

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_command_exit_code_reaches_the_shell(tmp_path: Path) -> None:
    """`strangler compare` ends with ctx.exit(1) when the proxy did not serve a request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotAProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    requests = tmp_path / "requests.txt"
    requests.write_text("GET /api/catalog/products/1\n")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "strangler_cli",
                "compare",
                "--monolith",
                url,
                "--proxy",
                url,
                "--requests",
                str(requests),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert "PARITY FAILED" in completed.stdout
    assert completed.returncode == 1
