"""The catalog service: products and categories, read-only, over its own database."""
