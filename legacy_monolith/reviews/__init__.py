"""Reviews: product ratings (Flask-SQLAlchemy ORM)."""
