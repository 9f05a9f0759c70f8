"""Source bytes -> `ast.Module`, turning every way a file can be unreadable into diagnostics."""

from __future__ import annotations

import ast
import codecs
import sys
from dataclasses import dataclass

from analyzer.facts.python import Diagnostic

_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True, slots=True)
class Parsed:
    tree: ast.Module | None
    diagnostics: tuple[Diagnostic, ...] = ()


def parse_source(source: bytes, path: str) -> Parsed:
    """Parse like Python would (PEP 263 coding cookies, UTF-8 BOM); never raises."""
    notes: list[Diagnostic] = []
    text: bytes | str = source
    if source.startswith(codecs.BOM_UTF8):
        notes.append(Diagnostic(path, 1, "encoding", "UTF-8 byte-order mark at start (read fine)"))
    elif source.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = source.decode("utf-16", errors="replace")
        notes.append(
            Diagnostic(path, 1, "encoding", "UTF-16 file (Python cannot import it); read as UTF-16")
        )
    if b"\x00" in source and isinstance(text, bytes):
        return Parsed(None, (*notes, _unparsable(path, 1, "file contains NUL bytes (binary?)")))
    try:
        return Parsed(ast.parse(text, filename=path), tuple(notes))
    except SyntaxError as exc:
        if isinstance(text, bytes) and _is_decoding_error(exc):
            return _parse_undecodable(source, path, exc, notes)
        return Parsed(None, (*notes, _syntax_diagnostic(path, exc)))
    except (ValueError, RecursionError, MemoryError) as exc:
        return Parsed(None, (*notes, _unparsable(path, 1, f"{type(exc).__name__}: {exc}")))


def _parse_undecodable(
    source: bytes, path: str, exc: SyntaxError, notes: list[Diagnostic]
) -> Parsed:
    note = Diagnostic(
        path,
        exc.lineno or 1,
        "encoding",
        f"not valid in its declared encoding ({exc.msg}); read as Latin-1, so "
        "non-ASCII text may be garbled",
    )
    try:
        tree = ast.parse(source.decode("latin-1"), filename=path)
    except SyntaxError as again:
        return Parsed(None, (*notes, note, _syntax_diagnostic(path, again)))
    except (ValueError, RecursionError, MemoryError) as again:
        return Parsed(None, (*notes, note, _unparsable(path, 1, str(again))))
    return Parsed(tree, (*notes, note))


def _is_decoding_error(exc: SyntaxError) -> bool:
    message = str(exc.msg).lower()
    return "utf-8" in message or "encoding" in message or "decode" in message


def _syntax_diagnostic(path: str, exc: SyntaxError) -> Diagnostic:
    return _unparsable(
        path,
        exc.lineno or 1,
        f"syntax error: {exc.msg} (invalid code, Python 2, or syntax newer than Python "
        f"{_PYTHON}); file skipped",
    )


def _unparsable(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, "unparsable", message)
