"""The Flask-AppBuilder release a project pins, read from its manifests as text, chooses the
table of views the analyzer applies: 4.x's ModelView also serves the legacy JSON rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.python import FileFacts, Requirement
from analyzer.resolution.fab_table import FAB_NEWEST
from analyzer.resolution.pinned_versions import pinned_fab_release
from analyzer.source.requirements import is_manifest, manifest_requirements, setup_py_requirements
from analyzer.usecases import AnalyzeOptions, analyze_project


def chosen(*manifests: tuple[str, str]) -> str:
    """The version of the table the manifests (file name, text) choose."""
    files = [
        FileFacts(name, "", False, "manifest", 1, requirements=manifest_requirements(text, name))
        for name, text in manifests
    ]
    return pinned_fab_release(files).version


@pytest.mark.parametrize(
    ("name", "text", "version"),
    [
        ("requirements.txt", "flask>=2\nFlask-AppBuilder==4.5.3  # pinned\n", "4.5.3"),
        ("requirements-prod.txt", "-r a.txt\nflask_appbuilder~=4.5.0 --hash=sha256:ab", "4.5.3"),
        ("requirements.txt", "flask-appbuilder==4.3.0\n", "4.5.3"),  # any 4.x: the 4.x table
        ("requirements.txt", "flask-appbuilder>=4.1,<5\n", "4.5.3"),
        ("requirements.txt", "flask-appbuilder>=4.1\n", "5.3.0"),  # allows 5.x: the newest
        ("requirements.txt", "flask-appbuilder==5.*\n", "5.3.0"),
        ("requirements.txt", "flask-appbuilder<=4.5.3\n", "4.5.3"),
        (
            "pyproject.toml",
            '[project]\nname = "x"\ndependencies = ["flask-appbuilder==4.5.3"]\n',
            "4.5.3",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n[project.optional-dependencies]\nui = ["flask-appbuilder<5"]\n',
            "4.5.3",
        ),
        ("pyproject.toml", '[tool.poetry.dependencies]\nflask-appbuilder = "^4.5"\n', "4.5.3"),
        (
            "pyproject.toml",
            '[tool.poetry.group.web.dependencies]\nflask-appbuilder = {version = "~4.4.1"}\n',
            "4.5.3",
        ),
        ("pyproject.toml", '[tool.poetry.dependencies]\nflask-appbuilder = "4.5.3"\n', "4.5.3"),
        ("pyproject.toml", '[tool.poetry.dependencies]\nflask-appbuilder = "^5.0"\n', "5.3.0"),
        (
            "setup.cfg",
            "[options]\ninstall_requires =\n    flask\n    flask-appbuilder==4.5.3\n",
            "4.5.3",
        ),
        ("setup.cfg", "[options.extras_require]\nweb = flask-appbuilder>=4,<5\n", "4.5.3"),
        (
            "provider_dependencies.json",
            '{"fab": {"deps": ["apache-airflow>=2.9.0", "flask-appbuilder==4.5.2"]}}',
            "4.5.3",
        ),
    ],
)
def test_a_pin_chooses_the_table_of_the_newest_release_it_allows(
    name: str, text: str, version: str
) -> None:
    assert is_manifest(name)
    assert chosen((name, text)) == version


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("requirements.txt", "flask>=2\n"),  # no pin of Flask-AppBuilder
        ("requirements.txt", "flask-appbuilder\n"),  # any version
        ("requirements.txt", "flask-appbuilder==not a version!\n-e .\nhttps://x/y.whl\n"),
        ("pyproject.toml", "[project\ndependencies = ["),
        ("pyproject.toml", '[project]\ndependencies = "flask-appbuilder==4.5.3"\n'),
        ("setup.cfg", "install_requires = flask-appbuilder==4.5.3\n"),  # no section header
        ("provider_dependencies.json", '{"fab": {"deps": "flask-appbuilder==4.5.2"'),
        ("provider_dependencies.json", '["flask-appbuilder==4.5.2"]'),
    ],
)
def test_no_readable_pin_keeps_the_newest_table(name: str, text: str) -> None:
    assert chosen((name, text)) == FAB_NEWEST.version


def test_pins_of_several_manifests_are_intersected() -> None:
    assert chosen(
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["flask-appbuilder>=4"]\n'),
        ("requirements.txt", "flask-appbuilder==4.5.3\n"),
    ) == ("4.5.3")
    # pins that allow nothing together: the newest table
    assert chosen(
        ("requirements.txt", "flask-appbuilder==4.5.3\n"),
        ("requirements-new.txt", "flask-appbuilder>=5\n"),
    ) == (FAB_NEWEST.version)


def test_setup_py_literal_requirements_only() -> None:
    tree = ast.parse(
        "from setuptools import setup\n"
        "EXTRA = ['flask-appbuilder==5.0.0']\n"
        "setup(name='x', install_requires=['flask', 'flask-appbuilder>=4,<5'],\n"
        "      extras_require={'dev': ['pytest'], 'more': EXTRA})\n"
    )
    assert setup_py_requirements(tree) == (
        Requirement("flask", ""),
        Requirement("flask-appbuilder", "<5,>=4"),
        Requirement("pytest", ""),
    )
    spec = FileSpec("setup.py", "python", "setup", False)
    facts = extract_file(ast.unparse(tree).encode(), spec, None)
    assert pinned_fab_release([facts]).version == "4.5.3"


MODEL_VIEW_APP = """
from flask import Flask
from flask_appbuilder import AppBuilder, ModelView

class NoteView(ModelView):
    route_base = "/notes"

app = Flask(__name__)
appbuilder = AppBuilder(app, None)
appbuilder.add_view(NoteView, "Notes")
"""


def note_endpoints(tmp_path: Path, files: dict[str, str]) -> set[str]:
    for name, text in {"site.py": MODEL_VIEW_APP, **files}.items():
        (tmp_path / name).write_text(text)
    analysis = analyze_project(tmp_path, AnalyzeOptions(use_cache=False, show_progress=False))
    assert analysis.diagnostics == ()
    return {r.endpoint for r in analysis.routes if r.endpoint.startswith("NoteView.")}


def test_a_model_view_serves_the_json_rules_of_the_pinned_4x(tmp_path: Path) -> None:
    found = note_endpoints(tmp_path, {"requirements.txt": "flask-appbuilder==4.5.3\n"})
    assert {"NoteView.list", "NoteView.api", "NoteView.api_read", "NoteView.api_delete"} <= found
    assert len(found) == 8 + 9


def test_without_a_pin_a_model_view_serves_5x_rules(tmp_path: Path) -> None:
    found = note_endpoints(tmp_path, {})
    assert "NoteView.list" in found and "NoteView.api_read" not in found
    assert len(found) == 8
