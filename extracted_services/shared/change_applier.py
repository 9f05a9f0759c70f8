"""The shared change applier: a service keeps its copies of monolith tables in step in one line.

    class CatalogService:
        name = "catalog"
        apply_changes = change_applier()  # on when its service.toml says `sync = true`

The entrypoint finds the service's `service.toml` beside the module that defines the
class (hand-written and generated packages alike). With `sync = true` it consumes
`sync-<name>` (declared as `sync install` declares it: bound to `strangler.changes`
by each of the service's monolith tables, dead-lettered to `sync-<name>.dead`) and
applies the messages on the database of config `DATABASE_URL`: one worker at a time
takes every message delivered so far (up to `BATCH_MESSAGES`, the prefetch) and writes
them in one transaction (`change_batch.py`), and each is acknowledged once that
committed. So under load batches grow and the database commits far less often than
messages come; a lone message is applied at once. A message that can never be applied
(bad payload, unknown table, schema mismatch, refused by the database) is published to
`sync-<name>.dead` with header `x-strangler-reason` and acknowledged, so it never
blocks the ones after it; a batch met while the database is unreachable goes back to
the queue. Without `sync = true` the applier consumes nothing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import eventlet
from eventlet.event import Event
from eventlet.queue import LightQueue
from kombu import Exchange, Queue, binding
from kombu.message import Message
from nameko.amqp.publish import get_connection, get_producer
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer
from sqlalchemy import Engine

from extracted_services.manifest import MANIFEST_FILE, Manifest, load_manifest
from extracted_services.shared.change_batch import Outcome, Refused, apply_batch, unreachable
from extracted_services.shared.change_writer import ChangeWriter, create_applied_table
from strangler.changes import (
    CHANGES_EXCHANGE,
    REASON_HEADER,
    dead_letter_queue,
    sync_queue,
    sync_queue_arguments,
)
from strangler.database import open_engine

log = logging.getLogger(__name__)

DATABASE_URL_KEY = "DATABASE_URL"
RETRY_DELAY_SECONDS = 1.0  # before a batch met while the database was down goes back
BATCH_MESSAGES = 200  # the most messages one transaction applies: the consumer's prefetch


class ApplierSetupError(Exception):
    """The applier cannot start: no readable service.toml beside the service's module."""


def change_queues(manifest: Manifest) -> tuple[Queue, Queue]:
    """`sync-<name>` bound by each monolith table, and its dead-letter queue."""
    exchange = Exchange(CHANGES_EXCHANGE, type="topic", durable=True)
    queue = Queue(
        sync_queue(manifest.name),
        bindings=[binding(exchange, routing_key=table.monolith) for table in manifest.tables],
        durable=True,
        queue_arguments=sync_queue_arguments(manifest.name),
    )
    return queue, Queue(dead_letter_queue(manifest.name), durable=True)


def service_manifest(service_cls: type) -> Manifest:
    """The service.toml of the package whose module defines `service_cls`."""
    module_file = getattr(sys.modules.get(service_cls.__module__), "__file__", None)
    if module_file is None:
        raise ApplierSetupError(
            f"the change applier of {service_cls.__name__} cannot find its service.toml:"
            f" module {service_cls.__module__} has no file"
        )
    return load_manifest(Path(module_file).resolve().parent / MANIFEST_FILE)


class ChangeQueueConsumer(QueueConsumer):
    """Nameko's queue consumer, except that an undecodable body is dead-lettered, not fatal,
    and the prefetch is a batch's worth, not the worker count."""

    @property
    def prefetch_count(self) -> int:
        return BATCH_MESSAGES

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = provider.handle_undecodable
        return consumers


