"""What well-known Flask extensions register by themselves, as data: rules, endpoints, methods,
the library's defaults and the configuration keys that change them.

Each entry was read from the library's source at the version named beside it (and checked
against a real `app.url_map` by the fixtures under tests/fixtures/analyzer_apps/). The code
that applies it is `known_extensions`; nothing here imports the analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass

Rule = tuple[str, str, tuple[str, ...]]  # (url, endpoint or method name, methods)
# a library default as plain data: literals, and dicts, tuples and lists of them
TableValue = (
    str
    | int
    | float
    | bool
    | None
    | dict[str, "TableValue"]
    | tuple["TableValue", ...]
    | list["TableValue"]
)

GET, POST, PUT, DELETE = ("GET",), ("POST",), ("PUT",), ("DELETE",)
GET_POST = ("GET", "POST")

# ---- Flask-AppBuilder 5.3.0 -------------------------------------------------------------
FAB_VERSION = "5.3.0"

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
FAB_VIEWS: tuple[FabView, ...] = (
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
    *(
        FabView(name, (_VIEWS,), USER_VIEW_RULES, "/users")
        for name in (
            "UserDBModelView",
            "UserLDAPModelView",
            "UserOAuthModelView",
            "UserRemoteUserModelView",
            "UserSAMLModelView",
        )
    ),
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
        FabView(
            name,
            ("flask_appbuilder.security.registerviews",),
            (("/activation/<string:activation_hash>", "activation", GET), *FORM_VIEW_RULES),
            "/register",
        )
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
    FabView(
        "RoleApi",
        (_SQLA_APIS, f"{_SQLA_APIS}.role", f"{_SQLA_APIS}.role.api"),
        (
            *MODEL_REST_API_RULES,
            ("/<int:role_id>/groups", "update_role_groups", PUT),
            ("/<int:role_id>/permissions", "add_role_permissions", POST),
            ("/<int:role_id>/permissions/", "list_role_permissions", GET),
            ("/<int:role_id>/users", "update_role_users", PUT),
        ),
        is_api=True,
        resource_name="security/roles",
    ),
    *(
        FabView(
            name,
            (_SQLA_APIS, f"{_SQLA_APIS}.{module}", f"{_SQLA_APIS}.{module}.api"),
            MODEL_REST_API_RULES,
            is_api=True,
            resource_name=f"security/{resource}",
        )
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
FAB_VIEW_BY_DOTTED: dict[str, FabView] = {
    f"{module}.{view.name}": view for view in FAB_VIEWS for module in view.modules
}


@dataclass(frozen=True, slots=True)
class When:
    """A condition on the app's configuration: `config.get(key, default) == value`."""

    key: str
    default: object
    value: object


AUTH_TYPE = "AUTH_TYPE"
# `flask_appbuilder.const`: the values of AUTH_TYPE (AUTH_DB, the default, is 1)
AUTH_TYPES = {"AUTH_DB": 1, "AUTH_LDAP": 2, "AUTH_REMOTE_USER": 3, "AUTH_OAUTH": 4, "AUTH_SAML": 5}
AUTH_DB = AUTH_TYPES["AUTH_DB"]
_REGISTRATION = When("AUTH_USER_REGISTRATION", False, True)
_SECURITY_API = When("FAB_ADD_SECURITY_API", False, True)


def _auth(name: str) -> When:
    return When(AUTH_TYPE, AUTH_DB, AUTH_TYPES[name])


@dataclass(frozen=True, slots=True)
class FabStep:
    """One view `AppBuilder.init_app` adds: the security manager's class attribute naming it
    (None: not the security manager's), Flask-AppBuilder's own class, and when it is added."""

    attribute: str | None
    default: str  # dotted name in FAB_VIEW_BY_DOTTED
    when: tuple[When, ...] = ()


