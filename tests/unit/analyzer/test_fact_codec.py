"""Facts survive the JSON cache format exactly, and nothing but facts comes out of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.collect.pipeline import collect_facts
from analyzer.facts import codec
from analyzer.facts.database import ModuleDbFacts, TableAccess
from analyzer.facts.python import CallFact, FunctionFact, ParamFact
from analyzer.facts.values import UNKNOWN, CallOf, Lit, Pairs, Ref
from analyzer.source.discover import discover

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"


@pytest.mark.parametrize("app", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture_apps_facts_round_trip(app: str) -> None:
    files = discover(FIXTURES / app).files
    facts = collect_facts(files, cache=None, dialect=None, fingerprint="test", workers=1).facts
    for fact in facts:
        back = codec.loads(codec.dumps(fact))
        assert back == fact
        assert all(type(getattr(back, name)) is tuple for name in ("imports", "functions"))
        assert all(isinstance(hash(f.calls), int) for f in back.functions)  # tuples: hashable


def test_mappings_scalars_and_nesting_keep_their_types() -> None:
    access = TableAccess("orders", "read", 3)
    value = ModuleDbFacts(sql_constants={"Q": (access,)}, model_bases=("db.Model",))
    call = CallOf(Ref("f"), (Lit(1.5), Lit(None), Lit(True), UNKNOWN), (("k", Lit("v")),), 7)
    assert codec.loads(codec.dumps(value)) == value
    assert codec.loads(codec.dumps(call)) == call


def test_equal_facts_are_written_once_and_read_back_as_one_object() -> None:
    shared = CallOf(Ref("db.session.add"), (Ref("order"),), (), 4)
    value = (shared, CallOf(Ref("db.session.add"), (Ref("order"),), (), 4), shared)
    document = json.loads(codec.dumps(value))
    # rows: the two names and one call (the equal second call is the first one's row)
    assert [row[1:] for row in document["t"]] == [["db.session.add"], ["order"], [0, [1], [], 4]]
    back = codec.loads(codec.dumps(value))
    assert back == value
    assert back[0] is back[1] is back[2]


def test_fields_of_every_declared_shape_round_trip() -> None:
    fact = FunctionFact(
        "f",
        1,
        params=(ParamFact("x", "keyword", Lit(-2), None),),
        calls=(CallFact(Ref("g"), 2, (Pairs(((Lit(1), Lit(True)),)),), (("k", Lit(1.0)),)),),
        returns=None,
        decorators=(Ref("route"),),
        nested=("f.inner",),
    )
    back = codec.loads(codec.dumps({"envelope": 1, "facts": fact}))
    assert back == {"envelope": 1, "facts": fact}
    (pair,) = back["facts"].calls[0].args[0].items  # 1, True and 1.0 keep their types
    assert [type(pair[0].value), type(pair[1].value)] == [int, bool]
    assert type(back["facts"].calls[0].kwargs[0][1].value) is float


@pytest.mark.parametrize(
    "text",
    [
        '{"c": ["Popen"], "t": [[0, ["sh", "-c", "true"]]], "v": {"#": 0}}',  # not a fact class
        '{"c": ["Lit"], "t": [[0, 1, 2]], "v": {"#": 0}}',  # wrong field count
        '{"c": ["Lit"], "t": [[0]], "v": {"#": 0}}',
        '{"c": ["Attr", "Ref"], "t": [[0, 1, "x"], [1, "y"]], "v": {"#": 1}}',  # a later row
        '{"c": ["Lit"], "t": [[0, 1]], "v": {"#": 3}}',  # no such row
        '{"c": ["Lit"], "t": [[0, 1]], "v": [{"?": 0}]}',  # neither a fact nor a mapping
        '{"t": [], "v": 1}',  # the first format
        '{"@": "Lit", "f": [1]}',
        "[1, 2",
        "",
    ],
)
def test_anything_but_facts_is_refused(text: str) -> None:
    with pytest.raises(codec.FactDecodeError):
        codec.loads(text)
