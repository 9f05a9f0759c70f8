"""What the monolith gets: the client's headers, less hop-by-hop ones, plus what the proxy saw."""

from __future__ import annotations

import ipaddress

import pytest

from strangler_proxy.forwarded import forwarded_headers, is_trusted
from strangler_proxy.http_types import Headers, Request

TRUSTED = (ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.0.0.0/8"))


def request(
    headers: Headers, *, method: str = "GET", body: bytes = b"", peer: str = "1.2.3.4"
) -> Request:
    return Request(
        method,
        "/x",
        headers=headers,
        body=body,
        remote_addr=peer,
        scheme="http",
        request_id="proxy-id",
    )


def test_nothing_is_added_or_removed_but_hop_by_hop_and_forwarding_headers() -> None:
    sent = (
        ("Host", "shop.example"),
        ("Accept", "*/*"),
        ("Cookie", "sid=1"),
        ("Connection", "keep-alive, X-Drop"),
        ("X-Drop", "1"),
        ("Keep-Alive", "timeout=5"),
        ("TE", "trailers"),
        ("X-Custom", "kept"),
    )
    assert forwarded_headers(request(sent)) == (
        ("Host", "shop.example"),
        ("Accept", "*/*"),
        ("Cookie", "sid=1"),
        ("X-Custom", "kept"),
        ("X-Forwarded-For", "1.2.3.4"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "shop.example"),
        ("X-Request-Id", "proxy-id"),
    )


def test_an_untrusted_clients_forwarding_headers_are_replaced_by_what_the_proxy_saw() -> None:
    spoofed = (
        ("Host", "shop.example"),
        ("X-Forwarded-For", "9.9.9.9"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "bank.example"),
    )
    headers = forwarded_headers(request(spoofed), TRUSTED)
    assert [(k, v) for k, v in headers if k.startswith("X-Forwarded")] == [
        ("X-Forwarded-For", "1.2.3.4"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "shop.example"),
    ]


def test_a_trusted_proxys_chain_is_extended_and_its_proto_and_host_kept() -> None:
    relayed = (
        ("Host", "proxy.internal:8080"),
        ("X-Forwarded-For", "9.9.9.9, 8.8.8.8"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "shop.example"),
    )
    headers = forwarded_headers(request(relayed, peer="10.1.2.3"), TRUSTED)
    assert [(k, v) for k, v in headers if k.startswith("X-Forwarded")] == [
        ("X-Forwarded-For", "9.9.9.9, 8.8.8.8, 10.1.2.3"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "shop.example"),
    ]


def test_a_trusted_proxy_that_sent_no_forwarding_headers_gets_what_the_proxy_saw() -> None:
    headers = forwarded_headers(request((("Host", "h"),), peer="127.0.0.1"), TRUSTED)
    assert [(k, v) for k, v in headers if k.startswith("X-Forwarded")] == [
        ("X-Forwarded-For", "127.0.0.1"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "h"),
    ]


@pytest.mark.parametrize(
    ("address", "trusted"),
    [("10.255.0.1", True), ("::ffff:10.0.0.1", True), ("11.0.0.1", False), ("", False)],
)
def test_trust_is_by_network_ipv4_mapped_addresses_included(address: str, trusted: bool) -> None:
    assert is_trusted(address, TRUSTED) is trusted


def test_no_host_no_forwarded_host_and_no_host_is_added() -> None:
    headers = forwarded_headers(request(()))
    assert [k for k, _ in headers] == ["X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id"]


@pytest.mark.parametrize(
    ("method", "sent", "body", "length"),
    [
        ("GET", (), b"", None),
        ("POST", (), b"", None),
        ("POST", (("Content-Length", "0"),), b"", "0"),
        ("POST", (("Transfer-Encoding", "chunked"),), b"abc", "3"),
        ("PUT", (("Content-Length", "3"),), b"abc", "3"),
    ],
)
def test_the_body_is_framed_by_its_length_only_when_there_is_one_or_the_client_said_so(
    method: str, sent: Headers, body: bytes, length: str | None
) -> None:
    headers = dict(forwarded_headers(request(sent, method=method, body=body)))
    assert headers.get("Content-Length") == length
    assert "Transfer-Encoding" not in headers


def test_the_clients_own_request_id_is_kept_as_sent() -> None:
    headers = forwarded_headers(request((("X-Request-Id", "not a valid id!"),)))
    assert [v for k, v in headers if k == "X-Request-Id"] == ["not a valid id!"]
