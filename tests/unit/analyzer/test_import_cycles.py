"""Import cycles are searched without networkx, and the example cycle of each group is the
one networkx's `find_cycle` gives (the reports stay as they were when networkx searched);
a re-run after an import edit searches again."""

from __future__ import annotations

import json
import random
from pathlib import Path

import networkx as nx

from analyzer.reports.as_json import render_json
from analyzer.resolution.graph import import_cycles
from analyzer.resolution.results import ModuleInfo
from analyzer.usecases import AnalyzeOptions, report_project


def _networkx_cycles(modules: list[ModuleInfo]) -> tuple[tuple[str, ...], ...]:
    """The search as it was written with networkx."""
    graph = nx.DiGraph()
    for module in modules:
        graph.add_node(module.name)
        graph.add_edges_from((module.name, t) for t in module.imports if t != module.name)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) >= 2:
            edges = nx.find_cycle(graph.subgraph(component), source=min(component))
            cycles.append(tuple(edge[0] for edge in edges))
    return tuple(sorted(cycles))


def _random_modules(rng: random.Random) -> list[ModuleInfo]:
    """Up to 25 modules importing each other (themselves, unknown modules, twice, a module
    name given twice), in random order."""
    count = rng.randint(1, 25)
    names = [f"m{number}" for number in range(count)]
    outside = ["x0", "x1", "x2"]
    modules = []
    for name in names:
        imports = tuple(rng.choice(names + outside) for _ in range(rng.randint(0, 5)))
        written = rng.choice(names) if rng.random() < 0.1 else name
        modules.append(ModuleInfo(written, f"{written}.py", 1, imports))
    rng.shuffle(modules)
    return modules


def test_the_example_cycles_are_the_ones_networkx_finds() -> None:
    rng = random.Random(7)
    found = 0
    for _ in range(1500):
        modules = _random_modules(rng)
        cycles = import_cycles(modules)
        assert cycles == _networkx_cycles(modules), modules
        found += len(cycles)
    assert found > 1000  # most graphs had cycles to compare


def test_a_long_import_chain_does_not_overflow_the_stack() -> None:
    count = 20_000
    modules = [ModuleInfo(f"m{n}", "m.py", 1, (f"m{(n + 1) % count}",)) for n in range(count)]
    (cycle,) = import_cycles(modules)
    assert len(cycle) == count and cycle[0] == "m0"


def _write_cyclic_project(root: Path) -> None:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "orders.py").write_text(
        "from shop import billing\n\n\ndef total():\n    return billing.TAX\n"
    )
    (root / "shop" / "billing.py").write_text(
        "from shop import orders\n\nTAX = 2\n\n\ndef bill():\n    return orders.total()\n"
    )


def test_an_import_edit_searches_again(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _write_cyclic_project(project)
    options = AnalyzeOptions(show_progress=False, workers=1, cache_dir=tmp_path / "cache")
    before = report_project(project, options, "json", render_json)
    assert json.loads(before.report.text)["import_cycles"] == [["shop.billing", "shop.orders"]]
    billing = project / "shop" / "billing.py"
    billing.write_text("TAX = 2\n")
    after = report_project(project, options, "json", render_json)
    assert json.loads(after.report.text)["import_cycles"] == []
