"""Which library guards check only request headers, and which headers they read.

A generated RPC method rebuilds the caller's headers the proxy passes as context data
(`extracted_services/shared/caller_headers.py`), never cookies nor a session. So a library
guard may stay on a converted view when it reads only headers:

- flask-httpauth's token and basic auth (`HTTPTokenAuth`, `HTTPBasicAuth`): the
  Authorization header, or the header an `HTTPTokenAuth(header="X-Api-Key")` names;
- flask-jwt-extended's `jwt_required()` / `verify_jwt_in_request()` with the token in the
  Authorization header, its default: a project that sets `JWT_TOKEN_LOCATION` or
  `JWT_HEADER_NAME`, or a guard given `locations=`, keeps its views transplant-only.

Digest auth (its nonces live in the session), `MultiAuth` and Flask-Login read more.
The guard's callbacks (`verify_token`, `user_lookup_loader`...) are the project's code,
judged by the caller like any helper.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from extractor.codemods.names import dotted

AUTHORIZATION = frozenset({"Authorization"})
TOKEN_AUTH = "flask_httpauth.HTTPTokenAuth"
# library guard -> its library, for those that read only headers
HEADER_GUARDS: dict[str, str] = {
    "flask_httpauth.HTTPBasicAuth.login_required": "flask_httpauth",
    f"{TOKEN_AUTH}.login_required": "flask_httpauth",
    **dict.fromkeys(
        (
            "flask_jwt_extended.jwt_required",
            "flask_jwt_extended.verify_jwt_in_request",
            "flask_jwt_extended.view_decorators.jwt_required",
            "flask_jwt_extended.view_decorators.verify_jwt_in_request",
        ),
        "flask_jwt_extended",
    ),
}
JWT_SETTINGS = ("JWT_TOKEN_LOCATION", "JWT_HEADER_NAME")  # they move the token elsewhere


def library_guard_headers(guard: str, modules: Iterable[cst.Module]) -> frozenset[str] | str:
    """The headers the library guard `guard` reads in this project (`modules`, all of
    them), or why it needs more than headers."""
    library = HEADER_GUARDS.get(guard)
    if library is None:
        return "who may call it depends on the session or cookies"
    if library == "flask_jwt_extended":
        return _jwt_headers(modules)
    if guard.startswith(TOKEN_AUTH):
        return _token_headers(modules)
    return AUTHORIZATION


def _calls(modules: Iterable[cst.Module]) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    for module in modules:
        module.visit(Calls())
    return found


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword and a.keyword.value == keyword), None)


def _token_headers(modules: Iterable[cst.Module]) -> frozenset[str] | str:
    """Authorization, or the headers the project's `HTTPTokenAuth(header=...)` objects read."""
    headers: set[str] = set()
    for call in _calls(modules):
        if (dotted(call.func) or "").rpartition(".")[2] != "HTTPTokenAuth":
            continue
        header = _keyword(call, "header")
        if header is None:
            headers.add("Authorization")
        elif isinstance(header, cst.SimpleString):
            headers.add(str(header.evaluated_value))
        else:
            return "reads a token header named only when the app runs (`HTTPTokenAuth(header=...)`)"
    return frozenset(headers) or AUTHORIZATION


def _jwt_headers(modules: Iterable[cst.Module]) -> frozenset[str] | str:
    """Authorization, unless the project moves the token (settings, `locations=`)."""
    listed = list(modules)
    for module in listed:
        for setting in JWT_SETTINGS:
            if setting in module.code:
                return f"sets `{setting}`: the token may come from cookies or another header"
    for call in _calls(listed):
        name = (dotted(call.func) or "").rpartition(".")[2]
        if (
            name in {"jwt_required", "verify_jwt_in_request"}
            and _keyword(call, "locations") is not None
        ):
            return "is given `locations=`: the token may come from cookies"
    return AUTHORIZATION
