"""Fixtures shared by the suite: the real store on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from bot.app import App, build
from bot.settings import load_settings
from store.engine import normalize_url

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
CAMPAIGN_START = date(2026, 1, 1)
CAMPAIGN_END = date(2026, 12, 31)
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


class Clock:
    """A settable clock for the store."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        return "PostgreSQL tests: on (TEST_DATABASE_URL is set)"
    return "PostgreSQL tests: skipped (TEST_DATABASE_URL is not set)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_URL:
        terminalreporter.write_line(
            "PostgreSQL store tests were skipped: set TEST_DATABASE_URL=postgresql://… to run them.",
            yellow=True,
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(PG_URL))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[App]:
    """The application on a migrated, empty database, with the clock at 2026-11-29 10:00 Shanghai."""
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        campaign_start=CAMPAIGN_START,
        campaign_end=CAMPAIGN_END,
    )
    built = build(settings, clock=clock)
    built.init_database()
    yield built
    built.close()
