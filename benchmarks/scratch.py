"""Scratch databases for the benchmarks: a PostgreSQL schema of their own, dropped afterwards."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text

from store.engine import normalize_url


def postgres_url() -> str | None:
    """The PostgreSQL server to measure on, if one is configured."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")


def fresh_schema(url: str, prefix: str = "bench") -> tuple[str, str]:
    """A URL whose search path is a new, empty schema, and that schema's name."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(normalize_url(url))
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    """Remove a schema made by fresh_schema."""
    engine = create_engine(normalize_url(url))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