_SECURITY_VIEWS_ON = When("FAB_ADD_SECURITY_VIEWS", True, True)
# `AppBuilder.init_app` -> `_add_admin_views` (the index view is added before these, from
# `indexview=`/FAB_INDEX_VIEW), `BabelManager.register_views`, `BaseSecurityManager.register_views`
# and `SecurityManager.register_views` (sqla), `OpenApiManager.register_views`,
# `MenuApiManager.register_views`, in that order
FAB_STEPS: tuple[FabStep, ...] = (
    FabStep(None, "flask_appbuilder.views.UtilView"),
    FabStep(None, "flask_appbuilder.babel.views.LocaleView"),
    # ---- the security manager's (only with FAB_ADD_SECURITY_VIEWS, default on)
    FabStep("security_api", "flask_appbuilder.security.api.SecurityApi"),
    FabStep(
        "registeruserdbview",
        "flask_appbuilder.security.registerviews.RegisterUserDBView",
        (_REGISTRATION, _auth("AUTH_DB")),
    ),
    FabStep(
        "registeruseroauthview",
        "flask_appbuilder.security.registerviews.RegisterUserOAuthView",
        (_REGISTRATION, _auth("AUTH_OAUTH")),
    ),
    FabStep("userinfoeditview", f"{_VIEWS}.UserInfoEditView"),
    FabStep("resetpasswordview", f"{_VIEWS}.ResetPasswordView", (_auth("AUTH_DB"),)),
    FabStep("resetmypasswordview", f"{_VIEWS}.ResetMyPasswordView", (_auth("AUTH_DB"),)),
    *(
        FabStep(f"auth{kind}view", f"{_VIEWS}.Auth{name}View", (_auth(auth),))
        for kind, name, auth in (
            ("db", "DB", "AUTH_DB"),
            ("ldap", "LDAP", "AUTH_LDAP"),
            ("oauth", "OAuth", "AUTH_OAUTH"),
            ("remoteuser", "RemoteUser", "AUTH_REMOTE_USER"),
            ("saml", "SAML", "AUTH_SAML"),
        )
    ),
    *(
        FabStep(f"user{kind}modelview", f"{_VIEWS}.User{name}ModelView", (_auth(auth),))
        for kind, name, auth in (
            ("db", "DB", "AUTH_DB"),
            ("ldap", "LDAP", "AUTH_LDAP"),
            ("oauth", "OAuth", "AUTH_OAUTH"),
            ("remoteuser", "RemoteUser", "AUTH_REMOTE_USER"),
            ("saml", "SAML", "AUTH_SAML"),
        )
    ),
    FabStep("rolemodelview", f"{_VIEWS}.RoleModelView"),
    FabStep("groupmodelview", f"{_VIEWS}.UserGroupModelView"),
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
    FabStep("permission_api", f"{_SQLA_APIS}.PermissionApi", (_SECURITY_API,)),
    FabStep("role_api", f"{_SQLA_APIS}.RoleApi", (_SECURITY_API,)),
    FabStep("user_api", f"{_SQLA_APIS}.UserApi", (_SECURITY_API,)),
    FabStep("view_menu_api", f"{_SQLA_APIS}.ViewMenuApi", (_SECURITY_API,)),
    FabStep("permission_view_menu_api", f"{_SQLA_APIS}.PermissionViewMenuApi", (_SECURITY_API,)),
    FabStep("group_api", f"{_SQLA_APIS}.GroupApi", (_SECURITY_API,)),
    # ---- the managers after it
    FabStep(
        None,
        "flask_appbuilder.api.manager.OpenApi",
        (When("FAB_ADD_OPENAPI_VIEWS", True, True), When("FAB_API_SWAGGER_UI", False, True)),
    ),
    FabStep(
        None,
        "flask_appbuilder.api.manager.SwaggerView",
        (When("FAB_ADD_OPENAPI_VIEWS", True, True), When("FAB_API_SWAGGER_UI", False, True)),
    ),
    FabStep(None, "flask_appbuilder.menu.MenuApi", (When("FAB_ADD_MENU_API", True, True),)),
)
FAB_SECURITY_VIEWS_ON = _SECURITY_VIEWS_ON
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


# ---- flasgger 0.9.7.1 ----------------------------------------------------------------------
FLASGGER_VERSION = "0.9.7.1"
FLASGGER_CLASSES = frozenset(
    {"flasgger.Swagger", "flasgger.base.Swagger", "flasgger.Flasgger", "flasgger.base.Flasgger"}
)
# `Swagger(app, config, sanitizer, template, ...)`; `merge=True` adds the config to the defaults
FLASGGER_APP_AT, FLASGGER_CONFIG_AT = 0, 1
# `Swagger.DEFAULT_CONFIG` (used when no config is given); `app.config["SWAGGER"]` updates it
FLASGGER_DEFAULTS: dict[str, TableValue] = {
    "specs": ({"endpoint": "apispec_1", "route": "/apispec_1.json"},),
    "static_url_path": "/flasgger_static",
    "swagger_ui": True,
    "specs_route": "/apidocs/",
}
FLASGGER_SETTING = "SWAGGER"
# `Swagger.register_views`: the blueprint's name, and with `swagger_ui` its static folder
# (`ui<uiversion>/static`) and three pages; then one rule per spec
FLASGGER_BLUEPRINT = ("endpoint", "flasgger")
FLASGGER_UIVERSION = ("uiversion", 3)
FLASGGER_INDEX = ("/apidocs/index.html", "<lambda>")  # a lambda redirecting to the docs


