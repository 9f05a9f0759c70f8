"""The docs' runnable shell blocks run as written.

A fenced block whose info string has the word `runnable` (```` ```sh runnable ````)
is part of a doc's script: its runnable blocks, in order, run as one bash script
under `set -euo pipefail` in a copy of the working tree, with `.venv/bin` first on
PATH and AMQP_URI on a throw-away vhost of the real broker.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TIMEOUT = 300.0
TAIL_LINES = 80
MARKER = "### strangler-doc-block"
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    """One runnable fenced block: where it starts (1-based line of the fence) and its code."""

    line: int
    code: str


def _dedent(line: str, spaces: int) -> str:
    return line[min(spaces, len(line) - len(line.lstrip(" "))) :]


def runnable_blocks(markdown: str) -> list[Block]:
    """The fenced blocks whose info string's words include `runnable`, in document order."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if "runnable" in opening["info"].split():
            indent = len(opening["indent"])  # an indented fence indents its lines as much
            body = [_dedent(line, indent) for line in lines[index + 1 : end]]
            blocks.append(Block(line=index + 1, code="\n".join(body)))
        index = end + 1
    return blocks


def doc_script(doc: str, blocks: list[Block]) -> str:
    """One bash script running `blocks` in order; a marker line names each block as it starts."""
    parts = [
        "set -euo pipefail",
        # Whatever happens, the servers a doc started in the background stop with it.
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
    ]
    for block in blocks:
        parts.append(f"echo {shlex.quote(f'{MARKER} {doc}:{block.line}')}")
        parts.append(block.code)
    return "\n".join(parts) + "\n"


def ports_used(script: str) -> list[int]:
    """The fixed ports the script's servers listen on (`--port N`, `--admin-port N`)."""
    return sorted({int(port) for port in re.findall(r"--(?:admin-)?port[ =](\d+)", script)})


def _busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _repository_files() -> list[str]:
    """Tracked files, plus new files not yet added (not ignored): the tree as it would commit."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def clone_working_tree(target: Path) -> Path:
    """Copy the repository's files as they are now (uncommitted edits too) into `target`."""
    for name in _repository_files():
        if name.split("/", 1)[0] == ".venv":
            continue  # linked below
        source = ROOT / name
        if not source.is_file() and not source.is_symlink():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    (target / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return target


def _group_alive(pgid: int) -> bool:
    """Whether any process of group `pgid` is still running (zombies do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_group(pgid: int, grace: float = 15.0) -> None:
    """SIGTERM every process of the group, then SIGKILL what is left after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _group_alive(pgid):
                return
            time.sleep(0.2)


def _failing_block(output: str) -> str:
    started = [line for line in output.splitlines() if line.startswith(MARKER)]
    return started[-1].removeprefix(MARKER).strip() if started else "(before the first block)"


def _tails(clone: Path, lines: int = 20) -> str:
    logs = sorted((clone / "var").rglob("*.log")) if (clone / "var").is_dir() else []
    parts = []
    for log in logs:
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log.relative_to(clone)} (last {lines} lines)\n" + "\n".join(text))
    return "\n".join(parts)


def assert_doc_runs(doc: str, amqp_uri: str, tmp_path: Path) -> None:
    """Run `doc`'s runnable blocks in a fresh copy of the tree; fail with the output's tail."""
    blocks = runnable_blocks((ROOT / doc).read_text(encoding="utf-8"))
    assert blocks, f"{doc} has no runnable blocks"
    script = doc_script(doc, blocks)
    for port in ports_used(script):
        if _busy(port):
            pytest.fail(
                f"port {port} is already in use, and {doc} starts a server on it;"
                f" stop what listens there (`ss -ltnp 'sport = :{port}'` shows it)",
                pytrace=False,
            )
    clone = clone_working_tree(tmp_path / "clone")
    (tmp_path / "doc.sh").write_text(script, encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CATALOG_DATABASE_URL", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env.update(
        PATH=f"{clone / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(clone),  # import the clone's code, not the checkout .venv was installed from
        AMQP_URI=amqp_uri,
    )
    output_path = tmp_path / "doc.out"
    started = time.monotonic()
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            ["bash", str(tmp_path / "doc.sh")],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout=SCRIPT_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            stop_group(process.pid)
            process.wait()
    elapsed = time.monotonic() - started
    if code != 0:
        text = output_path.read_text(errors="replace")
        tail = "\n".join(text.splitlines()[-TAIL_LINES:])
        outcome = f"timed out after {SCRIPT_TIMEOUT:.0f} s" if code is None else f"exit {code}"
        pytest.fail(
            f"{doc}: {outcome} in the block at {_failing_block(text)}\n"
            f"--- output (last {TAIL_LINES} lines)\n{tail}\n{_tails(clone)}",
            pytrace=False,
        )
    print(f"{doc}: ran in {elapsed:.1f} s")


def test_runnable_blocks_are_found_by_their_info_string() -> None:
    markdown = "\n".join(
        [
            "# Doc",
            "```sh",
            "make test",
            "```",
            "```sh runnable",
            "echo one",
            "echo two",
            "```",
            "text with ``` inside",
            "````markdown",
            "```sh runnable",
            "echo nested, not a block of its own",
            "```",
            "````",
            "~~~ bash  runnable extra",
            "echo tilde",
            "~~~",
            "```python",
            "print('runnable')",
            "```",
            "1. a list item",
            "   ```sh runnable",
            "   echo indented",
            "     echo more",
            "   ```",
        ]
    )
    assert runnable_blocks(markdown) == [
        Block(line=5, code="echo one\necho two"),
        Block(line=15, code="echo tilde"),
        Block(line=22, code="echo indented\n  echo more"),
    ]


def test_script_marks_each_block_and_finds_its_ports() -> None:
    script = doc_script(
        "X.md", [Block(3, "serve --port 8000 &"), Block(9, "proxy --port=8081 --admin-port 9081")]
    )
    assert script.startswith("set -euo pipefail\n")
    assert f"echo '{MARKER} X.md:3'\nserve --port 8000 &\n" in script
    assert _failing_block(f"{MARKER} X.md:3\nok\n{MARKER} X.md:9\nboom\n") == "X.md:9"
    assert ports_used(script) == [8000, 8081, 9081]


@pytest.mark.rabbitmq
@pytest.mark.timeout(SCRIPT_TIMEOUT + 60)  # the script's own timeout reports more
def test_readme_runs(amqp_uri: str, tmp_path: Path) -> None:
    assert_doc_runs("README.md", amqp_uri, tmp_path)


@pytest.mark.rabbitmq
@pytest.mark.timeout(SCRIPT_TIMEOUT + 60)
def test_migration_runs(amqp_uri: str, tmp_path: Path) -> None:
    assert_doc_runs("MIGRATION.md", amqp_uri, tmp_path)
