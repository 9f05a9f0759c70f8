"""The request target a client sent, as the one path the proxy matches and forwards.

Pure: the server hands over the request line's target as received (gunicorn's
`RAW_URI`, ASGI's `raw_path`); nothing here decodes or normalises it, so the
route is chosen on exactly the path the monolith gets (RFC 9112 section 3.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from strangler_proxy.errors import MalformedRequest

_ABSOLUTE_FORM = re.compile(r"^(?P<scheme>https?)://(?P<authority>[^/?#]*)(?P<rest>[^#]*)", re.I)


@dataclass(frozen=True)
class RequestTarget:
    """An origin-form target (`/raw/path?raw query`) and, for an absolute-form one, its host."""

    target: str
    authority: str | None = None


def parse_request_target(raw: str) -> RequestTarget:
    """Origin-form as is, absolute-form as its path and query; a fragment is not part of it.

    Anything else (`*`, `host:port`, a URL with user info) is refused: the
    proxy forwards paths only.
    """
    without_fragment = raw.split("#", 1)[0]
    if without_fragment.startswith("/"):
        return RequestTarget(without_fragment)
    absolute = _ABSOLUTE_FORM.match(without_fragment)
    if absolute is None or not absolute["authority"] or "@" in absolute["authority"]:
        raise MalformedRequest(
            "the request target must be a path or an absolute http(s) URL without user info"
        )
    rest = absolute["rest"]
    return RequestTarget(rest if rest.startswith("/") else "/" + rest, absolute["authority"])
