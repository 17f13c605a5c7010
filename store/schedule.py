"""What the daily schedule reads and writes: to-dos, the ranking's figures, notices, promise decisions, and
the dispatch log that sends each scheduled message once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.lifecycle import after_promise_decided
from core.money import from_fen
from core.promises import PromiseDecision, promise_outcome
from core.ranking import OutstandingCase, UnitFigures, completion_rate, ranking_key
from core.todo import OfficerTodo, TodoCase, TodoCounts
from core.views import OfficerProgress
from store.base import _MESSAGE_CONNECTION, Conflict, StoreBase, _fen, _fen_sum
from store.cases import _IS_OPEN, _unreversed
from store.engine import writing_options
from store.models import (
    Case,
    ChatIdentity,
    Contact,
    Dispatch,
    NoticeIssued,
    Person,
    Promise,
    Repayment,
    Unit,
    UtcDateTime,
)

# How many cases one officer's to-do lists; the rest are counted.
TODO_CASES = 10
# A claim not marked sent within this time belongs to a sender that died: another may take it over.
CLAIM_LEASE = timedelta(minutes=2)
LARGEST_CASES = 5

_ZERO = literal_column("0")
_OUTSTANDING = _fen(Case.principal_remaining) + _fen(Case.interest_remaining)


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _build_todo() -> Any:
    day = bindparam("day", type_=Date)
    tomorrow = bindparam("tomorrow", type_=Date)
    until = bindparam("until", type_=Date)
    stale_before = bindparam("stale_before", type_=UtcDateTime())
    promised = (
        select(
            Promise.case_id.label("case_id"),
            func.min(Promise.due_on).label("due_on"),
            _fen_sum(_fen(Promise.amount)).label("amount"),
        )
        .join(Contact, Contact.id == Promise.contact_id)
        .where(
            Promise.status == "open", Promise.due_on >= day, Promise.due_on <= tomorrow, _unreversed(Contact)
        )
        .group_by(Promise.case_id)
        .subquery()
    )
    broken = (
        select(
            Promise.case_id.label("case_id"),
            func.max(Promise.due_on).label("due_on"),
            _fen_sum(_fen(Promise.amount)).label("amount"),
        )
        .where(Promise.status == "broken", Promise.decided_on == day)
        .group_by(Promise.case_id)
        .subquery()
    )
    overdue = _flag(Case.deadline < day)
    due_soon = _flag(and_(Case.deadline >= day, Case.deadline <= until))
    # A case never contacted counts its days from when it joined the campaign: its import, or the campaign's
    # start for a case imported before it.
    joined = case(
        (Case.created_at > bindparam("campaign_start", type_=UtcDateTime()), Case.created_at),
        else_=bindparam("campaign_start", type_=UtcDateTime()),
    )
    is_stale = func.coalesce(Case.last_contact_at, joined) < stale_before
    stale = _flag(is_stale)
    has_promise = _flag(promised.c.case_id.is_not(None))
    has_broken = _flag(broken.c.case_id.is_not(None))
    per_officer = {"partition_by": Case.officer_id}
    flagged = (
        select(
            Case.officer_id.label("officer_id"),
            Case.loan_no,
            Case.borrower,
            _OUTSTANDING.label("outstanding"),
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
            _IS_OPEN,
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

_PENDING_BY_UNIT = (
    select(Case.unit_id, func.count())
    .select_from(Repayment)
    .join(Case, Case.id == Repayment.case_id)
    .where(Repayment.status == "reported", _unreversed(Repayment))
    .group_by(Case.unit_id)
)


def _build_unit_figures() -> Any:
    day_end = bindparam("day_end", type_=UtcDateTime())
    before_end = bindparam("before_end", type_=UtcDateTime())
    # What confirmed repayments brought back is what the cases' balances have gone down by: the ledger keeps
    # that running total as it confirms and reverses. The figures at the end of a past day are that total
    # less what was confirmed since (a reversal of a confirmed repayment is a confirmed negative entry, dated
    # when it was made), so a day's figures are one pass over the cases and a look at the last day's
    # confirmations, not a sum over every repayment of the campaign.
    per_unit = (
        select(
            Case.unit_id.label("unit_id"),
            func.count().label("cases"),
            _fen_sum(_flag(Case.status == "settled")).label("settled"),
            _fen_sum(
                _fen(Case.principal)
                - _fen(Case.principal_remaining)
                + _fen(Case.interest)
                - _fen(Case.interest_remaining)
            ).label("recovered"),
        )
        .group_by(Case.unit_id)
        .subquery()
    )
    later = (
        select(
            Case.unit_id.label("unit_id"),
            _fen_sum(case((Repayment.decided_at >= day_end, _fen(Repayment.amount)), else_=_ZERO)).label(
                "after_day"
            ),
            _fen_sum(_fen(Repayment.amount)).label("after_before"),
        )
        .select_from(Repayment)
        .join(Case, Case.id == Repayment.case_id)
        .where(Repayment.status == "confirmed", Repayment.decided_at >= before_end)
        .group_by(Case.unit_id)
        .subquery()
    )
    recovered = func.coalesce(per_unit.c.recovered, _ZERO)
    return (
        select(
            Unit.id,
            Unit.name,
            Unit.leader_name,
            Unit.target,
            recovered - func.coalesce(later.c.after_day, _ZERO),
            recovered - func.coalesce(later.c.after_before, _ZERO),
            func.coalesce(per_unit.c.cases, _ZERO),
            func.coalesce(per_unit.c.settled, _ZERO),
        )
        .outerjoin(per_unit, per_unit.c.unit_id == Unit.id)
        .outerjoin(later, later.c.unit_id == Unit.id)
    )


_UNIT_FIGURES = _build_unit_figures()


def _build_officer_figures() -> Any:
    paid = (
        select(Case.officer_id.label("officer_id"), _fen_sum(_fen(Repayment.amount)).label("recovered"))
        .join(Case, Case.id == Repayment.case_id)
        .where(
            Repayment.status == "confirmed", Repayment.decided_at < bindparam("day_end", type_=UtcDateTime())
        )
        .group_by(Case.officer_id)
        .subquery()
    )
    cases = (
        select(
            Case.officer_id.label("officer_id"),
            func.count().label("cases"),
            _fen_sum(_flag(Case.status == "settled")).label("settled"),
            _fen_sum(_fen(Case.principal) + _fen(Case.interest)).label("start"),
        )
        .group_by(Case.officer_id)
        .subquery()
    )
    return (
        select(
            Person.unit_id,
            Person.employee_no,
            Person.name,
            cases.c.cases,
            cases.c.settled,
            cases.c.start,
            func.coalesce(paid.c.recovered, _ZERO),
        )
        .join(cases, cases.c.officer_id == Person.id)
        .outerjoin(paid, paid.c.officer_id == Person.id)
        .where(Person.unit_id.is_not(None))
    )


_OFFICER_FIGURES = _build_officer_figures()

_units = bindparam("unit_ids", expanding=True)
_ranked_cases = (
    select(
        Case.unit_id,
        Case.loan_no,
        Case.borrower,
        Person.name,
        _OUTSTANDING.label("outstanding"),
        Case.deadline,
        Case.status,
        func.row_number()
        .over(partition_by=Case.unit_id, order_by=(_OUTSTANDING.desc(), Case.loan_no))
        .label("position"),
    )
    .join(Person, Person.id == Case.officer_id)
    .where(_IS_OPEN, Case.unit_id.in_(_units))
    .subquery()
)
_LARGEST = (
    select(_ranked_cases)
    .where(_ranked_cases.c.position <= LARGEST_CASES)
    .order_by(_ranked_cases.c.unit_id, _ranked_cases.c.position)
)
_OVERDUE_BY_UNIT = (
    select(Case.unit_id, func.count())
    .where(_IS_OPEN, Case.deadline < bindparam("day", type_=Date), Case.unit_id.in_(_units))
    .group_by(Case.unit_id)
)

_PEOPLE_BY_ROLE = select(Person.id, Person.name, Person.unit_id).where(
    Person.role == bindparam("role"), Person.active.is_(True)
)
_IDENTITIES_OF = select(ChatIdentity.person_id, ChatIdentity.channel, ChatIdentity.external_id).where(
    ChatIdentity.person_id.in_(bindparam("person_ids", expanding=True))
)

_dispatch = Dispatch.__table__
# One job's deliveries of one day: every dispatch statement is about those.
_JOB_DAY = (_dispatch.c.job == bindparam("d_job"), _dispatch.c.day == bindparam("d_day", type_=Date))
_DONE = select(_dispatch.c.recipient).where(
    *_JOB_DAY,
    _dispatch.c.status != "claimed",
)
_HOLDERS = (
    select(_dispatch.c.claimed_by)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.status == "claimed",
    )
    .distinct()
)
_TAKE_OVER = (
    update(_dispatch)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.status == "claimed",
        or_(
            _dispatch.c.claimed_at < bindparam("d_stale_claim", type_=UtcDateTime()),
            _dispatch.c.claimed_by.in_(bindparam("d_gone", expanding=True)),
        ),
    )
    .values(claimed_by=bindparam("d_worker"), claimed_at=bindparam("d_now", type_=UtcDateTime()))
    .returning(_dispatch.c.recipient)
)
_FINISH = (
    update(_dispatch)
    .where(
        *_JOB_DAY,
        _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
        _dispatch.c.claimed_by == bindparam("d_worker"),
    )
    .values(status=bindparam("d_status"), sent_at=bindparam("d_now", type_=UtcDateTime()))
)
_RELEASE = delete(_dispatch).where(
    *_JOB_DAY,
    _dispatch.c.recipient.in_(bindparam("d_recipients", expanding=True)),
    _dispatch.c.claimed_by == bindparam("d_worker"),
    _dispatch.c.status == "claimed",
)


class ScheduleStore(StoreBase):
    """The daily schedule's queries and the dispatch log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        upsert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        self._insert_claims = (
            upsert(_dispatch)
            .on_conflict_do_nothing(index_elements=["job", "day", "recipient"])
            .returning(_dispatch.c.recipient)
        )

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The first instant of `day` and of the day after, in the campaign's time zone."""
        zone = self.campaign.zone
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        following = day + timedelta(days=1)
        return start, datetime(following.year, following.month, following.day, tzinfo=zone)

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

    # -- promises -------------------------------------------------------------------------------------

    def decide_promises(self, day: date) -> list[PromiseDecision]:
        """Decide every open promise whose date is before `day` from the repayments made for it.

        A promise counts the case's repayments paid from the day it was made through its date. One whose
        repayment still awaits the unit lead stays open. A promised case with no open promise left goes back
        to being worked (清收中).
        """
        zone = self.campaign.zone
        with self._write() as connection:
            promises = connection.execute(
                select(
                    Promise.id,
                    Promise.case_id,
                    Promise.amount,
                    Promise.due_on,
                    Contact.at,
                    Case.loan_no,
                    Case.officer_id,
                )
                .join(Contact, Contact.id == Promise.contact_id)
                .join(Case, Case.id == Promise.case_id)
                .where(Promise.status == "open", Promise.due_on < day, _unreversed(Contact))
                .order_by(Promise.id)
            ).all()
            if not promises:
                return []
            paid: dict[int, list[tuple[date, str, Decimal]]] = defaultdict(list)
            case_ids = sorted({row.case_id for row in promises})
            for start in range(0, len(case_ids), 5_000):
                for case_id, paid_on, status, amount in connection.execute(
                    select(Repayment.case_id, Repayment.paid_on, Repayment.status, Repayment.amount).where(
                        Repayment.case_id.in_(case_ids[start : start + 5_000]),
                        Repayment.status.in_(("confirmed", "reported")),
                    )
                ):
                    paid[case_id].append((paid_on, status, amount))
            decisions: list[PromiseDecision] = []
            for promise_id, case_id, amount, due_on, made_at, loan_no, officer_id in promises:
                made = made_at.astimezone(zone).date()
                window = [
                    (status, value) for paid_on, status, value in paid[case_id] if made <= paid_on <= due_on
                ]
                outcome = promise_outcome(
                    amount,
                    sum((value for status, value in window if status == "confirmed"), Decimal(0)),
                    sum((value for status, value in window if status == "reported"), Decimal(0)),
                )
                if outcome is not None:
                    decisions.append(
                        PromiseDecision(promise_id, loan_no, officer_id, amount, due_on, outcome)
                    )
            # Only promises still open are decided: another process deciding the same morning (two bots
            # started together) holds their rows until it commits, and then they are no longer open.
            table = Promise.__table__
            decided: set[int] = set()
            for outcome in ("kept", "partial", "broken"):
                ids = [d.promise_id for d in decisions if d.status == outcome]
                for start in range(0, len(ids), 5_000):
                    decided.update(
                        connection.scalars(
                            update(table)
                            .where(table.c.id.in_(ids[start : start + 5_000]), table.c.status == "open")
                            .values(status=outcome, decided_on=day)
                            .returning(table.c.id)
                        )
                    )
            decisions = [d for d in decisions if d.promise_id in decided]
            if not decisions:
                return []
            cases = {row.id: row.case_id for row in promises}
            self._release_promised_cases(connection, sorted({cases[d.promise_id] for d in decisions}))
            self._audit(
                connection,
                "schedule",
                "promise.decide",
                "ledger",
                day.isoformat(),
                {
                    status: sum(1 for d in decisions if d.status == status)
                    for status in ("kept", "partial", "broken")
                },
            )
        return decisions

    def _release_promised_cases(self, connection: Any, case_ids: list[int]) -> None:
        table = Case.__table__
        still_promised = (
            select(Promise.id)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(Promise.case_id == table.c.id, Promise.status == "open", _unreversed(Contact))
            .exists()
        )
        for start in range(0, len(case_ids), 5_000):
            rows = connection.execute(
                select(table.c.id, table.c.status, still_promised).where(
                    table.c.id.in_(case_ids[start : start + 5_000])
                )
            )
            self._change_statuses(
                connection,
                [
                    (case_id, status, after_promise_decided(status, bool(promised)))
                    for case_id, status, promised in rows
                ],
                "promise",
            )

    # -- to-dos ---------------------------------------------------------------------------------------

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

    def pending_by_unit(self) -> dict[int, int]:
        """How many reported repayments await confirmation, per unit."""
        with self._read() as connection:
            return {unit_id: int(count) for unit_id, count in connection.execute(_PENDING_BY_UNIT)}

    def people_with_role(self, role: str) -> list[tuple[int, str, int | None]]:
        """Everyone of a role, as (person id, name, unit id)."""
        with self._read() as connection:
            return [
                (pid, name, unit_id)
                for pid, name, unit_id in connection.execute(_PEOPLE_BY_ROLE, {"role": role})
            ]

    def unit_leads(self, unit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        """The unit leads of these units, as (name, mobile), per unit."""
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        with self._read() as connection:
            for start in range(0, len(unit_ids), 1_000):
                for unit_id, name, mobile in connection.execute(
                    select(Person.unit_id, Person.name, Person.mobile)
                    .where(
                        Person.role == "unit_lead",
                        Person.active.is_(True),
                        Person.unit_id.in_(unit_ids[start : start + 1_000]),
                    )
                    .order_by(Person.unit_id, Person.employee_no)
                ):
                    found[unit_id].append((name, mobile))
        return found

    def identities_of(self, person_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """Every chat identity of these people, as (channel, external id), per person."""
        ids = sorted(set(person_ids))
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        with self._read() as connection:
            for start in range(0, len(ids), 5_000):
                for person_id, channel, external_id in connection.execute(
                    _IDENTITIES_OF, {"person_ids": ids[start : start + 5_000]}
                ):
                    found[person_id].append((channel, external_id))
        return found

    # -- ranking and notices --------------------------------------------------------------------------

    def unit_figures(self, day: date, previous: date) -> list[UnitFigures]:
        """Every unit's target, cases and confirmed recovery by the end of `day` and of `previous`."""
        _, day_end = self.day_bounds(day)
        _, before_end = self.day_bounds(previous)
        with self._read() as connection:
            rows = connection.execute(_UNIT_FIGURES, {"day_end": day_end, "before_end": before_end}).all()
        return [
            UnitFigures(
                unit_id=unit_id,
                unit=name,
                leader_name=leader,
                target=target,
                recovered=from_fen(int(recovered)),
                recovered_before=from_fen(int(before)),
                cases=int(cases),
                settled=int(settled),
            )
            for unit_id, name, leader, target, recovered, before, cases, settled in rows
        ]

    def officer_figures(self, day: date) -> dict[int, list[OfficerProgress]]:
        """Per unit, its officers' cases and confirmed recovery by the end of `day`, best rate first."""
        _, day_end = self.day_bounds(day)
        per_unit: dict[int, list[OfficerProgress]] = defaultdict(list)
        with self._read() as connection:
            for unit_id, number, name, cases, settled, start, recovered in connection.execute(
                _OFFICER_FIGURES, {"day_end": day_end}
            ):
                per_unit[unit_id].append(
                    OfficerProgress(
                        number, name, int(cases), int(settled), from_fen(int(start)), from_fen(int(recovered))
                    )
                )
        for officers in per_unit.values():
            officers.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.employee_no))
        return per_unit

    def notice_facts(
        self, unit_ids: list[int], day: date
    ) -> tuple[dict[int, int], dict[int, list[OutstandingCase]]]:
        """For these units: how many open cases are past their deadline, and the largest unsettled ones."""
        overdue: dict[int, int] = {}
        largest: dict[int, list[OutstandingCase]] = defaultdict(list)
        with self._read() as connection:
            for start in range(0, len(unit_ids), 1_000):
                chunk = unit_ids[start : start + 1_000]
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

    def units_below_line(self, days: list[date]) -> dict[date, set[int]]:
        """For each of these ranking days (oldest first), the units whose confirmed recovery at its end was
        below that day's expected-progress line."""
        below: dict[date, set[int]] = {}
        # One reading of the figures gives a day and the day before it: the days are read two at a time.
        latest_first = list(reversed(days))
        for index in range(0, len(latest_first), 2):
            day = latest_first[index]
            before = latest_first[index + 1] if index + 1 < len(latest_first) else day
            for figures in self.unit_figures(day, before):
                for when, recovered in ((day, figures.recovered), (before, figures.recovered_before)):
                    rate = completion_rate(recovered, figures.target)
                    if rate < self.campaign.expected_progress(when):
                        below.setdefault(when, set()).add(figures.unit_id)
        return {day: below.get(day, set()) for day in days}

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

    def issue_notices(self, day: date, unit_ids: list[int], rung: str = "notice") -> dict[int, int]:
        """Give each unit its notice of `day`, numbered on from the year's last (the same number when it was
        issued already); returns the numbers by unit."""
        for attempt in range(5):
            try:
                with self.message_scope(), self.atomic(), self._write() as connection:
                    table = NoticeIssued.__table__
                    numbers = dict(
                        connection.execute(
                            select(table.c.unit_id, table.c.number).where(table.c.day == day)
                        ).all()
                    )
                    last = connection.scalar(select(func.max(table.c.number)).where(table.c.year == day.year))
                    next_number = int(last or 0) + 1
                    for unit_id in unit_ids:
                        if unit_id in numbers:
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
                        numbers[unit_id] = next_number
                        next_number += 1
                    return {unit_id: numbers[unit_id] for unit_id in unit_ids}
            except Conflict:
                # Another process numbered the same evening's notices at the same instant: read its numbers.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

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

    # -- the dispatch log -----------------------------------------------------------------------------

    def dispatched(self, job: str, day: date) -> set[str]:
        """The recipients a job has already served on `day` (sent, or refused for good by the platform)."""
        with self._read() as connection:
            return set(connection.scalars(_DONE, {"d_job": job, "d_day": day}))

    def claim(
        self,
        job: str,
        day: date,
        recipients: list[str],
        worker: str,
        gone: Callable[[str], bool] | None = None,
    ) -> list[str]:
        """Claim recipients before sending to them; returns those this worker now holds.

        A recipient is held by whoever claimed it first, unless that claim was never marked sent and is older
        than CLAIM_LEASE, or its claimant is known to have ended (`gone` says so of a claimant's name): its
        sender died, and this worker takes it over.
        """
        if not recipients:
            return []
        now = self.now()
        with self._write() as connection:
            taken = set(
                connection.scalars(
                    self._insert_claims,
                    [
                        {
                            "job": job,
                            "day": day,
                            "recipient": r,
                            "status": "claimed",
                            "claimed_by": worker,
                            "claimed_at": now,
                        }
                        for r in recipients
                    ],
                )
            )
            rest = [r for r in recipients if r not in taken]
            if rest:
                where = {"d_job": job, "d_day": day, "d_recipients": rest}
                dead: list[str] = []
                if gone is not None:
                    dead = sorted(h for h in connection.scalars(_HOLDERS, where) if h != worker and gone(h))
                taken.update(
                    connection.scalars(
                        _TAKE_OVER,
                        {
                            **where,
                            "d_stale_claim": now - CLAIM_LEASE,
                            "d_gone": dead,
                            "d_worker": worker,
                            "d_now": now,
                        },
                    )
                )
        return [r for r in recipients if r in taken]

    def finish(self, job: str, day: date, recipients: list[str], worker: str, sent: bool = True) -> None:
        """Mark claimed recipients as sent (or as refused for good by the platform)."""
        with self._write() as connection:
            connection.execute(
                _FINISH,
                {
                    "d_job": job,
                    "d_day": day,
                    "d_recipients": recipients,
                    "d_worker": worker,
                    "d_status": "sent" if sent else "failed",
                    "d_now": self.now(),
                },
            )

    def release(self, job: str, day: date, recipients: list[str], worker: str) -> None:
        """Give back claims that were not sent, so the next run sends them."""
        if not recipients:
            return
        with self._write() as connection:
            connection.execute(
                _RELEASE, {"d_job": job, "d_day": day, "d_recipients": recipients, "d_worker": worker}
            )
