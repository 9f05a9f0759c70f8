"""The baseline of `strangler check`: counted per identity, blind to lines, refused when
it is not a baseline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from planner.baseline import BaselineError, new_violations, read_baseline, render_baseline
from planner.boundaries import Key, Violation

IMPORT = ("shop.orders.views", "shop.catalog.views")
WRITE = ("orders.create", "shop.orders.views:create", "products")


def crossing(line: int) -> Violation:
    return Violation("crossing-import", IMPORT, "orders/views.py", line, "orders imports catalog")


def foreign_write(line: int) -> Violation:
    return Violation("foreign-write", WRITE, "orders/views.py", line, "writes products")


def test_written_baseline_counts_each_identity(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(render_baseline([crossing(2), crossing(30), foreign_write(11)]))
    assert json.loads(baseline.read_text()) == {
        "schema_version": 1,
        "violations": [
            {"rule": "crossing-import", "identity": list(IMPORT), "count": 2},
            {"rule": "foreign-write", "identity": list(WRITE), "count": 1},
        ],
    }
    assert read_baseline(baseline) == Counter(
        {("crossing-import", *IMPORT): 2, ("foreign-write", *WRITE): 1}
    )


def test_accepted_violations_stay_hidden_where_ever_they_moved() -> None:
    accepted = Counter({("crossing-import", *IMPORT): 1, ("foreign-write", *WRITE): 1})
    assert new_violations([crossing(40), foreign_write(3)], accepted) == ()


def test_a_new_identity_is_new_as_it_is() -> None:
    accepted: Counter[Key] = Counter({("crossing-import", *IMPORT): 1})
    assert new_violations([crossing(2), foreign_write(11)], accepted) == (foreign_write(11),)


def test_a_second_copy_shows_every_copy_with_both_counts() -> None:
    accepted: Counter[Key] = Counter({("crossing-import", *IMPORT): 1})
    found = new_violations([crossing(2), crossing(30)], accepted)
    assert [(v.line, v.message) for v in found] == [
        (2, "orders imports catalog [2 now, 1 in the baseline]"),
        (30, "orders imports catalog [2 now, 1 in the baseline]"),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"violations": [\n', "baseline.json:2: not JSON"),
        ('{"rules": []}', "baseline.json: not a baseline: no list of violations"),
        (
            '{"violations": [{"rule": "crossing-import", "identity": ["a", "b"], "count": 0}]}',
            "baseline.json: violation 1: not a {rule, identity, count} with a positive count",
        ),
    ],
)
def test_a_file_that_is_not_a_baseline_is_refused(tmp_path: Path, text: str, error: str) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text)
    with pytest.raises(BaselineError) as caught:
        read_baseline(baseline)
    assert str(caught.value).startswith(f"{tmp_path}/{error}")
    assert caught.value.exit_code == 2


def test_a_missing_baseline_says_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(BaselineError) as caught:
        read_baseline(tmp_path / "nowhere.json")
    assert "no such baseline" in str(caught.value)
    assert caught.value.hint == "write it with `strangler check --update-baseline`"
