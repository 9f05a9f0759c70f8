"""What well-known Flask extensions register by themselves, as data: rules, endpoints, methods,
the library's defaults and the configuration keys that change them (Flask-AppBuilder's, one table
per release, are `fab_table`'s).

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

GET, POST = ("GET",), ("POST",)
GET_POST = ("GET", "POST")

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


# ---- flask-healthz 1.0.1 --------------------------------------------------------------------
FLASK_HEALTHZ_VERSION = "1.0.1"
# `flask_healthz/blueprint.py`: a module-level `healthz = Blueprint("healthz", __name__)` that the
# project registers itself (`app.register_blueprint(healthz, url_prefix="/healthz")`); its one
# rule takes the check's name (`app.config["HEALTHZ"]` maps names to functions at run time)
FLASK_HEALTHZ_BLUEPRINT = "healthz"
FLASK_HEALTHZ_RULES: tuple[Rule, ...] = (("/<name>", "check", GET),)
# or `Healthz(app, prefix="/healthz", no_log=False)` (`flask_healthz/ext.py`), whose `init_app`
# registers that blueprint with `url_prefix=self.prefix`
FLASK_HEALTHZ_CLASSES = frozenset({"flask_healthz.Healthz", "flask_healthz.ext.Healthz"})
FLASK_HEALTHZ_PREFIX = (1, "prefix", "/healthz")


# ---- Flask-Themes2 1.0.1 -------------------------------------------------------------------
FLASK_THEMES_VERSION = "1.0.1"
# `Themes(app, **options)` runs `init_themes(app, **options)` when given the app;
# `init_themes(self, app, loaders, app_identifier, manager_cls, theme_url_prefix="/_themes",
# static_folder=None)` registers the module-level `themes_blueprint = Blueprint("_themes", ...)`
FLASK_THEMES_CLASSES = frozenset({"flask_themes2.Themes"})
FLASK_THEMES_INIT = "init_themes"
FLASK_THEMES_BLUEPRINT = "_themes"
FLASK_THEMES_PREFIX = (4, "theme_url_prefix", "/_themes")
FLASK_THEMES_STATIC_FOLDER = (5, "static_folder")
# without a static folder: `url_prefix = theme_url_prefix` and this rule (view `static`);
# with one: no rule, the folder served at `app.static_url_path + theme_url_prefix`
FLASK_THEMES_RULES: tuple[Rule, ...] = (("/<themeid>/<path:filename>", "static", GET),)

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


# ---- blueprints a library defines at module level, for the project to register: the names
# it is imported by (package re-export and defining module), its name and rules
LIBRARY_BLUEPRINTS: dict[str, tuple[str, tuple[Rule, ...]]] = {
    dotted: (FLASK_HEALTHZ_BLUEPRINT, FLASK_HEALTHZ_RULES)
    for dotted in ("flask_healthz.healthz", "flask_healthz.blueprint.healthz")
}


# ---- extensions initialised by their constructor (`Swagger(app)`): the class names looked
# for among the calls, before resolution tells which library they come from
EXTENSION_CONSTRUCTORS = frozenset(
    dotted.rsplit(".", 1)[-1]
    for dotted in FLASGGER_CLASSES
    | FLASK_SECURITY_CLASSES
    | FLASK_HEALTHZ_CLASSES
    | FLASK_THEMES_CLASSES
)
