"""What Flask-AppBuilder serves by itself, as data, one table per supported release: the rules
its own view classes `@expose`, and the views `AppBuilder.init_app` adds under which settings.

5.3.0's table was read from its source; 4.5.3's is 5.3.0's plus what 5.0 removed or changed
(read from 4.5.3's source, checked against its real `app.url_map` by the fixture
`fab_security_4`): every `ModelView` also serves `RestCRUDView`'s legacy JSON rules (`/api`,
`/api/read`...), the OpenID views instead of the SAML ones, no groups, `RoleApi`'s older rules,
and the security manager's views in their older order and conditions. A table stands for its
release line: from its `since` up to the next table's (`pinned_versions` picks one from what
the analyzed project pins). Nothing here imports the analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from analyzer.resolution.extension_table import GET, GET_POST, POST, Rule

PUT, DELETE = ("PUT",), ("DELETE",)


# ---- the view classes ----------------------------------------------------------------------
# the methods Flask-AppBuilder's own view classes decorate with `@expose`: (url, name, methods)
MODEL_REST_API_RULES: tuple[Rule, ...] = (
    ("/_info", "info", GET),
    ("/<int:pk>", "get", GET),
    ("/", "get_list", GET),
    ("/", "post", POST),
    ("/<pk>", "put", PUT),
    ("/<pk>", "delete", DELETE),
)
MODEL_VIEW_RULES: tuple[Rule, ...] = (
    ("/list/", "list", GET),
    ("/show/<pk>", "show", GET),
    ("/add", "add", GET_POST),
    ("/edit/<pk>", "edit", GET_POST),
    ("/delete/<pk>", "delete", GET_POST),
    ("/download/<string:filename>", "download", GET),
    ("/action/<string:name>/<pk>", "action", GET_POST),
    ("/action_post", "action_post", POST),
)
FORM_VIEW_RULES: tuple[Rule, ...] = (
    ("/form", "this_form_get", GET),
    ("/form", "this_form_post", POST),
)
AUTH_VIEW_RULES: tuple[Rule, ...] = (("/login/", "login", GET_POST), ("/logout/", "logout", GET))
USER_VIEW_RULES = (*MODEL_VIEW_RULES, ("/userinfo/", "userinfo", GET))


@dataclass(frozen=True, slots=True)
class FabView:
    """A Flask-AppBuilder view or API class: where it is served and what it exposes.

    `route_base` None: Flask-AppBuilder's default, `/api/<version>/<resource_name>` for an API
    (`resource_name` defaulting to the class name), `/<class name>` for a view, lowercased.
    `include`: its `include_route_methods`, when it sets one."""

    name: str  # the class name: the blueprint's (the endpoints') default name
    modules: tuple[str, ...]  # the modules it can be imported from
    rules: tuple[Rule, ...]
    route_base: str | None = None
    is_api: bool = False
    resource_name: str | None = None
    version: str = "v1"
    include: tuple[str, ...] | None = None


_VIEWS = "flask_appbuilder.security.views"
_SQLA_APIS = "flask_appbuilder.security.sqla.apis"
_REGISTER_VIEWS = "flask_appbuilder.security.registerviews"
_REGISTER_RULES = (("/activation/<string:activation_hash>", "activation", GET), *FORM_VIEW_RULES)


def _user_view(name: str) -> FabView:
    return FabView(name, (_VIEWS,), USER_VIEW_RULES, "/users")


def _security_api(name: str, module: str, resource: str, rules: tuple[Rule, ...]) -> FabView:
    modules = (_SQLA_APIS, f"{_SQLA_APIS}.{module}", f"{_SQLA_APIS}.{module}.api")
    return FabView(name, modules, rules, is_api=True, resource_name=f"security/{resource}")


_ROLE_API_ADDS = ("/<int:role_id>/permissions", "add_role_permissions", POST)
FAB_5_3_VIEWS: tuple[FabView, ...] = (
    FabView("ModelRestApi", ("flask_appbuilder", "flask_appbuilder.api"), MODEL_REST_API_RULES),
    FabView("ModelView", ("flask_appbuilder", "flask_appbuilder.views"), MODEL_VIEW_RULES),
    FabView("SimpleFormView", ("flask_appbuilder", "flask_appbuilder.views"), FORM_VIEW_RULES),
    FabView("PublicFormView", ("flask_appbuilder", "flask_appbuilder.views"), FORM_VIEW_RULES),
    FabView(
        "IndexView", ("flask_appbuilder", "flask_appbuilder.views"), (("/", "index", GET),), ""
    ),
    FabView("UtilView", ("flask_appbuilder.views",), (("/back", "back", GET),), ""),
    FabView(
        "LocaleView",
        ("flask_appbuilder.babel.views",),
        (("/<string:locale>", "index", GET),),
        "/lang",
    ),
    FabView(
        "SecurityApi",
        ("flask_appbuilder.security.api",),
        (("/login", "login", POST), ("/refresh", "refresh", POST)),
        is_api=True,
        resource_name="security",
    ),
    FabView("UserInfoEditView", (_VIEWS,), FORM_VIEW_RULES),
    FabView("ResetPasswordView", (_VIEWS,), FORM_VIEW_RULES, "/resetpassword"),
    FabView("ResetMyPasswordView", (_VIEWS,), FORM_VIEW_RULES, "/resetmypassword"),
    FabView("AuthView", (_VIEWS,), AUTH_VIEW_RULES, ""),
    FabView("AuthDBView", (_VIEWS,), AUTH_VIEW_RULES, ""),
    FabView("AuthLDAPView", (_VIEWS,), AUTH_VIEW_RULES, ""),
    FabView(
        "AuthOAuthView",
        (_VIEWS,),
        (
            ("/login/", "login", GET),
            ("/login/<provider>", "login", GET),
            ("/logout/", "logout", GET),
            ("/oauth-authorized/<provider>", "oauth_authorized", GET),
        ),
        "",
    ),
    FabView("AuthRemoteUserView", (_VIEWS,), (("/login/", "login", GET), *AUTH_VIEW_RULES[1:]), ""),
    FabView(
        "AuthSAMLView",
        (_VIEWS,),
        (
            ("/login/", "login", GET),
            ("/login/<idp>", "login", GET),
            ("/logout/", "logout", GET),
            ("/saml/acs/", "acs", POST),
            ("/saml/metadata/", "metadata", GET),
            ("/saml/metadata/<idp>", "metadata", GET),
            ("/saml/slo/", "slo", GET_POST),
        ),
        "",
    ),
    *(_user_view(f"User{kind}ModelView") for kind in ("DB", "LDAP", "OAuth", "RemoteUser", "SAML")),
    FabView("RoleModelView", (_VIEWS,), MODEL_VIEW_RULES, "/roles"),
    FabView("UserGroupModelView", (_VIEWS,), MODEL_VIEW_RULES, "/groups"),
    FabView("PermissionModelView", (_VIEWS,), MODEL_VIEW_RULES, "/permissions"),
    FabView("ViewMenuModelView", (_VIEWS,), MODEL_VIEW_RULES, "/viewmenus"),
    FabView("PermissionViewModelView", (_VIEWS,), MODEL_VIEW_RULES, "/permissionviews"),
    FabView("RegisterUserModelView", (_VIEWS,), MODEL_VIEW_RULES, "/registeruser"),
    FabView(
        "UserStatsChartView",
        (_VIEWS,),
        (("/chart/<group_by>", "chart", GET), ("/chart/", "chart", GET)),
    ),
    *(
        FabView(name, (_REGISTER_VIEWS,), _REGISTER_RULES, "/register")
        for name in ("RegisterUserDBView", "RegisterUserOAuthView")
    ),
    FabView(
        "PermissionApi",
        (_SQLA_APIS, f"{_SQLA_APIS}.permission", f"{_SQLA_APIS}.permission.api"),
        MODEL_REST_API_RULES,
        is_api=True,
        resource_name="security/permissions",
        include=("get_list", "get", "info"),
    ),
    _security_api(
        "RoleApi",
        "role",
        "roles",
        (
            *MODEL_REST_API_RULES,
            ("/<int:role_id>/groups", "update_role_groups", PUT),
            _ROLE_API_ADDS,
            ("/<int:role_id>/permissions/", "list_role_permissions", GET),
            ("/<int:role_id>/users", "update_role_users", PUT),
        ),
    ),
    *(
        _security_api(name, module, resource, MODEL_REST_API_RULES)
        for name, module, resource in (
            ("UserApi", "user", "users"),
            ("ViewMenuApi", "view_menu", "resources"),
            ("PermissionViewMenuApi", "permission_view_menu", "permissions-resources"),
            ("GroupApi", "group", "groups"),
        )
    ),
    FabView(
        "OpenApi",
        ("flask_appbuilder.api.manager",),
        (("/<version>/_openapi", "get", GET),),
        "/api",
        is_api=True,
    ),
    FabView(
        "SwaggerView", ("flask_appbuilder.api.manager",), (("/<version>", "show", GET),), "/swagger"
    ),
    FabView(
        "MenuApi",
        ("flask_appbuilder.menu",),
        (("/", "get_menu_data", GET),),
        is_api=True,
        resource_name="menu",
    ),
)

# 4.x's `RestCRUDView`, `ModelView`'s base (gone in 5.0): its legacy JSON methods, each rule's
# endpoint the method's name (`expose_api(name=...)` names only the permission)
MODEL_VIEW_JSON_RULES: tuple[Rule, ...] = (
    ("/api", "api", GET),
    ("/api/read", "api_read", GET),
    ("/api/get/<pk>", "api_get", GET),
    ("/api/create", "api_create", POST),
    ("/api/update/<pk>", "api_update", PUT),
    ("/api/delete/<pk>", "api_delete", DELETE),
    ("/api/column/add/<col_name>", "api_column_add", GET),
    ("/api/column/edit/<col_name>", "api_column_edit", GET),
    ("/api/readvalues", "api_readvalues", GET),
)
# the views 5.x added
_NEW_IN_5 = frozenset({"AuthSAMLView", "UserSAMLModelView", "UserGroupModelView", "GroupApi"})


def _as_in_4(view: FabView) -> FabView:
    """A 5.3 view as 4.5 serves it: a `ModelView` (whose rules its subclasses list first) with
    the JSON rules; `RoleApi` without its user and group rules, listing permissions by `pk`."""
    if view.rules[: len(MODEL_VIEW_RULES)] == MODEL_VIEW_RULES:
        return replace(view, rules=(*view.rules, *MODEL_VIEW_JSON_RULES))
    if view.name == "RoleApi":
        rules = (
            *MODEL_REST_API_RULES,
            ("/<int:pk>/permissions/", "list_role_permissions", GET),
            _ROLE_API_ADDS,
        )
        return replace(view, rules=rules)
    return view


FAB_4_5_VIEWS: tuple[FabView, ...] = (
    *(_as_in_4(view) for view in FAB_5_3_VIEWS if view.name not in _NEW_IN_5),
    FabView("RestCRUDView", ("flask_appbuilder.views",), MODEL_VIEW_JSON_RULES),
    FabView("AuthOIDView", (_VIEWS,), AUTH_VIEW_RULES, ""),
    _as_in_4(_user_view("UserOIDModelView")),
    FabView(
        "RegisterUserOIDView",
        (_REGISTER_VIEWS,),
        (*_REGISTER_RULES, ("/formoidone", "form_oid_post", GET_POST)),
        "/register",
    ),
)


# ---- what `AppBuilder.init_app` adds ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class When:
    """A condition on the app's configuration: `config.get(key, default) == value`."""

    key: str
    default: object
    value: object


