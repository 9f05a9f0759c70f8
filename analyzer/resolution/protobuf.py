"""What protobuf-generated modules define, as the code using them sees it.

`Service.DESCRIPTOR.methods`, `method.name`, `method.GetOptions().Extensions[ext].field`,
`Service().GetRequestClass(method)` and message classes (`service_pb2.CreateRun`, usable as
dict keys) are answered from the `ProtoFile` facts of every generated module in the tree; a
custom option is decoded with the message its extension declares, wherever that is defined.
Answers are plain values (`str`, `int`, lists) or `ProtoEntity`s; `UNKNOWN` when the facts
do not tell. Nothing is imported or run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, TypeAlias

from analyzer.facts.protobuf import ProtoField, ProtoFile, ProtoMessage, ProtoMethod
from analyzer.facts.python import FileFacts
from analyzer.source.protobuf_wire import (
    LENGTH,
    WireError,
    as_fixed,
    as_signed,
    as_zigzag,
    fields,
    read_varint,
    text,
)

# what a kind of entity stands for in the generated code
SERVICE = "service"  # the service class (`MlflowService`)
SERVICE_INSTANCE = "service_instance"  # `MlflowService()`
SERVICE_DESCRIPTOR = "service_descriptor"  # `MlflowService.DESCRIPTOR`
METHOD = "method"  # a MethodDescriptor; name: "<service full name>.<method>"
OPTIONS = "options"  # `method.GetOptions()`; data: the MethodOptions bytes (hex)
EXTENSIONS = "extensions"  # `options.Extensions`
EXTENSION = "extension"  # an extension field (`databricks_pb2.rpc`)
MESSAGE_CLASS = "message_class"  # a generated message class (`CreateRun`)
MESSAGE_DESCRIPTOR = "message_descriptor"  # `CreateRun.DESCRIPTOR`, `method.input_type`
VALUE = "value"  # a decoded message; name: its type, data: its bytes (hex)

# methods of generated objects the resolver calls through `call`
METHODS: Final = frozenset({"GetOptions", "GetRequestClass", "GetResponseClass"})
METHOD_OPTIONS = ".google.protobuf.MethodOptions"


class _Unknown:
    """Not told by the facts."""


UNKNOWN: Final = _Unknown()

Plain: TypeAlias = "ProtoEntity | str | int | float | bool | list[Plain] | _Unknown | None"


@dataclass(frozen=True, slots=True)
class ProtoEntity:
    """Something a protobuf-generated module defines, or a value read from its descriptors."""

    kind: str
    name: str  # full name of the service, method, message type or extension
    data: str = ""  # the encoded message (hex) of an OPTIONS/EXTENSIONS/VALUE


class ProtoIndex:
    """Every generated module's descriptor, indexed by full names."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.by_module: dict[str, ProtoFile] = {}
        self.messages: dict[str, ProtoMessage] = {}
        self.services: dict[str, tuple[ProtoMethod, ...]] = {}
        self.methods: dict[str, ProtoMethod] = {}
        self.extensions: dict[str, ProtoField] = {}
        for facts in files:
            proto = facts.protobuf
            if proto is None:
                continue
            self.by_module[facts.module] = proto
            self.messages.update((m.full_name, m) for m in proto.messages)
            self.extensions.update((e.name, e) for e in proto.extensions)
            for service in proto.services:
                self.services[service.full_name] = service.methods
                for method in service.methods:
                    self.methods[f"{service.full_name}.{method.name}"] = method

    def __bool__(self) -> bool:
        return bool(self.by_module)

    def top_level(self, module: str, name: str) -> ProtoEntity | None:
        """A message class, service class or extension the generated `module` defines."""
        proto = self.by_module.get(module)
        if proto is None:
            return None
        full = f".{proto.package}.{name}" if proto.package else f".{name}"
        if full in self.services:
            return ProtoEntity(SERVICE, full)
        if full in self.messages:
            return ProtoEntity(MESSAGE_CLASS, full)
        if full in self.extensions:
            return ProtoEntity(EXTENSION, full)
        return None

    def member(self, entity: ProtoEntity, attr: str) -> Plain:
        """`entity.attr`."""
        kind, name = entity.kind, entity.name
        short = name.rsplit(".", 1)[-1]
        if kind in (SERVICE, MESSAGE_CLASS) and attr == "__name__":
            return short
        if kind == SERVICE and attr == "DESCRIPTOR":
            return ProtoEntity(SERVICE_DESCRIPTOR, name)
        if kind == MESSAGE_CLASS and attr == "DESCRIPTOR":
            return ProtoEntity(MESSAGE_DESCRIPTOR, name)
        if kind == MESSAGE_CLASS and f"{name}.{attr}" in self.messages:
            return ProtoEntity(MESSAGE_CLASS, f"{name}.{attr}")
        if kind in (SERVICE_DESCRIPTOR, MESSAGE_DESCRIPTOR, METHOD, EXTENSION):
            if attr == "name":
                return short
            if attr == "full_name":
                return name.lstrip(".")
        if kind == SERVICE_DESCRIPTOR and attr == "methods":
            methods = self.services.get(name, ())
            return [ProtoEntity(METHOD, f"{name}.{m.name}") for m in methods]
        if kind == METHOD and attr in ("input_type", "output_type", "containing_service"):
            return self.method_member(name, attr)
        if kind == OPTIONS and attr == "Extensions":
            return ProtoEntity(EXTENSIONS, name, entity.data)
        if kind == EXTENSION and attr == "number":
            return self.extensions[name].number
        if kind == VALUE:
            return self.field_value(entity, attr)
        return UNKNOWN

    def method_member(self, name: str, attr: str) -> Plain:
        method = self.methods.get(name)
        if method is None:
            return UNKNOWN
        if attr == "containing_service":
            return ProtoEntity(SERVICE_DESCRIPTOR, name.rsplit(".", 1)[0])
        message = method.input_type if attr == "input_type" else method.output_type
        return ProtoEntity(MESSAGE_DESCRIPTOR, message)

    def call(self, owner: ProtoEntity, method: str, args: list[Plain]) -> Plain:
        """`owner.method(*args)` for the `METHODS` of generated objects."""
        if owner.kind == METHOD and method == "GetOptions" and not args:
            found = self.methods.get(owner.name)
            return UNKNOWN if found is None else ProtoEntity(OPTIONS, METHOD_OPTIONS, found.options)
        if owner.kind == SERVICE_INSTANCE and method in ("GetRequestClass", "GetResponseClass"):
            described = args[0] if len(args) == 1 else None
            if isinstance(described, ProtoEntity) and described.kind == METHOD:
                attr = "input_type" if method == "GetRequestClass" else "output_type"
                message = self.method_member(described.name, attr)
                if isinstance(message, ProtoEntity):
                    return ProtoEntity(MESSAGE_CLASS, message.name)
        return UNKNOWN

    def extension(self, extensions: ProtoEntity, key: ProtoEntity) -> Plain:
        """`options.Extensions[ext]`: the option read with the type `ext` declares."""
        field = self.extensions.get(key.name) if key.kind == EXTENSION else None
        if field is None or field.extendee != extensions.name:
            return UNKNOWN
        return self.read(field, extensions.data)

    def field_value(self, value: ProtoEntity, attr: str) -> Plain:
        message = self.messages.get(value.name)
        field = next((f for f in message.fields if f.name == attr), None) if message else None
        return UNKNOWN if field is None else self.read(field, value.data)

    def read(self, field: ProtoField, data_hex: str) -> Plain:
        """The value of `field` in the encoded message: its default when absent, a list when
        repeated, a `VALUE` entity for a message (occurrences merged, as protobuf does)."""
        try:
            data = bytes.fromhex(data_hex)
            found = [(wire, raw) for n, wire, raw in fields(data) if n == field.number]
            if field.type == TYPE_MESSAGE:
                if field.label == LABEL_REPEATED:
                    return [ProtoEntity(VALUE, field.type_name, _hex(raw)) for _, raw in found]
                merged = b"".join(raw for _, raw in found if isinstance(raw, bytes))
                return ProtoEntity(VALUE, field.type_name, merged.hex())
            scalars = [item for wire, raw in found for item in _scalars(field.type, wire, raw)]
        except (WireError, ValueError):  # WireError is a ValueError, as is bad hex
            return UNKNOWN
        if field.label == LABEL_REPEATED:
            return scalars
        return scalars[-1] if scalars else _default(field)


