"""The applier is declared in one line and switched on by the package's service.toml."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.utils import get_extension
from shop_package import write_shop_package
from sqlalchemy import create_engine, inspect

from extracted_services.shared.change_applier import ChangeConsumer

SERVICE_CODE = """
from extracted_services.shared.change_applier import change_applier


class ShopService:
    name = "{name}"
    apply_changes = change_applier()
"""


@pytest.mark.parametrize("sync", [False, True])
def test_the_manifest_beside_the_service_switches_the_applier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync: bool
) -> None:
    name = write_shop_package(tmp_path, manifest_extra=f"sync = {str(sync).lower()}\n")
    (tmp_path / name / "service.py").write_text(SERVICE_CODE.format(name=name))
    monkeypatch.syspath_prepend(str(tmp_path))
    service_cls = importlib.import_module(f"{name}.service").ShopService
    database = tmp_path / "shop.sqlite3"
    config = {"AMQP_URI": "memory://", "DATABASE_URL": f"sqlite:///{database}"}
    container = ServiceContainer(service_cls, config)
    applier = get_extension(container, ChangeConsumer)
    applier.setup()
    try:
        assert applier.enabled is sync
        if sync:
            assert applier.queue.name == f"sync-{name}"
            assert applier.queue.queue_arguments == {
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": f"sync-{name}.dead",
            }
            engine = create_engine(f"sqlite:///{database}")
            assert inspect(engine).get_table_names() == [
                "strangler_sync_applied",
                "strangler_sync_sources",
            ]
            engine.dispose()
        else:  # off: it opens no database and consumes nothing
            assert not database.exists()
    finally:
        applier.stop()
