"""The tables a service's copied models may load besides those its routes were seen to use.

The analyzer names the tables a route's code reaches; the ORM also loads rows along
relationships the code only follows as attributes (`appointment.doctor`, or a model's
`specialties` many-to-many loaded with it, `lazy="selectin"`). Those tables must be in the
service's database too, or the copied code fails there. Read off the analyzer's foreign
keys (pure):

- every table a needed table refers to (a many-to-one's parent, and its parents);
- every association table that refers to a needed model's table, with what it refers to:
  an association table is one without a model defined in a Python module (`db.Table(...)`
  beside the models), a many-to-many's `secondary`.

Tables made by plain SQL or SQLAlchemy Core that merely refer to a needed table are left
out: they are children, loaded only by code that names them (which the analyzer sees).
"""

from __future__ import annotations

from collections.abc import Iterable

from analyzer.resolution.results import Table


def with_related_tables(tables: Iterable[str], known: Iterable[Table]) -> list[str]:
    """`tables` and every table reached from them as above, sorted."""
    by_name = {table.name: table for table in known}
    associations = [t for t in by_name.values() if _is_association(t, by_name)]
    needed = set(tables)
    pending = sorted(needed)
    while pending:
        name = pending.pop()
        table = by_name.get(name)
        linked = set(table.foreign_keys) if table is not None else set()
        if table is not None and table.model is not None:
            linked |= {t.name for t in associations if name in t.foreign_keys}
        for other in sorted(linked - needed):
            needed.add(other)
            pending.append(other)
    return sorted(needed)


def _is_association(table: Table, by_name: dict[str, Table]) -> bool:
    """A `Table(...)` in Python, no model, referring to a model's table."""
    return (
        table.model is None
        and (table.file or "").endswith(".py")
        and any(by_name[fk].model is not None for fk in table.foreign_keys if fk in by_name)
    )
