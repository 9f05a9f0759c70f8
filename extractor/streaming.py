"""Views whose answer streams: one RPC reply cannot carry it, so they stay with the monolith.

Read from the view's source with `ast` (never run): a `yield` in the view itself, a call
to `stream_with_context(...)` or to a generator defined in the view, or an answer declared
as `text/event-stream` (server-sent events) makes a route streaming.
"""

from __future__ import annotations

import ast

STREAM_CALLS = frozenset({"stream_with_context", "stream_template", "stream_template_string"})
EVENT_STREAM = "text/event-stream"


def streaming_reason(source: str, qualname: str) -> str | None:
    """Why the function `qualname` of `source` answers with a stream, or None."""
    function = _function(ast.parse(source), qualname)
    if function is None:
        return None
    nested_generators = {
        node.name
        for node in ast.walk(function)
        if node is not function
        and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(node))
    }
    for node in _own_nodes(function):
        if isinstance(node, ast.Call) and _called_name(node) in nested_generators:
            return f"`{qualname}` answers with the generator `{_called_name(node)}()`"
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return f"`{qualname}` is a generator (it yields its answer piece by piece)"
        if isinstance(node, ast.Call) and _called_name(node) in STREAM_CALLS:
            return f"`{qualname}` answers with `{_called_name(node)}(...)`"
        if isinstance(node, ast.Constant) and node.value == EVENT_STREAM:
            return f"`{qualname}` answers with server-sent events ({EVENT_STREAM})"
    return None


def _function(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    body: list[ast.stmt] = tree.body
    found: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for part in qualname.replace(".<locals>", "").split("."):
        match = next(
            (
                node
                for node in body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == part
            ),
            None,
        )
        if match is None:
            return None
        body = match.body
        found = None if isinstance(match, ast.ClassDef) else match
    return found


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The function's nodes, without those of functions defined inside it (their `yield`
    is theirs: the view streams only when it calls them)."""
    nodes: list[ast.AST] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        nodes.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return nodes


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""
