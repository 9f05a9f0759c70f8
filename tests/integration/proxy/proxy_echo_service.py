"""Tiny Nameko services the proxy's integration tests call (run with `nameko run`)."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

SLOW_SECONDS = float(os.environ.get("PROXY_ECHO_SLOW_SECONDS", "1.5"))
CALLS: Counter[str] = Counter()


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


class CallIdStack(DependencyProvider):
    """The worker's call-id stack, to check what the caller propagated."""

    def get_dependency(self, worker_ctx: Any) -> list[str]:
        return list(worker_ctx.call_id_stack)


class ProxyEchoService:
    name = "proxy_echo"

    call_id_stack = CallIdStack()

    @rpc
    def echo(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    @rpc
    def get_item(self, item_id: int, query: dict[str, str] | None = None) -> dict[str, Any]:
        if item_id >= 100:
            raise NotFound(f"item {item_id} not found")
        return {"id": item_id, "source": "service"}

    @rpc
    def reject(self, query: Any = None, body: Any = None) -> None:
        raise BadRequest("that will not do")

    @rpc
    def crash(self, query: Any = None) -> None:
        raise ValueError("boom")

    @rpc
    def slow_write(self, key: str, query: Any = None, body: Any = None) -> dict[str, str]:
        CALLS[key] += 1
        time.sleep(SLOW_SECONDS)  # green under `nameko run`
        return {"done": key}

    @rpc
    def call_count(self, key: str, query: Any = None) -> int:
        return CALLS[key]

    @rpc
    def stack(self, query: Any = None) -> list[str]:
        return self.call_id_stack


class ProxySpareService:
    """A second service, stopped during a test to prove the fallback."""

    name = "proxy_spare"

    @rpc
    def get_item(self, item_id: int, query: Any = None) -> dict[str, Any]:
        return {"id": item_id, "source": "service"}

    @rpc
    def create(self, query: Any = None, body: Any = None) -> dict[str, Any]:
        return {"created": body, "source": "service"}
