"""Across modules: names to definitions, routes, hooks, calls, and table access per route."""
