"""connexion 2's APIs: the blueprint a `FlaskApi(specification, base_path=..., options=...)`
builds, or the one `FlaskApp(...).add_api(spec, ...)` registers on its Flask app, read from
the OpenAPI / Swagger file of the tree the specification names (its facts, `facts/openapi.py`).

Rules, endpoints and generated routes follow connexion 2.14 (`apis/flask_api.py`,
`apis/flask_utils.py`, `options.py`): the blueprint is named after the base path
(`flaskify_endpoint`), each operation is one rule `{x}` -> `<x>` (`<int:x>`, `<float:x>`,
`<path:x>` for integer, number and `format: path` parameters), its endpoint the operation id
(`x-openapi-router-controller` + `.` + `operationId`) with dots as underscores, its view the
project function that id names; the spec is served as JSON and YAML and the Swagger UI under
`/ui/` unless the options switch them off.

The specification is found statically: a path string (for `add_api`, under the app's
`specification_dir`, itself under the app's root folder), or a value read from a file whose
path is computed from `__file__` (`os.path.join`, `os.path.dirname`, `pathlib.Path(...)`,
`.parent`, `.parents[n]`, `.resolve()`, `.joinpath(...)`), opened (`open(p)`, `p.open()`) and
loaded (`yaml.safe_load`, `json.load`, or a project function named like them). A path out of
the tree, a file that is not among the analyzed specs, or one that does not parse is a
diagnostic at the registration.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.facts.openapi import OpenApiSpec
from analyzer.facts.python import MODULE_SCOPE, Diagnostic
from analyzer.facts.values import Attr, CallOf, Imported, Ref, Value
from analyzer.resolution import paths
from analyzer.resolution.exposed_views import ExposedBlueprint, ExposedRule
from analyzer.resolution.resolve import (
    ConstEntity,
    Ctx,
    DictEntity,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    ModuleEntity,
    Resolved,
    Resolver,
    constant,
)

# flask_utils.PATH_PARAMETER_CONVERTERS
CONVERTERS = {"integer": "int", "number": "float", "path": "path"}
_PATH_PARAMETER = re.compile(r"\{([^}]*)\}")
# the last part of the name of a function that reads a spec from the file it is given
_LOADERS = frozenset({"safe_load", "load", "full_load"})
_OPENERS = frozenset({"builtins.open", "io.open"})
_MAX_DEPTH = 40
KIND = "connexion"


@dataclass(frozen=True, slots=True)
class ConnexionApi:
    """The blueprint an API builds, or why it is not known; `notes` about what was assumed."""

    blueprint: ExposedBlueprint | None
    notes: tuple[Diagnostic, ...]


def api_blueprint(resolver: Resolver, api: FlaskObject, site: tuple[str, int]) -> ConnexionApi:
    """`FlaskApi(specification, base_path=..., options=...)`, its blueprint registered at
    `site`: a specification path given as a string is read from the working directory, so
    only a loaded file (or a path computed from `__file__`) is followed."""
    ctx = api.ctx
    written = _written(api.ctor, 0, "specification")
    return _build(
        resolver,
        _Given(written, ctx, None),
        base_path=resolver.argument(api.ctor, 1, "base_path", ctx),
        options=[resolver.keyword(api.ctor, "options", ctx)],
        auth_all_paths=resolver.keyword(api.ctor, "auth_all_paths", ctx),
        site=site,
    )


def added_api_blueprint(
    resolver: Resolver, app: FlaskObject, call: CallOf, ctx: Ctx, site: tuple[str, int]
) -> ConnexionApi:
    """`app.add_api(specification, base_path=..., options=...)` on a connexion app: a path is
    under the app's `specification_dir` (relative to the app's root folder)."""
    app_ctx = app.ctx
    auth = resolver.keyword(call, "auth_all_paths", ctx)
    if constant(auth) is None:
        auth = resolver.keyword(app.ctor, "auth_all_paths", app_ctx)
    return _build(
        resolver,
        _Given(_written(call, 0, "specification"), ctx, _specification_dir(resolver, app)),
        base_path=resolver.argument(call, 1, "base_path", ctx),
        options=[
            resolver.keyword(app.ctor, "options", app_ctx),
            resolver.keyword(call, "options", ctx),
        ],
        auth_all_paths=auth,
        site=site,
    )


@dataclass(frozen=True, slots=True)
class _Given:
    written: Value | None  # the specification as written
    ctx: Ctx
    folder: str | None  # where a relative path is read from (`specification_dir`), if known


def _written(call: CallOf, index: int, name: str) -> Value | None:
    for key, value in call.kwargs:
        if key == name:
            return value
    return call.args[index] if index < len(call.args) else None


def _build(
    resolver: Resolver,
    given: _Given,
    *,
    base_path: Resolved | None,
    options: list[Resolved],
    auth_all_paths: Resolved,
    site: tuple[str, int],
) -> ConnexionApi:
    notes: list[Diagnostic] = []

    def note(message: str) -> None:
        notes.append(Diagnostic(*site, KIND, message))

    found = _spec_file(resolver, given)
    if isinstance(found, str):
        note(f"connexion API not reported: {found}")
        return ConnexionApi(None, tuple(notes))
    path, spec = found
    given_base = constant(base_path)
    if base_path is not None and given_base is not None and not isinstance(given_base, str):
        given_base = None
    if base_path is not None and not isinstance(base_path, ConstEntity):
        note(f"base_path= of the connexion API of {path} not known statically; the spec's is used")
    base = spec.base_path if not isinstance(given_base, str) else given_base.rstrip("/")
    name = base.replace(".", "_")
    chosen = _Options(options, note)
    rules = list(_generated(chosen, spec, name, path))
    for operation in spec.operations:
        if operation.operation_id is None:
            note(
                f"{operation.method.upper()} {operation.path} in {path}:{operation.line} has no "
                "operationId; not reported"
            )
            continue
        resolved_id = operation.operation_id
        if operation.controller:
            resolved_id = f"{operation.controller}.{resolved_id}"
        types = {p.name: p.type for p in operation.path_params}
        view = _view(resolver, resolved_id)
        if view is None:
            note(
                f"operationId {resolved_id} ({path}:{operation.line}) is no function of the "
                "analyzed project; its route is reported without a view"
            )
        rules.append(
            ExposedRule(
                _flask_rule(operation.path, types),
                resolved_id.replace(".", "_"),
                view,
                (operation.method.upper(),),
                path,
                operation.line,
            )
        )
    if constant(auth_all_paths):
        rules.append(ExposedRule("/<path:invalid_path>", f"{name}_not_found", None, None, path, 1))
    blueprint = ExposedBlueprint(name, base, f"connexion API of {path}", tuple(rules))
    return ConnexionApi(blueprint, tuple(notes))


def _flask_rule(path: str, types: dict[str, str]) -> str:
    """`flaskify_path`: `{x}` -> `<x>`, with the converter of its type."""
    return _PATH_PARAMETER.sub(lambda m: _converted(m.group(1), types), path)


def _converted(name: str, types: dict[str, str]) -> str:
    converter = CONVERTERS.get(types.get(name, ""))
    prefix = f"{converter}:" if converter else ""
    return f"<{prefix}{name.replace('-', '_')}>"


class _Options:
    """connexion's `ConnexionOptions`: the app's options extended by the API's."""

    def __init__(self, given: list[Resolved], note: Callable[[str], None]) -> None:
        self.values: dict[str, Resolved] = {}
        self.note = note
        for options in given:
            if isinstance(options, DictEntity):
                for key, value in options.items:
                    # `filter_values` drops None
                    named = isinstance(key, ConstEntity) and isinstance(key.value, str)
                    if named and value != ConstEntity(None):
                        self.values[str(constant(key))] = value

    def flag(self, name: str, default: bool) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, ConstEntity):
            return bool(value.value)
        self.note(f"connexion option {name!r} not known statically; taken as {default}")
        return default

    def text(self, name: str, default: str) -> str:
        value = constant(self.values.get(name))
        return value if isinstance(value, str) else default


