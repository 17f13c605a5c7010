"""Honest figures and lawful collection (弄虚作假, 非法暴力催收; SPEC §10): the flags a repayment or a contact is
recorded with. A flag never blocks an entry: the unit lead decides, and the flag stays on it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from core.texts import render

# A repayment dated more than this many days before it was reported.
BACKDATED_AFTER_DAYS = 3
# The same case and amount reported again with a payment day this close to an earlier one's.
DUPLICATE_WITHIN_DAYS = 7
# Cash above this, reported without a photo of the receipt.
CASH_PHOTO_ABOVE = Decimal("50000")
# Contacts are made between these times of day (the campaign's zone), and at most this many a day with one
# borrower.
CONTACT_FROM = time(8, 0)
CONTACT_UNTIL = time(22, 0)
CONTACTS_PER_DAY = 3

# Every flag, in the order they are shown.
REPAYMENT_FLAGS = ("backdated", "duplicate", "cash_without_photo")
CONTACT_FLAGS = ("outside_hours", "too_many")


def repayment_flags(
    amount: Decimal,
    paid_on: date,
    reported_on: date,
    method: str,
    has_photo: bool,
    same_amount_paid_on: Iterable[date] = (),
) -> tuple[str, ...]:
    """The flags of a repayment reported on `reported_on`: dated more than BACKDATED_AFTER_DAYS before it, the
    same amount on the same case paid within DUPLICATE_WITHIN_DAYS of another report still standing
    (`same_amount_paid_on`: their payment days), or cash above CASH_PHOTO_ABOVE without a photo."""
    flags = []
    if (reported_on - paid_on).days > BACKDATED_AFTER_DAYS:
        flags.append("backdated")
    if any(abs((paid_on - other).days) <= DUPLICATE_WITHIN_DAYS for other in same_amount_paid_on):
        flags.append("duplicate")
    if method == "cash" and amount > CASH_PHOTO_ABOVE and not has_photo:
        flags.append("cash_without_photo")
    return tuple(flags)


def contact_flags(at: datetime, earlier_today: int) -> tuple[str, ...]:
    """The compliance breaches of a contact made at `at` (local time) with a borrower already contacted
    `earlier_today` times that day: outside CONTACT_FROM–CONTACT_UNTIL, or beyond CONTACTS_PER_DAY."""
    flags = []
    moment = at.timetz().replace(tzinfo=None)
    if moment < CONTACT_FROM or moment > CONTACT_UNTIL:
        flags.append("outside_hours")
    if earlier_today >= CONTACTS_PER_DAY:
        flags.append("too_many")
    return tuple(flags)


def evidence_share(evidenced: int, visits: int) -> Decimal:
    """The share of visits that carry a photo or a shared location (走访留痕率); none when there were no visits."""
    return Decimal(evidenced) / visits if visits else Decimal(0)


def flag_words(flags: tuple[str, ...], language: str) -> str:
    """An entry's flags in words, in the order they were given."""
    return render("flag.separator", language).join(render(f"flag.{name}", language) for name in flags)


def flag_names(stored: str | None) -> tuple[str, ...]:
    """The flags an entry was recorded with, from their stored form (names joined by commas)."""
    return tuple(name for name in (stored or "").split(",") if name)
