"""Import cycles are remembered per module graph: a re-run whose imports did not change
answers from the memo, and the answer is the one a search gives (that such a re-run does not
import networkx: `test_analyzer_one_file_rerun.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer.collect.cycles import ImportCycleMemo
from analyzer.reports.as_json import render_json
from analyzer.resolution.graph import import_cycles
from analyzer.resolution.results import ModuleInfo
from analyzer.usecases import AnalyzeOptions, report_project

CYCLE = (
    ModuleInfo("pkg.a", "pkg/a.py", 1, ("pkg.b",)),
    ModuleInfo("pkg.b", "pkg/b.py", 1, ("pkg.c",)),
    ModuleInfo("pkg.c", "pkg/c.py", 1, ("pkg.a",)),
)
NO_CYCLE = (*CYCLE[:2], ModuleInfo("pkg.c", "pkg/c.py", 1, ()))


def test_the_memo_answers_as_the_search_does_and_only_for_the_same_graph(tmp_path: Path) -> None:
    memo = ImportCycleMemo(tmp_path, "toolkit")
    assert memo.cycles(CYCLE) == import_cycles(CYCLE) == (("pkg.a", "pkg.b", "pkg.c"),)
    assert memo.cycles(NO_CYCLE) == ()
    assert memo.cycles(CYCLE) == (("pkg.a", "pkg.b", "pkg.c"),)


def test_a_remembered_answer_is_used_without_searching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ImportCycleMemo(tmp_path, "toolkit").cycles(CYCLE)
    monkeypatch.setattr("analyzer.collect.cycles.import_cycles", lambda modules: (("searched",),))
    assert ImportCycleMemo(tmp_path, "toolkit").cycles(CYCLE) == (("pkg.a", "pkg.b", "pkg.c"),)
    assert ImportCycleMemo(tmp_path, "another toolkit").cycles(CYCLE) == (("searched",),)


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: "not json",
        lambda entry: '["a list"]',
        lambda entry: json.dumps({**entry, "cycles": "pkg.a"}),
        lambda entry: json.dumps({**entry, "cycles": [["pkg.a", 1]]}),
        lambda entry: json.dumps({**entry, "strangler-import-cycles": 99}),
    ],
)
def test_a_damaged_entry_is_a_miss(tmp_path: Path, damage: Callable[[dict], str]) -> None:
    memo = ImportCycleMemo(tmp_path, "toolkit")
    memo.cycles(NO_CYCLE)  # remembered: ()
    memo.path.write_text(damage({**json.loads(memo.path.read_text()), "key": memo.key(CYCLE)}))
    assert memo.cycles(CYCLE) == (("pkg.a", "pkg.b", "pkg.c"),)


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