def _generated(options: _Options, spec: OpenApiSpec, name: str, path: str) -> list[ExposedRule]:
    """The spec (JSON, YAML) and Swagger UI rules `FlaskApi` adds before the operations."""
    rules = []
    if options.flag("serve_spec", options.flag("swagger_json", True)):
        spec_path = options.text(
            "openapi_spec_path", "/openapi.json" if spec.openapi3 else "/swagger.json"
        )
        rules.append(ExposedRule(spec_path, f"{name}_openapi_json", None, None, path, 1))
        if spec_path.endswith("json"):
            yaml_path = spec_path[: -len("json")] + "yaml"
            rules.append(ExposedRule(yaml_path, f"{name}_openapi_yaml", None, None, path, 1))
    # without `swagger_path` the UI needs the swagger-ui-bundle package (connexion[swagger-ui]):
    # taken as installed, as connexion's own extra installs it
    if options.flag("swagger_ui", True):
        ui = options.text("swagger_url", "/ui").strip("/")
        if "swagger_ui_config" in options.values:
            config = f"/{ui}/swagger-ui-config.json"
            rules.append(ExposedRule(config, f"{name}_swagger_ui_config", None, None, path, 1))
        static = f"/{ui}/<path:filename>"
        rules.append(ExposedRule(static, f"{name}_swagger_ui_static", None, None, path, 1))
        rules.append(ExposedRule(f"/{ui}/", f"{name}_swagger_ui_index", None, None, path, 1))
    return rules


