"""Engines for the two supported databases, from the plain URLs people write in DATABASE_URL."""

from __future__ import annotations

import contextlib
import functools
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL

from core.files import new_private_file

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_CACHE_KIB = 64 * 1024
# A pooled PostgreSQL connection idle longer than this is pinged before use (the server may have restarted).
PING_AFTER_IDLE_SECONDS = 10.0
# Execution option marking a connection that only reads.
READ_ONLY = "qingshou_read_only"


def reading_options(dialect: str) -> dict[str, Any]:
    """Execution options for reads: no transaction, each statement sees what is committed.

    A transaction around a few SELECTs costs two more round trips (BEGIN, ROLLBACK) than the SELECTs.
    On SQLite the begin listener below skips BEGIN; PostgreSQL is told to autocommit.
    """
    if dialect == "sqlite":
        return {READ_ONLY: True}
    return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}


def writing_options(dialect: str, default_isolation: str | None) -> dict[str, Any]:
    """Execution options for a write transaction (undoing `reading_options`)."""
    if dialect == "sqlite":
        return {READ_ONLY: False}
    return {READ_ONLY: False, "isolation_level": default_isolation or "READ COMMITTED"}


def normalize_url(url: str) -> URL:
    """Pick the driver: `sqlite:///x.db` uses the standard library, `postgresql://` uses psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if "+" not in parsed.drivername:
        driver = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite+pysqlite"}.get(parsed.drivername)
        if driver is not None:
            parsed = parsed.set(drivername=driver)
    return parsed


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL or a database held in memory)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def missing_folder(engine: Engine) -> Path | None:
    """The folder a SQLite database file should be in, when it does not exist (SQLite cannot create it)."""
    file = sqlite_file(engine)
    if file is None or file.parent.is_dir():
        return None
    return file.parent


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each database needs under concurrent use."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        # LIFO: messages handled one after another get the same connection, whose page cache stays warm
        # (SQLite drops a connection's cache whenever another connection has written).
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_use_lifo=True,
            **kwargs,
        )
        database = sqlite_file(engine)
        if database is not None:
            # The ledger holds ID numbers and phones: a database file the bot creates is its owner's alone
            # (SQLite gives the -wal and -shm files beside it the database's mode). One it finds is left as it is.
            event.listen(engine, "do_connect", functools.partial(_create_privately, database))
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN and breaks SERIALIZABLE-like writes; take it over.
        # Writers take the write lock up front (no deadlock upgrading a read lock); readers need none.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _create_privately(database: Path, *_connect_arguments: Any) -> None:
    # Created before SQLite opens it (it would create it with the umask's mode, 0644). A folder that is
    # missing or refuses is left to SQLite to report.
    with contextlib.suppress(OSError):
        new_private_file(database)


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # pool_pre_ping would ping on every checkout: a round trip per message, as costly as a query. A connection
    # returned moments ago is trusted; one that sat idle is tried first, and a dead one is replaced (the pool
    # retries the checkout on DisconnectionError).
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()  # end the transaction the driver began for the ping
    except Exception as error:
        raise exc.DisconnectionError("the database connection was lost while idle") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer works; the busy timeout makes writers wait, not fail.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A page cache that holds a city's working set (the default is 2 MB), filled only as pages are read.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # FULL: a committed repayment survives a power cut too (NORMAL in WAL mode may lose the last commits),
    # as on PostgreSQL, whose commits are flushed to disk. It costs one fsync per write, none per read.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Readers run without a transaction (each statement is atomic on its own and sees what is committed).
    if not connection.get_execution_options().get(READ_ONLY, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
