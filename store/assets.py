"""Foreclosed assets (以资抵债): registered for a case's debt (its offset a repayment of method `asset`, confirmed
like any other), appraised, listed, unsold, leased and disposed of, a disposal that is not plainly fair waiting
for a leader's confirmation; the deadlines and figures the to-dos and progress cards show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from core.assets import (
    DISPOSED,
    KINDS,
    METHODS,
    RECEIVED,
    asset_number,
    confirmation_needed,
    disposal_due,
    disposal_warning,
    overdue,
    refusal,
    reserve_after_unsold,
    state_after,
)
from core.columns import ASSET_COLUMNS, ASSETS_SHEET
from core.errors import Term, UserError
from core.money import format_yuan
from core.records import AssetRecord, Problem
from core.todo import AssetItem
from core.views import AssetStepView, AssetView
from store.models import Asset, AssetStep, Case, Person, Repayment
from store.repayments import RepaymentStore
from store.sql import flag, is_undone

_custodian = aliased(Person)
# An asset whose offset's repayment was rejected or undone: its registration no longer counts.
_OFFSET_VOID = or_(Repayment.status == "rejected", is_undone(Repayment))
_ASSETS: Select[Any] = (
    select(
        Asset.id,
        Asset.number,
        Case.loan_no,
        Case.borrower,
        Case.unit_id,
        Asset.kind,
        Asset.name,
        Asset.title_no,
        Asset.offset_amount,
        Asset.received_on,
        _custodian.name,
        _custodian.employee_no,
        Asset.custodian_id,
        Asset.state,
        Asset.reserve,
        Asset.appraisal,
        Asset.proceeds,
        Asset.registered_by_id,
        Repayment.status,
        flag(_OFFSET_VOID),
    )
    .join(Case, Case.id == Asset.case_id)
    .join(_custodian, _custodian.id == Asset.custodian_id)
    .outerjoin(Repayment, Repayment.id == Asset.repayment_id)
)


@dataclass(frozen=True, slots=True)
class AssetFigures:
    """The assets of a unit or the campaign: how many stand in each state, the offset amounts they settled,
    what those disposed of brought, and which are past their disposal deadline."""

    by_state: dict[str, int]
    offset_total: Decimal
    realised_total: Decimal
    overdue: list[str]  # the numbers of those past their disposal deadline, the longest past first


class AssetStore(RepaymentStore):
    """Foreclosed assets and their steps."""

    def register_asset(
        self,
        loan_no: str,
        employee_no: str,
        offset: Decimal,
        name: str,
        kind: str,
        received_on: date | None = None,
        title_no: str = "",
        source_key: str | None = None,
    ) -> AssetView:
        """Register an asset taken for a case's debt and report its offset amount as a repayment of method
        `asset` (recovered once the unit lead confirms it); the same message twice registers it once. An offset
        above what the case still owes (less what awaits confirmation) is refused and nothing is written."""
        if kind not in KINDS:
            raise UserError("asset.unknown_kind", text=kind)
        if not name.strip():
            raise UserError("asset.no_name")
        received_on = received_on or self.today()
        with self.message_scope(), self.atomic():
            if source_key is not None:
                known = self._asset_number_by_key(source_key)
                if known is not None:
                    return self._asset_view(known)
            available = self.available(loan_no)
            if offset > available.total:
                raise UserError(
                    "asset.offset_above_owed", amount=format_yuan(offset), owed=format_yuan(available.total)
                )
            repayment = self.record_repayment(
                loan_no,
                employee_no,
                offset,
                received_on,
                method="asset",
                note=name.strip(),
                source_key=source_key,
            )
            with self._transaction() as session:
                case_row = session.execute(
                    select(Case).where(Case.loan_no == loan_no).with_for_update()
                ).scalar_one()
                person = self._person(session, employee_no)
                now = self.now()
                asset = Asset(
                    number=self._next_number(session),
                    case_id=case_row.id,
                    kind=kind,
                    name=name.strip(),
                    title_no=title_no.strip(),
                    offset_amount=offset,
                    received_on=received_on,
                    custodian_id=case_row.officer_id,
                    state=RECEIVED,
                    repayment_id=repayment.id,
                    registered_by_id=person.id,
                    created_at=now,
                    updated_at=now,
                    source_key=source_key,
                )
                _add_asset(session, asset, "register", asset.name, person.id, source_key)
                self._follow_asset(session, case_row, True, person.id, f"asset:{asset.id}")
                self._audit(
                    session,
                    person.name,
                    "asset.register",
                    "case",
                    loan_no,
                    {"asset": asset.number, "offset": offset, "kind": kind, "repayment": repayment.id},
                    actor_id=person.id,
                    source=source_key or "",
                )
                number = asset.number
            return self._asset_view(number)

    def appraise_asset(
        self,
        number: str,
        employee_no: str,
        value: Decimal,
        appraiser: str = "",
        on: date | None = None,
        source_key: str | None = None,
    ) -> AssetView:
        """Record an appraisal (the latest one is what a disposal is measured against)."""
        return self._move(number, employee_no, "appraise", on, source_key, amount=value, party=appraiser)

    def list_asset(
        self,
        number: str,
        employee_no: str,
        reserve: Decimal,
        on: date | None = None,
        source_key: str | None = None,
    ) -> AssetView:
        """List an appraised asset for sale at a reserve price (挂牌)."""
        return self._move(number, employee_no, "list", on, source_key, amount=reserve)

    def unsold_asset(
        self,
        number: str,
        employee_no: str,
        reserve: Decimal | None = None,
        on: date | None = None,
        source_key: str | None = None,
    ) -> AssetView:
        """Record a listing that found no buyer (流拍): the reserve goes down 20%, or to the one given."""
        return self._move(number, employee_no, "unsold", on, source_key, amount=reserve)

    def lease_asset(
        self,
        number: str,
        employee_no: str,
        rent: Decimal,
        until: date,
        lessee: str = "",
        on: date | None = None,
        source_key: str | None = None,
    ) -> AssetView:
        """Lease an asset that cannot be sold yet (the disposal deadline runs on)."""
        if until <= (on or self.today()):
            raise UserError("asset.lease_ends_past", day=until.isoformat())
        return self._move(
            number, employee_no, "lease", on, source_key, amount=rent, party=lessee, until=until
        )

    def dispose_asset(
        self,
        number: str,
        employee_no: str,
        proceeds: Decimal,
        method: str,
        buyer: str = "",
        on: date | None = None,
        source_key: str | None = None,
    ) -> AssetView:
        """Dispose of an appraised asset. An agreement sale, or proceeds more than 20% below the latest
        appraisal, waits for a leader's or admin's confirmation (`waiting_disposal` set on the view); any other
        disposal is done at once."""
        if method not in METHODS:
            raise UserError("asset.unknown_method", text=method)
        return self._move(
            number, employee_no, "dispose", on, source_key, amount=proceeds, party=buyer, method=method
        )

    def decide_disposal(
        self, number: str, employee_no: str, confirm: bool, note: str = "", source_key: str | None = None
    ) -> AssetView:
        """A leader's or admin's confirmation (the asset is then disposed of) or refusal (it stays where it was)
        of a disposal that waited for one. Whoever registered the asset, or proposed the disposal, may not."""
        with self._transaction() as session:
            if source_key is not None and self._step_by_key(session, source_key):
                return self._asset_view(number)
            asset = self._locked(session, number)
            self._refuse_void(session, asset)
            waiting = self._waiting(session, asset.id)
            if waiting is None:
                raise UserError("asset.nothing_waiting", number=asset.number)
            person = self._person(session, employee_no)
            if person.id in (asset.registered_by_id, waiting.person_id):
                raise UserError("asset.own_disposal", number=asset.number)
            now = self.now()
            session.add(
                AssetStep(
                    asset_id=asset.id,
                    action="confirm" if confirm else "refuse",
                    on=self.today(),
                    decides_id=waiting.id,
                    note=note,
                    person_id=person.id,
                    at=now,
                    source_key=source_key,
                )
            )
            if confirm:
                asset.state = DISPOSED
                asset.proceeds = waiting.amount
            asset.updated_at = now
            self._audit(
                session,
                person.name,
                "asset.confirm" if confirm else "asset.refuse",
                "asset",
                asset.number,
                {"step": waiting.id, "proceeds": waiting.amount, "note": note}
                if note
                else {"step": waiting.id},
                actor_id=person.id,
                source=source_key or "",
            )
        return self._asset_view(number)

    def plan_asset_import(
        self, records: list[AssetRecord], new_loans: set[str], new_people: set[str]
    ) -> tuple[list[AssetRecord], list[Problem]]:
        """The 抵债资产 sheet's assets the ledger does not hold yet, or the problems that refuse the file: a
        number twice, a loan in neither the file nor the ledger, a custodian who is nobody, a day in the future.
        An asset whose number the ledger holds already is left as it is: importing a file twice adds nothing."""
        today = self.today()
        with self._session() as session:
            numbers = {r.number for r in records}
            held = (
                set(session.scalars(select(Asset.number).where(Asset.number.in_(numbers))))
                if numbers
                else set()
            )
            loans = {r.loan_no for r in records}
            known_loans = (
                set(session.scalars(select(Case.loan_no).where(Case.loan_no.in_(loans)))) if loans else set()
            )
            custodians = {r.custodian_no for r in records if r.custodian_no}
            known_people = (
                set(session.scalars(select(Person.employee_no).where(Person.employee_no.in_(custodians))))
                if custodians
                else set()
            )
        problems: list[Problem] = []
        new: list[AssetRecord] = []
        seen: set[str] = set()
        for record in records:
            if record.bad:
                continue
            found = _asset_problems(record, seen, known_loans | new_loans, known_people | new_people, today)
            seen.add(record.number)
            problems.extend(found)
            if not found and record.number not in held:
                new.append(record)
        return new, problems

    def import_assets(self, records: list[AssetRecord], actor: str, source: str) -> None:
        """Write the planned assets, each with its history as far as the sheet tells it (received, appraised),
        in the import's transaction; their offsets are out of the imported balances already."""
        with self._transaction() as session:
            cases = {
                row.loan_no: row
                for row in session.scalars(select(Case).where(Case.loan_no.in_({r.loan_no for r in records})))
            }
            custodian_ids = dict(
                session.execute(
                    select(Person.employee_no, Person.id).where(
                        Person.employee_no.in_({r.custodian_no for r in records if r.custodian_no})
                    )
                ).all()
            )
            now = self.now()
            for record in records:
                assert record.received_on is not None
                case_row = cases[record.loan_no]
                custodian = custodian_ids.get(record.custodian_no, case_row.officer_id)
                asset = Asset(
                    number=record.number,
                    case_id=case_row.id,
                    kind=record.kind,
                    name=record.name,
                    title_no=record.title_no,
                    offset_amount=record.offset,
                    received_on=record.received_on,
                    custodian_id=custodian,
                    state=record.state,
                    appraisal=record.appraisal,
                    registered_by_id=custodian,
                    created_at=now,
                    updated_at=now,
                )
                _add_asset(session, asset, "import", source, custodian)
                if record.appraisal is not None:
                    session.add(
                        AssetStep(
                            asset_id=asset.id,
                            action="appraise",
                            on=record.appraised_on or record.received_on,
                            amount=record.appraisal,
                            party=record.appraiser,
                            person_id=custodian,
                            at=now,
                        )
                    )
            self._audit(
                session, actor, "import.assets", "ledger", source, {"assets": len(records)}, source=source
            )

    def asset_view(self, number: str) -> AssetView | None:
        """An asset as it stands, by number; None if there is none."""
        try:
            return self._asset_view(number)
        except UserError:
            return None

    def asset_steps(self, number: str) -> list[AssetStepView]:
        """An asset's history, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(AssetStep, Person.name)
                .join(Asset, Asset.id == AssetStep.asset_id)
                .join(Person, Person.id == AssetStep.person_id)
                .where(Asset.number == number)
                .order_by(AssetStep.at, AssetStep.id)
            ).all()
            return [_step_view(step, name) for step, name in rows]

    def assets(self, unit_id: int | None = None, loan_no: str | None = None) -> list[AssetView]:
        """The assets of a unit, of one case (or of the campaign), those not yet disposed of first, by disposal
        deadline; void ones left out."""
        query = _ASSETS if unit_id is None else _ASSETS.where(Case.unit_id == unit_id)
        if loan_no is not None:
            query = query.where(Case.loan_no == loan_no)
        with self._session() as session:
            views = [view for view in self._views(session, query) if not view.void]
        return sorted(
            views, key=lambda v: (v.state == DISPOSED, disposal_due(v.kind, v.received_on), v.number)
        )

    def asset_items(self, day: date) -> list[AssetItem]:
        """What the disposal deadlines ask of each asset not yet disposed of on `day`, for the custodian's
        to-do and the lead's digest: 90 and 30 days before its deadline, and every day once it is past."""
        items = []
        for view in self.assets():
            if view.state == DISPOSED:
                continue
            due = disposal_due(view.kind, view.received_on)
            if disposal_warning(view.kind, view.received_on, day) is not None or overdue(
                view.kind, view.received_on, day
            ):
                items.append(AssetItem(view, due, (due - day).days))
        return items

    def asset_figures(self, unit_id: int | None, day: date) -> AssetFigures:
        """The figures of a unit's (or the campaign's) assets on `day`."""
        views = self.assets(unit_id)
        by_state: dict[str, int] = {}
        for view in views:
            by_state[view.state] = by_state.get(view.state, 0) + 1
        return AssetFigures(
            by_state,
            sum((v.offset_amount for v in views), Decimal("0.00")),
            sum((v.proceeds for v in views if v.proceeds is not None), Decimal("0.00")),
            [v.number for v in views if v.state != DISPOSED and overdue(v.kind, v.received_on, day)],
        )

    def _move(
        self,
        number: str,
        employee_no: str,
        action: str,
        on: date | None,
        source_key: str | None,
        **fields: Any,
    ) -> AssetView:
        """Take a step on an asset, or refuse it with nothing written: one a disposed asset, a listing or
        disposal before any appraisal, a step its state does not allow, or any step while a disposal waits."""
        today = self.today()
        on = on or today
        with self._transaction() as session:
            if source_key is not None and self._step_by_key(session, source_key):
                return self._asset_view(number)
            asset = self._locked(session, number)
            self._refuse_void(session, asset)
            refused = refusal(action, asset.state, asset.appraisal is not None)
            if refused is not None:
                raise UserError(refused, number=asset.number, state=Term(f"asset_state.{asset.state}"))
            if self._waiting(session, asset.id) is not None:
                raise UserError("asset.disposal_waiting", number=asset.number)
            if on > today:
                raise UserError("ledger.date_future", day=on.isoformat())
            if on < asset.received_on:
                raise UserError("asset.before_receipt", day=on.isoformat(), received=asset.received_on)
            if action == "unsold" and fields.get("amount") is None:
                if asset.reserve is None:  # listed before the campaign: the sheet has no reserve
                    raise UserError("asset.no_reserve", number=asset.number)
                fields["amount"] = reserve_after_unsold(asset.reserve)
            waits = None
            if action == "dispose":
                assert asset.appraisal is not None
                waits = confirmation_needed(fields["method"], fields["amount"], asset.appraisal)
            person = self._person(session, employee_no)
            now = self.now()
            step = AssetStep(
                asset_id=asset.id,
                action=action,
                on=on,
                waits_for=waits,
                person_id=person.id,
                at=now,
                source_key=source_key,
                **fields,
            )
            session.add(step)
            session.flush()
            if waits is None:
                _apply(asset, action, step)
            asset.updated_at = now
            detail = {key: value for key, value in fields.items() if value not in (None, "")}
            self._audit(
                session,
                person.name,
                f"asset.{action}",
                "asset",
                asset.number,
                {**detail, "step": step.id, **({"waits_for": waits} if waits else {})},
                actor_id=person.id,
                source=source_key or "",
            )
        return self._asset_view(number)

    def _next_number(self, session: Session) -> str:
        """The next asset number of the year it is registered in (`ZC2026-0001` first), after the highest of
        that year (imported ones included)."""
        year = self.today().year
        prefix = asset_number(year, 0).removesuffix("0000")
        taken = session.scalars(select(Asset.number).where(Asset.number.like(f"{prefix}%"))).all()
        last = max((int(taken_number.removeprefix(prefix)) for taken_number in taken), default=0)
        return asset_number(year, last + 1)

    def _asset_view(self, number: str) -> AssetView:
        with self._session() as session:
            found = self._views(session, _ASSETS.where(Asset.number == number))
        if not found:
            raise UserError("asset.unknown", number=number)
        return found[0]

    def _views(self, session: Session, query: Select[Any]) -> list[AssetView]:
        waiting = {
            asset_id: (step_id, waits_for)
            for asset_id, step_id, waits_for in session.execute(_WAITING_ALL).all()
        }
        return [
            AssetView(*row[:-1], bool(row[-1]), *waiting.get(row[0], (None, None)))
            for row in session.execute(query).all()
        ]

    @staticmethod
    def _locked(session: Session, number: str) -> Asset:
        asset = session.execute(
            select(Asset).where(Asset.number == number).with_for_update()
        ).scalar_one_or_none()
        if asset is None:
            raise UserError("asset.unknown", number=number)
        return asset

    @staticmethod
    def _refuse_void(session: Session, asset: Asset) -> None:
        """Refuse a step on an asset whose offset was rejected or undone: its registration no longer counts."""
        if asset.repayment_id is None:
            return
        void = session.scalar(select(flag(_OFFSET_VOID)).where(Repayment.id == asset.repayment_id))
        if void:
            raise UserError("asset.void", number=asset.number)

    @staticmethod
    def _waiting(session: Session, asset_id: int) -> AssetStep | None:
        """The asset's disposal waiting for a leader's decision, if any."""
        return session.execute(_WAITING.where(AssetStep.asset_id == asset_id)).scalar_one_or_none()

    @staticmethod
    def _step_by_key(session: Session, source_key: str) -> bool:
        return session.scalar(select(AssetStep.id).where(AssetStep.source_key == source_key)) is not None

    def _asset_number_by_key(self, source_key: str) -> str | None:
        with self._session() as session:
            return session.scalar(select(Asset.number).where(Asset.source_key == source_key))


