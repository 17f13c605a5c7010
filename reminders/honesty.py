"""What each unit lead's morning digest says of honest figures and lawful collection (SPEC §10): flagged
repayments awaiting them, contacts that broke the rules, the officers' share of visits with evidence, and the
complaints still open."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from core.campaign import format_rate
from core.compliance import evidence_share, flag_words
from core.money import format_yuan
from core.texts import render
from core.workdays import previous_workday
from reminders.config import ScheduleConfig
from store.compliance import Breaches, FlaggedRepayment
from store.ledger import Store

# A digest lists this many flagged repayments; the rest are counted.
DIGEST_FLAGGED = 10
# The share of visits with evidence is reckoned over this many days.
EVIDENCE_DAYS = 30


def honesty_lines(store: Store, day: date, config: ScheduleConfig) -> dict[int, list[str]]:
    """Per unit, the digest's lines: flagged repayments awaiting a decision, breaches of the contact rules
    since the last working day, each officer's evidenced visits over EVIDENCE_DAYS, open complaints."""
    language = config.language
    lines: dict[int, list[str]] = defaultdict(list)
    flagged: dict[int, list[FlaggedRepayment]] = defaultdict(list)
    for item in store.flagged_pending():
        flagged[item.unit_id].append(item)
    for unit_id, items in flagged.items():
        lines[unit_id].extend(_flagged_lines(items, language))
    since = previous_workday(day, config.skip_holidays)
    start, _ = store.day_bounds(since)
    end, _ = store.day_bounds(day)
    breaches: dict[int, list[Breaches]] = defaultdict(list)
    for found in store.contact_breaches(start, end):
        breaches[found.unit_id].append(found)
    for unit_id, officers in breaches.items():
        lines[unit_id].extend(_breach_lines(officers, since, language))
    window, _ = store.day_bounds(day - timedelta(days=EVIDENCE_DAYS))
    shares: dict[int, list[str]] = defaultdict(list)
    # The officers who leave the least evidence first.
    for share in sorted(
        store.evidence_shares(window, end), key=lambda s: (evidence_share(s.evidenced, s.visits), s.officer)
    ):
        rate = format_rate(evidence_share(share.evidenced, share.visits))
        shares[share.unit_id].append(
            render(
                "digest.evidence_share",
                language,
                name=share.officer,
                evidenced=share.evidenced,
                visits=share.visits,
                rate=rate,
            )
        )
    separator = render("list.separator", language)
    for unit_id, listed in shares.items():
        lines[unit_id].append(
            render("digest.evidence", language, days=EVIDENCE_DAYS, shares=separator.join(listed))
        )
    for unit_id, count in store.open_complaints_by_unit().items():
        lines[unit_id].append(render("digest.complaints", language, count=count))
    return lines


def _flagged_lines(items: list[FlaggedRepayment], language: str) -> list[str]:
    lines = [render("digest.flagged_title", language, count=len(items))]
    lines.extend(
        render(
            "digest.flagged_line",
            language,
            loan_no=item.loan_no,
            borrower=item.borrower,
            amount=format_yuan(item.amount),
            officer=item.officer,
            reasons=flag_words(item.flags, language),
        )
        for item in items[:DIGEST_FLAGGED]
    )
    if len(items) > DIGEST_FLAGGED:
        lines.append(render("digest.flagged_more", language, count=len(items) - DIGEST_FLAGGED))
    return lines


def _breach_lines(officers: list[Breaches], since: date, language: str) -> list[str]:
    total = sum(b.total for b in officers)
    lines = [render("digest.breaches_title", language, since=since.isoformat(), count=total)]
    separator = render("list.separator", language)
    for officer in officers:
        parts = separator.join(
            render("digest.breach_part", language, reason=render(f"flag.{name}", language), count=count)
            for name, count in officer.counts.items()
        )
        lines.append(render("digest.breach_line", language, officer=officer.officer, parts=parts))
    return lines
