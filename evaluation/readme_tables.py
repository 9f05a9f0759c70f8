"""The tables evaluation/README.md keeps, each between two markers of its own and written
there by the command that measures it (`--update-readme`)."""

from __future__ import annotations

import datetime

from evaluation.apps import EVALUATION_DIR, EvaluationError

README = EVALUATION_DIR / "README.md"


def with_table(readme: str, markers: tuple[str, str], module: str, table: str, date: str) -> str:
    """README.md's text with the part between `markers` replaced by `table`, measured on
    `date` by `python -m <module>`."""
    start_marker, end_marker = markers
    start, end = readme.find(start_marker), readme.find(end_marker)
    if start < 0 or end < start:
        raise EvaluationError(f"README.md: no {start_marker} ... {end_marker} markers")
    section = f"{start_marker}\nMeasured {date} by `python -m {module}`.\n\n{table}\n"
    return readme[:start] + section + readme[end:]


def update_readme(markers: tuple[str, str], module: str, table: str) -> None:
    """Write `table`, measured today, into README.md between `markers`."""
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    readme = README.read_text()
    README.write_text(with_table(readme, markers, module, table, today), encoding="utf-8")
    print(f"updated {README.name}")
