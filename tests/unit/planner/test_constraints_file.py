"""Reading a constraints file: what it says, and an error naming the line for each mistake
(against a plan graph of routes p1 p2 q1 q2 and tables t_a t_b t_c t_d)."""

from __future__ import annotations

import pytest

from planner.constraints import ConstraintsError, ConstraintsFile, read_constraints
from planner.model import Apart, Constraints, Pin, PlanGraph

GRAPH = PlanGraph(
    nodes=tuple(sorted([*(f"route:{r}" for r in ("p1", "p2", "q1", "q2")),
                        *(f"table:t_{t}" for t in "abcd")])),
    edges={},
)  # fmt: skip
PROJECT = "sha256:" + "5" * 64


def read(text: str, services: int | None = None) -> Constraints:
    return read_constraints(ConstraintsFile("shop.toml", text), GRAPH, PROJECT, services)


def test_pins_and_apart_carry_the_lines_they_are_written_on() -> None:
    constraints = read(
        f'project = "{PROJECT}"\n'
        "\n"
        "[services.one]\n"
        "tables = [\n"
        '  "t_a",\n'
        '  "t_b",\n'
        "]\n"
        'routes = ["p1"]\n'
        "\n"
        "[[apart]]\n"
        'things = ["table:t_a", "route:q1"]\n'
        "[[apart]]\n"
        "things = ['route:p2', 'table:t_c']\n"
    )
    assert constraints.source == "shop.toml"
    assert constraints.services == ("one",)
    assert constraints.pins == (
        Pin("table:t_a", "one", 5),
        Pin("table:t_b", "one", 6),
        Pin("route:p1", "one", 8),
    )
    assert constraints.apart == (
        Apart(("table:t_a", "route:q1"), 11),
        Apart(("route:p2", "table:t_c"), 13),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[services.one]\ntables = ["t_a"]\nroutes = = 1\n',
            r"shop\.toml:3: TOML syntax error: .*\(column 10\)",
            id="syntax",
        ),
        pytest.param(
            '# pins\nprojet = "sha256:0"\n',
            r"shop\.toml:2: unknown key 'projet' at the top level \(did you mean 'project'\?\)",
            id="unknown top-level key",
        ),
        pytest.param(
            '[servics.one]\ntables = ["t_a"]\n',
            r"shop\.toml:1: unknown key 'servics' at the top level \(did you mean 'services'\?\)",
            id="misspelt table",
        ),
        pytest.param(
            '[services.one]\ntables = ["t_a"]\n\n[services.two]\ntabels = ["t_b"]\n',
            r"shop\.toml:5: unknown key 'tabels' in \[services\.two\] \(did you mean 'tables'\?\)",
            id="unknown pin key",
        ),
        pytest.param(
            '[services.one]\ntables = ["t_a"]\n[services.one.extra]\nroutes = []\n',
            r"shop\.toml:3: unknown key 'extra' in \[services\.one\]",
            id="a table under a service",
        ),
        pytest.param(
            '[services.one]\ntables = [\n  "t_a",\n  "t_dd",\n]\n',
            r"shop\.toml:4: unknown table 't_dd' under tables \(did you mean 't_d'\?\)",
            id="unknown table",
        ),
        pytest.param(
            '[services.one]\nroutes = ["p1"]\ntables = ["p2"]\n',
            r"shop\.toml:3: unknown table 'p2' under tables; it is a route",
            id="a route listed as a table",
        ),
        pytest.param(
            '[services.one]\ntables = ["t_a"]\n[services.two]\nroutes = ["p1"]\n'
            'tables = ["t_b", "t_a"]\n',
            r"shop\.toml:5: table 't_a' is pinned to 'two' here and to 'one' at line 2",
            id="pinned to two services",
        ),
        pytest.param(
            '[services.one]\ntables = ["t_a", "t_b"]\n\n[[apart]]\n'
            'things = ["table:t_a", "table:t_b"]\n',
            r"shop\.toml:5: table 't_a' and table 't_b' are kept apart but both pinned to"
            r" 'one' \(lines 2 and 2\)",
            id="apart but pinned together",
        ),
        pytest.param(
            'project = "sha256:0"\n',
            r"shop\.toml:1: made for another project: project = 'sha256:0', this analysis is"
            r" 'sha256:[0-9a-f]{64}'",
            id="another project",
        ),
        pytest.param(
            '[services."my-svc"]\ntables = ["t_a"]\n',
            r"shop\.toml:1: service name 'my-svc': use letters, digits and _",
            id="service name",
        ),
        pytest.param(
            "[services.one]\n\n[services.two]\ntables = ['t_a']\n",
            r"shop\.toml:1: \[services\.one\] pins nothing",
            id="empty service",
        ),
        pytest.param(
            '[services.one]\ntables = "t_a"\n',
            r"shop\.toml:2: services\.one\.tables: must be a list of strings",
            id="not a list",
        ),
        pytest.param(
            '[[apart]]\nthings = ["table:t_a"]\n',
            r"shop\.toml:2: \[\[apart\]\] things: name at least two different things",
            id="apart alone",
        ),
        pytest.param(
            '[[apart]]\nthings = ["table:t_a", "table:t_b"]\n[[apart]]\nthings = [\n'
            '  "t_c",\n  "table:t_d",\n]\n',
            r"shop\.toml:5: 't_c': say what it is, 'route:', 'module:' or 'table:'"
            r" \(did you mean 'table:t_c'\?\)",
            id="apart without a kind",
        ),
        pytest.param(
            '[[apart]]\nthings = ["tabel:t_a", "table:t_b"]\n',
            r"shop\.toml:2: 'tabel:t_a': unknown kind 'tabel' \(did you mean 'table'\?\)",
            id="apart with an unknown kind",
        ),
        pytest.param(
            '[[apart]]\nthigns = ["table:t_a", "table:t_b"]\n',
            r"shop\.toml:2: unknown key 'thigns' in \[\[apart\]\] \(did you mean 'things'\?\)",
            id="unknown apart key",
        ),
    ],
)
def test_each_mistake_is_refused_at_its_line(text: str, message: str) -> None:
    with pytest.raises(ConstraintsError, match=message) as caught:
        read(text)
    assert caught.value.exit_code == 2
    assert caught.value.hint  # says where the format is, or what to do


def test_more_named_services_than_asked_for_is_refused_at_the_first_too_many() -> None:
    text = '[services.one]\ntables = ["t_a"]\n\n[services.two]\ntables = ["t_c"]\n'
    assert read(text, services=2).services == ("one", "two")
    with pytest.raises(
        ConstraintsError,
        match=r"shop\.toml:4: the file names 2 services \(one, two\), more than --services 1",
    ):
        read(text, services=1)