# ---- Flask-Dance 7.1.0 ---------------------------------------------------------------------
FLASK_DANCE_VERSION = "7.1.0"
# `make_<provider>_blueprint(...)` in `flask_dance.contrib.<provider>` builds an
# `OAuth2ConsumerBlueprint("<provider>", ...)` (OAuth1 for some), passing `login_url` and
# `authorized_url` on; `redirect_url`/`redirect_to` name where to go after, no rule
FLASK_DANCE_PROVIDERS = (
    "atlassian",
    "authentiq",
    "azure",
    "dexcom",
    "digitalocean",
    "discord",
    "dropbox",
    "facebook",
    "fitbit",
    "github",
    "gitlab",
    "google",
    "heroku",
    "jira",
    "linkedin",
    "meetup",
    "nylas",
    "orcid",
    "osm",
    "reddit",
    "salesforce",
    "slack",
    "spotify",
    "strava",
    "twitch",
    "zoho",
)
FLASK_DANCE_FACTORIES = {
    f"flask_dance.contrib.{provider}.make_{provider}_blueprint": provider
    for provider in FLASK_DANCE_PROVIDERS
}
FLASK_DANCE_BLUEPRINTS = frozenset(
    f"flask_dance.{module}.{cls}"
    for module in ("consumer", "consumer.oauth1", "consumer.oauth2")
    for cls in ("OAuth1ConsumerBlueprint", "OAuth2ConsumerBlueprint")
)
# `BaseOAuthConsumerBlueprint.__init__`: the two rules, `{bp.name}` standing for the name
FLASK_DANCE_RULES = (
    ("login_url", "/{bp.name}", "login"),
    ("authorized_url", "/{bp.name}/authorized", "authorized"),
)


# ---- Flask-Storage 2.1.1 (udata's successor of Flask-FS) -----------------------------------
FLASK_STORAGE_VERSION = "2.1.1"
# not `flask_fs.init_app`: Flask-FS 0.6.1 always registers the blueprint, flask-fs2 (the same
# module name) only when FS_SERVE is on
FLASK_STORAGE_INIT = frozenset({"flask_storage.init_app"})
# `init_app(app, *storages)`: `app.register_blueprint(bp, url_prefix=app.config["FS_PREFIX"])`,
# FS_PREFIX defaulting to None; `bp = Blueprint("fs", ...)` serves one rule
FLASK_STORAGE_BLUEPRINT = "fs"
FLASK_STORAGE_PREFIX = ("FS_PREFIX", None)
FLASK_STORAGE_RULES: tuple[Rule, ...] = (("/<string:fs>/<path:filename>", "get_file", GET),)


# ---- Flask-Security 5.9.2 (Flask-Security-Too, published as flask-security since 5.4) -------
FLASK_SECURITY_VERSION = "5.9.2"
FLASK_SECURITY_MODULE = "flask_security"
# `Security.init_app` puts `core._default_config` in app.config with
# `app.config.setdefault("SECURITY_" + key, value)`: the settings a rule, a blueprint or a
# switch depends on (the rest are templates, salts, messages...)
FLASK_SECURITY_PREFIX = "SECURITY_"
FLASK_SECURITY_DEFAULTS: dict[str, str | bool | None] = {
    "BLUEPRINT_NAME": "security",
    "URL_PREFIX": None,
    "STATIC_FOLDER": "static",
    "STATIC_FOLDER_URL": "/fs-static",
    "SUBDOMAIN": None,
    "LOGIN_URL": "/login",
    "LOGOUT_URL": "/logout",
    "REGISTER_URL": "/register",
    "RESET_URL": "/reset",
    "CHANGE_URL": "/change",
    "CONFIRM_URL": "/confirm",
    "VERIFY_URL": "/verify",
    "TWO_FACTOR_SETUP_URL": "/tf-setup",
    "TWO_FACTOR_TOKEN_VALIDATION_URL": "/tf-validate",
    "TWO_FACTOR_RESCUE_URL": "/tf-rescue",
    "TWO_FACTOR_SELECT_URL": "/tf-select",
    "CHANGE_EMAIL_URL": "/change-email",
    "CHANGE_EMAIL_CONFIRM_URL": "/change-email-confirm",
    "CHANGE_USERNAME_URL": "/change-username",
    "MULTI_FACTOR_RECOVERY_CODES_URL": "/mf-recovery-codes",
    "MULTI_FACTOR_RECOVERY_URL": "/mf-recovery",
    "OAUTH_START_URL": "/login/oauthstart",
    "OAUTH_RESPONSE_URL": "/login/oauthresponse",
    "OAUTH_VERIFY_START_URL": "/login/oauth-verify-start",
    "OAUTH_VERIFY_RESPONSE_URL": "/login/oauth-verify-response",
    "REFRESH_TOKEN_URL": "/refresh-token",
    "USERNAME_RECOVERY_URL": "/recover-username",
    "US_SIGNIN_URL": "/us-signin",
    "US_SIGNIN_SEND_CODE_URL": "/us-signin/send-code",
    "US_SETUP_URL": "/us-setup",
    "US_VERIFY_URL": "/us-verify",
    "US_VERIFY_SEND_CODE_URL": "/us-verify/send-code",
    "US_VERIFY_LINK_URL": "/us-verify-link",
    "WAN_REGISTER_URL": "/wan-register",
    "WAN_SIGNIN_URL": "/wan-signin",
    "WAN_DELETE_URL": "/wan-delete",
    "WAN_VERIFY_URL": "/wan-verify",
    # the feature switches, all off
    "CONFIRMABLE": False,
    "REGISTERABLE": False,
    "RECOVERABLE": False,
    "TRACKABLE": False,
    "PASSWORDLESS": False,
    "CHANGEABLE": False,
    "TWO_FACTOR": False,
    "CHANGE_EMAIL": False,
    "CHANGE_USERNAME": False,
    "MULTI_FACTOR_RECOVERY_CODES": False,
    "OAUTH_ENABLE": False,
    "REFRESH_TOKEN": False,
    "UNIFIED_SIGNIN": False,
    "USERNAME_RECOVERY": False,
    "WEBAUTHN": False,
}
FLASK_SECURITY_CLASSES = frozenset({"flask_security.Security", "flask_security.core.Security"})
# `Security.init_app` then sets these attributes of the extension from the keyword of that name
# (given to the constructor or to `init_app`), else from `SECURITY_<NAME>`
# (`state.passwordless`), and registers itself as `app.extensions["security"]`
FLASK_SECURITY_SWITCHES = frozenset(
    {
        "trackable",
        "registerable",
        "change_email",
        "change_username",
        "confirmable",
        "changeable",
        "recoverable",
        "refresh_token",
        "two_factor",
        "unified_signin",
        "username_recovery",
        "passwordless",
        "webauthn",
    }
)

