"""Truth files: one app's real `url_map`, as evaluation/truth/<app>.json.

A header says how and when the rules were produced (requirement, target, interpreter and
Flask versions), then one rule per line, `[rule, endpoint, methods]`, sorted, so a refresh
reads as a short diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evaluation.apps import TRUTH_DIR, AppSpec, EvaluationError
from evaluation.scoring import Route, route_key

RULES_PLACEHOLDER = "__rules__"


def truth_path(app: AppSpec) -> Path:
    return TRUTH_DIR / f"{app.name}.json"


def write_truth(app: AppSpec, header: dict[str, Any], rules: list[list[Any]]) -> Path:
    """Write the header and the sorted rules; return the file's path."""
    lines = ",\n    ".join(json.dumps(rule) for rule in sorted(rules))
    document = json.dumps({**header, "rules": RULES_PLACEHOLDER}, indent=2)
    text = document.replace(f'"{RULES_PLACEHOLDER}"', f"[\n    {lines}\n  ]" if rules else "[]")
    path = truth_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_truth(app: AppSpec) -> list[Route]:
    """The app's real routes as comparison keys; a missing file says how to make it."""
    path = truth_path(app)
    if not path.is_file():
        command = f"make evaluate-truth APP={app.name}"
        raise EvaluationError(f"{app.name}: no truth file {path.name}; make it with `{command}`")
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))["rules"]
        return [route_key(rule, endpoint, methods) for rule, endpoint, methods in rules]
    except (ValueError, KeyError, TypeError) as error:
        raise EvaluationError(f"{path}: not a truth file ({error})") from error
