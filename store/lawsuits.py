"""Lawsuits: the stages a case's litigation reached, their undoing, and the statute of limitations they and
the other entries start again."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from core.columns import LAWSUIT_COLUMNS, LAWSUITS_SHEET
from core.errors import Term, UserError
from core.lifecycle import after_lawsuit
from core.litigation import (
    STATUTE_WARNINGS,
    StageEntry,
    Statute,
    expected_after,
    find_case_number,
    find_claims,
    find_court,
    legal_deadlines,
    may_follow,
    slow_since,
    statute,
    under_way,
)
from core.records import LawsuitRecord, Problem
from core.todo import LegalItem
from core.views import RecordedStage
from store.base import StoreBase
from store.models import Case, LawsuitStage, Person
from store.sql import IS_OPEN, unreversed
from store.statutes import statute_starts


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

    def stages_by_loan(self, unit_id: int | None = None) -> dict[str, list[StageEntry]]:
        """Every case's stages (of one unit, or of the campaign), each case's oldest first; undone ones left
        out. For the lawsuits' figures on the progress cards."""
        with self._session() as session:
            return stage_entries(
                session, Case.loan_no, *([] if unit_id is None else [Case.unit_id == unit_id])
            )

    def statute_of(self, loan_no: str) -> Statute | None:
        """The case's statute of limitations: the imported expiry, or three years from the latest confirmed
        repayment, signed acknowledgment or lawsuit filed, whichever is later."""
        with self._session() as session:
            case_row = session.scalar(select(Case).where(Case.loan_no == loan_no))
            if case_row is None:
                return None
            starts = statute_starts(session, self.campaign.zone, case_row.id).get(case_row.id, [])
            return statute(case_row.statute_date, starts)

    def plan_lawsuit_import(
        self, records: list[LawsuitRecord], new_loans: set[str]
    ) -> tuple[list[LawsuitRecord], list[Problem]]:
        """The 诉讼 sheet's stages the ledger does not hold yet, in order, or the problems that refuse the file:
        a loan in neither the file nor the ledger, a stage out of order or dated in the future. A stage the
        ledger holds already (same case, stage and day) is left as it is: importing a file twice adds nothing."""
        today = self.today()
        loans = {record.loan_no for record in records}
        with self._session() as session:
            known = (
                set(session.scalars(select(Case.loan_no).where(Case.loan_no.in_(loans)))) if loans else set()
            )
            held: dict[str, list[tuple[str, date]]] = defaultdict(list)
            for loan_no, stage, reached_on in session.execute(
                select(Case.loan_no, LawsuitStage.stage, LawsuitStage.reached_on)
                .join(Case, Case.id == LawsuitStage.case_id)
                .where(Case.loan_no.in_(loans), unreversed(LawsuitStage))
                .order_by(Case.loan_no, LawsuitStage.reached_on, LawsuitStage.id)
            ):
                held[loan_no].append((stage, reached_on))
        problems: list[Problem] = []
        new: list[LawsuitRecord] = []
        readable = [r for r in records if not r.bad and r.reached_on is not None]
        for loan_no in dict.fromkeys(r.loan_no for r in readable):
            rows = sorted((r for r in readable if r.loan_no == loan_no), key=lambda r: (r.reached_on, r.row))
            if loan_no not in known and loan_no not in new_loans:
                problems.extend(
                    _problem(r, "loan_no", "import.lawsuit_unknown_case", loan_no=loan_no) for r in rows
                )
                continue
            problems.extend(self._check_stages(rows, held.get(loan_no, []), today, new))
        return new, problems

    @staticmethod
    def _check_stages(
        rows: list[LawsuitRecord], held: list[tuple[str, date]], today: date, new: list[LawsuitRecord]
    ) -> list[Problem]:
        """One case's rows of the sheet after the stages the ledger holds; the new ones join `new`."""
        problems: list[Problem] = []
        latest = held[-1] if held else None
        for record in rows:
            assert record.reached_on is not None
            if record.reached_on > today:
                problems.append(
                    _problem(record, "reached_on", "import.lawsuit_future", day=record.reached_on)
                )
                continue
            if (record.stage, record.reached_on) in held:
                continue
            stage = latest[0] if latest else None
            if not may_follow(stage, record.stage) or (latest is not None and record.reached_on < latest[1]):
                expected = tuple(Term(f"stage.{name}") for name in expected_after(stage))
                key = "import.lawsuit_out_of_order" if stage else "import.lawsuit_not_filed"
                problems.append(
                    _problem(
                        record,
                        "stage",
                        key,
                        loan_no=record.loan_no,
                        stage=Term(f"stage.{record.stage}"),
                        latest=Term(f"stage.{stage}") if stage else "",
                        expected=expected,
                    )
                )
                continue
            latest = (record.stage, record.reached_on)
            new.append(record)
        return problems

    def import_lawsuits(self, records: list[LawsuitRecord], actor: str, source: str) -> None:
        """Write the 诉讼 sheet's new stages (planned by `plan_lawsuit_import`), each case's status following
        its latest stage, in the caller's transaction (the import's)."""
        with self._transaction() as session:
            cases = {
                row.loan_no: row
                for row in session.scalars(
                    select(Case).where(Case.loan_no.in_({r.loan_no for r in records})).with_for_update()
                )
            }
            now = self.now()
            for record in records:
                assert record.reached_on is not None
                case_row = cases[record.loan_no]
                number = find_case_number(record.case_number or record.note)
                claimed, costs = find_claims(record.note)
                session.add(
                    LawsuitStage(
                        case_id=case_row.id,
                        stage=record.stage,
                        reached_on=record.reached_on,
                        court=record.court or find_court(record.note) or "",
                        case_number=record.case_number or (number.text if number else ""),
                        proceeding=number.proceeding if number else None,
                        claimed=claimed,
                        costs=costs,
                        note=record.note,
                        person_id=case_row.officer_id,
                        at=now,
                    )
                )
            session.flush()
            for loan_no in dict.fromkeys(r.loan_no for r in records):
                case_row = cases[loan_no]
                latest = _stages(session, case_row.id)[-1]
                self._follow_lawsuit(session, case_row, under_way(latest.stage), None, f"import:{source}")
            self._audit(
                session, actor, "import.lawsuits", "ledger", source, {"stages": len(records)}, source=source
            )

    def legal_items(self, day: date) -> list[LegalItem]:
        """What the law requires of each open case on `day`, for the to-dos and digests: the statute of
        limitations on its warning days (180, 90, 30 days before) or run out, enforcement to be applied for
        and seizures lapsing (from 30 days before), lawsuits stuck over six months; the most urgent first."""
        # Only two kinds of case can have a legal matter: one whose imported statute runs out within the first
        # warning's reach (what starts a statute again during the campaign only moves it years on), and one
        # with a lawsuit (its stages may be older than the campaign).
        warned_until = day + timedelta(days=max(STATUTE_WARNINGS))
        with self._session() as session:
            cases = {
                row.id: row
                for row in session.execute(
                    select(
                        Case.id,
                        Case.loan_no,
                        Case.borrower,
                        Case.statute_date,
                        Case.officer_id,
                        Person.name,
                        Case.unit_id,
                    )
                    .join(Person, Person.id == Case.officer_id)
                    .where(
                        IS_OPEN,
                        or_(
                            Case.statute_date <= warned_until,
                            Case.id.in_(select(LawsuitStage.case_id).where(unreversed(LawsuitStage))),
                        ),
                    )
                )
            }
            starts = statute_starts(session, self.campaign.zone)
            stages = stage_entries(session, Case.id, IS_OPEN)
        items: list[LegalItem] = []
        for case_id, row in cases.items():
            items.extend(_statute_items(row, statute(row.statute_date, starts.get(case_id, [])), day))
            if case_id in stages:
                items.extend(_lawsuit_items(row, stages[case_id], day))
        return sorted(items, key=LegalItem.urgency)

    def _follow_lawsuit(
        self, session: Session, case_row: Case, going: bool | None, person_id: int | None, reason: str
    ) -> None:
        """The case's status after its litigation moved (`going`: a lawsuit is under way; None: no stage left)."""
        contacted, promised = self._contacts_of(session, case_row.id)
        status = after_lawsuit(case_row.status, going, contacted, promised)
        case_row.updated_at = self.now()
        if status != case_row.status:
            self._change_status(session, case_row, status, person_id, reason)
        self._rescore(session, case_row)


