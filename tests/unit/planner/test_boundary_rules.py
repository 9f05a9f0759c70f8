"""The boundary rules of `strangler check` on a small app built by hand.

The plan: service `orders` (route orders.create; module shop.orders.views; owns orders and
stock; may read products), service `catalog` (route catalog.show; modules
shop.catalog.views, shop.reviews.models; tables products, categories, stock; owns
products), service `reviews` (module shop.reviews.views); shared: shop, shop.db, shop.app.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.resolution.results import Access, Analysis, ModuleInfo, Route, TableUse
from planner.boundaries import find_violations, modules_by_service, modules_in_common
from planner.plan_file import PlanFileError, PlannedBoundaries, PlannedService, read_boundaries

APP = "shop.app:create_app()"

PLAN = PlannedBoundaries(
    services=(
        PlannedService(
            name="orders",
            routes=("orders.create",),
            modules=("shop.orders.views",),
            tables=("orders",),
            owns=("orders", "stock"),
            reads_from_others=("products",),
        ),
        PlannedService(
            name="catalog",
            routes=("catalog.show",),
            modules=("shop.catalog.views", "shop.reviews.models"),
            tables=("categories", "products", "stock"),
            owns=("products",),
            reads_from_others=(),
        ),
        PlannedService("reviews", (), ("shop.reviews.views",), (), (), ()),
    ),
    shared_modules=("shop", "shop.db", "shop.app"),
)


def use(table: str, mode: str, function: tuple[str, str], file: str, line: int) -> TableUse:
    return TableUse(table, mode, function, file, line)


CREATE = ("shop.orders.views", "create")
QUOTE = ("shop.orders.pricing", "quote")  # a module the plan does not know
SHOW = ("shop.catalog.views", "show")
ROUTES = {
    "orders.create": (
        CREATE,
        "orders/views.py",
        (
            use("orders", "write", CREATE, "orders/views.py", 10),  # its own table
            use("products", "write", CREATE, "orders/views.py", 11),  # catalog's
            use("products", "read", CREATE, "orders/views.py", 12),  # listed: may read
            use("categories", "read", CREATE, "orders/views.py", 13),  # not listed
            use("audit", "write", CREATE, "orders/views.py", 14),  # nobody's table
            TableUse("categories", "read", CREATE, "orders/views.py", 15, indirect=True),
        ),
    ),
    "orders.quote": (  # a route the plan does not know, in an orders module
        QUOTE,
        "orders/pricing.py",
        (use("products", "write", QUOTE, "orders/pricing.py", 7),),
    ),
    "catalog.show": (
        SHOW,
        "catalog/views.py",
        (use("stock", "read", SHOW, "catalog/views.py", 4),),  # orders owns it
    ),
}
MODULES = (
    ModuleInfo("shop", "__init__.py", 1, ()),
    ModuleInfo("shop.db", "db.py", 1, ()),
    ModuleInfo("shop.app", "app.py", 5, (), (("shop.orders.views", 2), ("shop.catalog.views", 3))),
    ModuleInfo(
        "shop.orders.views",
        "orders/views.py",
        20,
        (),
        (("shop.db", 1), ("shop.catalog.views", 2), ("shop.catalog.views", 30)),
    ),
    ModuleInfo("shop.orders.pricing", "orders/pricing.py", 9, (), (("shop.catalog.views", 3),)),
    ModuleInfo("shop.catalog.views", "catalog/views.py", 9, (), (("shop.db", 1),)),
    # a module the plan does not know, in a package two services share: shared
    ModuleInfo("shop.reviews.extra", "reviews/extra.py", 4, (), (("shop.orders.views", 1),)),
)


def analysis() -> Analysis:
    routes = tuple(
        Route(APP, f"/{endpoint}", endpoint, ("POST",), file, 1, (view,))
        for endpoint, (view, file, _) in ROUTES.items()
    )
    return Analysis(
        root="/src/shop",
        apps=(),
        routes=routes,
        route_access={
            (APP, r.rule, r.endpoint): Access(evidence=ROUTES[r.endpoint][2]) for r in routes
        },
        hooks=(),
        hook_access={},
        tables=(),
        modules=MODULES,
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )


def test_every_crossing_and_only_those_with_where_they_are() -> None:
    found = [(v.file, v.line, v.rule) for v in find_violations(PLAN, analysis())]
    assert found == [
        ("catalog/views.py", 4, "foreign-read"),  # reads stock, which orders owns
        ("orders/pricing.py", 3, "crossing-import"),  # unknown module, its package's service
        ("orders/pricing.py", 7, "foreign-write"),  # unknown route, its view module's service
        ("orders/views.py", 2, "crossing-import"),
        ("orders/views.py", 11, "foreign-write"),
        ("orders/views.py", 13, "foreign-read"),
        ("orders/views.py", 30, "crossing-import"),  # a second copy of the same import
    ]


def test_identities_leave_lines_out_and_messages_name_both_sides() -> None:
    by_line = {(v.file, v.line): v for v in find_violations(PLAN, analysis())}
    first, second = by_line["orders/views.py", 2], by_line["orders/views.py", 30]
    assert first.key == second.key == ("crossing-import", "shop.orders.views", "shop.catalog.views")
    assert first.message == (
        "shop.orders.views (service orders) imports shop.catalog.views (service catalog)"
    )
    write = by_line["orders/views.py", 11]
    assert write.key == ("foreign-write", "orders.create", "shop.orders.views:create", "products")
    assert write.message == (
        "route orders.create (service orders) writes table products (service catalog)"
    )
    read = by_line["catalog/views.py", 4]
    assert read.message == (
        "route catalog.show (service catalog) reads table stock (service orders),"
        " not in its reads_from_others"
    )


def test_modules_in_common_tell_this_project_from_another() -> None:
    # shop, shop.db, shop.app, shop.orders.views, shop.catalog.views (shop.reviews.* are
    # not in the code)
    assert modules_in_common(PLAN, analysis()) == 5
    # the same endpoint, another project's modules
    other = PlannedBoundaries(
        (PlannedService("blog", ("orders.create",), ("blog.views",), (), (), ()),), ("blog",)
    )
    assert modules_in_common(other, analysis()) == 0


def test_modules_by_service_places_unknown_modules_by_their_package() -> None:
    assert modules_by_service(PLAN, analysis()) == {
        "orders": ("shop.orders.pricing", "shop.orders.views"),
        "catalog": ("shop.catalog.views",),
        "reviews": (),
    }


def test_a_plan_service_without_a_list_is_refused_by_name(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    service = {"name": "orders", "routes": [], "modules": [], "tables": [], "owns": []}
    plan_file.write_text(json.dumps({"services": [service]}))
    with pytest.raises(PlanFileError) as caught:
        read_boundaries(plan_file)
    assert str(caught.value) == f"{plan_file}: service 'orders' has no list of reads_from_others"
