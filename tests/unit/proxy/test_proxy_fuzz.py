"""Property-based fuzzing of the proxy's pure request handling: the request target, the
router, when a request is ready for a thread, and how much of a body is read.

The router's oracle is the monolith itself (`route_oracle.py`): a Flask app with the same
rules, fed the forwarded target as gunicorn decodes a request line. Whatever the path,
the proxy must pick the route the monolith's own routing picks for the exact target it
forwards, or none when the monolith's picks none: a moved route can never reach the
monolith's old handler, nor another one.
"""

from __future__ import annotations

import io

import pytest
from fuzzing import fuzz_settings, origin_paths, origin_targets, targets_under
from hypothesis import assume, given
from hypothesis import strategies as st
from route_oracle import MonolithRouter

from strangler_proxy.errors import BodyIncomplete, MalformedRequest, PayloadTooLarge
from strangler_proxy.http_types import Request
from strangler_proxy.request_body import CHUNK_BYTES, IncomingBody
from strangler_proxy.request_target import parse_request_target
from strangler_proxy.routes_file import parse_routes
from strangler_proxy.routing import decide
from strangler_proxy.rules import RouteMatcher
from strangler_proxy.slow_clients import HEAD_END, HEAD_LIMIT, request_ready

ROUTES = """
monolith = "http://monolith.internal:8000"

[[route]]
path = "/admin/<name>"
methods = ["GET", "POST"]
target = "admin.show"
mode = "service"

[[route]]
path = "/api/items/<int:item_id>"
methods = ["GET", "DELETE"]
target = "items.get"
mode = "service"

[[route]]
path = "/files/<path:rest>"
target = "files.read"
mode = "service"

[[route]]
path = "/api/items/<int:item_id>/notes/"
methods = ["GET", "PUT"]
target = "items.notes"
mode = "service"

[[route]]
path = "/api/caf\u00e9/<name>"
target = "cafe.show"
mode = "service"

[[route]]
path = "/kept/<name>"
mode = "monolith"
"""
TABLE = parse_routes(ROUTES)
MATCHER = RouteMatcher(TABLE.routes)
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])


MONOLITH = MonolithRouter(TABLE)


absolute_targets = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["elsewhere.example", "127.0.0.1:9", "[::1]:80", "monolith.internal:8000"]),
    st.one_of(st.just(""), origin_targets()),
)
ROUTE_PREFIXES = ("/admin/", "/api/items/", "/files/", "/api/caf%C3%A9/", "/kept/", "//admin/")


@fuzz_settings(400)
@given(
    method=METHODS,
    raw=st.one_of(targets_under(ROUTE_PREFIXES), absolute_targets),
    draw=st.floats(0, 0.99),
)
def test_the_route_chosen_is_the_one_the_monolith_picks_for_the_forwarded_target(
    method: str, raw: str, draw: float
) -> None:
    target = parse_request_target(raw)
    assert target.target.startswith("/")
    decision = decide(MATCHER, Request(method, target.target), draw)
    picked = MONOLITH.picks(method, target.target)
    if picked is None:
        assert decision.route is None, (raw, decision)
        assert decision.backend == "monolith"
        return
    route, params = picked
    assert decision.route == route, (raw, decision.route)
    assert decision.match is not None and decision.match.params == params
    assert decision.backend == ("service" if route.mode == "service" else "monolith")


@fuzz_settings(300)
@given(raw=st.one_of(st.text(max_size=60), origin_targets(), absolute_targets))
def test_a_target_is_a_path_forwarded_as_sent_or_refused(raw: str) -> None:
    try:
        parsed = parse_request_target(raw)
    except MalformedRequest:
        assert not raw.split("#", 1)[0].startswith("/")
        return
    sent = raw.split("#", 1)[0]
    assert parsed.target.startswith("/") and "#" not in parsed.target
    if sent.startswith("/"):
        assert (parsed.target, parsed.authority) == (sent, None)
        return
    # absolute-form: its host only becomes the Host header; the path goes as sent
    assert parsed.authority and not set("/?#@") & set(parsed.authority)
    rest = sent.split("://", 1)[1][len(parsed.authority) :]
    assert parsed.target == (rest if rest.startswith("/") else "/" + rest)


