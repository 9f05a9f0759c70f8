"""Table names built from a class's name: a declarative base's `declared_attr __tablename__`.

SQLAlchemy calls a `__tablename__` declared_attr with the class being mapped; bases commonly
return an expression of that class's name (`cls.__name__.lower()`, `self.__name__.lower()`,
`f"tbl_{cls.__name__.lower()}"`, `"%s_x" % cls.__name__`, `camel_to_snake(cls.__name__) + "s"`).
Such a rule is kept as a template over the class name (`{name}`, `{lower}`, `{snake}`), so the
facts stay plain data and a model in another module can be named by its base's rule. The same
templates name the tables a mixin makes per model from the model's own table (`{table}`, as in
`"%s_label" % cls.__tablename__`).
"""

from __future__ import annotations

import ast
import re
import string

from analyzer.database.names import callee_name

NAME = "{name}"
LOWER = "{lower}"
SNAKE = "{snake}"
TABLE = "{table}"
DEFAULT_NAMING = SNAKE  # Flask-SQLAlchemy 3 names a model without one camel_to_snake_case(Name)

_PLACEHOLDERS = {"__name__": NAME, "__tablename__": TABLE}


def camel_to_snake_case(name: str) -> str:
    """Flask-SQLAlchemy 3's table name for a model class named `name`."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name)
    return name.lower().lstrip("_")


def table_name(template: str, class_name: str, table: str = "") -> str:
    """The name `template` gives the class `class_name` (whose own table is `table`)."""
    return template.format(
        name=class_name,
        lower=class_name.lower(),
        snake=camel_to_snake_case(class_name),
        table=table,
    )


def is_literal(template: str) -> bool:
    """Whether the template names one table whatever the class (no placeholder in it)."""
    return all(field is None for _, field, _, _ in string.Formatter().parse(template))


def owner_template(node: ast.expr, owner: str, attributes: frozenset[str]) -> str | None:
    """The template of a string expression built from literals and the `attributes` (of
    `__name__`, `__tablename__`) of the name `owner` (a declared_attr's `cls`/`self`); None when
    anything else goes into it."""
    if isinstance(node, ast.Constant):
        return _escaped(node.value) if isinstance(node.value, str) else None
    if isinstance(node, ast.Attribute):
        is_owner = isinstance(node.value, ast.Name) and node.value.id == owner
        return _PLACEHOLDERS[node.attr] if is_owner and node.attr in attributes else None
    if isinstance(node, ast.BinOp):
        return _operation(node, owner, attributes)
    if isinstance(node, ast.JoinedStr):
        parts = [_formatted_part(value, owner, attributes) for value in node.values]
        return None if None in parts else "".join(p for p in parts if p is not None)
    if isinstance(node, ast.Call):
        return _call(node, owner, attributes)
    return None


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _operation(node: ast.BinOp, owner: str, attributes: frozenset[str]) -> str | None:
    if isinstance(node.op, ast.Add):
        left = owner_template(node.left, owner, attributes)
        right = owner_template(node.right, owner, attributes)
        return None if left is None or right is None else left + right
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _printf(node.left.value, items, owner, attributes)
    return None


def _printf(
    pattern: object, items: list[ast.expr], owner: str, attributes: frozenset[str]
) -> str | None:
    """`"%s_x" % cls.__name__`: only `%s` and `%%` conversions."""
    if not isinstance(pattern, str) or re.search(r"%[^s%]", pattern):
        return None
    pieces = re.split(r"(%s|%%)", pattern)
    found: list[str] = []
    remaining = list(items)
    for piece in pieces:
        if piece == "%%":
            found.append("%")
        elif piece == "%s":
            value = owner_template(remaining.pop(0), owner, attributes) if remaining else None
            if value is None:
                return None
            found.append(value)
        else:
            found.append(_escaped(piece))
    return None if remaining else "".join(found)


def _formatted_part(value: ast.expr, owner: str, attributes: frozenset[str]) -> str | None:
    if isinstance(value, ast.FormattedValue):
        spec = value.format_spec
        plain_spec = spec is None or (
            isinstance(spec, ast.JoinedStr)
            and all(isinstance(v, ast.Constant) and v.value in ("", "s") for v in spec.values)
        )
        if not plain_spec or value.conversion not in (-1, ord("s")):
            return None
        return owner_template(value.value, owner, attributes)
    return owner_template(value, owner, attributes)


def _call(node: ast.Call, owner: str, attributes: frozenset[str]) -> str | None:
    name = callee_name(node) or ""
    if isinstance(node.func, ast.Attribute) and name == "lower" and not node.args:
        inner = owner_template(node.func.value, owner, attributes)
        return None if inner is None else inner.replace(NAME, "\0").lower().replace("\0", LOWER)
    if isinstance(node.func, ast.Attribute) and name == "format":
        pattern = node.func.value
        if isinstance(pattern, ast.Constant) and not node.keywords:
            return _format(pattern.value, node.args, owner, attributes)
        return None
    # a camel -> snake helper: `camel_to_snake(cls.__name__)`, `underscore(cls.__name__)`
    helper = name.rsplit(".", 1)[-1].lower()
    snake_helper = "snake" in helper or "underscore" in helper
    if snake_helper and len(node.args) == 1 and owner_template(node.args[0], owner, attributes):
        return SNAKE if owner_template(node.args[0], owner, attributes) == NAME else None
    return None


def _format(
    pattern: object, args: list[ast.expr], owner: str, attributes: frozenset[str]
) -> str | None:
    """`"{}_x".format(cls.__name__)`: positional fields without conversion or spec."""
    if not isinstance(pattern, str):
        return None
    found: list[str] = []
    position = 0
    try:
        fields = list(string.Formatter().parse(pattern))
    except ValueError:
        return None
    for literal, field, spec, conversion in fields:
        found.append(_escaped(literal))
        if field is None:
            continue
        if spec or conversion:
            return None
        index = int(field) if field.isdigit() else position if field == "" else -1
        position += 1
        value = owner_template(args[index], owner, attributes) if 0 <= index < len(args) else None
        if value is None:
            return None
        found.append(value)
    return "".join(found)


def declared_naming(function: ast.FunctionDef) -> str | None:
    """The template a `__tablename__` declared_attr returns (its first parameter is the class);
    None when a return is built from anything but literals and the class's `__name__`."""
    params = [*function.args.posonlyargs, *function.args.args]
    if not params:
        return None
    owner = params[0].arg
    for statement in ast.walk(function):
        if isinstance(statement, ast.Return) and statement.value is not None:
            template = owner_template(statement.value, owner, frozenset({"__name__"}))
            if template is not None:
                return template
    return None
