"""The monolith's defaults: its database, secret, request size limit and order saga switch."""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"
DEFAULT_SECRET_KEY = "legacy-monolith-insecure-dev-secret"
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
# ORDER_SAGA: checkout reserves stock in the inventory service through the order saga
# (docs/saga.md) instead of writing stock_levels itself; AMQP_URI reaches the service
DEFAULT_ORDER_SAGA = False
# SAGA_STEP_TIMEOUT: how long a checkout waits for each inventory answer, in seconds
DEFAULT_SAGA_STEP_TIMEOUT = 3.0
# the saga runner (`strangler monolith saga-run`): its rest between passes, and the age at
# which a saga its checkout request left before the order existed is compensated
DEFAULT_SAGA_POLL_INTERVAL = 1.0
DEFAULT_SAGA_STALE_AFTER = 60.0


def database_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL from the environment, else the SQLite file under var/."""
    source = os.environ if env is None else env
    return source.get("DATABASE_URL") or DEFAULT_DATABASE_URL
