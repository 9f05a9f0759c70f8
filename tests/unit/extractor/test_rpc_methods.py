"""The RPC-methods codemod on small hand-written views: the method text, written by hand,
the headers and guards it keeps, and the reason each view that cannot convert stays
transplant-only."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from extractor.codemods.rpc_methods import ViewCall, convert_view

VIEWS = '''\
from flask import Blueprint, abort, jsonify, redirect, request, session

from shop.auth import auth
from shop.helpers import json_body, lookup

bp = Blueprint("items", __name__)


@bp.get("/items/<int:item_id>")
def show(item_id: int):
    """One item."""
    item = lookup(item_id, request.args.get("lang", "en"))
    if item is None:
        abort(404)  # the app's handler writes the body
    return jsonify(item)


@bp.put("/items/<int:item_id>")
def rename(item_id):
    data = request.get_json()
    return jsonify(id=item_id, name=data["name"]), 200


@bp.post("/items")
def create():
    return jsonify(json_body()), 201


@bp.get("/me")
def me():
    return {"user": session.get("user_id")}


@bp.get("/home")
def home():
    return redirect("/")


@bp.get("/agent")
def agent():
    return {"agent": request.headers.get("User-Agent")}


@bp.get("/tenant")
@auth.login_required
def tenant():
    return {"tenant": request.headers["X-Tenant"], "auth": request.authorization.token}


@bp.get("/echo")
def echo():
    return {"headers": dict(request.headers)}


@bp.get("/cookie")
def cookie():
    return {"theme": request.cookies.get("theme")}


@bp.get("/all")
@cached(60)
def everything():
    return []


@bp.get("/raw")
def raw():
    return lookup(1, "en")


@bp.get("/multi")
def multi():
    return {"tags": request.args.getlist("tag")}


@bp.get("/query")
def search():
    query = request.args.get("q")
    return {"q": query}
'''


def _method(
    qualname: str, http_method: str = "GET", rule: str = "/r", guards: frozenset[str] = frozenset()
) -> str:
    call = ViewCall(http_method, f"items.{qualname}", rule, "shop/views.py:9")
    converted = convert_view(cst.parse_module(VIEWS), qualname, call, qualname, guards=guards)
    assert not isinstance(converted, str), converted
    cls = cst.parse_module("class Methods:\n    pass\n").body[0]
    assert isinstance(cls, cst.ClassDef)
    cls = cls.with_changes(body=cls.body.with_changes(body=[converted.node]))
    return cst.Module([cls]).code


def test_a_read_becomes_a_method_with_query_and_the_view_s_own_code() -> None:
    assert _method("show", rule="/items/<int:item_id>") == textwrap.dedent('''\
        class Methods:

            # GET /items/<int:item_id>: `show`, shop/views.py:9
            @rpc
            @json_view("GET", "items.show")
            def show(self, item_id: int, query: MultiDict[str, str]) -> Any:
                """One item."""
                item = lookup(item_id, query.get("lang", "en"))
                if item is None:
                    abort(404)  # the app's handler writes the body
                return item
        ''')


def test_a_write_takes_the_json_body_and_a_200_status_goes() -> None:
    assert _method("rename", "PUT", "/items/<int:item_id>") == textwrap.dedent("""\
        class Methods:

            # PUT /items/<int:item_id>: `rename`, shop/views.py:9
            @rpc
            @json_view("PUT", "items.rename")
            def rename(self, item_id, query: MultiDict[str, str], body: Any = None) -> Any:
                data = body
                return {'id': item_id, 'name': data["name"]}
        """)


def test_the_method_imports_only_the_module_names_it_still_uses() -> None:
    call = ViewCall("GET", "items.show", "/items/<int:item_id>", "shop/views.py:9")
    converted = convert_view(cst.parse_module(VIEWS), "show", call, "show")

    assert not isinstance(converted, str)
    assert converted.module_names == {"lookup", "abort"}  # not request, not jsonify


def test_a_guard_stays_on_the_method_and_the_headers_read_are_passed() -> None:
    assert _method("tenant", guards=frozenset({"login_required"})) == textwrap.dedent("""\
        class Methods:

            # GET /r: `tenant`, shop/views.py:9
            @rpc
            @json_view("GET", "items.tenant", headers=["X-Tenant"], guards=[auth.login_required])
            def tenant(self, query: MultiDict[str, str]) -> Any:
                return {"tenant": request.headers["X-Tenant"], "auth": request.authorization.token}
        """)


def test_the_method_names_the_headers_its_guards_and_helpers_read_beyond_the_standard() -> None:
    call = ViewCall("GET", "items.tenant", "/r", "shop/views.py:9")
    read_elsewhere = frozenset({"x-api-key", "X-Api-Key", "Accept-Language", "user-agent"})
    converted = convert_view(
        cst.parse_module(VIEWS), "tenant", call, "tenant",
        guards=frozenset({"login_required"}), headers=read_elsewhere,
    )  # fmt: skip

    assert not isinstance(converted, str)
    assert converted.headers == ("X-Api-Key", "X-Tenant")  # Authorization: always passed
    assert converted.module_names == {"auth", "request"}


@pytest.mark.parametrize(
    ("qualname", "http_method", "reason"),
    [
        ("create", "POST", "answers 201: the proxy answers an RPC result with 200"),
        ("me", "GET", "uses `session`"),
        ("home", "GET", "uses `redirect`"),
        ("echo", "GET", "reads `request.headers` by a name known only when it runs"),
        ("cookie", "GET", "reads `request.cookies`, which an RPC call does not carry"),
        (
            "tenant",
            "GET",
            "is decorated with `@auth.login_required`, which would not come along",
        ),
        ("everything", "GET", "is decorated with `@cached(60)`, which would not come along"),
        ("raw", "GET", 'returns `lookup(1, "en")`, not known to be JSON'),
        ("multi", "GET", "reads `request.args.getlist`: the RPC `query` holds one value a key"),
        ("search", "GET", "names something `query`, which is the RPC method's parameter"),
        ("rename", "GET", "reads a JSON body on GET, which the proxy sends without one"),
    ],
)
def test_views_that_cannot_convert_say_why(qualname: str, http_method: str, reason: str) -> None:
    call = ViewCall(http_method, f"items.{qualname}", "/r", "shop/views.py:9")

    assert convert_view(cst.parse_module(VIEWS), qualname, call, qualname) == reason
