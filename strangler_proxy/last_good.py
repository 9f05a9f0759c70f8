"""The text of the last routes file that loaded, kept in `strangler proxy --state-dir`.

A worker gunicorn starts again (after a crash, `--max-requests`, a HUP to the
master) reads the routes file anew; when that file has gone bad meanwhile,
the copy kept here is the last good table, which the command line's first
load could not know. Each worker keeps the text of every load that
succeeds, renamed into place so that no reader sees half of it.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

COPY_NAME = "last-good-routes.toml"


class LastGoodCopy:
    """The kept copy in a state directory (readable by its owner only: it may hold a password)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / COPY_NAME

    def keep(self, text: str) -> None:
        """Replace the copy with `text`, unless it holds that already."""
        if self.text() == text:
            return
        temporary = self.path.with_name(f".{COPY_NAME}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as copy:
                copy.write(text)
            os.replace(temporary, self.path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            log.error("could not keep the last good routes in --state-dir: %s", exc.strerror)

    def text(self) -> str | None:
        """The kept text, or None when there is none (or it cannot be read)."""
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("cannot read the last good routes in --state-dir: %s", exc.strerror)
        except UnicodeDecodeError:
            log.error("the last good routes in --state-dir are not UTF-8 text")
        return None
