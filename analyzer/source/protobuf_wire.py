"""The protobuf wire format, read without the protobuf library: bytes -> (field number, value).

Pure and bounded: a malformed buffer raises `WireError`, never anything else, and nothing is
read past the buffer. Varints are returned as unsigned ints, length-delimited fields as
bytes, fixed-width fields as their raw little-endian bytes (the schema says what they mean).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5
MAX_VARINT_BYTES = 10


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint starting at `at` and the position after it."""
    result = shift = 0
    for index in range(at, min(at + MAX_VARINT_BYTES, len(data))):
        byte = data[index]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, index + 1
        shift += 7
    raise WireError("truncated or overlong varint")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Each field of a message, in order: (number, wire type, varint value or raw bytes)."""
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == VARINT:
            value, at = read_varint(data, at)
            yield number, wire, value
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if at + size > len(data):
                raise WireError("truncated fixed-width field")
            yield number, wire, data[at : at + size]
            at += size
        elif wire == LENGTH:
            size, at = read_varint(data, at)
            if at + size > len(data):
                raise WireError("truncated length-delimited field")
            yield number, wire, data[at : at + size]
            at += size
        else:  # groups are long deprecated and never in descriptors
            raise WireError(f"unsupported wire type {wire}")


def as_signed(value: int, bits: int) -> int:
    """A varint read as a two's-complement int32/int64."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def as_zigzag(value: int) -> int:
    """A sint32/sint64 varint."""
    return (value >> 1) ^ -(value & 1)


def as_fixed(raw: bytes, fmt: str) -> int | float:
    """A fixed-width field (`<i`, `<I`, `<q`, `<Q`, `<f`, `<d`)."""
    try:
        value: int | float = struct.unpack(fmt, raw)[0]
    except struct.error as exc:
        raise WireError(str(exc)) from exc
    return value


def text(raw: int | bytes) -> str:
    """A string field."""
    if not isinstance(raw, bytes):
        raise WireError("a string field is not length-delimited")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError("a string field is not UTF-8") from exc
