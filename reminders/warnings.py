"""Early warnings on the new loans (SPEC §10, 三): each morning the loans' figures are read against the rules,
each warning is given once per loan and reason — to the responsible person in their to-do and to the unit lead
in the digest — and a loan over 90 days overdue joins the campaign as a case, said to both the same way.

`qingshou jobs run warnings` sends the same warnings on their own (after a monthly import, say): to each person
and each unit lead the day's warnings, as a message of their own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from core.early_warning import (
    JOINS_AFTER_DAYS,
    LEAST_CLASSIFICATION,
    OVERDUE_STEPS,
    REASONS,
    days_overdue,
    joins_campaign,
    warnings_due,
)
from core.messages import Outgoing, Reply
from core.money import format_yuan
from core.texts import render
from reminders.config import ScheduleConfig
from store.ledger import Store
from store.loan_watch import WatchedLoan

# A to-do or a digest lists this many loans warned of, the most pressing first; the rest are counted.
WARNINGS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Warned:
    """A loan warned of today: its reasons (REASONS order) and whether it joined the campaign today."""

    loan: WatchedLoan
    reasons: tuple[str, ...]
    joined: bool
    deadline: date  # the case's deadline when it joined: the campaign's end


@dataclass(slots=True)
class WarningNews:
    """The day's warnings: for each responsible person and each unit, the loans warned of."""

    personal: dict[int, list[Warned]] = field(default_factory=dict)
    units: dict[int, list[Warned]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def warning_news(store: Store, day: date, config: ScheduleConfig) -> WarningNews:
    """Read every loan against the rules on `day`, record the warnings never given before and join the loans
    over 90 days overdue to the campaign; what to tell (a run again on the same day tells the same)."""
    loans = store.watched_loans()
    due = [
        (loan.id, reason)
        for loan in loans
        for reason in warnings_due(loan.figures, day, config.reminder_days, config.large_loan_amount)
    ]
    given = store.record_loan_warnings(day, due)
    joining = [loan for loan in loans if loan.case_id is None and joins_campaign(loan.figures, day)]
    joined = store.join_campaign(day, joining)
    reasons: dict[int, set[str]] = defaultdict(set)
    for loan_id, reason in given:
        reasons[loan_id].add(reason)
    news = WarningNews()
    personal: dict[int, list[Warned]] = defaultdict(list)
    units: dict[int, list[Warned]] = defaultdict(list)
    for loan in loans:
        if loan.id not in reasons and loan.id not in joined:
            continue
        given_reasons = tuple(r for r in REASONS if r in reasons.get(loan.id, ()))
        warned = Warned(loan, given_reasons, loan.id in joined, store.campaign.end)
        personal[loan.officer_id].append(warned)
        units[loan.unit_id].append(warned)
        news.names[loan.officer_id] = loan.officer
    news.personal = {person: _pressing_first(items, day) for person, items in personal.items()}
    news.units = {unit: _pressing_first(items, day) for unit, items in units.items()}
    return news


def _pressing_first(items: list[Warned], day: date) -> list[Warned]:
    """Loans that joined the campaign, then the most days overdue, then the soonest to mature."""
    return sorted(
        items,
        key=lambda w: (
            not w.joined,
            -days_overdue(w.loan.figures, day),
            w.loan.figures.matures_on,
            w.loan.loan_no,
        ),
    )


def personal_block(items: list[Warned], day: date, config: ScheduleConfig) -> str:
    """A responsible person's warnings, as a block of their to-do."""
    return _block("warning.title", items, day, config, digest=False)


def digest_block(items: list[Warned], day: date, config: ScheduleConfig) -> str:
    """A unit's warnings, as a block of its lead's digest (each with its responsible person)."""
    return _block("warning.digest_title", items, day, config, digest=True)


def build_warnings(store: Store, day: date, config: ScheduleConfig) -> list[Outgoing]:
    """`jobs run warnings`: the day's warnings on their own, to each responsible person and each unit lead."""
    language = config.language
    news = warning_news(store, day, config)
    messages = []
    for person_id, items in sorted(news.personal.items()):
        name = news.names[person_id]
        title = render("warning.message_title", language, day=day.isoformat(), name=name)
        text = "\n".join([title, personal_block(items, day, config)])
        messages.append(
            Outgoing(f"warnings:person:{person_id}", (Reply(text),), person_id=person_id, label=name)
        )
    if news.units:
        unit_names = store.unit_names_by_id()
        for lead_id, lead_name, unit_id in store.people_with_role("unit_lead"):
            if unit_id is None or unit_id not in news.units:
                continue
            unit = unit_names.get(unit_id, "")
            title = render("warning.digest_message_title", language, day=day.isoformat(), unit=unit)
            text = "\n".join([title, digest_block(news.units[unit_id], day, config)])
            messages.append(
                Outgoing(
                    f"warnings:lead:{lead_id}",
                    (Reply(text),),
                    person_id=lead_id,
                    label=f"{lead_name}（{unit}）",
                )
            )
    return messages


def _block(title: str, items: list[Warned], day: date, config: ScheduleConfig, digest: bool) -> str:
    language = config.language
    lines = [render(title, language, count=len(items))]
    for warned in items[:WARNINGS_SHOWN]:
        loan = warned.loan
        lines.append(
            render(
                "warning.digest_line" if digest else "warning.line",
                language,
                loan_no=loan.loan_no,
                borrower=loan.borrower,
                officer=loan.officer,
                balance=format_yuan(loan.figures.balance),
                reasons=render("warning.separator", language).join(_phrases(warned, day, config)),
            )
        )
    if len(items) > WARNINGS_SHOWN:
        lines.append(render("warning.more", language, count=len(items) - WARNINGS_SHOWN))
    return "\n".join(lines)


def _phrases(warned: Warned, day: date, config: ScheduleConfig) -> list[str]:
    """Why a loan is warned of, in words: joined, overdue (the furthest step reached today), the
    classification rule it breaks (the strictest), large and overdue, near maturity."""
    language = config.language
    figures = warned.loan.figures
    reasons = set(warned.reasons)
    overdue = days_overdue(figures, day)
    phrases = []
    if warned.joined:
        deadline = warned.deadline.isoformat()
        phrases.append(
            render("warning.joined", language, days=overdue, after=JOINS_AFTER_DAYS, deadline=deadline)
        )
    elif steps := [step for step in OVERDUE_STEPS if f"overdue_{step}" in reasons]:
        phrases.append(render("warning.overdue_step", language, step=max(steps), days=overdue))
    elif "overdue" in reasons:
        phrases.append(render("warning.overdue", language, days=overdue))
    broken = [(days, least) for days, least in LEAST_CLASSIFICATION if f"class_{days}" in reasons]
    if broken:
        days, least = broken[0]  # the strictest: LEAST_CLASSIFICATION runs from the longest
        phrases.append(
            render(
                "warning.classification",
                language,
                classification=figures.classification,
                days=days,
                least=least,
                overdue=overdue,
            )
        )
    if "large_overdue" in reasons:
        phrases.append(
            render(
                "warning.large_overdue",
                language,
                amount=format_yuan(figures.amount),
                large=format_yuan(config.large_loan_amount),
            )
        )
    if "maturity" in reasons:
        left = (figures.matures_on - day).days
        if left == 0:
            phrases.append(render("warning.matures_today", language))
        else:
            phrases.append(
                render("warning.maturity", language, day=figures.matures_on.isoformat(), days=left)
            )
    return phrases
