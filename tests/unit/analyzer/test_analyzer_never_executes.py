"""Analysis reads source only: a project whose import would raise, exit or write a file is
analyzed without any of that happening."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from analyzer.commands import analyze

HOSTILE_APP = """\
import os
import json
import os
import sys
from pathlib import Path

from flask import Flask

Path({marker!r}).write_text("imported!")
os.environ["STRANGLER_ANALYZED_CODE_RAN"] = "1"

app = Flask(__name__)


@app.route("/trap")
def trap():
    return "trap"


raise SystemExit("the analyzer must never import me")
"""

HOSTILE_VIEWS = """\
import os

os._exit(3)
"""


def test_hostile_project_is_analyzed_without_running_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "marker.txt"
    (project / "app.py").write_text(HOSTILE_APP.format(marker=str(marker)))
    (project / "views.py").write_text(HOSTILE_VIEWS)
    (project / "conftest.py").write_text("raise RuntimeError('not me either')\n")
    modules_before = set(sys.modules)

    result = CliRunner().invoke(analyze, [str(project), "--no-cache"], catch_exceptions=False)

    assert result.exit_code == 0
    assert "/trap" in {route["rule"] for route in json.loads(result.output)["routes"]}
    assert not marker.exists()
    assert "app" not in set(sys.modules) - modules_before
    assert "views" not in set(sys.modules) - modules_before
    assert "STRANGLER_ANALYZED_CODE_RAN" not in os.environ
