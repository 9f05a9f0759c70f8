"""Find the service packages: every folder with a service.toml, nothing registered by hand.

Looked for in the toolkit's own `extracted_services/` (imported as
`extracted_services.<folder>`) and in each services directory the user names
(imported as a top-level `<folder>` with that directory on the import path).
Reads files only: nothing of a service is imported here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from extracted_services.manifest import MANIFEST_FILE, Manifest, Reference, load_manifest
from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean

BUILTIN_ROOT = Path(__file__).resolve().parent
BUILTIN_PACKAGE = BUILTIN_ROOT.name
CONFIG_FILE = "config.yml"


class UnknownService(UsageError):
    """No service package has this name."""


class ServicePackageError(UsageError):
    """A service package that cannot be used as it is (its folder, not its manifest)."""


@dataclass(frozen=True)
class ServicePackage:
    """A folder holding service.toml, config.yml and the service's code."""

    manifest: Manifest
    directory: Path
    import_name: str  # "extracted_services.catalog", or "orders" for one in a services dir
    import_root: Path | None  # the services dir to put on the import path; None: the toolkit's

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_FILE

    def qualified(self, reference: Reference) -> str:
        """`reference` as an importable `package.module:attribute`."""
        return f"{self.import_name}.{reference.module}:{reference.attribute}"

    def database_url(self, environ: Mapping[str, str]) -> str:
        """The URL the service uses under `environ`, as its config.yml resolves it."""
        return environ.get(self.manifest.database_env) or self.manifest.default_database_url


@dataclass(frozen=True)
class FoundServices:
    """Every service package found, in the order found (the toolkit's first)."""

    packages: tuple[ServicePackage, ...]

    def names(self) -> list[str]:
        return [package.name for package in self.packages]

    def find(self, name: str) -> ServicePackage:
        """The package of service `name`, or an UnknownService listing the known ones."""
        for package in self.packages:
            if package.name == name:
                return package
        known = ", ".join(self.names()) or "none"
        raise UnknownService(
            f"no service package named {name!r}{did_you_mean(name, self.names())};"
            f" known services: {known}",
            hint="`strangler service list` shows them; a package outside the toolkit"
            " is found with --services-dir DIR",
        )


def find_services(services_dirs: Sequence[Path] = ()) -> FoundServices:
    """The toolkit's packages, then those of each services dir; names must be unique."""
    packages = list(_packages_in(BUILTIN_ROOT, builtin=True))
    seen_dirs = {BUILTIN_ROOT}
    for services_dir in services_dirs:
        root = services_dir.resolve()
        if root in seen_dirs:
            continue
        seen_dirs.add(root)
        found = list(_packages_in(root, builtin=False))
        if not found:
            raise ServicePackageError(
                f"services dir {services_dir} holds no service package",
                hint=f"a service package is a folder with a {MANIFEST_FILE} in it",
            )
        packages.extend(found)
    _refuse_duplicate_names(packages)
    return FoundServices(tuple(packages))


def package_import_name(services_dir: Path, folder: str) -> str:
    """How a package in `services_dir` is imported: under the toolkit's own package when that
    is the dir (`extracted_services.catalog`), else as a top-level module (`orders`)."""
    if services_dir.resolve() == BUILTIN_ROOT:
        return f"{BUILTIN_PACKAGE}.{folder}"
    return folder


def _packages_in(root: Path, *, builtin: bool) -> Iterable[ServicePackage]:
    for directory in sorted(path for path in root.iterdir() if path.is_dir()):
        manifest_path = directory / MANIFEST_FILE
        if not manifest_path.is_file():
            continue
        package = ServicePackage(
            manifest=load_manifest(manifest_path),
            directory=directory,
            import_name=package_import_name(root, directory.name),
            import_root=None if builtin else root,
        )
        _check_package(package)
        yield package


def _check_package(package: ServicePackage) -> None:
    directory, manifest = package.directory, package.manifest
    if not directory.name.isidentifier():
        raise ServicePackageError(
            f"service package {directory}: the folder name is not a Python identifier,"
            " so it cannot be imported",
            hint="rename the folder, e.g. with underscores instead of dashes",
        )
    if package.import_root is not None:
        _refuse_shadowing(package)
    for key, reference in (("service", manifest.service), ("backfill", manifest.backfill)):
        if reference is not None and not _module_file(directory, reference.module).exists():
            raise ServicePackageError(
                f"{manifest.path}: {key}: module {reference.module!r} is not in {directory}"
                f" (no {_module_file(directory, reference.module).relative_to(directory)})",
                hint='modules are named inside the package: service = "service:MyService"'
                " for service.py",
            )
    _check_config(package)


def _module_file(directory: Path, module: str) -> Path:
    path = directory.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _refuse_shadowing(package: ServicePackage) -> None:
    """A top-level name already importable elsewhere would import that module instead."""
    try:
        spec = importlib.util.find_spec(package.import_name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    origin = spec.origin or next(iter(spec.submodule_search_locations or ()), None)
    if origin is None or Path(origin).resolve().is_relative_to(package.directory):
        return
    raise ServicePackageError(
        f"service package {package.directory}: the name {package.import_name!r} is already"
        f" taken by the module at {origin}",
        hint="rename the package's folder so it imports as itself",
    )


def _check_config(package: ServicePackage) -> None:
    manifest = package.manifest
    expected = f"${{{manifest.database_env}:{manifest.default_database_url}}}"
    config = package.config_path
    if not config.is_file():
        raise ServicePackageError(
            f"service package {package.directory} has no {CONFIG_FILE}",
            hint=f"nameko runs the service with it; it needs at least AMQP_URI:"
            f" ${{AMQP_URI:amqp://guest:guest@127.0.0.1:5672/}} and DATABASE_URL: {expected}",
        )
    if expected not in config.read_text(encoding="utf-8"):
        raise ServicePackageError(
            f"{config} does not read the database URL as {manifest.path.name} says"
            f" (database_env, default_database_url): no {expected}",
            hint=f"write DATABASE_URL: {expected} in {CONFIG_FILE}, or fix {MANIFEST_FILE}",
        )


def _refuse_duplicate_names(packages: list[ServicePackage]) -> None:
    first: dict[str, ServicePackage] = {}
    for package in packages:
        earlier = first.setdefault(package.name, package)
        if earlier is not package:
            raise ServicePackageError(
                f"two service packages are named {package.name!r}:"
                f" {earlier.directory} and {package.directory}",
                hint="a service name is its RPC queue: rename one in its service.toml",
            )
