"""The export: the whole ledger as tables of plain values, streamed from the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, type_coerce
from sqlalchemy.orm import aliased

from store.base import StoreBase
from store.models import (
    Asset,
    AssetStep,
    AuditEntry,
    Case,
    CaseAssignment,
    Complaint,
    Contact,
    LawsuitStage,
    Loan,
    Money,
    Person,
    Promise,
    Repayment,
    Unit,
)
from store.sql import OUTSTANDING, ROWS_PER_STATEMENT, is_undone, unreversed


@dataclass(frozen=True, slots=True)
class ExportTable:
    """One table of the ledger as rows of plain values, for the export."""

    name: str
    columns: tuple[str, ...]
    rows: Iterator[tuple[Any, ...]]


Columns = tuple[tuple[str, Any], ...]


def _selecting(columns: Columns) -> Any:
    """A select of the expressions of (column name, expression) pairs, in order."""
    return select(*(expression for _, expression in columns))


def _export_queries() -> list[tuple[str, Columns, Any]]:
    """Each table's name, its (column name, expression) pairs in order, and the query that reads them."""
    unit_name = aliased(Unit)
    officer = aliased(Person)
    decider = aliased(Person)
    original = aliased(Repayment)
    units: Columns = (
        ("name", Unit.name),
        ("leader_name", Unit.leader_name),
        ("target", Unit.target),
        ("target_is_default", Unit.target_is_default),
        ("chat", Unit.chat),
    )
    people: Columns = (
        ("name", Person.name),
        ("employee_no", Person.employee_no),
        ("unit", unit_name.name),
        ("role", Person.role),
        ("mobile", Person.mobile),
        ("target", Person.target),
    )
    cases: Columns = (
        ("loan_no", Case.loan_no),
        ("borrower", Case.borrower),
        ("id_number", Case.id_number),
        ("phone", Case.phone),
        ("unit", unit_name.name),
        ("officer_no", officer.employee_no),
        ("principal", Case.principal),
        ("interest", Case.interest),
        ("classification", Case.classification),
        ("difficulty", Case.difficulty),
        ("deadline", Case.deadline),
        ("plan", Case.plan),
        ("statute_date", Case.statute_date),
        ("status", Case.status),
        ("remaining", type_coerce(OUTSTANDING, Money())),  # principal and interest remaining, as one balance
    )
    contacts: Columns = (
        ("loan_no", Case.loan_no),
        ("at", Contact.at),
        ("channel", Contact.channel),
        ("outcome", Contact.outcome),
        ("promise_amount", Promise.amount),
        ("promise_due", Promise.due_on),
        ("note", Contact.note),
        ("employee_no", officer.employee_no),
        ("flags", Contact.flags),
    )
    repayments: Columns = (
        ("loan_no", Case.loan_no),
        ("amount", Repayment.amount),
        ("paid_on", Repayment.paid_on),
        ("method", Repayment.method),
        ("status", Repayment.status),
        ("principal_part", Repayment.principal_part),
        ("interest_part", Repayment.interest_part),
        ("reverses", original.id),
        ("employee_no", officer.employee_no),
        ("decided_by", decider.employee_no),
        ("flags", Repayment.flags),
    )
    lawsuits: Columns = (
        ("loan_no", Case.loan_no),
        ("stage", LawsuitStage.stage),
        ("reached_on", LawsuitStage.reached_on),
        ("court", LawsuitStage.court),
        ("case_number", LawsuitStage.case_number),
        ("note", LawsuitStage.note),
    )
    appraisals = aliased(AssetStep)
    latest_appraisal = (
        select(appraisals.id)
        .where(appraisals.asset_id == Asset.id, appraisals.action == "appraise")
        .order_by(appraisals.on.desc(), appraisals.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    appraisal_step = aliased(AssetStep)
    custodian = aliased(Person)
    assets: Columns = (
        ("number", Asset.number),
        ("loan_no", Case.loan_no),
        ("kind", Asset.kind),
        ("name", Asset.name),
        ("title_no", Asset.title_no),
        ("offset_amount", Asset.offset_amount),
        ("received_on", Asset.received_on),
        ("appraisal", Asset.appraisal),
        ("appraiser", appraisal_step.party),
        ("appraised_on", appraisal_step.on),
        ("state", Asset.state),
        ("custodian_no", custodian.employee_no),
    )
    loan_unit = aliased(Unit)
    loan_officer = aliased(Person)
    loans: Columns = (
        ("loan_no", Loan.loan_no),
        ("borrower", Loan.borrower),
        ("id_number", Loan.id_number),
        ("unit", loan_unit.name),
        ("officer_no", loan_officer.employee_no),
        ("amount", Loan.amount),
        ("balance", Loan.balance),
        ("disbursed_on", Loan.disbursed_on),
        ("matures_on", Loan.matures_on),
        ("days_overdue", Loan.days_overdue),
        ("classification", Loan.classification),
    )
    maker = aliased(Person)
    closer = aliased(Person)
    complaints: Columns = (
        ("number", Complaint.id),
        ("loan_no", Case.loan_no),
        ("at", Complaint.at),
        ("text", Complaint.text),
        ("made_by", maker.employee_no),
        ("closed_at", Complaint.closed_at),
        ("closed_by", closer.employee_no),
        ("close_note", Complaint.close_note),
    )
    holder_before = aliased(Person)
    holder_after = aliased(Person)
    assigner = aliased(Person)
    handovers: Columns = (
        ("loan_no", Case.loan_no),
        ("at", CaseAssignment.at),
        ("from", holder_before.employee_no),
        ("to", holder_after.employee_no),
        ("by", assigner.employee_no),
        ("reason", CaseAssignment.reason),
    )
    audit: Columns = (
        ("at", AuditEntry.at),
        ("actor", AuditEntry.actor),
        ("action", AuditEntry.action),
        ("entity", AuditEntry.entity),
        ("ref", AuditEntry.ref),
        ("detail", AuditEntry.detail),
        ("source", AuditEntry.source),
    )
    return [
        ("units", units, _selecting(units).order_by(Unit.id)),
        (
            "people",
            people,
            _selecting(people).outerjoin(unit_name, unit_name.id == Person.unit_id).order_by(Person.id),
        ),
        (
            "cases",
            cases,
            _selecting(cases)
            .join(unit_name, unit_name.id == Case.unit_id)
            .join(officer, officer.id == Case.officer_id)
            .order_by(Case.id),
        ),
        (
            "lawsuits",
            lawsuits,
            _selecting(lawsuits)
            .join(Case, Case.id == LawsuitStage.case_id)
            .where(unreversed(LawsuitStage))
            .order_by(Case.id, LawsuitStage.reached_on, LawsuitStage.id),
        ),
        (
            "assets",
            assets,
            _selecting(assets)
            .join(Case, Case.id == Asset.case_id)
            .join(custodian, custodian.id == Asset.custodian_id)
            .outerjoin(appraisal_step, appraisal_step.id == latest_appraisal)
            .outerjoin(Repayment, Repayment.id == Asset.repayment_id)
            # A registration whose offset was rejected or undone is no asset.
            .where(
                or_(Asset.repayment_id.is_(None), and_(Repayment.status != "rejected", ~is_undone(Repayment)))
            )
            .order_by(Asset.number),
        ),
        (
            "loans",
            loans,
            _selecting(loans)
            .join(loan_unit, loan_unit.id == Loan.unit_id)
            .join(loan_officer, loan_officer.id == Loan.officer_id)
            .order_by(Loan.id),
        ),
        (
            "contacts",
            contacts,
            _selecting(contacts)
            .join(Case, Case.id == Contact.case_id)
            .join(officer, officer.id == Contact.person_id)
            .outerjoin(Promise, Promise.contact_id == Contact.id)
            .order_by(Contact.id),
        ),
        (
            "repayments",
            repayments,
            _selecting(repayments)
            .join(Case, Case.id == Repayment.case_id)
            .join(officer, officer.id == Repayment.person_id)
            .outerjoin(decider, decider.id == Repayment.decided_by_id)
            .outerjoin(original, original.id == Repayment.reverses_id)
            .order_by(Repayment.id),
        ),
        (
            "complaints",
            complaints,
            _selecting(complaints)
            .join(Case, Case.id == Complaint.case_id)
            .join(maker, maker.id == Complaint.person_id)
            .outerjoin(closer, closer.id == Complaint.closed_by_id)
            .order_by(Complaint.id),
        ),
        (
            "handovers",
            handovers,
            _selecting(handovers)
            .join(Case, Case.id == CaseAssignment.case_id)
            .join(holder_before, holder_before.id == CaseAssignment.from_id)
            .join(holder_after, holder_after.id == CaseAssignment.to_id)
            .outerjoin(assigner, assigner.id == CaseAssignment.by_id)
            .order_by(CaseAssignment.id),
        ),
        ("audit", audit, _selecting(audit).order_by(AuditEntry.id)),
    ]


class ExportStore(StoreBase):
    """The ledger as it is exported, and its audit log."""

    def export_tables(self) -> list[ExportTable]:
        """The whole ledger as tables of plain values, streamed from the database."""
        return [
            ExportTable(
                name,
                tuple(column for column, _ in columns),
                self._stream(query),
            )
            for name, columns, query in _export_queries()
        ]

    def _stream(self, query: Any) -> Iterator[tuple[Any, ...]]:
        with self._session() as session:
            for row in session.execute(query.execution_options(yield_per=ROWS_PER_STATEMENT)):
                yield tuple(row)

    def audit_entries(self, action: str | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The audit log, oldest first, as (action, entity, ref, detail)."""
        with self._session() as session:
            query = select(AuditEntry.action, AuditEntry.entity, AuditEntry.ref, AuditEntry.detail).order_by(
                AuditEntry.id
            )
            if action is not None:
                query = query.where(AuditEntry.action == action)
            return [(a, e, r, json.loads(d or "{}")) for a, e, r, d in session.execute(query)]
