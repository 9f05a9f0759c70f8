"""Database facts resolved across modules: model references -> tables (single-table
inheritance, backrefs), imported SQL constants -> their tables, relationship traversals ->
indirect tables, SQL handed to project functions that run it -> the caller's tables, methods
that use the instance or class they run on (a CRUD mixin's `save`, a `create` or `get_by_id`
classmethod) -> a write or read of the calling site's model's table, or of every relationship's
tables for a serializer over the mapper's names (`serialize(relations=True)`, for the calls its
guards let through).
Gives each function's direct table uses and the project's table list.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.database.table_naming import table_name
from analyzer.facts.database import (
    RECEIVER_MODEL,
    AccessMode,
    FunctionDbFacts,
    MixinTable,
    ModelFact,
    ModuleDbFacts,
    ParamGuard,
    ReceiverUse,
    Relationship,
    TableAccess,
    TableDefinition,
    is_placeholder,
)
from analyzer.facts.python import Diagnostic, FileFacts
from analyzer.facts.values import Ref
from analyzer.resolution.calls import callable_function
from analyzer.resolution.guarded_uses import GuardedCalls, call_at, move_guarded_uses
from analyzer.resolution.model_flow import ModelFlow, ModelSite
from analyzer.resolution.orm_events import flush_calls, mapper_listeners
from analyzer.resolution.other_databases import OtherDatabases, Site
from analyzer.resolution.resolve import ClassEntity, Ctx, FunctionEntity, Opaque, Resolver
from analyzer.resolution.results import FunctionKey, Table, TableUse
from analyzer.resolution.schemas import SchemaRules
from analyzer.resolution.sql_sinks import sql_sink_uses


@dataclass(frozen=True, slots=True)
class TableFacts:
    uses: dict[FunctionKey, tuple[TableUse, ...]]  # the app's own tables
    tables: tuple[Table, ...]
    diagnostics: tuple[Diagnostic, ...]
    external: dict[FunctionKey, tuple[TableUse, ...]]  # tables of other databases
    # a function writing a table -> the mapper event listeners its flush runs (orm_events)
    flush_calls: dict[FunctionKey, tuple[FunctionKey, ...]]
    # a function -> the methods it runs on a model's receiver that the call graph cannot see
    receiver_calls: dict[FunctionKey, tuple[FunctionKey, ...]]
    # the functions that commit the session: a route reaching one writes its changed instances
    commits: frozenset[FunctionKey]


def resolve_table_access(resolver: Resolver, files: Iterable[FileFacts]) -> TableFacts:
    """Every function's direct table uses, and every table the project defines."""
    index = _ModelIndex(resolver)
    receivers = _ReceiverUses(resolver, index)
    flow = ModelFlow(resolver, receivers.functions, index.related)
    sql_files = [f for f in files if f.kind == "sql"]
    databases = index.other_databases()
    uses: dict[FunctionKey, tuple[TableUse, ...]] = {}
    diagnostics: list[Diagnostic] = []
    for module, facts in resolver.files.items():
        if module != facts.module or facts.db is None:
            continue
        for line, message in ((d.line, d.message) for d in facts.db.diagnostics):
            kind = "dynamic-sql" if "dynamic" in message.lower() else "sql"
            diagnostics.append(Diagnostic(facts.path, line, kind, message))
        for function in facts.db.functions:
            key = (module, function.qualname)
            found = [
                _use(a, key, facts.path, databases.of_connection(a.connection, key))
                for a in function.accesses
            ]
            for model_use in function.model_uses:
                if is_placeholder(model_use.model_ref):
                    continue  # resolved per call by the model flow
                table = index.table_named(module, model_use.model_ref)
                if table is None:
                    if not index.is_missing(module, model_use.model_ref):
                        continue  # a plain class or a library's: not a model, nothing to report
                    diagnostics.append(
                        Diagnostic(
                            facts.path,
                            model_use.line,
                            "unresolved-model",
                            f"'{model_use.model_ref}' is used like an ORM model or table but "
                            "no model or Table() was found for it",
                        )
                    )
                    continue
                found.append(
                    TableUse(
                        table,
                        model_use.mode,
                        key,
                        facts.path,
                        model_use.line,
                        model_use.confidence,
                        "orm",
                        loads=model_use.loads,
                    )
                )
            found.extend(_flowing_uses(flow, index, receivers, key, facts.path))
            for name_use in function.sql_name_uses:
                constant = index.sql_constant(module, name_use.name_ref)
                if constant is None:
                    diagnostics.append(
                        Diagnostic(
                            facts.path,
                            name_use.line,
                            "dynamic-sql",
                            f"SQL in '{name_use.name_ref}' could not be found in the project",
                        )
                    )
                    continue
                database = databases.of_connection(name_use.connection, key)
                found.extend(
                    _use(dataclasses.replace(a, line=name_use.line), key, facts.path, database)
                    for a in constant
                )
            for rel_use in function.relationship_uses:
                if not is_placeholder(rel_use.model_ref):
                    site = (module, rel_use.model_ref)
                    use = _Located(key, facts.path, rel_use.line)
                    found.extend(
                        _relationship_uses(index, site, rel_use.attribute, rel_use.mode, use)
                    )
            found.extend(receivers.uses(module, function, key, facts.path))
            found.extend(
                _result_uses(resolver, index, receivers.functions, function, key, facts.path)
            )
            if found:
                uses[key] = tuple(dict.fromkeys(found))
    for key, found_for_schemas in _schema_uses(resolver, index, flow).items():
        uses[key] = tuple(dict.fromkeys((*uses.get(key, ()), *found_for_schemas)))
    uses = move_guarded_uses(resolver, receivers.functions, uses, receivers.derived_guards)
    uses = _with_eager_loads(index.eager_tables(), uses)
    handed_over = sql_sink_uses(resolver, index.sql_constant, databases.of_sink)
    for key, found_at_calls in handed_over.uses.items():
        uses[key] = tuple(dict.fromkeys((*uses.get(key, ()), *found_at_calls)))
    diagnostics.extend(handed_over.diagnostics)
    own, external = databases.split(uses)
    listeners = mapper_listeners(
        resolver, lambda model: index.table_of((model.module, model.qualname))
    )
    return TableFacts(
        own,
        index.tables(sql_files),
        tuple(diagnostics),
        external,
        flush_calls(own, listeners),
        {key: tuple(sorted(run)) for key, run in receivers.run.items() if run},
        frozenset(
            (module, function.qualname)
            for module, facts in resolver.files.items()
            if module == facts.module and facts.db is not None
            for function in facts.db.functions
            if function.commits
        ),
    )


