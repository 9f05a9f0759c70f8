"""The baseline: the boundary violations accepted with the plan, counted per identity.

An identity names what crosses (importer and imported module; route, function and table)
and never a line, so moving code around keeps a violation old; the count makes a second
copy of the same crossing new. The file is JSON:
`{"schema_version": 1, "violations": [{"rule", "identity": [...], "count"}]}`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.boundaries import Key, Violation
from strangler.errors import UsageError

SCHEMA_VERSION = 1


class BaselineError(UsageError):
    """The baseline file cannot be read or is not a baseline."""


def read_baseline(path: Path) -> Counter[Key]:
    """How many violations of each identity the baseline at `path` accepts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no such baseline", hint="write it with `strangler check --update-baseline`"
        ) from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    entries = data.get("violations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise BaselineError(
            f"{path}: not a baseline: no list of violations",
            hint="write it with `strangler check --update-baseline`",
        )
    accepted: Counter[Key] = Counter()
    for number, entry in enumerate(entries, start=1):
        accepted[_key(path, number, entry)] += entry["count"]
    return accepted


def render_baseline(violations: Iterable[Violation]) -> str:
    counts = Counter(v.key for v in violations)
    return (
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "violations": [
                    {"rule": key[0], "identity": list(key[1:]), "count": count}
                    for key, count in sorted(counts.items())
                ],
            },
            indent=2,
        )
        + "\n"
    )


def new_violations(
    violations: Iterable[Violation], baseline: Counter[Key]
) -> tuple[Violation, ...]:
    """The violations of each identity found more often than the baseline accepts: all of
    them, as lines cannot tell an old copy from a new one (then each says both counts)."""
    found = tuple(violations)
    counts = Counter(v.key for v in found)
    return tuple(
        _with_counts(v, counts[v.key], baseline[v.key])
        for v in found
        if counts[v.key] > baseline[v.key]
    )


def _with_counts(violation: Violation, found: int, accepted: int) -> Violation:
    if not accepted:
        return violation
    return replace(
        violation, message=f"{violation.message} [{found} now, {accepted} in the baseline]"
    )


def _key(path: Path, number: int, entry: Any) -> Key:
    if (
        isinstance(entry, dict)
        and isinstance(entry.get("rule"), str)
        and isinstance(entry.get("identity"), list)
        and all(isinstance(part, str) for part in entry["identity"])
        and type(entry.get("count")) is int
        and entry["count"] > 0
    ):
        return (entry["rule"], *entry["identity"])
    raise BaselineError(
        f"{path}: violation {number}: not a {{rule, identity, count}} with a positive count",
        hint="write the baseline again with `strangler check --update-baseline`",
    )
