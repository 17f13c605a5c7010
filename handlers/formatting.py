"""How cases, events and people are shown in replies (masked where SPEC §2 says so)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.compliance import flag_words
from core.litigation import StageEntry, Statute, days_per_stage, legal_deadlines
from core.masking import mask_id_number, mask_phone
from core.messages import Button
from core.money import format_yuan
from core.priority import explain, priority
from core.texts import render
from core.views import CaseEvent, CaseView, RecordedStage


def case_line(case: CaseView, language: str) -> str:
    """One line of a case list."""
    return render(
        "case.line",
        language,
        loan_no=case.loan_no,
        borrower=case.borrower,
        owed=format_yuan(case.outstanding),
        deadline=case.deadline.strftime("%m-%d"),
        score=case.priority,
    )


def case_buttons(cases: list[CaseView], prefix: str = "case") -> tuple[tuple[Button, ...], ...]:
    """A button per case, two to a row."""
    buttons = [Button(f"{c.loan_no} {c.borrower}", f"{prefix}:{c.loan_no}") for c in cases]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def case_card(
    case: CaseView,
    events: list[CaseEvent],
    today: date,
    zone: ZoneInfo,
    language: str,
    stages: Sequence[RecordedStage] = (),
    statute: Statute | None = None,
    assets: Sequence[str] = (),
    complaints: Sequence[str] = (),
    handovers: Sequence[str] = (),
) -> str:
    """The case card: who owes what, by when, the plan, the statute of limitations and what it rests on, the
    lawsuit's stages with the days each took, the assets taken for it (their lines as given), why it ranks
    where it does, and the last events."""
    lines = [
        render("case.title", language, loan_no=case.loan_no, borrower=case.borrower),
        render(
            "case.owner",
            language,
            unit=case.unit,
            officer=case.officer_name,
            status=render(f"status.{case.status}", language),
        ),
        render(
            "case.contact",
            language,
            id_number=mask_id_number(case.id_number) or "—",
            phone=mask_phone(case.phone) or "—",
        ),
        render(
            "case.balance",
            language,
            owed=format_yuan(case.outstanding),
            principal=format_yuan(case.principal_remaining),
            interest=format_yuan(case.interest_remaining),
            recovered=format_yuan(case.recovered),
        ),
        render(
            "case.terms",
            language,
            classification=case.classification,
            difficulty=case.difficulty,
            deadline=case.deadline.isoformat(),
            statute=statute.expires_on.isoformat() if statute else "—",
        ),
    ]
    if case.plan:
        lines.append(render("case.plan", language, plan=case.plan))
    if statute is not None and case.status != "settled":
        lines.append(statute_line(statute, today, language))
    if stages:
        lines.append(render("case.lawsuit", language))
        lasted = days_per_stage([stage.reached_on for stage in stages], today)
        lines.extend(
            "· " + stage_line(stage, days, language) for stage, days in zip(stages, lasted, strict=True)
        )
        if case.status != "settled":
            lines.extend(deadline_lines(stages, today, language))
    if assets:
        lines.append(render("case.assets", language))
        lines.extend(assets)
    if complaints:
        lines.append(render("case.complaints", language))
        lines.extend(complaints)
    if handovers:
        lines.append(render("case.handovers", language))
        lines.extend(handovers)
    if case.status != "settled":
        expires = statute.expires_on if statute is not None else case.statute_date
        score = priority(case.outstanding, case.difficulty, case.deadline, expires, today)
        lines.append(explain(score, language))
    lines.append(render("case.events", language) if events else render("case.no_events", language))
    lines.extend("· " + event_line(e, zone, language) for e in events)
    return "\n".join(lines)


def statute_line(statute: Statute, today: date, language: str) -> str:
    """Where the statute of limitations stands: run out (a legal review is needed), or the days left, and
    what it rests on (`2026-03-02 借款人签字确认 → 2029-03-02`)."""
    if statute.expired(today):
        state = render("statute.expired", language, day=statute.expires_on.isoformat())
    else:
        state = render("statute.left", language, days=statute.days_left(today))
    if statute.start is None:
        return state + render("statute.imported", language)
    basis = render(
        "statute.basis",
        language,
        start=statute.start.day.isoformat(),
        reason=render(f"statute.reason.{statute.start.reason}", language),
        day=statute.expires_on.isoformat(),
    )
    return render("statute.with_basis", language, state=state, basis=basis)


def stage_line(stage: RecordedStage, days: int, language: str) -> str:
    """One lawsuit stage on the card: its name, date, days it lasted, court and case number."""
    line = render(
        "case.stage",
        language,
        stage=render(f"stage.{stage.stage}", language),
        day=stage.reached_on,
        days=days,
    )
    amounts = [
        render(key, language, amount=format_yuan(amount))
        for key, amount in (("case.stage_claimed", stage.claimed), ("case.stage_costs", stage.costs))
        if amount is not None
    ]
    extra = " ".join(part for part in (stage.court, stage.case_number, *amounts) if part)
    return f"{line} {extra}" if extra else line


def deadline_lines(stages: Sequence[RecordedStage], today: date, language: str) -> list[str]:
    """The deadlines the lawsuit sets that are still open (enforcement to apply for, seizures to renew), each
    with the days left or, once missed, the days since."""
    entries = [StageEntry(stage.stage, stage.reached_on, stage.note) for stage in stages]
    lines = []
    for deadline in legal_deadlines(entries):
        left = (deadline.due_on - today).days
        missed = ".missed" if left < 0 else ""
        detail = render(f"seizure.{deadline.detail}", language) if deadline.detail else ""
        lines.append(
            render(
                f"case.{deadline.kind}{missed}",
                language,
                day=deadline.due_on.isoformat(),
                days=abs(left),
                detail=detail,
            )
        )
    return lines


def local_time(at: datetime, zone: ZoneInfo) -> str:
    """An instant as the campaign's local month, day and time."""
    return at.astimezone(zone).strftime("%m-%d %H:%M")


