"""How fast `strangler analyze` is, as a user runs it, against `ast.parse` of the same files.

Two trees: a ~100k-line synthetic Flask monolith generated in a temporary directory (many
blueprints, raw SQL, ORM models, views -> services -> repositories), and a real Flask
application's sdist from PyPI (REAL_APP, downloaded once into var/benchmarks/). For each:

- the baseline: `ast.parse` of every file the analyzer reads, in this process, one core,
  measured right before each command run (the machine's speed drifts);
- the `strangler analyze TREE --format json --output FILE` command in a subprocess
  (interpreter start, imports, discovery, hashing, extraction, resolution, rendering):
  cold (empty cache), warm (nothing changed, best of three), and after one changed file
  (best of three, each run after another edit of it);

and prints each time as a ratio to the baseline next to its goal (cold <= 5x, warm <= 1x,
one file changed <= 1.5x), then the peak memory of the runs (goal <= 1 GB).
"""

from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from analyzer.source.discover import discover

AREAS = 40
ROUTES_PER_AREA = 30
FUNCTIONS_PER_LAYER = 60
HELPERS_PER_AREA = 45
GOALS = {"cold": 5.0, "warm": 1.0, "one file changed": 1.5}
MEMORY_GOAL_MB = 1024
STRANGLER = str(Path(sys.executable).with_name("strangler"))
# a real Flask application (a large one, with raw SQL and SQLAlchemy), from PyPI
REAL_APP = "privacyidea==3.14"
REAL_APP_ARCHIVE_PREFIX = "privacyidea-3.14"
REAL_APP_CHANGED_FILE = "privacyidea/api/token.py"
DOWNLOADS = Path(__file__).resolve().parents[1] / "var" / "benchmarks"


def area_models(area: str) -> str:
    lines = ["from monolith.extensions import db", ""]
    for index in range(8):
        name = f"{area.title()}Item{index}"
        lines += [
            f"class {name}(db.Model):",
            f'    __tablename__ = "{area}_items_{index}"',
            "    id = db.Column(db.Integer, primary_key=True)",
            "    name = db.Column(db.String(80), nullable=False)",
            "    price_cents = db.Column(db.Integer, default=0)",
            f'    owner_id = db.Column(db.ForeignKey("{area}_owners.id"))',
            f'    owner = db.relationship("{area.title()}Owner")',
            "",
            "    def label(self):",
            '        return f"{self.name} ({self.price_cents})"',
            "",
            "",
        ]
    lines += [
        f"class {area.title()}Owner(db.Model):",
        f'    __tablename__ = "{area}_owners"',
        "    id = db.Column(db.Integer, primary_key=True)",
        "",
    ]
    return "\n".join(lines)


