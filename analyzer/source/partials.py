"""`functools.partial` of a call, read as the call it stands for.

A partial of a registration (`partial(app.register_blueprint, api, url_prefix="/api")`) or of
a project helper that registers is built to be called later, often far from where it is built:
kept in a list that a loop runs (`for registrator in registrators: registrator()`), or
returned by a helper in a tuple of lists (OctoPrint's `_setup_blueprints`). The call is then
read where the partial is built, with the partial's own arguments. Only a partial bound to a
name and called by that name in the same function is read where it is called, its arguments
first and the call's after them, as `partial` merges them.
"""

from __future__ import annotations

import ast

from analyzer.facts.values import Attr, Imported, ModuleRef, Ref, Value


def names_partial(func: Value, module_env: dict[str, Value]) -> bool:
    """Whether a called value is `functools.partial` (`functools.partial`, an imported
    `partial`), read in a function (names left as `Ref`) or at module level."""
    match func:
        case Imported(module="functools", name="partial"):
            return True
        case Attr(base=ModuleRef(module="functools"), name="partial"):
            return True
        case Ref(dotted="functools.partial"):
            return module_env.get("functools") == ModuleRef("functools")
        case Ref(dotted=name) if "." not in name:
            return module_env.get(name) == Imported("functools", "partial")
    return False


def partial_call(made: ast.Call, applied: ast.Call | None = None) -> ast.Call | None:
    """The call a partial `made` stands for (`partial(f, a, k=v)` -> `f(a, k=v)`); with
    `applied`, the call of that partial (`p(b)` -> `f(a, b, k=v)`, at `applied`'s line).
    None when the wrapped callable is spread (`partial(*args)`)."""
    if not made.args or isinstance(made.args[0], ast.Starred):
        return None
    args, keywords = made.args[1:], made.keywords
    if applied is not None:
        args, keywords = [*args, *applied.args], [*keywords, *applied.keywords]
    call = ast.Call(func=made.args[0], args=args, keywords=keywords)
    return ast.copy_location(call, applied or made)
