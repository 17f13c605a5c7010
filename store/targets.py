"""Targets to every officer (目标责任制, SPEC §10): each unit's target split over its officers by the balances
they hold, or as the unit lead (or the 人员 sheet) set them; and who reached their whole target, announced once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.errors import UserError
from core.money import format_yuan, from_fen
from core.targets import officer_targets, unassigned
from core.views import PersonView
from store.base import StoreBase
from store.models import Case, Completion, Person, Unit
from store.sql import chunks, fen, fen_sum, insert_new

ZERO = Decimal(0)
PEOPLE_PER_STATEMENT = 1000


@dataclass(frozen=True, slots=True)
class UnitTargets:
    """A unit's target and its officers' (by employee number), with those set by hand and what is left over."""

    unit_id: int
    unit: str
    target: Decimal
    officers: dict[str, Decimal] = field(default_factory=dict)
    set_by_hand: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)

    @property
    def unassigned(self) -> Decimal:
        """What of the unit's target no officer's target covers (negative: set above it)."""
        return unassigned(self.target, self.officers)


@dataclass(frozen=True, slots=True)
class TargetChange:
    """An officer's target as a unit lead set it, and the unit's targets after it."""

    employee_no: str
    name: str
    before: Decimal
    after: Decimal
    unit: UnitTargets


# Per officer of a unit: the principal of the cases they hold (the balances a unit's default target is summed
# from), whether they were given a target, and which.
_OFFICER_BALANCES = (
    select(
        Person.unit_id,
        Person.employee_no,
        Person.name,
        Person.target,
        func.coalesce(fen_sum(fen(Case.principal)), 0),
    )
    .outerjoin(Case, Case.officer_id == Person.id)
    .where(Person.role == "officer", Person.active.is_(True), Person.unit_id.is_not(None))
    .group_by(Person.id, Person.unit_id, Person.employee_no, Person.name, Person.target)
)


def _split(
    unit_id: int, unit: str, target: Decimal, rows: list[tuple[str, str, Decimal | None, Decimal]]
) -> UnitTargets:
    balances = {no: balance for no, _name, _target, balance in rows}
    by_hand = {no: own for no, _name, own, _balance in rows if own is not None}
    try:
        targets = officer_targets(target, balances, by_hand)
    except UserError:
        # Targets set above the unit's (its own target lowered later): kept as set, nothing left to share.
        targets = {no: by_hand.get(no, ZERO) for no in balances}
    return UnitTargets(
        unit_id,
        unit,
        target,
        targets,
        frozenset(by_hand),
        {no: name for no, name, _target, _balance in rows},
    )


class TargetStore(StoreBase):
    """Officers' targets, and the targets reached."""

    def unit_targets(self, unit_ids: Iterable[int] | None = None) -> dict[int, UnitTargets]:
        """Each unit's targets (of these units, or all), by unit id."""
        wanted = None if unit_ids is None else set(unit_ids)
        query = _OFFICER_BALANCES
        units = select(Unit.id, Unit.name, Unit.target)
        if wanted is not None:
            query = query.where(Person.unit_id.in_(wanted))
            units = units.where(Unit.id.in_(wanted))
        rows: dict[int, list[tuple[str, str, Decimal | None, Decimal]]] = defaultdict(list)
        with self._read() as connection:
            for unit_id, number, name, target, balance in connection.execute(query):
                rows[unit_id].append((number, name, target, from_fen(int(balance))))
            unit_rows = connection.execute(units).all()
        return {
            unit_id: _split(unit_id, name, target, sorted(rows.get(unit_id, [])))
            for unit_id, name, target in unit_rows
        }

    def set_officer_target(
        self, lead: PersonView, employee_no: str, amount: Decimal | None, source: str = ""
    ) -> TargetChange:
        """A unit lead sets one officer's target (None: back to a share of the unit's), within the unit's
        target; the other officers' shares follow so that the unit's total stays what it is."""
        with self.message_scope(), self.atomic(), self._session() as session:
            officer = session.execute(
                select(Person).where(Person.employee_no == employee_no)
            ).scalar_one_or_none()
            if officer is None or not officer.active:
                raise UserError("target.unknown_person", employee_no=employee_no)
            if lead.role != "admin" and officer.unit_id != lead.unit_id:
                raise UserError("target.not_your_unit", name=officer.name)
            if officer.role != "officer":
                raise UserError("target.not_officer", name=officer.name)
            assert officer.unit_id is not None
            # One lead's change at a time per unit: two at once could together pass the unit's total.
            session.execute(select(Unit.id).where(Unit.id == officer.unit_id).with_for_update()).one()
            before = self.unit_targets([officer.unit_id])[officer.unit_id]
            by_hand = {no: before.officers[no] for no in before.set_by_hand if no != employee_no}
            if amount is not None:
                by_hand[employee_no] = amount
            total = sum(by_hand.values(), ZERO)
            if total > before.target:
                raise UserError(
                    "target.above_unit",
                    total=format_yuan(total),
                    unit_target=format_yuan(before.target),
                )
            officer.target = amount
            session.flush()
            self._audit(
                session,
                lead.employee_no,
                "target.set",
                "person",
                employee_no,
                {
                    "before": str(before.officers.get(employee_no, ZERO)),
                    "after": "" if amount is None else str(amount),
                },
                actor_id=lead.id,
                source=source,
            )
            after = self.unit_targets([officer.unit_id])[officer.unit_id]
        return TargetChange(
            employee_no,
            officer.name,
            before.officers.get(employee_no, ZERO),
            after.officers.get(employee_no, ZERO),
            after,
        )

    # -- the targets reached, announced once -------------------------------------------------------------

    def record_completions(
        self, day: date, units: Iterable[int], officers: Iterable[str]
    ) -> tuple[set[int], set[str]]:
        """Record the units (by id) and officers (by employee number) that reached their whole target, each
        once ever; returns those to announce on `day`: recorded now, or earlier the same day (a job run again
        announces the same)."""
        wanted = sorted(set(officers))
        with self.message_scope(), self.atomic(), self._write() as connection:
            person_ids: dict[str, int] = {}
            for chunk in chunks(wanted, PEOPLE_PER_STATEMENT):
                person_ids.update(
                    connection.execute(
                        select(Person.employee_no, Person.id).where(Person.employee_no.in_(chunk))
                    ).all()
                )
            reached = {("unit", unit_id) for unit_id in units}
            reached |= {("officer", person_id) for person_id in person_ids.values()}
            known = {
                (kind, subject): when
                for kind, subject, when in connection.execute(
                    select(Completion.kind, Completion.subject_id, Completion.day)
                )
            }
            new = [item for item in sorted(reached) if item not in known]
            if new:
                insert_new(
                    connection,
                    Completion.__table__,
                    [{"kind": kind, "subject_id": subject, "day": day} for kind, subject in new],
                    ("kind", "subject_id"),
                )
        announced = {item for item in reached if item not in known or known[item] == day}
        return (
            {subject for kind, subject in announced if kind == "unit"},
            {no for no, person_id in person_ids.items() if ("officer", person_id) in announced},
        )
