"""One module's ast -> its structural facts: bindings, imports, functions, classes, calls, and
the calls/decorators that may register Flask routes, blueprints, resources and hooks.

Pure and syntactic: names stay as written (`Value`s) and are resolved across modules later.
Statements are followed in order, so a local bound before a registration is substituted
into it; `for` loops over literal lists are unrolled (a module-level list functions grow with
`.append`/`.extend`/`+=` is, in functions, everything appended to it); a name both branches of
an `if`/`else` bind differently is a `Choice` of both.
Which functions and classes there are, their qualified names, nesting, classes and receivers
come from the module's scopes (`analyzer.syntax.scopes`); this adds what the code denotes.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from analyzer.facts.procedures import Step
from analyzer.facts.python import (
    ROUTE_DECORATORS,
    AttributeSet,
    CallFact,
    ClassFact,
    Diagnostic,
    FunctionFact,
    ImportFact,
    LoopFact,
    ParamFact,
    RegistrationFact,
    RegistrationKind,
)
from analyzer.facts.values import (
    SPREAD_KEYWORDS,
    UNKNOWN,
    Attr,
    CallOf,
    Choice,
    ClassOf,
    Compare,
    Comprehension,
    Divided,
    Imported,
    Item,
    Joined,
    Lit,
    Local,
    LoopVar,
    ModuleRef,
    Negation,
    Pairs,
    Param,
    Ref,
    SelfOf,
    Seq,
    SetUnion,
    Sliced,
    Spread,
    Sum,
    SuperOf,
    Unknown,
    Value,
    ValueSizes,
    attribute_of,
    mentions_param,
    parts_of,
    reads_loop_item,
)
from analyzer.source.attribute_sets import (
    nested_sets,
    place,
    saved_attribute,
    top_level_set,
    yield_index,
)
from analyzer.source.modules import absolute_import
from analyzer.source.partials import names_partial, partial_call
from analyzer.source.procedures import COMPARISON_OPERATORS, procedure_of
from analyzer.syntax.annotations import annotated_class
from analyzer.syntax.nodes import BRANCHES, CHILD_FIELDS
from analyzer.syntax.scopes import ModuleScopes, Scope, class_statements, has_decorator

# `x.get(...)(...)` is mostly a dict lookup, so only these count when applied by hand
DECORATORS_CALLED_BY_HAND = frozenset({"route", "resource"})
CALL_REGISTRATIONS: dict[str, RegistrationKind] = {
    "add_url_rule": "add_url_rule",
    "register_blueprint": "register_blueprint",
    "add_resource": "add_resource",
    "add_namespace": "add_namespace",
    "init_app": "init_app",
    "init_themes": "init_app",  # Flask-Themes2's
    "add_view": "add_view",
    "add_views": "add_view",
    "add_view_no_menu": "add_view",
    "add_api": "add_view",
}
HOOK_NAMES = frozenset(
    {
        "before_request",
        "before_app_request",
        "before_first_request",
        "before_app_first_request",
        "after_request",
        "after_app_request",
        "teardown_request",
        "teardown_app_request",
        "teardown_appcontext",
        "url_value_preprocessor",
        "user_loader",
        "request_loader",
        "header_loader",
        "token_loader",
        "user_lookup_loader",
        "token_in_blocklist_loader",
        "verify_password",
        "verify_token",
        "get_password",
    }
)
MAX_UNROLL = 64
MAX_SEQ_ITEMS = 256
_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True, slots=True)
class ModuleStructure:
    bindings: tuple[tuple[str, Value], ...]
    star_imports: tuple[str, ...]
    rebound_globals: tuple[str, ...]
    imports: tuple[ImportFact, ...]
    functions: tuple[FunctionFact, ...]
    classes: tuple[ClassFact, ...]
    registrations: tuple[RegistrationFact, ...]
    diagnostics: tuple[Diagnostic, ...]


def extract_structure(
    scopes: ModuleScopes, *, path: str, module: str, is_package: bool
) -> ModuleStructure:
    """Walk a parsed module, divided into `scopes`, and return its structural facts.

    A module-level list that functions grow (`providers = []`, then `providers.append(x)` in
    a function) is known, inside functions, as everything any code appends to it: the module
    is then walked a second time with those lists known."""
    extractor = _Extractor(scopes, path, module, is_package)
    top = extractor.walk_module()
    if extractor.growth:
        extractor = _Extractor(scopes, path, module, is_package, extractor.grown_lists(top))
        top = extractor.walk_module()
    return ModuleStructure(
        bindings=tuple(top.env.items()),
        star_imports=tuple(dict.fromkeys(extractor.star_imports)),
        rebound_globals=rebound_globals(scopes),
        imports=tuple(extractor.imports),
        functions=tuple(extractor.functions.values()),
        classes=tuple(c.freeze() for c in extractor.classes.values()),
        registrations=tuple(dict.fromkeys(extractor.registrations)),
        diagnostics=tuple(extractor.diagnostics),
    )


def rebound_globals(scopes: ModuleScopes) -> tuple[str, ...]:
    """The module globals some function of the module assigns after declaring them `global`
    (`global manager` then `manager = manager_cls(app)`), sorted."""
    found: set[str] = set()
    for node in scopes.functions:
        declared = {
            name
            for statement in ast.walk(node)
            if isinstance(statement, ast.Global)
            for name in statement.names
        }
        if declared:
            found.update(
                target.id
                for target in ast.walk(node)
                if isinstance(target, ast.Name)
                and isinstance(target.ctx, ast.Store)
                and target.id in declared
            )
    return tuple(sorted(found))


class _Calls:
    """The calls a scope makes, each once, in the order first made. Equal calls are on the
    same line: a new one is compared with those already there, as hashing it (all the values
    nested in its callee and arguments, on every call of every file) would cost more."""

    __slots__ = ("by_line", "made")

    def __init__(self) -> None:
        self.made: list[CallFact] = []
        self.by_line: dict[int, list[CallFact]] = {}

    def add(self, call: CallFact) -> None:
        on_line = self.by_line.setdefault(call.line, [])
        if call not in on_line:
            on_line.append(call)
            self.made.append(call)

    def discard(self, call: CallFact) -> None:
        self.by_line[call.line].remove(call)
        self.made.remove(call)


@dataclass
class _Frame:
    """The symbolic state while walking a scope's code (a class body's code is its enclosing
    scope's): what names denote so far, the calls, the first informative return, and the
    enclosing loops kept symbolic."""

    scope: Scope
    env: dict[str, Value]
    calls: _Calls = field(default_factory=_Calls)
    returns: Value | None = None
    loops: list[LoopFact] = field(default_factory=list)
    tests: list[Value] = field(default_factory=list)  # enclosing `if` tests (UNKNOWN: else)
    managers: list[Value] = field(default_factory=list)  # enclosing `with` context managers
    # names a loop over items written out here binds to its item, with the value bound (an
    # `if` on one, while it still holds that value, is decided item by item)
    unrolled: dict[str, Value] = field(default_factory=dict)
    # the same tests as a registration records them (`Negation(test)` in the `else`)
    branch_tests: list[Value] = field(default_factory=list)
    # for each symbolic loop entered: how many `if` tests enclosed it
    loop_tests: list[int] = field(default_factory=list)
    # how many symbolic loops enclosed each local name's last binding
    bound_loops: dict[str, int] = field(default_factory=dict)
    guarded: tuple[Value, Value] | None = None  # `if test: return value`, before any return
    # the test of the one enclosing `if` whose `else` is being walked (`if test: return a` /
    # `else: return b` is a `Choice`, as `if test: return a` then `return b` is)
    else_of: Value | None = None
    # names whose items this function set under a constant key (`store["config"] = ...`)
    keyed: set[str] = field(default_factory=set)
    # each such item as it was before this function set it (`info["url"]` read from `info`)
    items_before: dict[str, Value] = field(default_factory=dict)
    # the facts each `functools.partial(...)` built here was read as, and the names bound to
    # one (with the value bound): called by that name, it is read there instead
    partials_made: dict[ast.Call, list[RegistrationFact | CallFact]] = field(default_factory=dict)
    partial_names: dict[str, tuple[ast.Call, Value | None]] = field(default_factory=dict)


@dataclass
class _ClassBuilder:
    qualname: str
    line: int
    bases: tuple[Value, ...]
    methods: list[str] = field(default_factory=list)
    class_attrs: dict[str, Value] = field(default_factory=dict)
    instance_attrs: dict[str, Value] = field(default_factory=dict)

    def freeze(self) -> ClassFact:
        return ClassFact(
            qualname=self.qualname,
            line=self.line,
            bases=self.bases,
            methods=tuple(self.methods),
            class_attrs=tuple(self.class_attrs.items()),
            instance_attrs=tuple(self.instance_attrs.items()),
        )


class _Extractor:
    def __init__(
        self,
        scopes: ModuleScopes,
        path: str,
        module: str,
        is_package: bool,
        grown: dict[str, Value] | None = None,
    ) -> None:
        self.scopes = scopes
        self.path = path
        self.module = module
        self.is_package = is_package
        self.imports: list[ImportFact] = []
        self.star_imports: list[str] = []
        self.functions: dict[str, FunctionFact] = {}
        self.classes: dict[str, _ClassBuilder] = {}
        self.registrations: list[RegistrationFact] = []
        self.diagnostics: list[Diagnostic] = []
        self.module_env: dict[str, Value] = {}
        # module-level lists grown by functions: what each function adds, and the list as
        # the module had it then
        self.growth: dict[str, list[Value]] = {}
        self.growth_base: dict[str, Value] = {}
        # the same lists with every addition (second walk): what functions see
        self.grown = grown or {}
        self.sizes = ValueSizes()  # what a name is bound to is bounded by its size
        self.refs: dict[str, Ref] = {}  # the names met, each as one `Ref`

    def walk_module(self) -> _Frame:
        top = _Frame(self.scopes.module, env=self.module_env)
        self.walk_body(self.scopes.tree.body, top)
        for name, union in self.grown.items():  # importers see the additions too
            if isinstance(top.env.get(name), Seq | Sum):
                top.env[name] = self.sizes.bounded(union)
        self.finish_function(top, line=1, params=(), decorators=())
        return top

    def grown_lists(self, top: _Frame) -> dict[str, Value]:
        """Each module-level list functions grow, with what they add (partly known when an
        addition depends on a parameter or loop variable)."""
        unions: dict[str, Value] = {}
        for name, additions in self.growth.items():
            final = top.env.get(name)
            union = final if isinstance(final, Seq | Sum) else self.growth_base[name]
            for added in additions:
                union = _with_addition(union, added)
            unions[name] = union
        return unions

    def grow_global(self, name: str, added: Value, frame: _Frame) -> bool:
        """`name.append(x)` / `name += [...]` in a function, `name` a module-level list:
        remembered (first walk) as an addition to that list."""
        if frame.scope is self.scopes.module or name in frame.env:
            return False
        current = self.module_env.get(name)
        if not isinstance(current, Seq | Sum):
            return False
        if not self.grown:
            self.growth_base.setdefault(name, current)
            self.growth.setdefault(name, []).append(added)
        return True

    # ---- statements ---------------------------------------------------------------------

    def walk_body(self, body: list[ast.stmt], frame: _Frame) -> None:
        """The statements in order; after `if test: continue` (or `break`), the rest of the
        block runs only where the test is false: registrations there are made under its
        negation, and not at all for an unrolled item the test holds for."""
        skipping = 0
        for statement in body:
            self.walk_statement(statement, frame)
            if not _skips_rest(statement):
                continue
            assert isinstance(statement, ast.If)
            decided = self.unrolled_truth(statement.test, frame)
            if decided is True:
                break
            if decided is None:
                test = self.value(statement.test, frame.env)
                frame.branch_tests.append(UNKNOWN if isinstance(test, Unknown) else Negation(test))
                skipping += 1
        if skipping:
            del frame.branch_tests[-skipping:]

    def unrolled_truth(self, test: ast.expr, frame: _Frame) -> bool | None:
        """Whether a test on an unrolled loop's variable still bound to its literal item
        (`if is_management:` in `for prefix, is_management in ((..., True), ...)`) holds;
        None for any other test (a module constant such as `DEBUG` is not decided here)."""
        tested, negated = _negated(test)
        if not isinstance(tested, ast.Name) or tested.id not in frame.unrolled:
            return None
        value = frame.env.get(tested.id)
        if value is not frame.unrolled[tested.id] or not isinstance(value, Lit):
            return None
        return bool(value.value) != negated

    def walk_statement(self, node: ast.stmt, frame: _Frame) -> None:
        match node:  # the commonest statements first
            case ast.Expr(value=value):
                self.collect_calls(value, frame, statement=True)
                self.grow_list(value, frame)
            case ast.Assign(targets=targets, value=value):
                self.collect_calls(value, frame, statement=True)
                bound = self.value(value, frame.env)
                for target in targets:
                    self.bind(target, bound, frame)
                if isinstance(value, ast.Call) and value in frame.partials_made:
                    for target in targets:
                        if isinstance(target, ast.Name):
                            frame.partial_names[target.id] = (value, frame.env.get(target.id))
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.walk_function(node, frame)
            case ast.ClassDef():
                self.walk_class(node, frame)
            case ast.Import():
                self.walk_import(node, frame)
            case ast.ImportFrom():
                self.walk_import_from(node, frame)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self.collect_calls(value, frame, statement=True)
                self.bind(target, self.value(value, frame.env), frame)
            case ast.AugAssign(target=ast.Name(id=name), op=ast.Add(), value=value):
                self.collect_calls(value, frame)
                added = self.value(value, frame.env)
                if self.grow_global(name, added, frame):
                    return
                current = frame.env.get(name)
                if current is not None and (_stringish(added) or _stringish(current)):
                    grown: Value | None = _concatenate(current, added)  # `prefix += "/manage"`
                else:
                    grown = _grown(current, added)
                frame.env[name] = UNKNOWN if grown is None else self.sizes.bounded(grown)
            case ast.AugAssign(target=target, value=value):
                self.collect_calls(value, frame)
                self.bind(target, UNKNOWN, frame)
            case ast.Return(value=value) if value is not None:
                self.collect_calls(value, frame, statement=True)
                self.record_return(self.value(value, frame.env), frame)
            case ast.For() | ast.AsyncFor():
                self.walk_for(node, frame)
            case ast.If():
                self.collect_calls(node.test, frame)
                decided = self.unrolled_truth(node.test, frame)
                if decided is None:
                    self.walk_if(node, frame)
                else:  # only the branch this item takes runs
                    self.walk_body(node.body if decided else node.orelse, frame)
            case ast.While(test=test, body=body, orelse=orelse):
                self.collect_calls(test, frame)
                self.walk_body(body, frame)
                self.walk_body(orelse, frame)
            case ast.With() | ast.AsyncWith():
                entered = len(frame.managers)
                for item in node.items:
                    self.collect_calls(item.context_expr, frame)
                    frame.managers.append(self.value(item.context_expr, frame.env))
                    if item.optional_vars is not None:
                        self.bind(item.optional_vars, self.entered(item, frame), frame)
                self.walk_body(node.body, frame)
                del frame.managers[entered:]
            case ast.Try() | ast.TryStar():
                self.walk_body(node.body, frame)
                tried = dict(frame.env)
                for handler in node.handlers:
                    if handler.name:
                        frame.env[handler.name] = UNKNOWN
                    self.walk_body(handler.body, frame)
                for name, kept in tried.items():  # `except ImportError: bp = None` is a fallback
                    if _informative(kept) and isinstance(frame.env.get(name), Lit | Unknown):
                        frame.env[name] = kept
                self.walk_body(node.orelse, frame)
                self.walk_body(node.finalbody, frame)
            case ast.Match(subject=subject, cases=cases):
                self.collect_calls(subject, frame)
                for case in cases:
                    for name in _pattern_names(case.pattern):
                        frame.env[name] = UNKNOWN
                    self.walk_body(case.body, frame)
            case ast.Raise(exc=exc) if exc is not None:
                self.collect_calls(exc, frame)
            case ast.Assert(test=test):
                self.collect_calls(test, frame)

    def walk_if(self, node: ast.If, frame: _Frame) -> None:
        """Both branches in turn. Under a test on a parameter (`if not blueprints: blueprints =
        DEFAULTS else: blueprints = blueprints + DEFAULTS`) each branch starts from the names
        as they were, and a name they bind differently becomes a `Choice` on the test, which a
        call site binding the parameter decides. So under a test on a name an import binds
        (`if Swagger:` after `try: from flasgger import Swagger` / `except ImportError:
        Swagger = None`): the import is taken to work, the resolver choosing its branch. Under
        other tests a name both branches bind differently (`if kind == "a": f = make_a` /
        `else: f = make_b`) becomes a `Choice` marked `either` (each may run); otherwise the
        later binding stays."""
        tested, negated = _negated(node.test)
        if not negated and (tested_name := _none_tested(tested)) is not None:
            tested, negated = tested_name  # `if resolvers is None: resolvers = []`: `if not ...`
        test = self.tested(tested, frame.env)
        # `if TYPE_CHECKING:` is false when the code runs: its later (`else`) binding stays
        type_checking = _names_type_checking(test)
        decided = _decided(test)
        # a test on a loop's item (`if info["url"]:`) decides the items set under it
        per_item = not decided and _reads_loop_variable(test)
        before = (
            dict(frame.env) if decided or per_item or (node.orelse and not type_checking) else None
        )
        attrs = self.instance_attrs(frame) if decided and node.orelse else None
        attrs_before = None if attrs is None else dict(attrs)
        written_test = self.value(node.test, frame.env)
        frame.tests.append(written_test)
        frame.branch_tests.append(written_test)
        self.walk_body(node.body, frame)
        frame.tests[-1] = UNKNOWN
        frame.branch_tests[-1] = (
            UNKNOWN if isinstance(written_test, Unknown) else Negation(written_test)
        )
        enclosing_else = frame.else_of
        frame.else_of = written_test if len(frame.tests) == 1 else None
        if before is None:
            self.walk_body(node.orelse, frame)
            frame.tests.pop()
            frame.branch_tests.pop()
            frame.else_of = enclosing_else
            return
        then_env = dict(frame.env)
        frame.env.clear()
        frame.env.update(before)
        then_attrs = None
        if attrs is not None and attrs_before is not None:
            then_attrs = dict(attrs)
            attrs.clear()
            attrs.update(attrs_before)
        self.walk_body(node.orelse, frame)
        frame.tests.pop()
        frame.branch_tests.pop()
        frame.else_of = enclosing_else
        if attrs is not None and attrs_before is not None and then_attrs is not None:
            # `self.x` set in both branches of a test on a parameter: a `Choice` as for names
            for name, then in then_attrs.items():
                otherwise = attrs.get(name)
                if otherwise is None or otherwise == attrs_before.get(name):
                    attrs[name] = then
                elif then != otherwise and then != attrs_before.get(name):
                    branches = (otherwise, then) if negated else (then, otherwise)
                    attrs[name] = self.sizes.bounded(Choice(test, *branches))
        for name, then in then_env.items():
            otherwise = frame.env.get(name)
            if otherwise is None and (decided or per_item) and name in frame.items_before:
                # `if not info["url"].startswith("/"): info["url"] = "/" + info["url"]`
                kept = frame.items_before[name]
                branches = (kept, then) if negated else (then, kept)
                frame.env[name] = self.sizes.bounded(Choice(test, *branches))
                continue
            if otherwise is None:
                frame.env[name] = then
            elif then is otherwise or then == otherwise:
                continue
            elif decided:
                branches = (otherwise, then) if negated else (then, otherwise)
                frame.env[name] = self.sizes.bounded(Choice(test, *branches))
            elif name in before and otherwise == before[name]:
                frame.env[name] = then  # bound in the `if` only: the later binding stays
            elif (name not in before or then != before[name]) and _small(then, otherwise):
                branches = (otherwise, then) if negated else (then, otherwise)
                frame.env[name] = Choice(test, *branches, either=True)

    def instance_attrs(self, frame: _Frame) -> dict[str, Value] | None:
        """The `self.x = ...` values of the class whose method this frame walks, if any."""
        for value in frame.env.values():
            if isinstance(value, SelfOf) and value.class_qualname in self.classes:
                return self.classes[value.class_qualname].instance_attrs
        return None

    def grow_list(self, call: ast.expr, frame: _Frame) -> None:
        """`name.append(x)` or `name.extend([...])` on a list written out here."""
        match call:
            case ast.Call(
                func=ast.Attribute(value=ast.Name(id=name), attr="append" | "extend" as method),
                args=[argument],
                keywords=[],
            ):
                added = self.value(argument, frame.env)
                if method == "append":
                    added = Seq((added,))
                if self.grow_global(name, added, frame):
                    return
                outer = frame.bound_loops.get(name, 0)
                if len(frame.loops) > outer and name in frame.env:
                    added = _looped(added, frame, outer)
                grown = _grown(frame.env.get(name), added)
                if grown is not None:
                    frame.env[name] = self.sizes.bounded(grown)

    def record_return(self, returned: Value, frame: _Frame) -> None:
        """The first informative return; `if test: return a` then `return b` (or `else:
        return b`) is a `Choice`."""
        if frame.returns is not None or isinstance(returned, Unknown | LoopVar):
            return
        if frame.tests:
            if frame.guarded is None and len(frame.tests) == 1:
                frame.guarded = (frame.tests[0], returned)
            elif isinstance(returned, Lit):
                return
            elif frame.guarded is not None and frame.else_of is frame.guarded[0]:
                frame.returns = Choice(frame.guarded[0], frame.guarded[1], returned)
            else:
                frame.returns = returned
        elif frame.guarded is not None:
            frame.returns = Choice(frame.guarded[0], frame.guarded[1], returned)
        elif not isinstance(returned, Lit):
            frame.returns = returned

    def walk_for(self, node: ast.For | ast.AsyncFor, frame: _Frame) -> None:
        """Unroll a loop over items written out here; otherwise walk the body once with the
        loop variables symbolic, so registrations in it are unrolled once resolved."""
        self.collect_calls(node.iter, frame)
        items = self.literal_items(node.iter, frame.env)
        if items is not None and len(items) <= MAX_UNROLL:
            names = [n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)]
            for item in items:
                self.bind(node.target, item, frame)
                frame.unrolled.update(
                    {name: frame.env[name] for name in names if name in frame.env}
                )
                self.walk_body(node.body, frame)
        else:
            iterable = self.value(node.iter, frame.env)
            target = _loop_target(node.target)
            if isinstance(iterable, Unknown) or isinstance(target, Unknown):
                self.bind(node.target, UNKNOWN, frame)
                self.walk_body(node.body, frame)
            else:
                self.bind(node.target, target, frame)
                frame.loops.append(LoopFact(target, iterable))
                frame.loop_tests.append(len(frame.tests))
                self.walk_body(node.body, frame)
                frame.loops.pop()
                frame.loop_tests.pop()
        self.walk_body(node.orelse, frame)

    def literal_items(self, iterable: ast.expr, env: dict[str, Value]) -> tuple[Value, ...] | None:
        """The elements a `for` iterates over, when they are written out in the source."""
        if (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Attribute)
            and iterable.func.attr == "items"
            and not iterable.args
        ):
            mapping = self.value(iterable.func.value, env)
            if isinstance(mapping, Pairs):
                return tuple(Seq((k, v)) for k, v in mapping.items)
            return None
        value = self.value(iterable, env)
        if isinstance(value, Ref) and value.dotted in self.module_env:
            value = self.module_env[value.dotted]
        if isinstance(value, Seq):
            return value.items
        if isinstance(value, Pairs):
            return tuple(k for k, _ in value.items)
        return None

    def bind(self, target: ast.expr, value: Value, frame: _Frame) -> None:
        match target:
            case ast.Name(id=name):  # a value built from names may double on each line
                frame.env[name] = self.sizes.bounded(value)
                frame.bound_loops[name] = len(frame.loops)
                if name in frame.keyed:  # a new object: the items set on the old one are gone
                    frame.keyed.discard(name)
                    for stale in [key for key in frame.env if key.startswith(f"{name}[")]:
                        del frame.env[stale]
            case ast.Subscript(
                value=ast.Name(id=owner), slice=ast.Constant(value=str() | int()) as key
            ) if frame.scope is not self.scopes.module:
                # `store["config"] = Config()` in a function: `store["config"]` read later in it
                # is that value (a cache or registry filled and read back under a constant key)
                name = _item_name(owner, key)
                if name not in frame.env:
                    read = Item(self.value(ast.Name(owner), frame.env), self.value(key, frame.env))
                    frame.items_before.setdefault(name, read)
                frame.env[name] = value
                frame.keyed.add(owner)
            case ast.Tuple(elts=elements) | ast.List(elts=elements):
                if isinstance(value, Seq) and len(value.items) == len(elements):
                    for element, item in zip(elements, value.items, strict=True):
                        self.bind(element, item, frame)
                elif isinstance(value, CallOf) and not any(
                    isinstance(element, ast.Starred) for element in elements
                ):  # `id_url, url = cls.get_node_urls()`, `method, _, name = f.partition("_")`:
                    # the items of what the call returns
                    for index, element in enumerate(elements):
                        self.bind(element, Item(value, Lit(index)), frame)
                else:
                    for element in elements:
                        self.bind(element, UNKNOWN, frame)
            case ast.Starred(value=inner):
                self.bind(inner, UNKNOWN, frame)
            case ast.Subscript(value=ast.Attribute(attr="config") as config, slice=key):
                # `app.config["X"] = value`: kept as the call it is, `__setitem__`
                func = attribute_of(self.value(config, frame.env), "__setitem__")
                args = (self.value(key, frame.env), value)
                frame.calls.add(CallFact(func, target.lineno, args, loops=tuple(frame.loops)))
            case ast.Attribute(value=ast.Name(id=owner), attr=attr):
                holder = frame.env.get(owner)
                if isinstance(holder, SelfOf) and holder.class_qualname in self.classes:
                    known = self.classes[holder.class_qualname].instance_attrs
                    if not _informative(known.get(attr)):
                        known[attr] = value
                elif isinstance(value, SelfOf) and holder is not None:
                    # an object putting itself on another (`app.appbuilder = self`): kept as the
                    # call it amounts to, `setattr(app, "appbuilder", self)`
                    put = CallFact(Ref("setattr"), target.lineno, (holder, Lit(attr), value))
                    frame.calls.add(put)
                elif attr == "__name__" and isinstance(holder, Local):
                    # a function renamed after another (`wrapper.__name__ = view.__name__`, as
                    # `functools.wraps` does): kept as `setattr(wrapper, "__name__", ...)`
                    put = CallFact(Ref("setattr"), target.lineno, (holder, Lit(attr), value))
                    frame.calls.add(put)

    def walk_import(self, node: ast.Import, frame: _Frame) -> None:
        for alias in node.names:
            self.imports.append(ImportFact(alias.name, node.lineno))
            if alias.asname:
                frame.env[alias.asname] = ModuleRef(alias.name)
            else:
                head = alias.name.split(".")[0]
                frame.env[head] = ModuleRef(head)

    def walk_import_from(self, node: ast.ImportFrom, frame: _Frame) -> None:
        source = absolute_import(self.module, self.is_package, node.level, node.module)
        if source is None:
            self.diagnostics.append(
                Diagnostic(
                    self.path,
                    node.lineno,
                    "unresolved-import",
                    f"relative import {'.' * node.level}{node.module or ''} climbs above the "
                    f"top-level package of {self.module}",
                )
            )
            for alias in node.names:
                frame.env[alias.asname or alias.name] = UNKNOWN
            return
        names = tuple(alias.name for alias in node.names)
        self.imports.append(ImportFact(source, node.lineno, names))
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append(source)
            else:
                frame.env[alias.asname or alias.name] = Imported(source, alias.name)

    # ---- definitions --------------------------------------------------------------------

    def walk_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        frame: _Frame,
        enclosing: _Frame | None = None,
    ) -> None:
        """Walk a function defined in `frame` (its decorators and defaults are read there);
        its body sees the names of `enclosing` (a method's: the class's scope, not the class
        body's), `frame` when not given."""
        scope = self.scopes.functions[node]
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.collect_calls(default, frame)
        decorators = self.decorators(node, frame, Local(scope.qualname))
        if scope.class_qualname is None:
            frame.env[node.name] = Local(scope.qualname)
        outer = frame if enclosing is None else enclosing
        inner = _Frame(scope, env={} if outer.scope is self.scopes.module else dict(outer.env))
        if inner.env:  # a closure sees the items set so far, and drops them as its outer does
            inner.keyed = set(outer.keyed)
        top_level = not inner.env  # not a closure: its names are its own or its module's
        params = self.params(node, frame, inner)
        procedure = procedure_of(node, inner.env) if top_level and scope.holds_for else ()
        attribute_sets = self.walk_function_body(node, inner)
        constant = _constant_returned(node)
        if constant is not None:  # `def has_static_folder(self): return False`
            inner.returns = self.value(constant, inner.env)
        returned_class = None if node.returns is None else self.annotated(node.returns, frame)
        self.finish_function(
            inner, node.lineno, params, decorators, returned_class, procedure, attribute_sets
        )

    def walk_function_body(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, frame: _Frame
    ) -> tuple[AttributeSet, ...]:
        """Walk the body; for a method, return the `self.<name> = value` it makes."""
        receiver = frame.scope.receiver
        if receiver is None or not isinstance(frame.env.get(receiver), SelfOf):
            self.walk_body(node.body, frame)
            return ()
        yielded_at = yield_index(node.body)
        found: list[AttributeSet] = []
        top: set[int] = set()
        saved: dict[str, tuple[str, Value]] = {}  # local -> (attribute, the local's value)
        for index, statement in enumerate(node.body):
            assigned = top_level_set(statement, receiver)
            if assigned is not None:
                name, written = assigned
                where = place(index, yielded_at)
                value = UNKNOWN if where == "nested" else self.value(written, frame.env)
                kept = saved.get(written.id) if isinstance(written, ast.Name) else None
                restores = (
                    kept is not None
                    and kept[0] == name
                    and isinstance(written, ast.Name)
                    and frame.env.get(written.id) is kept[1]
                )
                found.append(AttributeSet(name, value, where, restores))
                top.add(id(statement))
            self.walk_statement(statement, frame)
            saving = saved_attribute(statement, receiver)
            if saving is not None and all(s.name != saving[1] for s in found):
                saved[saving[0]] = (saving[1], frame.env[saving[0]])
        nested = nested_sets(node.body, receiver, top)
        found += [AttributeSet(name, UNKNOWN, "nested") for name in nested]
        return tuple(found)

    def finish_function(
        self,
        frame: _Frame,
        line: int,
        params: tuple[ParamFact, ...],
        decorators: tuple[Value, ...],
        returned_class: Value | None = None,
        procedure: tuple[Step, ...] = (),
        attribute_sets: tuple[AttributeSet, ...] = (),
    ) -> None:
        scope = frame.scope
        if scope.qualname in self.functions:
            return  # a def unrolled by a loop: keep the first
        # nested functions that were walked (not those in a loop over no items), once each
        nested = (f.qualname for f in scope.nested if f.qualname in self.functions)
        self.functions[scope.qualname] = FunctionFact(
            qualname=scope.qualname,
            line=line,
            class_qualname=scope.class_qualname,
            params=params,
            calls=tuple(frame.calls.made),
            returns=frame.returns if frame.returns is not None else _guarded_value(frame),
            decorators=decorators,
            nested=tuple(dict.fromkeys(nested)),
            returned_class=returned_class,
            procedure=procedure,
            attribute_sets=attribute_sets,
        )

    def params(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, outer: _Frame, inner: _Frame
    ) -> tuple[ParamFact, ...]:
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += arguments.defaults
        facts: list[ParamFact] = []
        method_of, receiver = inner.scope.class_qualname, inner.scope.receiver
        if method_of is not None:
            inner.env["super"] = SuperOf(method_of)
            if receiver is not None:
                receives_class = has_decorator(node, "classmethod")
                inner.env[receiver] = ClassOf(method_of) if receives_class else SelfOf(method_of)
                positional, defaults = positional[1:], defaults[1:]
        for arg, default in zip(positional, defaults, strict=True):
            facts.append(self.param_fact(arg, "positional", default, outer))
            inner.env[arg.arg] = Param(arg.arg)
        for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
            facts.append(self.param_fact(arg, "keyword", kw_default, outer))
            inner.env[arg.arg] = Param(arg.arg)
        if arguments.vararg is not None:
            facts.append(ParamFact(arguments.vararg.arg, "varargs"))
            inner.env[arguments.vararg.arg] = Param(arguments.vararg.arg)
        if arguments.kwarg is not None:
            facts.append(ParamFact(arguments.kwarg.arg, "varkw"))
            inner.env[arguments.kwarg.arg] = Param(arguments.kwarg.arg)
        return tuple(facts)

    def param_fact(
        self, arg: ast.arg, kind: str, default: ast.expr | None, outer: _Frame
    ) -> ParamFact:
        return ParamFact(
            arg.arg,
            "keyword" if kind == "keyword" else "positional",
            None if default is None else self.value(default, outer.env),
            None if arg.annotation is None else self.annotated(arg.annotation, outer),
        )

    def annotated(self, annotation: ast.expr, outer: _Frame) -> Value | None:
        """The one class an annotation names (`User`, `"User"`, `User | None`,
        `Optional[User]`), as a name, or None."""
        named = annotated_class(annotation)
        found = None if named is None else self.value(named, outer.env)
        return found if isinstance(found, Ref | Imported | Local) else None

    def walk_class(self, node: ast.ClassDef, frame: _Frame) -> None:
        qualname = self.scopes.class_qualnames[node]
        for base in node.bases:
            self.collect_calls(base, frame)
        builder = _ClassBuilder(
            qualname, node.lineno, tuple(self.value(base, frame.env) for base in node.bases)
        )
        self.classes.setdefault(qualname, builder)
        builder = self.classes[qualname]
        self.decorators(node, frame, Local(qualname))
        frame.env[node.name] = Local(qualname)
        # class-level names are visible in the class body only
        body = _Frame(frame.scope, env=dict(frame.env), calls=frame.calls)
        for statement in class_statements(node):
            match statement:
                case ast.FunctionDef() | ast.AsyncFunctionDef():
                    builder.methods.append(statement.name)
                    self.walk_function(statement, body, enclosing=frame)
                    # the body's later lines see it (`get = by_id`), its methods do not
                    body.env[statement.name] = Local(self.scopes.functions[statement].qualname)
                case ast.ClassDef():
                    self.walk_class(statement, body)
                case ast.Assign(targets=targets, value=value):
                    self.collect_calls(value, body)
                    for target in targets:
                        if isinstance(target, ast.Name):
                            bound = self.value(value, body.env)
                            builder.class_attrs[target.id] = body.env[target.id] = bound
                case ast.AnnAssign(target=ast.Name(id=name), value=value):
                    if value is None:  # a declared field (dataclass, ORM): exists, value unknown
                        builder.class_attrs.setdefault(name, UNKNOWN)
                    else:
                        self.collect_calls(value, body)
                        bound = self.value(value, body.env)
                        builder.class_attrs[name] = body.env[name] = bound
        frame.env[node.name] = Local(qualname)

    def decorators(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        frame: _Frame,
        view: Value,
    ) -> tuple[Value, ...]:
        """Record registrations made by decorators; return the other decorators."""
        others: list[Value] = []
        for decorator in node.decorator_list:
            self.collect_calls(decorator, frame, skip_top=True)
            registration = self.decorator_registration(decorator, frame, view)
            if registration is not None:
                self.registrations.append(registration)
            else:
                others.append(self.value(decorator, frame.env))
        return tuple(others)

    def decorator_registration(
        self, decorator: ast.expr, frame: _Frame, view: Value
    ) -> RegistrationFact | None:
        if isinstance(decorator, ast.Attribute) and decorator.attr in HOOK_NAMES:
            return RegistrationFact(
                "hook",
                decorator.attr,
                frame.scope.qualname,
                self.value(decorator.value, frame.env),
                decorator.lineno,
                view=view,
            )
        if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
            return None
        attr = decorator.func.attr
        kind: RegistrationKind
        if attr in ROUTE_DECORATORS:
            kind = "route"
        elif attr == "resource":
            kind = "resource"
        elif attr == "endpoint":
            kind = "endpoint"
        elif attr in HOOK_NAMES:
            kind = "hook"
        else:
            return None
        args, kwargs = self.arguments(decorator, frame.env)
        return RegistrationFact(
            kind,
            attr,
            frame.scope.qualname,
            self.value(decorator.func.value, frame.env),
            decorator.lineno,
            args,
            kwargs,
            view,
            tuple(frame.loops),
            _tests(frame),
            tuple(frame.managers),
        )

    # ---- calls --------------------------------------------------------------------------

    def collect_calls(
        self, expr: ast.expr, frame: _Frame, *, statement: bool = False, skip_top: bool = False
    ) -> None:
        if type(expr) not in BRANCHES:  # a name or a constant: no call in it
            return
        calls, inner_names, walrus_names = _calls_in(expr)
        for name in walrus_names:  # `:=` binds in the enclosing function
            frame.env[name] = UNKNOWN
        env = frame.env
        if inner_names:  # comprehension and lambda names: not the enclosing scope's
            env = {**frame.env, **dict.fromkeys(inner_names, UNKNOWN)}
        for node in calls:
            if skip_top and node is expr:
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                kind = CALL_REGISTRATIONS.get(func.attr)
                if kind is None and func.attr in HOOK_NAMES and len(node.args) == 1:
                    kind = "hook"
                if kind is not None:
                    self.registration_call(node, func, kind, frame, env)
            elif isinstance(func, ast.Name) and func.id in _BUILTIN_NAMES and func.id not in env:
                continue
            elif (
                isinstance(func, ast.Call)
                and isinstance(func.func, ast.Attribute)
                and func.func.attr in DECORATORS_CALLED_BY_HAND
                and node.args
            ):  # app.route("/x")(view)
                self.route_call(node, func, func.func, frame, env)
            callee = self.value(func, env)
            if self.partial_used(node, callee, frame, env):
                continue
            whole = statement and node is expr
            if _unknown_root(callee) and not (whole and frame.loops and _loop_rooted(callee)):
                continue  # kept: `plugin.register(app)` in a loop, resolved per item
            if whole:
                args, kwargs = self.arguments(node, env)
                frame.calls.add(CallFact(callee, node.lineno, args, kwargs, tuple(frame.loops)))
            else:
                unkept = (
                    *(
                        "*" if isinstance(a, ast.Starred) else str(i)
                        for i, a in enumerate(node.args)
                    ),
                    *(k.arg or "**" for k in node.keywords),
                )
                frame.calls.add(CallFact(callee, node.lineno, unkept=unkept))

    def partial_used(
        self, node: ast.Call, callee: Value, frame: _Frame, env: dict[str, Value]
    ) -> bool:
        """Read `functools.partial(f, ...)` as the call of `f` it stands for, and a call of a
        name bound to such a partial as `f`'s call with both sets of arguments (the one read
        where the partial was built withdrawn); False for any other call."""
        if names_partial(callee, self.module_env):
            call = partial_call(node)
            if call is not None:
                frame.partials_made[node] = self.whole_call(call, frame, env)
            return True
        if not isinstance(node.func, ast.Name) or node.func.id not in frame.partial_names:
            return False
        made, bound = frame.partial_names[node.func.id]
        if env.get(node.func.id) is not bound:
            return False  # the name was bound again
        call = partial_call(made, node)
        if call is None:
            return False
        for fact in frame.partials_made.pop(made, []):
            if isinstance(fact, CallFact):
                frame.calls.discard(fact)
            else:
                self.registrations.remove(fact)
        self.whole_call(call, frame, env)
        return True

    def whole_call(
        self, node: ast.Call, frame: _Frame, env: dict[str, Value]
    ) -> list[RegistrationFact | CallFact]:
        """Record a call made as a statement of its own (a registration, or a call with its
        arguments); return the facts recorded."""
        func = node.func
        if isinstance(func, ast.Attribute) and (kind := CALL_REGISTRATIONS.get(func.attr)):
            self.registration_call(node, func, kind, frame, env)
            return [self.registrations[-1]]
        callee = self.value(func, env)
        if _unknown_root(callee):
            return []
        args, kwargs = self.arguments(node, env)
        fact = CallFact(callee, node.lineno, args, kwargs, tuple(frame.loops))
        frame.calls.add(fact)
        return [fact]

    def route_call(
        self,
        node: ast.Call,
        decorator: ast.Call,
        method: ast.Attribute,
        frame: _Frame,
        env: dict[str, Value],
    ) -> None:
        """`target.route(rule, ...)(view)`: a decorator applied by hand."""
        args, kwargs = self.arguments(decorator, env)
        self.registrations.append(
            RegistrationFact(
                "resource" if method.attr == "resource" else "route",
                method.attr,
                frame.scope.qualname,
                self.value(method.value, env),
                node.lineno,
                args,
                kwargs,
                self.value(node.args[0], env),
                tuple(frame.loops),
                _tests(frame),
                tuple(frame.managers),
            )
        )

    def registration_call(
        self,
        node: ast.Call,
        func: ast.Attribute,
        kind: RegistrationKind,
        frame: _Frame,
        env: dict[str, Value],
    ) -> None:
        args, kwargs = self.arguments(node, env)
        view = args[0] if kind == "hook" else None
        self.registrations.append(
            RegistrationFact(
                kind,
                func.attr,
                frame.scope.qualname,
                self.value(func.value, env),
                node.lineno,
                args,
                kwargs,
                view,
                tuple(frame.loops),
                _tests(frame),
                tuple(frame.managers),
            )
        )

    def arguments(
        self, node: ast.Call, env: dict[str, Value]
    ) -> tuple[tuple[Value, ...], tuple[tuple[str, Value], ...]]:
        args: list[Value] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                spread = self.value(arg.value, env)
                if isinstance(spread, Unknown):
                    args.append(UNKNOWN)
                    break
                args.extend(spread.items if isinstance(spread, Seq) else [Spread(spread)])
            else:
                args.append(self.value(arg, env))
        kwargs: list[tuple[str, Value]] = []
        for keyword in node.keywords:
            if keyword.arg is not None:
                kwargs.append((keyword.arg, self.value(keyword.value, env)))
            else:
                spread = self.value(keyword.value, env)
                if isinstance(spread, Pairs):
                    kwargs.extend(
                        (key.value, item)
                        for key, item in spread.items
                        if isinstance(key, Lit) and isinstance(key.value, str)
                    )
                elif not isinstance(spread, Unknown):
                    kwargs.append((SPREAD_KEYWORDS, Spread(spread)))
        return tuple(args), tuple(kwargs)

    # ---- expressions --------------------------------------------------------------------

    def entered(self, item: ast.withitem, frame: _Frame) -> Value:
        """What `with expr as name` binds: an opened file is `expr` itself (its `__enter__`
        returns it; connexion specs are read as `with open(path) as f: safe_load(f)`), anything
        else is unknown."""
        match item.context_expr:
            case ast.Call(func=ast.Name("open") | ast.Attribute(attr="open")):
                return self.value(item.context_expr, frame.env)
        return UNKNOWN

    def value(self, expr: ast.expr, env: dict[str, Value]) -> Value:
        """What `expr` denotes, with locals known at this point substituted."""
        # the commonest nodes first, without the `match` below: this runs on every one
        if isinstance(expr, ast.Name):
            found = env.get(expr.id)
            if found is None:  # a global: a list functions grow is known with their items
                found = self.grown.get(expr.id)
            if found is None:  # a name as written: one `Ref` per name, as the cache reads back
                found = self.refs.get(expr.id)
                if found is None:
                    found = self.refs[expr.id] = Ref(expr.id)
            return found
        if isinstance(expr, ast.Attribute):
            return attribute_of(self.value(expr.value, env), expr.attr)
        match expr:
            case ast.Constant(value=constant):
                if constant is None or isinstance(constant, str | int | float | bool):
                    return Lit(constant)
                return UNKNOWN
            case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=int() | float() as number)):
                return UNKNOWN if isinstance(number, bool) else Lit(-number)  # `parts[-1]`
            case ast.Call(func=func):
                args, kwargs = self.arguments(expr, env)
                return CallOf(self.value(func, env), args, kwargs, expr.lineno)
            case ast.List(elts=elements) | ast.Tuple(elts=elements) | ast.Set(elts=elements):
                if len(elements) > MAX_SEQ_ITEMS:
                    return UNKNOWN
                items: list[Value] = []
                for element in elements:
                    if isinstance(element, ast.Starred):
                        spread = self.value(element.value, env)
                        if not isinstance(spread, Seq):
                            return UNKNOWN
                        items.extend(spread.items)
                    else:
                        items.append(self.value(element, env))
                return Seq(tuple(items))
            case ast.Dict(keys=keys, values=values):
                if len(keys) > MAX_SEQ_ITEMS or any(key is None for key in keys):
                    return UNKNOWN
                return Pairs(
                    tuple(
                        (self.value(key, env), self.value(item, env))
                        for key, item in zip(keys, values, strict=True)
                        if key is not None
                    )
                )
            case (
                ast.ListComp(elt=element, generators=[generator])
                | ast.SetComp(elt=element, generators=[generator])
                | ast.GeneratorExp(elt=element, generators=[generator])
            ):
                return self.comprehension(element, generator, env)
            case ast.JoinedStr(values=parts):
                return Joined(tuple(self.formatted_part(part, env) for part in parts))
            case ast.BinOp(left=left, op=ast.Add(), right=right):
                return _concatenate(self.value(left, env), self.value(right, env))
            case ast.BinOp(left=left, op=ast.BitOr(), right=right):
                return _united(self.value(left, env), self.value(right, env))
            case ast.BinOp(left=left, op=ast.Div(), right=right):
                return _divided(self.value(left, env), self.value(right, env))
            case ast.BinOp(left=ast.Constant(value=str() as template), op=ast.Mod(), right=right):
                return self.percent_formatted(template, right, env)
            case ast.BoolOp(
                op=ast.Or(), values=[ast.BoolOp(op=ast.And(), values=[test, then]), otherwise]
            ):  # `test and then or otherwise`: `then` when `test` holds, if `then` is never false
                chosen = self.value(then, env)
                if not _stringish(chosen) or chosen == Lit(""):
                    return UNKNOWN
                return Choice(self.value(test, env), chosen, self.value(otherwise, env))
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return self.conditional(test, body, orelse, env)
            case ast.Compare(left=left, ops=[op], comparators=[right]):
                # decided where both sides are known (`if kind == "category":` in a loop over
                # kinds): the resolver picks the branch per item
                return Compare(
                    self.value(left, env), COMPARISON_OPERATORS[type(op)], self.value(right, env)
                )
            case ast.Subscript(value=ast.Name(id=owner), slice=ast.Constant() as key) if (
                _item_name(owner, key) in env
            ):
                return env[_item_name(owner, key)]
            case ast.Subscript(value=base, slice=key) if not isinstance(key, ast.Slice):
                return Item(self.value(base, env), self.value(key, env))
            case ast.Subscript(value=base, slice=ast.Slice(lower=lower, upper=upper, step=None)):
                bounds = [Lit(None) if b is None else self.value(b, env) for b in (lower, upper)]
                return Sliced(self.value(base, env), *bounds)
        return UNKNOWN

    def tested(self, test: ast.expr, env: dict[str, Value]) -> Value:
        """An `if` statement's test: `a and b` is `b if a else a`, `not a` a `Negation`."""
        match test:
            case ast.BoolOp(op=ast.And(), values=[first, *rest]) if rest:
                then = self.tested(ast.BoolOp(ast.And(), rest) if len(rest) > 1 else rest[0], env)
                checked = self.tested(first, env)
                return UNKNOWN if isinstance(checked, Unknown) else Choice(checked, then, checked)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                negated = self.tested(operand, env)
                return UNKNOWN if isinstance(negated, Unknown) else Negation(negated)
        return self.value(test, env)

    def conditional(
        self, test: ast.expr, body: ast.expr, orelse: ast.expr, env: dict[str, Value]
    ) -> Value:
        """`a if c else b`: the value when both arms agree or one of them is just None (the
        object an access goes through: `user.resolver if user else None`); otherwise, under a
        test on a parameter or an imported name, a `Choice` on the test, as for a name an `if`
        statement binds in both branches (a call site binding the parameter decides:
        faraday's `'/_api' if not testing else ''`)."""
        first, second = self.value(body, env), self.value(orelse, env)
        either = _either(first, second)
        if first == second or not isinstance(either, Unknown):
            return either
        tested, negated = _negated(test)
        decisive = self.value(tested, env)
        if _decided(decisive) or reads_loop_item(decisive):  # a loop item decides per item
            return Choice(decisive, *((second, first) if negated else (first, second)))
        return either

    def comprehension(
        self, element: ast.expr, generator: ast.comprehension, env: dict[str, Value]
    ) -> Value:
        """`[element for target in iterable]`, its target's names bound as `LoopVar`s."""
        target = _loop_target(generator.target)
        if generator.ifs or generator.is_async or isinstance(target, Unknown):
            return UNKNOWN
        names = [n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)]
        inner = {**env, **{name: LoopVar(name) for name in names}}
        iterable = self.value(generator.iter, env)
        return Comprehension(self.value(element, inner), target, iterable)

    def percent_formatted(self, template: str, given: ast.expr, env: dict[str, Value]) -> Value:
        """`"%s/" % suffix` (only `%s` placeholders, no `%%`) as the string it joins."""
        pieces = template.split("%s")
        if any("%" in piece for piece in pieces):
            return UNKNOWN
        values = given.elts if isinstance(given, ast.Tuple) else [given]
        if len(values) != len(pieces) - 1:
            return UNKNOWN
        parts: list[Value] = [Lit(pieces[0])]
        for value, piece in zip(values, pieces[1:], strict=True):
            parts += [self.value(value, env), Lit(piece)]
        return Joined(tuple(parts))

    def formatted_part(self, part: ast.expr, env: dict[str, Value]) -> Value:
        if isinstance(part, ast.FormattedValue):
            if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                return UNKNOWN
            return self.value(part.value, env)
        return self.value(part, env)


