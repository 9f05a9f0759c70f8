"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_SECONDS = 0.1


class Progress:
    """Counts work done out of `total`; silent unless `stream` is a TTY."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream)
        self._drawn_at = 0.0

    def advance(self, amount: int = 1) -> None:
        self.done = min(self.done + amount, self.total)
        now = time.monotonic()
        if self.enabled and (now - self._drawn_at >= REDRAW_SECONDS or self.done == self.total):
            self._drawn_at = now
            filled = WIDTH * self.done // self.total
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn_at:
            self.stream.write("\r" + " " * (len(self.label) + WIDTH + 30) + "\r")
            self.stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
