"""`strangler reconcile`: compare a service's copies with the monolith's tables (and repair).

`compare.py` (pure) compares one chunk, `run.py` reads the databases chunk by chunk,
`report.py` (pure) writes the summary.
"""
