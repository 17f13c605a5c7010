"""The schedule's settings, as the builders and jobs need them (built once from the bot's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from core.early_warning import LARGE_LOAN_AMOUNT

JOBS = ("reminders", "ranking", "notices", "dispatch", "warnings")


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When the jobs run and what they look at (SPEC §4, §8)."""

    language: str = "zh"
    reminder_time: time = time(8, 30)
    reminder_days: int = 7
    stale_days: int = 7
    ranking_time: time = time(18, 0)
    skip_holidays: bool = True
    # The escalation ladder: working days below the line before a unit's first notice, and between notices.
    notice_grace_days: int = 3
    notice_every_days: int = 5
    # Working days of silence before an officer with open cases is nudged (the lead hears at 5, leaders at 10).
    inactive_days: int = 3
    # Days of the month the dispatch pack goes out on.
    dispatch_days: tuple[int, ...] = (1, 16)
    # The notice's issuing body, and the task force's contact for it.
    campaign_name: str = "不良贷款清收工作专班"
    task_force_contact: str = ""
    task_force_phone: str = ""
    # Working days a lagging unit has to report back on its notice.
    notice_reply_days: int = 3
    # A new loan lent above this many yuan is large: overdue at all, it is warned of (SPEC §10).
    large_loan_amount: Decimal = LARGE_LOAN_AMOUNT
