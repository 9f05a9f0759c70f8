"""Start, watch and always stop the real processes a demo or an e2e test needs.

Every child runs in its own session, is told to die with its parent
(PR_SET_PDEATHSIG on Linux), and is stopped group-wide on exit: no process
outlives the `ProcessGroup` that started it, whatever happens. Its output goes
to a log file per process, or, for a group without a log folder, to this
process's own stdout and stderr.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from types import FrameType, TracebackType
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from strangler.errors import StranglerError

_PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ProcessFailed(StranglerError):
    """A managed process exited early or never became ready."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ManagedProcess:
    """One child process with its output captured to a log file, or shared with ours."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path | None
    ):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = log_path.open("wb")
        self._stopped = False
        self._popen = subprocess.Popen(
            self.argv,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=None if self._log is None else subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has ended (negative: killed by that signal)."""
        return self._popen.poll()

    def running(self) -> bool:
        return self._popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if self._log is None or self.log_path is None:
            return "(see the output above)"
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, is_ready: Callable[[], bool], timeout: float) -> None:
        """Poll `is_ready` until it says yes; fail with the log if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ProcessFailed(
                    f"{self.name} exited with code {self._popen.returncode} before it was ready;"
                    f" last output:\n{self.log_tail()}"
                )
            if is_ready():
                return
            time.sleep(0.1)
        raise ProcessFailed(
            f"{self.name} was not ready after {timeout:.0f}s; last output:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after `grace`.

        Only once: a later call must not signal a group id the system may have reused.
        """
        if self._stopped:
            return
        if self.running():
            self._signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._popen.wait(timeout=5)
        # children of the leader (e.g. gunicorn workers) may linger briefly
        self._signal_group(signal.SIGKILL)
        self._stopped = True
        if self._log is not None:
            self._log.close()

    def _signal_group(self, signum: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self._popen.pid, signum)


class ProcessGroup:
    """A set of managed processes stopped together, newest first, on exit.

    `log_dir`: where each process's output goes (`<name>.log`); None shares this
    process's stdout and stderr with them.
    """

    def __init__(self, log_dir: Path | None) -> None:
        self.log_dir = log_dir
        self.processes: list[ManagedProcess] = []

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None
    ) -> ManagedProcess:
        log_path = None if self.log_dir is None else self.log_dir / f"{name}.log"
        process = ManagedProcess(name, argv, env or {}, log_path)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        """Stop every process, newest first; a second Ctrl-C or SIGTERM cannot cut it short."""
        with _signals_ignored():
            while self.processes:
                self.processes.pop().stop()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """SIGINT and SIGTERM ignored meanwhile (only the main thread may change handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so what a `with ProcessGroup` started is stopped either way."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def http_ok(url: str) -> Callable[[], bool]:
    """A readiness check: the URL answers with any HTTP status below 500."""

    def check() -> bool:
        try:
            with urlopen(url, timeout=1) as response:
                return int(response.status) < 500
        except HTTPError as error:
            return error.code < 500
        except (URLError, OSError):
            return False

    return check


def rpc_consumer_ready(amqp_uri: str, service: str) -> Callable[[], bool]:
    """A readiness check: the Nameko service's RPC queue has a consumer."""
    import pika
    from pika.exceptions import AMQPError

    def check() -> bool:
        try:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        except AMQPError:
            return False
        try:
            declared = connection.channel().queue_declare(f"rpc-{service}", passive=True)
            return int(declared.method.consumer_count) > 0
        except AMQPError:
            return False
        finally:
            if connection.is_open:
                connection.close()

    return check