AUTH_TYPE = "AUTH_TYPE"
# `flask_appbuilder.const`: the values of AUTH_TYPE (AUTH_DB, the default, is 1; AUTH_OID is
# 4.x's only, AUTH_SAML 5.x's)
AUTH_TYPES = {
    "AUTH_OID": 0,
    "AUTH_DB": 1,
    "AUTH_LDAP": 2,
    "AUTH_REMOTE_USER": 3,
    "AUTH_OAUTH": 4,
    "AUTH_SAML": 5,
}
AUTH_DB = AUTH_TYPES["AUTH_DB"]
_REGISTRATION = When("AUTH_USER_REGISTRATION", False, True)
_SECURITY_API = When("FAB_ADD_SECURITY_API", False, True)
_SWAGGER = (When("FAB_ADD_OPENAPI_VIEWS", True, True), When("FAB_API_SWAGGER_UI", False, True))


def _auth(name: str) -> When:
    return When(AUTH_TYPE, AUTH_DB, AUTH_TYPES[name])


@dataclass(frozen=True, slots=True)
class FabStep:
    """One view `AppBuilder.init_app` adds: the security manager's class attribute naming it
    (None: not the security manager's), Flask-AppBuilder's own class, and when it is added."""

    attribute: str | None
    default: str  # dotted name in the release's views
    when: tuple[When, ...] = ()


