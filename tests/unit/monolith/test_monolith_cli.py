"""`strangler monolith seed` through click's CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from strangler.errors import UsageError
from strangler_cli import cli


def test_seed_command_prints_a_summary(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    result = CliRunner().invoke(
        cli,
        [
            "monolith",
            "seed",
            "--database-url",
            url,
            "--products",
            "30",
            "--users",
            "3",
            "--orders",
            "4",
            "--seed",
            "9",
        ],
    )
    assert result.exit_code == 0, result.output
    pattern = (
        rf"seeded {re.escape(url)}: 30 products \(\d+ inactive\), 14 categories, 4 users,"
        r" 4 orders, \d+ reviews; \d+ rows in 20 tables\n"
    )
    assert re.fullmatch(pattern, result.output), result.output
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM products")).scalar_one()
    engine.dispose()
    assert count == 30


def test_seed_command_reads_database_url_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/env.sqlite3"
    result = CliRunner().invoke(
        cli,
        ["monolith", "seed", "--products", "5", "--users", "1", "--orders", "0"],
        env={"DATABASE_URL": url},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"seeded {url}: 5 products")


def test_seed_command_refuses_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    negative = runner.invoke(cli, ["monolith", "seed", "--products", "0"])
    assert negative.exit_code == 2
    assert "--products" in negative.output
    bad_url = runner.invoke(cli, ["monolith", "seed", "--database-url", "nonsense"])
    assert isinstance(bad_url.exception, UsageError)
    assert "database URL 'nonsense' is not a database URL" in str(bad_url.exception)


def test_seed_command_says_which_database_urls_work() -> None:
    result = CliRunner().invoke(
        cli, ["monolith", "seed", "--database-url", "postgres://postgres@127.0.0.1/shop"]
    )
    assert isinstance(result.exception, UsageError)
    assert "cannot use monolith database URL 'postgres://postgres@127.0.0.1/shop'" in str(
        result.exception
    )
    assert "no database kind is called 'postgres'" in str(result.exception)
    assert result.exception.hint is not None and "postgresql://" in result.exception.hint
