"""The monolith's code the chosen routes need, transformed to live in the service package.

Starting from the app's module, the chosen views' modules and the modules of the hooks that
run for them, each module is transformed (routes and blueprints not chosen taken out, the
imports only they used removed), its imports followed, and finally moved under the service
package (`RenamePackage`). Only modules reached this way are copied: a module that only
dropped code imported stays behind. Sources are read, parsed and rewritten; never run.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from analyzer.resolution.results import Analysis, ModuleInfo
from extractor.codemods.drop_routes import DropRequest, drop_routes
from extractor.codemods.rename_package import rename_package
from extractor.codemods.service_database import insert_database_settings
from extractor.codemods.unused_imports import remove_orphaned_imports
from extractor.codemods.url_fallback import insert_url_fallback
from extractor.imports import names_imported_from, project_imports
from extractor.monolith_links import HANDLER, monolith_links_py
from extractor.monolith_links import MODULE as LINKS_MODULE
from extractor.selection import Selection

SETTINGS_MODULE = "service_settings"
NO_DATABASE = (
    "no `init_app(app)` or `SQLAlchemy(app)` found: set the app's database to"
    " `database_settings()` from service_settings.py by hand"
)


@dataclass(frozen=True)
class Note:
    """Something a person must look at: where, and what."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Transplant:
    """The copied modules (path inside the package -> text) and what happened on the way."""

    # "shop/reviews/views.py" -> code; also the generated "monolith_links.py" it imports
    modules: dict[str, str] = field(default_factory=dict)
    resources: list[tuple[Path, str]] = field(default_factory=list)  # (source file, dest path)
    dropped_functions: list[str] = field(default_factory=list)  # "module.function"
    # modules defining the service's tables: the service imports them before the app runs
    table_modules: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def transplant(
    analysis: Analysis, selection: Selection, import_prefix: str, tables: Iterable[str] = ()
) -> Transplant:
    """The transformed modules for `selection`, to be imported as `<import_prefix>.<module>`.

    The modules defining `tables` (models, `Table(...)`) come along too: a copied model's
    foreign key to a table only such a module defines would not resolve otherwise.
    """
    root = Path(analysis.root)
    infos = {info.name: info for info in analysis.modules}
    by_file = {info.file: info.name for info in infos.values()}
    app_module, _, factory = selection.app.name.partition(":")
    requests = _drop_requests(root, infos, by_file, selection)
    packages = {name.split(".")[0] for name in infos}
    result = Transplant()
    wanted_tables = set(tables)
    result.table_modules = sorted(
        {by_file[t.file] for t in analysis.tables if t.name in wanted_tables and t.file in by_file}
    )
    roots = {
        app_module,
        *selection.hook_modules,
        *(k[0] for r in selection.routes for k in r.handlers),
        *result.table_modules,
    }
    # names other modules import from a module: an import it keeps for them is no orphan
    exported = names_imported_from(
        {n: (_read(root / i.file), _is_package(i)) for n, i in infos.items()}, infos.keys()
    )
    pending = deque(sorted(roots))
    seen = set(pending)
    while pending:
        name = pending.popleft()
        info = infos.get(name)
        if info is None:
            continue
        code = _trimmed(root / info.file, requests.get(name), result, exported.get(name, set()))
        for imported in sorted(project_imports(code, name, _is_package(info), infos.keys())):
            if imported not in seen:
                seen.add(imported)
                pending.append(imported)
        if name == app_module:
            code, inserted = _with_service_database(code, factory, import_prefix)
            if not inserted and wanted_tables:  # an app without tables needs no database
                result.notes.append(Note(info.file, selection.app.line, NO_DATABASE))
            code = _with_monolith_links(code, factory, import_prefix, info, selection, result)
        result.modules[_package_path(info)] = rename_package(code, import_prefix, packages)
    _add_package_inits(seen, result)
    for source, destination in _resources(root, infos, seen):
        if source.suffix == ".py":  # scripts read by path (Alembic's env.py, versions/)
            result.modules[destination] = _renamed_script(source, import_prefix, packages, result)
        else:
            result.resources.append((source, destination))
    return result


def _renamed_script(source: Path, prefix: str, packages: set[str], result: Transplant) -> str:
    text = _read(source)
    try:
        return rename_package(text, prefix, packages)
    except cst.ParserSyntaxError:
        result.notes.append(
            Note(
                str(source), 1, "copied as it is: it does not parse, so its imports were not moved"
            )
        )
        return text


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _trimmed(
    path: Path, request: DropRequest | None, result: Transplant, exported: set[str]
) -> str:
    source = _read(path)
    if request is None:
        return source
    code, dropped = drop_routes(source, request)
    result.dropped_functions += [f"{request.module}.{name}" for name in dropped.functions]
    return remove_orphaned_imports(source, code, exported) if code != source else source


def _with_service_database(code: str, factory: str, prefix: str) -> tuple[str, bool]:
    """`code` with the service's database settings inserted in the app's factory (or at
    module level), and whether a place for them was found."""
    function = factory.removesuffix("()") if factory.endswith("()") else None
    return insert_database_settings(code, function, f"{prefix}.{SETTINGS_MODULE}")


