"""A Flask view that reads JSON in and writes JSON out, rewritten as a Nameko `@rpc` method.

The method keeps the view's code: `request.args` becomes the `query` parameter,
`request.get_json(...)` and `request.json` the `body` parameter, and a returned
`jsonify(x)`, dict or list (or `(that, 200)`) the return value. It is decorated with
`@json_view(method, endpoint)` (`extracted_services/shared/json_view.py`), which runs it
in the transplanted app's request context, so `abort(...)` and the app's own error
helpers answer through the app's error handlers as in the monolith. The request headers
it reads by name (`request.headers["X-Api-Key"]`, `request.authorization`) come along as
context data: the standard ones always, the others named in `json_view(headers=...)`.
The guard decorators the caller allows stay on the view, as `json_view(guards=...)`.

Conservative: a view that reads anything else of the request, touches the session,
cookies, the logged-in user, templates or redirects, answers another success status,
or returns something not known to be JSON, is not converted; the reason says why.
`state_use` applies the same reading to the helpers and guards a view runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import GlobalScope, ScopeProvider

from extractor.codemods.names import dotted
from strangler.context_keys import STANDARD_HEADERS

REGISTERING_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # the proxy passes `body` only with these
# names whose use ties a view to a browser request (cookies, pages, the logged-in user)
STATEFUL_NAMES = frozenset(
    {
        "session",
        "current_user",
        "login_user",
        "logout_user",
        "render_template",
        "render_template_string",
        "redirect",
        "make_response",
        "send_file",
        "send_from_directory",
        "stream_with_context",
        "flash",
        "login_required",  # Flask-Login's, applied by a project guard
        "fresh_login_required",
    }
)
# what a helper may read of the request: the call's own data, which json_view sets
HELPER_REQUEST_READS = frozenset(
    {"args", "get_json", "json", "is_json", "get_data", "data", "mimetype", "content_type",
     "method", "path", "url_rule", "endpoint", "view_args", "blueprint"}
)  # fmt: skip
VIEW_REQUEST_READS = frozenset({"args", "get_json", "json"})  # rewritten to query / body
MULTI_VALUE_READS = frozenset({"getlist", "lists", "listvalues", "to_dict"})
# `request.<attribute>` that reads one header, which the call carries as context data
HEADER_ATTRIBUTES = {
    "authorization": "Authorization",
    "user_agent": "User-Agent",
    "accept_languages": "Accept-Language",
}
STANDARD_HEADER_NAMES = frozenset(header.lower() for header in STANDARD_HEADERS)


@dataclass(frozen=True)
class RpcMethod:
    """A converted view: the decorated method and the names of its module it uses."""

    name: str
    node: cst.FunctionDef
    module_names: frozenset[str]
    headers: tuple[str, ...]  # the non-standard headers it reads: the route's `context`


@dataclass(frozen=True)
class ViewCall:
    """How the proxy calls the method: the route's HTTP method, endpoint and rule."""

    http_method: str
    endpoint: str
    rule: str
    where: str  # "file:line" of the view, for the method's comment


