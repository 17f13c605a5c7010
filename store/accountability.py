"""Accountability records (问责, SPEC §10): what leaders and admins recorded on a unit or a person, kept for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import aliased

from core.errors import UserError
from core.views import PersonView
from store.base import StoreBase
from store.models import AccountabilityRecord, Person, Unit

# A unit's or person's card shows this many of the latest records.
SHOWN_ON_CARD = 5


@dataclass(frozen=True, slots=True)
class Accountability:
    """One record, as shown: whom it concerns, why, what was decided, by whom and when."""

    id: int
    unit: str
    person: str  # "" when it concerns the unit
    employee_no: str
    reason: str
    action: str
    note: str
    corrects_id: int | None
    recorded_by: str
    at: datetime
    corrected_by: int | None = None  # the latest record correcting this one

    @property
    def subject(self) -> str:
        """The unit's name, or the person's name with their employee number and unit."""
        return f"{self.person}（{self.employee_no}，{self.unit}）" if self.person else self.unit


_subject = aliased(Person)
_recorder = aliased(Person)
_correction = aliased(AccountabilityRecord)
_CORRECTED_BY = (
    select(func.max(_correction.id))
    .where(_correction.corrects_id == AccountabilityRecord.id)
    .scalar_subquery()
)
_RECORDS = (
    select(
        AccountabilityRecord.id,
        Unit.name,
        _subject.name,
        _subject.employee_no,
        AccountabilityRecord.reason,
        AccountabilityRecord.action,
        AccountabilityRecord.note,
        AccountabilityRecord.corrects_id,
        _recorder.name,
        AccountabilityRecord.at,
        _CORRECTED_BY,
    )
    .join(Unit, Unit.id == AccountabilityRecord.unit_id)
    .outerjoin(_subject, _subject.id == AccountabilityRecord.person_id)
    .join(_recorder, _recorder.id == AccountabilityRecord.recorded_by_id)
)


def _record(row: tuple) -> Accountability:
    record_id, unit, person, number, reason, action, note, corrects, recorder, at, corrected_by = row
    return Accountability(
        record_id,
        unit,
        person or "",
        number or "",
        reason,
        action,
        note,
        corrects,
        recorder,
        at,
        corrected_by,
    )


class AccountabilityStore(StoreBase):
    """Accountability records: written once, read by unit, person and period."""

    def record_accountability(
        self,
        actor: PersonView,
        subject: str,
        reason: str,
        action: str,
        note: str = "",
        corrects: int | None = None,
        source_key: str | None = None,
    ) -> Accountability:
        """Record a measure on a unit (by its name) or a person (by employee number); a correction names the
        record it corrects, which stays as it was."""
        with self.message_scope(), self.atomic(), self._session() as session:
            person = session.execute(select(Person).where(Person.employee_no == subject)).scalar_one_or_none()
            if person is not None:
                if person.unit_id is None:
                    raise UserError("accountability.no_unit", name=person.name)
                unit_id, person_id = person.unit_id, person.id
            else:
                unit_id = session.scalar(select(Unit.id).where(Unit.name == subject))
                if unit_id is None:
                    raise UserError("accountability.unknown_subject", subject=subject)
                person_id = None
            if corrects is not None and session.get(AccountabilityRecord, corrects) is None:
                raise UserError("accountability.unknown_record", number=corrects)
            record_id = session.execute(
                insert(AccountabilityRecord.__table__)
                .values(
                    unit_id=unit_id,
                    person_id=person_id,
                    reason=reason,
                    action=action,
                    note=note,
                    corrects_id=corrects,
                    recorded_by_id=actor.id,
                    at=self.now(),
                    source_key=source_key,
                )
                .returning(AccountabilityRecord.__table__.c.id)
            ).scalar_one()
            self._audit(
                session,
                actor.employee_no,
                "accountability.record",
                "accountability",
                str(record_id),
                {"subject": subject, "reason": reason, "action": action, "note": note, "corrects": corrects},
                actor_id=actor.id,
                source=source_key or "",
            )
            row = session.execute(_RECORDS.where(AccountabilityRecord.id == record_id)).one()
        return _record(tuple(row))

    def accountability_of(
        self, unit_id: int | None = None, person_id: int | None = None, limit: int = SHOWN_ON_CARD
    ) -> list[Accountability]:
        """The latest records on a unit (its people's included) or on one person, latest first."""
        query = _RECORDS
        if person_id is not None:
            query = query.where(AccountabilityRecord.person_id == person_id)
        elif unit_id is not None:
            query = query.where(AccountabilityRecord.unit_id == unit_id)
        query = query.order_by(AccountabilityRecord.at.desc(), AccountabilityRecord.id.desc()).limit(limit)
        with self._read() as connection:
            return [_record(tuple(row)) for row in connection.execute(query)]

    def accountability_between(self, start: datetime, end: datetime) -> list[Accountability]:
        """Every record made in [start, end), oldest first."""
        query = _RECORDS.where(AccountabilityRecord.at >= start, AccountabilityRecord.at < end).order_by(
            AccountabilityRecord.at, AccountabilityRecord.id
        )
        with self._read() as connection:
            return [_record(tuple(row)) for row in connection.execute(query)]
