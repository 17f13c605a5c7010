"""The import as a whole (SPEC §7): read, check against the ledger, and write all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.import_plan import plan_import, problem_order
from core.records import Change, Problem
from spreadsheets.reader import Progress, read_import
from store.ledger import Store


class ImportRefused(Exception):
    """The file has bad rows; nothing was written. Every problem is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    examples_skipped: int = 0  # rows equal to the template's example, left in by the clerk and not imported


def import_file(
    store: Store,
    path: Path,
    actor: str = "cli",
    progress: Progress | None = None,
    writing: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a workbook or CSV into the ledger; raise ImportRefused (writing nothing) on any bad row."""
    campaign = store.campaign
    read = read_import(path, store.today(), campaign.end, progress)
    snapshot = store.import_snapshot()
    plan, problems = plan_import(snapshot, read.units, read.people, read.cases)
    problems = sorted(read.problems + problems, key=problem_order)
    if problems:
        raise ImportRefused(problems)
    if plan.created or plan.changes:
        store.apply_import(plan, actor=actor, source=path.name, progress=writing)
    return ImportReport(
        plan.created, len(plan.changes), plan.unchanged, plan.changes, examples_skipped=read.examples
    )
