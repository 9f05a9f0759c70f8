"""Nameko services cut out of the legacy monolith, one folder each, plus shared wire helpers."""
