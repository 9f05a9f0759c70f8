"""Samples as Prometheus' text exposition format 0.0.4, for GET /_strangler/metrics (pure).

Written by hand (the format is a few lines of rules): one `# HELP` and one
`# TYPE` per family, its samples together, label values escaped. Samples of
no family listed here (the shadow's differing field paths) are not exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from strangler_proxy.stats import (
    BREAKER_OPEN,
    DURATION,
    FALLBACKS,
    REQUESTS,
    SHADOW,
    Labels,
    Samples,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Family:
    name: str
    type: Literal["counter", "histogram", "gauge"]
    help: str


FAMILIES = (
    Family(
        REQUESTS,
        "counter",
        "Requests answered, by route, backend (service or monolith) and status class.",
    ),
    Family(DURATION, "histogram", "Seconds to answer a request, by route and backend."),
    Family(FALLBACKS, "counter", "Service calls the monolith answered instead, by reason."),
    Family(SHADOW, "counter", "Shadow comparisons by outcome (equal, different, failed, skipped)."),
    Family(
        BREAKER_OPEN,
        "gauge",
        "Proxy worker processes whose circuit breaker for the backend (the monolith or a"
        " service) is not closed: open, or half-open while a probe may go.",
    ),
)

_SUFFIXES = {"counter": ("",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _line(name: str, labels: Labels, value: float) -> str:
    if not labels:
        return f"{name} {_number(value)}"
    written = ",".join(f'{key}="{escape_label_value(label)}"' for key, label in labels)
    return f"{name}{{{written}}} {_number(value)}"


def _order(key: tuple[str, Labels], family: Family) -> tuple[Labels, int, float]:
    """Each series together (buckets by bound, then sum, then count), series by labels."""
    name, labels = key
    rest = tuple((key, value) for key, value in labels if key != "le")
    bound = dict(labels).get("le", "0")
    suffix = name.removeprefix(family.name)
    return rest, _SUFFIXES[family.type].index(suffix), float(bound)


def render(samples: Samples) -> str:
    """Every family, with its samples; a family with none is still described."""
    lines = []
    for family in FAMILIES:
        lines += [f"# HELP {family.name} {_escape_help(family.help)}"]
        lines += [f"# TYPE {family.name} {family.type}"]
        names = {family.name + suffix for suffix in _SUFFIXES[family.type]}
        mine = [(name, labels) for name, labels in samples if name in names]
        for name, labels in sorted(mine, key=lambda key: _order(key, family)):
            lines.append(_line(name, labels, samples[(name, labels)]))
    return "\n".join(lines) + "\n"