def _calls_in(expr: ast.expr) -> tuple[list[ast.Call], list[str], list[str]]:
    """Every call inside `expr` (outermost first), the names bound inside it by comprehensions
    and lambdas, and those bound by `:=` (a leaner `ast.walk`: this runs on every expression).
    """
    calls: list[ast.Call] = []
    bound: list[str] = []
    walrus: list[str] = []
    stack: list[ast.AST] = [expr]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if kind in _BINDING_EXPRESSIONS:
            _bound_in(node, bound, walrus)
        elif isinstance(node, ast.Call):
            calls.append(node)
        for name in CHILD_FIELDS[kind]:
            child: object = getattr(node, name, None)
            if type(child) is list:
                for item in child:
                    if type(item) in BRANCHES:
                        push(item)
            elif isinstance(child, ast.AST) and type(child) in BRANCHES:
                push(child)
    return calls, bound, walrus


def _bound_in(node: ast.AST, bound: list[str], walrus: list[str]) -> None:
    """The names a `:=`, a comprehension's `for` or a lambda's parameters bind."""
    if isinstance(node, ast.NamedExpr):
        if isinstance(node.target, ast.Name):
            walrus.append(node.target.id)
    elif isinstance(node, ast.comprehension):
        bound.extend(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    elif isinstance(node, ast.arguments):
        bound.extend(a.arg for a in (*node.posonlyargs, *node.args, *node.kwonlyargs))
        bound.extend(a.arg for a in (node.vararg, node.kwarg) if a is not None)


# the nodes inside an expression that bind names (see `_bound_in`)
_BINDING_EXPRESSIONS = frozenset({ast.NamedExpr, ast.comprehension, ast.arguments})


def _none_tested(test: ast.expr) -> tuple[ast.expr, bool] | None:
    """`name is None` / `name is not None`, a test of whether the name holds a value: the
    name, and whether the test is negated (`is None`, as `not name`)."""
    match test:
        case ast.Compare(
            left=ast.Name() as name,
            ops=[ast.Is() | ast.IsNot() as op],
            comparators=[ast.Constant(value=None)],
        ):
            return name, isinstance(op, ast.Is)
    return None


def _item_name(owner: str, key: ast.Constant) -> str:
    """The name under which a frame keeps `owner[key]` set under a constant key; never an
    identifier, so never a local's name."""
    return f"{owner}[{key.value!r}]"


def _concatenate(left: Value, right: Value) -> Value:
    if isinstance(left, Seq) and isinstance(right, Seq):
        return Seq(left.items + right.items)
    if _stringish(left) or _stringish(right):
        left_parts = left.parts if isinstance(left, Joined) else (left,)
        right_parts = right.parts if isinstance(right, Joined) else (right,)
        return Joined(left_parts + right_parts)
    if isinstance(left, Unknown) and isinstance(right, Unknown):
        return UNKNOWN
    return Sum(left, right)  # one side may be unknown: the other's items may still be known


def _divided(left: Value, right: Value) -> Value:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return UNKNOWN
    return Divided(left, right)


def _united(left: Value, right: Value) -> Value:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return UNKNOWN
    return SetUnion(left, right)


def _looped(added: Value, frame: _Frame, outer: int) -> Value:
    """What a list bound outside the loops entered since gets from `.append`/`.extend` in
    them (`added`, a `Seq` for `.append`): `added`'s items once per turn of those loops, as a
    comprehension over them; not known when an `if` inside them decides."""
    if len(frame.tests) > frame.loop_tests[outer]:
        return UNKNOWN
    built: Value = added
    for loop in reversed(frame.loops[outer:]):
        built = Comprehension(built, loop.target, loop.iterable, spliced=True)
    return built


def _grown(current: Value | None, added: Value) -> Value | None:
    """A list written out here, with more items (written out, or a sequence known only at run
    time: then its items written so far stay known)."""
    if not isinstance(current, Seq):
        return None
    if isinstance(added, Seq):
        return Seq(current.items + added.items)
    return Sum(current, added)


MAX_CHOICE_SIZE = 64  # parts of the values an `if`/`else` choice may hold (a loop growing a
# string in both branches would otherwise double it on each turn)


def _small(*values: Value) -> bool:
    """Whether the values have at most `MAX_CHOICE_SIZE` parts in all."""
    stack: list[object] = list(values)
    seen = 0
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
            continue
        seen += 1
        if seen > MAX_CHOICE_SIZE:
            return False
        fields = getattr(node, "__dataclass_fields__", None)
        if fields:
            stack.extend(getattr(node, f) for f in fields)
    return True


def _constant_returned(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    """The constant a function whose whole body (but a docstring) is `return <constant>`
    returns, else None."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    match body:
        case [ast.Return(value=ast.Constant() as constant)]:
            return constant
    return None


def _skips_rest(statement: ast.stmt) -> bool:
    """`if test: ... continue` (or `break`) without `else`."""
    return (
        isinstance(statement, ast.If)
        and not statement.orelse
        and isinstance(statement.body[-1], ast.Continue | ast.Break)
    )


def _negated(test: ast.expr) -> tuple[ast.expr, bool]:
    """`not x` as (`x`, True), any other test as (itself, False)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand, True
    return test, False


def _decided(test: Value) -> bool:
    """Whether a test's value is settled by the code around it: a parameter a call binds, or a
    name an import binds (taken to work), but not `TYPE_CHECKING`."""
    imported = isinstance(test, Imported) and not _names_type_checking(test)
    return mentions_param(test) or imported


def _reads_loop_variable(value: Value) -> bool:
    """Whether a value reads the variable of a loop over items known once resolved (each
    item decides a test on it: `if info["url"]:` in `for info in resources:`)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, LoopVar):
            return True
        stack.extend(parts_of(current))
    return False


def _names_type_checking(test: Value) -> bool:
    """`TYPE_CHECKING` / `typing.TYPE_CHECKING`: false when the code runs."""
    match test:
        case Imported(name="TYPE_CHECKING"):
            return True
        case Ref(dotted):
            return dotted == "TYPE_CHECKING" or dotted.endswith(".TYPE_CHECKING")
    return False


def _with_addition(current: Value, added: Value) -> Value:
    """A list with the items of `added` (a `Seq`) after its own; items that depend on a
    parameter or loop variable of the function adding them are not known."""
    if isinstance(added, Seq) and all(_self_contained(item) for item in added.items):
        if isinstance(current, Seq):
            return Seq(current.items + added.items)
        return Sum(current, added)
    if isinstance(current, Sum) and isinstance(current.right, Unknown):
        return current
    return Sum(current, UNKNOWN)


def _self_contained(value: Value) -> bool:
    """Whether a value means the same outside the function it is written in (no parameter,
    loop variable or unmodelled part)."""
    match value:
        case Param() | LoopVar() | Unknown():
            return False
        case Seq(items) | Joined(items):
            return all(_self_contained(item) for item in items)
        case Pairs(items):
            return all(_self_contained(k) and _self_contained(v) for k, v in items)
        case Attr(base, _) | Spread(base):
            return _self_contained(base)
        case Item(base, key) | Sum(base, key) | SetUnion(base, key):
            return _self_contained(base) and _self_contained(key)
        case Sliced(base, lower, upper):
            return all(_self_contained(v) for v in (base, lower, upper))
        case Comprehension(_, _, iterable):
            return _self_contained(iterable)
        case Choice(test, then, otherwise, _):
            return all(_self_contained(v) for v in (test, then, otherwise))
        case CallOf(func, args, kwargs, _):
            return (
                _self_contained(func)
                and all(_self_contained(a) for a in args)
                and all(_self_contained(v) for _, v in kwargs)
            )
    return True


def _guarded_value(frame: _Frame) -> Value | None:
    """A function whose only informative return is under an `if`: that value."""
    if frame.guarded is None or isinstance(frame.guarded[1], Lit):
        return None
    return frame.guarded[1]


def _pattern_names(pattern: ast.pattern) -> list[str]:
    """Names a `case` pattern captures."""
    names = []
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
    return names


def _unknown_root(value: Value) -> bool:
    """Whether the value is, or is an attribute of, something the extractor does not model."""
    while isinstance(value, Attr):
        value = value.base
    return isinstance(value, Unknown | LoopVar)


def _loop_rooted(value: Value) -> bool:
    """Whether the value is a loop variable's attribute (`plugin.register`)."""
    return isinstance(value, Attr) and isinstance(value.base, LoopVar)


def _loop_target(target: ast.expr) -> Value:
    """A `for` target as a pattern of `LoopVar`s (`UNKNOWN` for starred or attribute targets)."""
    match target:
        case ast.Name(id=name):
            return LoopVar(name)
        case ast.Tuple(elts=elements) | ast.List(elts=elements):
            parts = tuple(_loop_target(element) for element in elements)
            return UNKNOWN if any(isinstance(p, Unknown) for p in parts) else Seq(parts)
    return UNKNOWN


def _either(first: Value, second: Value) -> Value:
    """`a if c else b`: the value, when both arms agree or one of them is just None."""
    if first == second or second == Lit(None):
        return first
    return second if first == Lit(None) else UNKNOWN


def _stringish(value: Value) -> bool:
    return isinstance(value, Joined) or (isinstance(value, Lit) and isinstance(value.value, str))


def _tests(frame: _Frame) -> tuple[Value, ...]:
    """The tests of the `if` statements a registration is made under (negated in their
    `else`)."""
    return tuple(test for test in frame.branch_tests if not isinstance(test, Unknown))


def _informative(value: Value | None) -> bool:
    return value is not None and not isinstance(value, Unknown | Lit | LoopVar)
