"""The `strangler` command: parses arguments and hands off to each part's commands.

The top of the layering: it may name every package, and none imports it.

Subcommands live next to the code they drive and are imported only when used,
so `strangler analyze` never pays for nameko or Flask start-up.
"""

from __future__ import annotations

import importlib
import sys

import click

from strangler.errors import StranglerError

SUBCOMMANDS: dict[str, str] = {
    "analyze": "analyzer.commands:analyze",
    "monolith": "legacy_monolith.commands:monolith",
    "service": "extracted_services.commands:service",
    "reconcile": "extracted_services.commands:reconcile",
    "proxy": "strangler_proxy.commands:proxy",
    "compare": "strangler_proxy.commands:compare",
    "demo": "strangler_demo.commands:demo",
    "extract": "extractor.commands:extract",
    "sync": "strangler_sync.commands:sync",
    "plan": "planner.commands:plan",
    "check": "planner.check_command:check",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="strangler")
def cli() -> None:
    """Move a legacy Flask monolith to Nameko services, one endpoint at a time."""


def main() -> None:
    """Console-script entry point: user mistakes print a message, never a traceback.

    Without standalone mode click returns, not raises, a command's `ctx.exit(code)`.
    """
    try:
        exit_code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except StranglerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(exit_code if isinstance(exit_code, int) else 0)
