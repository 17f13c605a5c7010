"""What the supervision notices draw on and the register of those issued: overdue and largest open cases per
unit, notice numbers running through the year, and the chats units get their notices in."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, func, insert, select, update

from core.money import from_fen
from core.ranking import OutstandingCase, notice_number
from store.base import Conflict, StoreBase
from store.models import Case, NoticeIssued, Person, Unit
from store.sql import IS_OPEN, OUTSTANDING, UNITS_PER_STATEMENT, chunks

LARGEST_CASES = 5
# Tries at numbering an evening's notices while another process numbers the same ones.
NUMBERING_ATTEMPTS = 5

_units = bindparam("unit_ids", expanding=True)
_ranked_cases = (
    select(
        Case.unit_id,
        Case.loan_no,
        Case.borrower,
        Person.name,
        OUTSTANDING.label("outstanding"),
        Case.deadline,
        Case.status,
        func.row_number()
        .over(partition_by=Case.unit_id, order_by=(OUTSTANDING.desc(), Case.loan_no))
        .label("position"),
    )
    .join(Person, Person.id == Case.officer_id)
    .where(IS_OPEN, Case.unit_id.in_(_units))
    .subquery()
)
_LARGEST = (
    select(_ranked_cases)
    .where(_ranked_cases.c.position <= LARGEST_CASES)
    .order_by(_ranked_cases.c.unit_id, _ranked_cases.c.position)
)
_recent = (
    select(
        NoticeIssued.unit_id,
        NoticeIssued.day,
        NoticeIssued.rung,
        NoticeIssued.year,
        NoticeIssued.number,
        func.row_number()
        .over(partition_by=NoticeIssued.unit_id, order_by=NoticeIssued.day.desc())
        .label("position"),
    )
    .where(NoticeIssued.unit_id.in_(_units), NoticeIssued.day < bindparam("day", type_=Date))
    .subquery()
)
_RECENT = (
    select(_recent)
    .where(_recent.c.position <= bindparam("count"))
    .order_by(_recent.c.unit_id, _recent.c.position)
)
_OVERDUE_BY_UNIT = (
    select(Case.unit_id, func.count())
    .where(IS_OPEN, Case.deadline < bindparam("day", type_=Date), Case.unit_id.in_(_units))
    .group_by(Case.unit_id)
)


@dataclass(frozen=True, slots=True)
class IssuedNotice:
    """A notice issued to a unit: its day, rung and reference."""

    day: date
    rung: str
    number: str


class NoticeRegisterStore(StoreBase):
    """Notices' facts and numbers, and units' own chats."""

    def notice_facts(
        self, unit_ids: list[int], day: date
    ) -> tuple[dict[int, int], dict[int, list[OutstandingCase]]]:
        """For these units: how many open cases are past their deadline, and the largest unsettled ones."""
        overdue: dict[int, int] = {}
        largest: dict[int, list[OutstandingCase]] = defaultdict(list)
        with self._read() as connection:
            for chunk in chunks(unit_ids, UNITS_PER_STATEMENT):
                for unit_id, count in connection.execute(_OVERDUE_BY_UNIT, {"unit_ids": chunk, "day": day}):
                    overdue[unit_id] = int(count)
                for row in connection.execute(_LARGEST, {"unit_ids": chunk}):
                    largest[row.unit_id].append(
                        OutstandingCase(
                            row.loan_no,
                            row.borrower,
                            row.name,
                            from_fen(int(row.outstanding)),
                            row.deadline,
                            row.status,
                        )
                    )
        return overdue, largest

    def latest_notices(self, day: date) -> dict[int, date]:
        """Per unit, the day of its latest notice on or before `day`."""
        with self._read() as connection:
            return dict(
                connection.execute(
                    select(NoticeIssued.unit_id, func.max(NoticeIssued.day))
                    .where(NoticeIssued.day <= day)
                    .group_by(NoticeIssued.unit_id)
                ).all()
            )

    def recent_notices(self, unit_ids: list[int], day: date, count: int) -> dict[int, list[IssuedNotice]]:
        """Per unit, its latest `count` notices issued before `day`, latest first."""
        recent: dict[int, list[IssuedNotice]] = defaultdict(list)
        with self._read() as connection:
            for chunk in chunks(unit_ids, UNITS_PER_STATEMENT):
                for row in connection.execute(_RECENT, {"unit_ids": chunk, "day": day, "count": count}):
                    recent[row.unit_id].append(
                        IssuedNotice(row.day, row.rung, notice_number(row.year, row.number))
                    )
        return recent

    def issue_notices(self, day: date, rungs: dict[int, str]) -> dict[int, IssuedNotice]:
        """Give each unit its notice of `day` at its rung, numbered on from the year's last; a unit issued its
        notice of the day already keeps it (number and rung). Returns the notices by unit."""
        for attempt in range(1, NUMBERING_ATTEMPTS + 1):
            try:
                with self.message_scope(), self.atomic(), self._write() as connection:
                    return self._number_notices(connection, day, rungs)
            except Conflict:
                # Another process numbered the same evening's notices at the same instant: read its numbers.
                if attempt == NUMBERING_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _number_notices(self, connection: Any, day: date, rungs: dict[int, str]) -> dict[int, IssuedNotice]:
        table = NoticeIssued.__table__
        issued = {
            unit_id: IssuedNotice(day, rung, notice_number(year, number))
            for unit_id, rung, year, number in connection.execute(
                select(table.c.unit_id, table.c.rung, table.c.year, table.c.number).where(table.c.day == day)
            )
        }
        last = connection.scalar(select(func.max(table.c.number)).where(table.c.year == day.year))
        next_number = int(last or 0) + 1
        for unit_id, rung in rungs.items():
            if unit_id in issued:
                continue
            connection.execute(
                insert(table).values(
                    unit_id=unit_id,
                    day=day,
                    rung=rung,
                    year=day.year,
                    number=next_number,
                    created_at=self.now(),
                )
            )
            issued[unit_id] = IssuedNotice(day, rung, notice_number(day.year, next_number))
            next_number += 1
        return {unit_id: issued[unit_id] for unit_id in rungs}

    def unit_names_by_id(self) -> dict[int, str]:
        """Every unit's name, by id."""
        with self._read() as connection:
            return {unit_id: name for unit_id, name in connection.execute(select(Unit.id, Unit.name))}

    def unit_chats(self) -> dict[int, str]:
        """The units whose notices also go to a chat of their own, with that chat ("channel:chat id")."""
        with self._read() as connection:
            return dict(
                connection.execute(
                    select(Unit.id, Unit.chat).where(Unit.chat.is_not(None), Unit.chat != "")
                ).all()
            )

    def set_unit_chat(self, unit: str, chat: str | None) -> None:
        """Send a unit's notices to a chat of its own too ("telegram:-100123"), or stop (None)."""
        with self._write() as connection:
            connection.execute(update(Unit.__table__).where(Unit.__table__.c.name == unit).values(chat=chat))