# the kinds of authentication: (attribute infix, class infix, AUTH_TYPE name)
_AUTH_KINDS = (
    ("db", "DB", "AUTH_DB"),
    ("ldap", "LDAP", "AUTH_LDAP"),
    ("oauth", "OAuth", "AUTH_OAUTH"),
    ("remoteuser", "RemoteUser", "AUTH_REMOTE_USER"),
)


def _auth_steps(kinds: tuple[tuple[str, str, str], ...]) -> tuple[FabStep, ...]:
    """The login view, then the users' view, of the configured AUTH_TYPE."""
    return (
        *(
            FabStep(f"auth{kind}view", f"{_VIEWS}.Auth{name}View", (_auth(auth),))
            for kind, name, auth in kinds
        ),
        *(
            FabStep(f"user{kind}modelview", f"{_VIEWS}.User{name}ModelView", (_auth(auth),))
            for kind, name, auth in kinds
        ),
    )


def _register_step(kind: str, name: str, auth: str) -> FabStep:
    return FabStep(
        f"registeruser{kind}view",
        f"{_REGISTER_VIEWS}.RegisterUser{name}View",
        (_REGISTRATION, _auth(auth)),
    )


def _api_steps(names: tuple[str, ...]) -> tuple[FabStep, ...]:
    """`SecurityManager.register_views` (sqla): the security APIs, under FAB_ADD_SECURITY_API."""
    return tuple(
        FabStep(f"{attribute}_api", f"{_SQLA_APIS}.{cls}", (_SECURITY_API,))
        for attribute, cls in (
            ("permission", "PermissionApi"),
            ("role", "RoleApi"),
            ("user", "UserApi"),
            ("view_menu", "ViewMenuApi"),
            ("permission_view_menu", "PermissionViewMenuApi"),
            ("group", "GroupApi"),
        )
        if cls in names
    )


