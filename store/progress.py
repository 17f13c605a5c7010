"""Progress: what units and officers recovered against their targets and start balances, now and at the end
of a ranking day, in the ranking's order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select

from core.lifecycle import SETTLED
from core.money import from_fen
from core.ranking import UnitFigures, completion_rate, ranking_key
from core.views import OfficerProgress, PersonView
from store.models import Case, Person, Repayment, Unit, UtcDateTime
from store.sql import IS_OPEN, ZERO, awaiting_confirmation, fen, fen_sum, flag, recovered_fen
from store.targets import TargetStore, UnitTargets

ZERO_YUAN = Decimal(0)


@dataclass(frozen=True, slots=True)
class UnitProgress:
    """One line of the ranking: a unit's target, what it recovered and its cases."""

    unit: str
    target: Decimal
    recovered: Decimal
    cases: int
    settled: int

    @property
    def rate(self) -> Decimal:
        """Completion rate: confirmed recovered ÷ target, as the daily ranking reckons it."""
        return completion_rate(self.recovered, self.target)


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Totals of the whole campaign and the units in ranking order."""

    units: int
    people: int
    cases: int
    settled: int
    target: Decimal
    recovered: Decimal
    pending: Decimal
    ranking: list[UnitProgress]


_SETTLED_COUNT = fen_sum(flag(Case.status == SETTLED))
_PER_UNIT = (
    select(
        Case.unit_id.label("unit_id"),
        fen_sum(recovered_fen()).label("recovered"),
        func.count().label("cases"),
        _SETTLED_COUNT.label("settled"),
    )
    .group_by(Case.unit_id)
    .subquery()
)
_UNIT_PROGRESS = select(
    Unit.name,
    Unit.target,
    func.coalesce(_PER_UNIT.c.recovered, ZERO),
    func.coalesce(_PER_UNIT.c.cases, ZERO),
    func.coalesce(_PER_UNIT.c.settled, ZERO),
).outerjoin(_PER_UNIT, _PER_UNIT.c.unit_id == Unit.id)
_PENDING_TOTAL = select(fen_sum(fen(Repayment.amount))).where(awaiting_confirmation())

# An officer's figures: cases, settled, the balances started with, what confirmed repayments brought back.
_OFFICER_FIGURES = (
    func.count(Case.id),
    _SETTLED_COUNT,
    fen_sum(fen(Case.principal) + fen(Case.interest)),
    fen_sum(recovered_fen()),
)
_OFFICER_PROGRESS = (
    select(Person.employee_no, Person.name, *_OFFICER_FIGURES)
    .outerjoin(Case, Case.officer_id == Person.id)
    .where(Person.unit_id == bindparam("unit_id"), Person.role == "officer")
    .group_by(Person.id, Person.employee_no, Person.name)
)
# One officer's own card: the figures and the open cases falling due, from the officer's cases alone.
_OWN_PROGRESS = select(
    *_OFFICER_FIGURES,
    fen_sum(flag(and_(IS_OPEN, Case.deadline <= bindparam("until")))),
).where(Case.officer_id == bindparam("officer_id"))


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
            fen_sum(flag(Case.status == SETTLED)).label("settled"),
            fen_sum(
                fen(Case.principal)
                - fen(Case.principal_remaining)
                + fen(Case.interest)
                - fen(Case.interest_remaining)
            ).label("recovered"),
        )
        .group_by(Case.unit_id)
        .subquery()
    )
    later = (
        select(
            Case.unit_id.label("unit_id"),
            fen_sum(case((Repayment.decided_at >= day_end, fen(Repayment.amount)), else_=ZERO)).label(
                "after_day"
            ),
            fen_sum(fen(Repayment.amount)).label("after_before"),
        )
        .select_from(Repayment)
        .join(Case, Case.id == Repayment.case_id)
        .where(Repayment.status == "confirmed", Repayment.decided_at >= before_end)
        .group_by(Case.unit_id)
        .subquery()
    )
    recovered = func.coalesce(per_unit.c.recovered, ZERO)
    return (
        select(
            Unit.id,
            Unit.name,
            Unit.leader_name,
            Unit.target,
            recovered - func.coalesce(later.c.after_day, ZERO),
            recovered - func.coalesce(later.c.after_before, ZERO),
            func.coalesce(per_unit.c.cases, ZERO),
            func.coalesce(per_unit.c.settled, ZERO),
        )
        .outerjoin(per_unit, per_unit.c.unit_id == Unit.id)
        .outerjoin(later, later.c.unit_id == Unit.id)
    )


_UNIT_FIGURES = _build_unit_figures()


def _build_officer_figures() -> Any:
    paid = (
        select(Case.officer_id.label("officer_id"), fen_sum(fen(Repayment.amount)).label("recovered"))
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
            fen_sum(flag(Case.status == SETTLED)).label("settled"),
            fen_sum(fen(Case.principal) + fen(Case.interest)).label("start"),
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
            func.coalesce(paid.c.recovered, ZERO),
        )
        .join(cases, cases.c.officer_id == Person.id)
        .outerjoin(paid, paid.c.officer_id == Person.id)
        .where(Person.unit_id.is_not(None))
    )


_OFFICER_FIGURES = _build_officer_figures()


def _target_of(targets: dict[int, UnitTargets], unit_id: int | None, employee_no: str) -> Decimal | None:
    """An officer's own target, or None when it is not known (an officer no longer active)."""
    unit = targets.get(unit_id) if unit_id is not None else None
    return None if unit is None else unit.officers.get(employee_no)


