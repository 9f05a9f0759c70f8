"""Every backend, the monolith included, holds at most its share of a worker's threads, and
the monolith has a circuit breaker of its own (on a clock the test moves)."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from proxy_fakes import MemoryMonolith, MemoryRpc, write_routes
from werkzeug.test import Client

from strangler_cli import cli
from strangler_proxy.app import ProxyApp, real_backends
from strangler_proxy.backends import Backends
from strangler_proxy.backends.monolith_auth import AuthGate
from strangler_proxy.backends.nameko_rpc import NamekoBackend
from strangler_proxy.errors import (
    MonolithBadResponse,
    MonolithTimeout,
    MonolithTurnedAway,
    MonolithUnavailable,
    ProxyError,
    RoutesFileError,
    ServiceTimeout,
    ServiceTurnedAway,
    http_error_for,
)
from strangler_proxy.http_types import Request, Response, Switched
from strangler_proxy.isolation import MONOLITH, Admission, IsolatedMonolith, Isolation
from strangler_proxy.isolation_settings import IsolationSettings
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.request_body import IncomingBody
from strangler_proxy.routes_file import RoutesFile, parse_routes


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def guard(clock: Clock, kind: Any = "service", **settings: Any) -> Isolation:
    return Isolation(IsolationSettings(**settings), clock, kind)


@pytest.mark.parametrize(
    ("threads", "share", "ceiling"),
    [(8, 0.75, 6), (8, 1.0, 7), (8, 0.1, 1), (4, 0.75, 3), (2, 0.75, 1), (1, 1.0, 1)],
)
def test_a_backends_ceiling_is_its_share_of_the_threads_leaving_one_to_the_others(
    threads: int, share: float, ceiling: int
) -> None:
    assert IsolationSettings(threads=threads, max_share=share).ceiling == ceiling


class Waiter:
    """`admit` on a thread of its own: it may wait for a place."""

    def __init__(self, isolation: Isolation, backend: str) -> None:
        self.result: Admission | ProxyError | None = None
        self._thread = threading.Thread(target=self._run, args=(isolation, backend))
        self._thread.start()

    def _run(self, isolation: Isolation, backend: str) -> None:
        try:
            self.result = isolation.admit(backend)
        except ProxyError as exc:
            self.result = exc

    def waiting(self) -> bool:
        self._thread.join(0.2)
        return self._thread.is_alive()

    def outcome(self) -> Admission | ProxyError | None:
        self._thread.join(5)
        assert not self._thread.is_alive()
        return self.result


def test_a_stalled_backend_at_its_ceiling_turns_the_next_call_away_below_its_cap() -> None:
    clock = Clock()
    isolation = guard(clock, max_in_flight=10, threads=4)  # ceiling 3, the cap out of reach
    calls = [isolation.admit("orders") for _ in range(3)]
    assert isolation.in_flight("orders") == 3
    clock.now += 0.5  # no answer for 0.5 s: stalled, so no waiting for a place
    with pytest.raises(ServiceTurnedAway, match="busy") as refused:
        isolation.admit("orders")
    assert refused.value.retry_after == 1
    assert isolation.admit("catalog").probe is False  # another backend has its own share
    isolation.done("orders", calls[0], "answered")
    isolation.admit("orders")  # a place is free again


def test_a_call_at_the_ceiling_waits_for_a_place_a_busy_backend_gives_back() -> None:
    clock = Clock()
    isolation = guard(clock, max_in_flight=10, threads=4)
    calls = [isolation.admit("orders") for _ in range(3)]
    waiter = Waiter(isolation, "orders")
    assert waiter.waiting()  # at the ceiling, its calls fresh: a busy moment
    isolation.done("orders", calls[0], "answered")
    assert isinstance(waiter.outcome(), Admission)
    assert isolation.in_flight("orders") == 3


def test_a_call_at_the_ceiling_waits_half_a_second_at_most() -> None:
    clock = Clock()
    isolation = guard(clock, max_in_flight=10, threads=4)
    for _ in range(3):  # answered, but still holding their threads (streams, tunnels)
        isolation.done(MONOLITH, isolation.admit(MONOLITH), "answered", holding=True)
    assert isolation.in_flight(MONOLITH) == 3
    waiter = Waiter(isolation, MONOLITH)
    assert waiter.waiting()
    clock.now += 0.5
    refused = waiter.outcome()
    assert isinstance(refused, ServiceTurnedAway) and refused.reason == "busy"
    isolation.release(MONOLITH)
    isolation.admit(MONOLITH)  # a tunnel closed: its place is free


def test_the_monolith_is_not_held_to_the_services_cap_only_to_its_ceiling() -> None:
    clock = Clock()
    services = guard(clock, max_in_flight=2)
    monolith = guard(clock, "monolith", max_in_flight=2)
    for isolation, name in ((services, "orders"), (monolith, MONOLITH)):
        isolation.admit(name)
        isolation.admit(name)
    clock.now += 1  # two slow calls: a service is stalled at its cap
    with pytest.raises(ServiceTurnedAway, match="busy"):
        services.admit("orders")
    for _ in range(4):  # the monolith, slow by nature, up to its ceiling (6 of 8 threads)
        monolith.admit(MONOLITH)
    with pytest.raises(MonolithTurnedAway, match="busy") as refused:
        monolith.admit(MONOLITH)
    answer = http_error_for(refused.value)
    assert (answer.status, answer.code, answer.retry_after) == (503, "service_unavailable", 1)


class ScriptedMonolith:
    """A monolith backend that raises or answers as told."""

    def __init__(self, outcome: Exception | Response) -> None:
        self.outcome = outcome
        self.calls = 0
        self.closed = 0

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        self.calls += 1
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def switch(self, request: Request) -> Response:
        return self.handle(request)

    def close(self) -> None:
        self.closed += 1


def send(monolith: IsolatedMonolith, times: int, call: str = "handle") -> None:
    for _ in range(times):
        with contextlib.suppress(ProxyError):
            getattr(monolith, call)(Request("GET", "/"))


@pytest.mark.parametrize(
    ("outcome", "opens"),
    [
        (MonolithTimeout("no answer within 5s"), True),  # held a thread: a failure
        (MonolithTimeout("no connection within 5s"), True),
        (MonolithUnavailable("Connection refused"), False),  # nobody listening: fails fast
        (MonolithBadResponse("the answer broke off"), False),  # fast, maybe one endpoint's
        (Response(500, (), b"oops"), False),  # any HTTP answer is an answer
        (Response(200, (), b"{}"), False),
    ],
)
def test_only_requests_left_unanswered_count_against_the_monolith(
    outcome: Exception | Response, opens: bool
) -> None:
    clock = Clock()
    inner = ScriptedMonolith(outcome)
    monolith = IsolatedMonolith(
        inner, guard(clock, "monolith", breaker_failures=3, breaker_open_seconds=2.5)
    )
    send(monolith, 3)
    assert (monolith.isolation.state(MONOLITH) == "open") is opens
    if opens:
        with pytest.raises(MonolithTurnedAway, match="circuit open") as refused:
            monolith.handle(Request("POST", "/orders"))
        assert inner.calls == 3  # the write never reached the monolith
        assert http_error_for(refused.value).retry_after == 3  # when the probe goes
    assert monolith.isolation.in_flight(MONOLITH) == 0


def test_the_monolith_breaker_probes_once_then_closes_on_an_answer() -> None:
    clock = Clock()
    inner = ScriptedMonolith(MonolithTimeout("no answer within 5s"))
    monolith = IsolatedMonolith(
        inner, guard(clock, "monolith", breaker_failures=2, breaker_open_seconds=1)
    )
    send(monolith, 2)
    assert monolith.isolation.state(MONOLITH) == "open"
    clock.now += 1
    assert monolith.isolation.state(MONOLITH) == "half-open"
    send(monolith, 1)  # the probe is unanswered too: open again, twice as long
    send(monolith, 5)
    assert inner.calls == 3
    clock.now += 2
    inner.outcome = Response(503, (), b"down for maintenance")  # an answer, whatever it says
    send(monolith, 1)
    assert monolith.isolation.state(MONOLITH) == "closed"
    send(monolith, 2)
    assert inner.calls == 6


class Body:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Any:
        return iter([b"a", b"b"])

    def close(self) -> None:
        self.closed = True


def test_a_streamed_answer_holds_its_place_until_it_is_closed() -> None:
    body = Body()
    inner = ScriptedMonolith(Response(200, (), stream=body))
    monolith = IsolatedMonolith(inner, guard(Clock(), "monolith"))
    response = monolith.handle(Request("GET", "/export"), stream=True)
    assert monolith.isolation.in_flight(MONOLITH) == 1
    assert response.stream is not None
    assert b"".join(response.stream) == b"ab"
    response.stream.close()
    response.stream.close()  # closed twice, given back once
    assert body.closed
    assert monolith.isolation.in_flight(MONOLITH) == 0


def test_a_websocket_tunnel_holds_its_place_until_it_is_closed() -> None:
    clock = Clock()
    ours, theirs = socket.socketpair()
    inner = ScriptedMonolith(Response(101, (), switched=Switched(ours, 30.0)))
    monolith = IsolatedMonolith(inner, guard(clock, "monolith", threads=2))  # ceiling 1
    response = monolith.switch(Request("GET", "/ws"))
    assert response.switched is not None
    waiter = Waiter(monolith.isolation, MONOLITH)
    assert waiter.waiting()
    clock.now += 0.5
    assert isinstance(waiter.outcome(), MonolithTurnedAway)  # the tunnel holds the place
    response.switched.close()
    theirs.close()
    assert ours.fileno() == -1
    assert monolith.isolation.in_flight(MONOLITH) == 0
    assert monolith.handle(Request("GET", "/")).status == 101


def test_the_routes_file_sets_the_share_and_the_cli_the_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_routes('monolith = "http://m"\n').settings.isolation.max_share == 0.75
    for bad in ("0", "1.5", "true", '"half"'):
        with pytest.raises(RoutesFileError, match="backend_max_share"):
            parse_routes(f'monolith = "http://m"\nbackend_max_share = {bad}\n')
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\nbackend_max_share = 0.5\n')
    made: list[Any] = []
    monkeypatch.setattr("strangler_proxy.app.create_app", lambda source, **_: made.append(source))
    monkeypatch.setattr("strangler.wsgi_server.check_address", lambda host, port: None)
    monkeypatch.setattr("strangler.wsgi_server.serve", lambda factory, **_: factory())
    result = CliRunner().invoke(cli, ["proxy", "--routes", str(routes), "--threads", "6"])
    assert result.exit_code == 0, result.output
    (source,) = made
    assert isinstance(source, RoutesFile)
    assert source.load().settings.isolation.ceiling == 3  # half of the worker's 6 threads


SERVICE_ROUTE = """
[[route]]
path = "/items/<int:item_id>"
methods = ["GET", "POST"]
target = "shop.item"
mode = "service"
"""


def test_a_monolith_turned_away_is_a_503_never_sent_for_forwarded_and_fallen_back_requests(
    tmp_path: Path,
) -> None:
    memory = MemoryMonolith()
    isolation = guard(Clock(), "monolith", breaker_failures=1, breaker_open_seconds=30)
    isolation.done(MONOLITH, isolation.admit(MONOLITH), "unanswered")  # its breaker opens
    guarded = IsolatedMonolith(memory, isolation)
    rpc = MemoryRpc(ServiceTimeout("shop", "5s"))  # a read falls back to the monolith
    service = AuthGate(NamekoBackend(rpc), guarded)
    source = RoutesFile(write_routes(tmp_path, SERVICE_ROUTE))
    app = ProxyApp(
        LiveRoutes(source, source.load()),
        lambda settings: Backends(guarded, service, lambda: True, lambda: True, lambda: None),
    )
    for method, path in (("POST", "/forwarded"), ("GET", "/forwarded"), ("GET", "/items/1")):
        response = Client(app).open(path, method=method)
        assert response.status_code == 503, (method, path)
        assert response.get_json() == {
            "error": {"code": "service_unavailable", "message": "the monolith is unavailable"}
        }
        assert response.headers["Retry-After"] == "30"
    assert memory.requests == []  # none was sent, so none applied
    assert len(rpc.calls) == 1  # the service read was called, then its fallback turned away


class Trickle:
    """A client's body that the test hands over piece by piece."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def read(self, size: int = -1, /) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""