class _Names(cst.CSTVisitor):
    """The names a piece of code reads or binds (not `x.<attr>` nor `f(<keyword>=...)`)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.Name] = []
        self._not_names: set[int] = set()  # ids of the Name nodes that are no names

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_names.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_names.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_names:
            self.nodes.append(node)


@dataclass(frozen=True)
class StateUse:
    """What a piece of code needs of the request: the headers it reads by name, and the
    first thing an RPC call does not carry (None: nothing)."""

    headers: frozenset[str]
    reason: str | None


class _StateUses(_Names):
    """The headers read by name, and the first use of request state the RPC call does not
    carry, as a reason."""

    def __init__(self, request_reads: frozenset[str]) -> None:
        super().__init__()
        self.request_reads = request_reads
        self.reason: str | None = None
        self.headers: set[str] = set()
        self._named_reads: set[int] = set()  # ids of `request.headers` read by a name

    def _found(self, reason: str) -> None:
        self.reason = self.reason or reason

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if dotted(node.value) == "request.headers" and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._header_named(node.value, index.value)

    def _header_named(self, headers: cst.BaseExpression, name: cst.BaseExpression) -> None:
        if isinstance(name, cst.SimpleString):
            self.headers.add(str(name.evaluated_value))
            self._named_reads.add(id(headers))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        super().visit_Attribute(node)
        base, attribute = dotted(node.value), node.attr.value
        if base == "request":
            self._not_names.add(id(node.value))  # `request.x` is judged here, by its `x`
            if attribute in HEADER_ATTRIBUTES:
                self.headers.add(HEADER_ATTRIBUTES[attribute])
            elif attribute == "headers" and id(node) not in self._named_reads:
                self._found("reads `request.headers` by a name known only when it runs")
            elif attribute != "headers" and attribute not in self.request_reads:
                self._found(f"reads `request.{attribute}`, which an RPC call does not carry")
        elif base == "request.args" and attribute in MULTI_VALUE_READS:
            self._found(f"reads `request.args.{attribute}`: the RPC `query` holds one value a key")
        elif base == "g" and "user" in attribute.lower():
            self._found(f"reads the logged-in user (`g.{attribute}`)")

    def visit_Call(self, node: cst.Call) -> None:
        first = node.args[0].value if node.args else None
        if dotted(node.func) == "request.headers.get" and first is not None:
            assert isinstance(node.func, cst.Attribute)  # as `dotted` read it
            self._header_named(node.func.value, first)
        if (
            dotted(node.func) == "g.get"
            and isinstance(first, cst.SimpleString)
            and "user" in str(first.evaluated_value).lower()
        ):
            self._found(f"reads the logged-in user (`g.get({first.value})`)")

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self._not_names:
            return
        if node.value in STATEFUL_NAMES:
            self._found(f"uses `{node.value}`")
        elif node.value == "request":
            self._found("passes `request` on, which an RPC call does not carry whole")


def state_use(
    function: cst.CSTNode, request_reads: frozenset[str] = HELPER_REQUEST_READS
) -> StateUse:
    """The headers `function` reads, and why it needs more of the request than an RPC call
    carries (None: it does not)."""
    visitor = _StateUses(request_reads)
    function.visit(visitor)
    return StateUse(frozenset(visitor.headers), visitor.reason)


def extra_headers(headers: frozenset[str]) -> tuple[str, ...]:
    """The headers of `headers` the proxy passes only when the route names them (`context`),
    one spelling each."""
    by_name: dict[str, str] = {}
    for header in sorted(headers):  # "X-Api-Key" before "x-api-key"
        by_name.setdefault(header.lower(), header)
    return tuple(h for key, h in sorted(by_name.items()) if key not in STANDARD_HEADER_NAMES)


def find_function(module: cst.Module, qualname: str) -> cst.FunctionDef | None:
    """The function `qualname` of `module`: at module level, or a method (`Class.method`);
    a function nested in another is None."""
    *classes, name = qualname.split(".")
    body: Sequence[cst.CSTNode] = module.body
    for class_name in classes:
        cls = next(
            (n for n in body if isinstance(n, cst.ClassDef) and n.name.value == class_name), None
        )
        if cls is None or not isinstance(cls.body, cst.IndentedBlock):
            return None
        body = cls.body.body
    return next((n for n in body if isinstance(n, cst.FunctionDef) and n.name.value == name), None)


def _returned(value: cst.BaseExpression | None) -> cst.BaseExpression | str:
    """What the method returns for the view's `return value`, or why it cannot."""
    if value is None:
        return "returns nothing (Flask refuses that)"
    if isinstance(value, cst.Tuple):
        if len(value.elements) != 2:
            return "returns headers with its answer, which an RPC result does not carry"
        status = value.elements[1].value
        if not (isinstance(status, cst.Integer) and status.evaluated_value == 200):
            code = cst.Module([]).code_for_node(status)
            return f"answers {code}: the proxy answers an RPC result with 200"
        return _returned(value.elements[0].value)
    if isinstance(value, cst.Dict | cst.List | cst.DictComp | cst.ListComp):
        return value
    if isinstance(value, cst.Call) and (dotted(value.func) or "").split(".")[-1] == "jsonify":
        return _jsonified(value.args)
    code = cst.Module([]).code_for_node(value)
    return f"returns `{code}`, not known to be JSON"


