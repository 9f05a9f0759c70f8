"""The extracted services this repository carries, and where each one's parts are."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Protocol

from strangler.errors import UsageError

MONOLITH_DATABASE_ENV = "DATABASE_URL"
MONOLITH_DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"


class BackfillSummary(Protocol):
    """What a service's backfill reports: where from, where to, and what it copied."""

    @property
    def source(self) -> str: ...

    @property
    def target(self) -> str: ...

    def describe(self) -> str: ...

    def is_empty(self) -> bool:
        """True when nothing the service serves was copied (a wrong or unseeded source)."""
        ...


class UnknownService(UsageError):
    """A service name that is not in the registry."""


@dataclass(frozen=True)
class ServiceSpec:
    """One Nameko service: its package, its database and how to fill it from the monolith."""

    name: str
    package: str  # holds service.py, config.yml, ...
    description: str
    database_env: str  # the env var config.yml reads the database URL from
    default_database_url: str  # config.yml's default for it
    backfill_function: str  # "module:function" taking (source_url, target_url)

    @property
    def service_module(self) -> str:
        return f"{self.package}.service"

    @property
    def config_path(self) -> Path:
        return Path(str(files(self.package) / "config.yml")).resolve()

    def database_url(self, environ: Mapping[str, str]) -> str:
        """The URL the service uses under `environ`, as its config.yml resolves it."""
        return environ.get(self.database_env) or self.default_database_url

    def backfill(self) -> Callable[[str, str], BackfillSummary]:
        """The backfill function, imported on first use."""
        module_name, attribute = self.backfill_function.split(":")
        function: Callable[[str, str], BackfillSummary] = getattr(
            importlib.import_module(module_name), attribute
        )
        return function


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec(
            name="catalog",
            package="extracted_services.catalog",
            description="products and categories (the monolith's /api/catalog reads)",
            database_env="CATALOG_DATABASE_URL",
            default_database_url="sqlite:///var/catalog_service.sqlite3",
            backfill_function="extracted_services.catalog.backfill:backfill_catalog",
        ),
    )
}


def find_service(name: str) -> ServiceSpec:
    """The service called `name`, or a UsageError listing the known ones."""
    try:
        return SERVICES[name]
    except KeyError:
        raise UnknownService(
            f"no extracted service named {name!r}; known services: {', '.join(sorted(SERVICES))}",
            hint="`strangler service list` shows them",
        ) from None