# A note is shown on the card up to this many characters (a free-text report is its whole message).
NOTE_SHOWN = 60


def event_line(event: CaseEvent, zone: ZoneInfo, language: str) -> str:
    """One event of a case's history, with its note and whether it was undone."""
    when = local_time(event.at, zone)
    undone = render("event.reversed", language) if event.undone else ""
    if event.kind == "contact":
        text = render(
            "event.contact_undo" if event.reversed else "event.contact",
            language,
            when=when,
            person=event.person,
            channel=render(f"channel.{event.channel}", language),
            outcome=render(f"outcome.{event.outcome}", language),
        )
        if event.reversed:
            return text
        if event.amount is not None and event.day is not None:
            text += render(
                "event.promise", language, amount=format_yuan(event.amount), day=event.day.isoformat()
            )
        return text + undone + _flags(event.flags, language) + _note(event.note, language)
    if event.kind == "lawsuit":
        assert event.day is not None
        text = render(
            "event.lawsuit_undo" if event.reversed else "event.lawsuit",
            language,
            when=when,
            person=event.person,
            stage=render(f"stage.{event.outcome}", language),
            day=event.day.isoformat(),
        )
        return text + undone + _note(event.note, language)
    if event.kind == "repayment":
        assert event.amount is not None
        if event.amount < 0:
            # A reported repayment taken back before its lead decided is withdrawn; a confirmed one reversed.
            key = "event.withdrawal" if event.status == "reported" else "event.reversal"
            return render(key, language, when=when, person=event.person, amount=format_yuan(-event.amount))
        if event.undone:
            status = render(
                "event.withdrawn" if event.status == "reported" else "event.reversed_status", language
            )
        else:
            status = render(f"repayment.{event.status}", language)
            if event.status == "rejected" and event.note:
                status += render("event.rejected_because", language, reason=event.note)
        return render(
            "event.repayment",
            language,
            when=when,
            person=event.person,
            amount=format_yuan(event.amount),
            method=render(f"method.{event.channel}", language),
            status=status,
        ) + _flags(event.flags, language)
    if event.kind == "report":
        return render("event.report", language, when=when, person=event.person) + _note(event.note, language)
    return render("event.status", language, when=when, status=render(f"status.{event.status}", language))


def _flags(flags: tuple[str, ...], language: str) -> str:
    return render("event.flags", language, reasons=flag_words(flags, language)) if flags else ""


def _note(note: str, language: str) -> str:
    text = " ".join(note.split())
    if not text:
        return ""
    if len(text) > NOTE_SHOWN:
        text = text[: NOTE_SHOWN - 1] + "…"
    return render("event.note", language, note=text)
