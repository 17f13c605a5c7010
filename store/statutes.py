"""What starts a case's statute of limitations again (Civil Code art. 195): a confirmed repayment, a signed
acknowledgment, a lawsuit filed. Read for the card, the morning's legal matters and the day's priorities."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from core.litigation import FILED, StatuteStart, statute
from store.models import Contact, LawsuitStage, Repayment
from store.sql import unreversed


def statute_starts(
    session: Session, zone: ZoneInfo, case_id: int | None = None
) -> dict[int, list[StatuteStart]]:
    """Per case (every case, or the one given), the latest confirmed repayment, signed acknowledgment and
    filing (undone ones left out)."""

    def of(model: Any) -> Any:
        return true() if case_id is None else model.case_id == case_id

    starts: dict[int, list[StatuteStart]] = defaultdict(list)
    for found_case, paid_on in session.execute(
        select(Repayment.case_id, func.max(Repayment.paid_on))
        .where(of(Repayment), Repayment.status == "confirmed", unreversed(Repayment))
        .group_by(Repayment.case_id)
    ):
        starts[found_case].append(StatuteStart(paid_on, "repayment"))
    for found_case, at in session.execute(
        select(Contact.case_id, func.max(Contact.at))
        .where(of(Contact), Contact.outcome == "acknowledged", unreversed(Contact))
        .group_by(Contact.case_id)
    ):
        starts[found_case].append(StatuteStart(at.astimezone(zone).date(), "acknowledged"))
    for found_case, filed in session.execute(
        select(LawsuitStage.case_id, func.max(LawsuitStage.reached_on))
        .where(of(LawsuitStage), LawsuitStage.stage == FILED, unreversed(LawsuitStage))
        .group_by(LawsuitStage.case_id)
    ):
        starts[found_case].append(StatuteStart(filed, "filed"))
    return starts


def expiry(imported: date | None, starts: list[StatuteStart]) -> date | None:
    """When the statute runs out, from the imported expiry and what started it again."""
    found = statute(imported, starts)
    return None if found is None else found.expires_on
