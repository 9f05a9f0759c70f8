"""How many nodes a value holds: what bounds the values a name may be bound to (a part shared
by two counts twice, as walking or writing the value visits it twice). Sizes are worked out
by hand from the values' shapes."""

from __future__ import annotations

from analyzer.facts.values import (
    LARGEST_VALUE,
    UNKNOWN,
    CallOf,
    Lit,
    Ref,
    Seq,
    Sum,
    Value,
    ValueSizes,
)


def test_leaves_count_one_and_parts_shared_count_each_time() -> None:
    sizes = ValueSizes()
    assert sizes.size(Ref("x")) == 1
    assert sizes.size(Seq(())) == 1  # a composite without parts
    shared = Seq((Lit(1), Ref("a")))
    assert sizes.size(shared) == 3
    doubled = Sum(shared, shared)
    assert sizes.size(doubled) == 1 + 3 + 3
    call = CallOf(Ref("f"), (doubled, Lit(2)), (("k", shared),), 1)
    assert sizes.size(call) == 1 + 1 + 7 + 1 + 3
    assert ValueSizes().size(call) == 13  # the same when nothing was sized before


def test_a_value_doubled_past_the_largest_is_unknown() -> None:
    sizes = ValueSizes()
    value: Value = Lit(0)
    for _ in range(14):
        value = Sum(value, value)
    assert sizes.size(value) == 2**15 - 1 <= LARGEST_VALUE
    assert sizes.bounded(value) is value
    twice = Sum(value, value)
    assert sizes.size(twice) == 2**16 - 1 > LARGEST_VALUE
    assert sizes.bounded(twice) is UNKNOWN
