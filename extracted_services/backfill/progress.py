"""How a long copy shows it is moving: a progress bar on a terminal, nothing elsewhere."""

from __future__ import annotations

from typing import Any, Protocol, TextIO

import click


class Progress(Protocol):
    def start(self, total_rows: int) -> None: ...

    def table(self, name: str) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """Shows nothing (not a terminal, or a caller that reports by itself)."""

    def start(self, total_rows: int) -> None:
        pass

    def table(self, name: str) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


class BarProgress:
    """One bar over every row of every table, labelled with the table being copied."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._bar: Any = None

    def start(self, total_rows: int) -> None:
        self._bar = click.progressbar(length=total_rows, label="copying", file=self._stream)
        self._bar.__enter__()

    def table(self, name: str) -> None:
        self._bar.label = f"copying {name}"

    def advance(self, rows: int) -> None:
        self._bar.update(rows)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def progress_for(stream: TextIO) -> Progress:
    """A bar when `stream` is a terminal, else nothing."""
    return BarProgress(stream) if stream.isatty() else NoProgress()
