"""Fill a service's own database from the monolith's: its hand-written backfill, or the
generic copier (plan.py orders, schema.py designs, copy.py moves, generic.py runs it)."""
