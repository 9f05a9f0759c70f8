"""The catalog's list_products query validation: the monolith's rules, order and messages."""

from __future__ import annotations

import pytest

from extracted_services.catalog.exceptions import BadRequest
from extracted_services.catalog.queries import ProductQuery, parse_product_query


def test_no_query_gives_the_defaults() -> None:
    assert parse_product_query(None) == ProductQuery(page=1, per_page=20, sort="name")
    assert parse_product_query({}) == parse_product_query(None)


def test_valid_values_are_parsed_and_unknown_keys_ignored() -> None:
    query = parse_product_query(
        {
            "category": "lamps",
            "q": "  Brass LAMP ",
            "min_price": "007",
            "max_price": "1999",
            "page": "3",
            "per_page": "100",
            "sort": "-price",
            "colour": "red",
        }
    )
    assert query == ProductQuery(
        category="lamps",
        text="Brass LAMP",
        min_price=7,
        max_price=1999,
        page=3,
        per_page=100,
        sort="-price",
    )
    assert query.offset == 200


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_search_text_is_no_filter(blank: str) -> None:
    assert parse_product_query({"q": blank}).text is None


def test_digit_strings_of_any_length_are_integers_capped_like_the_monolith() -> None:
    assert parse_product_query({"page": "0" * 5000 + "2"}).page == 2
    assert parse_product_query({"page": "9" * 5000}).page == 10**4000
    assert parse_product_query({"min_price": "1" + "0" * 4000}).min_price == 10**4000
    with pytest.raises(BadRequest, match="per_page must be at most 100"):
        parse_product_query({"per_page": "9" * 5000})


def test_zero_prices_and_equal_bounds_are_valid() -> None:
    query = parse_product_query({"min_price": "0", "max_price": "0"})
    assert (query.min_price, query.max_price) == (0, 0)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "0"}, "page must be a positive integer"),
        ({"page": "-1"}, "page must be a positive integer"),
        ({"page": "+1"}, "page must be a positive integer"),
        ({"page": " 1"}, "page must be a positive integer"),
        ({"page": "1.0"}, "page must be a positive integer"),
        ({"page": ""}, "page must be a positive integer"),
        ({"page": "1\n"}, "page must be a positive integer"),
        ({"page": "²"}, "page must be a positive integer"),
        ({"per_page": "0"}, "per_page must be a positive integer"),
        ({"per_page": "x"}, "per_page must be a positive integer"),
        ({"per_page": "101"}, "per_page must be at most 100"),
        ({"per_page": "99999999999999999999"}, "per_page must be at most 100"),
        ({"min_price": "-1"}, "min_price must be a non-negative integer"),
        ({"min_price": ""}, "min_price must be a non-negative integer"),
        ({"max_price": "1e3"}, "max_price must be a non-negative integer"),
        ({"min_price": "11", "max_price": "10"}, "min_price must not exceed max_price"),
        ({"sort": "Name"}, "sort must be one of: name, price, -price, newest"),
        ({"sort": ""}, "sort must be one of: name, price, -price, newest"),
    ],
)
def test_each_invalid_parameter_has_its_message(query: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_product_query(query)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"page": "0", "per_page": "0", "min_price": "x", "sort": "?"},
            "page must be a positive integer",
        ),
        ({"per_page": "500", "min_price": "x"}, "per_page must be at most 100"),
        ({"min_price": "x", "max_price": "y"}, "min_price must be a non-negative integer"),
        ({"max_price": "y", "sort": "?"}, "max_price must be a non-negative integer"),
        ({"min_price": "2", "max_price": "1", "sort": "?"}, "min_price must not exceed max_price"),
    ],
)
def test_the_first_failure_in_contract_order_wins(query: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_product_query(query)
    assert str(raised.value) == message


def test_category_is_passed_through_even_when_empty() -> None:
    assert parse_product_query({"category": ""}).category == ""
    assert parse_product_query({}).category is None
