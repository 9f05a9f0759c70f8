"""Command-line options every command that finds service packages takes (`strangler
service`, `reconcile`, `sync`): one definition, so they read and behave the same."""

from __future__ import annotations

from pathlib import Path

import click

services_dir_option = click.option(
    "--services-dir",
    "services_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also look for service packages (folders with a service.toml) in DIR. Repeatable.",
)
