"""Which library guards check only request headers, read from a project's own modules."""

from __future__ import annotations

import libcst as cst
import pytest

from extractor.guard_headers import library_guard_headers

TOKEN = "flask_httpauth.HTTPTokenAuth.login_required"
JWT = "flask_jwt_extended.jwt_required"
BASIC = "flask_httpauth.HTTPBasicAuth.login_required"


def _headers(guard: str, *sources: str) -> frozenset[str] | str:
    return library_guard_headers(guard, [cst.parse_module(source) for source in sources])


@pytest.mark.parametrize(
    ("guard", "source", "headers"),
    [
        (TOKEN, 'auth = HTTPTokenAuth(scheme="Bearer")\n', {"Authorization"}),
        (TOKEN, 'auth = HTTPTokenAuth(header="X-Api-Key")\n', {"X-Api-Key"}),
        (BASIC, "auth = HTTPBasicAuth()\n", {"Authorization"}),
        (JWT, 'app.config["JWT_SECRET_KEY"] = "s"\n', {"Authorization"}),
    ],
)  # fmt: skip
def test_a_guard_that_reads_headers_names_them(guard: str, source: str, headers: set[str]) -> None:
    assert _headers(guard, source) == headers


@pytest.mark.parametrize(
    ("guard", "source", "reason"),
    [
        (TOKEN, "auth = HTTPTokenAuth(header=settings.HEADER)\n",
         "reads a token header named only when the app runs (`HTTPTokenAuth(header=...)`)"),
        (JWT, 'JWT_TOKEN_LOCATION = ["cookies"]\n',
         "sets `JWT_TOKEN_LOCATION`: the token may come from cookies or another header"),
        (JWT, '@jwt_required(locations=["cookies"])\ndef f(): ...\n',
         "is given `locations=`: the token may come from cookies"),
        ("flask_httpauth.HTTPDigestAuth.login_required", "auth = HTTPDigestAuth()\n",
         "who may call it depends on the session or cookies"),
        ("flask_login.login_required", "", "who may call it depends on the session or cookies"),
    ],
)  # fmt: skip
def test_a_guard_that_may_read_more_says_why(guard: str, source: str, reason: str) -> None:
    assert _headers(guard, source) == reason
