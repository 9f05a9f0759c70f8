"""evaluation/apps.py: the set's file is read and checked; the committed set is complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from evaluation_modules import evaluation_module

EVALUATION_DIR = Path(__file__).resolve().parents[3] / "evaluation"

apps = evaluation_module("apps")

VALID_APP = """
[[app]]
name = "shop"
why = "blueprints"
requirement = "shop==1.0"
target = "shop.app:create_app(debug=False)"
analyze = "src"
archive = "wheel"
env = { SHOP_DB = "sqlite:///{run}/shop.db" }
analyzer_app = "shop.app:create_app()"
"""


def test_an_entry_becomes_a_frozen_spec_with_every_key(tmp_path: Path) -> None:
    path = tmp_path / "apps.toml"
    path.write_text(VALID_APP)
    [spec] = apps.load_apps(path)
    assert spec.name == "shop"
    assert spec.target == "shop.app:create_app(debug=False)"
    assert (spec.analyze, spec.archive) == ("src", "wheel")
    assert spec.env == {"SHOP_DB": "sqlite:///{run}/shop.db"}
    assert spec.analyzer_app == "shop.app:create_app()"
    assert spec.extra_requirements == ()
    assert spec.dependencies is True


def test_a_release_whose_own_pins_no_longer_install_is_marked(tmp_path: Path) -> None:
    path = tmp_path / "apps.toml"
    path.write_text(VALID_APP + 'dependencies = false\nextra_requirements = ["flask==1.1.2"]\n')
    [spec] = apps.load_apps(path)
    assert (spec.dependencies, spec.extra_requirements) == (False, ("flask==1.1.2",))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('requirement = "shop==1.0"', 'requirment = "shop==1.0"'), "unknown keys requirment"),
        (('target = "shop.app:create_app(debug=False)"', 'target = "shop.app"'), "`target`"),
        (('archive = "wheel"', 'archive = "egg"'), "`archive` must be one of sdist, wheel"),
        (('name = "shop"', 'name = "Shop App"'), "`name` must be lower-case"),
        (('archive = "wheel"', 'dependencies = "no"'), "`dependencies` must be true or false"),
    ],
)
def test_a_mistake_is_named_with_its_entry(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "apps.toml"
    path.write_text(VALID_APP.replace(*change))
    with pytest.raises(apps.EvaluationError, match=r"\[\[app\]\] #1") as error:
        apps.load_apps(path)
    assert message in str(error.value)


def test_a_name_used_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "apps.toml"
    path.write_text(VALID_APP + VALID_APP)
    with pytest.raises(apps.EvaluationError, match="app names used twice: shop"):
        apps.load_apps(path)


def test_selecting_an_unknown_app_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "apps.toml"
    path.write_text(VALID_APP)
    known = apps.load_apps(path)
    assert apps.select_apps(known, []) == known
    with pytest.raises(apps.EvaluationError, match="unknown app blog; the set has: shop"):
        apps.select_apps(known, ["blog"])


def test_the_committed_set_loads_and_every_app_has_its_truth_file() -> None:
    committed = apps.load_apps(EVALUATION_DIR / "apps.toml")
    assert len(committed) >= 5
    missing = [
        a.name
        for a in committed
        if a.route_truth and not (EVALUATION_DIR / "truth" / f"{a.name}.json").is_file()
    ]
    assert missing == []
    table_only = [a.name for a in committed if not a.route_truth]
    assert all((EVALUATION_DIR / "tables" / f"{name}.json").is_file() for name in table_only)
