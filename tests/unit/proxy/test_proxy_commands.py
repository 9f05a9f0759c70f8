"""The CLI commands refuse bad input with a clear message and exit code 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from strangler_cli import cli
from strangler_proxy.errors import RoutesFileError
from strangler_proxy.requests_file import RequestsFileError


def test_proxy_refuses_a_bad_routes_file_before_serving(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://m"\n[[route]]\npath = "/a"\nmode = "servce"\n')
    result = CliRunner().invoke(cli, ["proxy", "--routes", str(routes)])
    assert isinstance(result.exception, RoutesFileError)
    assert result.exception.exit_code == 2
    assert str(result.exception).startswith(f"{routes}:4: route #1: unknown mode 'servce'")


def test_compare_refuses_a_bad_requests_file(tmp_path: Path) -> None:
    requests = tmp_path / "requests.txt"
    requests.write_text("GET /a\nGIT /b\n")
    args = ["compare", "--monolith", "http://m", "--proxy", "http://p", "--requests", str(requests)]
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, RequestsFileError)
    assert "requests.txt:2: unknown HTTP method 'GIT'" in str(result.exception)


def test_compare_refuses_a_url_that_is_not_http(tmp_path: Path) -> None:
    requests = tmp_path / "requests.txt"
    requests.write_text("GET /a\n")
    args = ["compare", "--monolith", "m:8000", "--proxy", "http://p", "--requests", str(requests)]
    result = CliRunner().invoke(cli, args)
    assert result.exception is not None
    assert "--monolith must be an http:// or https:// URL" in str(result.exception)