def _with_eager_loads(
    eager: dict[str, tuple[str, ...]], uses: dict[FunctionKey, tuple[TableUse, ...]]
) -> dict[FunctionKey, tuple[TableUse, ...]]:
    """A model's table read through the ORM loads its eager relationships (`lazy="joined"`,
    `"selectin"`...) too, and theirs in turn: their tables are read there, indirectly."""
    if not eager:
        return uses
    found: dict[FunctionKey, tuple[TableUse, ...]] = {}
    for key, function_uses in uses.items():
        read = {use.table for use in function_uses if use.mode == "read"}
        queue = [u for u in function_uses if u.mode == "read" and u.via == "orm" and u.loads]
        added: list[TableUse] = []
        while queue:
            use = queue.pop()
            for table in eager.get(use.table, ()):
                if table not in read:
                    read.add(table)
                    loaded = dataclasses.replace(use, table=table, indirect=True)
                    added.append(loaded)
                    queue.append(loaded)
        found[key] = (*function_uses, *added) if added else function_uses
    return found


@dataclass(frozen=True, slots=True)
class _Located:
    """Where a use is made: the function, its file, the line."""

    key: FunctionKey
    path: str
    line: int


def _relationship_uses(
    index: _ModelIndex, site: ModelSite, attribute: str, mode: AccessMode, at: _Located
) -> list[TableUse]:
    """The tables behind `Model.attribute` when it is a relationship (none for a column)."""
    tables = index.relationship_tables(site[0], site[1], attribute)
    # a changed many-to-many collection inserts/deletes association rows itself
    links = set(tables[1:]) if mode == "write" else set()
    return [
        TableUse(table, mode, at.key, at.path, at.line, "high", "orm", table not in links)
        for table in filter(None, tables)
    ]


def _flowing_uses(
    flow: ModelFlow, index: _ModelIndex, receivers: _ReceiverUses, key: FunctionKey, path: str
) -> list[TableUse]:
    """Uses of models known per call (see `analyzer.resolution.model_flow`)."""
    found: list[TableUse] = []
    for bound in flow.bound_uses(key):
        at = _Located(key, path, bound.line)
        access = bound.access
        site: ModelSite | None = bound.site
        for attribute in access.through:  # `p.author.followers`: of the author's model
            site = index.related(site, attribute) if site is not None else None
        if site is None:
            continue
        if access.kind == "relationship":
            found.extend(_relationship_uses(index, site, access.attribute, access.mode, at))
            continue
        if access.kind == "method":  # `model.get(id)`: the passed class's method
            unseen = bound.on_g  # the call graph does not follow `g`'s attributes
            unresolved = not flow.targets(key, bound.line, access.attribute)
            found.extend(
                receivers.method_uses(
                    site, access.attribute, at, unseen=unseen, unresolved=unresolved
                )
            )
            continue
        table = index.table_of(index.model_site(*site))
        if table is not None:
            use = TableUse(table, access.mode, key, path, bound.line, access.confidence, "orm")
            found.append(use)
    return found


