"""People of the task force: who writes from which chat, binding a chat by a one-time code, and unbinding."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from core.errors import UserError
from core.views import PersonView
from store.base import StoreBase
from store.models import BindAttempt, BindCode, Case, ChatIdentity, Person, Unit
from store.sql import ROWS_PER_STATEMENT, UNITS_PER_STATEMENT, chunks

BIND_FAILURES_ALLOWED = 5
BIND_LOCK = timedelta(hours=1)
BIND_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read aloud and retyped
BIND_CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class BindCodeLine:
    """A person waiting to bind a chat identity, and their code."""

    employee_no: str
    name: str
    unit: str
    role: str
    code: str
    expires_on: date  # the last day the code works, in the campaign's time zone


_unit = aliased(Unit)
# Built once: constructing aliased selects costs more than running them.
_PEOPLE = select(
    Person.id, Person.name, Person.employee_no, Person.role, Person.unit_id, _unit.name
).outerjoin(_unit, _unit.id == Person.unit_id)
_PERSON_BY_IDENTITY = _PEOPLE.join(ChatIdentity, ChatIdentity.person_id == Person.id).where(
    ChatIdentity.channel == bindparam("channel"),
    ChatIdentity.external_id == bindparam("external_id"),
    Person.active.is_(True),
)
_PERSON_BY_NUMBER = _PEOPLE.where(Person.employee_no == bindparam("employee_no"), Person.active.is_(True))
_ESCALATION = _PEOPLE.where(
    Person.active.is_(True),
    (Person.role == "leader") | ((Person.role == "unit_lead") & (Person.unit_id == bindparam("unit_id"))),
).order_by(Person.id)
_UNIT_LEADS = _PEOPLE.where(
    Person.active.is_(True), Person.role == "unit_lead", Person.unit_id == bindparam("unit_id")
).order_by(Person.id)
_IDENTITIES = select(ChatIdentity.external_id).where(
    ChatIdentity.person_id == bindparam("person_id"), ChatIdentity.channel == bindparam("channel")
)
_PEOPLE_BY_ROLE = select(Person.id, Person.name, Person.unit_id).where(
    Person.role == bindparam("role"), Person.active.is_(True)
)
_IDENTITIES_OF = select(ChatIdentity.person_id, ChatIdentity.channel, ChatIdentity.external_id).where(
    ChatIdentity.person_id.in_(bindparam("person_ids", expanding=True))
)
_UNBOUND = (
    select(Person, Unit.name)
    .outerjoin(Unit, Unit.id == Person.unit_id)
    .where(
        Person.active.is_(True),
        ~select(ChatIdentity.id).where(ChatIdentity.person_id == Person.id).exists(),
    )
    .order_by(Unit.name, Person.employee_no)
)


class PeopleStore(StoreBase):
    """Who is writing, and the chats bound to each person."""

    def person_by_identity(self, channel: str, external_id: str) -> PersonView | None:
        """The active person bound to a chat identity, if any (read for every message: a role changed or a
        person deactivated by an import in another process counts at once)."""
        with self._read() as connection:
            row = connection.execute(
                _PERSON_BY_IDENTITY, {"channel": channel, "external_id": external_id}
            ).first()
            if row is None:
                return None
            person = PersonView(*row)
        # The writer of the message's entries is looked up by employee number next: found here already.
        self._remember(("person", person.employee_no), (person.id, person.name))
        return person

    def person_by_employee_no(self, employee_no: str) -> PersonView | None:
        """A person by employee number."""
        with self._read() as connection:
            row = connection.execute(_PERSON_BY_NUMBER, {"employee_no": employee_no}).first()
            return PersonView(*row) if row else None

    def people_by_id(self, ids: list[int]) -> list[PersonView]:
        """People by id."""
        with self._session() as session:
            return [PersonView(*row) for row in session.execute(_PEOPLE.where(Person.id.in_(ids)))]

    def escalation_people(self, unit_id: int | None) -> list[PersonView]:
        """Whom a special situation goes to: the unit's leads and every leader (active ones)."""
        with self._read() as connection:
            return [PersonView(*row) for row in connection.execute(_ESCALATION, {"unit_id": unit_id})]

    def unit_leads_of(self, unit_id: int | None) -> list[PersonView]:
        """The unit's leads (active ones): whom a reported repayment awaits."""
        with self._read() as connection:
            return [PersonView(*row) for row in connection.execute(_UNIT_LEADS, {"unit_id": unit_id})]

    def admins(self) -> list[PersonView]:
        """The task-force clerks (active ones)."""
        with self._session() as session:
            return [
                PersonView(*row)
                for row in session.execute(_PEOPLE.where(Person.role == "admin", Person.active.is_(True)))
            ]

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
            for chunk in chunks(unit_ids, UNITS_PER_STATEMENT):
                for unit_id, name, mobile in connection.execute(
                    select(Person.unit_id, Person.name, Person.mobile)
                    .where(Person.role == "unit_lead", Person.active.is_(True), Person.unit_id.in_(chunk))
                    .order_by(Person.unit_id, Person.employee_no)
                ):
                    found[unit_id].append((name, mobile))
        return found

    def demo_officer(self) -> str | None:
        """The employee number of the officer with the most cases, to chat as in the terminal demo."""
        with self._session() as session:
            return session.scalar(
                select(Person.employee_no)
                .join(Case, Case.officer_id == Person.id)
                .where(Person.role == "officer")
                .group_by(Person.id, Person.employee_no)
                .order_by(func.count(Case.id).desc(), Person.employee_no)
                .limit(1)
            )

    # -- chat identities ------------------------------------------------------------------------------

    def identities(self, person_id: int, channel: str) -> list[str]:
        """The chat identities of a person on one channel (read each time: a second phone bound through
        another process must be reached at once)."""
        with self._read() as connection:
            return list(connection.scalars(_IDENTITIES, {"person_id": person_id, "channel": channel}))

    def identities_of(self, person_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """Every chat identity of these people, as (channel, external id), per person."""
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        with self._read() as connection:
            for chunk in chunks(sorted(set(person_ids)), ROWS_PER_STATEMENT):
                for person_id, channel, external_id in connection.execute(
                    _IDENTITIES_OF, {"person_ids": chunk}
                ):
                    found[person_id].append((channel, external_id))
        return found

    def _bind_refusal(self, session: Session, channel: str, external_id: str, now: datetime) -> None:
        """Refuse a chat already bound, or locked after too many wrong codes."""
        if session.scalar(
            select(ChatIdentity.id).where(
                ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
            )
        ):
            raise UserError("bind.already_bound")
        failures = session.scalar(
            select(func.count())
            .select_from(BindAttempt)
            .where(
                BindAttempt.channel == channel,
                BindAttempt.external_id == external_id,
                BindAttempt.ok.is_(False),
                BindAttempt.at > now - BIND_LOCK,
            )
        )
        if (failures or 0) >= BIND_FAILURES_ALLOWED:
            raise UserError("bind.locked")

    def bind(self, channel: str, external_id: str, code: str) -> PersonView:
        """Link a chat identity to the person a one-time code was issued to."""
        now = self.now()
        code = code.strip().upper()
        with self._transaction() as session:
            self._bind_refusal(session, channel, external_id, now)
            issued = session.execute(
                select(BindCode).where(BindCode.code == code).with_for_update()
            ).scalar_one_or_none()
            problem = _code_problem(issued, now)
            session.add(BindAttempt(channel=channel, external_id=external_id, at=now, ok=problem is None))
            if problem is None and issued is not None:
                identity = ChatIdentity(
                    person_id=issued.person_id, channel=channel, external_id=external_id, bound_at=now
                )
                session.add(identity)
                session.flush()
                issued.used_at = now
                issued.used_by_id = identity.id
                person = session.get_one(Person, issued.person_id)
                self._audit(
                    session,
                    person.name,
                    "bind",
                    "person",
                    person.employee_no,
                    {"channel": channel},
                    actor_id=person.id,
                )
        self.forget_people()
        if problem is not None:
            # The failed attempt was committed above (it counts towards the lock); nothing else changed.
            raise UserError(problem)
        found = self.person_by_identity(channel, external_id)
        assert found is not None
        return found

    def unbind(self, employee_no: str, actor: str = "cli") -> tuple[str, list[str]]:
        """Remove every chat identity of a person (a lost phone); returns their name and the channels unbound.

        The used codes stay used: a new code is issued by `qingshou codes` once they have no identity left.
        """
        with self._transaction() as session:
            person = self._person(session, employee_no)
            channels = self._drop_identities(session, person.id)
            self._audit(session, actor, "unbind", "person", employee_no, {"channels": channels})
        return person.name, channels

    def _drop_identities(self, session: Any, person_id: int) -> list[str]:
        """Delete a person's chat identities in the caller's transaction; their channels, sorted."""
        identities = session.execute(
            select(ChatIdentity.id, ChatIdentity.channel).where(ChatIdentity.person_id == person_id)
        ).all()
        ids = [identity_id for identity_id, _ in identities]
        if ids:
            session.execute(update(BindCode).where(BindCode.used_by_id.in_(ids)).values(used_by_id=None))
            session.execute(delete(ChatIdentity).where(ChatIdentity.id.in_(ids)))
        return sorted(channel for _, channel in identities)

    # -- bind codes -----------------------------------------------------------------------------------

    def bind_codes(self, unit: str | None = None, valid_days: int = 7) -> list[BindCodeLine]:
        """A valid bind code for everyone (of a unit) not yet bound, issuing new codes where needed."""
        now = self.now()
        with self._transaction() as session:
            query = _UNBOUND
            if unit is not None:
                if session.scalar(select(Unit.id).where(Unit.name == unit)) is None:
                    raise UserError("ledger.unknown_unit", unit=unit)
                query = query.where(Unit.name == unit)
            people = session.execute(query).all()
            valid = {
                person_id: (code, expires_at)
                for person_id, code, expires_at in session.execute(
                    select(BindCode.person_id, BindCode.code, BindCode.expires_at).where(
                        BindCode.used_at.is_(None), BindCode.expires_at > now
                    )
                )
            }
            lines = []
            for person, unit_name in people:
                code, expires_at = valid.get(person.id) or self._issue_code(session, person, now, valid_days)
                last_day = self.campaign.today(expires_at - timedelta(microseconds=1))
                lines.append(
                    BindCodeLine(
                        person.employee_no, person.name, unit_name or "", person.role, code, last_day
                    )
                )
            return lines

    def _issue_code(
        self, session: Session, person: Person, now: datetime, valid_days: int
    ) -> tuple[str, datetime]:
        """A new code for a person, in the caller's transaction: the code and when it stops working."""
        code = "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(BIND_CODE_LENGTH))
        # A code works through the whole of its last day, as the codes workbook says.
        last = self.campaign.today(now) + timedelta(days=valid_days)
        expires_at = datetime.combine(last + timedelta(days=1), time(0), self.campaign.zone)
        session.add(BindCode(person_id=person.id, code=code, created_at=now, expires_at=expires_at))
        self._audit(session, "cli", "bind_code.issue", "person", person.employee_no)
        return code, expires_at


def _code_problem(issued: BindCode | None, now: datetime) -> str | None:
    """Why a bind code does not bind (the text's key), or None when it does."""
    if issued is None:
        return "bind.wrong_code"
    if issued.used_at is not None:
        return "bind.used_code"
    if issued.expires_at <= now:
        return "bind.expired_code"
    return None
