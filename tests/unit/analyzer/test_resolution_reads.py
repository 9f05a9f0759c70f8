"""What resolution records as read, unit by unit (`analyzer.resolution.reads`): the modules an
answer rests on, so that an answer can be kept when none of them changed.

Expectations are written by hand from the sources below and the resolver's code; the
property test on the sample monolith checks that no read escapes the recording: emptying
the facts of a module a unit did not read leaves the unit's answers as they were."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.collect.pipeline import collect_facts
from analyzer.facts.python import FileFacts
from analyzer.facts.values import Attr, Ref, SelfOf
from analyzer.resolution.reads import EVERYTHING, PROTOBUF, Reads
from analyzer.resolution.resolve import MAX_DEPTH, ClassEntity, Ctx, Resolved, Resolver
from analyzer.source.discover import discover

MONOLITH = Path(__file__).resolve().parents[3] / "legacy_monolith"

PAGES = """
class Pages:
    def __init__(self, app):
        self.app = app

    def register(self):
        return self.app
"""

APP = """
from flask import Flask

from shop.pages import Pages

app = Flask(__name__)
pages = Pages(app)
"""

VIEWS = """
from shop.pages import Pages
"""


def _facts(source: str, module: str) -> FileFacts:
    path = module.replace(".", "/") + ".py"
    return extract_file(source.encode(), FileSpec(path, "python", module, False), None)


def _shop(reads: Reads) -> Resolver:
    return Resolver(
        [_facts(PAGES, "shop.pages"), _facts(APP, "shop.app"), _facts(VIEWS, "shop.views")],
        reads,
    )


def test_a_name_reads_the_modules_its_imports_lead_through() -> None:
    reads = Reads()
    resolver = _shop(reads)
    with reads.unit() as read:
        resolver.resolve(Ref("Pages"), Ctx("shop.app"))
    # `Pages` is bound in shop.app by `from shop.pages import Pages`, defined in shop.pages;
    # a global name also asks the protobuf index for generated classes
    assert read == {"shop.app", "shop.pages", PROTOBUF}


def test_an_answer_from_a_memo_passes_on_what_making_it_read() -> None:
    reads = Reads()
    resolver = _shop(reads)
    with reads.unit() as first:
        resolver.resolve(Ref("Pages"), Ctx("shop.views"))
    with reads.unit() as again:  # the same question: answered from the resolver's memo
        resolver.resolve(Ref("Pages"), Ctx("shop.views"))
    with reads.unit() as through:  # another question whose answer reuses the first's entry
        resolver.resolve(Attr(Ref("Pages"), "register"), Ctx("shop.views"))
    assert first == {"shop.views", "shop.pages", PROTOBUF}
    assert again == first
    assert through == first


def test_a_call_answered_from_its_memo_reads_what_resolving_it_read() -> None:
    reads = Reads()
    resolver = _shop(reads)
    built = resolver.bindings["shop.app"]["pages"]  # `Pages(app)`
    with reads.unit() as first:
        resolver.resolve(built, Ctx("shop.app"))
    with reads.unit() as again:
        resolver.resolve(built, Ctx("shop.app"))
    # the facts write the callee as the import binding it (`Imported("shop.pages", "Pages")`):
    # shop.pages binds and defines the class (its bases read there too)
    assert first == {"shop.pages", PROTOBUF}
    assert again == first


def test_a_value_found_by_a_whole_program_scan_reads_everything() -> None:
    reads = Reads()
    resolver = _shop(reads)
    with reads.unit() as read:
        # `self.app` in a method: what `Pages(app)` passes, found among the constructions
        # of the class anywhere in the project
        found = resolver.resolve(Attr(SelfOf("Pages"), "app"), Ctx("shop.pages", "Pages.register"))
    assert type(found).__name__ == "FlaskObject"
    assert EVERYTHING in read
    pages = ClassEntity("shop.pages", "Pages")
    with reads.unit() as listed_again:  # the scan's index is built: answered from it
        assert len(resolver.constructions(pages)) == 1
    assert listed_again == {EVERYTHING, EVERYTHING + "constructions"}


def test_an_answer_cut_short_reads_everything() -> None:
    # a name bound to itself through another: met again while it is worked out
    reads = Reads()
    resolver = Resolver([_facts("first = second\nsecond = first\n", "loops")], reads)
    with reads.unit() as read:
        resolver.resolve(Ref("first"), Ctx("loops"))
    assert EVERYTHING in read
    # a chain of names deeper than the depth cap
    chain = "".join(f"name{n} = name{n + 1}\n" for n in range(MAX_DEPTH + 5)) + "name_end = 1\n"
    reads = Reads()
    resolver = Resolver([_facts(chain, "deep")], reads)
    with reads.unit() as read:
        resolver.resolve(Ref("name0"), Ctx("deep"))
    assert EVERYTHING in read


def test_every_index_notes_the_module_of_a_lookup_and_everything_for_a_loop() -> None:
    reads = Reads()
    resolver = _shop(reads)
    lookups = {
        "functions": lambda: resolver.functions.get(("shop.pages", "Pages.register")),
        "classes": lambda: ("shop.pages", "Pages") in resolver.classes,
        "returned models": lambda: resolver.returned_models.get(("shop.views", "f")),
        "files": lambda: resolver.files["shop.app"],
        "bindings": lambda: resolver.bindings.get("shop.views"),
    }
    expected = {
        "functions": {"shop.pages"},
        "classes": {"shop.pages"},
        "returned models": {"shop.views"},
        "files": {"shop.app"},
        "bindings": {"shop.views"},
    }
    for name, lookup in lookups.items():
        with reads.unit() as read:
            lookup()
        assert read == expected[name], name
    indexes: dict[str, Mapping[Any, object]] = {
        "functions": resolver.functions,
        "classes": resolver.classes,
        "files": resolver.files,
        "bindings": resolver.bindings,
    }
    for name, index in indexes.items():
        with reads.unit() as read:
            list(index.items())
        assert read == {EVERYTHING, f"{EVERYTHING}a loop over {name}"}


def test_nothing_is_recorded_without_reads() -> None:
    resolver = Resolver([_facts(APP, "shop.app")])
    assert resolver.reads is None
    assert type(resolver.functions) is dict
    assert type(resolver.files) is dict


def _monolith(root: Path) -> tuple[FileFacts, ...]:
    shutil.copytree(MONOLITH, root / "legacy_monolith")
    discovery = discover(root)
    return collect_facts(discovery.files, cache=None, dialect=None, fingerprint="", workers=1).facts


def _answers(resolver: Resolver, key: tuple[str, str]) -> list[Resolved]:
    """A unit: what each call and decorator of one function resolves to."""
    module, qualname = key
    function = resolver.functions[key]
    return [
        *(resolver.called(call, Ctx(module, qualname)) for call in function.calls),
        *(resolver.resolve(decorator, Ctx(module)) for decorator in function.decorators),
    ]


def _emptied(facts: FileFacts) -> FileFacts:
    """The module with none of its code: what feeds the pseudo-modules is kept."""
    return FileFacts(
        facts.path,
        facts.module,
        facts.is_package,
        facts.kind,
        facts.lines,
        protobuf=facts.protobuf,
        openapi=facts.openapi,
        requirements=facts.requirements,
    )


def test_no_read_escapes_the_recording(tmp_path: Path) -> None:
    files = _monolith(tmp_path)
    reads = Reads()
    resolver = Resolver(files, reads)
    keys = list(dict.items(resolver.functions))
    answers: dict[tuple[str, str], list[Resolved]] = {}
    read: dict[tuple[str, str], set[str]] = {}
    for key, _ in keys:
        with reads.unit() as unit:
            answers[key] = _answers(resolver, key)
        read[key] = unit
    modules = [f.module for f in files if f.kind == "python"]
    checked = 0
    for module in modules:
        others = [key for key, _ in keys if EVERYTHING not in read[key] and module not in read[key]]
        changed = Resolver([_emptied(f) if f.module == module else f for f in files])
        for key in others:
            assert _answers(changed, key) == answers[key], (key, module)
            checked += 1
    # most units of the sample app read a few modules: the check covers many pairs
    assert checked > len(keys) * len(modules) // 2
