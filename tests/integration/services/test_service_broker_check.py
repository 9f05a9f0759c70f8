"""`strangler service run` checks the broker lets it in before nameko starts retrying forever."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest

from extracted_services.launcher import BrokerUnavailable, check_broker
from strangler.processes import free_port

pytestmark = pytest.mark.rabbitmq


def _with(
    amqp_uri: str,
    *,
    password: str | None = None,
    vhost: str | None = None,
    port: int | None = None,
) -> str:
    parts = urlsplit(amqp_uri)
    netloc = (
        f"{parts.username}:{password or parts.password}@{parts.hostname}"
        f":{port or parts.port or 5672}"
    )
    return urlunsplit((parts.scheme, netloc, vhost or parts.path, "", ""))


def test_the_real_broker_lets_us_in_where_a_closed_port_is_refused(amqp_uri: str) -> None:
    check_broker(amqp_uri)
    with pytest.raises(BrokerUnavailable, match="Connection refused"):
        check_broker(_with(amqp_uri, port=free_port()))


def test_a_wrong_password_is_named(amqp_uri: str) -> None:
    with pytest.raises(BrokerUnavailable, match="ACCESS_REFUSED") as caught:
        check_broker(_with(amqp_uri, password="not-the-password"))
    assert "not-the-password" not in str(caught.value)


def test_an_unknown_vhost_is_named(amqp_uri: str) -> None:
    with pytest.raises(BrokerUnavailable, match="vhost no-such-vhost not found"):
        check_broker(_with(amqp_uri, vhost="/no-such-vhost"))
