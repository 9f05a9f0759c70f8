"""The demo's proof that an area's writes moved: the generated reviews service owns
`reviews`, a customer's review goes to it through the proxy, and the monolith's own admin
report (top customers, which joins reviews) counts it moments later, brought back by
change capture in the service's database and `strangler sync apply`
(docs/moving-writes.md).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3

from legacy_monolith.seed import ADMIN_EMAIL, ADMIN_PASSWORD
from strangler.errors import StranglerError
from strangler_demo.http_session import json_answer, log_in
from strangler_demo.sync_step import POLL_SECONDS, VISIBLE_TIMEOUT

OWNED_TABLE = "reviews"
_OWNS_LINE = re.compile(r"^owns = \[\].*$", re.MULTILINE)
_FOREIGN_LINE = re.compile(r"^writes_foreign = \[([^\]]*)\]", re.MULTILINE)
_CUSTOMER_EMAIL = re.compile(r"^user(\d+)@example\.com$")  # legacy_monolith/seed.py's


class WriteNotSeen(StranglerError):
    """The service's write did not reach the monolith's report in time."""


def own_table(package_dir: Path, table: str = OWNED_TABLE) -> None:
    """Flip `owns` in the generated service.toml, as the playbook's step 2 says: `strangler
    extract` leaves it empty and lists the table the copied code writes as foreign (the
    monolith still writes the area's tables); an owned table is not foreign."""
    manifest = package_dir / "service.toml"
    text, owned = _OWNS_LINE.subn(f'owns = ["{table}"]', manifest.read_text(encoding="utf-8"))
    foreign = _FOREIGN_LINE.search(text)
    if owned != 1 or foreign is None:
        raise StranglerError(f"{manifest}: not the `owns`/`writes_foreign` lines extract writes")
    others = [name for name in re.findall(r'"([^"]+)"', foreign[1]) if name != table]
    listed = ", ".join(f'"{name}"' for name in others)
    text = text[: foreign.start()] + f"writes_foreign = [{listed}]" + text[foreign.end() :]
    manifest.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class SeenWrite:
    """A review written through the proxy and how long until the monolith's report had it."""

    customer: str
    product_id: int
    written_by: str  # the backend the proxy sent the write to
    reviews_before: int
    reviews_after: int
    read_from: str  # the backend the proxy sent the report to
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"POST /api/reviews/product/{self.product_id} (as {self.customer}, proxy ->"
            f" {self.written_by}): 201",
            f"GET /api/admin/reports/top-customers (as {ADMIN_EMAIL}, proxy -> {self.read_from}):"
            f" {self.customer}'s reviews {self.reviews_before} -> {self.reviews_after}"
            f" after {self.seconds:.2f}s",
        ]


def write_and_watch(proxy_url: str) -> SeenWrite:
    """A top customer reviews a product they never reviewed, through the proxy (the service
    answers); then the admin report, served by the monolith, is read until it counts it."""
    pool = urllib3.PoolManager(retries=False, timeout=30)
    try:
        admin = log_in(pool, proxy_url, ADMIN_EMAIL, ADMIN_PASSWORD)
        customer, number, before = _top_customer(pool, proxy_url, admin)
        session = log_in(pool, proxy_url, customer, f"password{number}")
        product_id, written_by = _review_something(pool, proxy_url, session)
        started = time.monotonic()
        while time.monotonic() - started < VISIBLE_TIMEOUT:
            report = pool.request("GET", f"{proxy_url}{_REPORT}", headers={"Cookie": admin})
            after = _reviews_of(json_answer(report), customer)
            if after == before + 1:
                return SeenWrite(
                    customer,
                    product_id,
                    written_by,
                    before,
                    after,
                    report.headers.get("X-Strangler-Backend", "?"),
                    time.monotonic() - started,
                )
            time.sleep(POLL_SECONDS)
    finally:
        pool.clear()
    raise WriteNotSeen(
        f"{customer}'s review of product {product_id} did not reach the monolith's report"
        f" within {VISIBLE_TIMEOUT:g}s",
        hint="see logs/relay-*.log and logs/apply-*.log in the demo's folder",
    )


_REPORT = "/api/admin/reports/top-customers?limit=5"


def _top_customer(pool: urllib3.PoolManager, proxy_url: str, admin: str) -> tuple[str, int, int]:
    """The first seeded customer of the report: email, number, reviews counted."""
    report = json_answer(pool.request("GET", f"{proxy_url}{_REPORT}", headers={"Cookie": admin}))
    for item in report["items"]:
        if seeded := _CUSTOMER_EMAIL.fullmatch(item["email"]):
            return item["email"], int(seeded[1]), int(item["reviews"])
    raise StranglerError("the monolith's top customers report names no seeded customer")


def _reviews_of(report: Any, email: str) -> int | None:
    return next((int(i["reviews"]) for i in report["items"] if i["email"] == email), None)


def _review_something(pool: urllib3.PoolManager, proxy_url: str, session: str) -> tuple[int, str]:
    """Review the first product this customer has not reviewed yet (409 for the others)."""
    for product_id in range(1, 50):
        answer = pool.request(
            "POST",
            f"{proxy_url}/api/reviews/product/{product_id}",
            json={"rating": 5, "title": "Moved writes", "body": "written by the service"},
            headers={"Cookie": session},
        )
        if answer.status == 201:
            return product_id, answer.headers.get("X-Strangler-Backend", "?")
    raise StranglerError("no product left for the demo's customer to review")