def area_queries(area: str) -> str:
    lines = []
    for index in range(FUNCTIONS_PER_LAYER // 3):
        lines += [
            f"SELECT_{index} = (",
            f'    "SELECT i.id, i.name, o.id FROM {area}_items_{index % 8} i "',
            f'    "JOIN {area}_owners o ON o.id = i.owner_id WHERE i.id = ?"',
            ")",
        ]
    return "\n".join(lines) + "\n"


def area_repository(area: str) -> str:
    lines = [
        "import sqlite3",
        "",
        f"from monolith.areas.{area} import queries",
        f"from monolith.areas.{area}.models import {area.title()}Item0, {area.title()}Item1",
        "from monolith.extensions import db",
        "",
        "",
        "def connect():",
        '    return sqlite3.connect("monolith.sqlite3")',
        "",
    ]
    for index in range(FUNCTIONS_PER_LAYER):
        table = f"{area}_items_{index % 8}"
        lines += ["", f"def fetch_{index}(item_id, limit=20):", "    conn = connect()"]
        match index % 4:
            case 0:
                lines.append(f"    rows = conn.execute(queries.SELECT_{index % 20}, (item_id,))")
            case 1:
                lines.append(
                    f'    rows = conn.execute("UPDATE {table} SET price_cents = price_cents + 1 '
                    'WHERE id = ?", (item_id,))'
                )
            case 2:
                lines.append(f"    rows = {area.title()}Item0.query.filter_by(id=item_id).all()")
            case _:
                lines += [
                    f"    db.session.add({area.title()}Item1(name=str(item_id)))",
                    "    db.session.commit()",
                    "    rows = []",
                ]
        lines += [
            "    result = []",
            "    for row in rows:",
            "        if len(result) >= limit:",
            "            break",
            "        result.append(row)",
            "    return result",
        ]
    return "\n".join(lines) + "\n"


def area_services(area: str) -> str:
    lines = [
        f"from monolith.areas.{area} import repository",
        f"from monolith.areas.{area}.helpers import normalize_0, validate_0",
        "",
        "",
        "class Service:",
        "    def __init__(self):",
        "        self.cache = {}",
        "",
    ]
    for index in range(FUNCTIONS_PER_LAYER):
        lines += [
            f"    def operation_{index}(self, item_id, payload=None):",
            "        payload = normalize_0(payload or {})",
            "        if not validate_0(payload):",
            '            raise ValueError("invalid payload")',
            f"        rows = repository.fetch_{index}(item_id)",
            f"        extra = repository.fetch_{(index + 1) % FUNCTIONS_PER_LAYER}(item_id)",
            "        self.cache[item_id] = rows",
            '        return {"rows": rows, "extra": extra, "count": len(rows)}',
            "",
        ]
    lines.append("service = Service()")
    return "\n".join(lines) + "\n"


def area_helpers(area: str) -> str:
    lines = ["import re", "", 'SLUG = re.compile(r"^[a-z0-9-]+$")', ""]
    for index in range(HELPERS_PER_AREA):
        lines += [
            "",
            f"def normalize_{index}(payload):",
            "    cleaned = {}",
            "    for key, value in payload.items():",
            "        if isinstance(value, str):",
            "            value = value.strip()",
            "        if value in (None, ''):",
            "            continue",
            "        cleaned[key.lower()] = value",
            "    return cleaned",
            "",
            "",
            f"def validate_{index}(payload):",
            "    slug = payload.get('slug', 'x')",
            "    if not SLUG.match(slug):",
            "        return False",
            "    total = sum(int(v) for v in payload.values() if str(v).isdigit())",
            f"    return total >= {index} or not payload",
        ]
    return "\n".join(lines) + "\n"


def area_views(area: str) -> str:
    lines = [
        "from flask import Blueprint, jsonify, request",
        "",
        f"from monolith.areas.{area}.services import service",
        "",
        f'bp = Blueprint("{area}", __name__, url_prefix="/{area}")',
        "",
    ]
    for index in range(ROUTES_PER_AREA):
        method = ("GET", "POST", "PUT", "DELETE")[index % 4]
        lines += [
            "",
            f'@bp.route("/things-{index}/<int:item_id>", methods=["{method}"])',
            f"def endpoint_{index}(item_id):",
            "    payload = request.get_json(silent=True)",
            f"    result = service.operation_{index * 2 % FUNCTIONS_PER_LAYER}(item_id, payload)",
            "    if not result['rows']:",
            '        return jsonify({"error": "not found"}), 404',
            "    return jsonify(result)",
        ]
    return "\n".join(lines) + "\n"


def generate_monolith(root: Path) -> int:
    """Write the synthetic monolith under `root`; return its number of lines."""
    package = root / "monolith"
    (package / "areas").mkdir(parents=True)
    names = [f"area{index:02d}" for index in range(AREAS)]
    (package / "extensions.py").write_text(
        "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n"
    )
    (package / "areas" / "__init__.py").write_text("")
    factory = ["from flask import Flask", "", "from monolith.extensions import db", ""]
    factory += [f"from monolith.areas.{name}.views import bp as {name}_bp" for name in names]
    factory += ["", "", "def create_app():", "    app = Flask(__name__)", "    db.init_app(app)"]
    factory += [f"    app.register_blueprint({name}_bp)" for name in names]
    factory += ["    return app", ""]
    (package / "__init__.py").write_text("\n".join(factory))
    writers: dict[str, Callable[[str], str]] = {
        "models": area_models,
        "queries": area_queries,
        "repository": area_repository,
        "services": area_services,
        "helpers": area_helpers,
        "views": area_views,
    }
    for name in names:
        directory = package / "areas" / name
        directory.mkdir()
        (directory / "__init__.py").write_text("")
        for module, write in writers.items():
            (directory / f"{module}.py").write_text(write(name))
    return sum(p.read_text().count("\n") for p in root.rglob("*.py"))


def analyzed_python_files(root: Path) -> list[Path]:
    """The files the analyzer reads (its own discovery: tests and venvs left out)."""
    return [file.path for file in discover(root).files if file.kind == "python"]


def parse_baseline(files: list[Path]) -> float:
    """Best of three: `ast.parse` of every file, in this process, on one core."""
    sources = [path.read_bytes() for path in files]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for source, path in zip(sources, files, strict=True):
            ast.parse(source, filename=str(path))
        timings.append(time.perf_counter() - started)
    return min(timings)


def timed_command(root: Path, cache_home: Path, output: Path) -> float:
    """Wall time of `strangler analyze ROOT --format json` as a user runs it: with the
    toolkit's bytecode cached, as an installed package has it (a shell that sets
    PYTHONDONTWRITEBYTECODE would make every run compile the toolkit again)."""
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [STRANGLER, "analyze", str(root), "--format", "json", "--output", str(output)]
    started = time.perf_counter()
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def fetch_real_app(downloads: Path) -> Path:
    """REAL_APP's sdist from PyPI (kept in `downloads` between runs), unpacked."""
    downloads.mkdir(parents=True, exist_ok=True)
    archives = sorted(downloads.glob(f"{REAL_APP_ARCHIVE_PREFIX}*.tar.gz"))
    if not archives:
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"),
                *("--quiet", "--dest", str(downloads), REAL_APP),
            ],
            check=True,
        )
        archives = sorted(downloads.glob(f"{REAL_APP_ARCHIVE_PREFIX}*.tar.gz"))
    unpacked = downloads / "src"
    if not unpacked.is_dir():
        with tarfile.open(archives[0]) as archive:
            archive.extractall(unpacked, filter="data")
    (tree,) = unpacked.iterdir()
    return tree


