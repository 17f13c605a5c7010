"""Backups and migrations on both databases."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from bot.app import App
from store.engine import make_engine
from store.maintenance import backup
from store.schema import is_current, upgrade
from tests.ledger_data import seed

# A pg_dump standing in for the real one: it records how it was called (its arguments, PGPASSWORD, the password
# file and that file's mode) and writes its archive as a new file, with the umask's mode.
FAKE_PG_DUMP = """#!{python}
import json, os, stat, sys
passfile = os.environ.get("PGPASSFILE")
record = {{
    "argv": sys.argv[1:],
    "PGPASSWORD": os.environ.get("PGPASSWORD"),
    "passfile": passfile,
    "passfile_text": open(passfile, encoding="utf-8").read() if passfile else None,
    "passfile_mode": stat.S_IMODE(os.stat(passfile).st_mode) if passfile else None,
}}
target = next(arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--file="))
os.unlink(target)
with open(target, "wb") as archive:
    archive.write(b"PGDMP a fake archive")
with open(os.environ["FAKE_PG_DUMP_RECORD"], "w", encoding="utf-8") as out:
    json.dump(record, out)
"""


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


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def fake_pg_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake pg_dump first on PATH; the file it records its call in."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "pg_dump"
    program.write_text(FAKE_PG_DUMP.format(python=sys.executable), encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    record = tmp_path / "pg_dump_call.json"
    monkeypatch.setenv("FAKE_PG_DUMP_RECORD", str(record))
    return record


def pgpass_fields(line: str) -> list[str]:
    """The fields of a line of a libpq password file (a backslash escapes a colon or a backslash)."""
    fields: list[str] = []
    current, chars = "", iter(line.rstrip("\n"))
    for char in chars:
        if char == "\\":
            current += next(chars, "")
        elif char == ":":
            fields.append(current)
            current = ""
        else:
            current += char
    return [*fields, current]


def test_a_database_the_bot_creates_is_its_owners_alone(tmp_path: Path) -> None:
    database = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")  # open: the write-ahead log and its index are there
            files = [database, tmp_path / "new.db-wal", tmp_path / "new.db-shm"]
            assert [mode(file) for file in files] == [0o600, 0o600, 0o600]
    finally:
        engine.dispose()


def test_a_database_that_exists_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    sqlite3.connect(database).close()
    database.chmod(0o640)  # the administrator's choice (a group that takes the backups, say)
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert mode(database) == 0o640


def test_the_backup_is_its_owners_alone(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    if app.engine.dialect.name == "postgresql":
        fake_pg_dump(tmp_path, monkeypatch)
    target = tmp_path / "copy.bak"
    backup(app.engine, target)
    assert mode(target) == 0o600
    # An earlier backup others could read is replaced by one they cannot.
    target.chmod(0o644)
    assert backup(app.engine, target) is True
    assert mode(target) == 0o600


def test_pg_dump_gets_the_password_from_a_private_file_never_on_its_command_line(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL only")
    record = fake_pg_dump(tmp_path, monkeypatch)
    monkeypatch.setenv("PGPASSWORD", "an-older-password")  # inherited, it would win over the file
    password = "pa:ss\\word@7f3e"  # the test server trusts any password
    url = make_url(app.engine.url.render_as_string(hide_password=False)).set(password=password)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        backup(engine, tmp_path / "copy.bak")
    finally:
        engine.dispose()
    call: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
    written = [password, quote(password, safe=""), quote(password)]
    assert [arg for arg in call["argv"] if any(form in arg for form in written)] == []
    assert any(arg.startswith("postgresql://postgres@") for arg in call["argv"]), call["argv"]
    assert call["PGPASSWORD"] is None
    assert pgpass_fields(call["passfile_text"])[-1] == password
    assert call["passfile_mode"] == 0o600
    assert not Path(call["passfile"]).exists()  # removed once pg_dump is done


def test_the_real_pg_dump_connects_with_a_password_given_through_the_file(app: App, tmp_path: Path) -> None:
    if app.engine.dialect.name != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL and pg_dump")
    url = make_url(app.engine.url.render_as_string(hide_password=False)).set(password="any:pass\\word")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        backup(engine, tmp_path / "copy.bak")
    finally:
        engine.dispose()
    assert (tmp_path / "copy.bak").read_bytes()[:5] == b"PGDMP"
