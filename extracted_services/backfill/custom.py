"""Run a service's hand-written backfill (`backfill = "module:function"` in service.toml).

The function is the service's code, not the toolkit's: whatever goes wrong in it
(it cannot be imported, it raises, it returns something else than a summary) is
reported as an error naming it, never as a traceback. The toolkit's own errors
(e.g. a source database that cannot be reached) pass through as they are.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from extracted_services.backfill.summary import BackfillSummary
from extracted_services.discovery import ServicePackage
from extracted_services.manifest import Reference
from strangler.errors import StranglerError

SUMMARY_SHAPE = "an object with source and target (str), describe() -> str and is_empty() -> bool"


class BackfillFunctionError(StranglerError):
    """A service's hand-written backfill function failed or broke its contract."""


@dataclass(frozen=True)
class ReportedSummary:
    """A hand-written backfill's summary, read once and checked."""

    source: str
    target: str
    description: str
    empty: bool

    def describe(self) -> str:
        return self.description

    def is_empty(self) -> bool:
        return self.empty


@contextmanager
def importable(package: ServicePackage) -> Iterator[None]:
    """The package's services dir on the import path while its code runs."""
    root = None if package.import_root is None else str(package.import_root)
    if root is None or root in sys.path:
        yield
        return
    sys.path.insert(0, root)
    try:
        yield
    finally:
        if root in sys.path:
            sys.path.remove(root)


def run_backfill_function(
    package: ServicePackage, reference: Reference, source_url: str, target_url: str
) -> BackfillSummary:
    """Call the function with (source URL, target URL) and check what it returns."""
    name = f"{package.qualified(reference)} (service {package.name})"
    with importable(package):
        function = _load(package, reference, name)
        try:
            result = function(source_url, target_url)
        except StranglerError:
            raise
        except Exception as exc:
            raise BackfillFunctionError(
                f"backfill function {name} failed: {type(exc).__name__}: {exc}",
                hint="fix the function, or remove `backfill` from service.toml to use the"
                " generic copy of the manifest's tables",
            ) from exc
    return _checked(result, name)


def _load(package: ServicePackage, reference: Reference, name: str) -> Callable[[str, str], Any]:
    module_name = f"{package.import_name}.{reference.module}"
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise BackfillFunctionError(
            f"backfill function {name} cannot be imported: {type(exc).__name__}: {exc}",
            hint="a package the service needs belongs in `requires` in service.toml",
        ) from exc
    function = getattr(module, reference.attribute, None)
    if not callable(function):
        raise BackfillFunctionError(
            f"backfill function {name}: module {module_name} has no function"
            f" {reference.attribute!r}",
            hint="fix `backfill` in service.toml (module:function inside the package)",
        )
    return function


def _checked(result: Any, name: str) -> ReportedSummary:
    try:
        source, target = result.source, result.target
        description, empty = result.describe(), result.is_empty()
    except Exception as exc:
        raise BackfillFunctionError(
            f"backfill function {name} returned {_a(result)}, not a summary"
            f" ({type(exc).__name__}: {exc})",
            hint=f"return {SUMMARY_SHAPE}",
        ) from None
    if not (
        isinstance(source, str)
        and isinstance(target, str)
        and isinstance(description, str)
        and isinstance(empty, bool)
    ):
        raise BackfillFunctionError(
            f"backfill function {name} returned {_a(result)} whose fields have the wrong types",
            hint=f"return {SUMMARY_SHAPE}",
        )
    return ReportedSummary(source, target, description, empty)


def _a(value: Any) -> str:
    kind = type(value).__name__
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"
