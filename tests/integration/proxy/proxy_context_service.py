"""A Nameko service that reads its call's context data as services do: nameko's providers.

Run with `nameko run`; the proxy's context tests call it through the real proxy.
"""

from __future__ import annotations

from typing import Any

from nameko.contextdata import AuthToken, ContextDataProvider, Language, UserAgent, UserId
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc


class TenantId(ContextDataProvider):
    """A route's extra `header:X-Tenant-Id`, as the routes-file contract names its key."""

    context_key = "x_tenant_id"


class CartCookie(ContextDataProvider):
    """A route's extra `cookie:cart`."""

    context_key = "cart"


class CallIdStack(DependencyProvider):
    def get_dependency(self, worker_ctx: Any) -> list[str]:
        return list(worker_ctx.call_id_stack)


class ProxyContextService:
    name = "proxy_context"

    auth_token = AuthToken()
    language = Language()
    user_agent = UserAgent()
    user_id = UserId()
    tenant = TenantId()
    cart = CartCookie()
    call_id_stack = CallIdStack()

    @rpc
    def seen(self, query: Any = None, body: Any = None) -> dict[str, Any]:
        return {
            "auth_token": self.auth_token,
            "language": self.language,
            "user_agent": self.user_agent,
            "user_id": self.user_id,
            "tenant": self.tenant,
            "cart": self.cart,
            "call_id_stack": self.call_id_stack,
            "body": body,
        }