# `Security(app, datastore, register_blueprint=True, ...)` calls `init_app` only when given both
FLASK_SECURITY_APP_AT, FLASK_SECURITY_DATASTORE_AT = 0, 1
# `_create_blueprint` (views.py): `SECURITY_BLUEPRINT_NAME` under `SECURITY_URL_PREFIX`, static
# files at `SECURITY_STATIC_FOLDER_URL`; the rules made whatever the switches, as (url setting,
# endpoint, methods): logout (unless `SECURITY_LOGOUT_METHODS` is None), login, and verify
# (`SECURITY_FRESHNESS`, 24 hours, is >= 0)
FLASK_SECURITY_LOGOUT = ("LOGOUT_URL", "logout")
FLASK_SECURITY_LOGOUT_METHODS = ("LOGOUT_METHODS", POST)  # a list in 5.9.2 (5.4: GET and POST)
FLASK_SECURITY_RULES: tuple[Rule, ...] = (
    ("LOGIN_URL", "login", GET_POST),
    ("VERIFY_URL", "verify", GET_POST),
)
# the rules a switch adds: `state.changeable`
FLASK_SECURITY_SWITCHED_RULES: dict[str, tuple[Rule, ...]] = {
    "changeable": (("CHANGE_URL", "change_password", GET_POST),),
}
# switches whose views are not in this table (`trackable` adds none)
FLASK_SECURITY_UNLISTED = FLASK_SECURITY_SWITCHES - {"changeable", "trackable"}


@dataclass(frozen=True, slots=True)
class LibrarySettings:
    """The configuration a library puts in `app.config` itself (`setdefault`, so a value the
    project sets wins), and the switches its extension object mirrors from it."""

    library: str
    version: str
    module: str  # a project importing it uses the library
    prefix: str
    defaults: dict[str, str | bool | None]  # without the prefix
    extension: str  # its key in `app.extensions`
    classes: frozenset[str]  # the extension's class
    switches: frozenset[str]  # `ext.<name>`: `prefix + NAME` unless a `<name>=` keyword is given


LIBRARY_SETTINGS: tuple[LibrarySettings, ...] = (
    LibrarySettings(
        "Flask-Security",
        FLASK_SECURITY_VERSION,
        FLASK_SECURITY_MODULE,
        FLASK_SECURITY_PREFIX,
        FLASK_SECURITY_DEFAULTS,
        "security",
        FLASK_SECURITY_CLASSES,
        FLASK_SECURITY_SWITCHES,
    ),
)


# ---- extensions initialised by their constructor (`Swagger(app)`): the class names looked
# for among the calls, before resolution tells which library they come from
EXTENSION_CONSTRUCTORS = frozenset(
    dotted.rsplit(".", 1)[-1] for dotted in FLASGGER_CLASSES | FLASK_SECURITY_CLASSES
)