def _view(resolver: Resolver, dotted: str) -> FunctionEntity | None:
    """The project function an operation id names (`package.module.function`, a name the
    module imports, or `module.Class.method`), as connexion's `get_function_from_name` finds
    it."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        if module not in resolver.files:
            continue
        entity: Resolved = ModuleEntity(resolver.canonical(module))
        for attr in parts[cut:]:
            entity = resolver.member(entity, attr)
        return entity if isinstance(entity, FunctionEntity) else None
    return None


def _spec_file(resolver: Resolver, given: _Given) -> tuple[str, OpenApiSpec] | str:
    """The spec file the specification names, with its operations, or why not known."""
    if given.written is None:
        return "no specification given"
    path = _spec_path(resolver, given)
    if path is None:
        return "its specification is not a file path the analyzer can compute"
    if path.startswith("/") or path == ".." or path.startswith("../"):
        return f"its specification {path} is outside the analyzed folder"
    facts = resolver.specs.get(path)
    if facts is None:
        return (
            f"its specification {path} is not among the analyzed files (missing, skipped, or "
            "without an `openapi` or `swagger` key near its top)"
        )
    if facts.openapi is None:
        return f"its specification {path} could not be read (see its diagnostic)"
    return path, facts.openapi


def _spec_path(resolver: Resolver, given: _Given) -> str | None:
    written = given.written
    assert written is not None
    text = constant(resolver.resolve(written, given.ctx))
    if isinstance(text, str):
        if text.startswith("/"):
            return text
        if given.folder is None:
            return None  # read from the working directory
        return _joined(given.folder, text)
    return tree_path(resolver, written, given.ctx, loaded=True)


def _specification_dir(resolver: Resolver, app: FlaskObject) -> str | None:
    """A connexion app's `specification_dir`, relative to the tree: under the app's root
    folder (its import name's package folder) unless computed from `__file__`."""
    ctx = app.ctx
    written = _written(app.ctor, -1, "specification_dir")
    folder = "" if written is None else constant(resolver.resolve(written, ctx))
    if isinstance(folder, str) and not folder.startswith("/"):
        module = constant(resolver.argument(app.ctor, 0, "import_name", ctx))
        if not isinstance(module, str) or module not in resolver.files:
            return None
        facts = resolver.files[module]
        return _joined(posixpath.dirname(facts.path), folder)
    if written is None:
        return None
    return tree_path(resolver, written, ctx)


def _joined(base: str, *parts: str) -> str:
    return posixpath.normpath(posixpath.join(base, *parts)) if parts or base else ""


def tree_path(resolver: Resolver, value: Value, ctx: Ctx, *, loaded: bool = False) -> str | None:
    """The path, relative to the analyzed root, of a file or folder computed from the module's
    `__file__` (`analyzer.resolution.paths`), or of the file a loader reads, when `loaded`;
    None when not such a path. A path that leaves the tree starts with `..`."""
    if loaded:
        value, ctx = _read_from(resolver, value, ctx, 0)
    return paths.tree_path(resolver.resolve(value, ctx))


def _read_from(resolver: Resolver, value: Value, ctx: Ctx, depth: int) -> tuple[Value, Ctx]:
    """What a value read from a file is read from: the path a loader (`yaml.safe_load(f)`, a
    project function named like one) or `open(path)` / `path.open()` is given, a name followed
    to what it is bound to; any other value is itself."""
    if depth > _MAX_DEPTH:
        return value, ctx
    match value:
        case Ref(written) if "." not in written:
            return _bound(resolver, resolver.canonical(ctx.module), written, value, ctx, depth)
        case Imported(module=module, name=imported):
            return _bound(resolver, resolver.canonical(module), imported, value, ctx, depth)
        case CallOf(func=Attr(base=base, name="open"), args=(), kwargs=()):
            return base, ctx
        case CallOf(func=Ref(dotted), args=(), kwargs=()) if dotted.endswith(".open"):
            return Ref(dotted.removesuffix(".open")), ctx
        case CallOf(func=func, args=(first, *_)):
            called = resolver.resolve(func, ctx)
            name = called.dotted if isinstance(called, ExternalEntity) else None
            if isinstance(called, FunctionEntity):
                name = called.qualname
            if name in _OPENERS or (name is not None and name.rsplit(".", 1)[-1] in _LOADERS):
                return _read_from(resolver, first, ctx, depth + 1)
    return value, ctx


def _bound(
    resolver: Resolver, module: str, name: str, value: Value, ctx: Ctx, depth: int
) -> tuple[Value, Ctx]:
    bound = resolver.bindings.get(module, {}).get(name)
    if bound is None:
        return value, ctx
    return _read_from(resolver, bound, Ctx(module, MODULE_SCOPE), depth + 1)
