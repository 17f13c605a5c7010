"""What every part of the store shares: sessions, the clock, the audit log, a case's status changes."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, bindparam, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.campaign import Campaign
from core.errors import UserError
from core.lifecycle import SETTLED, after_asset, after_balance
from core.priority import priority
from core.records import Change
from core.views import CaseView
from store.engine import READ_ONLY, reading_options, writing_options
from store.models import AuditEntry, Base, Case, CaseStatusChange, Contact, Person, Promise
from store.sql import ROWS_PER_STATEMENT, chunks, unreversed
from store.statutes import expiry, statute_starts

logger = logging.getLogger(__name__)


_INSERT_AUDIT = insert(AuditEntry.__table__)
_PERSON_ID = select(Person.id, Person.name).where(Person.employee_no == bindparam("employee_no"))
# A person's id and name by employee number, for the entries they write: an employee number names one person
# for good (a deactivated person can no longer write, whatever is remembered here).
PEOPLE_CACHE_SECONDS = 30.0
PEOPLE_CACHE_SIZE = 20_000
# The connection of the message being handled: every read and write of one message shares it.
_MESSAGE_CONNECTION: ContextVar[Connection | None] = ContextVar("qingshou_message_connection", default=None)


@dataclass(frozen=True, slots=True)
class LockedCase:
    """A case read (locked) in a message's write, for the entry the message is about to record on it: with
    the contact and the repayment its source key already recorded, if any."""

    transaction: RootTransaction
    case: CaseView
    source_key: str | None
    contact_id: int | None
    repayment_id: int | None


# The case the message's write read last for an entry, so that recording the entry does not read it again.
_LOCKED_CASE: ContextVar[LockedCase | None] = ContextVar("qingshou_locked_case", default=None)


class Conflict(Exception):
    """A write met another one made at the same instant (a unique key taken); trying again sees it."""


class StoreBase:
    """Sessions, the clock and the audit log, for every part of the store."""

    def __init__(
        self, engine: Engine, campaign: Campaign, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.engine = engine
        self.campaign = campaign
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reading = reading_options(engine.dialect.name)
        # (what was asked) -> (monotonic expiry, answer); only found people are kept. Roles, units and
        # bindings are read for every message, never from here.
        self._people_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def forget_people(self) -> None:
        """Drop what is remembered of people and their identities (after a binding or an import)."""
        self._people_cache.clear()

    def _remembered(self, key: tuple[Any, ...], find: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._people_cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = find()
        if found:
            self._remember(key, found, now)
        return found

    def _remember(self, key: tuple[Any, ...], found: Any, now: float | None = None) -> None:
        if len(self._people_cache) >= PEOPLE_CACHE_SIZE:
            self._people_cache.clear()
        self._people_cache[key] = ((time.monotonic() if now is None else now) + PEOPLE_CACHE_SECONDS, found)

    def answers(self) -> bool:
        """Whether the database answers a trivial query (the health check)."""
        try:
            with self._read() as connection:
                connection.execute(select(literal_column("1")))
            return True
        except Exception:
            logger.exception("database health check failed")
            return False

    def now(self) -> datetime:
        """The current instant (zone-aware)."""
        return self._clock()

    def today(self) -> date:
        """The current day in the campaign's time zone."""
        return self.campaign.today(self.now())

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The first instant of `day` and of the day after, in the campaign's time zone."""
        zone = self.campaign.zone
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        following = day + timedelta(days=1)
        return start, datetime(following.year, following.month, following.day, tzinfo=zone)

    def refresh_statistics(self) -> None:
        """Let the query planner know the tables as they are now, after a bulk write.

        Without it PostgreSQL plans from what autovacuum saw before the import (a date index scanned for
        tens of thousands of rows to count one officer's dozen due cases). SQLite is left without statistics:
        with them it drove the source-key lookup of every report from the cases table (7 ms instead of 30 µs),
        and its rule-based plans suit these indexes.
        """
        if self.engine.dialect.name == "sqlite":
            return
        # The ledger's own tables only: a bare ANALYZE reads every schema of the database (a province may
        # share one, and tests and benchmarks each leave a ledger of their own in it).
        preparer = self.engine.dialect.identifier_preparer
        tables = ", ".join(preparer.quote(table.name) for table in Base.metadata.sorted_tables)
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"ANALYZE {tables}")
            connection.commit()

    @contextmanager
    def message_scope(self) -> Iterator[None]:
        """Share one pooled connection among everything one message reads and writes.

        A message does several small reads and at most a few writes; checking a connection out of the pool
        (and, on PostgreSQL, pinging it) for each of them costs more than the queries themselves.
        """
        if _MESSAGE_CONNECTION.get() is not None:
            yield
            return
        with self.engine.connect() as connection:
            token = _MESSAGE_CONNECTION.set(connection)
            locked = _LOCKED_CASE.set(None)
            try:
                yield
            finally:
                _LOCKED_CASE.reset(locked)
                _MESSAGE_CONNECTION.reset(token)

    @staticmethod
    def _note_locked_case(locked: LockedCase) -> None:
        _LOCKED_CASE.set(locked)

    @staticmethod
    def _locked_case(connection: Connection, loan_no: str, source_key: str | None) -> LockedCase | None:
        """The case this write read locked for an entry of `source_key` (taken once), else None: the caller
        reads it itself."""
        locked = _LOCKED_CASE.get()
        if locked is None:
            return None
        _LOCKED_CASE.set(None)
        if (
            locked.transaction is not connection.get_transaction()
            or not locked.transaction.is_active
            or locked.case.loan_no != loan_no
            or locked.source_key != source_key
        ):
            return None
        return locked

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        scoped = _MESSAGE_CONNECTION.get()
        if scoped is not None:
            yield scoped
            return
        with self.engine.connect() as connection:
            yield connection

    @staticmethod
    def _writing(connection: Connection) -> bool:
        """Whether the connection is inside a write transaction (of this message)."""
        return connection.in_transaction() and not connection.get_execution_options().get(READ_ONLY)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reads, with no transaction of its own: each statement sees what is committed.

        Inside a write of the same message it reads in that transaction (and sees the write's own rows).
        """
        with self._connection() as connection:
            if self._writing(connection):
                yield connection
                return
            if not connection.get_execution_options().get(READ_ONLY):
                connection.execution_options(**self._reading)
            # SQLAlchemy keeps its bookkeeping of a transaction open across the reads (the database has none:
            # autocommit); a write of the message, or the connection's return to the pool, closes it.
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction on the message's connection (or a fresh one), committed when the block ends."""
        with self._connection() as connection:
            if self._writing(connection):
                yield connection  # already inside this message's write: one transaction
                return
            if connection.in_transaction():
                connection.rollback()  # SQLAlchemy's bookkeeping of the reads before
            connection.execution_options(
                **writing_options(self.engine.dialect.name, connection.default_isolation_level)
            )
            with connection.begin():
                yield connection

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """An ORM session for reads, on the message's connection when there is one (so that it sees what
        the message has written so far)."""
        scoped = _MESSAGE_CONNECTION.get()
        if scoped is None and self.engine.dialect.name == "sqlite":
            # A read takes no write lock: a session of its own would begin IMMEDIATE and wait for whoever
            # writes (another chat session, an import).
            with self.engine.connect() as connection:
                connection.execution_options(**self._reading)
                with Session(bind=connection, expire_on_commit=False) as session:
                    yield session
            return
        if scoped is None:
            # PostgreSQL reads in a transaction of their own (streamed results need one) and lock nothing.
            with self._sessions() as session:
                yield session
            return
        if not scoped.in_transaction():
            scoped.execution_options(**self._reading)
        with Session(bind=scoped, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        """Run the block as if for real, its reads seeing its writes, then undo every write (a dry run)."""
        with self.message_scope():
            connection = _MESSAGE_CONNECTION.get()
            assert connection is not None
            if connection.in_transaction():
                connection.rollback()
            connection.execution_options(
                **writing_options(self.engine.dialect.name, connection.default_isolation_level)
            )
            transaction = connection.begin()
            try:
                yield
            finally:
                transaction.rollback()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything the block writes commits together or not at all (the block joins one transaction)."""
        try:
            with self._write():
                yield
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """An ORM session in one transaction, on the message's connection when there is one."""
        scoped = _MESSAGE_CONNECTION.get()
        if scoped is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._write() as connection, Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()

    def _audit(
        self,
        connection: Session | Connection,
        actor: str,
        action: str,
        entity: str,
        ref: str,
        detail: dict[str, Any] | None = None,
        actor_id: int | None = None,
        source: str = "",
    ) -> None:
        """Append who did what to the audit log, in the caller's transaction."""
        connection.execute(
            _INSERT_AUDIT, _audit_row(self.now(), actor, action, entity, ref, detail, actor_id, source)
        )

    def _audit_many(
        self,
        connection: Session | Connection,
        actor: str,
        action: str,
        entries: Iterable[tuple[str, str, dict[str, Any]]],
        source: str = "",
    ) -> None:
        """Append many entries of one action at once, each (entity, ref, detail), in the caller's transaction; a
        statement's worth of rows is built at a time (an import of 200,000 changes held them all)."""
        now = self.now()
        rows = (
            _audit_row(now, actor, action, entity, ref, detail, None, source)
            for entity, ref, detail in entries
        )
        while chunk := list(islice(rows, ROWS_PER_STATEMENT)):
            connection.execute(_INSERT_AUDIT, chunk)

    def _audit_changes(
        self, connection: Session | Connection, actor: str, changes: Iterable[Change], source: str
    ) -> None:
        """An import's changes in the audit log, each with its fields' old and new values."""
        self._audit_many(
            connection,
            actor,
            "import.update",
            (
                (change.entity, change.ref, {name: [old, new] for name, (old, new) in change.fields.items()})
                for change in changes
            ),
            source,
        )

    def _person_id(self, connection: Connection, employee_no: str) -> tuple[int, str]:
        """A person's id and name by employee number (remembered), or the refusal the user sees."""

        def find() -> tuple[int, str] | None:
            row = connection.execute(_PERSON_ID, {"employee_no": employee_no}).first()
            return (int(row[0]), str(row[1])) if row else None

        found: tuple[int, str] | None = self._remembered(("person", employee_no), find)
        if found is None:
            raise UserError("ledger.unknown_person", employee_no=employee_no)
        return found

    def _person(self, session: Session, employee_no: str) -> Person:
        person = session.execute(select(Person).where(Person.employee_no == employee_no)).scalar_one_or_none()
        if person is None:
            raise UserError("ledger.unknown_person", employee_no=employee_no)
        return person

    def _change_status(
        self, session: Session, case_row: Case, status: str, person_id: int | None, reason: str
    ) -> None:
        session.add(
            CaseStatusChange(
                case_id=case_row.id,
                from_status=case_row.status,
                to_status=status,
                reason=reason,
                person_id=person_id,
                at=self.now(),
            )
        )
        case_row.status = status

    def _change_statuses(
        self, connection: Session | Connection, changes: list[tuple[int, str, str]], reason: str
    ) -> None:
        """Give cases their new statuses in bulk, in the caller's transaction: (case id, before, after) each,
        those whose status stays as it was left alone."""
        changed = [(case_id, before, after) for case_id, before, after in changes if before != after]
        if not changed:
            return
        now = self.now()
        connection.execute(
            insert(CaseStatusChange.__table__),
            [
                {"case_id": case_id, "from_status": before, "to_status": after, "reason": reason, "at": now}
                for case_id, before, after in changed
            ],
        )
        table = Case.__table__
        for status in sorted({after for _, _, after in changed}):
            ids = [case_id for case_id, _, after in changed if after == status]
            for chunk in chunks(ids):
                connection.execute(
                    update(table).where(table.c.id.in_(chunk)).values(status=status, updated_at=now)
                )

    def _balance_changed(self, session: Session, case_row: Case, person_id: int | None, reason: str) -> None:
        """After a case's remaining balance changed: its status follows the lifecycle, its priority today's
        figures."""
        case_row.updated_at = self.now()
        status = after_balance(case_row.status, case_row.principal_remaining + case_row.interest_remaining)
        if status != case_row.status:
            self._change_status(session, case_row, status, person_id, reason)
        self._rescore(session, case_row)

    @staticmethod
    def _contacts_of(session: Session, case_id: int) -> tuple[bool, bool]:
        """Whether a case has a contact left (not undone), and an open promise of one: what its status falls
        back on when a lawsuit or an asset no longer sets it."""
        contacted = session.scalar(
            select(Contact.id).where(Contact.case_id == case_id, unreversed(Contact)).limit(1)
        )
        promised = session.scalar(
            select(Promise.id)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(Promise.case_id == case_id, Promise.status == "open", unreversed(Contact))
            .limit(1)
        )
        return contacted is not None, promised is not None

    def _follow_asset(
        self, session: Session, case_row: Case, held: bool, person_id: int | None, reason: str
    ) -> None:
        """The case's status after an asset was taken for its debt (`held`: the offset awaits the unit lead's
        decision) or that offset was decided."""
        contacted, promised = self._contacts_of(session, case_row.id)
        status = after_asset(case_row.status, held, contacted, promised)
        if status != case_row.status:
            self._change_status(session, case_row, status, person_id, reason)

    def _rescore(self, session: Session, case_row: Case) -> None:
        """The case's priority today, with its balance, status and statute of limitations as they now stand
        (not only at the morning's refresh: a lawsuit filed or a signature takes an expired statute's urgency
        away at once)."""
        starts = statute_starts(session, self.campaign.zone, case_row.id).get(case_row.id, [])
        case_row.priority = priority_of(case_row, self.today(), expiry(case_row.statute_date, starts))


def priority_of(case_row: Case, today: date, statute_date: date | None) -> int:
    """A case's priority score today, with its statute of limitations as it stands: a settled case has none."""
    if case_row.status == SETTLED:
        return 0
    return priority(
        case_row.principal_remaining + case_row.interest_remaining,
        case_row.difficulty,
        case_row.deadline,
        statute_date,
        today,
    ).score


def _audit_row(
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    ref: str,
    detail: dict[str, Any] | None,
    actor_id: int | None,
    source: str,
) -> dict[str, Any]:
    """One audit log row, its detail as JSON."""
    return {
        "at": at,
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "entity": entity,
        "ref": ref,
        "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
        "source": source,
    }
