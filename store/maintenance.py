"""Keeping the database: consistent backups."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine

from core.errors import UserError


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database to `target` (SQLite file, or a pg_dump archive)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
            # The online backup API copies a consistent snapshot even while the bot writes.
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
        finally:
            raw.close()
        return
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise UserError("backup.no_pg_dump")
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise UserError(
            "backup.failed", reason=result.stderr.strip().splitlines()[-1] if result.stderr else ""
        )
