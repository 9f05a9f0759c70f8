"""Expressions that keep the rows of a variable: its query narrowed, sorted, sliced or run, or
its list sorted or sliced, so they are rows (or a query of rows) of the same model.

    def _paginate_query(query, page):
        if page:
            query = query.offset((page - 1) * 50).limit(50)     # still `query`'s rows
        return query

    def sort_projects(items, sort):
        if isinstance(items, sa.orm.Query):
            return items.order_by(sa.func.lower(Project.name))  # a query of `items`' model
        items.sort(key=lambda project: project.name)
        return items

A helper that hands back its parameter's rows this way returns whatever model its caller
passes, and a variable bound to another's rows holds the same model's (anitya's
`Project.search`: `query = query1.distinct().union(query2.distinct())`, then
`cls.sort_projects(query, sort)` and `_paginate_query(query, page)`, then `query.all()`: Project
rows). A method that makes something else of them (`count()`, `paginate()`, `to_dict()`) does
not keep them.
"""

from __future__ import annotations

import ast

# a query's or statement's methods giving a query of the same rows, or running it for them
_NARROWING = frozenset(
    {"filter", "filter_by", "where", "order_by", "limit", "offset", "distinct", "options"}
    | {"join", "outerjoin", "group_by", "having", "execution_options", "params"}
    | {"union", "union_all", "intersect", "except_"}  # the first query's entities
    | {"all", "first", "one", "one_or_none", "first_or_404", "one_or_404"}
)
# builtins giving the same items of an iterable, reordered
_REORDERING = frozenset({"sorted", "list", "tuple", "reversed"})


def kept_rows(node: ast.expr) -> str | None:
    """The variable whose rows `node` keeps (`query`, `query.offset(n).limit(m)`,
    `sorted(items, key=...)`, `items[:10]`), if any."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            node = node.value  # `items[start:end]`
        elif not isinstance(node, ast.Call):
            return None
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _NARROWING:
            node = node.func.value
        elif isinstance(node.func, ast.Name) and node.func.id in _REORDERING and node.args:
            node = node.args[0]
        else:
            return None


def rows_source(node: ast.expr) -> ast.expr:
    """The call whose rows a chain of narrowing methods on it keeps (`paged(query, page)
    .all()` -> `paged(query, page)`), `node` itself when it is no such chain."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _NARROWING
        and isinstance(node.func.value, ast.Call)
    ):
        node = node.func.value
    return node
