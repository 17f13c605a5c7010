"""What the half-monthly dispatch pack reads besides the ranking's figures (SPEC §10): the period's notices and
special reports, lawsuits with their timings and missed deadlines, assets near their disposal deadline and
statutes of limitations running out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.assets import DISPOSED, disposal_due
from core.litigation import ENDS, ENFORCED, FILED, JUDGED, MEDIATED, legal_deadlines, statute
from core.money import from_fen
from core.pack import PackAsset, PackLawsuit, PackNotice, PackReport, PackStatute
from core.ranking import notice_number
from store.assets import AssetStore
from store.lawsuits import stage_entries
from store.models import Case, NoticeIssued, Person, SpecialReport, Unit
from store.sql import IS_OPEN, OUTSTANDING
from store.statutes import statute_starts

# Statutes of limitations and disposal deadlines this close (or past) are in the pack.
STATUTE_DAYS = 180
ASSET_DAYS = 90


class PackFigureStore(AssetStore):
    """The pack's lists, each read once for the whole campaign."""

    def notices_between(self, first: date, last: date) -> list[PackNotice]:
        """The notices issued from `first` to `last` (included), by day and number."""
        query = (
            select(NoticeIssued.day, Unit.name, NoticeIssued.year, NoticeIssued.number, NoticeIssued.rung)
            .join(Unit, Unit.id == NoticeIssued.unit_id)
            .where(NoticeIssued.day >= first, NoticeIssued.day <= last)
            .order_by(NoticeIssued.day, NoticeIssued.number)
        )
        with self._read() as connection:
            return [
                PackNotice(day, unit, notice_number(year, number), rung)
                for day, unit, year, number, rung in connection.execute(query)
            ]

    def reports_between(self, start: datetime, end: datetime) -> list[PackReport]:
        """The special reports (报告) made in [start, end), oldest first."""
        reporter = aliased(Person)
        query = (
            select(SpecialReport.at, Unit.name, reporter.name, Case.loan_no, SpecialReport.text)
            .join(reporter, reporter.id == SpecialReport.person_id)
            .outerjoin(Case, Case.id == SpecialReport.case_id)
            .outerjoin(Unit, Unit.id == reporter.unit_id)
            .where(SpecialReport.at >= start, SpecialReport.at < end)
            .order_by(SpecialReport.at, SpecialReport.id)
        )
        with self._read() as connection:
            return [
                PackReport(at, unit or "", name, loan_no or "", text)
                for at, unit, name, loan_no, text in connection.execute(query)
            ]

    def pack_lawsuits(self, first: date, day: date) -> list[PackLawsuit]:
        """Every lawsuit under way on `day` or ended since `first`: its latest stage, the days from filing to
        judgment and from judgment to enforcement, and the deadline it missed, if any; by unit and loan."""
        with self._session() as session:
            stages = stage_entries(session, Case.id)
            cases = {
                row.id: row
                for row in session.execute(
                    select(Case.id, Case.loan_no, Case.borrower, Unit.name.label("unit"))
                    .join(Unit, Unit.id == Case.unit_id)
                    .where(Case.id.in_(list(stages)) if stages else Case.id.is_(None))
                )
            }
        lawsuits = []
        for case_id, entries in stages.items():
            latest = entries[-1]
            if latest.stage in ENDS and latest.on < first:
                continue
            row = cases[case_id]
            filed = next((e.on for e in reversed(entries) if e.stage == FILED), None)
            decided = next(
                (e.on for e in entries if e.stage in (JUDGED, MEDIATED) and filed and e.on >= filed), None
            )
            enforced = next(
                (e.on for e in entries if e.stage == ENFORCED and decided and e.on >= decided), None
            )
            missed = [d for d in legal_deadlines(entries) if d.due_on < day]
            lawsuits.append(
                PackLawsuit(
                    unit=row.unit,
                    loan_no=row.loan_no,
                    borrower=row.borrower,
                    stage=latest.stage,
                    stage_day=latest.on,
                    filed=filed,
                    days_filed_to_judgment=(decided - filed).days if filed and decided else None,
                    days_judgment_to_enforced=(enforced - decided).days if decided and enforced else None,
                    missed_deadline=missed[0].kind if missed else "",
                    missed_on=missed[0].due_on if missed else None,
                    missed_detail=missed[0].detail if missed else "",
                )
            )
        lawsuits.sort(key=lambda s: (s.missed_deadline == "", s.unit, s.loan_no))
        return lawsuits

    def pack_assets(self, day: date, within: int = ASSET_DAYS) -> list[PackAsset]:
        """Assets not yet disposed of whose disposal deadline is within `within` days of `day` or past,
        most urgent first."""
        with self._read() as connection:
            names = dict(connection.execute(select(Unit.id, Unit.name)).all())
        assets = []
        for view in self.assets():
            if view.state == DISPOSED:
                continue
            due = disposal_due(view.kind, view.received_on)
            left = (due - day).days
            if left > within:
                continue
            assets.append(
                PackAsset(
                    number=view.number,
                    unit=names.get(view.unit_id, ""),
                    name=view.name,
                    kind=view.kind,
                    state=view.state,
                    offset=view.offset_amount,
                    appraisal=view.appraisal,
                    proceeds=view.proceeds,
                    deadline=due,
                    days_left=left,
                )
            )
        assets.sort(key=lambda a: (a.days_left, a.number))
        return assets

    def pack_statutes(self, day: date, within: int = STATUTE_DAYS) -> list[PackStatute]:
        """Open cases whose statute of limitations runs out within `within` days of `day`, or has: expired ones
        first, then the soonest."""
        with self._session() as session:
            starts = statute_starts(session, self.campaign.zone)
            rows = session.execute(
                select(
                    Case.id,
                    Case.loan_no,
                    Case.borrower,
                    Case.statute_date,
                    Unit.name,
                    Person.name,
                    OUTSTANDING,
                )
                .join(Unit, Unit.id == Case.unit_id)
                .join(Person, Person.id == Case.officer_id)
                .where(IS_OPEN)
            ).all()
        found = []
        for case_id, loan_no, borrower, statute_date, unit, officer, outstanding in rows:
            expiry = statute(statute_date, starts.get(case_id, []))
            if expiry is None or expiry.days_left(day) > within:
                continue
            found.append(
                PackStatute(
                    unit=unit,
                    loan_no=loan_no,
                    borrower=borrower,
                    officer=officer,
                    outstanding=from_fen(int(outstanding)),
                    expires=expiry.expires_on,
                    days_left=expiry.days_left(day),
                )
            )
        found.sort(key=lambda s: (s.days_left, s.loan_no))
        return found
