"""Package walks: `pkgutil.iter_modules(pkg.__path__)` and `pkgutil.walk_packages(...)` over
a package of the analyzed tree yield its modules as the tree holds them, so a loop that imports
each one (`importlib.import_module(f"{pkg.__name__}.{info.name}")`) and registers what it
defines is unrolled once per module, as it runs; werkzeug's `find_modules("pkg")` yields their
dotted names (`__import__(name, None, None, ["bp"])` imports each).
"""

from __future__ import annotations

from analyzer.facts.values import Attr, CallOf, Ref, Seq, Value
from analyzer.resolution.paths import tree_path
from analyzer.resolution.resolve import (
    ConstEntity,
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
# the walks yielding the modules' dotted names
NAME_WALKS = frozenset({"werkzeug.utils.find_modules", "werkzeug.find_modules"})


def walked_modules(resolver: Resolver, iterable: Value, ctx: Ctx) -> SeqEntity | None:
    """The modules a walk over a package of the tree yields, or None when `iterable` is not
    such a walk (or its package or `prefix` is not known statically)."""
    if not (isinstance(iterable, CallOf) and iterable.args):
        return None
    func = resolver.resolve(iterable.func, ctx)
    if isinstance(func, ExternalEntity) and func.dotted in NAME_WALKS:
        return _found_modules(resolver, iterable, ctx)
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


def _found_modules(resolver: Resolver, walk: CallOf, ctx: Ctx) -> SeqEntity | None:
    """werkzeug's `find_modules(import_path, include_packages=False, recursive=False)`: the
    dotted names of the package's modules, its subpackages' only when asked for."""
    package = constant(resolver.resolve(walk.args[0], ctx))
    packages = constant(resolver.argument(walk, 1, "include_packages", ctx) or ConstEntity(False))
    recursive = constant(resolver.argument(walk, 2, "recursive", ctx) or ConstEntity(False))
    known = all(isinstance(flag, bool) for flag in (packages, recursive))
    if not (isinstance(package, str) and package in resolver.files and known):
        return None
    if not resolver.files[package].is_package:
        return None
    found = []
    for module, facts in sorted(resolver.files.items()):
        if facts.module != module or not module.startswith(package + "."):
            continue  # an alias, or outside the package
        if "." in module[len(package) + 1 :] and not recursive:
            continue
        if not facts.is_package or packages:
            found.append(ConstEntity(module))
    return SeqEntity(tuple(found))


def _walked_package(resolver: Resolver, paths: Value, ctx: Ctx) -> str | None:
    """The package whose directory a walk is given: `pkg.__path__`, `__path__` in a package,
    or `[folder]` with the folder computed from `__file__` (`os.path.dirname(__file__)`,
    `os.path.join(os.path.dirname(__file__), "..", "views")`)."""
    own_module = resolver.canonical(ctx.module)
    match paths:
        case Ref("__path__"):
            return own_module if resolver.files[own_module].is_package else None
        case Ref(dotted) if dotted.endswith(".__path__"):
            package = resolver.resolve(Ref(dotted.removesuffix(".__path__")), ctx)
        case Attr(base=base, name="__path__"):
            package = resolver.resolve(base, ctx)
        case Seq(items=(folder,)):
            path = tree_path(resolver.resolve(folder, ctx))
            return None if path is None else _package_in(resolver, path)
        case _:
            return None
    if isinstance(package, ModuleEntity) and resolver.files[package.name].is_package:
        return package.name
    return None


def _package_in(resolver: Resolver, folder: str) -> str | None:
    """The package of the tree whose folder is `folder` ('.' is the root)."""
    wanted = "__init__.py" if folder in ("", ".") else f"{folder}/__init__.py"
    return next(
        (m for m, f in sorted(resolver.files.items()) if f.path == wanted and f.module == m),
        None,
    )
