"""Find the files to analyze under a root: Python sources, .sql schema files, OpenAPI /
Swagger specs (a .yaml, .yml or .json file whose first `SPEC_HEAD_BYTES` hold an `openapi` or
`swagger` key: connexion builds routes from them), and the manifests declaring the project's
requirements (`requirements*.txt`, `pyproject.toml`...).

Skips virtualenvs, VCS and tool caches, tests (unless asked), and files too big to be
hand-written; symlink loops, symlinks out of the root, special files (FIFOs, devices) and
unreadable entries become diagnostics.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from analyzer.facts.python import Diagnostic, FileKind
from analyzer.source.modules import module_name_for, path_module_name
from analyzer.source.requirements import is_manifest

HUGE_FILE_BYTES = 5 * 1024 * 1024
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
SOURCE_SUFFIXES = (".py", ".sql", *SPEC_SUFFIXES)
# how much of a .yaml/.json file is read to tell a spec: the version key comes first in specs
# written by hand or by tools that keep the order
SPEC_HEAD_BYTES = 64 * 1024
_SPEC_KEY = re.compile(rb'(?m)^(?:openapi|swagger)[ \t]*:|"(?:openapi|swagger)"[ \t]*:')
SKIPPED_DIRS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "site-packages",
        "venv",
        "env",
        "build",
        "dist",
        "htmlcov",
    }
)
TEST_DIRS = frozenset({"tests", "test"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the root, '/'-separated
    kind: FileKind
    module: str  # '' for .sql files and specs
    alias: str | None  # module name from the path under the root, when different
    is_package: bool
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Discovery:
    root: Path
    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped_tests: int


def discover(root: Path, *, include_tests: bool = False) -> Discovery:
    """Walk `root` (a directory or a single file)."""
    walker = _Walker(root.resolve() if root.is_dir() else root.parent.resolve(), include_tests)
    if root.is_dir():
        walker.walk()
    else:
        walker.add_file(root.resolve(), root.stat())
    if all(f.kind == "manifest" for f in walker.files):
        walker.diagnostics.append(
            Diagnostic("", 0, "no-python", f"no Python files found under {root}")
        )
    return Discovery(
        root=walker.root,
        files=tuple(sorted(walker.files, key=lambda f: f.rel)),
        diagnostics=tuple(walker.diagnostics),
        skipped_tests=walker.skipped_tests,
    )


class _Walker:
    def __init__(self, root: Path, include_tests: bool) -> None:
        self.root = root
        self._real_root = os.path.realpath(root)
        self.include_tests = include_tests
        self.files: list[SourceFile] = []
        self.diagnostics: list[Diagnostic] = []
        self.skipped_tests = 0
        self._init_cache: dict[Path, bool] = {}

    def walk(self) -> None:
        visited: set[str] = {os.path.realpath(self.root)}
        stack = [self.root]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                self._note(directory, "unreadable", f"cannot list directory: {exc.strerror}")
                continue
            for entry in entries:
                kind = self._entry_kind(entry)
                if kind == "dir":
                    target = os.path.realpath(entry.path)
                    if target in visited:
                        self._note(
                            Path(entry.path),
                            "symlink-loop",
                            f"symlink to a directory already walked ({target}); not followed",
                        )
                    elif self._outside_root(target):
                        self._note_outside(entry, target)
                    elif self._wanted_dir(entry):
                        visited.add(target)
                        stack.append(Path(entry.path))
                elif kind == "file":
                    self._consider_file(entry)

    def _entry_kind(self, entry: os.DirEntry[str]) -> Literal["dir", "file", "other"]:
        try:
            if entry.is_dir():
                return "dir"
            if entry.is_file():
                return "file"
        except OSError as exc:
            self._note(Path(entry.path), "symlink-loop", f"cannot follow: {exc.strerror}")
            return "other"
        if not os.path.exists(entry.path):
            self._note(Path(entry.path), "symlink-loop", "broken or looping symlink; skipped")
        elif entry.name.endswith(SOURCE_SUFFIXES):
            # a FIFO blocks its reader, a device may never end
            self._note(Path(entry.path), "not-a-file", "not a regular file; skipped")
        return "other"

    def _outside_root(self, real_path: str) -> bool:
        return os.path.commonpath((self._real_root, real_path)) != self._real_root

    def _note_outside(self, entry: os.DirEntry[str], target: str) -> None:
        self._note(
            Path(entry.path),
            "symlink-outside",
            f"symlink out of the analyzed folder ({target}); not followed (analyze a folder "
            "holding both to include it)",
        )

    def _wanted_dir(self, entry: os.DirEntry[str]) -> bool:
        name = entry.name
        if name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info"):
            return False
        if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
            return False
        if name in TEST_DIRS and not self.include_tests:
            self.skipped_tests += 1
            return False
        return True

    def _consider_file(self, entry: os.DirEntry[str]) -> None:
        name = entry.name
        if not (name.endswith(SOURCE_SUFFIXES) or is_manifest(name)):
            return
        if name.endswith(".py") and not self.include_tests and _is_test_file(name):
            self.skipped_tests += 1
            return
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if self._outside_root(target):
                self._note_outside(entry, target)
                return
        try:
            stat = entry.stat()
        except OSError as exc:
            self._note(Path(entry.path), "unreadable", f"cannot stat: {exc.strerror}")
            return
        self.add_file(Path(entry.path), stat)

    def add_file(self, path: Path, stat: os.stat_result) -> None:
        size, mtime_ns = stat.st_size, stat.st_mtime_ns
        manifest = is_manifest(path.name)  # some are .json (Airflow's provider_dependencies)
        if path.suffix in SPEC_SUFFIXES and not manifest and not _looks_like_spec(path):
            return  # data or configuration, not a spec
        if size > HUGE_FILE_BYTES:
            self._note(
                path,
                "huge-file",
                f"{size // 1024} KiB is over the {HUGE_FILE_BYTES // 1024} KiB limit "
                "(generated code?); skipped",
            )
            return
        rel = self._rel(path)
        if path.suffix == ".sql" or manifest:
            kind: FileKind = "sql" if path.suffix == ".sql" else "manifest"
            self.files.append(SourceFile(path, rel, kind, "", None, False, size, mtime_ns))
            return
        if path.suffix in SPEC_SUFFIXES:
            self.files.append(SourceFile(path, rel, "openapi", "", None, False, size, mtime_ns))
            return
        module, is_package = module_name_for(path, has_init=self._has_init)
        # a second name only for namespace packages (`app/views.py` without app/__init__.py
        # is imported as `app.views`); never a shorter name that could shadow the stdlib
        alias = path_module_name(Path(rel))
        if alias is not None and not alias.endswith("." + module):
            alias = None
        self.files.append(
            SourceFile(
                path,
                rel,
                "python",
                module,
                alias if alias != module else None,
                is_package,
                size,
                mtime_ns,
            )
        )

    def _has_init(self, directory: Path) -> bool:
        cached = self._init_cache.get(directory)
        if cached is None:
            cached = self._init_cache[directory] = (directory / "__init__.py").is_file()
        return cached

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _note(self, path: Path, kind: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self._rel(path), 0, kind, message))


def _looks_like_spec(path: Path) -> bool:
    """Whether a .yaml/.json file starts like an OpenAPI or Swagger document."""
    try:
        with path.open("rb") as file:
            return _SPEC_KEY.search(file.read(SPEC_HEAD_BYTES)) is not None
    except OSError:
        return False


def _is_test_file(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
