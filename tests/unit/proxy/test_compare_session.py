"""A comparison side's cookie jar and the environment read into requests (by hand)."""

from __future__ import annotations

import pytest

from strangler_proxy.compare_session import CookieJar, MissingVariable, with_environment


def test_a_jar_keeps_what_logins_set_and_drops_what_they_clear() -> None:
    jar = CookieJar()
    assert jar.header() is None
    jar.keep(["session=abc; Path=/; HttpOnly", "theme=dark; Max-Age=3600"])
    assert jar.header() == "session=abc; theme=dark"
    jar.keep(['theme=""; Max-Age=0; Path=/', "session=def; Path=/"])
    assert jar.header() == "session=def"
    jar.keep(["not a cookie at all ;;; ="])
    assert jar.header() == "session=def"
    jar.forget()
    assert jar.header() is None


def test_environment_variables_fill_strings_deeply_and_missing_ones_are_named() -> None:
    environ = {"EMAIL": "a@example.com", "PW": "s3cret"}
    body = {"email": "${EMAIL}", "nested": ["x-${PW}-y", 3], "plain": "$PW"}
    assert with_environment(body, 4, environ) == {
        "email": "a@example.com",
        "nested": ["x-s3cret-y", 3],
        "plain": "$PW",
    }
    with pytest.raises(MissingVariable, match=r"line 9 reads \$\{TOKEN\}, which is not set"):
        with_environment({"Authorization": "Bearer ${TOKEN}"}, 9, environ)