class Uploading:
    """A monolith that reads a request's body: the test looks at the share meanwhile."""

    def __init__(self, isolation: Isolation) -> None:
        self.isolation = isolation
        self.seen: list[int] = []

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        assert request.incoming is not None
        for _ in request.incoming.chunks():
            self.seen.append(self.isolation.in_flight(MONOLITH))
        self.seen.append(self.isolation.in_flight(MONOLITH))
        return Response(201)

    def switch(self, request: Request) -> Response:
        return self.handle(request)


def test_an_upload_takes_a_place_once_its_body_is_all_read() -> None:
    isolation = guard(Clock(), "monolith", threads=2)  # ceiling 1
    inner = Uploading(isolation)
    monolith = IsolatedMonolith(inner, isolation)
    body = IncomingBody(Trickle([b"ab", b"cd", b"ef"]), 6)
    assert monolith.handle(Request("POST", "/upload", incoming=body)).status == 201
    # a slow client's body holds no place: the monolith is not turned away for it
    assert inner.seen == [0, 0, 1, 1]
    assert isolation.in_flight(MONOLITH) == 0
    chunked = IncomingBody(Trickle([b"ab"]), None)
    monolith.handle(Request("POST", "/upload", incoming=chunked))
    assert inner.seen[4:] == [0, 1]  # a chunked body ends when its source has no more


