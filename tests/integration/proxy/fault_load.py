"""A steady mixed load on the proxy, and what it saw: for the fault-under-load tests.

Client threads (CLIENTS of each kind and operation) read and write on a service route
(`/orders`) and on a forwarded one (`/ledger`), each on its own keep-alive connection,
one request after another until stopped. More clients call the service than the
proxy's per-service cap lets in at once, so only that cap keeps a stalled service from
taking every proxy thread. Every write carries an id of its own (in the JSON body; on
the service route also as its `Idempotency-Key`, with the `hold` the service waits
before answering), so a test can count how many times each was applied. Every answer,
or its absence, becomes a Sample.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

SERVICE, FORWARDED = "service", "forwarded"
KINDS = (SERVICE, FORWARDED)
READ, WRITE = "read", "write"
WRITE_PATH = {SERVICE: "/orders", FORWARDED: "/ledger"}
CLIENTS = {(SERVICE, READ): 2, (SERVICE, WRITE): 2, (FORWARDED, READ): 1, (FORWARDED, WRITE): 1}
REQUEST_TIMEOUT = 10.0  # longer than any backend timeout the tests' routes set
PAUSE = 0.02  # seconds a client waits between two requests


@dataclass(frozen=True)
class Sample:
    kind: str  # SERVICE or FORWARDED
    operation: str  # READ or WRITE
    write_id: str | None  # a write's own id
    started: float  # time.monotonic()
    ended: float
    status: int  # 0: no answer (refused, reset, timed out)
    backend: str  # X-Strangler-Backend, "" when absent

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300

    @property
    def normal(self) -> bool:
        """A 2xx from the backend its route chooses when nothing is wrong."""
        expected = "service" if self.kind == SERVICE else "monolith"
        return self.succeeded and self.backend == expected


class Load:
    """The client threads, sending until `stop`; `samples` is what they saw so far."""

    def __init__(self, proxy_url: str, tag: str, *, hold: float) -> None:
        address = urlsplit(proxy_url)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self.tag = tag
        self._hold = hold
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._samples: list[Sample] = []
        self._threads = [
            threading.Thread(target=self._run, args=(kind, operation), daemon=True)
            for (kind, operation), clients in CLIENTS.items()
            for _ in range(clients)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop sending; returns once every request sent has its answer (or gave up)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)

    def _run(self, kind: str, operation: str) -> None:
        connection = self._connect()
        for count in itertools.count():
            if self._stop.wait(PAUSE):
                break
            write_id = f"{self.tag}-{kind}-{uuid.uuid4().hex}"
            method, path, body, headers = _request(kind, operation, write_id, count, self._hold)
            started = time.monotonic()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status, backend = answer.status, answer.getheader("X-Strangler-Backend", "")
                if answer.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = self._connect()
                status, backend = 0, ""
            sample = Sample(
                kind,
                operation,
                write_id if operation == WRITE else None,
                started,
                time.monotonic(),
                status,
                backend,
            )
            with self._lock:
                self._samples.append(sample)
        connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=REQUEST_TIMEOUT)


def _request(
    kind: str, operation: str, write_id: str, count: int, hold: float
) -> tuple[str, str, bytes | None, dict[str, str]]:
    """Method, path, body and headers of one request."""
    if operation == READ:
        return "GET", f"{WRITE_PATH[kind]}/{count % 100}", None, {}
    headers = {"Content-Type": "application/json"}
    body: dict[str, str | float] = {"id": write_id}
    if kind == SERVICE:
        headers["Idempotency-Key"] = write_id
        body["hold"] = hold
    return "POST", WRITE_PATH[kind], json.dumps(body).encode(), headers


def under_way(samples: list[Sample], start: float, end: float) -> list[Sample]:
    """The samples of the requests under way at some moment between `start` and `end`."""
    return [sample for sample in samples if sample.started < end and sample.ended > start]
