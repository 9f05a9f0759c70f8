"""Database facts of one module: raw SQL (sqlglot), SQLAlchemy models and ORM access."""