TYPE_MESSAGE = 11
LABEL_REPEATED = 3
_FIXED_FORMATS = {1: "<d", 2: "<f", 6: "<Q", 7: "<I", 15: "<i", 16: "<q"}
_PACKABLE = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 18})


def _scalars(kind: int, wire: int, raw: int | bytes) -> list[Plain]:
    """The scalar (or scalars, packed) one occurrence of a field holds."""
    if kind == 9:
        return [text(raw)]
    if isinstance(raw, int):
        return [_from_varint(kind, raw)]
    if kind in _FIXED_FORMATS and wire != LENGTH:
        return [as_fixed(raw, _FIXED_FORMATS[kind])]
    if wire == LENGTH and kind in _PACKABLE:
        values: list[Plain] = []
        at = 0
        while at < len(raw):
            if kind in _FIXED_FORMATS:
                size = 8 if _FIXED_FORMATS[kind] in ("<d", "<Q", "<q") else 4
                values.append(as_fixed(raw[at : at + size], _FIXED_FORMATS[kind]))
                at += size
            else:
                number, at = read_varint(raw, at)
                values.append(_from_varint(kind, number))
        return values
    return [UNKNOWN]  # bytes, groups


def _from_varint(kind: int, value: int) -> Plain:
    if kind == 8:
        return bool(value)
    if kind in (17, 18):
        return as_zigzag(value)
    if kind in (4, 13):
        return value
    return as_signed(value, 64)  # int32, int64, enum: negative ones take ten bytes


def _default(field: ProtoField) -> Plain:
    if field.type == 9:
        return field.default
    if field.type == 8:
        return field.default == "true"
    if field.type == 14:
        return 0 if not field.default else UNKNOWN  # a default named by its enum value
    if field.type in (1, 2):
        try:
            return float(field.default) if field.default else 0.0
        except ValueError:
            return UNKNOWN
    if field.type == 12:
        return UNKNOWN
    try:
        return int(field.default) if field.default else 0
    except ValueError:
        return UNKNOWN


def _hex(raw: int | bytes) -> str:
    return raw.hex() if isinstance(raw, bytes) else ""
