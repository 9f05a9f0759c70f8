"""`strangler service backfill NAME`: the service's own backfill function, else the generic copy."""

from __future__ import annotations

from extracted_services.backfill.custom import run_backfill_function
from extracted_services.backfill.generic import DEFAULT_BATCH_SIZE, generic_backfill
from extracted_services.backfill.progress import NoProgress, Progress
from extracted_services.backfill.summary import BackfillSummary
from extracted_services.discovery import ServicePackage
from extracted_services.requirements import check_requirements


def backfill_service(
    package: ServicePackage,
    source_url: str,
    target_url: str,
    *,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> BackfillSummary:
    """Fill `package`'s database at `target_url` from the monolith's at `source_url`."""
    manifest = package.manifest
    if manifest.backfill is not None:
        check_requirements(package)
        return run_backfill_function(package, manifest.backfill, source_url, target_url)
    return generic_backfill(
        package.name,
        manifest.tables,
        source_url,
        target_url,
        progress=progress or NoProgress(),
        batch_size=batch_size,
    )
