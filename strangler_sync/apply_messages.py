"""Which changes of a message going back `sync apply SERVICE` writes to the monolith (pure).

`sync-back-<service>` is bound by table name, so it also gets the monolith's own changes
to those tables (and other services' sending the same table back). Only the service's
own changes (`origin` = the service) are applied. Another origin's change to a table the
service owns is an ownership violation: counted, not applied (the service's copy gets it
through the forward flow). The service's changes must come from a relay run with
`--source <service>`: the change ids and the per-key positions the monolith records are
per source database, and positions of two databases must never be compared.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from extracted_services.shared.change_messages import Change, ChangeMessage, PoisonMessage


@dataclass(frozen=True)
class SortedMessage:
    """A message's changes: the service's own (None if none), and violations of ownership."""

    own: ChangeMessage | None
    violations: tuple[Change, ...]
    others: int  # changes neither applied nor violations (another side's writes)


def sort_message(message: ChangeMessage, service: str, owned: Collection[str]) -> SortedMessage:
    """Split `message`; PoisonMessage when the service's changes came with another source."""
    own = tuple(change for change in message.changes if change.origin == service)
    foreign = [change for change in message.changes if change.origin != service]
    violations = tuple(foreign) if message.table in owned else ()
    if own and message.source != service:
        raise PoisonMessage(
            f"bad payload: {service}'s changes were published with source {message.source!r}:"
            f" run the relay of {service}'s database with --source {service}"
        )
    return SortedMessage(
        own=replace(message, changes=own) if own else None,
        violations=violations,
        others=len(foreign) - len(violations),
    )
