"""Helpers every extracted service shares: wire error classes and database set-up."""