class PlaceTakenMeanwhile:
    """A client's body: while it comes, another call takes the monolith's one place and
    stays unanswered 0.5 s (the backend looks stalled)."""

    def __init__(self, isolation: Isolation, clock: Clock, body: bytes) -> None:
        self.isolation, self.clock, self.body = isolation, clock, body

    def read(self, size: int = -1, /) -> bytes:
        if not self.body:
            return b""
        self.isolation.admit(MONOLITH)
        self.clock.now += 0.5
        body, self.body = self.body, b""
        return body


def test_an_upload_finding_no_place_once_read_is_turned_away_before_its_last_bytes() -> None:
    clock = Clock()
    isolation = guard(clock, "monolith", threads=2)  # ceiling 1
    inner = Uploading(isolation)
    monolith = IsolatedMonolith(inner, isolation)
    body = IncomingBody(PlaceTakenMeanwhile(isolation, clock, b"ab"), 2)
    with pytest.raises(MonolithTurnedAway, match="busy") as refused:
        monolith.handle(Request("POST", "/upload", incoming=body))
    assert inner.seen == []  # the monolith never got the body's bytes
    assert http_error_for(refused.value).status == 503
    assert isolation.state(MONOLITH) == "closed"  # turned away says nothing of the monolith


def test_the_real_backends_guard_the_monolith_and_show_every_breaker() -> None:
    routes = 'monolith = "http://127.0.0.1:1"\namqp_uri = "amqp://guest:guest@127.0.0.1:1/"\n'
    backends = real_backends(parse_routes(routes + "breaker_failures = 1\n").settings)
    try:
        assert isinstance(backends.monolith, IsolatedMonolith)
        assert backends.breakers() == {"monolith": "closed", "services": {}}
        isolation = backends.monolith.isolation
        isolation.done(MONOLITH, isolation.admit(MONOLITH), "unanswered")
        assert backends.breakers() == {"monolith": "open", "services": {}}
        with pytest.raises(MonolithTurnedAway):
            backends.monolith.handle(Request("GET", "/"))  # never sent: nothing listens there
    finally:
        backends.close()
