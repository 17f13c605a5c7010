"""New loans (SPEC §10, 三): what a loan's figures say on a day, and the early warnings they call for — each once
per loan and reason — to its responsible person and the unit's lead; and when it joins the campaign as a case.

Days overdue come from the monthly import (`逾期天数`, as of the day it was imported) and run on by the calendar
until the next import; a loan past its maturity with a balance left is overdue from the day after it matured,
whatever the import said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.vocabulary import CLASSIFICATIONS

# Days overdue that each raise a warning of their own (newly overdue is the first day).
OVERDUE_STEPS = (30, 60, 90)
# A loan overdue beyond this many days joins the campaign as a case.
JOINS_AFTER_DAYS = 90
# The least a loan overdue beyond each number of days may be classified (五级分类 by days overdue).
LEAST_CLASSIFICATION = ((360, "损失"), (270, "可疑"), (90, "次级"))
LARGE_LOAN_AMOUNT = Decimal("5000000")

# Every reason, in the order a loan's warnings are listed.
REASONS = (
    "maturity",
    "overdue",
    "overdue_30",
    "overdue_60",
    "overdue_90",
    "class_90",
    "class_270",
    "class_360",
    "large_overdue",
)


@dataclass(frozen=True, slots=True)
class LoanFigures:
    """A new loan as the last import gave it."""

    loan_no: str
    amount: Decimal  # 贷款金额: what was lent
    balance: Decimal  # 贷款余额: what is still owed
    disbursed_on: date
    matures_on: date
    days_overdue: int  # as of `as_of`
    classification: str
    as_of: date  # the day of the import that gave these figures


def days_overdue(loan: LoanFigures, day: date) -> int:
    """How many days the loan is overdue on `day`: the imported figure run on since, or the days since it
    matured with a balance left, whichever is more; 0 once nothing is owed."""
    if loan.balance <= 0:
        return 0
    imported = loan.days_overdue + (day - loan.as_of).days if loan.days_overdue > 0 else 0
    matured = (day - loan.matures_on).days if day > loan.matures_on else 0
    return max(imported, matured, 0)


def least_classification(overdue: int) -> tuple[int, str] | None:
    """The rule a loan overdue `overdue` days falls under: (days, the least classification), or None."""
    for days, least in LEAST_CLASSIFICATION:
        if overdue > days:
            return days, least
    return None


def misclassified(classification: str, overdue: int) -> tuple[int, str] | None:
    """The strictest rule a loan's classification breaks (classified better than its days overdue allow), or
    None."""
    rule = least_classification(overdue)
    return rule if rule is not None and _better(classification, rule[1]) else None


def _better(classification: str, least: str) -> bool:
    """Whether `classification` is better (less bad) than `least`; an unknown one is not judged."""
    if classification not in CLASSIFICATIONS:
        return False
    return CLASSIFICATIONS.index(classification) < CLASSIFICATIONS.index(least)


def warnings_due(
    loan: LoanFigures, day: date, reminder_days: int, large_amount: Decimal = LARGE_LOAN_AMOUNT
) -> tuple[str, ...]:
    """Every reason the loan calls for a warning on `day` (whether or not it was warned of before: the store
    keeps each once), in REASONS order."""
    if loan.balance <= 0:
        return ()
    overdue = days_overdue(loan, day)
    found: list[str] = []
    if overdue == 0 and 0 <= (loan.matures_on - day).days <= reminder_days:
        found.append("maturity")
    if overdue > 0:
        found.append("overdue")
        found.extend(f"overdue_{step}" for step in OVERDUE_STEPS if overdue >= step)
    # Each rule it breaks, once: a loan left 关注 past 270 days breaks the 90 days' rule and the 270 days'.
    found.extend(
        f"class_{days}"
        for days, least in LEAST_CLASSIFICATION
        if _better(loan.classification, least) and overdue > days
    )
    if overdue > 0 and loan.amount > large_amount:
        found.append("large_overdue")
    return tuple(reason for reason in REASONS if reason in found)


def joins_campaign(loan: LoanFigures, day: date) -> bool:
    """Whether the loan is overdue beyond JOINS_AFTER_DAYS on `day` (it then becomes a case, once)."""
    return days_overdue(loan, day) > JOINS_AFTER_DAYS


# Days overdue counted together on a progress card and in the pack: 1–30, 31–60, 61–90, over 90.
OVERDUE_BUCKETS = ((1, 30), (31, 60), (61, 90), (91, None))


@dataclass(frozen=True, slots=True)
class WatchFigures:
    """The new loans of a unit or of the campaign on a day: how many are watched (a balance left), how many
    are overdue in each bucket, classified better than their days overdue allow, large and overdue, and how
    many joined the campaign as cases."""

    loans: int = 0
    balance: Decimal = Decimal(0)
    buckets: tuple[int, ...] = (0,) * len(OVERDUE_BUCKETS)
    overdue_balance: Decimal = Decimal(0)
    mismatched: int = 0
    large_overdue: int = 0
    joined: int = 0

    @property
    def overdue(self) -> int:
        return sum(self.buckets)


def bucket_of(overdue: int) -> int | None:
    """The index of the OVERDUE_BUCKETS bucket `overdue` days fall in; None when not overdue."""
    for index, (low, high) in enumerate(OVERDUE_BUCKETS):
        if overdue >= low and (high is None or overdue <= high):
            return index
    return None


def watch_figures(
    loans: Iterable[tuple[LoanFigures, bool]], day: date, large_amount: Decimal = LARGE_LOAN_AMOUNT
) -> WatchFigures:
    """The figures of these loans on `day`, each given with whether it joined the campaign; a loan with no
    balance left is not watched."""
    count, balance, overdue_balance = 0, Decimal(0), Decimal(0)
    buckets = [0] * len(OVERDUE_BUCKETS)
    mismatched = large = joined = 0
    for loan, has_joined in loans:
        if loan.balance <= 0:
            continue
        count += 1
        balance += loan.balance
        joined += has_joined
        overdue = days_overdue(loan, day)
        bucket = bucket_of(overdue)
        if bucket is None:
            continue
        buckets[bucket] += 1
        overdue_balance += loan.balance
        mismatched += misclassified(loan.classification, overdue) is not None
        large += loan.amount > large_amount
    return WatchFigures(count, balance, tuple(buckets), overdue_balance, mismatched, large, joined)


def combined(figures: Iterable[WatchFigures]) -> WatchFigures:
    """The figures of several units' loans together."""
    items = list(figures)
    return WatchFigures(
        loans=sum(f.loans for f in items),
        balance=sum((f.balance for f in items), Decimal(0)),
        buckets=tuple(sum(f.buckets[i] for f in items) for i in range(len(OVERDUE_BUCKETS))),
        overdue_balance=sum((f.overdue_balance for f in items), Decimal(0)),
        mismatched=sum(f.mismatched for f in items),
        large_overdue=sum(f.large_overdue for f in items),
        joined=sum(f.joined for f in items),
    )
