"""The routes file's keys are written once: docs/contracts.md and `--help` show the schema's."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from click.testing import CliRunner

from strangler_cli import cli
from strangler_proxy.routes_file import parse_routes
from strangler_proxy.routes_schema import ROUTE, TOP_LEVEL, schema_markdown, schema_text

CONTRACTS = Path(__file__).resolve().parents[3] / "docs" / "contracts.md"
GENERATED = re.compile(r"<!-- routes-schema: start -->\n(.*?)<!-- routes-schema: end -->", re.S)


def test_the_contract_shows_the_schema_table_as_generated() -> None:
    found = GENERATED.search(CONTRACTS.read_text(encoding="utf-8"))
    assert found is not None, "docs/contracts.md lost its routes-schema markers"
    assert found.group(1) == schema_markdown(), (
        "docs/contracts.md's routes table differs from strangler_proxy/routes_schema.py;"
        " put this between its markers:\n" + schema_markdown()
    )


def test_proxy_help_shows_every_key_of_the_schema() -> None:
    result = CliRunner().invoke(cli, ["proxy", "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert textwrap.indent(schema_text(), "  ") in result.output  # click indents help by two


def test_a_file_using_every_key_the_schema_lists_is_accepted() -> None:
    text = (
        'monolith = "http://m"\namqp_uri = "amqp://b/"\nrpc_timeout = 1\nmonolith_timeout = 2\n'
        'trusted_proxies = ["10.0.0.0/8"]\nbackend_headers = false\n'
        'error_body = { message = "{message}" }\n'
        "service_max_in_flight = 2\nbreaker_failures = 3\nbreaker_open_seconds = 1.5\n"
        "breaker_max_open_seconds = 6\nbackend_max_share = 0.5\n"
        '[[route]]\npath = "/a"\nmethods = ["GET"]\ntarget = "s.m"\nmode = "canary"\n'
        'percent = 5\nsticky = "ip"\narea = "shop"\nprotocol = "http"\n'
        'context = ["header:X-Tenant"]\n'
        'auth = "monolith:/auth"\nauth_user = "header:X-User-Id"\ntimeout = 0.5\n'
        'max_body = "2KiB"\nwrite_fallback = false\n'
    )
    used = set(re.findall(r"^(\w+) =", text, re.M)) | {"route"}
    assert used == {key.name for key in TOP_LEVEL} | {key.name for key in ROUTE}
    table = parse_routes(text)
    assert len(table.routes) == 1
    isolation = table.settings.isolation
    assert (isolation.max_in_flight, isolation.breaker_failures) == (2, 3)
    assert (isolation.breaker_open_seconds, isolation.breaker_max_open_seconds) == (1.5, 6)
    assert isolation.max_share == 0.5
    assert table.routes[0].timeout == 0.5
    assert table.routes[0].max_body == 2048
    assert table.routes[0].write_fallback is False