def _schema_uses(
    resolver: Resolver, index: _ModelIndex, flow: ModelFlow
) -> dict[FunctionKey, list[TableUse]]:
    """The relationships the marshmallow schemas each function applies dump."""
    rules = SchemaRules(resolver)
    found: dict[FunctionKey, list[TableUse]] = {}
    if not rules.schema_classes:
        return found
    for key, function in resolver.functions.items():
        schemas = rules.applied(key)
        if not schemas:
            continue
        returned = flow.returned_models(key)
        dumped = index.model_site(*returned[0]) if len(returned) == 1 else None
        for schema in schemas:
            at = _Located(key, resolver.files[key[0]].path, function.line)
            for model, attribute in rules.dumped(schema, index, dumped):
                uses = _relationship_uses(index, model, attribute, "read", at)
                found.setdefault(key, []).extend(uses)
    return found


def _result_uses(
    resolver: Resolver,
    index: _ModelIndex,
    functions: dict[FunctionKey, FunctionDbFacts],
    function: FunctionDbFacts,
    key: FunctionKey,
    path: str,
) -> list[TableUse]:
    """`session.add(form.export())`: the project function called on that line returns
    instances of one model (its `returns_model`; a classmethod returning its receiver's, of
    the class it is called on: `session.delete(M.get_with_acl(id))`), so that model's table
    is written."""
    if not function.result_uses:
        return []
    python = resolver.functions.get(key)
    if python is None:
        return []
    found: list[TableUse] = []
    for use in function.result_uses:
        for call in python.calls:
            if call.line != use.call_line:
                continue
            target = callable_function(resolver, resolver.called(call, Ctx(*key)))
            model = resolver.returned_models.get(target) if target else None
            if target is None:
                continue
            site = index.model_site(target[0], model) if model else None
            callee = functions.get(target)
            if callee is not None and callee.returns_model == RECEIVER_MODEL:
                site = _called_on(index, key[0], function, use.call_line)  # `M.get(id)`: an M
            table = index.table_of(site) if site is not None else None
            if table is not None:
                found.append(TableUse(table, "write", key, path, use.line, "high", "orm"))
    return found


def _called_on(
    index: _ModelIndex, module: str, function: FunctionDbFacts, line: int
) -> Site | None:
    """The model class whose method the function calls on `line` (`M.get(id)`), if one."""
    for call in (*function.method_calls, *function.built_method_calls):
        if call.line == line and not is_placeholder(call.model_ref):
            return index.model_site(module, call.model_ref)
    return None


def _use(access: TableAccess, key: FunctionKey, path: str, database: str | None) -> TableUse:
    return TableUse(
        access.table,
        access.mode,
        key,
        path,
        access.line,
        access.confidence,
        access.via,
        access.indirect,
        database,
    )


# how a method uses its receiver: its table (attribute None) or an attribute's, and the mode
_ReceiverMode = tuple[str | None, AccessMode]


def _attribute_first(mode: _ReceiverMode) -> tuple[str, AccessMode]:
    return (mode[0] or "", mode[1])