@pytest.mark.parametrize("raw", ["*", "elsewhere.example:443", "http://u:p@elsewhere/x"])
def test_connect_and_asterisk_forms_and_user_info_are_refused(raw: str) -> None:
    with pytest.raises(MalformedRequest):
        parse_request_target(raw)


header_names = st.sampled_from(
    ["Host", "Content-Length", "content-length", "Transfer-Encoding", "Expect", "X-A", " Bad"]
)
header_values = st.one_of(
    st.sampled_from(["0", "5", "+5", "-1", "1_0", "\u0665", "0x10", " 7 ", "chunked", ""]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40),
)


@st.composite
def request_heads(draw: st.DrawFn) -> tuple[bytes, str | None, bool]:
    """A request head (with obs-fold lines, repeats, odd lengths), its first Content-Length
    value (None without one) and whether it names a Transfer-Encoding."""
    method = draw(st.sampled_from(["GET", "POST", "CONNECT", "G\x00T", ""]))
    fields = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    lines = [f"{method} {draw(origin_paths())} HTTP/1.1"]
    for name, value in fields:
        folded = draw(st.booleans())
        lines.append(f"{name}:{value}" + ("\r\n  folded" if folded else ""))
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    named = [(name.strip().lower(), value.strip()) for name, value in fields]
    lengths = [value for name, value in named if name == "content-length"]
    chunked = any(name == "transfer-encoding" for name, _ in named)
    return head, lengths[0] if lengths else None, chunked


@fuzz_settings(300)
@given(head=request_heads(), body=st.binary(max_size=200))
def test_a_whole_request_is_always_ready_for_a_thread(
    head: tuple[bytes, str | None, bool], body: bytes
) -> None:
    """Never a request held back that is all there (it would wait for the header timeout)."""
    raw, length, chunked = head
    assume(body or not chunked)  # a chunked body has at least its last chunk
    if length is not None and length.isascii() and length.isdigit():
        assume(len(body) >= min(int(length), CHUNK_BYTES))
    assert request_ready(raw + body)


@fuzz_settings(200)
@given(received=st.binary(max_size=300))
def test_a_partial_head_is_not_ready_until_it_is_too_long(received: bytes) -> None:
    assume(HEAD_END not in received)
    assert not request_ready(received)
    assert request_ready(received + b"x" * HEAD_LIMIT)


class Trickle(io.RawIOBase):
    """An input stream giving `data` a few bytes at a time, noting how much was taken."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.taken = data, sizes, 0

    def read(self, size: int = -1, /) -> bytes:
        step = self.sizes[self.taken % len(self.sizes)] if self.sizes else size
        chunk = self.data[self.taken : self.taken + min(size, step)]
        self.taken += len(chunk)
        return chunk


@fuzz_settings(300)
@given(
    data=st.binary(max_size=300),
    length=st.one_of(st.none(), st.integers(0, 400)),
    limit=st.one_of(st.none(), st.integers(0, 400)),
    sizes=st.lists(st.integers(1, 64), max_size=4),
)
def test_a_body_is_read_to_its_length_and_never_past_it_or_its_limit(
    data: bytes, length: int | None, limit: int | None, sizes: list[int]
) -> None:
    """Bytes past a Content-Length are the next request's: never taken as this body."""
    source = Trickle(data, sizes)
    body = IncomingBody(source, length)
    if limit is not None and length is not None and length > limit:
        with pytest.raises(PayloadTooLarge):
            body.within(limit)
        assert source.taken == 0  # refused before a byte was read
        return
    wanted = data if length is None else data[:length]
    try:
        read = body.within(limit).read_all()
    except BodyIncomplete:
        assert length is not None and len(data) < length
        return
    except PayloadTooLarge:
        assert limit is not None and len(wanted) > limit
        assert source.taken <= limit + CHUNK_BYTES
        return
    assert read == wanted
    assert limit is None or len(read) <= limit
    assert source.taken == len(wanted)
