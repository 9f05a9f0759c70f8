"""Catalog: categories and products (the first area extracted to a service)."""
