"""`a if c else b` in the facts: the value itself when one arm is just None (the object an
access goes through: `user.resolver if user else None`), and a choice decided by each call
only when both arms are real values under a test on a parameter (`'/_api' if not testing
else ''`). privacyidea lost table access through a helper when the first kind became a
choice. Expected values written by hand from the code below."""

from __future__ import annotations

from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.facts.values import Attr, Choice, Lit, Param

CODE = b"""
def resolver_of(user):
    return user.resolver if user else None


def owner_of(user=None):
    return None if not user else user.owner


def prefix(testing=None):
    return "/_api" if not testing else ""
"""


def returns() -> dict[str, object]:
    facts = extract_file(CODE, FileSpec("app.py", "python", "app", False), None)
    return {f.qualname: f.returns for f in facts.functions}


def test_a_value_or_none_is_the_value() -> None:
    found = returns()
    assert found["resolver_of"] == Attr(Param("user"), "resolver")
    assert found["owner_of"] == Attr(Param("user"), "owner")


def test_two_real_values_under_a_parameter_are_a_choice_each_call_decides() -> None:
    assert returns()["prefix"] == Choice(Param("testing"), Lit(""), Lit("/_api"))
