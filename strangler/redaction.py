"""Hide the password of a URL, even a mistyped one, before it is shown anywhere."""

from __future__ import annotations


def hide_password(url: str) -> str:
    """`scheme://user:***@host...`: everything from the user's `:` to the last `@` masked.

    Works on any text shaped like a URL, valid or not (`amqq://u:p@h`,
    `amqp//u:p@h`, a password holding `@` or `/`): masking too much is
    harmless, showing a password is not.
    """
    separator = url.find("://")
    start = 0 if separator < 0 else separator + 3
    at = url.rfind("@")
    colon = url.find(":", start)
    if at < start or colon < 0 or colon > at:
        return url
    return url[: colon + 1] + "***" + url[at:]
