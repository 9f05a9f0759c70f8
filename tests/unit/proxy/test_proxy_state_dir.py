"""`--state-dir`: the last good routes are kept; a worker starting on a bad file serves them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, memory_backends, write_routes

from strangler_proxy.app import create_app
from strangler_proxy.errors import RoutesFileError
from strangler_proxy.last_good import COPY_NAME
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.route_table import RouteTable
from strangler_proxy.routes_file import RoutesFile

FIRST = '[[route]]\npath = "/first"\nmode = "monolith"\n'
LATER = '[[route]]\npath = "/later"\nmode = "monolith"\n'


def paths_served(routes: RoutesFile, fallback_table: RouteTable | None = None) -> list[str]:
    backends = memory_backends(MemoryMonolith())
    app = create_app(routes, fallback_table=fallback_table, backend_factory=backends)
    return [route.path for route in app.routes.current().table.routes]


def test_every_good_load_and_reload_is_kept_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = write_routes(tmp_path, FIRST)
    routes = RoutesFile(path, state_dir=tmp_path)
    live = LiveRoutes(routes, routes.load(), interval=0)
    assert (tmp_path / COPY_NAME).read_text() == path.read_text()
    write_routes(tmp_path, LATER)
    live.request_reload()
    live.current()
    assert (tmp_path / COPY_NAME).read_text() == path.read_text()
    assert (tmp_path / COPY_NAME).stat().st_mode & 0o077 == 0


def test_a_worker_starting_on_a_bad_file_serves_the_kept_table_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_routes(tmp_path, LATER)
    routes = RoutesFile(path, monolith="http://other.invalid", state_dir=tmp_path / "state")
    (tmp_path / "state").mkdir()
    started_with = routes.load()  # kept, over the --monolith of the command line
    path.write_text(path.read_text().replace("mode", "mdoe"))
    caplog.set_level(logging.ERROR)
    assert paths_served(routes, fallback_table=started_with) == ["/later"]
    said = [r.getMessage() for r in caplog.records if "routes file is bad" in r.getMessage()]
    assert len(said) == 1
    assert said[0].startswith(
        "routes file is bad, serving the last good table (--state-dir): line 4: route #1:"
        " unknown key 'mdoe'"
    )
    kept = routes.last_good()
    assert kept is not None and kept.settings.monolith == "http://other.invalid"


def test_without_a_kept_copy_the_table_it_started_with_or_the_error(tmp_path: Path) -> None:
    good = RoutesFile(write_routes(tmp_path, FIRST)).load()
    bad = RoutesFile(write_routes(tmp_path, "oops"), state_dir=tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    assert paths_served(bad, fallback_table=good) == ["/first"]
    with pytest.raises(RoutesFileError):
        paths_served(bad)


def test_a_kept_copy_that_no_longer_loads_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / COPY_NAME).write_text("not = toml = at all")
    routes = RoutesFile(write_routes(tmp_path, "oops"), state_dir=tmp_path)
    assert routes.last_good() is None
