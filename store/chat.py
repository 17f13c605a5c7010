"""Chat identities, binding, replies to handled messages and drafts awaiting a choice."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from core.errors import UserError
from core.views import PersonView
from store.base import StoreBase
from store.models import (
    BindAttempt,
    BindCode,
    Case,
    ChatIdentity,
    Draft,
    HandledMessage,
    OfferedButton,
    OfferedChoices,
    Person,
    SpecialReport,
    Unit,
    UtcDateTime,
)

BIND_FAILURES_ALLOWED = 5
BIND_LOCK = timedelta(hours=1)
DRAFT_LIFETIME = timedelta(days=1)
# A number answers the choices offered in its chat within this time; after it, it is just a number.
CHOICES_LIFETIME = timedelta(days=1)
# Telegram keeps an undelivered update for 24 hours and WeCom retries a callback within seconds: an answer is
# kept this long for a re-delivery, and after it the message key may be a new message's.
REDELIVERY_WINDOW = timedelta(days=2)
# A button offered in a chat can be pressed for this long (a case list looked at again the next days).
BUTTONS_LIFETIME = timedelta(days=7)


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
_IDENTITIES = select(ChatIdentity.external_id).where(
    ChatIdentity.person_id == bindparam("person_id"), ChatIdentity.channel == bindparam("channel")
)
_OFFERED_BUTTON = select(OfferedButton.id).where(
    OfferedButton.channel == bindparam("channel"),
    OfferedButton.chat_id == bindparam("chat_id"),
    OfferedButton.data == bindparam("data"),
    OfferedButton.at >= bindparam("since", type_=UtcDateTime()),
)
_ANSWER = select(HandledMessage.replies).where(
    HandledMessage.key == bindparam("key"), HandledMessage.at >= bindparam("since", type_=UtcDateTime())
)


class ChatStore(StoreBase):
    """Who is writing, and what was already answered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A message answered before keeps its first answer; the caller learns that this one was not kept.
        upsert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        answers = HandledMessage.__table__
        answer = upsert(answers)
        # An answer kept within REDELIVERY_WINDOW stands; an older one under the same key is a different
        # message by now (no platform re-delivers that late) and gives way.
        self._insert_answer = answer.on_conflict_do_update(
            index_elements=["key"],
            set_={"replies": answer.excluded.replies, "at": answer.excluded.at},
            where=answers.c.at < bindparam("stale_before", type_=UtcDateTime()),
        ).returning(answers.c.id)
        button = upsert(OfferedButton.__table__)
        self._offer_button = button.on_conflict_do_update(
            index_elements=["channel", "chat_id", "data"], set_={"at": button.excluded.at}
        )
        offered = upsert(OfferedChoices.__table__)
        self._offer = offered.on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={"options": offered.excluded.options, "at": offered.excluded.at},
        )

    def person_by_identity(self, channel: str, external_id: str) -> PersonView | None:
        """The active person bound to a chat identity, if any (read for every message: a role changed or a
        person deactivated by an import in another process counts at once)."""
        with self._read() as connection:
            row = connection.execute(
                _PERSON_BY_IDENTITY, {"channel": channel, "external_id": external_id}
            ).first()
            return PersonView(*row) if row else None

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

    def admins(self) -> list[PersonView]:
        """The task-force clerks (active ones)."""
        with self._session() as session:
            return [
                PersonView(*row)
                for row in session.execute(_PEOPLE.where(Person.role == "admin", Person.active.is_(True)))
            ]

    def identities(self, person_id: int, channel: str) -> list[str]:
        """The chat identities of a person on one channel (read each time: a second phone bound through
        another process must be reached at once)."""
        with self._read() as connection:
            return list(connection.scalars(_IDENTITIES, {"person_id": person_id, "channel": channel}))

    def bind(self, channel: str, external_id: str, code: str) -> PersonView:
        """Link a chat identity to the person a one-time code was issued to."""
        now = self.now()
        code = code.strip().upper()
        problem: str | None = None
        with self._transaction() as session:
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
            issued = session.execute(
                select(BindCode).where(BindCode.code == code).with_for_update()
            ).scalar_one_or_none()
            if issued is None:
                problem = "bind.wrong_code"
            elif issued.used_at is not None:
                problem = "bind.used_code"
            elif issued.expires_at <= now:
                problem = "bind.expired_code"
            session.add(BindAttempt(channel=channel, external_id=external_id, at=now, ok=problem is None))
            if problem is None and issued is not None:
                identity = ChatIdentity(
                    person_id=issued.person_id, channel=channel, external_id=external_id, bound_at=now
                )
                session.add(identity)
                session.flush()
                issued.used_at = now
                issued.used_by_id = identity.id
                person = session.get(Person, issued.person_id)
                assert person is not None
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

    def answered(self, key: str) -> list[dict[str, Any]] | None:
        """The replies already given to a message within REDELIVERY_WINDOW, if it was handled then."""
        with self._read() as connection:
            replies = connection.scalar(_ANSWER, {"key": key, "since": self.now() - REDELIVERY_WINDOW})
            return None if replies is None else json.loads(replies)

    def remember_answer(self, key: str, replies: list[dict[str, Any]]) -> bool:
        """Keep the replies given to a message; False if it already had an answer (the first one stands)."""
        now = self.now()
        with self._write() as connection:
            kept = connection.execute(
                self._insert_answer,
                {
                    "key": key,
                    "replies": json.dumps(replies, ensure_ascii=False),
                    "at": now,
                    "stale_before": now - REDELIVERY_WINDOW,
                },
            ).first()
            return kept is not None

    def forget_expired(self) -> int:
        """Drop kept answers, drafts and offered choices no one can use any more; returns how many."""
        now = self.now()
        with self._write() as connection:
            dropped = 0
            for table, column, cutoff in (
                (HandledMessage.__table__, "at", now - REDELIVERY_WINDOW),
                (Draft.__table__, "created_at", now - DRAFT_LIFETIME),
                (OfferedChoices.__table__, "at", now - CHOICES_LIFETIME),
                (OfferedButton.__table__, "at", now - BUTTONS_LIFETIME),
            ):
                dropped += connection.execute(delete(table).where(table.c[column] < cutoff)).rowcount or 0
        return dropped

    def offer_choices(self, channel: str, chat_id: str, options: list[str]) -> None:
        """Keep the choices just offered in a chat, numbered from 1 in this order (they replace earlier ones)."""
        with self._write() as connection:
            connection.execute(
                self._offer,
                {
                    "channel": channel,
                    "chat_id": chat_id,
                    "options": json.dumps(options, ensure_ascii=False),
                    "at": self.now(),
                },
            )

    def offer_buttons(self, channel: str, chat_id: str, data: list[str]) -> None:
        """Note the buttons just offered in a chat, so that a press of one of them is known to be genuine."""
        if not data:
            return
        now = self.now()
        with self._write() as connection:
            connection.execute(
                self._offer_button,
                [
                    {"channel": channel, "chat_id": chat_id, "data": value, "at": now}
                    for value in dict.fromkeys(data)
                ],
            )

    def was_offered(self, channel: str, chat_id: str, data: str) -> bool:
        """Whether a button with this data was offered in the chat within BUTTONS_LIFETIME."""
        with self._read() as connection:
            return (
                connection.execute(
                    _OFFERED_BUTTON,
                    {
                        "channel": channel,
                        "chat_id": chat_id,
                        "data": data,
                        "since": self.now() - BUTTONS_LIFETIME,
                    },
                ).first()
                is not None
            )

    def offered_choice(self, channel: str, chat_id: str, number: int) -> str | None:
        """The choice a number answers in a chat, if it was offered there lately."""
        with self._read() as connection:
            row = connection.execute(
                select(OfferedChoices.options).where(
                    OfferedChoices.channel == channel,
                    OfferedChoices.chat_id == chat_id,
                    OfferedChoices.at >= self.now() - CHOICES_LIFETIME,
                )
            ).first()
        if row is None:
            return None
        options: list[str] = json.loads(row[0])
        return options[number - 1] if 1 <= number <= len(options) else None

    def save_draft(self, person_id: int, payload: dict[str, Any]) -> str:
        """Keep a report awaiting the person's choice; returns its token."""
        token = secrets.token_hex(6)
        with self._transaction() as session:
            session.add(
                Draft(
                    token=token,
                    person_id=person_id,
                    payload=json.dumps(payload, ensure_ascii=False, default=str),
                    created_at=self.now(),
                )
            )
        return token

    def take_draft(self, token: str, person_id: int) -> dict[str, Any] | None:
        """The person's draft for `token`, once; None if unknown, someone else's or expired."""
        with self._transaction() as session:
            draft = session.execute(
                select(Draft).where(Draft.token == token, Draft.person_id == person_id).with_for_update()
            ).scalar_one_or_none()
            if draft is None:
                return None
            payload: dict[str, Any] = json.loads(draft.payload)
            fresh = draft.created_at > self.now() - DRAFT_LIFETIME
            session.delete(draft)
            return payload if fresh else None

    def record_report(self, employee_no: str, text: str, source_key: str, loan_no: str | None = None) -> None:
        """Keep a special-situation report, on the case it names (if any), and in the audit log."""
        with self._transaction() as session:
            person = self._person(session, employee_no)
            case_id = (
                session.scalar(select(Case.id).where(Case.loan_no == loan_no))
                if loan_no is not None
                else None
            )
            session.add(
                SpecialReport(
                    person_id=person.id, case_id=case_id, text=text, at=self.now(), source_key=source_key
                )
            )
            detail: dict[str, Any] = {"text": text}
            if loan_no is not None:
                detail["loan_no"] = loan_no
            self._audit(session, person.name, "report", "person", employee_no, detail, person.id, source_key)

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
