"""A decorator class built with a function it keeps on `self` and calls before the view
(privacyidea's `@prepolicy(check_base_action, request, action)`): each view runs the function
its own decorator line passes, not the others'."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import id_only_models_app, route_access

POLICY_DECORATOR_APP = {
    "app.py": id_only_models_app(
        ("Policy", "Realm", "Audit"),
        """
        import functools

        class prepolicy:
            def __init__(self, function, request, action=None):
                self.action = action
                self.request = request
                self.function = function

            def __call__(self, wrapped_function):
                @functools.wraps(wrapped_function)
                def policy_wrapper(*args, **kwds):
                    self.function(request=self.request, action=self.action)
                    return wrapped_function(*args, **kwds)

                return policy_wrapper

        class audited:
            def __init__(self, label, formatter):
                self.label = label
                self.formatter = formatter

            def __call__(self, wrapped_function):
                return wrapped_function

        def check_base_action(request=None, action=None):
            return Policy.query.all()

        def check_realm(request=None, action=None):
            return Realm.query.all()

        def audit_line(label):
            return Audit.query.count()

        @app.route("/resolvers")
        @prepolicy(check_base_action, request, "resolverread")
        def resolvers():
            return "resolvers"

        @app.route("/realms")
        @prepolicy(check_realm, request, action="realmread")
        def realms():
            return "realms"

        @app.route("/audit")
        @audited("audit", audit_line)
        def audit():
            return "audit"
    """,
        flask_names="Flask, request",
    ),
}


def test_a_decorator_class_runs_the_function_its_line_passes(tmp_path: Path) -> None:
    access = route_access(tmp_path, POLICY_DECORATOR_APP)
    assert access["resolvers"].reads == ("policy",)
    assert access["realms"].reads == ("realm",)


def test_a_function_kept_but_never_called_on_self_is_no_callee(tmp_path: Path) -> None:
    access = route_access(tmp_path, POLICY_DECORATOR_APP)
    # `audited` keeps `self.formatter` but its methods never call it
    assert access["audit"].reads == ()
