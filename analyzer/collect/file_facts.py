"""One file's bytes -> its `FileFacts` (structure, database access, schema tables, the
operations of an OpenAPI spec, the requirements and entry points a manifest or `setup.py`
declares).

Pure apart from what it is given; a bug triggered by strange code becomes a diagnostic for
that file instead of stopping the whole analysis.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from analyzer.database.extract import extract_db_facts
from analyzer.facts.protobuf import ProtoFile
from analyzer.facts.python import Diagnostic, FileFacts, FileKind
from analyzer.source.entry_points import manifest_entry_points, setup_py_entry_points
from analyzer.source.extract import extract_structure
from analyzer.source.openapi_spec import read_spec
from analyzer.source.parse import parse_source
from analyzer.source.protobuf_descriptors import MARKER, read_file_descriptor, serialized_file
from analyzer.source.protobuf_wire import WireError
from analyzer.source.requirements import SETUP_PY, manifest_requirements, setup_py_requirements
from analyzer.syntax.scopes import collect_scopes


@dataclass(frozen=True, slots=True)
class FileSpec:
    """What extraction needs to know about a file besides its bytes."""

    rel: str
    kind: FileKind
    module: str
    is_package: bool


def extract_file(source: bytes, spec: FileSpec, dialect: str | None) -> FileFacts:
    lines = source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)
    if spec.kind == "sql":
        return _sql_facts(source, spec, dialect, lines)
    if spec.kind == "openapi":
        read, notes = read_spec(source, spec.rel)
        return FileFacts(spec.rel, "", False, "openapi", lines, diagnostics=notes, openapi=read)
    if spec.kind == "manifest":
        text = source.decode("utf-8-sig", errors="replace")
        name = spec.rel.rsplit("/", 1)[-1]
        return FileFacts(
            spec.rel,
            "",
            False,
            "manifest",
            lines,
            requirements=manifest_requirements(text, name),
            entry_points=manifest_entry_points(text, name),
        )
    parsed = parse_source(source, spec.rel)
    base = FileFacts(spec.rel, spec.module, spec.is_package, "python", lines)
    if parsed.tree is None:
        return _with(base, diagnostics=parsed.diagnostics)
    diagnostics = list(parsed.diagnostics)
    try:
        scopes = collect_scopes(parsed.tree)
        structure = extract_structure(
            scopes, path=spec.rel, module=spec.module, is_package=spec.is_package
        )
    except RecursionError:
        return _with(base, diagnostics=(*diagnostics, _too_deep(spec.rel)))
    diagnostics.extend(structure.diagnostics)
    try:
        db = extract_db_facts(
            scopes, module=spec.module, dialect=dialect, is_package=spec.is_package
        )
    except RecursionError:
        db = None
        diagnostics.append(_too_deep(spec.rel))
    except Exception as exc:
        db = None
        diagnostics.append(
            Diagnostic(
                spec.rel, 1, "internal", f"database extraction failed: {type(exc).__name__}: {exc}"
            )
        )
    protobuf = _protobuf(parsed.tree, spec.rel, diagnostics) if MARKER in source else None
    is_setup = spec.rel.rsplit("/", 1)[-1] == SETUP_PY
    requirements = setup_py_requirements(parsed.tree) if is_setup else ()
    entry_points = setup_py_entry_points(parsed.tree) if is_setup else ()
    return FileFacts(
        path=spec.rel,
        module=spec.module,
        is_package=spec.is_package,
        kind="python",
        lines=lines,
        bindings=structure.bindings,
        star_imports=structure.star_imports,
        rebound_globals=structure.rebound_globals,
        imports=structure.imports,
        functions=structure.functions,
        classes=structure.classes,
        registrations=structure.registrations,
        db=db,
        diagnostics=tuple(diagnostics),
        protobuf=protobuf,
        requirements=requirements,
        entry_points=entry_points,
    )


def _protobuf(tree: ast.Module, path: str, diagnostics: list[Diagnostic]) -> ProtoFile | None:
    """The descriptor of a protobuf-generated module, if it is one."""
    found = serialized_file(tree)
    if found is None:
        return None
    data, line = found
    try:
        return read_file_descriptor(data, line)
    except WireError as exc:
        message = f"serialized protobuf descriptor not readable ({exc}); its services are unknown"
        diagnostics.append(Diagnostic(path, line, "protobuf", message))
        return None


def _sql_facts(source: bytes, spec: FileSpec, dialect: str | None, lines: int) -> FileFacts:
    from analyzer.database.schema_sql import parse_schema_sql  # loads sqlglot: only for .sql

    text = source.decode("utf-8-sig", errors="replace")
    schema = parse_schema_sql(text, dialect=dialect)
    return FileFacts(
        path=spec.rel,
        module="",
        is_package=False,
        kind="sql",
        lines=lines,
        schema_tables=schema.tables,
        diagnostics=tuple(
            Diagnostic(spec.rel, d.line, "sql", d.message) for d in schema.diagnostics
        ),
    )


def _with(base: FileFacts, *, diagnostics: tuple[Diagnostic, ...]) -> FileFacts:
    return FileFacts(
        base.path, base.module, base.is_package, base.kind, base.lines, diagnostics=diagnostics
    )


def _too_deep(path: str) -> Diagnostic:
    return Diagnostic(
        path, 1, "unparsable", "expressions nested too deeply to analyze; file skipped"
    )