# `AppBuilder.init_app` -> `_add_admin_views` (the index view is added before these, from
# `indexview=`/FAB_INDEX_VIEW), `BabelManager.register_views`, then the security manager's
_LIBRARY_STEPS = (
    FabStep(None, "flask_appbuilder.views.UtilView"),
    FabStep(None, "flask_appbuilder.babel.views.LocaleView"),
    FabStep("security_api", "flask_appbuilder.security.api.SecurityApi"),
)
# `BaseSecurityManager.register_views` after the users' and roles' views (in both releases)
_SECURITY_MODEL_STEPS = (
    FabStep("userstatschartview", f"{_VIEWS}.UserStatsChartView"),
    FabStep("registerusermodelview", f"{_VIEWS}.RegisterUserModelView", (_REGISTRATION,)),
    FabStep(
        "permissionmodelview",
        f"{_VIEWS}.PermissionModelView",
        (When("FAB_ADD_SECURITY_PERMISSION_VIEW", True, True),),
    ),
    FabStep(
        "viewmenumodelview",
        f"{_VIEWS}.ViewMenuModelView",
        (When("FAB_ADD_SECURITY_VIEW_MENU_VIEW", True, True),),
    ),
    FabStep(
        "permissionviewmodelview",
        f"{_VIEWS}.PermissionViewModelView",
        (When("FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW", True, True),),
    ),
)
# `OpenApiManager.register_views`, `MenuApiManager.register_views`
_MANAGER_STEPS = (
    FabStep(None, "flask_appbuilder.api.manager.OpenApi", _SWAGGER),
    FabStep(None, "flask_appbuilder.api.manager.SwaggerView", _SWAGGER),
    FabStep(None, "flask_appbuilder.menu.MenuApi", (When("FAB_ADD_MENU_API", True, True),)),
)
_SECURITY_APIS = ("PermissionApi", "RoleApi", "UserApi", "ViewMenuApi", "PermissionViewMenuApi")

