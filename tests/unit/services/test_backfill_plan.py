"""The generic backfill's pure parts: the copy order with its cycles, and table checksums."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from extracted_services.backfill.checksum import TableDigest, canonical, canonical_key
from extracted_services.backfill.plan import ForeignKey, TableFacts, plan_copy


def table(name: str, key: tuple[str, ...] = ("id",)) -> TableFacts:
    return TableFacts(source=name, target=name, columns=("id", "ref"), key=key)


def refers(child: str, parent: str) -> ForeignKey:
    return ForeignKey(child, ("ref",), parent, ("id",))


def test_parents_come_first_and_ties_keep_the_manifest_order() -> None:
    tables = [table("lines"), table("notes"), table("orders"), table("customers")]
    links = [refers("lines", "orders"), refers("orders", "customers"), refers("notes", "orders")]
    plan = plan_copy(tables, links)
    assert [step.table.target for step in plan.steps] == ["customers", "orders", "lines", "notes"]
    assert plan.cycles == ()
    assert not any(step.in_cycle for step in plan.steps)


def test_a_cycle_is_copied_as_one_block_after_its_parents() -> None:
    tables = [table("orders"), table("regions"), table("customers"), table("notes")]
    links = [
        refers("customers", "orders"),
        refers("orders", "customers"),
        refers("customers", "regions"),
        refers("notes", "notes"),
    ]
    plan = plan_copy(tables, links)
    assert [step.table.target for step in plan.steps] == ["regions", "orders", "customers", "notes"]
    assert plan.cycles == (("orders", "customers"), ("notes",))
    assert [step.in_cycle for step in plan.steps] == [False, True, True, True]


def test_references_outside_the_service_do_not_order_anything() -> None:
    plan = plan_copy([table("b"), table("a")], [refers("b", "users")])
    assert [step.table.target for step in plan.steps] == ["b", "a"]


def test_a_table_without_a_usable_key_is_replaced_whole() -> None:
    assert table("a").mode == "upsert"
    assert table("a", key=()).mode == "replace"
    assert table("a", key=("surrogate",)).mode == "replace"  # a key the source does not have


def digest(rows: Sequence[tuple[object, ...]]) -> TableDigest:
    result = TableDigest()
    result.add(rows)
    return result


def test_a_checksum_ignores_row_order_but_sees_every_value_and_every_repeat() -> None:
    rows = [(1, "a"), (2, "b"), (2, "b")]
    assert digest(rows).matches(digest(list(reversed(rows))))
    assert not digest(rows).matches(digest([(1, "a"), (2, "b")]))
    assert not digest(rows).matches(digest([(1, "a"), (2, "b"), (2, "c")]))
    assert not digest([(1, "a"), (1, "a")]).matches(digest([(2, "b"), (2, "b")]))
    assert digest(rows).checksum != digest([(1, "a")]).checksum


def test_values_read_from_either_database_agree_when_they_are_the_same() -> None:
    aware = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert canonical(aware) == canonical(dt.datetime(2024, 5, 1, 10, 0))
    assert canonical(Decimal("12.50")) == canonical(Decimal("12.5"))
    assert canonical(memoryview(b"\x00\x01")) == canonical(b"\x00\x01")
    assert len({canonical_key([value]) for value in (1, 1.0, "1", True)}) == 4
    assert canonical({"b": 1, "a": [Decimal("1.0")]}) == canonical({"a": [Decimal("1")], "b": 1})
