"""The schedule's settings, as the builders and jobs need them (built once from the bot's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

JOBS = ("reminders", "ranking", "notices")


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When the jobs run and what they look at (SPEC §4, §8)."""

    language: str = "zh"
    reminder_time: time = time(8, 30)
    reminder_days: int = 7
    stale_days: int = 7
    ranking_time: time = time(18, 0)
    notice_bottom_n: int = 3
    skip_holidays: bool = True
    # Working days a lagging unit has to report back on its notice.
    notice_reply_days: int = 3
