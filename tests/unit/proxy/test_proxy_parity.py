"""Pure parity: JSON diffs as field paths, ignore patterns, the report and the requests file."""

from __future__ import annotations

import json

import pytest

from strangler_proxy.parity import MISSING, IgnoreRules, compare_answers, diff_json, parse_body
from strangler_proxy.parity_report import ReportBuilder, format_report
from strangler_proxy.requests_file import (
    Logout,
    PlannedRequest,
    RequestsFileError,
    parse_requests,
)


def paths(left: object, right: object) -> list[str]:
    return [diff.path for diff in diff_json(left, right)]


def test_equal_documents_have_no_differences() -> None:
    doc = {"items": [{"id": 1, "price": "1.00"}], "total": 1, "meta": None}
    assert paths(doc, json.loads(json.dumps(doc))) == []


def test_nested_differences_are_reported_as_field_paths() -> None:
    left = {"items": [{"price": "1.00"}, {"price": "2.00"}], "page": 1}
    right = {"items": [{"price": "1.00"}, {"price": "2.50"}], "page": 2}
    assert paths(left, right) == ["items[1].price", "page"]


def test_missing_and_extra_keys_and_list_items() -> None:
    diffs = diff_json({"a": 1, "l": [1, 2]}, {"b": 1, "l": [1]})
    assert [(d.path, d.left, d.right) for d in diffs] == [
        ("a", 1, MISSING),
        ("l[1]", 2, MISSING),
        ("b", MISSING, 1),
    ]


def test_a_root_type_change_is_reported_as_dollar() -> None:
    assert paths({"items": []}, [1]) == ["$"]
    assert paths("text", "other") == ["$"]


def test_booleans_are_not_numbers_but_ints_equal_floats() -> None:
    assert paths({"x": True}, {"x": 1}) == ["x"]
    assert paths({"x": 1}, {"x": 1.0}) == []
    assert paths([{"x": None}], [{"x": 0}]) == ["[0].x"]


@pytest.mark.parametrize(
    ("pattern", "path", "ignored"),
    [
        ("*.generated_at", "meta.generated_at", True),
        ("*.generated_at", "items[3].generated_at", True),
        ("*.generated_at", "generated_at", True),
        ("*.generated_at", "generated_at_x", False),
        ("request_id", "request_id", True),
        ("request_id", "meta.request_id", False),
        ("meta", "meta.a.b", True),
        ("items[*].price", "items[12].price", True),
        ("items[0].price", "items[1].price", False),
        ("stat?s", "status", True),
    ],
)
def test_ignore_patterns_are_glob_like_on_paths(pattern: str, path: str, ignored: bool) -> None:
    assert IgnoreRules([pattern]).ignores(path) is ignored


def test_compare_answers_adds_status_and_drops_ignored_fields() -> None:
    comparison = compare_answers(
        200,
        {"id": 1, "generated_at": "t1"},
        404,
        {"id": 2, "generated_at": "t2"},
        IgnoreRules(["*.generated_at"]),
    )
    assert [d.path for d in comparison.differences] == ["status", "id"]
    assert comparison.ignored == ("generated_at",)
    assert not comparison.equal


def test_parse_body_falls_back_to_text() -> None:
    assert parse_body(b'{"a": 1}') == {"a": 1}
    assert parse_body(b"<html>") == "<html>"


def test_report_counts_per_endpoint_with_one_example_per_field() -> None:
    builder = ReportBuilder("http://m", "http://p")
    same = compare_answers(200, {"a": 1}, 200, {"a": 1})
    differ = compare_answers(200, {"a": 1, "b": [0]}, 200, {"a": 2, "b": [0]})
    builder.compared("/a/<int:id>", "GET /a/1", same)
    builder.compared("/a/<int:id>", "GET /a/2", differ)
    builder.compared("/a/<int:id>", "GET /a/3", differ)
    builder.not_served("/b", "GET /b -> monolith; fallback=unroutable")
    report = builder.build()
    first, second = report.endpoints
    assert (first.compared, first.equal, first.different, first.not_served) == (3, 1, 2, 0)
    assert [(f.path, f.requests, f.example) for f in first.fields] == [("a", 2, "GET /a/2")]
    assert (second.compared, second.not_served) == (1, 1)
    assert not report.ok
    data = report.to_dict()
    assert data["totals"] == {"compared": 4, "equal": 1, "different": 2, "not_served_by_service": 1}
    assert data["endpoints"][0]["differing_fields"][0] == {
        "path": "a",
        "requests": 2,
        "example": "GET /a/2",
        "monolith": 1,
        "service": 2,
    }
    text = format_report(report)
    assert "differs at a in 2 request(s), e.g. GET /a/2: monolith 1, service 2" in text
    assert "not served by the service: 1, e.g. GET /b -> monolith; fallback=unroutable" in text
    assert "PARITY FAILED" in text


def test_a_report_where_everything_matched_is_ok() -> None:
    builder = ReportBuilder("http://m", "http://p")
    builder.compared("/a", "GET /a", compare_answers(200, [1], 200, [1]))
    report = builder.build()
    assert report.ok
    assert "PARITY OK" in format_report(report)
    assert not ReportBuilder("m", "p").build().ok


def test_requests_file_reads_plain_and_json_lines() -> None:
    text = (
        "# catalog reads\n\nGET /api/items?page=2\n"
        '{"method": "post", "path": "/api/items", "body": {"a": 1}, "headers": {"X-A": "1"}}\n'
    )
    first, second = parse_requests(text)
    assert isinstance(first, PlannedRequest) and isinstance(second, PlannedRequest)
    assert (first.method, first.path, first.line, first.has_body) == (
        "GET",
        "/api/items?page=2",
        3,
        False,
    )
    assert (second.method, second.body, second.headers, second.line) == (
        "POST",
        {"a": 1},
        (("X-A", "1"),),
        4,
    )


def test_login_and_logout_lines_are_session_steps() -> None:
    text = (
        '{"login": true, "method": "POST", "path": "/login", "body": {"pw": "${PW}"}}\n'
        "GET /me\n"
        '{"logout": true}\n'
    )
    login, me, logout = parse_requests(text)
    assert isinstance(login, PlannedRequest) and login.login
    assert login.body == {"pw": "${PW}"}  # read from the environment only when sent
    assert isinstance(me, PlannedRequest) and not me.login
    assert logout == Logout(3)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("GET /a\nFETCH /b\n", 2, "unknown HTTP method 'FETCH'"),
        ("GET a\n", 1, "must start with '/'"),
        ("GET /a extra\n", 1, "expected"),
        ('{"method": "GET"\n', 1, "invalid JSON"),
        ('{"method": "GET", "path": "/a", "bdy": 1}\n', 1, "unknown key 'bdy'"),
        ('{"method": "GET", "path": "/a", "headers": {"a": 1}}\n', 1, '"headers"'),
        ("# nothing\n", None, "no requests"),
        ('{"logout": true}\n', None, "no requests"),
        ('{"method": "POST", "path": "/login", "login": "yes"}\n', 1, '"login" must be true'),
    ],
)
def test_bad_request_lines_are_refused_with_their_number(
    text: str, line: int | None, reason: str
) -> None:
    with pytest.raises(RequestsFileError) as caught:
        parse_requests(text, source="reqs.txt")
    where = "reqs.txt" if line is None else f"reqs.txt:{line}"
    assert str(caught.value).startswith(f"{where}: ")
    assert reason in caught.value.message
    assert caught.value.exit_code == 2
