"""The package writer never loses a person's edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.writer import HandEdited, write_package


def test_a_rerun_rewrites_an_untouched_package_and_removes_what_it_no_longer_makes(
    tmp_path: Path,
) -> None:
    package = tmp_path / "svc"
    write_package(package, {"a.py": b"one", "old.py": b"gone soon"}, force=False)
    result = write_package(package, {"a.py": b"two"}, force=False)
    assert (package / "a.py").read_bytes() == b"two"
    assert not (package / "old.py").exists()
    assert result.removed == ("old.py",)


def test_a_hand_edit_stops_a_rerun_and_names_the_file(tmp_path: Path) -> None:
    package = tmp_path / "svc"
    write_package(package, {"a.py": b"one", "b.py": b"two"}, force=False)
    (package / "b.py").write_text("edited by a person")
    with pytest.raises(HandEdited, match=r"hand edits .*: b\.py"):
        write_package(package, {"a.py": b"three", "b.py": b"four"}, force=False)
    assert (package / "a.py").read_bytes() == b"one"  # nothing written
    write_package(package, {"a.py": b"three", "b.py": b"four"}, force=True)
    assert (package / "b.py").read_bytes() == b"four"


def test_an_edited_file_the_new_run_does_not_make_stays_with_force(tmp_path: Path) -> None:
    package = tmp_path / "svc"
    write_package(package, {"a.py": b"one", "notes.py": b"generated"}, force=False)
    (package / "notes.py").write_text("kept by a person")
    write_package(package, {"a.py": b"one"}, force=True)
    assert (package / "notes.py").read_text() == "kept by a person"


def test_a_folder_it_did_not_write_is_not_overwritten(tmp_path: Path) -> None:
    package = tmp_path / "svc"
    package.mkdir()
    (package / "service.py").write_text("hand-written")
    with pytest.raises(HandEdited, match="not written by `strangler extract`"):
        write_package(package, {"service.py": b"generated"}, force=False)
    assert (package / "service.py").read_text() == "hand-written"
