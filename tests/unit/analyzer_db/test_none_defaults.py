"""A parameter defaulting to None and replaced by an empty list (`if resolvers is None:
resolvers = []`, privacyidea's `set_realm`): the loop over it runs for the callers passing
items, so the calls in its body count; before, the loop was taken to run over `[]` only."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import id_only_models_app, route_access

NONE_DEFAULT_APP = {
    "app.py": id_only_models_app(
        ("Node",),
        """
        def check_node(node):
            return Node.query.get(node)

        def set_realm(name, resolvers=None):
            if resolvers is None:
                resolvers = []
            for reso in resolvers:
                check_node(reso["node"])
            return name

        def set_nodes(nodes=None):
            if nodes is not None:
                nodes = list(nodes)
            else:
                nodes = []
            for node in nodes:
                check_node(node)

        @app.route("/realms/<name>", methods=["POST"])
        def post_realm(name):
            set_realm(name, resolvers=[{"node": 1}])
            return name

        @app.route("/nodes", methods=["POST"])
        def post_nodes():
            set_nodes([1, 2])
            return "set"
    """,
    ),
}


def test_a_loop_over_a_parameter_defaulted_to_an_empty_list_runs_its_calls(
    tmp_path: Path,
) -> None:
    access = route_access(tmp_path, NONE_DEFAULT_APP)
    assert access["post_realm"].reads == ("node",)
    assert access["post_nodes"].reads == ("node",)