def _jsonified(args: Sequence[cst.Arg]) -> cst.BaseExpression | str:
    """The value `jsonify(*args)` sends: its one argument, a dict of keywords, a list."""
    keywords = [arg for arg in args if arg.keyword is not None]
    positional = [arg for arg in args if arg.keyword is None and not arg.star]
    if len(positional) + len(keywords) != len(args) or not args or (keywords and positional):
        return "calls jsonify() in a way the RPC style does not convert"
    if keywords:
        return cst.Dict(
            [
                cst.DictElement(cst.SimpleString(repr(a.keyword.value)), a.value)
                for a in keywords
                if a.keyword
            ]
        )
    if len(positional) == 1:
        return positional[0].value
    return cst.List([cst.Element(arg.value) for arg in positional])


class _ToMethodBody(cst.CSTTransformer):
    """`request.args` -> `query`, the JSON body -> `body`, a returned answer -> its value.
    Returns of functions defined inside the view are theirs, left alone."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: list[str] = []
        self.returns = 0  # the view's own `return` statements
        self._depth = 0  # functions and lambdas inside the view

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._depth -= 1
        return updated

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._depth += 1

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.Lambda:
        self._depth -= 1
        return updated

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        replacement = {"request.args": "query", "request.json": "body"}.get(dotted(original) or "")
        return cst.Name(replacement) if replacement else updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return cst.Name("body") if dotted(original.func) == "request.get_json" else updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if self._depth:
            return updated
        self.returns += 1
        value = _returned(updated.value)
        if isinstance(value, str):
            self.reasons.append(value)
            return updated
        return updated.with_changes(value=value)


def _names(*parts: cst.CSTNode) -> list[cst.Name]:
    visitor = _Names()
    for part in parts:
        part.visit(visitor)
    return visitor.nodes


def _module_names(
    wrapper: cst.MetadataWrapper, function: cst.FunctionDef, guards: Sequence[cst.Decorator]
) -> set[str] | str:
    """The module-level names the function's parameters, body and `guards` use, or why one
    is not known (a star import)."""
    inside = {id(node) for node in _names(function.params, function.body, *guards)}
    names: set[str] = set()
    scopes = {id(scope): scope for scope in wrapper.resolve(ScopeProvider).values() if scope}
    for scope in scopes.values():
        for access in scope.accesses:
            if id(access.node) not in inside:
                continue
            if not access.referents:
                name = cst.Module([]).code_for_node(access.node)
                return f"uses `{name}`, which its module does not define (a star import?)"
            names.update(a.name for a in access.referents if isinstance(a.scope, GlobalScope))
    return names


def _registers(decorator: cst.Decorator) -> bool:
    """`@bp.route(...)`, `@app.get(...)`...: what registers the view, not what wraps it."""
    call = decorator.decorator
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value in REGISTERING_DECORATORS
    )


def _guard_name(decorator: cst.Decorator) -> str:
    """The name a decorator is known by: `login_required` for `@auth.login_required(...)`."""
    func = decorator.decorator
    func = func.func if isinstance(func, cst.Call) else func
    return (dotted(func) or "").rpartition(".")[2]


def _guard_decorators(
    decorators: Sequence[cst.Decorator], guards: frozenset[str]
) -> list[cst.Decorator] | str:
    """The view's decorators under its registering ones, each a guard named in `guards`, or
    why one would not come along."""
    kept: list[cst.Decorator] = []
    for decorator in decorators:
        if _registers(decorator) and not kept:
            continue
        if _registers(decorator) or _guard_name(decorator) not in guards:
            written = cst.Module([]).code_for_node(decorator.decorator)
            return f"is decorated with `@{written}`, which would not come along"
        kept.append(decorator)
    return kept


def _json_view(
    call: ViewCall, headers: tuple[str, ...], guards: Sequence[cst.Decorator]
) -> cst.Decorator:
    """`@json_view(method, endpoint[, headers=[...]][, guards=[...]])`."""
    arguments = [json.dumps(call.http_method), json.dumps(call.endpoint)]
    if headers:
        arguments.append(f"headers={json.dumps(list(headers))}")
    if guards:
        written = ", ".join(cst.Module([]).code_for_node(g.decorator) for g in guards)
        arguments.append(f"guards=[{written}]")
    return cst.Decorator(cst.parse_expression(f"json_view({', '.join(arguments)})"))


def convert_view(
    module: cst.Module,
    qualname: str,
    call: ViewCall,
    name: str,
    *,
    guards: frozenset[str] = frozenset(),
    headers: frozenset[str] = frozenset(),
) -> RpcMethod | str:
    """The view `qualname` of `module` as the `@rpc` method `name`, or why it stays a
    transplanted view only. Its decorators named in `guards` stay on it; `headers` are
    those the guards and helpers it runs read."""
    wrapper = cst.MetadataWrapper(module)
    function = find_function(wrapper.module, qualname) if "." not in qualname else None
    if function is None:
        return f"`{qualname}` is not a module-level function"
    guard_decorators = _guard_decorators(function.decorators, guards)
    if isinstance(guard_decorators, str):
        return guard_decorators
    params = function.params
    if params.posonly_params or params.kwonly_params or isinstance(params.star_arg, cst.Param):
        return "takes positional-only, keyword-only or * parameters"
    if params.star_kwarg is not None:
        return "takes **kwargs"
    own = state_use(function.body, VIEW_REQUEST_READS)
    if own.reason is not None:
        return own.reason
    has_body = call.http_method in BODY_METHODS
    dotted_names = {dotted(node) for node in _attributes(function.body)}
    if not has_body and dotted_names & {"request.json", "request.get_json"}:
        return f"reads a JSON body on {call.http_method}, which the proxy sends without one"
    parameters = {"query", "body"} if has_body else {"query"}
    taken = sorted({node.value for node in _names(params, function.body)} & parameters)
    if taken:
        return f"names something `{taken[0]}`, which is the RPC method's parameter"
    transformer = _ToMethodBody()
    body = function.body.visit(transformer)
    assert isinstance(body, cst.BaseSuite)  # a transformer that removes no suite
    if transformer.reasons or not transformer.returns:
        return transformer.reasons[0] if transformer.reasons else "returns nothing"
    module_names = _module_names(wrapper, function, guard_decorators)
    if isinstance(module_names, str):
        return module_names
    used = {node.value for node in _names(params, body, *guard_decorators)} & module_names
    method_headers = extra_headers(own.headers | headers)
    node = function.with_changes(
        name=cst.Name(name),
        params=_method_params(params, has_body),
        body=body,
        decorators=[
            cst.Decorator(cst.Name("rpc")),
            _json_view(call, method_headers, guard_decorators),
        ],
        returns=cst.Annotation(cst.Name("Any")),
        leading_lines=[
            cst.EmptyLine(indent=False),
            cst.EmptyLine(
                comment=cst.Comment(f"# {call.http_method} {call.rule}: `{qualname}`, {call.where}")
            ),
        ],
    )
    return RpcMethod(name, node, frozenset(used), method_headers)


def _attributes(node: cst.CSTNode) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            found.append(attribute)

    node.visit(Finder())
    return found


def _method_params(params: cst.Parameters, has_body: bool) -> cst.Parameters:
    """`self`, the view's own (its path parameters), `query`, and `body` for a method that
    takes one; keyword-only when a view parameter has a default."""
    added = [
        cst.Param(cst.Name("query"), cst.Annotation(cst.parse_expression("MultiDict[str, str]")))
    ]
    if has_body:
        added.append(
            cst.Param(cst.Name("body"), cst.Annotation(cst.Name("Any")), default=cst.Name("None"))
        )
    own = [param.with_changes(comma=cst.MaybeSentinel.DEFAULT) for param in params.params]
    if any(param.default is not None for param in own):
        return cst.Parameters(
            [cst.Param(cst.Name("self")), *own], star_arg=cst.ParamStar(), kwonly_params=added
        )
    return cst.Parameters([cst.Param(cst.Name("self")), *own, *added])
