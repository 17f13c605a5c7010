"""What starts a case's statute of limitations again (Civil Code art. 195): a confirmed repayment, a signed
acknowledgment, a lawsuit filed. Read for the card, the morning's legal matters and the day's priorities."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from core.litigation import FILED, StatuteStart, statute
from store.models import Contact, LawsuitStage, Repayment
from store.sql import unreversed


def _latest(model: Any, day: Any, *where: Any) -> tuple[Any, Any]:
    """The latest `day` of the kind of entry, per case: for every case, and for the one case bound as `case`."""
    every = select(model.case_id, func.max(day)).where(*where, unreversed(model)).group_by(model.case_id)
    return every, every.where(model.case_id == bindparam("case"))


# Built once: the card reads them on every /case.
_REPAID = _latest(Repayment, Repayment.paid_on, Repayment.status == "confirmed")
_ACKNOWLEDGED = _latest(Contact, Contact.at, Contact.outcome == "acknowledged")
_FILED = _latest(LawsuitStage, LawsuitStage.reached_on, LawsuitStage.stage == FILED)


def statute_starts(
    session: Session, zone: ZoneInfo, case_id: int | None = None
) -> dict[int, list[StatuteStart]]:
    """Per case (every case, or the one given), the latest confirmed repayment, signed acknowledgment and
    filing (undone ones left out)."""
    which = 0 if case_id is None else 1
    params = {} if case_id is None else {"case": case_id}
    starts: dict[int, list[StatuteStart]] = defaultdict(list)
    for found_case, paid_on in session.execute(_REPAID[which], params):
        starts[found_case].append(StatuteStart(paid_on, "repayment"))
    for found_case, at in session.execute(_ACKNOWLEDGED[which], params):
        starts[found_case].append(StatuteStart(at.astimezone(zone).date(), "acknowledged"))
    for found_case, filed in session.execute(_FILED[which], params):
        starts[found_case].append(StatuteStart(filed, "filed"))
    return starts


def expiry(imported: date | None, starts: list[StatuteStart]) -> date | None:
    """When the statute runs out, from the imported expiry and what started it again."""
    found = statute(imported, starts)
    return None if found is None else found.expires_on
