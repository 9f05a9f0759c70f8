"""A message going back: the service's own changes applied, another origin's change to an
owned table a violation, the monolith's own writes to a foreign table left alone."""

from __future__ import annotations

import pytest

from extracted_services.shared.change_messages import Change, ChangeMessage, PoisonMessage
from strangler_sync.apply_messages import sort_message


def change(position: int, origin: str) -> Change:
    return Change(
        id=f"{origin}:products:{position}",
        position=position,
        operation="update",
        key={"id": position},
        row={"id": position},
        origin=origin,
    )


def message(source: str, table: str, *changes: Change) -> ChangeMessage:
    return ChangeMessage(source=source, table=table, transaction=None, changes=changes)


def test_only_the_services_own_changes_are_applied() -> None:
    mine = change(1, "catalog")
    sorted_ = sort_message(message("catalog", "products", mine), "catalog", {"products"})
    assert sorted_.own == message("catalog", "products", mine)
    assert sorted_.violations == () and sorted_.others == 0


def test_another_origin_writing_an_owned_table_is_a_violation() -> None:
    theirs = change(7, "monolith")
    sorted_ = sort_message(message("monolith", "products", theirs), "catalog", {"products"})
    assert sorted_.own is None
    assert sorted_.violations == (theirs,)


def test_the_monoliths_writes_to_a_foreign_table_are_left_alone() -> None:
    theirs = change(7, "monolith")
    sorted_ = sort_message(message("monolith", "users", theirs), "catalog", {"products"})
    assert (sorted_.own, sorted_.violations, sorted_.others) == (None, (), 1)


def test_the_services_changes_under_another_source_are_refused() -> None:
    with pytest.raises(PoisonMessage, match="--source catalog"):
        sort_message(message("monolith", "products", change(1, "catalog")), "catalog", ())
