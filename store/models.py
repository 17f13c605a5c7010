"""The ledger's tables (SPEC §2). Money is stored as integer fen and read back as Decimal yuan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.accountability import ACTION_CODES as ACCOUNTABILITY_ACTIONS
from core.accountability import REASON_CODES as ACCOUNTABILITY_REASONS
from core.assets import KINDS as ASSET_KINDS
from core.assets import METHODS as ASSET_METHODS
from core.assets import STATES as ASSET_STATES
from core.assets import STEP_ACTIONS as ASSET_ACTIONS
from core.early_warning import REASONS as WARNING_REASONS
from core.inactivity import RUNGS as INACTIVITY_RUNGS
from core.litigation import STAGES
from core.money import from_fen, to_fen
from core.rebalance import REASONS as ASSIGNMENT_REASONS
from core.vocabulary import (
    CASE_STATUSES,
    CLASSIFICATIONS,
    CONTACT_APPROACHES,
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    DIFFICULTIES,
    PROMISE_STATUSES,
    REPAYMENT_METHODS,
    REPAYMENT_STATUSES,
    ROLES,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Money(TypeDecorator[Decimal]):
    """Decimal yuan in Python, integer fen in the database: sums stay exact in SQL."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            raise TypeError("Money columns take Decimal yuan, not int")
        return to_fen(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_fen(int(value))


class UtcDateTime(TypeDecorator[datetime]):
    """Zone-aware datetimes, stored as UTC (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger")
        return (
            value.astimezone(UTC) if dialect.name != "sqlite" else value.astimezone(UTC).replace(tzinfo=None)
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _one_of(column: str, values: tuple[str, ...], optional: bool = False) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({listed})"
    if optional:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=f"{column}_valid")


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    leader_name: Mapped[str] = mapped_column(String(50), default="")
    # When the import leaves the target empty it is the sum of the unit's balances, kept up to date.
    target: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    target_is_default: Mapped[bool] = mapped_column(Boolean, default=True)
    chat: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (_one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    employee_no: Mapped[str] = mapped_column(String(30), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    mobile: Mapped[str] = mapped_column(String(30), default="")
    # A person left out of a re-imported 人员 sheet is deactivated, never deleted: their history stays.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An officer's own target as imported or set by the unit lead; none: a share of the unit's (core.targets).
    target: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChatIdentity(Base):
    """One chat account (Telegram user id, WeCom userid) bound to a person."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BindCode(Base):
    __tablename__ = "bind_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))


class Case(Base):
    """One loan (逐户逐笔). The remaining balances follow confirmed repayments in the same transaction."""

    __tablename__ = "cases"
    __table_args__ = (
        _one_of("classification", CLASSIFICATIONS),
        _one_of("difficulty", DIFFICULTIES),
        _one_of("status", CASE_STATUSES),
        CheckConstraint(
            "principal_remaining >= 0 AND interest_remaining >= 0", name="remaining_not_negative"
        ),
        Index("ix_cases_officer_priority", "officer_id", "priority"),
        Index("ix_cases_unit_status", "unit_id", "status"),
        Index("ix_cases_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_no: Mapped[str] = mapped_column(String(40), unique=True)
    borrower: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    principal_remaining: Mapped[Decimal] = mapped_column(Money)
    interest_remaining: Mapped[Decimal] = mapped_column(Money)
    classification: Mapped[str] = mapped_column(String(4))
    difficulty: Mapped[str] = mapped_column(String(2), default="中")
    deadline: Mapped[date] = mapped_column(Date, index=True)
    plan: Mapped[str] = mapped_column(Text, default="")
    statute_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    last_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseStatusChange(Base):
    __tablename__ = "case_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        _one_of("channel", CONTACT_CHANNELS),
        _one_of("outcome", CONTACT_OUTCOMES),
        _one_of("approach", CONTACT_APPROACHES, optional=True),
        Index("ix_contacts_case_at", "case_id", "at"),
        Index("uq_contacts_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    # One of the campaign's four methods, and for a mediation who took part (民警、村委 …).
    approach: Mapped[str | None] = mapped_column(String(20))
    participants: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[str | None] = mapped_column(String(20))
    longitude: Mapped[str | None] = mapped_column(String(20))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), unique=True)
    # The chat message that recorded it: a message delivered twice is recorded once.
    source_key: Mapped[str | None] = mapped_column(String(200))
    # The contact rules it broke (core.compliance.CONTACT_FLAGS, comma-separated).
    flags: Mapped[str] = mapped_column(String(60), default="", server_default="")


class Promise(Base):
    __tablename__ = "promises"
    __table_args__ = (
        _one_of("status", PROMISE_STATUSES),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_promises_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    decided_on: Mapped[date | None] = mapped_column(Date)


class Repayment(Base):
    """A reported repayment, or the reversal of one (negative amounts, `reverses_id` set).

    Rows are never edited or deleted: triggers in the migration refuse it. Only the status moves once,
    from `reported` to `confirmed` or `rejected`.
    """

    __tablename__ = "repayments"
    __table_args__ = (
        _one_of("method", REPAYMENT_METHODS),
        _one_of("status", REPAYMENT_STATUSES),
        CheckConstraint("amount = principal_part + interest_part", name="parts_add_up"),
        CheckConstraint(
            "(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)",
            name="sign_matches_kind",
        ),
        Index("ix_repayments_case_status", "case_id", "status"),
        Index("ix_repayments_status_paid_on", "status", "paid_on"),
        Index("uq_repayments_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    principal_part: Mapped[Decimal] = mapped_column(Money)
    interest_part: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20), default="other")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="reported")
    # Why the unit lead rejected it (or a note to a confirmation), told to the reporter.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("repayments.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_key: Mapped[str | None] = mapped_column(String(200))
    # What it was reported with that the lead should look at (core.compliance.REPAYMENT_FLAGS, comma-separated):
    # kept for good, whatever the decision.
    flags: Mapped[str] = mapped_column(String(60), default="", server_default="")


class LawsuitStage(Base):
    """A stage a case's litigation reached (立案, 判决, 申请执行 …), or the undoing of one (`reverses_id` set).

    Rows are never edited or deleted (triggers in the migration refuse it): an undo adds a reversal.
    """

    __tablename__ = "lawsuit_stages"
    __table_args__ = (
        _one_of("stage", STAGES),
        CheckConstraint("claimed IS NULL OR claimed > 0", name="claimed_positive"),
        CheckConstraint("costs IS NULL OR costs >= 0", name="costs_not_negative"),
        Index("ix_lawsuit_stages_case_reached_on", "case_id", "reached_on"),
        Index("uq_lawsuit_stages_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    stage: Mapped[str] = mapped_column(String(20))
    reached_on: Mapped[date] = mapped_column(Date)
    court: Mapped[str] = mapped_column(String(100), default="")
    # The court's case number (案号) as written, and the proceeding it names (first_instance, appeal …).
    case_number: Mapped[str] = mapped_column(String(60), default="")
    proceeding: Mapped[str | None] = mapped_column(String(30))
    claimed: Mapped[Decimal | None] = mapped_column(Money)
    costs: Mapped[Decimal | None] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("lawsuit_stages.id"), unique=True)
    source_key: Mapped[str | None] = mapped_column(String(200))


class Asset(Base):
    """An asset taken for a case's debt (以资抵债): what it is, what it settled, who keeps it, where it stands.

    Its state, reserve price, latest appraisal and proceeds move with its steps (`AssetStep`), which keep the
    history; the row is the asset as it stands now.
    """

    __tablename__ = "assets"
    __table_args__ = (
        _one_of("kind", ASSET_KINDS),
        _one_of("state", ASSET_STATES),
        CheckConstraint("offset_amount > 0", name="offset_positive"),
        Index("uq_assets_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    title_no: Mapped[str] = mapped_column(String(100), default="")
    offset_amount: Mapped[Decimal] = mapped_column(Money)
    received_on: Mapped[date] = mapped_column(Date)
    custodian_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="received")
    reserve: Mapped[Decimal | None] = mapped_column(Money)
    appraisal: Mapped[Decimal | None] = mapped_column(Money)
    proceeds: Mapped[Decimal | None] = mapped_column(Money)
    # The repayment of method `asset` its offset amount was reported as (none for an asset imported from
    # before the campaign, whose offset the imported balance already reflects).
    repayment_id: Mapped[int | None] = mapped_column(ForeignKey("repayments.id"), unique=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_key: Mapped[str | None] = mapped_column(String(200))


class AssetStep(Base):
    """One step of an asset's history: registered, appraised, listed, unsold, leased, disposed of, or a
    leader's decision on a disposal that waited for one (`decides_id` set). Never edited or deleted."""

    __tablename__ = "asset_steps"
    __table_args__ = (
        _one_of("action", ASSET_ACTIONS),
        _one_of("method", ASSET_METHODS, optional=True),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        Index("ix_asset_steps_asset_at", "asset_id", "at"),
        Index("uq_asset_steps_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    action: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    # The appraisal's value, the reserve price, the proceeds or the rent.
    amount: Mapped[Decimal | None] = mapped_column(Money)
    # The appraiser, the buyer or the lessee.
    party: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str | None] = mapped_column(String(20))
    until: Mapped[date | None] = mapped_column(Date)
    # Why a disposal waits for a leader's or admin's confirmation (agreement, below_appraisal).
    waits_for: Mapped[str | None] = mapped_column(String(20))
    decides_id: Mapped[int | None] = mapped_column(ForeignKey("asset_steps.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_key: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """Who did what, when, from which message. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")


class Dispatch(Base):
    """Every reminder, ranking and notice sent, claimed before sending so none goes out twice."""

    __tablename__ = "dispatch_log"
    __table_args__ = (UniqueConstraint("job", "day", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="claimed")
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HandledMessage(Base):
    """The replies given to a chat message, so a re-delivered message is answered the same way."""

    __tablename__ = "handled_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    replies: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class BindAttempt(Base):
    """Every `/bind` try, to refuse an identity that guesses codes."""

    __tablename__ = "bind_attempts"
    __table_args__ = (Index("ix_bind_attempts_identity_at", "channel", "external_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)


class Draft(Base):
    """A free-text report the bot was unsure of, waiting for the person to choose with a button."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OfferedChoices(Base):
    """The choices last offered in a chat that has no buttons (WeCom): a number answers one of them."""

    __tablename__ = "offered_choices"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    options: Mapped[str] = mapped_column(Text)  # JSON list of the buttons' data, in the order numbered
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class OfferedButton(Base):
    """A button offered in a chat whose platform sends its data back (Telegram): a press is answered only if
    its data was offered there lately, so forged button data is refused."""

    __tablename__ = "offered_buttons"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "data"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class NoticeIssued(Base):
    """A supervision notice (督办函) issued to a unit on a day; its number runs through the year."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("unit_id", "day"), UniqueConstraint("year", "number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    rung: Mapped[str] = mapped_column(String(20), default="notice")
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SpecialReport(Base):
    """A special situation (特殊情况) an officer reported, on the case it names if it names one."""

    __tablename__ = "reports"
    __table_args__ = (Index("uq_reports_source_key", "source_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    source_key: Mapped[str | None] = mapped_column(String(200))


class InboxMessage(Base):
    """A WeCom callback, kept in the request that answered it until a worker has handled it: a crash between
    the answer and the handling loses nothing, and a callback delivered again is kept once (its key is unique).

    A bare number is kept with the choice it answered when it came (`choice`), so that handled again it means
    what it meant. The worker that holds it is `claimed_by`; `answer` keeps what it was answered before that
    answer is delivered (when it tells others too), so a worker taking it over delivers it as it was.
    """

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    sender_id: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    choice: Mapped[str | None] = mapped_column(String(200))
    kept_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))


class AccountabilityRecord(Base):
    """An accountability measure (问责) a leader or admin recorded on a unit, or on one of its people
    (`person_id` set). Never edited or deleted: a correction is a new record naming the one it corrects."""

    __tablename__ = "accountability"
    __table_args__ = (
        _one_of("reason", ACCOUNTABILITY_REASONS),
        _one_of("action", ACCOUNTABILITY_ACTIONS),
        Index("uq_accountability_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("accountability.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    source_key: Mapped[str | None] = mapped_column(String(200))


class InactivityAlert(Base):
    """Who was told of an officer's silence, once per stretch (`since`: the day of their last entry) and rung
    (core.inactivity.RUNGS), and on which day."""

    __tablename__ = "inactivity_alerts"
    __table_args__ = (_one_of("rung", INACTIVITY_RUNGS), UniqueConstraint("person_id", "rung", "since"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rung: Mapped[str] = mapped_column(String(20))
    since: Mapped[date] = mapped_column(Date)
    day: Mapped[date] = mapped_column(Date, index=True)


class Completion(Base):
    """A unit or officer that reached its whole target (100%), announced once on `day`."""

    __tablename__ = "completions"
    __table_args__ = (
        CheckConstraint("kind IN ('unit', 'officer')", name="kind_valid"),
        UniqueConstraint("kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)


class Complaint(Base):
    """A complaint about how a case is collected (投诉), made by anyone bound, on the borrower's behalf or their
    own; open until a unit lead, leader or admin who is not the case's officer closes it with a note."""

    __tablename__ = "complaints"
    __table_args__ = (Index("uq_complaints_source_key", "source_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    close_note: Mapped[str] = mapped_column(Text, default="")
    source_key: Mapped[str | None] = mapped_column(String(200))


class CaseAssignment(Base):
    """A case handed from one officer to another (转办), by a unit lead or admin (`by_id`), or by the clerk's
    rebalancing (`by_id` empty). Never changed: handing it back is a new row."""

    __tablename__ = "case_assignments"
    __table_args__ = (
        _one_of("reason", ASSIGNMENT_REASONS),
        Index("uq_case_assignments_source_key", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_key: Mapped[str | None] = mapped_column(String(200))


class Loan(Base):
    """A new loan (在贷, SPEC §10): its responsible person, and its figures as of its latest import (`as_of`);
    `case_id` and `joined_on` once it joined the campaign as a case (over 90 days overdue)."""

    __tablename__ = "loans"
    __table_args__ = (
        _one_of("classification", CLASSIFICATIONS),
        CheckConstraint(
            "balance >= 0 AND amount > 0 AND days_overdue >= 0 AND matures_on >= disbursed_on",
            name="figures_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_no: Mapped[str] = mapped_column(String(40), unique=True)
    borrower: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(30), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)
    disbursed_on: Mapped[date] = mapped_column(Date)
    matures_on: Mapped[date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    classification: Mapped[str] = mapped_column(String(10))
    as_of: Mapped[date] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # The day it joined the campaign as a case (its person and the unit lead are told that day).
    joined_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoanWarning(Base):
    """An early warning given on a new loan: once per loan and reason (core.early_warning.REASONS)."""

    __tablename__ = "loan_warnings"
    __table_args__ = (_one_of("reason", WARNING_REASONS), UniqueConstraint("loan_id", "reason"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    reason: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date, index=True)
