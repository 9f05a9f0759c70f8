"""The head of a usual answer the loop forwards, byte for byte as gunicorn's `Response`
(the proxy's `_AppServerAndDate`) writes it, without building one.

Building gunicorn's `Response` costs more than the rest of a forward on the loop; the
answer almost every request gets is simple: a 2xx (not 204) with its Content-Length, to
anything but HEAD, with no hop-by-hop field left. For that one, `lean_head` writes what
gunicorn would: the status line in the request's HTTP version, gunicorn's `Server` and
`Date` unless the answer has its own, `Connection`, the answer's own `Server` and `Date`,
then its other fields (values stripped of blanks as gunicorn strips them). Any other
answer, or a field gunicorn would refuse, is None: gunicorn's `Response` frames it (and
refuses it) as for every answer of the threads. `test_event_loop_lean_head.py` holds the
two to the same bytes.
"""

from __future__ import annotations

from typing import Any

from gunicorn.http.wsgi import HEADER_VALUE_RE, SERVER, STATUS_RE, TOKEN_RE
from gunicorn.util import hop_headers, http_date

from strangler_proxy.http_types import Headers

_OWN = frozenset({"server", "date"})  # sent as the answer has them (`_AppServerAndDate`)
_BLANKS = " \t"  # what gunicorn strips from a field's value


def lean_head(request: Any, status: str, headers: Headers, *, must_close: bool) -> bytes | None:
    """The head gunicorn would send for this answer to `request` (gunicorn's Request: its
    method, version and Connection), or None when it is not a usual one; `must_close`:
    the server closes the connection after it (gunicorn's `force_close`)."""
    if request.method == "HEAD" or not STATUS_RE.fullmatch(status):
        return None
    code = int(status[:3])
    if not 200 <= code < 300 or code == 204:
        return None
    own: list[str] = []
    given: set[str] = set()
    fields: list[str] = []
    length = False
    for name, value in headers:
        low = name.lower()
        if not TOKEN_RE.fullmatch(name) or not HEADER_VALUE_RE.fullmatch(value):
            return None
        if low in _OWN:
            given.add(low)
            own.append(f"{name}: {value.strip()}\r\n")
            continue
        if low in hop_headers:
            return None
        if low == "content-length":
            if not value.strip(_BLANKS).isdigit():
                return None
            length = True
        fields.append(f"{name}: {value.strip(_BLANKS)}\r\n")
    if not length:
        return None
    close = must_close or request.should_close()
    major, minor = request.version
    lines = [f"HTTP/{major}.{minor} {status}\r\n"]
    if "server" not in given:
        lines.append(f"Server: {SERVER}\r\n")
    if "date" not in given:
        lines.append(f"Date: {http_date()}\r\n")
    lines.append(f"Connection: {'close' if close else 'keep-alive'}\r\n")
    return "".join([*lines, *own, *fields, "\r\n"]).encode("latin-1")
