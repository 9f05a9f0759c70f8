"""The plan's module boundaries as an import-linter contract file (INI, as `.importlinter`).

One `forbidden` contract per service: its modules may not import another service's
modules. Direct imports only (`allow_indirect_imports`), module by module
(`as_packages = False`), as `strangler check` counts a crossing import; the imports a
baseline accepted are ignored (all copies of them: import-linter does not count).
"""

from __future__ import annotations

from collections.abc import Iterable


def render_contract(
    modules_by_service: dict[str, tuple[str, ...]],
    accepted_imports: Iterable[tuple[str, str]] = (),
) -> str:
    """`lint-imports --config FILE` input for the services' modules (run from the folder that
    holds the top-level packages)."""
    everything = {m for modules in modules_by_service.values() for m in modules}
    roots = sorted({module.split(".")[0] for module in everything})
    lines = [
        "; The boundaries of a `strangler plan`, written by `strangler check --importlinter-out`.",
        "[importlinter]",
        "root_packages =",
        *_indented(roots),
    ]
    ignored = sorted(set(accepted_imports))
    for service, modules in sorted(modules_by_service.items()):
        others = sorted(everything - set(modules))
        if not modules or not others:
            continue
        lines += [
            "",
            f"[importlinter:contract:strangler-{service}]",
            f"name = {service}: its modules import no other service's modules",
            "type = forbidden",
            "source_modules =",
            *_indented(modules),
            "forbidden_modules =",
            *_indented(others),
            "allow_indirect_imports = true",
            "as_packages = false",
        ]
        own = set(modules)
        accepted = [f"{a} -> {b}" for a, b in ignored if a in own]
        if accepted:
            lines += ["ignore_imports =", *_indented(accepted)]
            lines.append("unmatched_ignore_imports_alerting = warn")
    return "\n".join(lines) + "\n"


def _indented(values: Iterable[str]) -> list[str]:
    return [f"    {value}" for value in values]
