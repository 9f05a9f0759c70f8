"""Code that nests or chains far deeper than an app would (generated code, or code written to
exhaust the reader): the analysis ends, bounded, with a diagnostic where it stopped, never a
RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.resolution import routes as routes_module
from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project

APP = "from flask import Blueprint, Flask\n\napp = Flask(__name__)\n"
DEEPER_THAN_THE_STACK = 1_500  # Python's default recursion limit is 1,000 frames


def analyze(root: Path, source: str) -> Analysis:
    (root / "app.py").write_text(source)
    return analyze_project(root, AnalyzeOptions(use_cache=False, show_progress=False, workers=1))


def rules(analysis: Analysis) -> set[str]:
    return {r.rule for r in analysis.routes if r.kind != "static"}


def test_blueprints_nested_deeper_than_the_stack(tmp_path: Path) -> None:
    depth = DEEPER_THAN_THE_STACK
    source = APP + "".join(f"b{i} = Blueprint('b{i}', __name__)\n" for i in range(depth))
    source += "@b0.route('/leaf')\ndef leaf():\n    return ''\n"
    source += "".join(f"b{i + 1}.register_blueprint(b{i})\n" for i in range(depth - 1))
    source += f"app.register_blueprint(b{depth - 1})\n"
    analysis = analyze(tmp_path, source)
    [leaf] = [r for r in analysis.routes if r.rule == "/leaf"]
    assert leaf.endpoint.count(".") == depth


def test_blueprints_nested_in_many_parents_stop_at_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each blueprint registered on every later one: Flask registers it once per path, and
    # the paths double with each level (2**39 for 40 blueprints: the run never ended)
    monkeypatch.setattr(routes_module, "MAX_NESTED_REGISTRATIONS", 100)
    count = 12
    source = APP + "".join(
        f"b{i} = Blueprint('b{i}', __name__, url_prefix='/p{i}')\n"
        f"@b{i}.route('/v')\ndef v{i}():\n    return ''\n"
        for i in range(count)
    )
    source += "".join(
        f"b{j}.register_blueprint(b{i}, name='n{i}_{j}')\n"
        for i in range(count)
        for j in range(i + 1, count)
    )
    source += f"app.register_blueprint(b{count - 1})\n"
    analysis = analyze(tmp_path, source)
    [limit] = [d for d in analysis.diagnostics if d.kind == "nesting-limit"]
    assert (limit.file, limit.line) == ("app.py", 3 + 4 * (count - 1) + 1)
    assert "'b11'" in limit.message
    assert 0 < len(rules(analysis)) <= 100


def _class_chain(depth: int) -> str:
    source = APP + "class C0:\n    rule = '/inherited'\n"
    source += "".join(f"class C{i}(C{i - 1}):\n    pass\n" for i in range(1, depth))
    return source + f"app.add_url_rule(C{depth - 1}.rule, 'view', lambda: '')\n"


def test_classes_built_on_more_classes_than_the_stack(tmp_path: Path) -> None:
    analysis = analyze(tmp_path, _class_chain(DEEPER_THAN_THE_STACK))
    limits = [d for d in analysis.diagnostics if d.kind == "depth-limit"]
    assert limits
    assert all(d.file == "app.py" and "built on over 100 classes" in d.message for d in limits)


def test_a_deep_but_plausible_class_chain_is_followed_to_its_root(tmp_path: Path) -> None:
    analysis = analyze(tmp_path, _class_chain(90))
    assert rules(analysis) == {"/inherited"}
    assert not [d for d in analysis.diagnostics if d.kind == "depth-limit"]


def test_helpers_calling_helpers_deeper_than_the_stack(tmp_path: Path) -> None:
    depth = DEEPER_THAN_THE_STACK
    source = APP + "".join(
        f"def h{i}(target, path):\n    h{i + 1}(target, path + '/s')\n" for i in range(depth)
    )
    source += f"def h{depth}(target, path):\n    target.add_url_rule(path, 'v', lambda: '')\n"
    source += "h0(app, '')\n"
    analysis = analyze(tmp_path, source)
    limits = [d for d in analysis.diagnostics if d.kind == "depth-limit"]
    assert limits
    assert all("over 64 nested calls" in d.message for d in limits)