def _with_monolith_links(
    code: str, factory: str, prefix: str, info: ModuleInfo, selection: Selection, result: Transplant
) -> str:
    """Links to the routes left out build the monolith's URLs (`extractor/monolith_links.py`)."""
    if not selection.dropped_routes:
        return code
    function = factory.removesuffix("()") if factory.endswith("()") else None
    updated, inserted = insert_url_fallback(code, function, f"{prefix}.{LINKS_MODULE}", HANDLER)
    if inserted:
        result.modules[f"{LINKS_MODULE}.py"] = monolith_links_py(selection.dropped_routes)
    else:
        result.notes.append(
            Note(
                info.file,
                selection.app.line,
                "no `app = Flask(...)` found: `url_for` of a route left in the monolith raises"
                " BuildError; append `link_to_monolith` (monolith_links.py) to the app's"
                " `url_build_error_handlers` by hand",
            )
        )
    return updated


def _drop_requests(
    root: Path, infos: dict[str, ModuleInfo], by_file: dict[str, str], selection: Selection
) -> dict[str, DropRequest]:
    blueprint_objects = _blueprint_objects(root, infos, selection)
    functions: dict[str, set[str]] = {}
    for module, qualname in selection.dropped_views:
        functions.setdefault(module, set()).add(qualname)
    lines: dict[str, set[int]] = {}
    for route in selection.dropped_routes:
        registered_in = by_file.get(route.file)
        if registered_in is not None:
            lines.setdefault(registered_in, set()).add(route.line)
    return {
        name: DropRequest(
            module=name,
            is_package=_is_package(info),
            blueprint_objects=frozenset(blueprint_objects),
            functions=frozenset(functions.get(name, ())),
            registration_lines=frozenset(lines.get(name, ())),
        )
        for name, info in infos.items()
    }


def _blueprint_objects(
    root: Path, infos: dict[str, ModuleInfo], selection: Selection
) -> set[tuple[str, str]]:
    """(module, variable) where each dropped blueprint is created: `bp = Blueprint("x", ...)`.

    Looked for in its views' modules, the project modules they import and their packages:
    a blueprint is often made in a package's `__init__.py` and its views, in `views.py`,
    import it (`from . import main`).
    """
    view_modules = {
        key[0] for route in selection.dropped_routes if route.blueprint for key in route.handlers
    }
    modules = set(view_modules)
    for module in view_modules:
        info = infos.get(module)
        modules.update(info.imports if info is not None else ())
        parts = module.split(".")
        modules.update(".".join(parts[:depth]) for depth in range(1, len(parts)))
    found = set()
    for module in sorted(modules):
        info = infos.get(module)
        if info is None:
            continue
        tree = ast.parse((root / info.file).read_bytes())
        for variable, name in _blueprints_created(tree.body):
            if name in selection.dropped_blueprints:
                found.add((module, variable))
    return found


def _blueprints_created(body: Iterable[ast.stmt]) -> Iterable[tuple[str, str]]:
    for statement in body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        callee = (
            call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        )
        first = call.args[0] if call.args else None
        if callee.endswith("Blueprint") and isinstance(first, ast.Constant):
            for target in statement.targets:
                if isinstance(target, ast.Name) and isinstance(first.value, str):
                    yield target.id, first.value


def _is_package(info: ModuleInfo) -> bool:
    return info.file.endswith("__init__.py")


def _package_path(info: ModuleInfo) -> str:
    parts = info.name.split(".")
    return "/".join(parts) + ("/__init__.py" if _is_package(info) else ".py")


def _add_package_inits(copied: set[str], result: Transplant) -> None:
    """An empty `__init__.py` for every package above a copied module that has none of its
    own in the monolith (a namespace package there)."""
    for name in sorted(copied):
        parts = name.split(".")
        for depth in range(1, len(parts)):
            result.modules.setdefault("/".join(parts[:depth]) + "/__init__.py", "")


_NOT_DATA = frozenset({"__pycache__", "tests", "test"})


def _resources(
    root: Path, infos: dict[str, ModuleInfo], copied: set[str]
) -> Iterable[tuple[Path, str]]:
    """Files that come with the copied packages though no import reaches them: each
    package's own non-Python files (a default config, say) and its data folders, whole:
    any sub-folder that is not a Python package (templates, static, translations, an
    Alembic `migrations` folder that Flask-Migrate reads by path at start-up)."""
    for name in sorted(copied):
        info = infos.get(name)
        if info is None or not _is_package(info):
            continue
        folder = (root / info.file).parent
        destination = "/".join(name.split("."))
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.name in _NOT_DATA:
                continue
            if entry.is_file() and entry.suffix not in (".py", ".pyc"):
                yield entry, f"{destination}/{entry.name}"
            elif entry.is_dir() and not (entry / "__init__.py").exists():
                for file in sorted(entry.rglob("*")):
                    parts = file.relative_to(entry).parts
                    if file.is_file() and not any(
                        p in _NOT_DATA or p.startswith(".") for p in parts
                    ):
                        yield file, f"{destination}/{entry.name}/{'/'.join(parts)}"
