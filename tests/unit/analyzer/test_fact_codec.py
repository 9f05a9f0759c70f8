"""Facts survive the JSON cache format exactly, and nothing but facts comes out of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.collect.pipeline import collect_facts
from analyzer.facts import codec
from analyzer.facts.database import ModuleDbFacts, TableAccess
from analyzer.facts.values import UNKNOWN, CallOf, Lit, Ref
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


@pytest.mark.parametrize(
    "text",
    [
        '{"@": "Popen", "f": [["sh", "-c", "true"]]}',  # not a fact class
        '{"@": "Lit", "f": [1, 2]}',  # wrong field count
        '{"@": "Lit"}',
        "[1, 2",
        "",
    ],
)
def test_anything_but_facts_is_refused(text: str) -> None:
    with pytest.raises(codec.FactDecodeError):
        codec.loads(text)
