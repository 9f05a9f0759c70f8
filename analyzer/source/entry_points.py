"""The entry points a project declares, read from its manifests as text (never run):
`pyproject.toml`'s `[project.entry-points.<group>]` tables, `setup.cfg`'s
`[options.entry_points]` (pbr's `[entry_points]`), each option a group whose lines are
`name = module:attr`, a `setup.py`'s literal `setup(entry_points={group: [...]})`, and a
wheel's `*.dist-info/entry_points.txt` (what those become once built: one section a group,
one option an entry point).

A line is the first of the manifest, at or after where its group is declared, holding the
entry's value (TOML and INI parsers keep no lines). An entry that does not parse is left out.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from collections.abc import Iterator

from analyzer.facts.python import EntryPoint
from analyzer.source.requirements import ENTRY_POINTS_TXT, called_name

SETUP_CFG_SECTIONS = ("options.entry_points", "entry_points")  # setuptools', pbr's
# `module:attr [extra]`: the object's dotted module, its dotted attribute (optional)
_VALUE = re.compile(r"^\s*([\w.]+)\s*(?::\s*([\w.]+))?\s*(?:\[[^\]]*\])?\s*$")


def manifest_entry_points(text: str, name: str) -> tuple[EntryPoint, ...]:
    """The entry points the manifest called `name` declares."""
    if name == "pyproject.toml":
        return tuple(_pyproject(text))
    if name == "setup.cfg":
        return tuple(_setup_cfg(text))
    if name == ENTRY_POINTS_TXT:
        return tuple(_entry_points_txt(text))
    return ()


def setup_py_entry_points(tree: ast.Module) -> tuple[EntryPoint, ...]:
    """The literal `entry_points` of `setup(...)` calls: a dict of groups, each a list of
    `name = module:attr` strings or one string of such lines."""
    found: list[EntryPoint] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and called_name(node.func) == "setup"):
            continue
        for keyword in node.keywords:
            if keyword.arg != "entry_points" or not isinstance(keyword.value, ast.Dict):
                continue
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    continue
                items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
                for item in items:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str):
                        for offset, line in enumerate(item.value.splitlines()):
                            found += _entries(key.value, [line], item.lineno + offset)
    return tuple(found)


def _pyproject(text: str) -> Iterator[EntryPoint]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = data.get("project")
    groups = project.get("entry-points") if isinstance(project, dict) else None
    if not isinstance(groups, dict):
        return
    lines = text.splitlines()
    for group, entries in groups.items():
        if not isinstance(entries, dict):
            continue
        start = _line_of(lines, group, 1)
        for name, value in entries.items():
            if isinstance(value, str):
                yield from _entries(group, [f"{name} = {value}"], _line_of(lines, value, start))


def _setup_cfg(text: str) -> Iterator[EntryPoint]:
    parser = _parser(text)
    if parser is None:
        return
    lines = text.splitlines()
    for section in SETUP_CFG_SECTIONS:
        if not parser.has_section(section):
            continue
        start = _line_of(lines, f"[{section}]", 1)
        for group, value in parser.items(section):
            group_line = _line_of(lines, group, start)
            for written in value.splitlines():
                if written.strip():
                    line = _line_of(lines, written.strip(), group_line)
                    yield from _entries(group, [written], line)


def _entry_points_txt(text: str) -> Iterator[EntryPoint]:
    parser = _parser(text)
    if parser is None:
        return
    lines = text.splitlines()
    for group in parser.sections():
        start = _line_of(lines, f"[{group}]", 1)
        for name, value in parser.items(group):
            line = _line_of(lines, value, start)
            yield from _entries(group, [f"{name} = {value}"], line)


def _entries(group: str, written: list[str], line: int) -> Iterator[EntryPoint]:
    """`name = module:attr [extra]` lines as entry points (others left out)."""
    for text in written:
        name, equals, value = text.partition("=")
        found = _VALUE.match(value) if equals and name.strip() else None
        if found is not None:
            yield EntryPoint(group, name.strip(), found.group(1), found.group(2) or "", line)


def _parser(text: str) -> configparser.ConfigParser | None:
    """The INI text parsed, names keeping their case; None when it does not parse."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def _line_of(lines: list[str], text: str, start: int) -> int:
    """The number of the first line from line `start` on (both counted from 1) holding
    `text`, else `start`."""
    for index in range(start - 1, len(lines)):
        if text in lines[index]:
            return index + 1
    return start
