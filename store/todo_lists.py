"""Each officer's to-do list for the day: cases overdue or falling due, promises due, promises broken,
cases left alone too long; counted, and the highest-priority ones listed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, bindparam, case, func, or_, select

from core.money import from_fen
from core.todo import OfficerTodo, TodoCase, TodoCounts
from store.base import StoreBase
from store.models import Case, Contact, Person, Promise, UtcDateTime
from store.sql import IS_OPEN, OUTSTANDING, fen, fen_sum, flag, unreversed

# How many cases one officer's to-do lists; the rest are counted.
TODO_CASES = 10


def _build_todo() -> Any:
    day = bindparam("day", type_=Date)
    tomorrow = bindparam("tomorrow", type_=Date)
    until = bindparam("until", type_=Date)
    stale_before = bindparam("stale_before", type_=UtcDateTime())
    promised = (
        select(
            Promise.case_id.label("case_id"),
            func.min(Promise.due_on).label("due_on"),
            fen_sum(fen(Promise.amount)).label("amount"),
        )
        .join(Contact, Contact.id == Promise.contact_id)
        .where(
            Promise.status == "open", Promise.due_on >= day, Promise.due_on <= tomorrow, unreversed(Contact)
        )
        .group_by(Promise.case_id)
        .subquery()
    )
    broken = (
        select(
            Promise.case_id.label("case_id"),
            func.max(Promise.due_on).label("due_on"),
            fen_sum(fen(Promise.amount)).label("amount"),
        )
        .where(Promise.status == "broken", Promise.decided_on == day)
        .group_by(Promise.case_id)
        .subquery()
    )
    overdue = flag(Case.deadline < day)
    due_soon = flag(and_(Case.deadline >= day, Case.deadline <= until))
    # A case never contacted counts its days from when it joined the campaign: its import, or the campaign's
    # start for a case imported before it.
    joined = case(
        (Case.created_at > bindparam("campaign_start", type_=UtcDateTime()), Case.created_at),
        else_=bindparam("campaign_start", type_=UtcDateTime()),
    )
    is_stale = func.coalesce(Case.last_contact_at, joined) < stale_before
    stale = flag(is_stale)
    has_promise = flag(promised.c.case_id.is_not(None))
    has_broken = flag(broken.c.case_id.is_not(None))
    per_officer = {"partition_by": Case.officer_id}
    flagged = (
        select(
            Case.officer_id.label("officer_id"),
            Case.loan_no,
            Case.borrower,
            OUTSTANDING.label("outstanding"),
            Case.deadline,
            Case.priority,
            Case.last_contact_at,
            overdue.label("overdue"),
            due_soon.label("due_soon"),
            stale.label("stale"),
            promised.c.due_on.label("promise_due_on"),
            promised.c.amount.label("promise_amount"),
            broken.c.due_on.label("broken_due_on"),
            broken.c.amount.label("broken_amount"),
            func.row_number()
            .over(**per_officer, order_by=(Case.priority.desc(), Case.deadline, Case.loan_no))
            .label("position"),
            func.count().over(**per_officer).label("n_cases"),
            func.sum(overdue).over(**per_officer).label("n_overdue"),
            func.sum(due_soon).over(**per_officer).label("n_due_soon"),
            func.sum(has_promise).over(**per_officer).label("n_promises"),
            func.sum(has_broken).over(**per_officer).label("n_broken"),
            func.sum(stale).over(**per_officer).label("n_stale"),
        )
        .outerjoin(promised, promised.c.case_id == Case.id)
        .outerjoin(broken, broken.c.case_id == Case.id)
        .where(
            IS_OPEN,
            or_(
                Case.deadline <= until,
                is_stale,
                promised.c.case_id.is_not(None),
                broken.c.case_id.is_not(None),
            ),
        )
        .subquery()
    )
    return (
        select(flagged, Person.name, Person.unit_id)
        .join(Person, Person.id == flagged.c.officer_id)
        .where(flagged.c.position <= bindparam("per_officer"))
        .order_by(flagged.c.officer_id, flagged.c.position)
    )


_TODO = _build_todo()


class TodoListStore(StoreBase):
    """The morning's to-do lists."""

    def officer_todos(
        self, day: date, within_days: int, stale_days: int, per_officer: int = TODO_CASES
    ) -> list[OfficerTodo]:
        """Every officer with something to do on `day`: counts, and the highest-priority cases first."""
        start, _ = self.day_bounds(day)
        campaign_start, _ = self.day_bounds(self.campaign.start)
        params = {
            "campaign_start": campaign_start,
            "day": day,
            "tomorrow": day + timedelta(days=1),
            "until": day + timedelta(days=within_days),
            "stale_before": start - timedelta(days=stale_days),
            "per_officer": per_officer,
        }
        todos: list[OfficerTodo] = []
        current: OfficerTodo | None = None
        with self._read() as connection:
            for row in connection.execute(_TODO, params):
                if current is None or current.person_id != row.officer_id:
                    counts = TodoCounts(
                        int(row.n_cases),
                        int(row.n_overdue),
                        int(row.n_due_soon),
                        int(row.n_promises),
                        int(row.n_broken),
                        int(row.n_stale),
                    )
                    current = OfficerTodo(row.officer_id, row.name, row.unit_id, counts)
                    todos.append(current)
                current.cases.append(
                    TodoCase(
                        loan_no=row.loan_no,
                        borrower=row.borrower,
                        outstanding=from_fen(int(row.outstanding)),
                        deadline=row.deadline,
                        priority=row.priority,
                        last_contact_at=row.last_contact_at,
                        overdue=bool(row.overdue),
                        due_soon=bool(row.due_soon),
                        stale=bool(row.stale),
                        promise_due_on=row.promise_due_on,
                        promise_amount=None
                        if row.promise_amount is None
                        else from_fen(int(row.promise_amount)),
                        broken_due_on=row.broken_due_on,
                        broken_amount=None if row.broken_amount is None else from_fen(int(row.broken_amount)),
                    )
                )
        return todos