def paired_run(files: list[Path], command: Callable[[], float]) -> tuple[float, float]:
    """The command's time and the `ast.parse` baseline taken just before it.

    The machine's speed drifts over a run (other load, clock changes): each
    ratio compares two measurements made back to back.
    """
    baseline = parse_baseline(files)
    return command(), baseline


def measure(name: str, root: Path, changed_file: Path, scratch: Path) -> None:
    """Cold, warm and one-file-changed runs of the command, as ratios to `ast.parse`."""
    files = analyzed_python_files(root)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    cache_home, output = scratch / f"{name}-cache", scratch / f"{name}.json"

    def run() -> float:
        return timed_command(root, cache_home, output)

    cold = paired_run(files, run)
    routes = len(json.loads(output.read_text())["routes"])
    warm = min((paired_run(files, run) for _ in range(3)), key=lambda pair: pair[0] / pair[1])

    def edit_and_run(edit: int) -> float:
        text = changed_file.read_text() + f"\n\ndef added_later_{edit}():\n    return {edit}\n"
        changed_file.write_text(text)
        return run()

    changed = min(
        (paired_run(files, partial(edit_and_run, edit)) for edit in range(3)),
        key=lambda pair: pair[0] / pair[1],
    )
    print(f"\n{name}: {len(files)} files, {lines} lines, {routes} routes")
    for label, (seconds, baseline) in (
        ("cold", cold),
        ("warm", warm),
        ("one file changed", changed),
    ):
        ratio = seconds / baseline
        verdict = "ok" if ratio <= GOALS[label] else "OVER GOAL"
        print(
            f"{label:>22}: {seconds:.3f}s vs parse {baseline:.3f}s = {ratio:.2f}x"
            f" (goal <= {GOALS[label]}x) {verdict}"
        )


def peak_memory_mb() -> float:
    """The largest resident set of any `strangler analyze` run (and its workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="strangler-bench-") as temporary:
        scratch = Path(temporary)
        synthetic = scratch / "synthetic"
        generate_monolith(synthetic)
        # one unmeasured run writes the toolkit's bytecode, as installing it would have
        timed_command(synthetic, scratch / "bytecode-cache", scratch / "bytecode.json")
        measure(
            "synthetic monolith",
            synthetic,
            synthetic / "monolith" / "areas" / "area07" / "services.py",
            scratch,
        )
        real = fetch_real_app(DOWNLOADS)
        working_copy = scratch / "real"
        shutil.copytree(real, working_copy)
        measure(REAL_APP, working_copy, working_copy / REAL_APP_CHANGED_FILE, scratch)
    memory = peak_memory_mb()
    verdict = "ok" if memory <= MEMORY_GOAL_MB else "OVER GOAL"
    print(f"\n{'peak memory':>22}: {memory:.0f} MB (goal <= {MEMORY_GOAL_MB} MB) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
