"""A URL's password is masked before it is shown, even in a URL too mistyped to parse."""

from __future__ import annotations

import pytest

from strangler.redaction import hide_password


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("amqp://guest:s3cret@broker:5672/vhost", "amqp://guest:***@broker:5672/vhost"),
        ("http://op:s3:c@ret@monolith/", "http://op:***@monolith/"),
        ("amqps://guest:s3/cret@broker/", "amqps://guest:***@broker/"),
        ("amqp//guest:s3cret@broker/", "amqp//guest:***@broker/"),
        ("guest:s3cret@broker", "guest:***@broker"),
        ("amqp://broker:5672/v", "amqp://broker:5672/v"),
        ("amqp://guest@broker:5672/", "amqp://guest@broker:5672/"),
    ],
)
def test_the_password_never_shows(url: str, shown: str) -> None:
    assert hide_password(url) == shown
