"""Package walks: `pkgutil.iter_modules(pkg.__path__)` and `pkgutil.walk_packages(...)` over
a package of the analyzed tree yield its modules as the tree holds them, so a loop that imports
each one (`importlib.import_module(f"{pkg.__name__}.{info.name}")`) and registers what it
defines is unrolled once per module, as it runs.
"""

from __future__ import annotations

from analyzer.facts.values import Attr, CallOf, Ref, Seq, Value
from analyzer.resolution.resolve import (
    Ctx,
    ExternalEntity,
    ModuleEntity,
    ModuleInfoEntity,
    Resolver,
    SeqEntity,
    constant,
)

# the walks, and whether they descend into subpackages
WALKS = {"pkgutil.iter_modules": False, "pkgutil.walk_packages": True}


def walked_modules(resolver: Resolver, iterable: Value, ctx: Ctx) -> SeqEntity | None:
    """The modules a walk over a package of the tree yields, or None when `iterable` is not
    such a walk (or its package or `prefix` is not known statically)."""
    if not (isinstance(iterable, CallOf) and iterable.args):
        return None
    func = resolver.resolve(iterable.func, ctx)
    if not (isinstance(func, ExternalEntity) and func.dotted in WALKS):
        return None
    package = _walked_package(resolver, iterable.args[0], ctx)
    given_prefix = resolver.argument(iterable, 1, "prefix", ctx)
    prefix = "" if given_prefix is None else constant(given_prefix)
    if package is None or not isinstance(prefix, str):
        return None
    found = []
    for module, facts in sorted(resolver.files.items()):
        if facts.module != module or not module.startswith(package + "."):
            continue  # an alias, or outside the package
        relative = module[len(package) + 1 :]
        if "." in relative and not WALKS[func.dotted]:
            continue
        found.append(ModuleInfoEntity(prefix + relative, facts.is_package))
    return SeqEntity(tuple(found))


def _walked_package(resolver: Resolver, paths: Value, ctx: Ctx) -> str | None:
    """The package whose directory a walk is given: `pkg.__path__`, `__path__` in a package,
    or `[os.path.dirname(__file__)]`."""
    own_module = resolver.canonical(ctx.module)
    match paths:
        case Ref("__path__"):
            return own_module if resolver.files[own_module].is_package else None
        case Ref(dotted) if dotted.endswith(".__path__"):
            package = resolver.resolve(Ref(dotted.removesuffix(".__path__")), ctx)
        case Attr(base=base, name="__path__"):
            package = resolver.resolve(base, ctx)
        case Seq(items=(CallOf(func=func, args=(Ref("__file__"),)),)):
            if resolver.resolve(func, ctx) != ExternalEntity("os.path.dirname"):
                return None
            if resolver.files[own_module].is_package:
                return own_module
            return own_module.rpartition(".")[0] or None
        case _:
            return None
    if isinstance(package, ModuleEntity) and resolver.files[package.name].is_package:
        return package.name
    return None
