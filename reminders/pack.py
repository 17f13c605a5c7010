"""The half-monthly dispatch pack (每半月调度会, SPEC §10): the period's figures read from the ledger, and the Word
document with its Excel annex sent to the leaders and admins on DISPATCH_DAYS (pure: store and day in,
messages out)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.campaign import format_rate
from core.compliance import CONTACT_FLAGS
from core.early_warning import LoanFigures, watch_figures
from core.inactivity import silent_working_days
from core.messages import Outgoing, Reply
from core.money import format_wan
from core.pack import (
    DispatchPack,
    PackAccountability,
    PackBreaches,
    PackComplaint,
    PackEvidence,
    PackFlagged,
    PackInactive,
    PackLoans,
    PackOfficer,
    PackUnit,
    period_start,
)
from core.ranking import rank_units
from core.texts import render
from reminders.config import ScheduleConfig
from reminders.pack_annex import pack_annex
from reminders.pack_chart import pack_chart
from reminders.pack_document import pack_document
from store.ledger import Store


def dispatch_pack(store: Store, day: date, config: ScheduleConfig) -> DispatchPack:
    """The pack of `day`: the period from the previous dispatch day to the day before `day`, and cumulative."""
    first = period_start(day, config.dispatch_days)
    last = day - timedelta(days=1)
    campaign = store.campaign
    expected = campaign.expected_progress(last)
    ranking = rank_units(store.unit_figures(last, first - timedelta(days=1)), last, expected)
    units = tuple(
        PackUnit(
            unit_id=u.unit_id,
            unit=u.unit,
            leader_name=u.leader_name,
            target=u.target,
            recovered_before=u.recovered - u.recovered_today,
            recovered=u.recovered,
            cases=u.cases,
            settled=u.settled,
            rank=u.rank,
            rank_before=u.previous_rank,
        )
        for u in ranking.units
    )
    officers = store.officer_figures(last)
    lagging = []
    for unit in units:
        behind = [o for o in officers.get(unit.unit_id, []) if o.target is not None and o.rate < expected]
        behind.sort(key=lambda o: (o.rate, o.employee_no))
        lagging.extend(
            PackOfficer(unit.unit, o.employee_no, o.name, o.target or o.start_balance, o.recovered, o.cases)
            for o in behind
        )
    start, _ = store.day_bounds(first)
    end, _ = store.day_bounds(day)
    names = store.unit_names_by_id()
    inactive = []
    for silence in store.silences():
        silent = silent_working_days(silence.since, day)
        if silent >= config.inactive_days:
            inactive.append(
                PackInactive(
                    names.get(silence.unit_id, ""), silence.employee_no, silence.name, silence.since, silent
                )
            )
    inactive.sort(key=lambda s: (-s.silent_days, s.employee_no))
    return DispatchPack(
        day=day,
        period_start=first,
        expected=expected,
        expected_before=campaign.expected_progress(first - timedelta(days=1)),
        units=units,
        lagging_officers=tuple(lagging),
        notices=tuple(store.notices_between(first, last)),
        reports=tuple(store.reports_between(start, end)),
        inactive=tuple(inactive),
        accountability=tuple(
            PackAccountability(r.at, r.unit, r.subject, r.reason, r.action, r.note, r.recorded_by)
            for r in store.accountability_between(start, end)
        ),
        lawsuits=tuple(store.pack_lawsuits(first, day)),
        assets=tuple(store.pack_assets(day)),
        statutes=tuple(store.pack_statutes(day)),
        complaints=tuple(
            PackComplaint(
                c.id,
                c.at,
                c.unit,
                c.loan_no,
                c.borrower,
                c.officer,
                c.text,
                c.by,
                c.closed_at,
                c.closed_by,
                c.close_note,
            )
            for c in store.complaints_between(start, end)
        ),
        flagged=tuple(
            PackFlagged(
                f.unit,
                f.loan_no,
                f.borrower,
                f.amount,
                f.paid_on,
                f.officer,
                f.status,
                f.flags,
                f.reported_at,
            )
            for f in store.flagged_between(start, end)
        ),
        breaches=tuple(
            PackBreaches(
                b.unit, b.officer, b.total, tuple((flag, b.counts.get(flag, 0)) for flag in CONTACT_FLAGS)
            )
            for b in store.contact_breaches(start, end)
        ),
        evidence=tuple(
            PackEvidence(e.unit, e.officer, e.visits, e.evidenced) for e in store.evidence_shares(start, end)
        ),
        loans=_unit_loans(store, last, config.large_loan_amount, names),
        issuer=config.campaign_name,
    )


def _unit_loans(
    store: Store, day: date, large_amount: Decimal, names: dict[int, str]
) -> tuple[PackLoans, ...]:
    """Each unit's new loans watched on `day` (the figures /status shows; a loan counts as joined once it
    joined by then): the most over 90 days overdue first, then the most overdue, then by name."""
    by_unit: dict[int, list[tuple[LoanFigures, bool]]] = {}
    for loan in store.watched_loans():
        joined = loan.joined_on is not None and loan.joined_on <= day
        by_unit.setdefault(loan.unit_id, []).append((loan.figures, joined))
    units = []
    for unit_id, loans in by_unit.items():
        figures = watch_figures(loans, day, large_amount)
        if figures.loans:
            units.append(PackLoans(names.get(unit_id, ""), figures))
    units.sort(key=lambda u: (-u.figures.buckets[-1], -u.figures.overdue, u.unit))
    return tuple(units)


def build_dispatch(store: Store, day: date, config: ScheduleConfig) -> list[Outgoing]:
    """The pack of `day` to every leader and admin: a short message, the Word document and the Excel annex."""
    language = config.language
    readers = [
        (person_id, name)
        for role in ("leader", "admin")
        for person_id, name, _ in store.people_with_role(role)
    ]
    pack = dispatch_pack(store, day, config)
    zone = store.campaign.zone
    chart = pack_chart(pack, language)
    period = f"{pack.period_start.isoformat()}—{pack.period_end.isoformat()}"
    summary = render(
        "dispatch.message",
        language,
        period=period,
        target=format_wan(pack.target),
        recovered=format_wan(pack.recovered),
        rate=format_rate(pack.rate),
        expected=format_rate(pack.expected),
        in_period=format_wan(pack.recovered_in_period),
        notices=len(pack.notices),
        inactive=len(pack.inactive),
    )
    stem = render(
        "dispatch.file", language, start=pack.period_start.isoformat(), end=pack.period_end.isoformat()
    )
    replies = (
        Reply(summary),
        Reply(document=pack_document(pack, language, zone, chart=chart), filename=f"{stem}.docx"),
        Reply(document=pack_annex(pack, language, zone), filename=f"{stem}.xlsx"),
    )
    return [
        Outgoing(f"dispatch:person:{person_id}", replies, person_id=person_id, label=name)
        for person_id, name in readers
    ]
