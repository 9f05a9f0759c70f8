"""The blueprint a Flask-AppBuilder view builds for itself when any code calls its
`create_blueprint(appbuilder, endpoint=None, static_folder=None)`, as a project's own copy of
`AppBuilder` does (Apache Airflow's `AirflowAppBuilder.register_blueprint`).

Read from Flask-AppBuilder's `BaseView.create_blueprint` (`baseviews.py`, alike in 4.5.3 and
5.3.0): a `Blueprint(endpoint or the class name, url_prefix=self.route_base)`, given
`static_folder` only when it is set, and one rule per `@expose` method (`_register_urls`);
`BaseApi`'s builds the same blueprint under `/api/<version>/<resource_name>` without a static
folder. The view's rules and route base are those `add_view` gives it (`exposed_views`,
`known_extensions`).
"""

from __future__ import annotations

from dataclasses import replace

from analyzer.resolution.exposed_views import ExposedBlueprint, class_blueprint
from analyzer.resolution.known_extensions import library_view_blueprint
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    CreatedBlueprint,
    Resolver,
    constant,
)


def created_blueprint(
    resolver: Resolver, made: CreatedBlueprint, site: tuple[str, int]
) -> ExposedBlueprint | str:
    """The blueprint `made` stands for, its library rules declared at `site` (file, line); or
    why it is not known."""
    endpoint = constant(made.endpoint) if made.endpoint is not None else None
    if endpoint is not None and not isinstance(endpoint, str):
        return "the endpoint= given to create_blueprint() is not known statically"
    if isinstance(made.view, ClassEntity):
        found = class_blueprint(resolver, made.view, endpoint or None, site)
    else:
        library = library_view_blueprint(resolver.fab, made.view.dotted, site, endpoint or None)
        found = library or f"{made.view.dotted}'s rules are not known"
    if isinstance(found, str) or made.static_folder in (None, ConstEntity(None)):
        return found
    folder = constant(made.static_folder)
    if not isinstance(folder, str):
        return "the static_folder= given to create_blueprint() is not known statically"
    return replace(found, static_folder=folder or None)
