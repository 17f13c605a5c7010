"""New loans (在贷, SPEC §10, 三): the 在贷 sheet's loans written and updated, each change in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, select, update

from core.loan_import import LoanPlan
from core.records import LoanRecord
from store.base import StoreBase
from store.models import Loan, Person, Unit
from store.sql import ROWS_PER_STATEMENT, chunks, insert_many

_loans = Loan.__table__
_NEW_LOAN_COLUMNS = (
    "loan_no",
    "borrower",
    "id_number",
    "unit_id",
    "officer_id",
    "amount",
    "balance",
    "disbursed_on",
    "matures_on",
    "days_overdue",
    "classification",
    "as_of",
    "updated_at",
)
_UPDATE_LOAN = (
    update(_loans)
    .where(_loans.c.loan_no == bindparam("key"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "borrower",
                "id_number",
                "unit_id",
                "officer_id",
                "amount",
                "balance",
                "disbursed_on",
                "matures_on",
                "days_overdue",
                "classification",
                "as_of",
                "updated_at",
            )
        }
    )
)


class NewLoanStore(StoreBase):
    """The new loans and their import."""

    def loan_snapshot(self) -> dict[str, LoanRecord]:
        """Every new loan as its latest import gave it, by loan number (to compare a new import with)."""
        query = (
            select(
                Loan.loan_no,
                Loan.borrower,
                Unit.name,
                Person.employee_no,
                Loan.amount,
                Loan.balance,
                Loan.disbursed_on,
                Loan.matures_on,
                Loan.days_overdue,
                Loan.classification,
                Loan.id_number,
            )
            .join(Unit, Unit.id == Loan.unit_id)
            .join(Person, Person.id == Loan.officer_id)
        )
        with self._read() as connection:
            return {row[0]: LoanRecord(*row) for row in connection.execute(query)}

    def import_loans(
        self, plan: LoanPlan, actor: str, source: str, progress: Callable[[int], None] | None = None
    ) -> None:
        """Write the planned loans as of today, with a summary and each change in the audit log, in the caller's
        transaction (the import's)."""
        tick = progress or (lambda _n: None)
        now, today = self.now(), self.today()
        with self._write() as connection:
            units = dict(connection.execute(select(Unit.name, Unit.id)).all())
            wanted = {r.officer_no for r in plan.new} | {r.officer_no for r, _ in plan.changed}
            people: dict[str, int] = {}
            for chunk in chunks(sorted(wanted), ROWS_PER_STATEMENT):
                people.update(
                    connection.execute(
                        select(Person.employee_no, Person.id).where(Person.employee_no.in_(chunk))
                    ).all()
                )

            def row(record: LoanRecord) -> dict[str, Any]:
                return {
                    "loan_no": record.loan_no,
                    "borrower": record.borrower,
                    "id_number": record.id_number,
                    "unit_id": units[record.unit],
                    "officer_id": people[record.officer_no],
                    "amount": record.amount,
                    "balance": record.balance,
                    "disbursed_on": record.disbursed_on,
                    "matures_on": record.matures_on,
                    "days_overdue": record.days_overdue,
                    "classification": record.classification,
                    "as_of": today,
                    "updated_at": now,
                }

            for chunk in chunks(plan.new, ROWS_PER_STATEMENT):
                insert_many(
                    connection,
                    _loans,
                    _NEW_LOAN_COLUMNS,
                    [
                        (
                            r.loan_no,
                            r.borrower,
                            r.id_number,
                            units[r.unit],
                            people[r.officer_no],
                            r.amount,
                            r.balance,
                            r.disbursed_on,
                            r.matures_on,
                            r.days_overdue,
                            r.classification,
                            today,
                            now,
                        )
                        for r in chunk
                    ],
                )
                tick(len(chunk))
            for chunk in chunks(plan.changed, ROWS_PER_STATEMENT):
                updates = []
                for record, _change in chunk:
                    values = row(record)
                    values["key"] = values.pop("loan_no")
                    updates.append(values)
                connection.execute(_UPDATE_LOAN, updates)
                tick(len(chunk))
            self._audit(
                connection,
                actor,
                "import.loans",
                "ledger",
                source,
                {"created": len(plan.new), "updated": len(plan.changed), "unchanged": plan.unchanged},
                source=source,
            )
            for _record, change in plan.changed:
                self._audit(
                    connection,
                    actor,
                    "import.update",
                    change.entity,
                    change.ref,
                    {name: [old, new] for name, (old, new) in change.fields.items()},
                    source=source,
                )
