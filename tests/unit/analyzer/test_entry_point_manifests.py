"""Entry points read from manifests as text: groups, names, targets and lines written by hand."""

from __future__ import annotations

import ast

from analyzer.facts.python import EntryPoint
from analyzer.source.entry_points import manifest_entry_points, setup_py_entry_points
from analyzer.source.requirements import manifest_requirements

PBR_SETUP_CFG = """\
[metadata]
name = blazar

[entry_points]
console_scripts =
    blazar-api = blazar.cmd.api:main
Blazar.API.Extensions =
    leases = blazar.api.v1.leases.v1_0:get_rest [extra]
    broken line
"""

PYPROJECT = """\
[project]
name = "shop"

[project.entry-points."shop.plugins"]
"a.b" = "shop.plugins.ab:Plugin"
whole = "shop.whole"
"""

SETUP_PY = """\
from setuptools import setup
setup(
    entry_points={
        "shop.api": ["orders = shop.api.orders:bp"],
        "shop.more": '''
            refunds = shop.api.refunds:bp
        ''',
    },
)
"""


def test_pbr_entry_points_keep_the_group_case_and_drop_extras_and_bad_lines() -> None:
    assert manifest_entry_points(PBR_SETUP_CFG, "setup.cfg") == (
        EntryPoint("console_scripts", "blazar-api", "blazar.cmd.api", "main", 6),
        EntryPoint("Blazar.API.Extensions", "leases", "blazar.api.v1.leases.v1_0", "get_rest", 8),
    )


def test_pyproject_entry_points_with_quoted_names_and_a_module() -> None:
    assert manifest_entry_points(PYPROJECT, "pyproject.toml") == (
        EntryPoint("shop.plugins", "a.b", "shop.plugins.ab", "Plugin", 5),
        EntryPoint("shop.plugins", "whole", "shop.whole", "", 6),
    )


def test_setup_py_literal_entry_points_in_lists_and_strings() -> None:
    assert setup_py_entry_points(ast.parse(SETUP_PY)) == (
        EntryPoint("shop.api", "orders", "shop.api.orders", "bp", 4),
        EntryPoint("shop.more", "refunds", "shop.api.refunds", "bp", 6),
    )


WHEEL_ENTRY_POINTS = """\
[console_scripts]
udata = udata.commands:cli

[udata.harvesters]
csw-dcat = udata.harvest.backends.dcat:CswDcatBackend
"""


def test_a_wheels_entry_points_txt_one_section_a_group() -> None:
    assert manifest_entry_points(WHEEL_ENTRY_POINTS, "entry_points.txt") == (
        EntryPoint("console_scripts", "udata", "udata.commands", "cli", 2),
        EntryPoint(
            "udata.harvesters", "csw-dcat", "udata.harvest.backends.dcat", "CswDcatBackend", 5
        ),
    )
    assert manifest_requirements(WHEEL_ENTRY_POINTS, "entry_points.txt") == ()


def test_other_manifests_declare_none() -> None:
    assert manifest_entry_points("flask>=2\n", "requirements.txt") == ()
