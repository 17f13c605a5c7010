"""Creating and upgrading the database schema with Alembic (`qingshou init`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from core.errors import UserError
from store.engine import reading_options

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration that needs no alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (creating it if empty); a database that cannot be opened is
    the one line the user sees, not a traceback."""
    try:
        # Already current: nothing to write, so a second session never waits for another's write lock.
        if is_current(engine):
            return
        _upgrade(engine)
    except DatabaseError as error:
        # As the user wrote it in DATABASE_URL: no driver name, no password.
        where = engine.url.set(drivername=engine.url.get_backend_name()).render_as_string(hide_password=True)
        if engine.dialect.name == "sqlite" and "not a database" in str(error.orig):
            raise UserError("database.not_a_database", url=where) from None
        if error.connection_invalidated or "connect" in str(error.orig).lower():
            raise UserError("database.unreachable", url=where) from None
        if "locked" in str(error.orig):
            raise UserError("database.busy", url=where) from None
        raise


def _upgrade(engine: Engine) -> None:
    config = alembic_config()
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return
    with engine.connect() as connection:
        # SQLite changes a table's constraints by copying it (batch mode), and dropping the old copy of a
        # table that others point at breaks their foreign keys unless the checks are off; SQLite switches
        # them only outside a transaction, so on the driver's connection before anything begins.
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"the migration left a broken foreign key: {tuple(broken)}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        # A read: on SQLite it must not take the write lock another session may hold.
        connection.execution_options(**reading_options(engine.dialect.name))
        return MigrationContext.configure(connection).get_current_revision() == head
