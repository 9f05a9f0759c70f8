"""The columns a query's criteria name: each puts its table in the statement's FROM list.

    session.query(Project).filter(Project.id == Packages.project_id)     # packages read
    Person.query.filter(Person.id == pid).filter(Project.id == g.project.id)
    select(User).where(func.lower(Group.name) == name).order_by(Group.rank.desc())
    query.join(Topic, and_(Topic.id == Post.topic_id, Topic.forum_id == Forum.id))

SQLAlchemy adds the table of every column named in a criterion (`filter`, `filter_by`'s
values, `where`, `order_by`, `group_by`, `having`, a join's ON clause) to the FROM list when
the query does not select or join it already (an implicit cross join), so the database reads
that table. A criterion is walked through what builds SQL expressions only: comparisons and
boolean operators, a column's own methods (`Project.name.ilike(p)`, `M.id.in_([...])`,
`M.x.desc()`), SQLAlchemy's functions (`func.lower(...)`, `sa.func.count(...)`) and
constructs (`and_`, `or_`, `not_`, `desc`, `case`, `cast`...), containers, subscripts of JSON
columns and both branches of a conditional expression. A project function or a model's
classmethod called there (`M.id.in_(ids_of(User))`) is not walked: what it reads is its own;
nor is a relationship test (`M.tags.any(Tag.name == x)`), whose criterion is over the
relationship's target, read through the relationship when the model has it.
Subqueries (`select(N.id)`, `session.query(N.id)`) are reads of their own, found as any query.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from analyzer.database.names import dotted_name

# the methods of a query or statement whose arguments are criteria (a join's after its target)
CRITERIA = frozenset({"filter", "filter_by", "where", "order_by", "group_by", "having"})
JOIN_CLAUSES = frozenset({"join", "outerjoin"})
# SQLAlchemy's expression constructs, called by their own name or on a SQLAlchemy module
_CONSTRUCTS = frozenset(
    {"and_", "or_", "not_", "desc", "asc", "case", "cast", "tuple_", "extract", "between"}
    | {"nulls_first", "nulls_last", "nullsfirst", "nullslast", "collate", "type_coerce"}
    | {"distinct", "any_", "all_", "literal", "null", "true", "false"}
)
# `M.tags.any(Tag.name == x)`: its criterion is over the relationship's target
_RELATIONSHIP_TESTS = frozenset({"any", "has"})
_SQL_MODULES = frozenset({"sa", "sqlalchemy", "db", "sql", "expression", "sqlalchemy.sql"})

# whether an attribute is a column (`M.col`, `t.c.col`), by the caller's reading of names
IsColumn = Callable[[ast.Attribute], bool]


def criteria(call: ast.Call) -> list[ast.expr]:
    """The criterion expressions `call` hands its query, if it is a criterion method."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return []
    if func.attr in CRITERIA:
        return [*call.args, *(k.value for k in call.keywords)]
    if func.attr in JOIN_CLAUSES:
        onclause = [k.value for k in call.keywords if k.arg == "onclause"]
        return [*call.args[1:], *onclause]
    return []


def criterion_columns(node: ast.expr, is_column: IsColumn) -> Iterator[ast.expr]:
    """The column expressions a criterion names, walking only what builds SQL (see above)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Attribute) and is_column(current):
            yield current
        elif isinstance(current, ast.Compare | ast.BoolOp | ast.BinOp | ast.UnaryOp):
            stack.extend(c for c in ast.iter_child_nodes(current) if isinstance(c, ast.expr))
        elif isinstance(current, ast.List | ast.Tuple | ast.Set):
            stack.extend(current.elts)
        elif isinstance(current, ast.Starred | ast.Subscript):
            stack.append(current.value)  # `*columns`, `M.data["key"]`
        elif isinstance(current, ast.IfExp):
            stack.extend((current.body, current.orelse))
        elif isinstance(current, ast.Call) and _builds_sql(current, is_column):
            stack.extend((*current.args, *(k.value for k in current.keywords)))
            if isinstance(current.func, ast.Attribute):
                stack.append(current.func.value)  # `Project.name.ilike(p)`: the column


def _builds_sql(call: ast.Call, is_column: IsColumn) -> bool:
    """A SQLAlchemy construct or function, or a method of a SQL expression (a column's)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _CONSTRUCTS
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    dotted = dotted_name(owner)
    if dotted is not None and (dotted == "func" or dotted.endswith(".func")):
        return True  # `func.lower(...)`, `sa.func.count(...)`
    if dotted in _SQL_MODULES:
        return func.attr in _CONSTRUCTS  # `sa.and_(...)`
    if func.attr in _RELATIONSHIP_TESTS:
        return False  # over the relationship's target: read through the relationship, if any
    return _is_expression(owner, is_column)


def _is_expression(node: ast.expr, is_column: IsColumn) -> bool:
    """A column, or a chain of SQL-building calls ending in one (`func.lower(M.x).desc()`)."""
    if isinstance(node, ast.Attribute):
        return is_column(node)
    return isinstance(node, ast.Call) and _builds_sql(node, is_column)
