"""Flask-Themes2's blueprint: `Themes(app, **options)` and `themes.init_themes(app, ...)`,
also run from a project subclass (`super().init_themes(app, ...)` in its own `init_app`),
register the library's module-level `_themes` blueprint (`extension_table`, read from 1.0.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.resolution import extension_table as table
from analyzer.resolution.exposed_views import ExposedBlueprint, ExposedRule
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Resolved,
    Resolver,
    SuperEntity,
    constant,
)

if TYPE_CHECKING:
    from analyzer.resolution.known_extensions import ExtensionViews

APP_STATIC_URL_PATH = "/static"  # Flask's default `app.static_url_path`
COMPUTED_FOLDER = "<computed at run time>"


def runs_init_themes(resolver: Resolver, reg: Registration) -> bool:
    """Whether a registration runs Flask-Themes2's own `init_themes`: the constructor, or
    `init_themes(...)` called on such an extension or on `super()` in a subclass of it that
    does not override it (an override is the project's, followed as a helper)."""
    if reg.fact.attr == "__init__":
        return _themes_object(resolver, reg.target)
    if reg.fact.attr != table.FLASK_THEMES_INIT or not _themes_object(resolver, reg.target):
        return False
    return not isinstance(resolver.member(reg.target, table.FLASK_THEMES_INIT), FunctionEntity)


def _themes_object(resolver: Resolver, target: Resolved) -> bool:
    match target:
        case InstanceEntity(cls=ExternalEntity(dotted)):
            return dotted in table.FLASK_THEMES_CLASSES
        case InstanceEntity(cls=ClassEntity() as cls) | SuperEntity(cls=cls):
            return not table.FLASK_THEMES_CLASSES.isdisjoint(resolver.external_bases(cls))
    return False


def themes_blueprint(reg: Registration, found: ExtensionViews) -> ExposedBlueprint:
    """`init_themes`'s blueprint under the `theme_url_prefix` given (the constructor passes its
    keywords on), or its static folder when one is given."""
    site = (reg.file, reg.line)
    index, keyword, default = table.FLASK_THEMES_PREFIX
    given = reg.keyword(keyword) if reg.fact.attr == "__init__" else reg.argument(index, keyword)
    prefix = default if given is None else constant(given)
    if not isinstance(prefix, str):
        found.note(
            site,
            f"Flask-Themes2's {keyword} is not known statically; its default {default!r} is "
            "assumed",
        )
        prefix = default
    folder_at, folder_keyword = table.FLASK_THEMES_STATIC_FOLDER
    folder = (
        reg.keyword(folder_keyword)
        if reg.fact.attr == "__init__"
        else reg.argument(folder_at, folder_keyword)
    )
    if folder is None or folder == ConstEntity(None):
        rules = tuple(
            ExposedRule(url, view, None, methods, *site)
            for url, view, methods in table.FLASK_THEMES_RULES
        )
        return ExposedBlueprint(table.FLASK_THEMES_BLUEPRINT, prefix, "flask_themes2.Themes", rules)
    written = constant(folder)
    found.note(
        site,
        f"Flask-Themes2 serves its static folder at the app's static_url_path + {prefix!r}; "
        f"Flask's default {APP_STATIC_URL_PATH!r} is assumed",
    )
    return ExposedBlueprint(
        table.FLASK_THEMES_BLUEPRINT,
        None,
        "flask_themes2.Themes",
        (),
        # a folder computed at run time is set all the same: its rule is told by the URL path
        static_folder=written if isinstance(written, str) else COMPUTED_FOLDER,
        static_url_path=APP_STATIC_URL_PATH + prefix,
    )
