"""Every kind of bad input becomes a diagnostic with file and line; the analysis goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.resolution.results import Analysis
from analyzer.source import discover as discover_module
from analyzer.usecases import AnalyzeOptions, analyze_project

GOOD_APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/ok")
def ok():
    return "ok"
"""


def analyze(root: Path) -> Analysis:
    return analyze_project(root, AnalyzeOptions(use_cache=False, show_progress=False, workers=1))


def kinds_for(analysis: Analysis, file: str) -> set[str]:
    return {d.kind for d in analysis.diagnostics if d.file == file}


def rules(analysis: Analysis) -> set[str]:
    return {r.rule for r in analysis.routes if r.kind != "static"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(GOOD_APP)
    return tmp_path


def test_syntax_error_is_a_diagnostic_with_its_line(project: Path) -> None:
    (project / "broken.py").write_text("def f(:\n    pass\n")
    analysis = analyze(project)
    [diagnostic] = [d for d in analysis.diagnostics if d.file == "broken.py"]
    assert diagnostic.kind == "unparsable"
    assert diagnostic.line == 1
    assert rules(analysis) == {"/ok"}


def test_python2_code_is_a_diagnostic(project: Path) -> None:
    (project / "old.py").write_text('print "hello"\n')
    analysis = analyze(project)
    assert kinds_for(analysis, "old.py") == {"unparsable"}
    assert rules(analysis) == {"/ok"}


def test_syntax_newer_than_the_running_python_is_a_diagnostic(project: Path) -> None:
    # PEP 695 (Python 3.12) type statements; this project runs on 3.11
    (project / "newer.py").write_text("type Point = tuple[float, float]\n\nx = 1\n")
    analysis = analyze(project)
    [diagnostic] = [d for d in analysis.diagnostics if d.file == "newer.py"]
    assert diagnostic.kind == "unparsable"
    assert "newer than Python" in diagnostic.message
    assert rules(analysis) == {"/ok"}


def test_byte_order_mark_is_read_and_noted(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes(b"\xef\xbb\xbf" + GOOD_APP.encode())
    analysis = analyze(tmp_path)
    assert rules(analysis) == {"/ok"}
    assert kinds_for(analysis, "app.py") == {"encoding"}


def test_non_utf8_bytes_are_read_as_latin1_with_a_diagnostic(tmp_path: Path) -> None:
    source = GOOD_APP.replace('"ok"\n', '"caf\xe9"\n', 1).encode("latin-1")
    (tmp_path / "app.py").write_bytes(source)
    analysis = analyze(tmp_path)
    assert rules(analysis) == {"/ok"}
    [diagnostic] = [d for d in analysis.diagnostics if d.file == "app.py"]
    assert diagnostic.kind == "encoding"
    assert "Latin-1" in diagnostic.message


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + GOOD_APP.replace('"ok"\n', '"caf\xe9"\n', 1)
    (tmp_path / "app.py").write_bytes(source.encode("latin-1"))
    analysis = analyze(tmp_path)
    assert rules(analysis) == {"/ok"}
    assert kinds_for(analysis, "app.py") == set()


def test_nul_bytes_are_a_diagnostic(project: Path) -> None:
    (project / "binary.py").write_bytes(b"x = 1\n\x00\x01\x02")
    analysis = analyze(project)
    assert kinds_for(analysis, "binary.py") == {"unparsable"}


def test_huge_file_is_skipped_with_a_diagnostic(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover_module, "HUGE_FILE_BYTES", 10_000)
    (project / "generated.py").write_text("X = 1\n" * 5_000)
    analysis = analyze(project)
    assert kinds_for(analysis, "generated.py") == {"huge-file"}
    assert "generated" not in {m.name for m in analysis.modules}
    assert rules(analysis) == {"/ok"}


def test_default_huge_file_limit_is_a_few_megabytes() -> None:
    assert 1_000_000 <= discover_module.HUGE_FILE_BYTES <= 50_000_000


def test_symlink_loops_are_diagnostics_not_hangs(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    os.symlink(project, project / "pkg" / "back_to_root")
    os.symlink(project / "self_loop", project / "self_loop")
    analysis = analyze(project)
    assert kinds_for(analysis, "pkg/back_to_root") == {"symlink-loop"}
    assert kinds_for(analysis, "self_loop") == {"symlink-loop"}
    assert rules(analysis) == {"/ok"}


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    # a tree linking to `/` (or any folder outside it) is not walked there: reading the
    # whole file system hung the run; what lies outside is not the project's code
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "app.py").write_text(GOOD_APP)
    (outside / "other.py").write_text(GOOD_APP.replace("/ok", "/other"))
    os.symlink(outside, project / "linked_dir")
    os.symlink(outside / "other.py", project / "linked_file.py")
    analysis = analyze(project)
    assert kinds_for(analysis, "linked_dir") == {"symlink-outside"}
    assert kinds_for(analysis, "linked_file.py") == {"symlink-outside"}
    assert {m.name for m in analysis.modules} == {"app"}
    assert rules(analysis) == {"/ok"}


def test_symlinks_inside_the_tree_are_followed(project: Path) -> None:
    (project / "real").mkdir()
    (project / "real" / "views.py").write_text(GOOD_APP.replace("/ok", "/real"))
    os.symlink(project / "real", project / "alias")
    analysis = analyze(project)
    assert kinds_for(analysis, "alias") == set()
    assert rules(analysis) == {"/ok", "/real"}


def test_special_files_named_like_python_are_skipped(project: Path) -> None:
    # a FIFO would block the read for ever, a device never end
    os.mkfifo(project / "pipe.py")
    os.symlink(os.devnull, project / "device.py")
    analysis = analyze(project)
    assert kinds_for(analysis, "pipe.py") == {"not-a-file"}
    [device] = [d for d in analysis.diagnostics if d.file == "device.py"]
    assert (device.kind, device.message) == ("not-a-file", "not a regular file; skipped")
    assert rules(analysis) == {"/ok"}


def test_empty_directory(tmp_path: Path) -> None:
    analysis = analyze(tmp_path)
    assert analysis.routes == ()
    assert {d.kind for d in analysis.diagnostics} == {"no-python", "no-flask"}


def test_directory_without_flask(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text("import sys\n\n\ndef main():\n    print(sys.argv)\n")
    analysis = analyze(tmp_path)
    assert analysis.routes == ()
    assert [d.kind for d in analysis.diagnostics] == ["no-flask"]


def test_other_framework_routes_are_flagged_not_invented(tmp_path: Path) -> None:
    (tmp_path / "api.py").write_text(
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        '@router.get("/items")\ndef items():\n    return []\n'
    )
    analysis = analyze(tmp_path)
    assert analysis.routes == ()
    assert ("api.py", 6, "unresolved-route") in {
        (d.file, d.line, d.kind) for d in analysis.diagnostics
    }


def test_deeply_nested_expression_is_a_diagnostic(project: Path) -> None:
    # CPython's tokenizer refuses more than 200 nested parentheses: a syntax error, not a crash
    (project / "deep.py").write_text("x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    analysis = analyze(project)
    [diagnostic] = [d for d in analysis.diagnostics if d.file == "deep.py"]
    assert (diagnostic.line, diagnostic.kind) == (1, "unparsable")
    assert rules(analysis) == {"/ok"}


def test_relative_import_above_the_top_package_is_a_diagnostic(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "mod.py").write_text("from ..elsewhere import thing\n")
    analysis = analyze(project)
    [diagnostic] = [d for d in analysis.diagnostics if d.file == "pkg/mod.py"]
    assert (diagnostic.line, diagnostic.kind) == (1, "unresolved-import")


def test_lone_surrogates_in_string_constants_are_cached_and_reported(tmp_path: Path) -> None:
    """udata has such a constant: the cache write and every report writer must survive it."""
    from click.testing import CliRunner

    from analyzer.commands import analyze

    tree = tmp_path / "tree"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "__init__.py").write_text(
        'from flask import Flask\napp = Flask(__name__)\nODD = "\\udc80"\n\n'
        '@app.route("/x\\udc82")\ndef x():\n    return ODD\n'
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    for output_format in ("json", "markdown", "markdown"):  # the last one reuses the report
        output = tmp_path / f"report.{output_format}"
        result = CliRunner(env=env).invoke(
            analyze, [str(tree), "--format", output_format, "--output", str(output)]
        )
        assert result.exit_code == 0, result.output
        assert "2 routes" in result.stderr
    assert "/x\\udc82" in (tmp_path / "report.markdown").read_text(encoding="utf-8")
    assert list((tmp_path / "cache").rglob("*.json"))  # its facts were cached
