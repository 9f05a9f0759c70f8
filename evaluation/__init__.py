"""Route precision/recall of the analyzer on real Flask applications from PyPI (see README.md)."""
