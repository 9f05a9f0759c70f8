"""The one Flask-SQLAlchemy handle shared by the ORM models and the raw SQL of every area."""

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
