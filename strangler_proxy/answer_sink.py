"""The client's connection, as the event loop's own answers are written to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from strangler_proxy.http_types import Headers


class AnswerSink(Protocol):
    """The client's connection, as the loop writes an answer to it; the server frames it
    (a length or chunks, HEAD and 304 without a body, its Server and Date rules)."""

    def start_response(self, status: str, headers: Headers) -> None: ...

    def write(self, piece: bytes) -> None: ...

    def end(self) -> None: ...

    def abort(self) -> None:
        """The answer broke off after its head: close the connection, nothing more sent."""

    def attach(
        self, pause: Callable[[], None], resume: Callable[[], None], gone: Callable[[], None]
    ) -> None:
        """Who to tell when the client cannot take more, can again, or went away (the
        last ones told replace any earlier ones)."""
