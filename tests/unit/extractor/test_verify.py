"""The copy's routes against the chosen ones: each difference is a note with where."""

from __future__ import annotations

from analyzer.resolution.results import Route
from extractor.verify import route_differences


def route(rule: str, methods: tuple[str, ...], endpoint: str, kind: str = "view") -> Route:
    return Route("a:app", rule, endpoint, methods, "app.py", 7, (("app", endpoint),), None, kind)


def test_the_same_routes_make_no_note() -> None:
    chosen = [route("/r/<int:id>", ("GET",), "r.get")]
    served = [*chosen, route("/static/<path:filename>", ("GET",), "static", kind="static")]
    assert route_differences(chosen, served) == []


def test_extra_and_missing_routes_are_named_with_their_place() -> None:
    chosen = [route("/r", ("GET",), "r.list"), route("/r", ("POST",), "r.create")]
    served = [route("/r", ("GET",), "r.list"), route("/admin", ("GET",), "admin.index")]
    notes = [str(note) for note in route_differences(chosen, served)]
    assert len(notes) == 2
    assert notes[0].startswith("app.py:7: GET /admin (admin.index) is still registered")
    assert notes[1].startswith("app.py:7: POST /r (r.create) was chosen but the copy")
