"""Lawsuits: the stages a case's litigation reached, their undoing, and the statute of limitations they and
the other entries start again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Term, UserError
from core.lifecycle import after_lawsuit
from core.litigation import (
    FILED,
    Statute,
    StatuteStart,
    expected_after,
    find_case_number,
    find_court,
    may_follow,
    statute,
    under_way,
)
from core.views import RecordedStage
from store.base import StoreBase
from store.models import Case, Contact, LawsuitStage, Promise, Repayment
from store.sql import unreversed


class LawsuitStore(StoreBase):
    """A case's lawsuit stages (立案 … 执行完毕) and its statute of limitations."""

    def record_stage(
        self,
        loan_no: str,
        employee_no: str,
        stage: str,
        reached_on: date,
        note: str = "",
        claims: tuple[Decimal | None, Decimal | None] = (None, None),
        source_key: str | None = None,
    ) -> RecordedStage:
        """Record a stage the case's litigation reached on a day; recording the same message twice returns the
        first. A stage out of order, a day in the future, before the campaign or before the latest stage is
        refused and nothing is written."""
        today = self.today()
        if reached_on > today:
            raise UserError("lawsuit.future_date", day=reached_on.isoformat())
        if reached_on < self.campaign.start:
            raise UserError("lawsuit.before_campaign", day=reached_on.isoformat(), start=self.campaign.start)
        with self._transaction() as session:
            if source_key is not None:
                done = session.scalar(select(LawsuitStage).where(LawsuitStage.source_key == source_key))
                if done is not None:
                    return _view(done, loan_no)
            case_row = session.scalar(select(Case).where(Case.loan_no == loan_no).with_for_update())
            if case_row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            stages = _stages(session, case_row.id)
            latest = stages[-1] if stages else None
            if not may_follow(latest.stage if latest else None, stage):
                expected = tuple(
                    Term(f"stage.{name}") for name in expected_after(latest.stage if latest else None)
                )
                if latest is None:
                    raise UserError("lawsuit.not_filed", stage=Term(f"stage.{stage}"), expected=expected)
                raise UserError(
                    "lawsuit.out_of_order",
                    stage=Term(f"stage.{stage}"),
                    latest=Term(f"stage.{latest.stage}"),
                    expected=expected,
                )
            if latest is not None and reached_on < latest.reached_on:
                raise UserError("lawsuit.before_latest", day=reached_on.isoformat(), latest=latest.reached_on)
            person = self._person(session, employee_no)
            number = find_case_number(note)
            claimed, costs = claims
            row = LawsuitStage(
                case_id=case_row.id,
                stage=stage,
                reached_on=reached_on,
                court=find_court(note) or "",
                case_number=number.text if number else "",
                proceeding=number.proceeding if number else None,
                claimed=claimed,
                costs=costs,
                note=note,
                person_id=person.id,
                at=self.now(),
                source_key=source_key,
            )
            session.add(row)
            session.flush()
            self._follow_lawsuit(session, case_row, under_way(stage), person.id, f"lawsuit:{row.id}")
            self._audit(
                session,
                person.name,
                "lawsuit.stage",
                "case",
                loan_no,
                {"stage": row.id, "kind": stage, "on": reached_on, "case_number": row.case_number},
                actor_id=person.id,
                source=source_key or "",
            )
            return _view(row, loan_no)

    def reverse_stage(self, stage_id: int, employee_no: str, source_key: str | None = None) -> RecordedStage:
        """Add the undoing of a case's latest stage; the case's status follows the stage now latest."""
        with self._transaction() as session:
            original = session.get(LawsuitStage, stage_id, with_for_update=True)
            if original is None or original.reverses_id is not None:
                raise UserError("ledger.unknown_entry")
            case_row = session.get_one(Case, original.case_id, with_for_update=True)
            stages = _stages(session, case_row.id)
            if not stages or stages[-1].id != original.id:
                raise UserError("ledger.already_reversed")
            person = self._person(session, employee_no)
            reversal = LawsuitStage(
                case_id=case_row.id,
                stage=original.stage,
                reached_on=original.reached_on,
                note="撤销",
                person_id=person.id,
                at=self.now(),
                reverses_id=original.id,
                source_key=source_key,
            )
            session.add(reversal)
            session.flush()
            left = stages[-2].stage if len(stages) > 1 else None
            self._follow_lawsuit(
                session, case_row, under_way(left) if left else None, person.id, f"undo:lawsuit:{original.id}"
            )
            self._audit(
                session,
                person.name,
                "lawsuit.reverse",
                "case",
                case_row.loan_no,
                {"stage": original.id, "reversal": reversal.id},
                actor_id=person.id,
                source=source_key or "",
            )
            return _view(reversal, case_row.loan_no)

    def lawsuit_stages(self, loan_no: str) -> list[RecordedStage]:
        """The stages a case's litigation reached, oldest first (undone ones left out)."""
        with self._session() as session:
            case_id = session.scalar(select(Case.id).where(Case.loan_no == loan_no))
            return [] if case_id is None else [_view(row, loan_no) for row in _stages(session, case_id)]

    def statute_of(self, loan_no: str) -> Statute | None:
        """The case's statute of limitations: the imported expiry, or three years from the latest confirmed
        repayment, signed acknowledgment or lawsuit filed, whichever is later."""
        with self._session() as session:
            case_row = session.scalar(select(Case).where(Case.loan_no == loan_no))
            if case_row is None:
                return None
            repaid = session.scalar(
                select(func.max(Repayment.paid_on)).where(
                    Repayment.case_id == case_row.id, Repayment.status == "confirmed", unreversed(Repayment)
                )
            )
            acknowledged = session.execute(
                select(Contact.at)
                .where(Contact.case_id == case_row.id, Contact.outcome == "acknowledged", unreversed(Contact))
                .order_by(Contact.at.desc())
                .limit(1)
            ).scalar()
            filed = session.scalar(
                select(func.max(LawsuitStage.reached_on)).where(
                    LawsuitStage.case_id == case_row.id, LawsuitStage.stage == FILED, unreversed(LawsuitStage)
                )
            )
            starts = [
                StatuteStart(day, reason)
                for day, reason in (
                    (repaid, "repayment"),
                    (
                        acknowledged.astimezone(self.campaign.zone).date() if acknowledged else None,
                        "acknowledged",
                    ),
                    (filed, "filed"),
                )
                if day is not None
            ]
            return statute(case_row.statute_date, starts)

    def _follow_lawsuit(
        self, session: Session, case_row: Case, going: bool | None, person_id: int, reason: str
    ) -> None:
        """The case's status after its litigation moved (`going`: a lawsuit is under way; None: no stage left)."""
        contacted = session.scalar(
            select(Contact.id).where(Contact.case_id == case_row.id, unreversed(Contact)).limit(1)
        )
        promised = session.scalar(
            select(Promise.id)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(Promise.case_id == case_row.id, Promise.status == "open", unreversed(Contact))
            .limit(1)
        )
        status = after_lawsuit(case_row.status, going, contacted is not None, promised is not None)
        case_row.updated_at = self.now()
        if status != case_row.status:
            self._change_status(session, case_row, status, person_id, reason)


def _stages(session: Session, case_id: int) -> list[LawsuitStage]:
    return list(
        session.scalars(
            select(LawsuitStage)
            .where(LawsuitStage.case_id == case_id, unreversed(LawsuitStage))
            .order_by(LawsuitStage.reached_on, LawsuitStage.id)
        )
    )


def _view(row: LawsuitStage, loan_no: str) -> RecordedStage:
    return RecordedStage(
        row.id,
        loan_no,
        row.stage,
        row.reached_on,
        row.court,
        row.case_number,
        row.proceeding,
        row.claimed,
        row.costs,
        row.note,
        row.reverses_id,
    )
