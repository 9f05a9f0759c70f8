"""A protobuf-generated module's descriptor -> `ProtoFile` facts.

protoc's Python output registers its schema as one bytes literal,
`DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b"...")`: a serialized
FileDescriptorProto. The literal is taken from the syntax tree and decoded with
`protobuf_wire`; the module is never imported and the protobuf library is not needed.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from analyzer.facts.protobuf import ProtoField, ProtoFile, ProtoMessage, ProtoMethod, ProtoService
from analyzer.source.protobuf_wire import LENGTH, VARINT, WireError, fields, text

MARKER = b"AddSerializedFile"
MAX_NESTING = 32


def serialized_file(tree: ast.Module) -> tuple[bytes, int] | None:
    """The bytes given to `AddSerializedFile(...)` at module level (also inside a top-level
    `if`/`else` or `try`, as protoc's version switches write it), and its line."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop(0)
        match statement:
            case ast.Assign(
                value=ast.Call(
                    func=ast.Attribute(attr="AddSerializedFile"),
                    args=[ast.Constant(value=bytes() as data)],
                )
            ):
                return data, statement.lineno
            case ast.If(body=body, orelse=orelse):
                pending.extend([*body, *orelse])
            case ast.Try(body=body):
                pending.extend(body)
    return None


def read_file_descriptor(data: bytes, line: int) -> ProtoFile:
    """Decode a FileDescriptorProto; raises `WireError` when the bytes are not one."""
    name = package = ""
    messages: list[ProtoMessage] = []
    services: list[ProtoService] = []
    extensions: list[ProtoField] = []
    enums: list[str] = []
    top: list[bytes] = []
    file_extensions: list[ProtoField] = []
    for number, wire, value in fields(data):
        if number == 1:
            name = text(value)
        elif number == 2:
            package = text(value)
        elif number == 4 and wire == LENGTH:
            top.append(_raw(value))
        elif number == 5 and wire == LENGTH:
            enums.append(_named(_raw(value)))
        elif number == 6 and wire == LENGTH:
            services.append(_service(_raw(value)))
        elif number == 7 and wire == LENGTH:
            file_extensions.append(_field(_raw(value)))
    scope = f".{package}" if package else ""
    extensions.extend(replace(e, name=f"{scope}.{e.name}") for e in file_extensions)
    for raw in top:
        _message(raw, scope, messages, extensions, enums, 0)
    enums = [name if name.startswith(".") else f"{scope}.{name}" for name in enums]
    return ProtoFile(
        name,
        package,
        line,
        tuple(messages),
        tuple(_qualified(s, scope) for s in services),
        tuple(extensions),
        tuple(enums),
    )


def _message(
    data: bytes,
    scope: str,
    messages: list[ProtoMessage],
    extensions: list[ProtoField],
    enums: list[str],
    depth: int,
) -> None:
    if depth > MAX_NESTING:
        raise WireError("messages nested too deeply")
    name = ""
    own: list[ProtoField] = []
    nested: list[bytes] = []
    scoped: list[ProtoField] = []
    for number, wire, value in fields(data):
        if number == 1:
            name = text(value)
        elif number == 2 and wire == LENGTH:
            own.append(_field(_raw(value)))
        elif number == 3 and wire == LENGTH:
            nested.append(_raw(value))
        elif number == 4 and wire == LENGTH:
            enums.append(f"{scope}.{name}.{_named(_raw(value))}")
        elif number == 6 and wire == LENGTH:
            scoped.append(_field(_raw(value)))
    full = f"{scope}.{name}"
    extensions.extend(replace(e, name=f"{full}.{e.name}") for e in scoped)
    messages.append(ProtoMessage(full, tuple(own)))
    for raw in nested:
        _message(raw, full, messages, extensions, enums, depth + 1)


def _field(data: bytes) -> ProtoField:
    name = type_name = default = extendee = ""
    number = kind = 0
    label = 1
    for field_number, wire, value in fields(data):
        if field_number == 1:
            name = text(value)
        elif field_number == 2:
            extendee = text(value)
        elif field_number == 3 and wire == VARINT:
            number = _int(value)
        elif field_number == 4 and wire == VARINT:
            label = _int(value)
        elif field_number == 5 and wire == VARINT:
            kind = _int(value)
        elif field_number == 6:
            type_name = text(value)
        elif field_number == 7:
            default = text(value)
    return ProtoField(name, number, kind, label, type_name, default, extendee)


def _service(data: bytes) -> ProtoService:
    name = ""
    methods: list[ProtoMethod] = []
    for number, wire, value in fields(data):
        if number == 1:
            name = text(value)
        elif number == 2 and wire == LENGTH:
            methods.append(_method(_raw(value)))
    return ProtoService(name, tuple(methods))


def _method(data: bytes) -> ProtoMethod:
    name = input_type = output_type = options = ""
    for number, _, value in fields(data):
        if number == 1:
            name = text(value)
        elif number == 2:
            input_type = text(value)
        elif number == 3:
            output_type = text(value)
        elif number == 4:
            options = _raw(value).hex()
    return ProtoMethod(name, input_type, output_type, options)


def _named(data: bytes) -> str:
    """The `name` (field 1) of an enum or other named descriptor."""
    return next((text(value) for number, _, value in fields(data) if number == 1), "")


def _qualified(service: ProtoService, scope: str) -> ProtoService:
    return ProtoService(f"{scope}.{service.full_name}", service.methods)


def _raw(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise WireError("a nested message is not length-delimited")
    return value


def _int(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise WireError("a number is not a varint")
    return value
