"""`strangler extract`: analyze, choose, transplant, generate, write."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.resolution.results import Analysis, Route
from analyzer.usecases import AnalyzeOptions, analyze_project
from extracted_services.discovery import package_import_name
from extractor import package_files as files
from extractor.database_ids import sample_ids
from extractor.login_step import find_login
from extractor.parity_requests import RouteFacts, request_lines
from extractor.related_tables import with_related_tables
from extractor.rpc_style import MODULE as RPC_MODULE
from extractor.rpc_style import RpcStyle, rpc_methods_py, rpc_style
from extractor.selection import Selection, select_routes
from extractor.streaming import streaming_reason
from extractor.transplant import SETTINGS_MODULE, Note, Transplant, transplant
from extractor.verify import route_differences
from extractor.writer import WriteResult, check_writable, write_package
from planner.plan_file import area_routes
from planner.usecases import analysis_hash
from strangler.errors import UsageError


@dataclass(frozen=True)
class ExtractRequest:
    source: Path  # the monolith's source tree
    service: str
    into: Path
    blueprints: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    app: str | None = None  # the app whose routes to take, when several register them
    plan: Path | None = None  # a `strangler plan` JSON file: extract the routes of `area`
    area: str | None = None
    db_config_keys: tuple[str, ...] = ()
    database_url: str | None = None  # the monolith's database: real ids for parity requests
    monolith_url: str = "http://127.0.0.1:8000"
    rpc_methods: bool = False  # `--style rpc`: JSON views also as `@rpc` methods
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class ExtractResult:
    directory: Path
    files: dict[str, int]  # path inside the package -> size in bytes
    routes: int
    notes: tuple[Note, ...] = ()
    written: WriteResult | None = None  # None for a dry run
    dropped_functions: tuple[str, ...] = field(default_factory=tuple)


def extract_service(
    request: ExtractRequest, on_step: Callable[[str], None] = lambda step: None
) -> ExtractResult:
    """Generate (or, on a dry run, plan) the service package for `request`; `on_step` hears
    each stage as it starts (the command prints them: a large app takes a while)."""
    if not request.service.isidentifier():
        raise UsageError(
            f"--service {request.service!r} is not a Python identifier",
            hint="a service name is its package's folder and Nameko name: e.g. shop_reviews",
        )
    if not request.source.is_dir():
        raise UsageError(
            f"{request.source} is not a folder", hint="give the monolith's source tree"
        )
    directory = request.into / request.service
    check_writable(directory, force=request.force)
    on_step(f"analyzing {request.source}")
    analysis = analyze_project(request.source, AnalyzeOptions(show_progress=False))
    endpoints = (
        area_routes(request.plan, request.area or request.service, analysis_hash(analysis))
        if request.plan is not None
        else ()
    )
    selection = select_routes(
        analysis,
        blueprints=request.blueprints,
        rules=request.rules,
        endpoints=endpoints,
        app=request.app,
    )
    spec = files.ServiceSpec(
        name=request.service,
        import_prefix=package_import_name(request.into, request.service),
        monolith_url=request.monolith_url,
        db_config_keys=request.db_config_keys,
    )
    accesses = (analysis.route_access, analysis.route_hook_access)
    tables = with_related_tables(files.service_tables(selection, accesses), analysis.tables)
    on_step(f"copying the code {len(selection.routes)} routes need (LibCST)")
    moved = transplant(analysis, selection, spec.import_prefix, tables)
    on_step(f"reading the copy back ({len(moved.modules)} modules)")
    moved.notes.extend(route_differences(selection.routes, _routes_of_copy(moved, spec, selection)))
    streaming = _streaming_routes(analysis, selection)
    moved.notes.extend(
        Note(route.file, route.line, f"{route.rule} stays with the monolith: {reason}")
        for route, reason in streaming.items()
    )
    foreign = files.written_tables(selection, accesses)
    style = RpcStyle()
    if request.rpc_methods:
        on_step("writing JSON views as RPC methods (LibCST)")
        style = rpc_style(analysis, selection, streaming)
    generated: dict[str, bytes] = {
        "__init__.py": f'"""The {spec.name} service package (strangler extract)."""\n'.encode(),
        "service.py": files.service_py(spec, selection, moved.table_modules, style).encode(),
        f"{SETTINGS_MODULE}.py": files.service_settings_py(spec).encode(),
        "config.yml": files.config_yml(spec).encode(),
        "service.toml": files.service_toml(spec, tables, foreign, style).encode(),
        "routes.toml": files.routes_toml(spec, selection.routes, streaming, style).encode(),
        "README.md": files.readme(spec, selection, moved, tables, style).encode(),
        "parity-requests.txt": _parity_requests(
            analysis, selection, request.database_url, streaming
        ),
    }
    if style.converted:
        methods = rpc_methods_py(spec.name, spec.rpc_class_name, spec.import_prefix, style)
        generated[f"{RPC_MODULE}.py"] = methods.encode()
    generated.update({path: code.encode() for path, code in moved.modules.items()})
    generated.update({path: source.read_bytes() for source, path in moved.resources})
    written = None if request.dry_run else write_package(directory, generated, force=request.force)
    return ExtractResult(
        directory=directory,
        files={path: len(data) for path, data in sorted(generated.items())},
        routes=len(selection.routes),
        notes=tuple(moved.notes),
        written=written,
        dropped_functions=tuple(moved.dropped_functions),
    )


def _parity_requests(
    analysis: Analysis,
    selection: Selection,
    database_url: str | None,
    streaming: Mapping[Route, str],
) -> bytes:
    """parity-requests.txt: real ids from `database_url` when given (read only); streaming
    routes left out (the monolith answers them)."""
    facts = []
    for route in selection.routes:
        if route in streaming:
            continue
        key = (route.app, route.rule, route.endpoint)
        access = analysis.route_access.get(key)
        facts.append(
            RouteFacts(
                route=route,
                tables=access.reads if access is not None else (),
                guarded=bool(analysis.route_guards.get(key)),
            )
        )
    known = [table.name for table in analysis.tables]
    needed = {table for fact in facts for table in fact.tables} | set(known)
    ids = sample_ids(database_url, needed) if database_url else {}
    lines = request_lines(facts, ids, known, find_login(analysis))
    return ("\n".join(lines) + "\n").encode()


def _routes_of_copy(
    moved: Transplant, spec: files.ServiceSpec, selection: Selection
) -> list[Route]:
    """The routes the copied app registers, read by the analyzer from a scratch copy laid
    out as the package will be imported (`extracted_services/NAME/...` or `NAME/...`)."""
    module, _, attribute = selection.app.name.partition(":")
    app_name = f"{spec.import_prefix}.{module}:{attribute}"
    with tempfile.TemporaryDirectory(prefix="strangler-extract-") as scratch:
        packages = spec.import_prefix.split(".")
        package_dir = Path(scratch).joinpath(*packages)
        for depth in range(1, len(packages) + 1):
            init = Path(scratch).joinpath(*packages[:depth], "__init__.py")
            init.parent.mkdir(parents=True, exist_ok=True)
            init.touch()
        for path, code in moved.modules.items():
            target = package_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, encoding="utf-8")
        copy = analyze_project(
            Path(scratch) / packages[0], AnalyzeOptions(use_cache=False, show_progress=False)
        )
    inside = "/".join(packages[1:]) + "/" if len(packages) > 1 else ""
    return [
        Route(r.app, r.rule, r.endpoint, r.methods, r.file.removeprefix(inside), r.line, r.handlers,
              r.blueprint, r.kind)
        for r in copy.routes
        if r.app == app_name
    ]  # fmt: skip


def _streaming_routes(analysis: Analysis, selection: Selection) -> dict[Route, str]:
    """The chosen routes whose views stream their answer, with why (read from the source)."""
    root = Path(analysis.root)
    files_of = {info.name: info.file for info in analysis.modules}
    found = {}
    for route in selection.routes:
        for module, qualname in route.handlers:
            if module not in files_of:
                continue
            source = (root / files_of[module]).read_text(encoding="utf-8")
            reason = streaming_reason(source, qualname)
            if reason is not None:
                found[route] = reason
                break
    return found
