"""New loans (在贷, SPEC §10, 三): the 在贷 sheet's loans written and updated, each change in the audit log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from sys import intern
from typing import Any

from sqlalchemy import bindparam, select, update

from core.loan_import import LoanPlan
from core.records import LOAN_FIELDS, LoanRecord
from store.base import StoreBase
from store.models import Loan, Person, Unit
from store.sql import ROWS_PER_STATEMENT, chunks, insert_many

_loans = Loan.__table__
# What an import writes of a loan besides its number: the 在贷 sheet's fields (unit and person by id), and as of
# when.
_BY_ID = {"unit": "unit_id", "officer_no": "officer_id"}
_WRITTEN = (*(_BY_ID.get(name, name) for name in LOAN_FIELDS), "as_of", "updated_at")
_UPDATE_LOAN = (
    update(_loans)
    .where(_loans.c.loan_no == bindparam("key"))
    .values({name: bindparam(name) for name in _WRITTEN})
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
        # A loan's unit, person and class are kept once each in memory, shared with the file's loans.
        with self._read() as connection:
            return {
                number: LoanRecord(
                    number, borrower, intern(unit), intern(person), *figures, intern(kind), id_number
                )
                for number, borrower, unit, person, *figures, kind, id_number in connection.execute(query)
            }

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

            def written(records: Sequence[LoanRecord]) -> dict[str, Sequence[Any]]:
                """The loans' values by column, as of now."""
                columns = {
                    _BY_ID.get(name, name): list(map(attrgetter(name), records))
                    for name in ("loan_no", *LOAN_FIELDS)
                }
                columns["unit_id"] = list(map(units.__getitem__, columns["unit_id"]))
                columns["officer_id"] = list(map(people.__getitem__, columns["officer_id"]))
                return {**columns, "as_of": [today] * len(records), "updated_at": [now] * len(records)}

            insert_many(connection, _loans, written(plan.new), tick)
            for chunk in chunks(plan.changed, ROWS_PER_STATEMENT):
                columns = written([record for record, _change in chunk])
                columns["key"] = columns.pop("loan_no")
                connection.execute(
                    _UPDATE_LOAN,
                    [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)],
                )
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
            self._audit_changes(connection, actor, [change for _record, change in plan.changed], source)
