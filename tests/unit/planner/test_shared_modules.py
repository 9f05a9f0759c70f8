"""Modules no service should own: defining no view, imported from two or more services."""

from __future__ import annotations

from analyzer.resolution.results import Analysis, ModuleInfo, Route
from planner.candidates import name_groups, without_shared_modules

APP = "shop.app:create_app()"

# shop.a, shop.b, shop.c hold the views of areas a, b, c;
# shop.db imported by a and b (two services), shop.util imported by c only,
# shop.b_models imported by b only, shop.pinned imported by a and c but pinned.
GROUPS = [
    frozenset({"route:a.list", "route:a.edit", "module:shop.a", "module:shop.db"}),
    frozenset({"route:b.show", "module:shop.b", "module:shop.b_models", "module:shop.pinned"}),
    frozenset({"route:c.put", "module:shop.c", "module:shop.util"}),
]
IMPORTS = {
    "shop.a": ("shop.db", "shop.pinned", "shop.c"),
    "shop.b": ("shop.db", "shop.b_models", "shop.c"),
    "shop.c": ("shop.util", "shop.pinned"),
}


def test_only_view_less_modules_imported_from_two_groups_become_shared() -> None:
    modules = tuple(
        ModuleInfo(name, f"{name}.py", 5, IMPORTS.get(name, ()))
        for name in ("shop.a", "shop.b", "shop.c", "shop.db", "shop.util", "shop.b_models",
                     "shop.pinned")
    )  # fmt: skip
    routes = tuple(
        Route(APP, f"/{e}", e, ("GET",), f"{e[0]}.py", 1, ((f"shop.{e[0]}", e),), blueprint=e[0])
        for e in ("a.list", "a.edit", "b.show", "c.put")
    )
    analysis = Analysis("/src/shop", (), routes, {}, (), {}, (), modules, (), {}, {}, ())
    named = name_groups(GROUPS, analysis)

    kept = without_shared_modules(named, analysis, pinned=["module:shop.pinned"])

    modules_of = {name: sorted(n for n in group if n.startswith("module:")) for name, group in
                  kept.items()}  # fmt: skip
    assert modules_of == {
        "a": ["module:shop.a"],  # shop.db: imported by a and b
        "b": ["module:shop.b", "module:shop.b_models", "module:shop.pinned"],
        # shop.c is imported by a and b, but it defines c.put's view: it stays
        "c": ["module:shop.c", "module:shop.util"],
    }
    assert {n for group in kept.values() for n in group if n.startswith("route:")} == {
        "route:a.list", "route:a.edit", "route:b.show", "route:c.put"
    }  # fmt: skip
