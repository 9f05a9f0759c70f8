"""`strangler extract PATH --service NAME (--blueprint BP | --route RULE)...`, or
`strangler extract PATH --plan FILE --area NAME [--service NAME]`."""

from __future__ import annotations

from pathlib import Path

import click

from extracted_services.discovery import BUILTIN_ROOT
from extractor.usecases import ExtractRequest, ExtractResult, extract_service
from strangler.errors import UsageError


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--service",
    "service",
    help="The new service's name (a Python identifier); with --plan, the area's by default.",
)
@click.option(
    "--blueprint", "blueprints", multiple=True, help="Extract every route of this blueprint."
)
@click.option(
    "--app",
    help="The app whose routes to take, as `strangler analyze` names it (when several"
    " apps register the chosen blueprint).",
)
@click.option("--route", "rules", multiple=True, help="Extract this rule, as Flask writes it.")
@click.option(
    "--plan",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A `strangler plan` JSON file: extract exactly the routes it gives --area.",
)
@click.option("--area", help="The plan's service whose routes to extract (with --plan).")
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    default=BUILTIN_ROOT,
    show_default="extracted_services/",
    help="The services folder to write the package into (DIR/NAME/).",
)
@click.option(
    "--db-config-key",
    "db_config_keys",
    multiple=True,
    help="An app setting holding its database URL, besides SQLALCHEMY_DATABASE_URI.",
)
@click.option(
    "--database-url",
    help="The monolith's database (read only): real ids for parity-requests.txt.",
)
@click.option(
    "--monolith-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The monolith, as the generated routes.toml names it.",
)
@click.option(
    "--style",
    type=click.Choice(["transplant", "rpc"]),
    default="transplant",
    show_default=True,
    help="rpc: views that only read JSON in and write JSON out also become `@rpc` methods"
    ' (routes.toml: protocol = "rpc"); the others, and transplant, use the HTTP envelope.',
)
@click.option("--dry-run", is_flag=True, help="Print the files it would write; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite a package even where it was edited by hand.")
def extract(
    path: Path,
    service: str | None,
    blueprints: tuple[str, ...],
    rules: tuple[str, ...],
    app: str | None,
    plan: Path | None,
    area: str | None,
    into: Path,
    db_config_keys: tuple[str, ...],
    database_url: str | None,
    monolith_url: str,
    style: str,
    dry_run: bool,
    force: bool,
) -> None:
    """Turn chosen routes of the Flask app at PATH into a Nameko service package.

    The app's own code is copied (routes not chosen taken out, imports moved under the
    package) and runs inside the service behind the HTTP envelope; with --style rpc, its
    views that only read JSON in and write JSON out are also `@rpc` methods. PATH is only
    read.
    """
    if (plan is None) != (area is None):
        raise UsageError("--plan and --area go together", hint="--plan plan.json --area NAME")
    if service is None and area is None:
        raise UsageError(
            "name the service", hint="give --service NAME (or --plan FILE --area NAME)"
        )
    result = extract_service(
        ExtractRequest(
            source=path,
            service=service or str(area),
            into=into,
            blueprints=blueprints,
            rules=rules,
            app=app,
            plan=plan,
            area=area,
            db_config_keys=db_config_keys,
            database_url=database_url,
            monolith_url=monolith_url,
            rpc_methods=style == "rpc",
            dry_run=dry_run,
            force=force,
        ),
        on_step=lambda step: click.echo(f"==> {step}", err=True),
    )

    _report(result, dry_run=dry_run)


def _report(result: ExtractResult, *, dry_run: bool) -> None:
    verb = "would write" if dry_run else "wrote"
    if dry_run:
        for path, size in result.files.items():
            click.echo(f"  {result.directory / path} ({size} bytes)")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"{verb} {result.directory}: {result.routes} routes, {len(result.files)} files,"
        f" {len(result.dropped_functions)} views of other routes left out"
    )
    if not dry_run:
        click.echo(f"next: read {result.directory / 'README.md'}")
