"""Concurrent clients of the sample shop through the proxy, with writes on both sides of a
moved area: customers create and delete their reviews (routes in service mode), the admin
edits product prices (a monolith route). Every answer is recorded, so each write can be
looked for afterwards in the databases.

A write answered 2xx happened; one refused (4xx, or the 503 of a held route) did not; any
other outcome (a 504 or a broken connection: the service may have acted) is unsure, and
may have happened once.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import urllib3

FIRST_PRICE = 20_000_000  # above any seeded price: each edit sets a price never used before
TITLE_PREFIX = "load-"
HELD = "monolith; fallback="  # X-Strangler-Backend of a write the proxy sent to the monolith

Step = Callable[[str, random.Random, list[int], str], None]


@dataclass(frozen=True)
class Answer:
    status: int
    body: object
    backend: str  # X-Strangler-Backend
    retry_after: bool  # the proxy's 409 for a call still running (a re-delivered one)

    def ok(self) -> bool:
        return 200 <= self.status < 300

    def refused(self) -> bool:
        """Surely not applied: a 4xx the app answered, or a 503: the proxy's for a write it
        never sent (the route's writes may not fall back), or the held monolith's after a
        fallback (a 409 with Retry-After: the same call is still running, it may apply)."""
        if self.status == 503:
            return self.backend == "service" or self.backend.startswith(HELD)
        return 400 <= self.status < 500 and not self.retry_after


@dataclass
class Outcomes:
    """What the clients were answered."""

    created: dict[int, str] = field(default_factory=dict)  # review id -> title (201)
    deleted: set[int] = field(default_factory=set)  # review ids a DELETE answered 2xx for
    unsure_titles: set[str] = field(default_factory=set)  # POSTs that may have created one
    unsure_deletes: set[int] = field(default_factory=set)  # DELETEs that may have happened
    prices: set[tuple[int, int]] = field(default_factory=set)  # (product, price) answered 200
    # (method, status, backend) -> how many answers
    answers: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, status: int, backend: str) -> None:
        with self.lock:
            self.answers[(method, status, backend)] += 1

    def fell_back(self) -> int:
        """Writes the proxy sent to the monolith because the service could not take them."""
        return sum(
            times
            for (method, _, backend), times in self.answers.items()
            if method != "GET" and backend.startswith(HELD)
        )

    def held_back(self) -> int:
        """Writes the proxy refused (503) because the service could not take them and the
        route's writes may not fall back to the monolith."""
        return sum(
            times
            for (method, status, backend), times in self.answers.items()
            if method != "GET" and status == 503 and backend == "service"
        )


class ShopWorkload:
    """One thread per customer (email, password) writing reviews, one for the admin's price
    edits, each pausing `pause` seconds between requests, until stopped."""

    def __init__(
        self,
        proxy_url: str,
        customers: list[tuple[str, str]],
        admin: tuple[str, str],
        product_ids: list[int],
        pause: float,
    ) -> None:
        self.proxy_url = proxy_url
        self.product_ids = product_ids
        self.pause = pause
        self.outcomes = Outcomes()
        self.errors: list[BaseException] = []
        self._prices = itertools.count(FIRST_PRICE)
        self._stop = threading.Event()
        self._pool = urllib3.PoolManager(maxsize=len(customers) + 1, retries=False, timeout=30)
        self._threads = [
            threading.Thread(target=self._run, args=(self._review, login, seed), daemon=True)
            for seed, login in enumerate(customers)
        ]
        self._threads.append(
            threading.Thread(target=self._run, args=(self._edit_price, admin, -1), daemon=True)
        )

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> Outcomes:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        self._pool.clear()
        if self.errors:
            raise self.errors[0]
        return self.outcomes

    def _run(self, step: Step, login: tuple[str, str], seed: int) -> None:
        chooser = random.Random(seed)
        try:
            cookie = self._login(*login)
            mine: list[int] = []
            for number in itertools.count():
                if self._stop.is_set():
                    return
                step(cookie, chooser, mine, f"{TITLE_PREFIX}{seed}-{number}")
                time.sleep(self.pause)
        except BaseException as exc:  # stop() raises it in the test
            self.errors.append(exc)

    def _login(self, email: str, password: str) -> str:
        answer = self._pool.request(
            "POST",
            f"{self.proxy_url}/api/accounts/login",
            json={"email": email, "password": password},
        )
        assert answer.status == 200, (email, answer.status, answer.data[:200])
        return "; ".join(cookie.split(";", 1)[0] for cookie in answer.headers.getlist("Set-Cookie"))

    def _send(
        self, method: str, path: str, cookie: str, body: dict[str, object] | None = None
    ) -> Answer | None:
        """The answer (its JSON body, if any); None when the connection broke (unsure)."""
        try:
            answer = self._pool.request(
                method, f"{self.proxy_url}{path}", json=body, headers={"Cookie": cookie}
            )
        except urllib3.exceptions.HTTPError:
            self.outcomes.count(method, 0, "none")
            return None
        backend = answer.headers.get("X-Strangler-Backend", "?")
        self.outcomes.count(method, answer.status, backend)
        try:
            body = json.loads(answer.data)
        except ValueError:
            body = None
        return Answer(answer.status, body, backend, "Retry-After" in answer.headers)

    def _review(self, cookie: str, chooser: random.Random, mine: list[int], title: str) -> None:
        if mine and chooser.random() < 0.4:
            review = mine.pop(chooser.randrange(len(mine)))
            answer = self._send("DELETE", f"/api/reviews/{review}", cookie)
            with self.outcomes.lock:
                if answer is not None and answer.ok():
                    self.outcomes.deleted.add(review)
                elif answer is None or not answer.refused():
                    self.outcomes.unsure_deletes.add(review)
            return
        product = chooser.choice(self.product_ids)
        body = {"rating": chooser.randint(1, 5), "title": title, "body": "written under load"}
        answer = self._send("POST", f"/api/reviews/product/{product}", cookie, body)
        with self.outcomes.lock:
            if answer is not None and answer.status == 201:
                assert isinstance(answer.body, dict)
                self.outcomes.created[int(answer.body["id"])] = title
                mine.append(int(answer.body["id"]))
            elif answer is None or not answer.refused():
                self.outcomes.unsure_titles.add(title)

    def _edit_price(self, cookie: str, chooser: random.Random, _: list[int], __: str) -> None:
        product = chooser.choice(self.product_ids)
        price = next(self._prices)
        body: dict[str, object] = {"price_cents": price}
        answer = self._send("PATCH", f"/api/admin/products/{product}", cookie, body)
        if answer is not None and answer.status == 200:
            with self.outcomes.lock:
                self.outcomes.prices.add((product, price))
