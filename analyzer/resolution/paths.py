"""File-system paths the analyzed code computes with `os.path` and `pathlib` (pure).

A path is known in one of three ways: from a module's `__file__` (its place in the analyzed
folder, not the folder's own place on disk), written whole as a string, or only by its last
parts (`os.path.join(<a value known only at run time>, "static")` ends in `static`). Flask
serves a static folder under its base name, so the last part is often all a rule needs.
POSIX paths, as `os.path` has them on the systems the analyzed apps run on.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

Anchor = Literal["tree", "written", "tail"]


@dataclass(frozen=True, slots=True)
class PathEntity:
    """A computed path. `anchor`: "tree", `text` is the path relative to the analyzed folder
    (built from `__file__`; it starts with `..` when it leaves the folder); "written", `text`
    is the whole path as the code writes it (relative to the working directory unless it
    starts with `/`); "tail", only the path's last parts, `text`, are known."""

    anchor: Anchor
    text: str
    # where a part that settings or a run-time test may change comes from ("" otherwise)
    origin: str = field(default="", compare=False)


Part = PathEntity | None  # None: a part known only at run time

# the os.path functions and pathlib classes a path is computed with
_JOINS = frozenset({"os.path.join", "posixpath.join"})
_CLASSES = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
)
# the path methods whose result is the path itself (as a path or as its text)
_SAME_PATH_METHODS = frozenset({"as_posix", "__str__", "__fspath__"})


def module_file(path: str) -> PathEntity:
    """`__file__` in the module at `path` (relative to the analyzed folder)."""
    return PathEntity("tree", path)


def is_path_call(dotted: str) -> bool:
    """Whether `dotted` names an os.path function or a pathlib class `called` computes."""
    return dotted in _JOINS or dotted in _CLASSES or dotted in _ONE_ARGUMENT


def is_str_result(dotted: str) -> bool:
    """Whether the call named `dotted` returns a str (os.path) rather than a path object."""
    return dotted not in _CLASSES


def called(dotted: str, parts: Sequence[Part]) -> Part:
    """What the library call `dotted` returns for these arguments; None when it is no path
    call or its result is not known."""
    if dotted in _JOINS and parts:
        return joined(parts)
    if dotted in _CLASSES:
        return joined(parts) if parts else PathEntity("written", ".")
    one = _ONE_ARGUMENT.get(dotted)
    if one is not None and len(parts) == 1 and parts[0] is not None:
        return one(parts[0])
    return None


def method(path: PathEntity, name: str, parts: Sequence[Part]) -> Part:
    """`path.<name>(*parts)` for a pathlib path."""
    if name == "joinpath":
        return joined((path, *parts))
    if parts:
        return None
    if name in ("resolve", "absolute"):
        return absolute(path)
    return path if name in _SAME_PATH_METHODS else None


def joined(parts: Sequence[Part]) -> Part:
    """`os.path.join(*parts)`, `Path(*parts)`, `a / b`: a part starting at the root (a path
    from `__file__` is one) restarts the path, a relative one is appended; after a part known
    only at run time, only the written parts that follow are known."""
    found: Part = None
    for index, part in enumerate(parts):
        if index == 0 or part is None or part.anchor != "written" or _rooted(part):
            found = part
        elif found is None:  # after a part known only at run time
            found = _tail(part.text, part.origin) if part.text else None
        else:
            text = posixpath.join(found.text, part.text)
            found = _made(found.anchor, text, found.origin or part.origin)
    return found


def concatenated(parts: Sequence[Part]) -> Part:
    """`f"{a}/static"`, `a + "/static"`: the text of each part glued to the next. Only the
    first part may be a computed path; the others must be written strings."""
    first, *rest = parts
    found = first
    for part in rest:
        if part is None or part.anchor != "written":
            found = None
        elif found is None:  # the text after its first `/` is the path's last parts
            _, slash, after = part.text.partition("/")
            found = _tail(after, part.origin) if slash else None
        elif not part.text.startswith("/") and posixpath.basename(found.text) in ("", ".", ".."):
            found = None  # glued to a name that is not known (the analyzed folder's own)
        else:
            found = _made(found.anchor, found.text + part.text, found.origin or part.origin)
    return found


def dirname(path: PathEntity) -> Part:
    """`os.path.dirname(path)`, `path.parent`."""
    if path.anchor == "tree":
        return _made("tree", posixpath.join(path.text, ".."), path.origin)
    if path.anchor == "written":
        return replace(path, text=posixpath.dirname(path.text))
    head = posixpath.dirname(path.text)
    return _tail(head, path.origin) if head else None


def ancestor(path: PathEntity, levels: int) -> Part:
    """`path.parents[levels - 1]`."""
    found: Part = path
    for _ in range(levels):
        found = None if found is None else dirname(found)
    return found


def absolute(path: PathEntity) -> Part:
    """`os.path.abspath(path)`, `realpath`, `path.resolve()`: a relative written path is
    under the working directory, which is not known."""
    if path.anchor == "written" and not _rooted(path):
        return _tail(path.text, path.origin)
    return normalised(path)


def normalised(path: PathEntity) -> PathEntity:
    """`os.path.normpath(path)`."""
    return replace(path, text=posixpath.normpath(path.text)) if path.anchor == "written" else path


def basename(path: object) -> str | None:
    """The last part of a computed path, as Flask takes it for a static folder's URL (its
    trailing slashes stripped), or None when it is not known."""
    if not isinstance(path, PathEntity):
        return None
    name = posixpath.basename(path.text.rstrip("/"))
    return None if name in ("", ".", "..") else name


def tree_path(path: object) -> str | None:
    """Where a path computed from `__file__` is, relative to the analyzed folder (`.` for the
    folder itself, starting with `..` when it leaves it); None for any other value."""
    return path.text if isinstance(path, PathEntity) and path.anchor == "tree" else None


def describe(path: PathEntity) -> str:
    match path.anchor:
        case "tree":
            return f"{path.text} (in the analyzed folder)"
        case "written":
            return repr(path.text)
    return f"a path ending in {path.text}"


def _rooted(path: PathEntity) -> bool:
    return path.anchor == "written" and path.text.startswith("/")


def _tail(text: str, origin: str) -> Part:
    """The last parts `text` of a path; None when they do not end in a name."""
    found = _made("tail", text, origin)
    return found if posixpath.basename(found.text) not in ("", ".", "..") else None


def _made(anchor: Anchor, text: str, origin: str) -> PathEntity:
    if anchor != "written":
        text = posixpath.normpath(text) if text else "."
    return PathEntity(anchor, text, origin)


# the os.path functions of one path
_ONE_ARGUMENT: dict[str, Callable[[PathEntity], Part]] = {
    "os.path.dirname": dirname,
    "posixpath.dirname": dirname,
    "os.path.abspath": absolute,
    "posixpath.abspath": absolute,
    "os.path.realpath": absolute,
    "posixpath.realpath": absolute,
    "os.path.normpath": normalised,
    "posixpath.normpath": normalised,
    "os.fspath": lambda path: path,
}
