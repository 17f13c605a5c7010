"""The priority score of SPEC §5 (先重后缓、先易后难) and its explanation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import format_yuan
from core.texts import render

AMOUNT_POINTS = 40
DIFFICULTY_POINTS = {"易": 20, "中": 10, "难": 0}
DEADLINE_POINTS = 25
STATUTE_POINTS = 15

# Amounts score on a log scale between these: a 1,000-yuan loan scores nothing, 10 million scores in full.
AMOUNT_FLOOR = 1_000
AMOUNT_CEILING = 10_000_000
# A deadline a year away scores nothing, one due today or past scores in full; two years for the statute.
DEADLINE_HORIZON_DAYS = 365
STATUTE_HORIZON_DAYS = 730
# Urgency comes before the points: a statute of limitations running out within this many days (the claim is
# lost the day after) or already run out (a legal review is needed at once: what can still be saved, a
# payment or acknowledgment the borrower makes now, is saved now), then a case past its recovery deadline,
# rank above every case without such urgency.
STATUTE_URGENT_DAYS = 30
URGENCY_STEP = 100


@dataclass(frozen=True, slots=True)
class Priority:
    """A score: the urgency step (statute running out, deadline passed) plus 0 to 100 points of four parts."""

    score: int
    amount_points: int
    difficulty_points: int
    deadline_points: int
    statute_points: int
    outstanding: Decimal
    difficulty: str
    deadline_days: int
    statute_days: int | None

    @property
    def statute_urgent(self) -> bool:
        """The statute of limitations runs out within STATUTE_URGENT_DAYS, or has run out."""
        return self.statute_days is not None and self.statute_days <= STATUTE_URGENT_DAYS

    @property
    def statute_passed(self) -> bool:
        """The statute of limitations has run out."""
        return self.statute_days is not None and self.statute_days < 0

    @property
    def overdue(self) -> bool:
        """The recovery deadline has passed."""
        return self.deadline_days < 0


def _closeness(days: int, horizon: int, points: int) -> int:
    # Due today (or past) scores in full, any later day at least one point less: nothing not yet due ties
    # with what is due.
    if days <= 0:
        return points
    if days >= horizon:
        return 0
    return min(points - 1, round(points * (1 - days / horizon)))


def priority(
    outstanding: Decimal, difficulty: str, deadline: date, statute_date: date | None, today: date
) -> Priority:
    """Score a case: a statute running out, then a passed deadline, come first; within those, larger amounts,
    easier cases, sooner deadlines and statute dates."""
    if outstanding <= AMOUNT_FLOOR:
        amount_points = 0
    else:
        share = math.log10(float(outstanding) / AMOUNT_FLOOR) / math.log10(AMOUNT_CEILING / AMOUNT_FLOOR)
        amount_points = round(AMOUNT_POINTS * min(1.0, share))
    difficulty_points = DIFFICULTY_POINTS.get(difficulty, DIFFICULTY_POINTS["中"])
    deadline_days = (deadline - today).days
    deadline_points = _closeness(deadline_days, DEADLINE_HORIZON_DAYS, DEADLINE_POINTS)
    statute_days = None if statute_date is None else (statute_date - today).days
    # A statute run out scores in full, as one running out today: it is urgent, not hopeless.
    statute_points = (
        0 if statute_days is None else _closeness(statute_days, STATUTE_HORIZON_DAYS, STATUTE_POINTS)
    )
    urgency = 0
    if outstanding <= 0:
        amount_points = difficulty_points = deadline_points = statute_points = 0
    elif statute_days is not None and statute_days <= STATUTE_URGENT_DAYS:
        urgency = URGENCY_STEP * 2
    elif deadline_days < 0:
        urgency = URGENCY_STEP
    return Priority(
        score=urgency + amount_points + difficulty_points + deadline_points + statute_points,
        amount_points=amount_points,
        difficulty_points=difficulty_points,
        deadline_points=deadline_points,
        statute_points=statute_points,
        outstanding=outstanding,
        difficulty=difficulty,
        deadline_days=deadline_days,
        statute_days=statute_days,
    )


def explain(p: Priority, language: str = "zh") -> str:
    """Why a case ranks where it does, in one line."""
    parts = [
        render("priority.amount", language, amount=format_yuan(p.outstanding), points=p.amount_points),
        render("priority.difficulty", language, difficulty=p.difficulty, points=p.difficulty_points),
    ]
    if p.deadline_days < 0:
        parts.append(
            render("priority.deadline_overdue", language, days=-p.deadline_days, points=p.deadline_points)
        )
    else:
        parts.append(render("priority.deadline", language, days=p.deadline_days, points=p.deadline_points))
    if p.statute_days is None:
        parts.append(render("priority.statute_none", language))
    elif p.statute_days < 0:
        parts.append(
            render("priority.statute_passed", language, days=-p.statute_days, points=p.statute_points)
        )
    else:
        parts.append(render("priority.statute", language, days=p.statute_days, points=p.statute_points))
    separator = "；" if language == "zh" else "; "
    if p.outstanding > 0 and p.statute_urgent:
        key = "priority.urgent_statute_passed" if p.statute_passed else "priority.urgent_statute"
        parts.insert(0, render(key, language, points=URGENCY_STEP * 2))
    elif p.outstanding > 0 and p.overdue:
        parts.insert(0, render("priority.urgent_overdue", language, points=URGENCY_STEP))
    return render("priority.summary", language, score=p.score) + separator.join(parts)
