"""What a protobuf-generated module (`*_pb2.py`) defines, read from the serialized
FileDescriptorProto it hands to `AddSerializedFile(b"...")`: messages, services, methods and
the extensions it declares. Plain data; option bytes are kept as hex, decoded on demand
against the option message the extension names (which another file may define)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProtoField:
    """A field of a message, or an extension (`extendee` set)."""

    name: str
    number: int
    type: int  # FieldDescriptorProto.Type: 9 string, 11 message, 14 enum, 5 int32...
    label: int = 1  # 1 optional, 2 required, 3 repeated
    type_name: str = ""  # ".pkg.Message" for message and enum fields
    default: str = ""  # proto2 `[default = ...]`, as protoc writes it
    extendee: str = ""  # ".google.protobuf.MethodOptions" for an option extension


@dataclass(frozen=True)
class ProtoMessage:
    full_name: str  # ".pkg.Outer.Inner"
    fields: tuple[ProtoField, ...] = ()


@dataclass(frozen=True)
class ProtoMethod:
    name: str
    input_type: str  # ".pkg.Request"
    output_type: str
    options: str = ""  # the serialized MethodOptions, hex


@dataclass(frozen=True)
class ProtoService:
    full_name: str  # ".pkg.Service"
    methods: tuple[ProtoMethod, ...] = ()


@dataclass(frozen=True)
class ProtoFile:
    """One serialized FileDescriptorProto, found on `line` of the module."""

    name: str  # "service.proto"
    package: str
    line: int
    messages: tuple[ProtoMessage, ...] = ()  # nested ones too, by full name
    services: tuple[ProtoService, ...] = ()
    # declared at file level or inside messages; their `name` is the full name (".pkg.rpc")
    extensions: tuple[ProtoField, ...] = ()
    enums: tuple[str, ...] = ()  # full names
