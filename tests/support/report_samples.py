"""Analyses made by hand for the HTML report's tests: one whose names try to inject markup,
and one with hundreds of routes and tables."""

from __future__ import annotations

from analyzer.resolution.results import Access, Analysis, ModuleInfo, Route, Table

HOSTILE_RULE = "/x</script><script>alert(1)</script>"
HOSTILE_ENDPOINT = '<img src=x onerror="alert(2)">'
HOSTILE_TABLE = "</script><img src=y onerror=alert(3)>"
HOSTILE_MODULE = "a\"'><svg onload=alert(4)>&amp;"


def hostile_analysis() -> Analysis:
    app = "evil:app"
    route = Route(
        app,
        HOSTILE_RULE,
        HOSTILE_ENDPOINT,
        ("GET",),
        "evil.py",
        1,
        ((HOSTILE_MODULE, "view"),),
        blueprint=HOSTILE_MODULE,
    )
    return Analysis(
        root="/src/<b>evil</b>",
        apps=(),
        routes=(route,),
        route_access={(app, HOSTILE_RULE, HOSTILE_ENDPOINT): Access(writes=(HOSTILE_TABLE,))},
        hooks=(),
        hook_access={},
        tables=(Table(HOSTILE_TABLE, "evil.py", 3, model="<i>M</i>"),),
        modules=(ModuleInfo(HOSTILE_MODULE, "evil.py", 9, ()),),
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )


def many_routes_analysis(areas: int = 12, routes_per_area: int = 20) -> Analysis:
    """`areas` blueprints, each with its routes, its module and a table per two routes; every
    route also reads the next area's first table, so edges cross between groups."""
    app = "big.app:create_app()"
    routes = []
    access: dict[tuple[str | None, str, str], Access] = {}
    tables = []
    for a in range(areas):
        area = f"area{a:02d}"
        tables += [Table(f"{area}_table_{t:02d}") for t in range(routes_per_area // 2)]
        for r in range(routes_per_area):
            endpoint = f"{area}.endpoint_number_{r:02d}" + "_long" * (r % 4)
            route = Route(
                app, f"/{area}/{r}", endpoint, ("GET", "POST"), f"{area}.py", r + 1,
                ((f"big.{area}.views", f"view_{r}"),), blueprint=area,
            )  # fmt: skip
            routes.append(route)
            access[(app, route.rule, endpoint)] = Access(
                reads=(f"area{(a + 1) % areas:02d}_table_00",),
                writes=(f"{area}_table_{r // 2:02d}",),
            )
    return Analysis(
        root="/src/big",
        apps=(),
        routes=tuple(routes),
        route_access=access,
        hooks=(),
        hook_access={},
        tables=tuple(tables),
        modules=tuple(
            ModuleInfo(f"big.area{a:02d}.views", f"area{a:02d}.py", 100, ()) for a in range(areas)
        ),
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )
