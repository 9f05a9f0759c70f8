"""What an OpenAPI 3 or Swagger 2 specification file of the tree declares, as connexion 2
turns it into Flask rules: each operation's path, method, `operationId`, router controller and
path parameter types, and the base path the file itself gives. Plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PathParam:
    """A path parameter's type as connexion reads it: the schema's `type`, or "path" for a
    string of `format: path` ("" when the spec gives none)."""

    name: str
    type: str


@dataclass(frozen=True)
class SpecOperation:
    path: str  # as written under `paths` ("/dags/{dag_id}")
    method: str  # lower case, one of connexion's METHODS
    line: int  # of the method's key
    operation_id: str | None
    controller: str | None  # `x-openapi-router-controller` (`x-swagger-router-controller`)
    # the operation's path parameters, then the path item's, in order (a later one wins)
    path_params: tuple[PathParam, ...] = ()


@dataclass(frozen=True)
class OpenApiSpec:
    openapi3: bool  # False: Swagger 2
    base_path: str  # the first server's URL path (OpenAPI 3) or `basePath`, without a final /
    operations: tuple[SpecOperation, ...] = ()
