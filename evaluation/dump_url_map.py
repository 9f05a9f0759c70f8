"""Make an app's truth file: install it in a throwaway venv, build it, dump its `url_map`.

    .venv/bin/python -m evaluation.dump_url_map NAME [NAME ...]   (make evaluate-truth APP=NAME)

For each app: a venv under var/evaluation/<app>/venv (kept, so a second run only re-checks the
pins), `pip install` of the pinned requirement there, then a child process of that venv
imports the app (its `prelude` first, in a fresh var/evaluation/<app>/run/ folder that is also
HOME, with the app's `env`, `{run}` in a value standing for that folder) and writes every rule
of `app.url_map`. This is the one place where an app's code runs: the analyzer never does.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from evaluation.apps import (
    EVALUATION_DIR,
    WORK_DIR,
    AppSpec,
    EvaluationError,
)
from evaluation.each_app import named_apps, run_each
from evaluation.truth import write_truth

INSTALL_TIMEOUT_SECONDS = 1800
IMPORT_TIMEOUT_SECONDS = 300
PIP_INSTALL = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")

# Runs inside the app's venv: argv[1] is the spec as JSON, argv[2] the output file. The target
# is evaluated among the module's names and the prelude's, so a prelude can build arguments.
CHILD_SCRIPT = """
import importlib, importlib.metadata, json, os, platform, sys
spec = json.loads(sys.argv[1])
output_path = sys.argv[2]
sys.argv = sys.argv[:1]  # apps that parse the command line (calibre-web) see none
prelude = {"__name__": "__prelude__"}
exec(spec["prelude"], prelude)
module_name, _, expression = spec["target"].partition(":")
module = importlib.import_module(module_name)
app = eval(expression, {**vars(module), **prelude})
rules = [
    [rule.rule, rule.endpoint, sorted(rule.methods - {"HEAD", "OPTIONS"})]
    for rule in app.url_map.iter_rules()
]
versions = {"python": platform.python_version()}
for package in ("flask", "werkzeug"):
    versions[package] = importlib.metadata.version(package)
with open(output_path, "w") as output:
    json.dump({"versions": versions, "rules": rules}, output)
sys.stdout.flush()
os._exit(0)  # threads the app started (updaters, workers) must not keep the child alive
"""


def dump_app(app: AppSpec) -> Path:
    """Install, import and dump one app; return the truth file written."""
    app_dir = WORK_DIR / app.name
    python = _ensure_venv(app, app_dir / "venv")
    run_dir = app_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    output = run_dir / "url_map.json"
    print(f"  importing {app.target} ...", flush=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(run_dir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **{key: value.replace("{run}", str(run_dir)) for key, value in app.env.items()},
    }
    spec = json.dumps({"target": app.target, "prelude": app.prelude})
    try:
        result = subprocess.run(
            [str(python), "-c", CHILD_SCRIPT, spec, str(output)],
            cwd=run_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=IMPORT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EvaluationError(
            f"{app.name}: importing {app.target} took over {error.timeout}s"
        ) from error
    if result.returncode != 0 or not output.is_file():
        last_lines = "\n    ".join(result.stderr.strip().splitlines()[-8:])
        raise EvaluationError(f"{app.name}: importing {app.target} failed:\n    {last_lines}")
    dumped = json.loads(output.read_text(encoding="utf-8"))
    header: dict[str, Any] = {
        "app": app.name,
        "requirement": app.requirement,
        "extra_requirements": list(app.extra_requirements),
        **({} if app.dependencies else {"dependencies": False}),
        "target": app.target,
        "env": app.env,
        "produced_by": f"python -m evaluation.dump_url_map {app.name}",
        "produced_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": dumped["versions"],
        "rule_count": len(dumped["rules"]),
    }
    return write_truth(app, header, dumped["rules"])


def _ensure_venv(app: AppSpec, venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"  creating {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if app.dependencies:
        _pip_install(app, python, [app.requirement, *app.extra_requirements])
    else:  # its own pins no longer install: the release alone, then what it needs instead
        _pip_install(app, python, ["--no-deps", app.requirement])
        _pip_install(app, python, list(app.extra_requirements))
    return python


def _pip_install(app: AppSpec, python: Path, arguments: list[str]) -> None:
    print(f"  installing {' '.join(arguments)}", flush=True)
    try:
        result = subprocess.run(
            [str(python), *PIP_INSTALL, *arguments],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EvaluationError(f"{app.name}: pip install took over {error.timeout}s") from error
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        raise EvaluationError(f"{app.name}: pip install failed: {' '.join(errors[-2:])}")


def _dump_and_tell(app: AppSpec) -> Path:
    path = dump_app(app)
    print(f"  wrote {path.relative_to(EVALUATION_DIR.parent)}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dump real url_maps into evaluation/truth/.")
    parser.add_argument("apps", nargs="+", metavar="NAME", help="apps of evaluation/apps.toml")
    arguments = parser.parse_args(argv)
    apps = named_apps(arguments.apps)
    if apps is None:
        return 2
    _, failed = run_each(apps, _dump_and_tell)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
