"""One OpenAPI 3 / Swagger 2 file's bytes -> the operations connexion 2 routes from it.

The file is composed with PyYAML's safe composer (JSON is read the same way), never
constructed: no tag runs code, an alias is the node it names (never expanded), and only the
few nodes connexion reads to make rules are visited. `$ref`s are followed within the file
only, `MAX_REF_DEPTH` deep. What cannot be read becomes a diagnostic, never an exception.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from analyzer.facts.openapi import OpenApiSpec, PathParam, SpecOperation
from analyzer.facts.python import Diagnostic

# connexion.http_facts.METHODS: the keys of a path item that are operations
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_DEPTH = 32
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Unreadable(Exception):
    """The file is not a spec connexion could load; the message says why."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def read_spec(source: bytes, path: str) -> tuple[OpenApiSpec | None, tuple[Diagnostic, ...]]:
    """The spec in `source` (the file at `path`), or None and why not."""
    text = source.decode("utf-8-sig", errors="replace")
    try:
        root = yaml.compose(text, Loader=_LOADER)  # safe: composed, never constructed
        return _Spec(root).read(), ()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = (
            f"not readable as YAML or JSON ({exc.problem or exc.context}); its routes are unknown"
        )
    except yaml.YAMLError as exc:
        line, message = 1, f"not readable as YAML or JSON ({exc}); its routes are unknown"
    except RecursionError:
        line, message = 1, "nested too deeply to read; its routes are unknown"
    except _Unreadable as exc:
        line, message = exc.line, f"{exc}; its routes are unknown"
    return None, (Diagnostic(path, line, "openapi", message),)


class _Spec:
    def __init__(self, root: yaml.Node | None) -> None:
        if not isinstance(root, yaml.MappingNode):
            raise _Unreadable("not an OpenAPI or Swagger document (not a mapping)", 1)
        self.root = root

    def read(self) -> OpenApiSpec:
        version = _scalar(_get(self.root, "openapi"))
        openapi3 = version is not None
        if not openapi3 and _scalar(_get(self.root, "swagger")) is None:
            raise _Unreadable("no `openapi` or `swagger` version key", 1)
        paths = self.deref(_get(self.root, "paths"))
        operations: list[SpecOperation] = []
        for key, written in _items(paths):
            path = _scalar(key)
            item = self.deref(written)
            if path is None or not isinstance(item, yaml.MappingNode):
                continue
            shared = self.path_params(_get(item, "parameters"), openapi3)
            for method_key, value in _items(item):
                method = _scalar(method_key)
                if method not in METHODS:
                    continue
                operation = self.deref(value)
                own = self.path_params(_get(operation, "parameters"), openapi3)
                operations.append(
                    SpecOperation(
                        path,
                        method,
                        method_key.start_mark.line + 1,
                        _scalar(_get(operation, "operationId")),
                        _scalar(
                            _get(
                                operation,
                                "x-openapi-router-controller"
                                if openapi3
                                else "x-swagger-router-controller",
                            )
                        ),
                        own + shared,
                    )
                )
        return OpenApiSpec(openapi3, self.base_path(openapi3), tuple(operations))

    def base_path(self, openapi3: bool) -> str:
        """connexion's `Specification.base_path`: the first server's URL path, its variables
        at their defaults (OpenAPI 3), or `basePath` (Swagger 2); no final slash."""
        if not openapi3:
            return (_scalar(_get(self.root, "basePath")) or "").rstrip("/")
        servers = self.deref(_get(self.root, "servers"))
        if not isinstance(servers, yaml.SequenceNode) or not servers.value:
            return ""
        server = self.deref(servers.value[0])
        url = _scalar(_get(server, "url")) or ""
        for name, variable in _items(self.deref(_get(server, "variables"))):
            default = _scalar(_get(self.deref(variable), "default"))
            if _scalar(name) is not None and default is not None:
                url = url.replace("{" + str(_scalar(name)) + "}", default)
        try:
            return urlsplit(url).path.rstrip("/")
        except ValueError:
            return ""

    def path_params(self, parameters: yaml.Node | None, openapi3: bool) -> tuple[PathParam, ...]:
        parameters = self.deref(parameters)
        if not isinstance(parameters, yaml.SequenceNode):
            return ()
        found = []
        for node in parameters.value:
            parameter = self.deref(node)
            name = _scalar(_get(parameter, "name"))
            if name is None or _scalar(_get(parameter, "in")) != "path":
                continue
            schema = self.deref(_get(parameter, "schema")) if openapi3 else parameter
            kind = _scalar(_get(schema, "type")) or ""
            if kind == "string" and _scalar(_get(schema, "format")) == "path":
                kind = "path"
            found.append(PathParam(name, kind))
        return tuple(found)

    def deref(self, node: yaml.Node | None) -> yaml.Node | None:
        """`node`, or what its `$ref` to this file names (`#/components/parameters/X`)."""
        for _ in range(MAX_REF_DEPTH):
            ref = _scalar(_get(node, "$ref"))
            if ref is None:
                return node
            if not ref.startswith("#"):
                return None  # another file: connexion's resolver would fetch it; not read
            node = self.root
            for part in ref[1:].split("/")[1:]:
                node = _get(node, part.replace("~1", "/").replace("~0", "~"))
        return None


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for name, value in _items(node):
        if _scalar(name) == key:
            return value
    return None


def _items(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None
