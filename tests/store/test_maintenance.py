"""Backups and migrations on both databases."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.app import App
from store.maintenance import backup
from store.schema import is_current, upgrade
from tests.ledger_data import seed


def test_migrations_are_current_and_idempotent(app: App) -> None:
    assert is_current(app.engine)
    upgrade(app.engine)  # a second `qingshou init` changes nothing
    assert is_current(app.engine)


def test_backup_is_a_consistent_copy(app: App, tmp_path: Path) -> None:
    seed(app)
    target = tmp_path / "copy.bak"
    if app.engine.dialect.name == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    backup(app.engine, target)
    if app.engine.dialect.name == "sqlite":
        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT loan_no FROM cases ORDER BY loan_no").fetchall() == [
                ("L2023001",),
                ("L2023002",),
                ("L2023003",),
            ]
    else:
        assert target.read_bytes()[:5] == b"PGDMP"


def test_models_match_the_migrations(app: App) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from store.models import Base

    with app.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_health_check_says_whether_the_database_answers(app: App, tmp_path: Path) -> None:
    from bot.app import build
    from bot.settings import load_settings

    assert app.store.answers()
    unreachable = build(
        load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    )
    assert unreachable.store.answers() is False
    unreachable.close()
