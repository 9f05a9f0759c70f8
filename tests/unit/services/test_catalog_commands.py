"""`strangler service` for the catalog, found by its service.toml, and the `nameko run` command
it builds (no process started)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from extracted_services import commands
from extracted_services.commands import service
from extracted_services.discovery import UnknownService, find_services
from extracted_services.launcher import (
    BrokerUnavailable,
    NamekoCommand,
    broker_uri,
    nameko_command,
)
from strangler.database import DatabaseUrlError
from strangler.errors import UsageError
from strangler.processes import free_port

CATALOG = find_services().find("catalog")
CONFIG = Path(__file__).resolve().parents[3] / "extracted_services" / "catalog" / "config.yml"
RUN_CATALOG = (
    sys.executable,
    "-m",
    "nameko",
    "run",
    "extracted_services.catalog.service:CatalogService",
    "--config",
    str(CONFIG),
)


def test_list_shows_the_catalog_from_its_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CONFIG.parents[2])
    result = CliRunner().invoke(service, ["list"], env={"CATALOG_DATABASE_URL": ""})
    assert result.exit_code == 0
    assert result.output.split("\n\n")[0].splitlines() == [
        "catalog",
        "  tables    categories -> catalog_categories, products -> catalog_products",
        "  owns      (none yet)",
        "  database  sqlite:///var/catalog_service.sqlite3 (default; $CATALOG_DATABASE_URL"
        " overrides)",
        "  backfill  backfill:backfill_catalog (hand-written)",
        "  found in  extracted_services/catalog",
    ]


@pytest.mark.parametrize("subcommand", ["run", "backfill"])
def test_unknown_service_names_the_known_ones(subcommand: str) -> None:
    result = CliRunner().invoke(service, [subcommand, "catalgo"])
    assert isinstance(result.exception, UnknownService)
    assert (
        "no service package named 'catalgo' (did you mean 'catalog'?); known services: catalog"
        in str(result.exception)
    )


def test_config_yml_reads_the_environment_with_the_manifest_defaults() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    assert config["AMQP_URI"] == "${AMQP_URI:amqp://guest:guest@127.0.0.1:5672/}"
    assert config["DATABASE_URL"] == "${CATALOG_DATABASE_URL:sqlite:///var/catalog_service.sqlite3}"
    assert CATALOG.manifest.database_env == "CATALOG_DATABASE_URL"
    assert CATALOG.manifest.default_database_url == "sqlite:///var/catalog_service.sqlite3"


def test_database_url_prefers_the_environment() -> None:
    assert CATALOG.database_url({}) == "sqlite:///var/catalog_service.sqlite3"
    assert CATALOG.database_url({"CATALOG_DATABASE_URL": "sqlite:///x"}) == "sqlite:///x"


def test_nameko_command_runs_the_service_module_with_its_config() -> None:
    command = nameko_command(
        CATALOG, amqp_uri="amqp://u:p@host:5672/vh", database_url="sqlite:////tmp/c.sqlite3"
    )
    assert command.argv == RUN_CATALOG
    assert command.env == {
        "AMQP_URI": "amqp://u:p@host:5672/vh",
        "CATALOG_DATABASE_URL": "sqlite:////tmp/c.sqlite3",
    }
    assert nameko_command(CATALOG).env == {}


def test_nameko_command_refuses_bad_urls() -> None:
    with pytest.raises(UsageError, match="is not an AMQP URI"):
        nameko_command(CATALOG, amqp_uri="http://127.0.0.1:15672")
    with pytest.raises(UsageError) as mistyped:
        nameko_command(CATALOG, amqp_uri="amqq://guest:s3cret@broker:5672/")
    assert str(mistyped.value).startswith("--amqp-uri 'amqq://guest:***@broker:5672/' is not")
    assert "s3cret" not in str(mistyped.value)
    with pytest.raises(DatabaseUrlError, match="'not a url' is not a database URL"):
        nameko_command(CATALOG, database_url="not a url")


def _record_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[NamekoCommand, int]]:
    runs: list[tuple[NamekoCommand, int]] = []

    def run_instances(name: str, command: NamekoCommand, instances: int, **_: object) -> None:
        runs.append((command, instances))

    monkeypatch.setattr(commands, "run_instances", run_instances)
    return runs


@pytest.mark.rabbitmq
def test_run_starts_the_nameko_command_n_times(
    monkeypatch: pytest.MonkeyPatch, amqp_uri: str
) -> None:
    runs = _record_runs(monkeypatch)
    result = CliRunner().invoke(
        service, ["run", "catalog", "--amqp-uri", amqp_uri, "--instances", "3"]
    )
    assert result.exit_code == 0, result.output
    assert [(command.argv, dict(command.env), n) for command, n in runs] == [
        (RUN_CATALOG, {"AMQP_URI": amqp_uri}, 3)
    ]


def test_run_refuses_an_unreachable_broker_instead_of_retrying_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    executed = _record_runs(monkeypatch)
    port = free_port()
    result = CliRunner().invoke(
        service, ["run", "catalog", "--amqp-uri", f"amqp://guest:guest@127.0.0.1:{port}/"]
    )
    assert isinstance(result.exception, BrokerUnavailable)
    assert result.exception.exit_code == 1
    assert f"cannot connect to RabbitMQ at amqp://guest:**@127.0.0.1:{port}/" in str(
        result.exception
    )
    assert "Connection refused" in str(result.exception)
    assert executed == []


def test_broker_uri_follows_the_config_yml_resolution() -> None:
    command = nameko_command(CATALOG)
    assert broker_uri(command, {}) == "amqp://guest:guest@127.0.0.1:5672/"
    assert broker_uri(command, {"AMQP_URI": "amqp://env/"}) == "amqp://env/"
    flagged = nameko_command(CATALOG, amqp_uri="amqp://flag/")
    assert broker_uri(flagged, {"AMQP_URI": "amqp://env/"}) == "amqp://flag/"