_decision = aliased(AssetStep)
# A disposal that waits for a leader: one with a reason to wait and no decision on it.
_WAITS = and_(
    AssetStep.action == "dispose",
    AssetStep.waits_for.is_not(None),
    ~select(_decision.id).where(_decision.decides_id == AssetStep.id).exists(),
)
_WAITING = select(AssetStep).where(_WAITS)
_WAITING_ALL = select(AssetStep.asset_id, AssetStep.id, AssetStep.waits_for).where(_WAITS)


def _add_asset(
    session: Session, asset: Asset, action: str, note: str, person_id: int, source_key: str | None = None
) -> None:
    """Add a new asset and the first step of its history (registered, or imported), on its receipt day."""
    session.add(asset)
    session.flush()
    session.add(
        AssetStep(
            asset_id=asset.id,
            action=action,
            on=asset.received_on,
            amount=asset.offset_amount,
            note=note,
            person_id=person_id,
            at=asset.created_at,
            source_key=source_key,
        )
    )


def _asset_problems(
    record: AssetRecord, seen: set[str], loans: set[str], people: set[str], today: date
) -> list[Problem]:
    """What refuses one row of the 抵债资产 sheet (nothing for a good one)."""
    problems = []
    if record.number in seen:
        problems.append(_problem(record, "number", "import.asset_twice", number=record.number))
    if record.loan_no not in loans:
        problems.append(_problem(record, "loan_no", "import.lawsuit_unknown_case", loan_no=record.loan_no))
    if record.custodian_no and record.custodian_no not in people:
        problems.append(
            _problem(
                record, "custodian_no", "import.asset_unknown_custodian", employee_no=record.custodian_no
            )
        )
    for field, day in (("received_on", record.received_on), ("appraised_on", record.appraised_on)):
        if day is not None and day > today:
            problems.append(_problem(record, field, "import.lawsuit_future", day=day))
    return problems


def _problem(record: AssetRecord, field: str, key: str, **params: Any) -> Problem:
    header = next(column.header for column in ASSET_COLUMNS if column.field == field)
    return Problem(ASSETS_SHEET, record.row, header, UserError(key, **params))


def _apply(asset: Asset, action: str, step: AssetStep) -> None:
    """What a step done (not waiting) changes on the asset as it stands."""
    if action == "appraise":
        asset.appraisal = step.amount
    elif action in ("list", "unsold"):
        asset.reserve = step.amount
    elif action == "dispose":
        asset.proceeds = step.amount
    asset.state = state_after(action, asset.state)


def _step_view(step: AssetStep, person: str) -> AssetStepView:
    return AssetStepView(
        step.id,
        step.action,
        step.on,
        step.amount,
        step.party,
        step.method,
        step.until,
        step.waits_for,
        step.decides_id,
        step.note,
        person,
        step.at,
        step.person_id,
    )
