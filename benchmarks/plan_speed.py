"""How fast `strangler plan` is: the planning stage against the cold analysis of the same tree.

Two measures, in this process, one after the other:

- the ~100k-line synthetic Flask monolith of `analyze_speed.py` (generated in a temporary
  directory): a cold analysis (no cache), then the planning stage alone (`build_plan` on
  that analysis); printed as a ratio, goal <= 1x;
- a synthetic analysis of about 10k graph nodes (100 areas of 40 routes, 35 modules and
  20 tables, some links across areas), planned from memory: seconds (goal <= 10 s) and
  the process's peak memory (goal <= 1 GB).

    .venv/bin/python benchmarks/plan_speed.py
"""

from __future__ import annotations

import importlib.util
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analyzer.resolution.results import Access, Analysis, ModuleInfo, Route, Table
from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.usecases import build_plan

RATIO_GOAL = 1.0
LARGE_SECONDS_GOAL = 10.0
MEMORY_GOAL_MB = 1024
AREAS, ROUTES, MODULES, TABLES = 100, 40, 35, 20
APP = "big.app:create_app()"
T = TypeVar("T")


def generate_monolith() -> Callable[[Path], int]:
    """`analyze_speed.py`'s generator of the synthetic monolith (one tree for both)."""
    path = Path(__file__).with_name("analyze_speed.py")
    spec = importlib.util.spec_from_file_location("analyze_speed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generate: Callable[[Path], int] = module.generate_monolith
    return generate


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def large_analysis(seed: int = 7) -> Analysis:
    """Areas of routes reading and writing their own tables through their own modules, with
    one cross-area import in ten modules and one cross-area read in twenty routes."""
    rnd = random.Random(seed)
    routes, modules, tables = [], [], []
    access: dict[tuple[str | None, str, str], Access] = {}
    calls: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for area in range(AREAS):
        own_tables = [f"t{area}_{i}" for i in range(TABLES)]
        tables += [Table(t, foreign_keys=(rnd.choice(own_tables),)) for t in own_tables]
        names = [f"big.a{area}.m{i}" for i in range(MODULES)]
        for name in names:
            imports = tuple(rnd.sample(names, 3))
            if rnd.random() < 0.1:
                imports += (f"big.a{rnd.randrange(AREAS)}.m0",)
            modules.append(ModuleInfo(name, name.replace(".", "/") + ".py", 100, imports))
        for number in range(ROUTES):
            view = names[number % MODULES]
            route = Route(
                APP, f"/a{area}/r{number}", f"a{area}.r{number}", ("GET",), f"{view}.py", 1,
                ((view, f"v{number}"),), blueprint=f"a{area}",
            )  # fmt: skip
            routes.append(route)
            reads = tuple(rnd.sample(own_tables, 3))
            if rnd.random() < 0.05:
                reads += (f"t{rnd.randrange(AREAS)}_0",)
            writes = (rnd.choice(own_tables),) if rnd.random() < 0.4 else ()
            access[(APP, route.rule, route.endpoint)] = Access(reads=reads, writes=writes)
            calls[(view, f"v{number}")] = ((rnd.choice(names), "helper"),)
    return Analysis(
        "/big", (), tuple(routes), access, (), {}, tuple(tables), tuple(modules), (), calls, {}, ()
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="strangler-plan-bench-") as tmp:
        root = Path(tmp)
        lines = generate_monolith()(root)
        options = AnalyzeOptions(use_cache=False, show_progress=False)
        analysis, analyze_seconds = timed(lambda: analyze_project(root, options))
        plan, plan_seconds = timed(lambda: build_plan(analysis))
    ratio = plan_seconds / analyze_seconds
    print(
        f"synthetic monolith ({lines} lines, {len(analysis.routes)} routes):"
        f" cold analysis {analyze_seconds:.2f} s, planning {plan_seconds:.2f} s"
        f" ({len(plan.candidates)} services) = {ratio:.2f}x (goal <= {RATIO_GOAL:g}x)"
    )
    large = large_analysis()
    nodes = len(large.routes) + len(large.modules) + len(large.tables)
    large_plan, large_seconds = timed(lambda: build_plan(large))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"synthetic analysis of {nodes} nodes: planned in {large_seconds:.2f} s"
        f" ({len(large_plan.candidates)} services; goal <= {LARGE_SECONDS_GOAL:g} s),"
        f" peak memory {peak_mb:.0f} MB (goal <= {MEMORY_GOAL_MB} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
