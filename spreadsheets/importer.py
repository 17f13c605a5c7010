"""The import as a whole (SPEC §7): read, check against the ledger, and write all or nothing."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.columns import LOANS_SHEET, PEOPLE_SHEET
from core.import_plan import plan_import
from core.loan_import import Holder, LoanPlan, plan_loans
from core.records import Change, ImportPlan, LedgerSnapshot, PersonRecord, Problem
from core.texts import render
from spreadsheets.reader import ImportFile, ImportInput, Progress, read_import
from store.ledger import Store


class ImportRefused(Exception):
    """The file has bad rows; nothing was written. The first problems are listed, all are counted."""

    def __init__(self, problems: list[Problem], count: int | None = None) -> None:
        self.count = len(problems) if count is None else count
        super().__init__(f"{self.count} problems")
        self.problems = problems

    @property
    def unlisted(self) -> int:
        """How many problems there are beyond those listed."""
        return self.count - len(self.problems)

    def lines(self, language: str = "zh") -> list[str]:
        """What the clerk reads: how many problems, each listed one a line, and how many more there are."""
        lines = [render("import.problems", language, count=f"{self.count:,}")]
        lines += ["  " + problem.render(language) for problem in self.problems]
        if self.unlisted:
            lines.append("  " + render("import.more_problems", language, count=f"{self.unlisted:,}"))
        return lines


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    examples_skipped: int = 0  # rows equal to the template's example, left in by the clerk and not imported
    deactivated: list[PersonRecord] = field(default_factory=list)  # left out of the 人员 sheet: deactivated
    reactivated: list[PersonRecord] = field(default_factory=list)  # deactivated before, listed again
    stages: int = 0  # lawsuit stages added from the 诉讼 sheet
    assets: int = 0  # foreclosed assets added from the 抵债资产 sheet
    loans: LoanPlan | None = None  # what the 在贷 sheet added and changed, when the file had one


def import_file(
    store: Store,
    source: Path | ImportFile,
    actor: str = "cli",
    progress: Progress | None = None,
    writing: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a workbook or CSV into the ledger; raise ImportRefused (writing nothing) on any bad row."""
    with _collector_paused():
        return _import(store, source, actor, progress, writing)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for the import: the records of a large file all live until it ends, and
    the collector would go over them again and again and free nothing (a third of the time of 200,000 loans).
    What reference cycles the import leaves are collected once it is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    store: Store,
    source: Path | ImportFile,
    actor: str,
    progress: Progress | None,
    writing: Callable[[int], None] | None,
) -> ImportReport:
    campaign = store.campaign
    read = read_import(source, store.today(), campaign.end, progress)
    path = source if isinstance(source, Path) else source.path
    snapshot = store.import_snapshot()
    # The checks against the ledger add to the problems of reading, in the same bounded log.
    plan, _first = plan_import(
        snapshot,
        read.units,
        read.people,
        read.cases,
        read.problems,
        people_sheet=PEOPLE_SHEET in read.sheets,
        people_targets="target" in read.columns.get(PEOPLE_SHEET, set()),
    )
    # The 在贷 sheet's loans against the ledger as this import leaves it, their problems in the same log.
    loans = _plan_loans(store, read, snapshot, plan) if LOANS_SHEET in read.sheets else None
    if read.problems.count:
        raise ImportRefused(read.problems.first(), read.problems.count)
    # The 诉讼 sheet's stages, checked against the ledger's and the file's cases once those are known good.
    new_loans = {case.loan_no for case in plan.new_cases}
    stages, problems = store.plan_lawsuit_import(read.lawsuits, new_loans)
    assets, asset_problems = store.plan_asset_import(
        read.assets, new_loans, {person.employee_no for person in read.people}
    )
    if problems or asset_problems:
        raise ImportRefused(problems + asset_problems)

    # One transaction for the whole file: a stage that fails to write takes the cases with it.
    with store.message_scope(), store.atomic():
        if plan.created or plan.changes or plan.deactivated or plan.reactivated:
            store.apply_import(plan, actor=actor, source=path.name, progress=writing)
        if stages:
            store.import_lawsuits(stages, actor=actor, source=path.name)
        if assets:
            store.import_assets(assets, actor=actor, source=path.name)
        if loans is not None and (loans.new or loans.changed):
            store.import_loans(loans, actor=actor, source=path.name, progress=writing)
    return ImportReport(
        plan.created,
        len(plan.changes),
        plan.unchanged,
        plan.changes,
        examples_skipped=read.examples,
        deactivated=plan.deactivated,
        reactivated=plan.reactivated,
        stages=len(stages),
        assets=len(assets),
        loans=loans,
    )


def _plan_loans(store: Store, read: ImportInput, snapshot: LedgerSnapshot, plan: ImportPlan) -> LoanPlan:
    """The 在贷 sheet against the ledger as this import leaves it: its units, and its people in their units."""
    units = set(snapshot.units) | {unit.name for unit in read.units}
    people = {
        number: Holder(person.unit, person.role, number not in snapshot.inactive)
        for number, person in snapshot.people.items()
    }
    people.update({person.employee_no: Holder(person.unit, person.role) for person in read.people})
    for person in plan.deactivated:
        people[person.employee_no] = Holder(person.unit, person.role, active=False)
    return plan_loans(read.loans, store.loan_snapshot(), units, people, read.problems)