def stage_entries(session: Session, key: Any, *where: Any) -> dict[Any, list[StageEntry]]:
    """Each case's unreversed stages, oldest first, by `key` (the case's id or loan number), of the cases
    `where` selects."""
    stages: dict[Any, list[StageEntry]] = defaultdict(list)
    for case_key, stage, reached_on, note in session.execute(
        select(key, LawsuitStage.stage, LawsuitStage.reached_on, LawsuitStage.note)
        .join(Case, Case.id == LawsuitStage.case_id)
        .where(unreversed(LawsuitStage), *where)
        .order_by(key, LawsuitStage.reached_on, LawsuitStage.id)
    ):
        stages[case_key].append(StageEntry(stage, reached_on, note))
    return dict(stages)


# Built once: the card reads a case's stages on every /case.
_CASE_STAGES = (
    select(LawsuitStage)
    .where(LawsuitStage.case_id == bindparam("case"), unreversed(LawsuitStage))
    .order_by(LawsuitStage.reached_on, LawsuitStage.id)
)


def _stages(session: Session, case_id: int) -> list[LawsuitStage]:
    return list(session.scalars(_CASE_STAGES, {"case": case_id}))


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


def _item(row: Any, kind: str, day: date, days: int, detail: str = "") -> LegalItem:
    return LegalItem(
        row.officer_id, row.name, row.unit_id, row.loan_no, row.borrower, kind, day, days, detail
    )


def _statute_items(row: Any, found: Statute | None, day: date) -> list[LegalItem]:
    if found is None:
        return []
    if found.expired(day):
        return [_item(row, "statute_expired", found.expires_on, found.days_left(day))]
    if found.warning(day) is not None:
        return [_item(row, "statute_warning", found.expires_on, found.days_left(day))]
    return []


def _lawsuit_items(row: Any, stages: list[StageEntry], day: date) -> list[LegalItem]:
    items = [
        _item(row, deadline.kind, deadline.due_on, (deadline.due_on - day).days, deadline.detail)
        for deadline in legal_deadlines(stages)
        if deadline.warn(day)
    ]
    stuck = slow_since(stages, day)
    if stuck is not None:
        items.append(_item(row, "slow", stuck.on, (day - stuck.on).days, stuck.stage))
    return items


def _problem(record: LawsuitRecord, field: str, key: str, **params: Any) -> Problem:
    header = next(column.header for column in LAWSUIT_COLUMNS if column.field == field)
    return Problem(LAWSUITS_SHEET, record.row, header, UserError(key, **params))
