"""Hypothesis settings for the fuzzing tests, and the raw request pieces they draw from.

Example counts stay modest so each test runs in seconds. Under CI (CI=true) every run
draws the same examples (derandomized); no example database is written into the tree
(a failure prints the example and its reproduce blob instead).
"""

from __future__ import annotations

from ci_rules import in_ci
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# path segments meant to confuse a router: dot-segments plain and encoded, encoded
# slashes, bad and non-ASCII escapes, parameters, plus ordinary names the routes use
TRICKY_SEGMENTS = (
    "",
    ".",
    "..",
    "%2e",
    "%2E%2e",
    ".%2e",
    "%2f",
    "%2F..%2F",
    "%5c",
    "\\",
    "%",
    "%zz",
    "%C3%A9",
    "%FF",
    "%00",
    "%20",
    "%3F",
    "%23",
    ";x=1",
    "admin",
    "api",
    "items",
    "files",
    "7",
    "-1",
    "x",
)
PLAIN = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"))


def fuzz_settings(max_examples: int) -> settings:
    """Settings for a fuzzing test drawing `max_examples` examples."""
    return settings(
        max_examples=max_examples,
        derandomize=in_ci(),
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


SEGMENTS = st.one_of(st.sampled_from(TRICKY_SEGMENTS), st.sampled_from(TRICKY_SEGMENTS), PLAIN)
QUERIES = st.one_of(st.none(), PLAIN)


@st.composite
def origin_paths(draw: st.DrawFn) -> str:
    """A raw origin-form path (printable ASCII, as a request line carries it)."""
    return "/" + "/".join(draw(st.lists(SEGMENTS, max_size=5)))


def with_query(path: str, query: str | None) -> str:
    return path if query is None else f"{path}?{query}"


def origin_targets() -> st.SearchStrategy[str]:
    """A raw origin-form target: a path and maybe a query."""
    return st.builds(with_query, origin_paths(), QUERIES)


def targets_under(prefixes: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Raw origin-form targets, half of them a route's prefix and a segment or two."""
    paths = st.builds(
        lambda prefix, segments: prefix + "/".join(segments),
        st.sampled_from(prefixes),
        st.lists(SEGMENTS, min_size=1, max_size=2),
    )
    return st.one_of(st.builds(with_query, paths, QUERIES), origin_targets())