class ProgressStore(TargetStore):
    """Units' and officers' figures; officers' rates against their own targets."""

    def unit_progress(self) -> list[UnitProgress]:
        """Every unit's target, confirmed recovery and cases, in the ranking's order."""
        with self._session() as session:
            progress = [
                UnitProgress(name, target, from_fen(int(recovered)), int(cases), int(settled))
                for name, target, recovered, cases, settled in session.execute(_UNIT_PROGRESS)
            ]
        progress.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.unit))
        return progress

    def campaign_summary(self) -> CampaignSummary:
        """The whole campaign in figures, for `qingshou run` and the leaders."""
        ranking = self.unit_progress()
        with self._session() as session:
            people = session.scalar(select(func.count()).select_from(Person)) or 0
            pending = session.scalar(_PENDING_TOTAL)
        return CampaignSummary(
            units=len(ranking),
            people=people,
            cases=sum(p.cases for p in ranking),
            settled=sum(p.settled for p in ranking),
            target=sum((p.target for p in ranking), ZERO_YUAN),
            recovered=sum((p.recovered for p in ranking), ZERO_YUAN),
            pending=from_fen(int(pending or 0)),
            ranking=ranking,
        )

    def own_progress(self, officer: PersonView, within_days: int, today: date) -> tuple[OfficerProgress, int]:
        """An officer's own figures, and how many of their open cases fall due within `within_days` or are
        overdue (one query, for the officer's progress card)."""
        params = {"officer_id": officer.id, "until": today + timedelta(days=within_days)}
        with self._read() as connection:
            cases, settled, start, got, due = connection.execute(_OWN_PROGRESS, params).one()
        targets = self.unit_targets([officer.unit_id]) if officer.unit_id is not None else {}
        figures = OfficerProgress(
            officer.employee_no,
            officer.name,
            int(cases),
            int(settled),
            from_fen(int(start)),
            from_fen(int(got)),
            _target_of(targets, officer.unit_id, officer.employee_no),
        )
        return figures, int(due)

    def officer_progress(self, unit_id: int) -> list[OfficerProgress]:
        """Every officer of a unit with their cases and confirmed recovery, in the ranking's order."""
        with self._read() as connection:
            rows = connection.execute(_OFFICER_PROGRESS, {"unit_id": unit_id}).all()
        targets = self.unit_targets([unit_id])
        progress = [
            OfficerProgress(
                no,
                name,
                int(cases),
                int(settled),
                from_fen(int(start)),
                from_fen(int(got)),
                _target_of(targets, unit_id, no),
            )
            for no, name, cases, settled, start, got in rows
        ]
        progress.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.employee_no))
        return progress

    def recovered_on(self, day_start: datetime, day_end: datetime) -> dict[str, Decimal]:
        """Per unit name, what was confirmed between two instants (net of reversals)."""
        with self._session() as session:
            rows = session.execute(
                select(Unit.name, fen_sum(fen(Repayment.amount)))
                .join(Case, Case.id == Repayment.case_id)
                .join(Unit, Unit.id == Case.unit_id)
                .where(
                    Repayment.status == "confirmed",
                    Repayment.decided_at >= day_start,
                    Repayment.decided_at < day_end,
                )
                .group_by(Unit.name)
            ).all()
            return {name: from_fen(int(total)) for name, total in rows}

    # -- at the end of a ranking day ------------------------------------------------------------------

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
        targets = self.unit_targets()
        with self._read() as connection:
            for unit_id, number, name, cases, settled, start, recovered in connection.execute(
                _OFFICER_FIGURES, {"day_end": day_end}
            ):
                per_unit[unit_id].append(
                    OfficerProgress(
                        number,
                        name,
                        int(cases),
                        int(settled),
                        from_fen(int(start)),
                        from_fen(int(recovered)),
                        _target_of(targets, unit_id, number),
                    )
                )
        for officers in per_unit.values():
            officers.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.employee_no))
        return per_unit

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
