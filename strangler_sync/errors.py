"""What can go wrong in `strangler sync`, as the project's own errors (no foreign tracebacks)."""

from __future__ import annotations

from strangler.errors import StranglerError, UsageError


class CaptureRefused(UsageError):
    """Capture cannot be installed as asked (missing table, no primary key, unsupported type)."""


class BrokerUnavailable(StranglerError):
    """RabbitMQ cannot be reached or refused what the command needs."""


class UnroutableChanges(StranglerError):
    """The broker had no queue for a table's changes: publishing them would lose them."""


class StaleChanges(UsageError):
    """A service's queue holds changes captured in another database than the one installed."""
