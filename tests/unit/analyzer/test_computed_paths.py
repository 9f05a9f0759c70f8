"""Paths the analyzed code computes (`analyzer.resolution.paths`): the expected values are
what `os.path` and `pathlib` give on POSIX, written by hand; a part known only at run time
leaves only what follows it known."""

from __future__ import annotations

from analyzer.resolution.paths import (
    PathEntity,
    absolute,
    ancestor,
    basename,
    called,
    concatenated,
    dirname,
    joined,
    method,
    tree_path,
)

MODULE = PathEntity("tree", "portal/views/__init__.py")  # `__file__` there


def written(text: str) -> PathEntity:
    return PathEntity("written", text)


def tail(text: str) -> PathEntity:
    return PathEntity("tail", text)


def test_paths_from_a_module_file_stay_in_the_analyzed_folder() -> None:
    folder = dirname(MODULE)
    assert folder == PathEntity("tree", "portal/views")
    assert joined([folder, written(".."), written("static")]) == PathEntity("tree", "portal/static")
    assert called("os.path.abspath", [folder]) == folder
    assert tree_path(ancestor(MODULE, 3)) == "."
    assert tree_path(ancestor(MODULE, 4)) == ".."  # above the analyzed folder


def test_a_part_known_only_at_run_time_leaves_the_parts_after_it() -> None:
    assert joined([None, written("static")]) == tail("static")
    assert joined([written("/srv"), None, written("assets"), written("css")]) == tail("assets/css")
    assert joined([written("static"), None]) is None
    assert basename(joined([None, written("static")])) == "static"
    assert dirname(tail("static")) is None  # the folder above is not known
    assert dirname(tail("assets/css")) == tail("assets")


def test_a_part_from_the_root_starts_the_path_again() -> None:
    assert joined([MODULE, written("/etc/portal")]) == written("/etc/portal")
    assert joined([None, MODULE]) == MODULE  # `__file__` is absolute
    assert joined([written("base"), tail("x/static")]) == tail("x/static")


def test_written_paths_join_as_os_path_does() -> None:
    assert joined([written("static"), written("css")]) == written("static/css")
    assert joined([written("static/"), written("")]) == written("static/")
    assert basename(written("static/")) == "static"  # Flask strips trailing slashes
    assert absolute(written("static")) == tail("static")  # under the working directory
    assert absolute(written("/srv/./static")) == written("/srv/static")
    assert basename(tail("..")) is None


def test_strings_glued_to_a_path() -> None:
    folder = dirname(MODULE)
    assert folder is not None
    assert concatenated([folder, written("/media")]) == PathEntity("tree", "portal/views/media")
    assert concatenated([folder, written("_media")]) == PathEntity("tree", "portal/views_media")
    assert concatenated([written("/srv/"), folder]) is None  # only a first part may be a path
    assert concatenated([None, written("x/static")]) == tail("static")
    assert concatenated([None, written("static")]) is None  # glued to a name not known
    assert concatenated([PathEntity("tree", "."), written("static")]) is None


def test_pathlib_methods() -> None:
    folder = PathEntity("tree", "portal")
    assert method(folder, "joinpath", [written("themes"), written("dark")]) == PathEntity(
        "tree", "portal/themes/dark"
    )
    assert method(folder, "resolve", []) == folder
    assert method(folder, "as_posix", []) == folder
    assert method(folder, "glob", [written("*.css")]) is None
    assert called("pathlib.Path", []) == written(".")


def test_origins_are_kept() -> None:
    configured = PathEntity("written", "assets", "the environment variable ASSETS when it is set")
    found = joined([dirname(MODULE), configured])
    assert found == PathEntity("tree", "portal/views/assets")
    assert found is not None and found.origin == configured.origin
