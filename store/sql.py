"""SQL every part of the store shares: exact money in fen, open cases, entries not undone, what a role sees,
and how many rows one statement of a bulk operation takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex, ForeignKeyConstraint

from core.lifecycle import SETTLED
from core.money import to_fen_all
from core.views import PersonView
from store.models import Case, Money, Repayment

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
    if connection.dialect.name != "postgresql" or len(rows) < _ONE_BY_ONE:
        dialect_insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
        connection.execute(dialect_insert(table).on_conflict_do_nothing(index_elements=list(keys)), rows)
        return
    # Many rows on PostgreSQL: copied into a table of the transaction's own, then inserted from it at once (one
    # by one, 150,000 warnings took seconds).
    columns = list(rows[0])
    quote = connection.dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    target, staging = quote.format_table(table), quote.quote(f"new_{table.name}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {names} FROM {target} WITH NO DATA"
    )
    _copy(
        connection,
        staging,
        _bound(connection, table, {name: [row[name] for row in rows] for name in columns}),
    )
    conflict = ", ".join(quote.quote(key) for key in keys)
    connection.exec_driver_sql(
        f"INSERT INTO {target} ({names}) SELECT {names} FROM {staging} ON CONFLICT ({conflict}) DO NOTHING"
    )
    connection.exec_driver_sql(f"DROP TABLE {staging}")


def record_once(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    due: set[tuple[Any, ...]],
    day: date,
    per_statement: int = ROWS_PER_STATEMENT,
) -> set[tuple[Any, ...]]:
    """Of these items (values of `keys`, a unique constraint of `table`, which has a `day` column), record those
    not recorded before as of `day`, and return the ones to tell on `day`: new, or recorded earlier the same day
    (a job run again tells the same ones)."""
    columns = [table.c[key] for key in keys]
    recorded: dict[tuple[Any, ...], date] = {}
    for chunk in chunks(sorted({item[0] for item in due}), per_statement):
        for *values, when in connection.execute(select(*columns, table.c.day).where(columns[0].in_(chunk))):
            recorded[tuple(values)] = when
    new = sorted(item for item in due if item not in recorded)
    if new:
        insert_new(
            connection, table, [{**dict(zip(keys, item, strict=True)), "day": day} for item in new], keys
        )
    return {item for item in due if item not in recorded or recorded[item] == day}


def insert_many(
    connection: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert many rows, given a column at a time (each column's values by its name, all as long), each value
    bound as its column's type binds it, without the statement machinery's work per row (an import of 200,000
    rows spent more there than in the database): on PostgreSQL by COPY, its own bulk load. `progress` is told
    of each ROWS_PER_STATEMENT rows written."""
    tick = progress or (lambda _n: None)
    count = len(next(iter(columns.values()), ()))
    if not count:
        return
    dialect = connection.dialect
    bound = _bound(connection, table, columns)
    if dialect.name == "postgresql":
        into = dialect.identifier_preparer.format_table(table)
        with _loaded_in_bulk(connection, table, count):
            _copy(connection, into, bound, tick)
        return
    names = list(columns)
    compiled = insert(table).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
    order = compiled.positiontup or ()
    assert compiled.positional and sorted(order) == sorted(names), "SQLite binds by position"
    positional = [bound[name] for name in order]
    with _loaded_in_bulk(connection, table, count):
        for start in range(0, count, ROWS_PER_STATEMENT):
            end = start + ROWS_PER_STATEMENT
            connection.exec_driver_sql(
                compiled.string, list(zip(*(values[start:end] for values in positional), strict=True))
            )
            tick(min(end, count) - start)


def _copy(
    connection: Connection,
    into: str,
    bound: Mapping[str, Sequence[Any]],
    progress: Callable[[int], None] = lambda _n: None,
) -> None:
    """COPY bound values, a column at a time, into the table named `into` (PostgreSQL), in one stream: the
    server stores rows as they come."""
    names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in bound)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        number = 0
        with cursor.copy(f"COPY {into} ({names}) FROM STDIN") as copy:
            for number, row in enumerate(zip(*bound.values(), strict=True), start=1):
                copy.write_row(row)
                if number % ROWS_PER_STATEMENT == 0:
                    progress(ROWS_PER_STATEMENT)
            progress(number % ROWS_PER_STATEMENT)
    finally:
        cursor.close()


@contextmanager
def _loaded_in_bulk(connection: Connection, table: Table, count: int) -> Iterator[None]:
    """A load of `count` rows into `table` done as the PostgreSQL manual advises for populating a database,
    from BULK_LOAD rows on, all in the caller's transaction so that no one ever sees the table without its
    keys and indexes:

    - On PostgreSQL its foreign keys are dropped and added again after the load, which checks every row in
      one join: row by row, a query of its own for each key took two thirds of the time of 200,000 new loans.
      The tables they refer to are locked first, as writers lock them (a case before its loan), so that no
      writer waiting on the load holds what the load waits for.
    - When the load brings more rows than the table holds (a first import), its indexes other than its keys
      are built after it, one sort each, rather than row by row (on SQLite too)."""
    if count < BULK_LOAD:
        yield
        return
    keys: list[ForeignKeyConstraint] = []
    if connection.dialect.name == "postgresql":
        keys = sorted(table.foreign_key_constraints, key=lambda key: str(key.name))
        quote = connection.dialect.identifier_preparer
        referred = sorted({quote.format_table(key.referred_table) for key in keys})
        connection.exec_driver_sql(f"LOCK TABLE {', '.join(referred)} IN SHARE ROW EXCLUSIVE MODE")
    held = connection.execute(select(func.count()).select_from(table)).scalar_one()
    indexes = sorted(table.indexes, key=lambda index: str(index.name)) if count >= held else []
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        connection.execute(DropIndex(index))
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))
    for key in keys:
        connection.execute(AddConstraint(key))


def _bound(
    connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]]
) -> dict[str, Sequence[Any]]:
    """The columns' values as the database takes them, each bound as its column's type binds it: amounts all
    at once, and a value repeated down a column (a unit, a day, the import's instant) once."""
    dialect = connection.dialect
    bound: dict[str, Sequence[Any]] = {}
    for name, values in columns.items():
        column_type = table.c[name].type
        processor = column_type._cached_bind_processor(dialect)
        if processor is None:
            bound[name] = values
        elif isinstance(column_type, Money):
            bound[name] = to_fen_all(values)
        else:
            once = {value: processor(value) for value in set(values)}
            bound[name] = list(map(once.__getitem__, values))
    return bound


# insert_new writes fewer rows than this one statement each on PostgreSQL; more are copied.
_ONE_BY_ONE = 1000
# From this many rows on, insert_many loads a table in bulk (see _loaded_in_bulk).
BULK_LOAD = 10_000
