"""Realistic one-file edits of a Flask project, for checking that a re-run reports exactly
what a cold run does (`benchmarks/rerun_identity.py`, `tests/unit/analyzer/`).

Each edit kind takes a file's text, a random source and a serial number (names made with it
never clash with earlier edits) and returns the edited text, or None when the file has
nothing that kind can edit (no route to copy, no SQL string to change). Edits work on the
text as a developer would (lines added, removed, words changed), located with `ast`; the
result still parses.
"""

from __future__ import annotations

import ast
import io
import random
import re
import tokenize
from collections.abc import Callable

Edit = Callable[[str, random.Random, int], "str | None"]

SQL_TABLE = re.compile(r"""(?i)\b(FROM|INTO|UPDATE|JOIN)(\s+)([A-Za-z_][A-Za-z0-9_]*)""")
TABLE_NAME = re.compile(r"""(__tablename__\s*=\s*)(["'])([^"']+)\2""")
ROUTE_DECORATOR = re.compile(r"^@([A-Za-z_][A-Za-z0-9_.]*)\.route\(", re.MULTILINE)


def _tree(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return sorted((n for n in ast.walk(tree) if isinstance(n, kinds)), key=lambda n: n.lineno)


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [
        n
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom) and getattr(n, "module", "") != "__future__"
    ]


def _module_names(tree: ast.Module) -> list[str]:
    """Names bound at module level (imports, functions, classes, assignments)."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.extend((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def add_function(text: str, rng: random.Random, serial: int) -> str | None:
    """A new module-level function calling something the module already binds."""
    tree = _tree(text)
    if tree is None:
        return None
    names = _module_names(tree)
    body = f"{rng.choice(names)}()" if names else "None"
    return text.rstrip("\n") + f"\n\n\ndef added_{serial}(item_id=None):\n    return {body}\n"


def change_body(text: str, rng: random.Random, serial: int) -> str | None:
    """A statement added at the top of some function: a call of a name the module binds, an
    early return, or a SQLAlchemy commit."""
    tree = _tree(text)
    if tree is None:
        return None
    functions = [f for f in _functions(tree) if f.body]
    if not functions:
        return None
    first = rng.choice(functions).body[0]
    names = _module_names(tree)
    statement = rng.choice(
        [
            f"{rng.choice(names)}()" if names else "pass",
            "return None",
            "db.session.commit()",
            f"value_{serial} = {serial}",
        ]
    )
    lines = text.splitlines(keepends=True)
    lines.insert(first.lineno - 1, " " * first.col_offset + statement + "\n")
    return "".join(lines)


def add_import(text: str, rng: random.Random, serial: int) -> str | None:
    """A copy of one of the module's imports under a new name, or a stdlib import, written
    after its last top-level import."""
    tree = _tree(text)
    if tree is None:
        return None
    imports = _top_level_imports(tree)
    line = "import os.path\n"
    if imports and rng.random() < 0.7:
        picked = rng.choice(imports)
        alias = picked.names[0]
        if alias.name != "*":
            if isinstance(picked, ast.ImportFrom):
                dots = "." * picked.level
                line = f"from {dots}{picked.module or ''} import {alias.name} as alias_{serial}\n"
            else:
                line = f"import {alias.name} as alias_{serial}\n"
    at = max((n.end_lineno or n.lineno for n in imports), default=0)
    lines = text.splitlines(keepends=True)
    lines.insert(at, line)
    return "".join(lines)


def remove_import(text: str, rng: random.Random, serial: int) -> str | None:
    """One top-level import statement deleted (what it bound is then unknown)."""
    tree = _tree(text)
    if tree is None:
        return None
    imports = _top_level_imports(tree)
    if not imports:
        return None
    picked = rng.choice(imports)
    lines = text.splitlines(keepends=True)
    del lines[picked.lineno - 1 : picked.end_lineno or picked.lineno]
    edited = "".join(lines)
    return edited if _tree(edited) is not None else None


def add_route(text: str, rng: random.Random, serial: int) -> str | None:
    """A new view on one of the blueprints or apps the module already decorates routes of."""
    objects = ROUTE_DECORATOR.findall(text)
    if not objects:
        return None
    owner = rng.choice(objects)
    methods = rng.choice(['["GET"]', '["POST"]', '["GET", "PUT"]'])
    view = (
        f'\n\n@{owner}.route("/added-{serial}/<int:item_id>", methods={methods})\n'
        f"def added_view_{serial}(item_id):\n"
        f"    return str(item_id)\n"
    )
    return text.rstrip("\n") + "\n" + view


def change_sql(text: str, rng: random.Random, serial: int) -> str | None:
    """The table a SQL string reads or writes renamed (FROM/INTO/UPDATE/JOIN <table>)."""
    tree = _tree(text)
    if tree is None:
        return None
    strings = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and SQL_TABLE.search(n.value)
    ]
    lines = text.splitlines(keepends=True)
    rng.shuffle(strings)
    for node in strings:
        if node.lineno != node.end_lineno:
            continue
        line = lines[node.lineno - 1]
        found = [m for m in SQL_TABLE.finditer(line) if m.start() >= node.col_offset]
        if not found:
            continue
        match = rng.choice(found)
        renamed = f"{match.group(1)}{match.group(2)}{match.group(3)}_v{serial}"
        lines[node.lineno - 1] = line[: match.start()] + renamed + line[match.end() :]
        edited = "".join(lines)
        if _tree(edited) is not None:
            return edited
    return None


def rename_table(text: str, rng: random.Random, serial: int) -> str | None:
    """A model's `__tablename__` changed."""
    found = list(TABLE_NAME.finditer(text))
    if not found:
        return None
    match = rng.choice(found)
    renamed = f"{match.group(1)}{match.group(2)}{match.group(3)}_v{serial}{match.group(2)}"
    return text[: match.start()] + renamed + text[match.end() :]


def delete_function(text: str, rng: random.Random, serial: int) -> str | None:
    """A function or method deleted with its decorators (`pass` left if it was the body's
    only statement)."""
    tree = _tree(text)
    if tree is None:
        return None
    functions = _functions(tree)
    if not functions:
        return None
    victim = rng.choice(functions)
    first = min([victim.lineno, *(d.lineno for d in victim.decorator_list)])
    lines = text.splitlines(keepends=True)
    kept = [*lines[: first - 1], " " * victim.col_offset + "pass\n"]
    edited = "".join([*kept, *lines[victim.end_lineno or victim.lineno :]])
    return edited if _tree(edited) is not None else None


def edit_comment(text: str, rng: random.Random, serial: int) -> str | None:
    """The words of one comment changed, on its line (no fact records comments)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    comments = [t for t in tokens if t.type == tokenize.COMMENT]
    if not comments:
        return None
    comment = rng.choice(comments)
    lines = text.splitlines(keepends=True)
    (row, start), (_, end) = comment.start, comment.end
    line = lines[row - 1]
    lines[row - 1] = line[:start] + f"# reworded {serial}" + line[end:]
    return "".join(lines)


EDIT_KINDS: dict[str, Edit] = {
    "add a function": add_function,
    "change a body": change_body,
    "add an import": add_import,
    "remove an import": remove_import,
    "add a route": add_route,
    "change a SQL string": change_sql,
    "rename a model's table": rename_table,
    "delete a function": delete_function,
    "edit a comment": edit_comment,
}
