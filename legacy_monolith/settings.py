"""The monolith's defaults: where its database lives, its secret, its request size limit."""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"
DEFAULT_SECRET_KEY = "legacy-monolith-insecure-dev-secret"
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


def database_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL from the environment, else the SQLite file under var/."""
    source = os.environ if env is None else env
    return source.get("DATABASE_URL") or DEFAULT_DATABASE_URL
