"""How fast `strangler analyze` is on a ~100k-line synthetic Flask monolith.

Generates the monolith in a temporary directory (many blueprints, raw SQL, ORM models,
views -> services -> repositories), then measures, in this one run:

- the baseline: `ast.parse` of every file (one core),
- cold analysis (empty cache), warm re-run (nothing changed), re-run after one file changed,
- peak memory (this process and its worker processes),

and prints each time as a ratio to the baseline, next to the goals
(cold <= 5x, warm <= 1x, one file changed <= 1.5x, peak memory <= 1 GB).
Timings include discovery, hashing, extraction, resolution and rendering the JSON report.
"""

from __future__ import annotations

import ast
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analyzer.reports.as_json import render_json
from analyzer.usecases import AnalyzeOptions, analyze_project

AREAS = 40
ROUTES_PER_AREA = 30
FUNCTIONS_PER_LAYER = 60
HELPERS_PER_AREA = 45
GOALS = {"cold": 5.0, "warm": 1.0, "one file changed": 1.5}
MEMORY_GOAL_MB = 1024


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


def parse_baseline(root: Path) -> float:
    files = sorted(root.rglob("*.py"))
    started = time.perf_counter()
    for path in files:
        ast.parse(path.read_bytes(), filename=str(path))
    return time.perf_counter() - started


def timed_analysis(root: Path, cache: Path) -> tuple[float, int]:
    options = AnalyzeOptions(cache_dir=cache, show_progress=False)
    started = time.perf_counter()
    analysis = analyze_project(root, options)
    render_json(analysis)
    return time.perf_counter() - started, len(analysis.routes)


def peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="strangler-bench-") as temporary:
        root = Path(temporary) / "project"
        cache = Path(temporary) / "cache"
        lines = generate_monolith(root)
        parse_baseline(root)  # warm the OS file cache
        baseline = min(parse_baseline(root) for _ in range(3))
        cold, routes = timed_analysis(root, cache)
        warm, _ = timed_analysis(root, cache)
        changed_file = root / "monolith" / "areas" / "area07" / "services.py"
        changed_file.write_text(changed_file.read_text() + "\n\ndef added_later():\n    return 1\n")
        changed, _ = timed_analysis(root, cache)
        memory = peak_memory_mb()
    print(f"synthetic monolith: {lines} lines, {routes} routes")
    print(f"ast.parse baseline: {baseline:.3f}s")
    for label, seconds in (("cold", cold), ("warm", warm), ("one file changed", changed)):
        ratio = seconds / baseline
        verdict = "ok" if ratio <= GOALS[label] else "OVER GOAL"
        print(
            f"{label:>17}: {seconds:.3f}s = {ratio:.2f}x parse (goal <= {GOALS[label]}x) {verdict}"
        )
    verdict = "ok" if memory <= MEMORY_GOAL_MB else "OVER GOAL"
    print(f"      peak memory: {memory:.0f} MB (goal <= {MEMORY_GOAL_MB} MB) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
