"""A branch taken only when an optional parameter is given (`if users: role.users = users`)
counts for the calls that pass it, not for those that leave it out."""

from __future__ import annotations

import ast
from pathlib import Path

from analyzer_projects import route_access, teams_and_people_app

from analyzer.database.param_guards import param_guards
from analyzer.facts.database import ParamGuard

APP = teams_and_people_app(
    """
    def create_team(name, people=None, note=""):
        team = Team(name=name)
        if people:
            team.people = people
        if note is not None:
            team.note = note
        db.session.add(team)
        db.session.commit()
        return team

    @app.route("/teams", methods=["POST"])
    def new_team():
        create_team(request.json["name"])
        return "made"

    @app.route("/teams/full", methods=["POST"])
    def new_full_team():
        create_team(request.json["name"], request.json["people"])
        return "made"

    @app.route("/teams/none", methods=["POST"])
    def new_team_without_people():
        create_team(request.json["name"], people=None)
        return "made"
""",
    "Flask, request",
)


def test_an_optional_parameters_branch_counts_only_where_it_is_passed(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    assert access["new_team"].writes == ("teams",)
    assert access["new_team_without_people"].writes == ("teams",)
    assert set(access["new_full_team"].writes) == {"teams", "members"}


def test_a_branch_for_one_class_of_a_parameter_is_guarded_by_that_class() -> None:
    source = (
        "def can_see(thing, user=None):\n"  # line 1
        "    if isinstance(thing, models.Comment) and user:\n"
        "        a = 1\n"  # line 3
        '    if thing.__class__.__name__ == "Post":\n'
        "        b = 2\n"  # line 5
        "    if isinstance(thing, (Post, Comment)):\n"
        "        c = 3\n"  # line 7: either class, so no one class is required
    )
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    guards = set(param_guards(function, ["thing", "user"]))
    assert guards == {
        ParamGuard("user", 3, 3),
        ParamGuard("thing", 3, 3, "models.Comment"),
        ParamGuard("thing", 5, 5, "Post"),
    }


EVENTS_APP = teams_and_people_app(
    """
    class ApiEvent(db.Model):
        __tablename__ = "api_event"
        id = db.Column(db.Integer, primary_key=True)

    def emit(event, data=None, persist=True, project_id=None):
        if persist:
            db.session.add(ApiEvent())
            db.session.commit()

    def save_event(event):
        db.session.add(ApiEvent())
        db.session.commit()

    def attach(event, files=None):
        if files:
            save_event(event)
        return event

    def publish(event, persist=True):
        print(event)
        if persist:
            save_event(event)

    class Notifier:
        def notify(self, event, persist=True):
            if persist:
                db.session.add(ApiEvent())

    @app.route("/ping")
    def ping():
        emit("main:test", data={}, persist=False)
        return "pong"

    @app.route("/ping/positional")
    def ping_positional():
        emit("main:test", {}, False)
        Notifier().notify("main:test", False)
        return "pong"

    @app.route("/teams/<int:team_id>", methods=["DELETE"])
    def delete_team(team_id):
        emit("team:delete", {"id": team_id})
        return "gone"

    @app.route("/published")
    def published():
        publish("main:test", persist=False)
        return "sent"

    @app.route("/published/kept")
    def published_and_kept():
        publish("main:test")
        return "sent"

    @app.route("/published/answered")
    def published_and_answered():
        return (attach("main:test", files=request.files), 201)

    @app.route("/published/dispatched")
    def published_by_a_handler():
        handlers = {"publish": publish}
        handlers["publish"]("main:test")
        return "sent"

    @app.route("/teams/<int:team_id>/touch", methods=["POST"])
    def touch_team(team_id):
        Notifier().notify("team:touch")
        emit("team:touch", persist=request.json["persist"])
        return "done"
""",
    "Flask, request",
)


SERIALIZED = teams_and_people_app(
    """
    class Badge(db.Model):
        __tablename__ = "badges"
        id = db.Column(db.Integer, primary_key=True)

    class Player(db.Model):
        __tablename__ = "players"
        id = db.Column(db.Integer, primary_key=True)

        @property
        def badge_count(self):
            return Badge.query.count()

        @property
        def people_count(self):
            return Person.query.count()

        def serialize(self, *, check_badges=False, light=True, viewer=None):
            data = {"id": self.id}
            if check_badges:
                data["badges"] = self.badge_count
            if light:
                return data
            data["teams"] = Team.query.count()
            if viewer:
                data["people"] = self.people_count
            return data

    @app.route("/players/<int:pid>")
    def player(pid):
        found = Player.query.get(pid)
        return found.serialize()

    @app.route("/players/<int:pid>/teams")
    def player_teams(pid):
        found = Player.query.get(pid)
        return found.serialize(light=False)

    @app.route("/players/<int:pid>/full")
    def full_player(pid):
        found = Player.query.get(pid)
        return found.serialize(check_badges=True, light=False)

    @app.route("/players/<int:pid>/nested")
    def nested_player(pid):
        found = Player.query.get(pid)
        return {"player": found.serialize(check_badges=True)}

    @app.route("/players/<int:pid>/seen")
    def seen_player(pid):
        found = Player.query.get(pid)
        return found.serialize(viewer=pid)

    @app.route("/players/<int:pid>/seen/full")
    def seen_full_player(pid):
        found = Player.query.get(pid)
        return found.serialize(viewer=pid, light=False)
"""
)


def test_a_branch_on_a_parameter_true_by_default_is_left_out_where_a_call_turns_it_off(
    tmp_path: Path,
) -> None:
    """zou's `events.emit(event, data, persist=True)` stores the event only `if persist:`;
    a call passing `persist=False` (or False at its position) writes nothing."""
    access = route_access(tmp_path, {"app.py": EVENTS_APP})
    assert access["ping"].writes == ()
    assert access["ping_positional"].writes == ()
    assert access["delete_team"].writes == ("api_event",)
    assert access["touch_team"].writes == ("api_event",)


def test_a_call_in_such_a_branch_is_made_only_for_the_calls_that_take_it(tmp_path: Path) -> None:
    """zou's `emit` calls `save_event(...)` only `if persist:`: the call graph's edge goes to
    the callers that leave `persist` on."""
    access = route_access(tmp_path, {"app.py": EVENTS_APP})
    assert access["published"].writes == ()
    assert access["published_and_kept"].writes == ("api_event",)
    # a call inside an expression keeps no arguments: it may pass the parameter
    assert access["published_and_answered"].writes == ("api_event",)
    # a caller the call graph knows, whose call is not read (through a table of handlers)
    assert access["published_by_a_handler"].writes == ("api_event",)


def test_a_model_method_returning_early_by_default_charges_the_rest_to_calls_that_pass_it(
    tmp_path: Path,
) -> None:
    access = route_access(tmp_path, {"app.py": SERIALIZED})
    assert access["player"].reads == ("players",)
    assert set(access["player_teams"].reads) == {"players", "teams"}
    assert set(access["full_player"].reads) == {"players", "teams", "badges"}
    # a call inside an expression keeps only the names of its arguments: enough to know
    # that it passes `check_badges` and leaves `light` to its default
    assert set(access["nested_player"].reads) == {"players", "badges"}
    # `if viewer:` after the early return: both must let the line run
    assert access["seen_player"].reads == ("players",)
    assert set(access["seen_full_player"].reads) == {"players", "teams", "people"}


def test_an_early_return_on_a_parameter_guards_the_rest_of_the_function() -> None:
    source = (
        "def show(self, light=True, viewer=None):\n"  # line 1
        "    if light or other:\n"
        "        return 1\n"
        "    if viewer is None:\n"
        "        raise ValueError\n"  # line 5
        "    a = 1\n"
    )
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    guards = set(param_guards(function, ["light", "viewer"]))
    assert guards == {
        ParamGuard("light", 4, 6, falsy=True),
        ParamGuard("viewer", 6, 6),
    }


HANDED_ON = teams_and_people_app(
    """
    def add_people(team, people=None):
        if people:
            team.people = people
        db.session.commit()

    def make_team(name, people=None):
        team = Team(name=name)
        db.session.add(team)
        add_people(team, people)
        return team

    def make_team_maybe_staffed(name, staffed=False):
        if staffed:
            return make_team(name, people=[Person()])
        return make_team(name)

    @app.route("/teams/bare", methods=["POST"])
    def new_bare_team():
        make_team(request.json["name"])
        return "made"

    @app.route("/teams/staffed", methods=["POST"])
    def new_staffed_team():
        make_team(request.json["name"], request.json["people"])
        return "made"

    @app.route("/teams/unstaffed", methods=["POST"])
    def new_unstaffed_team():
        make_team_maybe_staffed(request.json["name"])
        return "made"
""",
    "Flask, request",
)


def test_a_parameter_handed_on_to_a_guarded_one_guards_the_callers_use(tmp_path: Path) -> None:
    """`make_team(name, people=None)` passes its own `people` on to `add_people`, whose `if
    people:` assigns the members: only the calls of make_team passing people write them; and
    a use moved into a caller's own guarded branch (`if staffed:`) moves on in turn."""
    access = route_access(tmp_path, {"app.py": HANDED_ON})
    assert access["new_bare_team"].writes == ("teams",)
    assert set(access["new_staffed_team"].writes) == {"teams", "members"}
    assert access["new_unstaffed_team"].writes == ("teams",)
