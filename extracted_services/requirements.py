"""Whether the extra Python packages a service's manifest `requires` are installed."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement

from extracted_services.discovery import ServicePackage
from strangler.errors import UsageError


class MissingRequirements(UsageError):
    """A package the service requires is not installed, or not in a fitting version."""


def unmet(requirements: tuple[str, ...]) -> list[str]:
    """Each requirement this interpreter does not meet, with what it has instead."""
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            problems.append(f"{text} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{text} (installed: {installed})")
    return problems


def check_requirements(package: ServicePackage) -> None:
    """Fail with the list of unmet `requires` of `package`, before anything of it runs."""
    problems = unmet(package.manifest.requires)
    if problems:
        wanted = " ".join(f"'{text}'" for text in package.manifest.requires)
        raise MissingRequirements(
            f"service {package.name} requires {', '.join(problems)}",
            hint=f"install them into this environment: python -m pip install {wanted}",
        )
