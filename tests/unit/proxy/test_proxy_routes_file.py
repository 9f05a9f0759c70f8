"""The routes file: a good file becomes a table; every bad file names the line and the reason."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from strangler_proxy.errors import RoutesFileError
from strangler_proxy.route_table import StickyKey
from strangler_proxy.routes_file import RoutesFile, load_routes, parse_routes

GOOD = """\
monolith = "http://127.0.0.1:8000/"
rpc_timeout = 2.5

[[route]]
path = "/api/catalog/products/<int:product_id>"
target = "catalog.get_product"
mode = "canary"
percent = 25
sticky = "cookie:session"

[[route]]
path = "/api/catalog/products"
methods = ["get", "POST"]
target = "catalog.list_products"
mode = "service"

[[route]]
path = "/api/orders"
mode = "monolith"
"""


def test_a_good_file_becomes_a_route_table() -> None:
    table = parse_routes(GOOD)
    assert table.settings.monolith == "http://127.0.0.1:8000"
    assert table.settings.amqp_uri == "amqp://guest:guest@127.0.0.1:5672/"
    assert table.settings.rpc_timeout == 2.5
    first, second, third = table.routes
    assert (first.service, first.method, first.mode, first.percent) == (
        "catalog",
        "get_product",
        "canary",
        25,
    )
    assert first.sticky == StickyKey("cookie", "session")
    assert first.methods == ("GET",)
    assert first.line == 4
    assert second.methods == ("GET", "POST")
    assert (third.target, third.mode) == ("", "monolith")


def error_for(text: str) -> RoutesFileError:
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(text, source="routes.toml")
    return caught.value


def route(body: str) -> str:
    return 'monolith = "http://m"\n\n[[route]]\npath = "/a"\ntarget = "s.m"\n' + body


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('monolith = "http://m"\n\n[[route]\npath = "/a"\n', 3, "TOML syntax error"),
        (route('mode = "service"\nmetods = ["GET"]\n'), 7, "did you mean 'methods'?"),
        ('monlith = "http://m"\n', 1, "did you mean 'monolith'?"),
        (route('mode = "fast"\n'), 6, "unknown mode 'fast'"),
        (route('mode = "service"\nmethods = "GET"\n'), 7, "'methods' must be a non-empty list"),
        (route('mode = "service"\nmethods = ["FETCH"]\n'), 7, "unknown HTTP method 'FETCH'"),
        (route('mode = "canary"\npercent = 101\n'), 7, "between 0 and 100"),
        (route('mode = "canary"\npercent = "10"\n'), 7, "'percent' must be an integer"),
        (route('mode = "canary"\n'), 3, "missing key 'percent'"),
        (route('mode = "service"\npercent = 10\n'), 7, "only for canary routes"),
        (route('mode = "canary"\npercent = 5\nsticky = "session"\n'), 8, "bad sticky key"),
        (route('mode = "shadow"\nsticky = "ip"\n'), 7, "only for canary routes"),
        (route('mode = "service"\narea = "shop"\n'), 7, "'area' is only for canary routes"),
        (route('mode = "canary"\npercent = 5\narea = "my shop"\n'), 8, "bad area 'my shop'"),
        (route("mode = 3\n"), 6, "'mode' must be a string, got an integer"),
        (route(""), 3, "missing key 'mode'"),
        (
            'monolith = "http://m"\n[[route]]\npath = "/a"\nmode = "service"\n',
            2,
            "missing key 'target'",
        ),
        (
            'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "catalog"\nmode = "service"\n',
            4,
            "bad target 'catalog'",
        ),
        (
            'monolith = "http://m"\n[[route]]\npath = "/a/<int:x"\n',
            3,
            "bad path rule",
        ),
        (
            'monolith = "http://m"\n[[route]]\npath = "/a/<nope:x>"\n',
            3,
            "converter 'nope' does not exist",
        ),
        ('monolith = "ftp://m"\n', 1, "must be an http:// or https:// URL"),
        ("rpc_timeout = 1.0\n", None, "missing key 'monolith'"),
        ('monolith = "http://m"\nrpc_timeout = -1\n', 2, "positive number of seconds"),
        ('monolith = "http://m"\n[route]\npath = "/a"\n', None, "[[route]] tables"),
        ('monolith = "http://m"\ntrusted_proxies = "10.0.0.0/8"\n', 2, "must be a list of strings"),
        (
            'monolith = "http://m"\ntrusted_proxies = ["10.0.0.1/8"]\n',
            2,
            "'10.0.0.1/8' is not an IP address or network",
        ),
        ('monolith = "http://m"\nbackend_headers = "no"\n', 2, "must be true or false"),
        (route('mode = "service"\nwrite_fallback = "no"\n'), 7, "'write_fallback' must be"),
        (
            'monolith = "http://m"\nbreaker_open_seconds = 5\nbreaker_max_open_seconds = 2\n',
            3,
            "'breaker_max_open_seconds' (2) must be at least 'breaker_open_seconds' (5)",
        ),
    ],
)
def test_each_bad_file_names_the_line_and_the_reason(
    text: str, line: int | None, reason: str
) -> None:
    error = error_for(text)
    assert error.line == line
    assert reason in error.reason
    where = "routes.toml" if line is None else f"routes.toml:{line}"
    assert str(error).startswith(f"{where}: ")
    assert error.exit_code == 2


def test_a_duplicate_route_points_at_the_second_entry_and_names_the_first() -> None:
    text = (
        'monolith = "http://m"\n'
        '[[route]]\npath = "/p/<int:id>"\nmethods = ["GET", "POST"]\n'
        'target = "s.a"\nmode = "service"\n'
        '[[route]]\npath = "/p/<int:pk>"\nmethods = ["POST"]\ntarget = "s.b"\nmode = "shadow"\n'
    )
    error = error_for(text)
    assert error.line == 8
    assert "duplicate route: POST /p/<int:pk>" in error.reason
    assert "line 2" in error.reason
    assert "route #2" in error.reason


def test_the_same_rule_with_other_methods_is_not_a_duplicate() -> None:
    text = (
        'monolith = "http://m"\n'
        '[[route]]\npath = "/p"\ntarget = "s.a"\nmode = "service"\n'
        '[[route]]\npath = "/p"\nmethods = ["POST"]\nmode = "monolith"\n'
    )
    assert len(parse_routes(text).routes) == 2


def test_a_path_parameter_named_like_an_rpc_kwarg_is_refused() -> None:
    error = error_for(route('mode = "service"\n').replace('"/a"', '"/a/<query>"'))
    assert "clashes" in error.reason


def test_load_routes_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RoutesFileError, match="cannot read the routes file"):
        load_routes(tmp_path / "absent.toml")


def test_load_routes_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "routes.toml"
    path.write_text(GOOD)
    assert len(load_routes(path).routes) == 3


def test_trusted_proxies_and_backend_headers_have_their_defaults_and_can_be_set() -> None:
    defaults = parse_routes('monolith = "http://m"\n').settings
    assert (defaults.trusted_proxies, defaults.backend_headers) == ((), True)
    text = 'monolith = "http://m"\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/8", "::1"]\n'
    settings = parse_routes(text + "backend_headers = false\n").settings
    assert settings.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert settings.backend_headers is False


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('monolith = "http://m"\namqp_uri = "amqq://guest:s3cret@h/"\n', "'amqq://guest:***@h/'"),
        ('monolith = "htp://user:s3cret@m"\n', "'htp://user:***@m'"),
        ('monolith = "http://m"\namqp_uri = "amqp//guest:s3cret@h/"\n', "'amqp//guest:***@h/'"),
    ],
)
def test_a_mistyped_url_is_quoted_without_its_password(text: str, shown: str) -> None:
    error = error_for(text)
    assert shown in str(error)
    assert "s3cret" not in str(error)


def test_without_amqp_uri_the_broker_is_the_default_given_and_checked() -> None:
    text = 'monolith = "http://m"\n'
    assert parse_routes(text, default_amqp_uri="amqp://h:5673/v").settings.amqp_uri == (
        "amqp://h:5673/v"
    )
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(text, default_amqp_uri="rabbit://u:s3cret@h/")
    assert caught.value.reason == (
        "no 'amqp_uri' here, and AMQP_URI must be an amqp:// or amqps:// URI,"
        " got 'rabbit://u:***@h/'"
    )


def test_the_command_line_wins_over_the_file_which_wins_over_the_environment(
    tmp_path: Path,
) -> None:
    path = tmp_path / "routes.toml"
    path.write_text('monolith = "http://file:8000"\namqp_uri = "amqp://file/"\n')
    env = "amqp://env/"
    assert RoutesFile(path, default_amqp_uri=env).load().settings.amqp_uri == "amqp://file/"
    overridden = RoutesFile(path, "http://cli:9000/", "amqp://cli/", env).load().settings
    assert (overridden.monolith, overridden.amqp_uri) == ("http://cli:9000", "amqp://cli/")
    path.write_text('monolith = "http://file:8000"\n')
    assert RoutesFile(path, default_amqp_uri=env).load().settings.amqp_uri == env


def test_a_canary_route_keeps_clients_per_area_its_service_unless_it_names_one() -> None:
    table = parse_routes(
        route('mode = "canary"\npercent = 5\n')
        + '\n[[route]]\npath = "/b"\ntarget = "s.n"\nmode = "canary"\npercent = 5\narea = "shop"\n'
    )
    assert [r.area for r in table.routes] == [None, "shop"]
    assert [r.describe()["area"] for r in table.routes] == ["s", "shop"]


def test_writes_fall_back_unless_the_route_says_they_may_not() -> None:
    text = route('mode = "service"\n') + (
        '\n[[route]]\npath = "/b"\ntarget = "s.m"\nmode = "service"\nwrite_fallback = false\n'
    )
    table = parse_routes(text)
    assert [r.write_fallback for r in table.routes] == [True, False]
    assert table.routes[1].describe()["write_fallback"] is False
