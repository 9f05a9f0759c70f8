"""Protobuf-generated modules read without protobuf: the wire format, the serialized
FileDescriptorProto of the `proto_services` fixture (protoc's output for the .proto files
beside it), custom method options decoded with the message their extension declares, and the
`re.sub` and loop-grown lists the code that reads them relies on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from analyzer_projects import analyze, write

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.python import FileFacts
from analyzer.resolution.protobuf import (
    EXTENSION,
    EXTENSIONS,
    MESSAGE_CLASS,
    METHOD,
    SERVICE,
    SERVICE_INSTANCE,
    ProtoEntity,
    ProtoIndex,
)
from analyzer.source.protobuf_descriptors import read_file_descriptor, serialized_file
from analyzer.source.protobuf_wire import WireError, as_signed, fields, read_varint

PROTOS = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "analyzer_apps"
    / "proto_services"
    / "tracker"
    / "protos"
)


def facts_of(name: str) -> FileFacts:
    path = PROTOS / f"{name}.py"
    spec = FileSpec(f"tracker/protos/{name}.py", "python", f"tracker.protos.{name}", False)
    return extract_file(path.read_bytes(), spec, None)


def index() -> ProtoIndex:
    return ProtoIndex([facts_of("rpc_options_pb2"), facts_of("tracker_service_pb2")])


def test_varints_and_negative_int32() -> None:
    assert read_varint(b"\xac\x02", 0) == (300, 2)
    minus_one = b"\xff" * 9 + b"\x01"  # int32 -1 takes ten bytes on the wire
    value, _ = read_varint(minus_one, 0)
    assert as_signed(value, 64) == -1


def test_fields_of_a_message_and_truncation() -> None:
    # field 1 varint 150, field 2 string "hi"
    assert list(fields(b"\x08\x96\x01\x12\x02hi")) == [(1, 0, 150), (2, 2, b"hi")]
    with pytest.raises(WireError):
        list(fields(b"\x12\x05hi"))  # says five bytes, holds two
    with pytest.raises(WireError):
        list(fields(b"\x08\xff"))  # varint never ends


def test_the_serialized_file_is_found_in_the_syntax_tree() -> None:
    tree = ast.parse((PROTOS / "tracker_service_pb2.py").read_bytes())
    found = serialized_file(tree)
    assert found is not None
    data, line = found
    assert line == 28
    proto = read_file_descriptor(data, line)
    assert (proto.name, proto.package) == ("tracker/protos/tracker_service.proto", "tracker")
    (service,) = proto.services
    assert service.full_name == ".tracker.TrackerService"
    assert [(m.name, m.input_type) for m in service.methods] == [
        ("createRun", ".tracker.CreateRun"),
        ("getRun", ".tracker.GetRun"),
        ("searchRuns", ".tracker.SearchRuns"),
        ("deleteRun", ".tracker.DeleteRun"),
    ]
    assert ".tracker.CreateRun.Response" in {m.full_name for m in proto.messages}


def test_an_option_extension_and_a_proto2_default() -> None:
    proto = facts_of("rpc_options_pb2").protobuf
    assert proto is not None
    (rpc,) = proto.extensions
    assert (rpc.name, rpc.number, rpc.extendee, rpc.type_name) == (
        ".tracker.rpc",
        51000,
        ".google.protobuf.MethodOptions",
        ".tracker.RpcOptions",
    )
    endpoint = next(m for m in proto.messages if m.full_name == ".tracker.HttpEndpoint")
    assert [(f.name, f.default) for f in endpoint.fields] == [
        ("method", "POST"),
        ("path", ""),
        ("since", ""),
    ]


def endpoints(protos: ProtoIndex, method: str) -> list[tuple[object, object, object]]:
    options = protos.call(
        ProtoEntity(METHOD, f".tracker.TrackerService.{method}"), "GetOptions", []
    )
    assert isinstance(options, ProtoEntity)
    extensions = protos.member(options, "Extensions")
    assert isinstance(extensions, ProtoEntity) and extensions.kind == EXTENSIONS
    rpc = protos.extension(extensions, ProtoEntity(EXTENSION, ".tracker.rpc"))
    assert isinstance(rpc, ProtoEntity)
    found = protos.member(rpc, "endpoints")
    assert isinstance(found, list)
    result: list[tuple[object, object, object]] = []
    for endpoint in found:
        assert isinstance(endpoint, ProtoEntity)
        since = protos.member(endpoint, "since")
        assert isinstance(since, ProtoEntity)
        major = protos.member(since, "major")
        result.append((protos.member(endpoint, "method"), protos.member(endpoint, "path"), major))
    return result


def test_method_options_are_decoded_with_the_extension_message() -> None:
    protos = index()
    assert endpoints(protos, "createRun") == [("POST", "/runs/create", 2)]  # method: default
    assert endpoints(protos, "getRun") == [("GET", "/runs/{run_id}", 3)]
    assert endpoints(protos, "searchRuns") == [
        ("POST", "/runs/search", 2),
        ("GET", "/runs/search", 2),
    ]


def test_services_methods_and_request_classes() -> None:
    protos = index()
    service = protos.top_level("tracker.protos.tracker_service_pb2", "TrackerService")
    assert service == ProtoEntity(SERVICE, ".tracker.TrackerService")
    descriptor = protos.member(service, "DESCRIPTOR")
    assert isinstance(descriptor, ProtoEntity)
    methods = protos.member(descriptor, "methods")
    assert isinstance(methods, list) and len(methods) == 4
    request = protos.call(
        ProtoEntity(SERVICE_INSTANCE, service.name), "GetRequestClass", [methods[1]]
    )
    # the same entity as the name the module binds, so it finds a dict's entry keyed by it
    assert request == protos.top_level("tracker.protos.tracker_service_pb2", "GetRun")
    assert request == ProtoEntity(MESSAGE_CLASS, ".tracker.GetRun")
    assert protos.member(request, "__name__") == "GetRun"


def test_a_descriptor_that_is_not_one_is_a_diagnostic() -> None:
    source = b"from google.protobuf import descriptor_pool\n" + (
        b"DESCRIPTOR = descriptor_pool.Default().AddSerializedFile(b'\\x0a\\xff')\n"
    )
    facts = extract_file(source, FileSpec("bad_pb2.py", "python", "bad_pb2", False), None)
    assert facts.protobuf is None
    assert [(d.line, d.kind) for d in facts.diagnostics] == [(2, "protobuf")]


def test_re_sub_and_a_list_grown_in_nested_loops(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "import re\n"
                "from flask import Flask\n\n"
                "AREAS = {'runs': ['{run_id}', 'list'], 'jobs': ['{job_id}']}\n\n"
                "def view():\n"
                "    return ''\n\n"
                "def rules(areas):\n"
                "    found = []\n"
                "    for area, paths in areas.items():\n"
                "        for path in paths:\n"
                "            found.append(re.sub(r'{(\\w+)}', r'<\\1>', f'/{area}/{path}'))\n"
                "    return found\n\n"
                "app = Flask(__name__)\n"
                "for rule in rules(AREAS):\n"
                "    app.add_url_rule(rule, rule, view)\n"
            ),
        },
    )
    found = {r.rule for r in analyze(project).routes}
    assert found == {"/static/<path:filename>", "/runs/<run_id>", "/runs/list", "/jobs/<job_id>"}


def test_an_append_under_a_test_in_the_loop_is_not_taken_as_made(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "app.py": (
                "import os\n\n"
                "from flask import Flask\n\n"
                "def view():\n"
                "    return ''\n\n"
                "def rules(paths):\n"
                "    found = ['/always']\n"
                "    for path in paths:\n"
                "        if path.startswith(os.environ['SERVED']):  # known only at run time\n"
                "            found.append(path)\n"
                "    return found\n\n"
                "app = Flask(__name__)\n"
                "for rule in rules(['/a', '/b']):\n"
                "    app.add_url_rule(rule, rule, view)\n"
            ),
        },
    )
    analysis = analyze(project)
    assert {r.rule for r in analysis.routes} == {"/static/<path:filename>", "/always"}
    assert "dynamic-route" in [d.kind for d in analysis.diagnostics]