class _ReceiverUses:
    """`obj.save()`, `M.create(...)`, `M.get_by_id(...)`: the method (found along M's MRO, e.g.
    in a mixin) uses the instance or class it runs on, directly or through other methods of it,
    so M's table is read or written."""

    def __init__(self, resolver: Resolver, index: _ModelIndex) -> None:
        self.resolver = resolver
        self.index = index
        self.functions: dict[FunctionKey, FunctionDbFacts] = {
            (module, function.qualname): function
            for module, db in index.db.items()
            for function in db.functions
        }
        self.memo: dict[tuple[ClassEntity, FunctionKey], frozenset[_ReceiverMode]] = {}
        self.reads_memo: dict[
            tuple[ClassEntity, FunctionKey], tuple[tuple[ParamGuard, ...], ...]
        ] = {}
        self.calls = GuardedCalls(resolver, self.functions)
        # a function -> the methods it runs on model instances or classes through the
        # receiver's methods (`_reached`): call edges the call graph does not have
        self.run: dict[FunctionKey, set[FunctionKey]] = {}
        # the guards a call site handing a parameter on to a guarded relationship read gets
        # (`serialize(relations=relations)`): they move its uses on to its own callers
        self.derived_guards: dict[FunctionKey, tuple[ParamGuard, ...]] = {}

    def uses(
        self, module: str, function: FunctionDbFacts, key: FunctionKey, path: str
    ) -> list[TableUse]:
        found: list[TableUse] = []
        for call in (*function.method_calls, *function.built_method_calls):
            found.extend(
                self.method_uses(
                    (module, call.model_ref), call.method, _Located(key, path, call.line)
                )
            )
        return found

    def method_uses(
        self,
        site: ModelSite,
        method: str,
        at: _Located,
        *,
        unseen: bool = False,
        unresolved: bool = False,
    ) -> list[TableUse]:
        """The uses of `site`'s table by its class's `method` run on it (`obj.save()`,
        `M.create(...)`, `model.get(id)` on a parameter bound to the model a caller passes),
        and of every relationship's tables when it reads them all (for the guards this call
        decides: `serialize(relations=True)`). `unseen`: the call graph cannot see this call
        (`g.user.has_rights(...)`, on an attribute of `g` another module sets), so the method
        itself is run from the caller too, with what it does to other tables. `unresolved`: the
        call graph cannot tell what the call runs (`for project in Project.all(session):
        project.to_json()`), so the method is run from the caller too, unless it reads
        relationships for some values of its parameters only (`present(relations=True)`): a
        plain call edge would lose the guards this call decides."""
        table = self.index.table_of(self.index.model_site(*site))
        klass = self.resolver.resolve(Ref(site[1]), Ctx(site[0]))
        if table is None or not isinstance(klass, ClassEntity):
            return []
        member = self._method(klass, method)
        if member is None:
            return []
        model = self.index.model_site(*site)
        self.run.setdefault(at.key, set()).update(self._reached(klass, member))
        guarded_reads = self._relationship_reads(klass, member)
        if unseen or (unresolved and not guarded_reads):
            self.run[at.key].add(member)
        found: list[TableUse] = []
        for attribute, mode in sorted(self._modes(klass, member), key=_attribute_first):
            if attribute is None:
                found.append(TableUse(table, mode, at.key, at.path, at.line, "high", "orm"))
            else:
                found.extend(self._attribute_uses(model, attribute, mode, at))
        for guards in guarded_reads:
            call = call_at(self.resolver, at.key, at.line, method)
            handed_on = self.calls.outcome(at.key, call, member, guards)
            if handed_on is None:
                continue  # `serialize()`: `relations` left False
            self.derived_guards[at.key] = (*self.derived_guards.get(at.key, ()), *handed_on)
            for attribute in sorted(self.index.relationships_of(model)):
                found.extend(_relationship_uses(self.index, model, attribute, "read", at))
        return found

    def _attribute_uses(
        self, model: Site, attribute: str, mode: AccessMode, at: _Located
    ) -> list[TableUse]:
        """A receiver's attribute used by a method run on it: the table of a class a mixin
        made for the model (`self.Label.query`), or a relationship's; a collection the
        method changes and commits writes its rows (the association table's for a
        many-to-many one, else the target's: items added to or removed from it)."""
        made = self.index.table_of((model[0], f"{model[1]}.{attribute}"))
        if made is not None:
            return [TableUse(made, mode, at.key, at.path, at.line, "high", "orm")]
        if mode == "read":
            return _relationship_uses(self.index, model, attribute, mode, at)
        tables = [t for t in self.index.relationship_tables(*model, attribute) if t]
        written = tables[1:] or tables
        return [TableUse(t, mode, at.key, at.path, at.line, "high", "orm") for t in written]

    def _modes(self, klass: ClassEntity, member: FunctionKey) -> frozenset[_ReceiverMode]:
        """How the method `member`, run on a `klass`, uses its receiver's table (attribute
        None) and its attributes' (through the methods and properties it uses on it)."""
        if (klass, member) in self.memo:
            return self.memo[(klass, member)]
        self.memo[(klass, member)] = frozenset()  # a cycle of methods adds nothing
        facts = self.functions.get(member)
        found: set[_ReceiverMode] = set()
        for use in facts.receiver_uses if facts else ():
            if use.every_relationship:
                continue  # its relationships' tables: `_relationship_reads`
            if use.attribute is not None:
                found.update(self._attribute_modes(klass, use))
            elif use.method is None:
                found.add((None, use.mode))
            elif (inner := self._called(klass, member, use)) is not None:
                found.update(self._modes(klass, inner))
        self.memo[(klass, member)] = frozenset(found)
        return self.memo[(klass, member)]

    def _attribute_modes(self, klass: ClassEntity, use: ReceiverUse) -> set[_ReceiverMode]:
        """A relationship of the model or a class a mixin made for it, else a property whose
        getter runs (its uses), else a column: nothing."""
        attribute = str(use.attribute)
        if self._is_model_attribute(klass, attribute):
            return {(attribute, use.mode)}
        getter = self._getter(klass, use)
        return set(self._modes(klass, getter)) if getter is not None else set()

    def _is_model_attribute(self, klass: ClassEntity, attribute: str) -> bool:
        made = (klass.module, f"{klass.qualname}.{attribute}")
        model = (klass.module, klass.qualname)
        return made in self.index.models or attribute in self.index.relationships_of(model)

    def _getter(self, klass: ClassEntity, use: ReceiverUse) -> FunctionKey | None:
        """The property a receiver attribute read runs (a relationship's name runs none)."""
        attribute = str(use.attribute)
        if use.mode != "read" or self._is_model_attribute(klass, attribute):
            return None
        return self._method(klass, attribute)

    def _reached(self, klass: ClassEntity, member: FunctionKey) -> set[FunctionKey]:
        """The methods and property getters of other classes of its MRO that `member`, run on
        a `klass`, runs on it: calls the call graph cannot see, the class being known only per
        call (`obj = session.get(cls, id); obj.has_permission(...)` in a base's classmethod,
        `has_permission` a mixin's), so what they do to other tables counts for the caller
        too. A method of the caller's own class (`self.save()`) is the call graph's."""
        seen: set[FunctionKey] = set()
        found: set[FunctionKey] = set()
        stack = [member]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            facts = self.functions.get(current)
            own = self.resolver.mro(ClassEntity(current[0], current[1].rsplit(".", 1)[0]))
            for use in facts.receiver_uses if facts else ():
                if use.attribute is not None:
                    inner = self._getter(klass, use)
                else:
                    inner = self._called(klass, current, use) if use.method else None
                if inner is None:
                    continue
                stack.append(inner)
                if ClassEntity(inner[0], inner[1].rsplit(".", 1)[0]) not in own:
                    found.add(inner)
        return found

    def _relationship_reads(
        self, klass: ClassEntity, member: FunctionKey
    ) -> tuple[tuple[ParamGuard, ...], ...]:
        """When the method `member`, run on a `klass`, reads every relationship of its
        receiver: for each such read, the guards of the method's own parameters it needs
        (none: whatever the call passes), those around it and, through the methods it calls
        on its receiver (`self.serialize(relations=relations)`, `super().serialize(...)`),
        those on the parameters it hands on to theirs."""
        if (klass, member) in self.reads_memo:
            return self.reads_memo[(klass, member)]
        self.reads_memo[(klass, member)] = ()  # a cycle of methods adds nothing
        facts = self.functions.get(member)
        found: list[tuple[ParamGuard, ...]] = []
        for use in facts.receiver_uses if facts else ():
            around = self.calls.line_guards(member, facts, use.line) if facts else ()
            if use.every_relationship:
                found.append(around)
            inner = self._called(klass, member, use) if use.method else None
            if use.method is None or inner is None:
                continue
            call = call_at(self.resolver, member, use.line, use.method)
            for guards in self._relationship_reads(klass, inner):
                handed_on = self.calls.outcome(member, call, inner, guards)
                if handed_on is not None:
                    found.append((*around, *handed_on))
        self.reads_memo[(klass, member)] = tuple(dict.fromkeys(found))
        return self.reads_memo[(klass, member)]

    def _called(
        self, klass: ClassEntity, member: FunctionKey, use: ReceiverUse
    ) -> FunctionKey | None:
        """The method a receiver use of `member` calls on a `klass` (`super()`'s: the first
        class after `member`'s own along the MRO that defines it)."""
        method = str(use.method)
        if not use.super_:
            return self._method(klass, method)
        owner = ClassEntity(member[0], member[1].rsplit(".", 1)[0])
        classes = self.resolver.mro(klass)
        after = classes[classes.index(owner) + 1 :] if owner in classes else ()
        for base in after:
            key = (
                (base.module, f"{base.qualname}.{method}")
                if isinstance(base, ClassEntity)
                else None
            )
            if key in self.resolver.functions:
                return key
        return None

    def _method(self, klass: ClassEntity, method: str) -> FunctionKey | None:
        member = self.resolver.class_member(klass, method, instance=True)
        return (member.module, member.qualname) if isinstance(member, FunctionEntity) else None


