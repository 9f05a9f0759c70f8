"""The summary `strangler reconcile` prints (pure): per table, then example differences."""

from __future__ import annotations

import json

from extracted_services.reconcile.compare import Difference
from extracted_services.reconcile.run import ReconcileResult, TableResult


def render(result: ReconcileResult) -> str:
    """One line per table, the first differences under it, then the databases compared."""
    differing = sum(1 for table in result.tables if table.differences)
    lines = [
        f"reconcile {result.service}: {len(result.tables)} tables, {differing} with differences"
    ]
    for table in result.tables:
        lines.append(f"  {_table_line(table)}")
        lines.extend(f"    {_example(table, example)}" for example in table.examples)
    lines += [f"  from {result.source}", f"  into {result.target}"]
    return "\n".join(lines)


def _table_line(table: TableResult) -> str:
    head = (
        f"{table.copy}: {table.source_rows} rows, {table.copy_rows} in the copy,"
        f" {table.chunks} chunks"
    )
    if not table.differences:
        return f"{head}, equal"
    kinds = ", ".join(
        f"{table.counts[kind]} {kind}"
        for kind in ("missing", "extra", "different")
        if kind in table.counts
    )
    line = f"{head} ({table.differing_chunks} differing): {kinds}"
    if table.repaired:
        line += f"; repaired {table.repaired}"
    elif table.owned:
        line += "; not repaired: the service owns it"
    return line


def _example(table: TableResult, difference: Difference) -> str:
    values = json.loads(difference.key)
    key = ", ".join(
        f"{name}={json.dumps(value)}" for name, value in zip(table.key_columns, values, strict=True)
    )
    if difference.kind == "different":
        return f"different {key}: {', '.join(difference.columns)}"
    return f"{difference.kind} {key}"
