"""Objects kept in a dict under a constant key and read back (a request-local store, a cache):
privacyidea's `get_config_object()` puts `SharedConfigClass()` in its store under
`"shared_config_object"`, returns it from there, and calls its `reload_and_clone()`, which
loads every table of the configuration."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import analyze, by_endpoint, id_only_models_app, write_dedented

CONFIG_STORE_APP = {
    "app.py": id_only_models_app(
        ("Realm", "Policy", "Note"),
        """
        class Shared:
            def reload(self):
                return Snapshot(Realm.query.all())

        class Snapshot:
            def __init__(self, realms):
                self.realms = realms
                self.policies = Policy.query.all()

        class Notes:
            def all(self):
                return Note.query.all()

        def get_store():
            return g.setdefault("store", {})

        def get_shared():
            store = get_store()
            if "shared" not in store:
                store["shared"] = Shared()
            return store["shared"]

        def get_config():
            store = get_store()
            if "config" not in store:
                shared = get_shared()
                store["config"] = shared.reload()
            return store["config"]

        def get_notes():
            store = {}
            store["helper"] = Notes()
            store = get_store()
            return store["helper"]

        def get_nested_notes():
            store = {}
            store["helper"] = Notes()

            def inner():
                store = get_store()
                return store["helper"]

            return inner()

        @app.route("/nested-notes")
        def nested_notes():
            return str(get_nested_notes().all())

        @app.route("/realms")
        def realms():
            return str(get_config().realms)

        @app.route("/notes")
        def notes():
            return str(get_notes().all())
    """,
        flask_names="Flask, g",
    ),
}


def test_an_object_stored_under_a_constant_key_is_what_that_key_reads_back(
    tmp_path: Path,
) -> None:
    access = by_endpoint(analyze(write_dedented(tmp_path, CONFIG_STORE_APP)))
    # get_shared() returns the Shared() it stored; its reload() builds the snapshot
    assert access["realms"].reads == ("policy", "realm")
    assert access["realms"].writes == ()


def test_a_store_bound_anew_forgets_the_items_set_on_the_old_one(tmp_path: Path) -> None:
    access = by_endpoint(analyze(write_dedented(tmp_path, CONFIG_STORE_APP)))
    # `store` is another dict once rebound: its "helper" is not the Notes() set before, in a
    # function defined inside the one that set it too
    assert access["notes"].reads == ()
    assert access["nested_notes"].reads == ()