class _ModelIndex:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.models: dict[Site, ModelFact] = {}
        self.by_class_name: dict[str, list[Site]] = defaultdict(list)
        self.table_variables: dict[Site, str] = {}
        self.model_bases: set[Site] = set()
        self.base_namings: dict[Site, str] = {}
        self.db: dict[str, ModuleDbFacts] = {}
        for module, facts in resolver.files.items():
            if module != facts.module or facts.db is None:
                continue
            self.db[module] = facts.db
            for model in facts.db.models:
                self.models[(module, model.class_name)] = model
                self.by_class_name[model.class_name].append((module, model.class_name))
            for table in facts.db.tables:
                if table.variable:
                    self.table_variables[(module, table.variable)] = table.name
            self.model_bases.update((module, base) for base in facts.db.model_bases)
            self.base_namings.update(
                ((module, base), naming) for base, naming in facts.db.base_namings.items()
            )
        self._tables: dict[Site, str | None] = {}
        self._backrefs: dict[tuple[Site, str], tuple[Site, Relationship]] | None = None
        self._relationships: dict[Site, dict[str, Site | None]] = {}
        self._add_mixin_made_classes()

    def _add_mixin_made_classes(self) -> None:
        """Each model using a mixin whose declared_attr makes a mapped class per model
        (`analyzer.database.mixin_tables`) gets that class, as `Model.<attribute>` on its own
        table (`searchindex_label`), and the relationship the declared_attr returns to it."""
        made: dict[Site, list[MixinTable]] = defaultdict(list)
        for module, db in self.db.items():
            for mixin_table in db.mixin_tables:
                made[(module, mixin_table.mixin)].append(mixin_table)
        if not made:
            return
        for site, model in list(self.models.items()):
            klass = self.resolver.resolve(Ref(site[1]), Ctx(site[0]))
            table = self.table_of(site)
            if not isinstance(klass, ClassEntity) or table is None:
                continue
            relationships: list[Relationship] = []
            for ancestor in self.resolver.mro(klass):
                if not isinstance(ancestor, ClassEntity):
                    continue
                for mixin_table in made.get((ancestor.module, ancestor.qualname), ()):
                    made_site = (site[0], f"{site[1]}.{mixin_table.attribute}")
                    made_table = table_name(mixin_table.template, site[1], table)
                    self.models[made_site] = ModelFact(
                        made_site[1], made_table, mixin_table.line, has_primary_key=True
                    )
                    if mixin_table.relationship:
                        relationships.append(Relationship(mixin_table.relationship, made_site[1]))
            if relationships:
                self.models[site] = dataclasses.replace(
                    model, relationships=(*model.relationships, *relationships)
                )

    def is_missing(self, module: str, ref: str) -> bool:
        """Whether `ref` names nothing the project defines or imports (worth a diagnostic)."""
        found = self.resolver.resolve(Ref(ref), Ctx(module))
        return isinstance(found, Opaque) and found.missing

    def model_site(self, module: str, ref: str) -> Site:
        return self.resolver.locate(module, ref)

    def table_named(self, module: str, ref: str) -> str | None:
        """The table of the model or Table object `ref` names in `module`; for an attribute of
        a model written like a class name (`CustomUserAttribute.Key`, a column the extraction
        cannot tell from `models.User`), the model's."""
        site = self.model_site(module, ref)
        table = self.table_of(site) or self.table_variables.get(site)
        owner, dot, _ = ref.rpartition(".")
        if table is None and dot and (owned := self.table_of(self.model_site(module, owner))):
            return owned
        return table

    def is_model_base(self, site: Site) -> bool:
        name = site[1]
        return site in self.model_bases or name.endswith(".Model") or name == "Model"

    def table_of(self, site: Site, depth: int = 0) -> str | None:
        """The table a model class maps to, following bases defined in other modules."""
        if site in self._tables:
            return self._tables[site]
        model = self.models.get(site)
        result: str | None = None
        if model is not None and depth < 16:
            self._tables[site] = None
            result = model.table
            if not model.resolved:
                result = self._inherited_table(site, model, depth)
        self._tables[site] = result
        return result

    def _inherited_table(self, site: Site, model: ModelFact, depth: int) -> str | None:
        module = site[0]
        for base_ref in model.base_refs:
            base = self.resolver.locate(module, base_ref)
            if base in self.models:
                parent = self.models[base]
                base_table = self.table_of(base, depth + 1)
                if base_table and not model.has_primary_key and not parent.abstract:
                    return base_table
                return self._own_table(model, base, depth)
            if self.is_model_base(base):
                return self._own_table(model, base, depth)
        if not model.default_named and any(
            self.resolver.locate(module, ref)[0] not in self.resolver.files
            for ref in model.base_refs
        ):  # a library's declarative base (`from sqlalchemy_helpers import Base`)
            return model.table
        return None  # not a model after all: no base leads to one

    def _own_table(self, model: ModelFact, base: Site, depth: int) -> str | None:
        """The model's own table: the name its extraction gave, unless only the default rule
        gave it and the base (a model base or model in another module) names tables by a rule
        of its own (`@as_declarative() class Base` whose `__tablename__` is the lower-cased
        class name)."""
        naming = self._naming_of(base, depth + 1) if model.default_named else None
        return table_name(naming, model.class_name) if naming else model.table

    def _naming_of(self, site: Site, depth: int) -> str | None:
        if site in self.base_namings:
            return self.base_namings[site]
        model = self.models.get(site)
        if model is None or depth > 16:
            return None
        if model.naming or model.resolved:
            return model.naming
        for base_ref in model.base_refs:
            naming = self._naming_of(self.resolver.locate(site[0], base_ref), depth + 1)
            if naming:
                return naming
        return None

    def sql_constant(self, module: str, ref: str) -> tuple[TableAccess, ...] | None:
        where, name = self.resolver.locate(module, ref)
        db = self.db.get(where)
        if db is None or name not in db.sql_constants:
            return None
        return db.sql_constants[name]

    def relationship_tables(
        self, module: str, model_ref: str, attribute: str, depth: int = 0
    ) -> tuple[str, ...]:
        """Tables reached through `Model.attribute` when it is a relationship (or backref, or
        association proxy): the target's ("" when unknown), then the association tables."""
        if depth > 4:
            return ()
        site = self.model_site(module, model_ref)
        for klass in self._lineage(site):
            model = self.models[klass]
            for rel in model.relationships:
                if rel.attribute == attribute and rel.proxied:
                    return self._proxy_tables(klass, rel.proxied, depth)
                if rel.attribute == attribute:
                    return self._relationship_targets(klass, rel, rel.target_ref)
        backref = self.backrefs().get((site, attribute))
        if backref is not None:
            owner, rel = backref
            return self._relationship_targets(owner, rel, owner[1])
        return ()

    def _proxy_tables(self, site: Site, proxied: tuple[str, str], depth: int) -> tuple[str, ...]:
        """`association_proxy("via", "remote")`: the remote's target, then the association
        object's table (via's target) and the remote's own association table, if any."""
        via, remote = proxied
        via_tables = self.relationship_tables(site[0], site[1], via, depth + 1)
        via_target = self.relationships_of(site).get(via)
        if not via_tables or via_target is None:
            return ()
        remote_tables = self.relationship_tables(via_target[0], via_target[1], remote, depth + 1)
        if not remote_tables:
            return ()
        return (remote_tables[0], *via_tables, *remote_tables[1:])

    def _relationship_targets(
        self, owner: Site, rel: Relationship, target_ref: str
    ) -> tuple[str, ...]:
        """The target's table (or "" when unknown), then the secondary table, if any."""
        tables: list[str] = []
        target = self.find_model(owner[0], target_ref)
        tables.append((self.table_of(target) or "") if target is not None else "")
        if rel.secondary_table:
            tables.append(rel.secondary_table)
        elif rel.secondary_ref:
            secondary = self.table_variables.get(self.resolver.locate(owner[0], rel.secondary_ref))
            link, _, attribute = rel.secondary_ref.rpartition(".")
            if secondary is None and attribute == "__table__":  # `secondary=Link.__table__`
                link_model = self.find_model(owner[0], link)
                secondary = self.table_of(link_model) if link_model is not None else None
            if secondary:
                tables.append(secondary)
        return tuple(tables)

    def eager_tables(self) -> dict[str, tuple[str, ...]]:
        """A model's table -> the tables its eager relationships (its bases' too) load with
        it; models sharing a table (single-table inheritance) pool theirs."""
        found: dict[str, list[str]] = {}
        for site in self.models:
            table = self.table_of(site)
            if table is None:
                continue
            for klass in self._lineage(site):
                for rel in self.models[klass].relationships:
                    if rel.eager and not rel.proxied:
                        targets = self._relationship_targets(klass, rel, rel.target_ref)
                        found.setdefault(table, []).extend(filter(None, targets))
        return {table: tuple(dict.fromkeys(tables)) for table, tables in found.items()}

    def model_sites(self) -> list[Site]:
        return list(self.models)

    def related(self, site: Site, attribute: str) -> Site | None:
        """The model the relationship `attribute` of the model named at `site` leads to."""
        return self.relationships_of(self.model_site(*site)).get(attribute)

    def relationships_of(self, site: Site) -> dict[str, Site | None]:
        """A model's relationships, its bases' and backrefs to it -> each target model."""
        if site not in self._relationships:
            found: dict[str, Site | None] = {}
            self._relationships[site] = found  # a proxy back to this model adds nothing
            proxies: list[tuple[str, tuple[str, str]]] = []
            for klass in self._lineage(site):
                for rel in self.models[klass].relationships:
                    if rel.proxied:
                        proxies.append((rel.attribute, rel.proxied))
                    else:
                        found.setdefault(rel.attribute, self.find_model(klass[0], rel.target_ref))
            for (target, name), (owner, _) in self.backrefs().items():
                if target == site:
                    found.setdefault(name, owner)
            for attribute, (via, remote) in proxies:
                via_target = found.get(via)
                reached = self.relationships_of(via_target).get(remote) if via_target else None
                found.setdefault(attribute, reached)
        return self._relationships[site]

    def find_model(self, module: str, ref: str) -> Site | None:
        """A model named in relationship(): an importable name, else SQLAlchemy's registry
        lookup by class name (the last part of a dotted string)."""
        site = self.resolver.locate(module, ref)
        if site in self.models:
            return site
        candidates = self.by_class_name.get(ref.rsplit(".", 1)[-1], [])
        return candidates[0] if candidates else None

    def _lineage(self, site: Site) -> list[Site]:
        found: list[Site] = []
        while site in self.models and site not in found and len(found) < 16:
            found.append(site)
            bases = [self.resolver.locate(site[0], b) for b in self.models[site].base_refs]
            site = next((b for b in bases if b in self.models), ("", ""))
        return found

    def backrefs(self) -> dict[tuple[Site, str], tuple[Site, Relationship]]:
        if self._backrefs is None:
            self._backrefs = {}
            for owner, model in self.models.items():
                for rel in model.relationships:
                    if rel.backref:
                        target = self.find_model(owner[0], rel.target_ref)
                        if target is not None:
                            self._backrefs[(target, rel.backref)] = (owner, rel)
        return self._backrefs

    def other_databases(self) -> OtherDatabases:
        own: set[str] = set()
        bound: dict[str, str] = {}
        for site, model in self.models.items():
            table = self.table_of(site)
            if table and model.bind_key:
                bound.setdefault(table, model.bind_key)
            elif table:
                own.add(table)
        for db in self.db.values():
            for definition in db.tables:
                if definition.bind_key:
                    bound.setdefault(definition.name, definition.bind_key)
                else:
                    own.add(definition.name)
        return OtherDatabases(
            self.resolver, self.db, {t: key for t, key in bound.items() if t not in own}
        )

    def tables(self, sql_files: Iterable[FileFacts]) -> tuple[Table, ...]:
        """The app's own tables (those of its binds are other databases')."""
        found: dict[str, Table] = {}
        for (module, class_name), model in self.models.items():
            table = self.table_of((module, class_name))
            if table and table not in found and not model.bind_key:
                found[table] = Table(
                    table,
                    self.resolver.files[module].path,
                    model.line,
                    f"{module}.{class_name}",
                    tuple(dict.fromkeys(fk.references_table for fk in model.foreign_keys)),
                )
        for module, db in self.db.items():
            for definition in db.tables:
                if not definition.bind_key:
                    self._add_definition(found, definition, self.resolver.files[module].path)
        for sql in sql_files:
            for definition in sql.schema_tables:
                self._add_definition(found, definition, sql.path)
        return tuple(sorted(found.values(), key=lambda t: t.name))

    @staticmethod
    def _add_definition(found: dict[str, Table], definition: TableDefinition, path: str) -> None:
        keys = tuple(dict.fromkeys(fk.references_table for fk in definition.foreign_keys))
        known = found.get(definition.name)
        if known is None:
            found[definition.name] = Table(definition.name, path, definition.line, None, keys)
        elif keys and not known.foreign_keys:
            found[definition.name] = Table(known.name, known.file, known.line, known.model, keys)
