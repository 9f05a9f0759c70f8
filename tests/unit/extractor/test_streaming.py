"""Streaming views are recognised from their source (examples written by hand)."""

from __future__ import annotations

import pytest

from extractor.streaming import streaming_reason

SOURCE = """
from flask import Response, stream_with_context, send_file

def plain():
    return {"a": 1}

def rows():
    yield "a,b\\n"

def export():
    def generate():
        yield "x"
    return Response(generate(), mimetype="text/csv")

def wrapped():
    return Response(stream_with_context(iter(["x"])))

def events():
    return Response(iter(["data: 1\\n\\n"]), mimetype="text/event-stream")

def helper_inside():
    def label(x):
        return str(x)
    return label(1)

class Reports:
    def download(self):
        yield b"chunk"
"""


@pytest.mark.parametrize(
    ("qualname", "reason"),
    [
        ("plain", None),
        ("helper_inside", None),
        ("rows", "`rows` is a generator (it yields its answer piece by piece)"),
        ("export", "`export` answers with the generator `generate()`"),
        ("wrapped", "`wrapped` answers with `stream_with_context(...)`"),
        ("events", "`events` answers with server-sent events (text/event-stream)"),
        (
            "Reports.download",
            "`Reports.download` is a generator (it yields its answer piece by piece)",
        ),
        ("missing", None),
    ],
)
def test_streaming_views(qualname: str, reason: str | None) -> None:
    assert streaming_reason(SOURCE, qualname) == reason