# 5.3.0's `BaseSecurityManager.register_views`: password views only with AUTH_DB, SAML, groups
FAB_5_3_STEPS: tuple[FabStep, ...] = (
    *_LIBRARY_STEPS,
    _register_step("db", "DB", "AUTH_DB"),
    _register_step("oauth", "OAuth", "AUTH_OAUTH"),
    FabStep("userinfoeditview", f"{_VIEWS}.UserInfoEditView"),
    FabStep("resetpasswordview", f"{_VIEWS}.ResetPasswordView", (_auth("AUTH_DB"),)),
    FabStep("resetmypasswordview", f"{_VIEWS}.ResetMyPasswordView", (_auth("AUTH_DB"),)),
    *_auth_steps((*_AUTH_KINDS, ("saml", "SAML", "AUTH_SAML"))),
    FabStep("rolemodelview", f"{_VIEWS}.RoleModelView"),
    FabStep("groupmodelview", f"{_VIEWS}.UserGroupModelView"),
    *_SECURITY_MODEL_STEPS,
    *_api_steps((*_SECURITY_APIS, "GroupApi")),
    *_MANAGER_STEPS,
)
# 4.5.3's: OpenID registration, the password views whatever AUTH_TYPE, OpenID for any other
# AUTH_TYPE (AUTH_OID), no groups
FAB_4_5_STEPS: tuple[FabStep, ...] = (
    *_LIBRARY_STEPS,
    _register_step("db", "DB", "AUTH_DB"),
    _register_step("oid", "OID", "AUTH_OID"),
    _register_step("oauth", "OAuth", "AUTH_OAUTH"),
    FabStep("resetpasswordview", f"{_VIEWS}.ResetPasswordView"),
    FabStep("resetmypasswordview", f"{_VIEWS}.ResetMyPasswordView"),
    FabStep("userinfoeditview", f"{_VIEWS}.UserInfoEditView"),
    *_auth_steps((*_AUTH_KINDS, ("oid", "OID", "AUTH_OID"))),
    FabStep("rolemodelview", f"{_VIEWS}.RoleModelView"),
    *_SECURITY_MODEL_STEPS,
    *_api_steps(_SECURITY_APIS),
    *_MANAGER_STEPS,
)


@dataclass(frozen=True)
class FabRelease:
    """One supported release line of Flask-AppBuilder: its views and `init_app`'s steps."""

    version: str  # the release the table was read from
    since: str  # the oldest release it stands for (up to the next table's `since`)
    views: tuple[FabView, ...]
    steps: tuple[FabStep, ...]
    # what a `ModelView`'s `disable_api_route_methods = True` leaves out (4.x's JSON methods)
    json_api_methods: frozenset[str] = frozenset()

    @cached_property
    def view_by_dotted(self) -> dict[str, FabView]:
        return {f"{module}.{view.name}": view for view in self.views for module in view.modules}


# oldest first; the last is the analyzer's default, for a project that pins none
FAB_RELEASES: tuple[FabRelease, ...] = (
    FabRelease(
        "4.5.3",
        "0",
        FAB_4_5_VIEWS,
        FAB_4_5_STEPS,
        frozenset(name for _, name, _ in MODEL_VIEW_JSON_RULES),
    ),
    FabRelease("5.3.0", "5.0", FAB_5_3_VIEWS, FAB_5_3_STEPS),
)
FAB_NEWEST = FAB_RELEASES[-1]
FAB_DISTRIBUTION = "flask-appbuilder"  # its name on PyPI, as a project's requirements give it

# the same in every release
FAB_SECURITY_VIEWS_ON = When("FAB_ADD_SECURITY_VIEWS", True, True)
FAB_INDEX_VIEW = "flask_appbuilder.views.IndexView"
FAB_SECURITY_MANAGERS = frozenset(
    {
        "flask_appbuilder.security.sqla.manager.SecurityManager",
        "flask_appbuilder.security.manager.BaseSecurityManager",
    }
)
# `AppBuilder(app, session, menu, indexview, base_template, static_folder, static_url_path,
# security_manager_class, update_perms)`
FAB_INDEXVIEW_AT, FAB_STATIC_FOLDER_AT, FAB_STATIC_URL_PATH_AT, FAB_SECURITY_MANAGER_AT = 3, 5, 6, 7
# `_add_global_static`: Blueprint("appbuilder", url_prefix="/static", static_folder=...,
# static_url_path=...), FAB_STATIC_FOLDER / FAB_STATIC_URL_PATH overriding the arguments
FAB_STATIC_BLUEPRINT = "appbuilder"
FAB_STATIC_PREFIX = "/static"
FAB_STATIC_FOLDER = ("FAB_STATIC_FOLDER", "static/appbuilder")
FAB_STATIC_URL_PATH = ("FAB_STATIC_URL_PATH", "/appbuilder")
