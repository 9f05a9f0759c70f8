"""The CLI commands refuse bad input with a clear message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler.errors import UsageError
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


def proxy_refusal(tmp_path: Path, *args: str) -> BaseException:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\n')
    result = CliRunner().invoke(cli, ["proxy", "--routes", str(routes), *args])
    assert result.exception is not None, result.output
    return result.exception


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--monolith", "htp://op:s3cret@m"],
            "--monolith must be an http:// or https:// URL, got 'htp://op:***@m'",
        ),
        (
            ["--amqp-uri", "amqq://guest:s3cret@b/"],
            "--amqp-uri must be an amqp:// or amqps:// URI, got 'amqq://guest:***@b/'",
        ),
        (["--port", "9000", "--admin-port", "9000"], "--admin-port 9000 is the public --port"),
        (["--admin-token", "short"], "--admin-token must be at least 16 printable characters"),
        (["--admin-token", "has spaces in the token"], "--admin-token must be at least 16"),
    ],
)
def test_proxy_refuses_bad_options_before_serving(
    tmp_path: Path, args: list[str], message: str
) -> None:
    refusal = proxy_refusal(tmp_path, *args)
    assert isinstance(refusal, UsageError)
    assert str(refusal).startswith(message)
    assert "s3cret" not in str(refusal)


def test_proxy_refuses_a_mistyped_amqp_uri_without_echoing_its_password(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://m"\namqp_uri = "amqp:/guest:s3cret@b/"\n')
    result = CliRunner().invoke(cli, ["proxy", "--routes", str(routes)])
    assert isinstance(result.exception, RoutesFileError)
    assert "got 'amqp:***@b/'" in str(result.exception)  # no :// to tell the user from the scheme
    assert "s3cret" not in str(result.exception)


def test_proxy_refuses_a_state_dir_it_cannot_make(tmp_path: Path) -> None:
    inside_a_file = tmp_path / "routes.toml" / "state"
    refusal = proxy_refusal(tmp_path, "--state-dir", str(inside_a_file))
    assert isinstance(refusal, UsageError)
    assert str(refusal).startswith(f"--state-dir {inside_a_file}: cannot make it: Not a directory")


def test_proxy_takes_a_minimum_body_rate_of_zero_or_more(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\n')
    negative = CliRunner().invoke(cli, ["proxy", "--routes", str(routes), "--min-body-rate", "-1"])
    assert negative.exit_code == 2
    assert "--min-body-rate" in negative.output
    shown = CliRunner().invoke(cli, ["proxy", "--help"])
    assert "--min-body-rate" in shown.output and "[default: 240.0; x>=0]" in shown.output
