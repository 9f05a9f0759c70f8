"""Finding service packages by their service.toml, and refusing packages that cannot work."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from shop_package import write_shop_package

from extracted_services.discovery import ServicePackageError, find_services
from extracted_services.launcher import nameko_command
from extracted_services.manifest import ManifestError
from extracted_services.requirements import MissingRequirements, check_requirements


def test_a_package_in_a_services_dir_imports_as_a_top_level_module(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services")
    package = find_services([tmp_path / "services"]).find(name)
    assert (package.import_name, package.import_root) == (name, tmp_path / "services")
    command = nameko_command(
        package, python="python3", environ={"PYTHONPATH": "/opt/lib"}, amqp_uri="amqp://h/"
    )
    assert command.argv == (
        "python3",
        "-m",
        "nameko",
        "run",
        f"{name}.service:ShopService",
        "--config",
        str(tmp_path / "services" / name / "config.yml"),
    )
    assert command.env == {
        "AMQP_URI": "amqp://h/",
        "PYTHONPATH": f"{tmp_path / 'services'}:/opt/lib",
    }


def test_the_toolkits_own_packages_need_no_import_path() -> None:
    catalog = find_services().find("catalog")
    assert (catalog.import_name, catalog.import_root) == ("extracted_services.catalog", None)
    assert "PYTHONPATH" not in nameko_command(catalog, environ={}).env


def test_a_services_dir_without_packages_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty" / "not_a_package").mkdir(parents=True)
    with pytest.raises(ServicePackageError, match="holds no service package"):
        find_services([tmp_path / "empty"])


def test_two_packages_with_one_name_are_refused(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "a")
    (tmp_path / "b" / "copy_of_shop").mkdir(parents=True)
    for file in (tmp_path / "a" / name).iterdir():
        (tmp_path / "b" / "copy_of_shop" / file.name).write_text(file.read_text())
    assert find_services([tmp_path / "a", tmp_path / "b" / ".." / "a"]).names() == [
        "catalog",
        "inventory",
        name,
    ]
    with pytest.raises(ServicePackageError, match=f"two service packages are named '{name}'"):
        find_services([tmp_path / "a", tmp_path / "b"])


def test_a_package_named_like_an_installed_module_is_refused(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services")
    (tmp_path / "services" / name).rename(tmp_path / "services" / "json")
    with pytest.raises(ServicePackageError, match="the name 'json' is already taken"):
        find_services([tmp_path / "services"])


def test_a_folder_that_cannot_be_imported_is_refused(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services")
    (tmp_path / "services" / name).rename(tmp_path / "services" / "shop-service")
    with pytest.raises(ServicePackageError, match="the folder name is not a Python identifier"):
        find_services([tmp_path / "services"])


def test_a_service_module_missing_from_the_package_is_refused(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services")
    (tmp_path / "services" / name / "service.py").rename(tmp_path / "services" / name / "svc.py")
    with pytest.raises(
        ServicePackageError, match=r"service: module 'service' is not in .*service\.py"
    ):
        find_services([tmp_path / "services"])


def test_a_config_yml_reading_another_variable_is_refused(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services")
    config = tmp_path / "services" / name / "config.yml"
    config.write_text(config.read_text().replace(f"{name.upper()}_DATABASE_URL", "DATABASE_URL"))
    with pytest.raises(
        ServicePackageError, match=r"does not read the database URL as service\.toml"
    ):
        find_services([tmp_path / "services"])
    config.unlink()
    with pytest.raises(ServicePackageError, match=r"has no config\.yml"):
        find_services([tmp_path / "services"])


def test_a_malformed_manifest_stops_discovery_with_its_file(tmp_path: Path) -> None:
    name = write_shop_package(tmp_path / "services", manifest_extra='owns = ["shop_orders"]\n')
    with pytest.raises(ManifestError) as caught:
        find_services([tmp_path / "services"])
    assert str(caught.value).startswith(
        f"{tmp_path / 'services' / name / 'service.toml'}:6: owns: 'shop_orders' is not one"
        " of the service's tables (name it as the monolith does: 'orders')"
    )


def test_unmet_requirements_are_named_before_the_service_runs(tmp_path: Path) -> None:
    name = write_shop_package(
        tmp_path / "services",
        manifest_extra='requires = ["click>=1", "click<2", "not-a-package-anyone-made"]\n',
    )
    package = find_services([tmp_path / "services"]).find(name)
    with pytest.raises(MissingRequirements) as caught:
        check_requirements(package)
    installed = version("click")
    assert str(caught.value).startswith(
        f"service {name} requires click<2 (installed: {installed}),"
        " not-a-package-anyone-made (not installed)"
    )
    assert name not in sys.modules
