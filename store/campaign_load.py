"""The demo's bulk load: made-up contacts, promises and repayments written at once, and the cases' balances,
statuses and priorities brought in line with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core.lifecycle import after_activity
from store.base import StoreBase
from store.models import Case, Contact, Person, Promise, Repayment
from store.sql import OUTSTANDING, ROWS_PER_STATEMENT, chunks, fen


class CampaignLoadStore(StoreBase):
    """Activity loaded in bulk (`qingshou demo`)."""

    def load_campaign(
        self,
        contacts: Sequence[dict[str, Any]],
        promises: Sequence[dict[str, Any]],
        repayments: Sequence[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Bulk-load made-up activity (the demo); rows name cases by loan number and people by employee number.

        Repayments here are already confirmed; the cases' balances, statuses and priorities follow.
        """
        tick = progress or (lambda _n: None)
        with self._transaction() as session:
            case_ids = dict(session.execute(select(Case.loan_no, Case.id)).all())
            person_ids = dict(session.execute(select(Person.employee_no, Person.id)).all())
            contact_ids: list[int] = []
            for chunk in chunks(contacts, ROWS_PER_STATEMENT):
                contact_ids.extend(
                    session.scalars(_INSERT_CONTACTS, [_contact_row(c, case_ids, person_ids) for c in chunk])
                )
                tick(len(chunk))
            if promises:
                session.execute(
                    insert(Promise.__table__),
                    [
                        {
                            "case_id": case_ids[p["loan_no"]],
                            "contact_id": contact_ids[p["contact_index"]],
                            "amount": p["amount"],
                            "due_on": p["due_on"],
                            "status": p["status"],
                        }
                        for p in promises
                    ],
                )
            for chunk in chunks(repayments, ROWS_PER_STATEMENT):
                session.execute(
                    insert(Repayment.__table__), [_repayment_row(r, case_ids, person_ids) for r in chunk]
                )
                tick(len(chunk))
            self._apply_loaded_activity(session)
            self._audit(
                session,
                "demo",
                "demo.load",
                "ledger",
                "",
                {"contacts": len(contacts), "promises": len(promises), "repayments": len(repayments)},
            )
        self.refresh_statistics()

    def _apply_loaded_activity(self, session: Session) -> None:
        """Bring the cases' balances, last contacts and statuses in line with the activity just loaded."""
        paid = (
            select(
                Repayment.case_id.label("case_id"),
                func.sum(fen(Repayment.principal_part)).label("principal"),
                func.sum(fen(Repayment.interest_part)).label("interest"),
            )
            .where(Repayment.status == "confirmed")
            .group_by(Repayment.case_id)
            .subquery()
        )
        last_contact = (
            select(Contact.case_id.label("case_id"), func.max(Contact.at).label("at"))
            .group_by(Contact.case_id)
            .subquery()
        )
        table = Case.__table__
        # UPDATE … FROM a grouped subquery: the database joins once. Correlated subqueries per case let
        # PostgreSQL's planner, with no statistics yet on the freshly loaded rows, rescan them for every case.
        session.execute(
            update(table)
            .where(table.c.id == paid.c.case_id)
            .values(
                principal_remaining=fen(table.c.principal) - paid.c.principal,
                interest_remaining=fen(table.c.interest) - paid.c.interest,
            )
        )
        session.execute(
            update(table)
            .where(table.c.id == last_contact.c.case_id)
            .values(last_contact_at=last_contact.c.at)
        )
        promised = (
            select(Promise.case_id.label("case_id"))
            .where(Promise.status == "open")
            .group_by(Promise.case_id)
            .subquery()
        )
        rows = session.execute(
            select(
                Case.id,
                Case.status,
                OUTSTANDING,
                Case.last_contact_at.is_not(None),
                promised.c.case_id.is_not(None),
            ).outerjoin(promised, promised.c.case_id == Case.id)
        )
        self._change_statuses(
            session,
            [
                (case_id, status, after_activity(status, int(owed), bool(contacted), bool(has_promise)))
                for case_id, status, owed, contacted, has_promise in rows
            ],
            "demo",
        )


_INSERT_CONTACTS = insert(Contact.__table__).returning(Contact.__table__.c.id, sort_by_parameter_order=True)


def _contact_row(c: dict[str, Any], case_ids: dict[str, int], person_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "case_id": case_ids[c["loan_no"]],
        "person_id": person_ids[c["employee_no"]],
        "at": c["at"],
        "channel": c["channel"],
        "outcome": c["outcome"],
        "approach": c.get("approach"),
        "participants": c.get("participants", ""),
        "note": c.get("note", ""),
        "latitude": c.get("latitude"),
        "longitude": c.get("longitude"),
    }


def _repayment_row(r: dict[str, Any], case_ids: dict[str, int], person_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "case_id": case_ids[r["loan_no"]],
        "person_id": person_ids[r["employee_no"]],
        "amount": r["principal_part"] + r["interest_part"],
        "principal_part": r["principal_part"],
        "interest_part": r["interest_part"],
        "paid_on": r["paid_on"],
        "method": r["method"],
        "status": r["status"],
        "decided_by_id": person_ids[r["decided_by"]] if r.get("decided_by") else None,
        "decided_at": r.get("decided_at"),
        "created_at": r["created_at"],
    }
