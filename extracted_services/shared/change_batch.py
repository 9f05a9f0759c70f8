"""Apply a batch of change messages in one transaction, each message still settled alone.

Every body is decoded and checked first: a poison one is refused on its own and the
others go on. The rest are written in one transaction (`ChangeWriter.write`). When the
database refuses that transaction, or it fails for another reason than the database
being out of reach, the batch is written again one message per transaction, so only the
message at fault is refused and every other one is applied. Applying twice changes
nothing: each change is claimed by position in the transaction that writes it
(`change_statements.claim_statement`), so a redelivered batch is skipped, counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from extracted_services.shared.change_messages import PoisonMessage, decode_message
from extracted_services.shared.change_writer import Applied, ChangeWriter, CheckedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused:
    """A message the applier will never apply, and why (the dead letter's header)."""

    reason: str


Outcome = Applied | Refused


def unreachable(error: BaseException) -> bool:
    """Whether the database could not be reached (worth retrying), not refused the change."""
    return isinstance(error, OperationalError | InterfaceError | DisconnectionError)


def apply_batch(writer: ChangeWriter, bodies: Sequence[Any]) -> list[Outcome]:
    """What became of each message body, in order; raises only when the database is out
    of reach (`unreachable`): then nothing was written and the whole batch may be retried."""
    outcomes: dict[int, Outcome] = {}
    checked: dict[int, CheckedMessage] = {}
    for index, body in enumerate(bodies):
        try:
            checked[index] = writer.check(decode_message(body))
        except PoisonMessage as poison:
            outcomes[index] = Refused(poison.reason)
    outcomes.update(zip(checked, _written(writer, list(checked.values())), strict=True))
    return [outcomes[index] for index in range(len(bodies))]


def _written(writer: ChangeWriter, checked: list[CheckedMessage]) -> list[Outcome]:
    """Write `checked` in one transaction; failing that, each message in its own."""
    if not checked:
        return []
    try:
        return list(writer.write(checked))
    except PoisonMessage as poison:
        failure = poison.reason
    except Exception as error:
        if unreachable(error):
            raise
        log.warning("writing %d change message(s) failed", len(checked), exc_info=True)
        failure = f"the applier failed: {type(error).__name__}: {error}"
    if len(checked) == 1:
        return [Refused(failure)]
    return [outcome for one in checked for outcome in _written(writer, [one])]
