"""The demo's proof that change capture works: an admin edits a product in the monolith,
and the catalog service, reading only its own database, answers the new price moments later.

Everything goes through the proxy, as a user would see it: the admin's login and edit are
forwarded to the monolith, the product read goes to the catalog service.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import urllib3

from legacy_monolith.seed import ADMIN_EMAIL, ADMIN_PASSWORD
from strangler.errors import StranglerError
from strangler_demo.http_session import json_answer, log_in

SERVICE = "catalog"  # the service whose copy the demo watches
VISIBLE_TIMEOUT = 10.0  # seconds the new value has to reach the service
POLL_SECONDS = 0.05
PRICE_STEP_CENTS = 111  # what the edit adds to the price, so the new value is unmistakable


class ChangeNotSeen(StranglerError):
    """The monolith's edit did not reach the service in time."""


@dataclass(frozen=True)
class SeenChange:
    """An edit made in the monolith and how long until the service answered it."""

    product_id: int
    old_price_cents: int
    new_price_cents: int
    edited_by: str  # the backend the proxy sent the edit to
    read_from: str  # the backend the proxy sent the read to
    seconds: float  # from the edit's answer to the service answering the new price

    def lines(self) -> list[str]:
        return [
            f"PATCH /api/admin/products/{self.product_id} (as {ADMIN_EMAIL}, proxy ->"
            f" {self.edited_by}): price_cents {self.old_price_cents} -> {self.new_price_cents}",
            f"GET /api/catalog/products/{self.product_id} (proxy -> {self.read_from}):"
            f" price_cents {self.new_price_cents} after {self.seconds:.2f}s",
        ]


def edit_and_watch(proxy_url: str) -> SeenChange:
    """Change a product's price through the monolith's admin API; wait for the service."""
    pool = urllib3.PoolManager(retries=False, timeout=30)
    try:
        product = json_answer(pool.request("GET", f"{proxy_url}/api/catalog/products?per_page=1"))
        first = product["items"][0]
        product_id, old_price = int(first["id"]), int(first["price_cents"])
        cookie = log_in(pool, proxy_url, ADMIN_EMAIL, ADMIN_PASSWORD)
        new_price = old_price + PRICE_STEP_CENTS
        edit = pool.request(
            "PATCH",
            f"{proxy_url}/api/admin/products/{product_id}",
            body=json.dumps({"price_cents": new_price}),
            headers={"Content-Type": "application/json", "Cookie": cookie},
        )
        json_answer(edit)
        edited_at = time.monotonic()
        deadline = edited_at + VISIBLE_TIMEOUT
        while time.monotonic() < deadline:
            read = pool.request("GET", f"{proxy_url}/api/catalog/products/{product_id}")
            if read.status == 200 and json_answer(read)["price_cents"] == new_price:
                return SeenChange(
                    product_id=product_id,
                    old_price_cents=old_price,
                    new_price_cents=new_price,
                    edited_by=edit.headers.get("X-Strangler-Backend", "?"),
                    read_from=read.headers.get("X-Strangler-Backend", "?"),
                    seconds=time.monotonic() - edited_at,
                )
            time.sleep(POLL_SECONDS)
    finally:
        pool.clear()
    raise ChangeNotSeen(
        f"product {product_id}'s new price {new_price} did not reach the {SERVICE} service"
        f" within {VISIBLE_TIMEOUT:g}s",
        hint="see the relay's and the catalog service's logs under the demo's workdir",
    )
