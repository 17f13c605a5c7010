"""Keeping the database: consistent backups."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import URL, Engine, inspect

from core.errors import UserError
from core.files import private_file
from store.engine import sqlite_file

# How each kind of backup file begins: a SQLite database, and pg_dump's custom format.
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


def backup(engine: Engine, target: Path) -> bool:
    """Write a consistent copy of the database to `target` (SQLite file, or a pg_dump archive).

    An earlier backup at `target` is replaced, and only once the new copy is complete; any other file there
    is refused, never overwritten. Returns whether an earlier backup was replaced.
    """
    target = Path(target)
    if target.is_dir():
        raise UserError("file.is_folder", path=str(target))
    if not target.parent.is_dir():
        raise UserError("file.no_folder", folder=str(target.parent), path=str(target))
    source = sqlite_file(engine)
    # A backup copies the database as it is; it never creates one (nor upgrades it: a copy taken before an
    # upgrade must keep the old schema).
    if source is not None and not source.is_file():
        raise UserError("backup.not_initialised")
    if source is not None and target.exists() and target.resolve() == source.resolve():
        raise UserError("backup.same_file", path=str(target))
    if not inspect(engine).has_table("alembic_version"):
        raise UserError("backup.not_initialised")
    replacing = target.exists()
    header = SQLITE_HEADER if source is not None else PG_DUMP_HEADER
    if replacing and not _begins_with(target, header):
        raise UserError("backup.not_a_backup", path=str(target))
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        if source is not None:
            _copy_sqlite(engine, partial)
        else:
            _dump_postgresql(engine, partial)
        # The copy holds every ID number and phone of the ledger: its owner's alone, however it was written.
        private_file(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return replacing


def _begins_with(path: Path, header: bytes) -> bool:
    # An empty file holds nothing to lose (a name reserved with `touch`).
    with path.open("rb") as file:
        start = file.read(len(header))
    return start == header or start == b""


def _copy_sqlite(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        # The online backup API copies a consistent snapshot even while the bot writes.
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # One self-contained file: no write-ahead log beside it to lose when the file is moved.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        raw.close()


def _dump_postgresql(engine: Engine, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise UserError("backup.no_pg_dump")
    url, password = _without_password(engine.url)
    environment = dict(os.environ)
    with contextlib.ExitStack() as cleanup:
        if password is not None:
            # Never on the command line, which every user of the machine can read (`ps`); and through a
            # password file rather than PGPASSWORD, whose environment some systems show too.
            environment.pop("PGPASSWORD", None)  # it would take precedence over the file
            environment["PGPASSFILE"] = str(cleanup.enter_context(_password_file(password)))
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={target}", url],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
    if result.returncode != 0:
        raise UserError(
            "backup.failed", reason=result.stderr.strip().splitlines()[-1] if result.stderr else ""
        )


def _without_password(url: URL) -> tuple[str, str | None]:
    """The connection URL for libpq with no password in it, and the password (from the URL or its query)."""
    given = url.query.get("password")
    password = url.password if url.password is not None else given[-1] if isinstance(given, tuple) else given
    bare = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query={key: value for key, value in url.query.items() if key != "password"},
    )
    return bare.render_as_string(hide_password=False), None if password is None else str(password)


@contextlib.contextmanager
def _password_file(password: str) -> Iterator[Path]:
    """A libpq password file (mode 0600, as libpq requires) for the one call, removed after it."""
    handle, name = tempfile.mkstemp(prefix="qingshou-pgpass-")
    path = Path(name)
    try:
        escaped = password.replace("\\", "\\\\").replace(":", "\\:")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(f"*:*:*:*:{escaped}\n")
        yield path
    finally:
        path.unlink(missing_ok=True)
