"""SQL every part of the store shares: exact money in fen, open cases, entries not undone, what a role sees,
and how many rows one statement of a bulk operation takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from core.lifecycle import SETTLED
from core.views import PersonView
from store.models import Case, Repayment

# Rows written, streamed or listed by id in one statement of a bulk operation: large enough that the round
# trips do not count, small enough for SQLite's limit on bound parameters and for memory.
ROWS_PER_STATEMENT = 5_000
# Units listed in one statement of the schedule's reads (each unit joins many cases).
UNITS_PER_STATEMENT = 1_000

# Every status but settled is open. Written as one comparison: an IN list is re-rendered on every run.
IS_OPEN = Case.status != literal_column(f"'{SETTLED}'")
ZERO = literal_column("0")

Item = TypeVar("Item")


def chunks(items: Sequence[Item], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[Item]]:
    """The items in slices of at most `size`, one statement's worth each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fen(column: Any) -> Any:
    """A money column (or expression) as plain integer fen, for exact arithmetic and sums in SQL."""
    return type_coerce(column, BigInteger)


def fen_sum(expression: Any) -> Any:
    """The sum of an integer expression, 0 (not NULL) over no rows."""
    return func.coalesce(func.sum(expression), ZERO)


def flag(condition: Any) -> Any:
    """1 where the condition holds, else 0 (to count rows by summing)."""
    return case((condition, 1), else_=0)


def original(model: Any) -> Any:
    """An entry itself, not the reversal of one (`reverses_id` is empty).

    Written so that no index serves it: SQLite's planner takes `reverses_id IS NULL` on the column's unique
    index for a one-row lookup and scans every entry of the ledger through it.
    """
    return func.coalesce(model.reverses_id, ZERO) == ZERO


def is_undone(model: Any) -> Any:
    """Whether a later entry reversed this one."""
    reversal = aliased(model)
    return select(reversal.id).where(reversal.reverses_id == model.id).exists()


def unreversed(model: Any) -> Any:
    """An entry itself that no later entry reversed: a contact or repayment that still counts."""
    return and_(original(model), ~is_undone(model))


def awaiting_confirmation() -> Any:
    """Repayments reported, not undone, and waiting for the unit lead's decision."""
    return and_(Repayment.status == "reported", unreversed(Repayment))


# What is still owed on a case, in fen.
OUTSTANDING = fen(Case.principal_remaining) + fen(Case.interest_remaining)


def recovered_fen() -> Any:
    """What confirmed repayments brought back on a case: its start balance less what remains, in fen."""
    return (
        fen(Case.principal)
        - fen(Case.principal_remaining)
        + fen(Case.interest)
        - fen(Case.interest_remaining)
    )


def scope_clause(role: str) -> Any:
    """What part of the ledger a role works: an officer's own cases, a unit lead's unit, or everything."""
    if role == "officer":
        return Case.officer_id == bindparam("scope_id")
    if role == "unit_lead":
        return Case.unit_id == bindparam("scope_id")
    return literal(True)


def scope_params(person: PersonView) -> dict[str, Any]:
    """The parameters of `scope_clause` for a person."""
    return {"scope_id": person.id if person.role == "officer" else person.unit_id}


def insert_new(connection: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert the rows whose `keys` (a unique constraint) are not there yet: another process inserting the same
    at the same moment (two bots started together) is no error."""
    dialect_insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    connection.execute(dialect_insert(table).on_conflict_do_nothing(index_elements=list(keys)), rows)