class ChangeConsumer(Entrypoint):
    """Applies the change messages of `sync-<service>` in batches, one worker at a time;
    see the module docstring."""

    queue_consumer = ChangeQueueConsumer()

    enabled = False  # until setup reads `sync = true`
    engine: Engine
    writer: ChangeWriter
    queue: Queue
    dead_letters: Queue
    arrived: LightQueue  # (body, message) delivered, not yet taken into a batch

    def setup(self) -> None:
        manifest = service_manifest(self.container.service_cls)
        self.enabled = manifest.sync
        if not self.enabled:
            log.info("change applier off: %s does not say `sync = true`", manifest.path)
            return
        self.queue, self.dead_letters = change_queues(manifest)
        url = self.container.config[DATABASE_URL_KEY]
        self.engine = open_engine(url, role="service database (change applier)", green=True)
        create_applied_table(self.engine)
        copies = {table.monolith: table.service for table in manifest.tables}
        self.writer = ChangeWriter(self.engine, manifest.name, copies)
        self.amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]
        with get_connection(self.amqp_uri) as connection:  # so refused messages are kept
            self.dead_letters(connection.default_channel).declare()
        self.arrived = LightQueue()
        self.queue_consumer.register_provider(self)

    def start(self) -> None:
        if self.enabled:
            self.container.spawn_managed_thread(self.apply_batches, identifier="change batches")

    def stop(self) -> None:
        if self.enabled:
            self.queue_consumer.unregister_provider(self)
            self.engine.dispose()

    def handle_message(self, body: Any, message: Message) -> None:
        self.arrived.put((body, message))

    def apply_batches(self) -> None:
        """Forever: take what has arrived (at least one message), apply it in one worker
        and wait until it is settled. Messages still waiting when the service stops are
        never acknowledged: the broker delivers them again."""
        while True:
            batch = [self.arrived.get()]
            while len(batch) < BATCH_MESSAGES and not self.arrived.empty():
                batch.append(self.arrived.get_nowait())
            bodies, messages = [body for body, _ in batch], [message for _, message in batch]
            settled = Event()
            try:
                self.container.spawn_worker(
                    self,
                    (partial(self.apply, bodies),),
                    {},
                    handle_result=partial(self.settle, messages, settled),
                )
            except ContainerBeingKilled:  # another instance (or this one, restarted) applies it
                for message in messages:
                    self.queue_consumer.requeue_message(message)
                return
            settled.wait()

    def apply(self, bodies: Sequence[Any]) -> list[Outcome]:
        """Apply a batch of message bodies; a poison one is refused (and dead-lettered) on
        its own, not raised."""
        return apply_batch(self.writer, bodies)

    def settle(
        self,
        messages: Sequence[Message],
        settled: Event,
        worker_ctx: Any,
        result: Any = None,
        exc_info: Any = None,
    ) -> tuple[Any, Any]:
        """Acknowledge or dead-letter each message of the worker's batch, or (database
        unreachable) requeue them all; then let the next batch go."""
        try:
            if exc_info is not None and unreachable(exc_info[1]):
                eventlet.sleep(RETRY_DELAY_SECONDS)
                for message in messages:
                    self.queue_consumer.requeue_message(message)
                return result, exc_info
            for index, message in enumerate(messages):
                if exc_info is not None:
                    self.dead_letter(
                        message, f"the applier failed: {exc_info[0].__name__}: {exc_info[1]}"
                    )
                elif isinstance(result[index], Refused):
                    self.dead_letter(message, result[index].reason)
                self.queue_consumer.ack_message(message)
            return result, exc_info
        finally:
            settled.send()

    def handle_undecodable(self, message: Message, exc: Exception) -> None:
        """A body kombu cannot decode (not JSON, wrong content type): dead-letter it."""
        self.dead_letter(message, f"bad payload: the body cannot be decoded: {exc}")
        self.queue_consumer.ack_message(message)

    def dead_letter(self, message: Message, reason: str) -> None:
        """Publish the message as it came to `sync-<service>.dead`, with the reason."""
        log.warning("change message dead-lettered to %s: %s", self.dead_letters.name, reason)
        headers = {**(message.headers or {}), REASON_HEADER: reason}
        with get_producer(self.amqp_uri) as producer:
            producer.publish(
                message.body,
                exchange="",
                routing_key=self.dead_letters.name,
                headers=headers,
                content_type=message.content_type or "application/octet-stream",
                content_encoding=message.content_encoding or "binary",
                delivery_mode=2,
                declare=[self.dead_letters],
                retry=True,
            )


def change_applier() -> Callable[[Any, Callable[[], list[Outcome]]], Any]:
    """A service method applying `sync-<service>`'s change messages: assign it in the class."""

    @ChangeConsumer.decorator
    def apply_changes(self: Any, apply: Callable[[], list[Outcome]]) -> Any:
        """Apply a batch of change messages (the worker runs it, so nameko counts and
        traces it)."""
        return apply()

    return apply_changes
