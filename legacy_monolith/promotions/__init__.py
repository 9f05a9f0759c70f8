"""Promotions: promo codes and their category restrictions (Flask-SQLAlchemy ORM)."""
