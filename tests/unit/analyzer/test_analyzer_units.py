"""Small pure pieces: module names, relative imports, the progress bar, cycles, folding."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from analyzer.collect.progress import Progress
from analyzer.resolution.graph import fold_access, import_cycles
from analyzer.resolution.results import ModuleInfo, TableUse
from analyzer.source.modules import absolute_import, module_name_for, path_module_name


@pytest.mark.parametrize(
    ("module", "is_package", "level", "name", "expected"),
    [
        ("shop.views", False, 1, "models", "shop.models"),
        ("shop.views", False, 1, None, "shop"),
        ("shop", True, 1, "models", "shop.models"),
        ("shop.api.v1", False, 2, "db", "shop.db"),
        ("shop.api", True, 2, None, "shop"),
        ("app", False, 2, "x", None),
        ("services.orders", False, 2, "dao", None),
        ("app", False, 1, "x", None),
        ("app", False, 0, "flask", "flask"),
    ],
)
def test_absolute_import(
    module: str, is_package: bool, level: int, name: str | None, expected: str | None
) -> None:
    assert absolute_import(module, is_package, level, name) == expected


def test_module_names_follow_packages(tmp_path: Path) -> None:
    inits = {tmp_path / "src" / "shop", tmp_path / "src" / "shop" / "api"}

    def has_init(directory: Path) -> bool:
        return directory in inits

    views = tmp_path / "src" / "shop" / "api" / "views.py"
    assert module_name_for(views, has_init=has_init) == ("shop.api.views", False)
    package = tmp_path / "src" / "shop" / "__init__.py"
    assert module_name_for(package, has_init=has_init) == ("shop", True)
    script = tmp_path / "manage.py"
    assert module_name_for(script, has_init=has_init) == ("manage", False)


def test_path_module_names() -> None:
    assert path_module_name(Path("app/views.py")) == "app.views"
    assert path_module_name(Path("app/__init__.py")) == "app"
    assert path_module_name(Path("my-app/views.py")) is None


def test_progress_is_silent_without_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("analyzing", 3, stream=stream)
    progress.advance(3)
    progress.close()
    assert stream.getvalue() == ""


def test_progress_draws_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress("analyzing", 4, stream=stream)
    progress.advance(4)
    assert "[" + "#" * 30 + "] 4/4" in stream.getvalue()


def test_import_cycles_one_per_strongly_connected_group() -> None:
    modules = [
        ModuleInfo("a", "a.py", 1, ("b",)),
        ModuleInfo("b", "b.py", 1, ("c",)),
        ModuleInfo("c", "c.py", 1, ("a",)),
        ModuleInfo("d", "d.py", 1, ("a",)),
        ModuleInfo("e", "e.py", 1, ("f",)),
        ModuleInfo("f", "f.py", 1, ("e",)),
    ]
    assert import_cycles(modules) == (("a", "b", "c"), ("e", "f"))


def test_fold_access_is_transitive_and_survives_recursion() -> None:
    view, service, dao, loader = ("m", "view"), ("m", "service"), ("m", "dao"), ("m", "loader")
    calls = {view: (service,), service: (dao, view), dao: (service,)}
    uses = {
        dao: (TableUse("orders", "write", dao, "m.py", 3),),
        service: (TableUse("items", "read", service, "m.py", 2, "low"),),
        view: (TableUse("tags", "read", view, "m.py", 1, indirect=True),),
        loader: (TableUse("users", "read", loader, "m.py", 9),),
    }
    access = fold_access([view], calls, uses)
    assert access.reads == ("items",)
    assert access.writes == ("orders",)
    assert access.indirect == ("tags",)
    assert access.low_confidence == ("items",)
