"""`strangler service list`: each service package as a short block of text."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from extracted_services.discovery import FoundServices, ServicePackage
from strangler.database import display_url


def render_services(found: FoundServices, environ: Mapping[str, str], cwd: Path) -> str:
    """Every package: name, tables, owns, database, backfill and where it was found."""
    return "\n\n".join(_block(package, environ, cwd) for package in found.packages)


def _block(package: ServicePackage, environ: Mapping[str, str], cwd: Path) -> str:
    manifest = package.manifest
    variable = manifest.database_env
    if environ.get(variable):
        database = f"{display_url(environ[variable])} (from ${variable})"
    else:
        database = f"{display_url(manifest.default_database_url)} (default; ${variable} overrides)"
    backfill = (
        f"{manifest.backfill} (hand-written)"
        if manifest.backfill is not None
        else "generic copy of the tables"
    )
    foreign = ", ".join(manifest.writes_foreign)
    rows = [
        ("tables", ", ".join(str(table) for table in manifest.tables)),
        ("owns", ", ".join(manifest.owns) or "(none yet)"),
        *([("writes", f"{foreign} (owned by the monolith)")] if foreign else []),
        ("database", database),
        ("backfill", backfill),
        ("found in", _where(package.directory, cwd)),
    ]
    return "\n".join([manifest.name, *(f"  {label:<9} {value}" for label, value in rows)])


def _where(directory: Path, cwd: Path) -> str:
    return str(directory.relative_to(cwd)) if directory.is_relative_to(cwd) else str(directory)
