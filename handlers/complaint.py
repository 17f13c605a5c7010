"""/complaint LOAN TEXT (投诉): a complaint about how a case is collected, by anyone bound (an officer, or a lead
or leader on a borrower's behalf); kept on the case and sent at once to the unit's leads and the leaders.
`投诉` alone lists the open ones; `投诉 关闭 LOAN 说明` closes them (unit lead, leader, admin; never the case's
officer)."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Push, Reply, Response
from handlers.context import Context
from handlers.registry import EVERYONE, Command, Feature
from store.complaints import ComplaintView

LISTED = 20
CLOSE_WORDS = ("关闭", "办结", "close")


def complaint(ctx: Context, args: list[str]) -> Response:
    """Keep a complaint, close a case's complaints, or list the open ones."""
    if not args:
        return Response.text(_listing(ctx))
    if args[0].lower() in CLOSE_WORDS:
        return _close(ctx, args[1:])
    if len(args) < 2:
        raise UserError("complaint.usage")
    case = ctx.case(args[0])
    text = " ".join(args[1:]).strip()
    made = ctx.store.record_complaint(case.loan_no, ctx.me.employee_no, text, ctx.incoming.key)
    recipients = [p for p in ctx.store.escalation_people(case.unit_id) if p.id != ctx.me.id]
    forwarded = Reply(
        ctx.t(
            "complaint.forwarded",
            number=made.id,
            loan_no=made.loan_no,
            borrower=made.borrower,
            officer=made.officer,
            unit=made.unit,
            text=made.text,
            by=ctx.me.name,
        )
    )
    names = "、".join(p.name for p in recipients) or "—"
    reply = ctx.t(
        "complaint.recorded", number=made.id, loan_no=made.loan_no, borrower=made.borrower, names=names
    )
    return Response([Reply(reply)], [Push(p.id, forwarded) for p in recipients])


def _close(ctx: Context, args: list[str]) -> Response:
    if len(args) < 2:
        raise UserError("complaint.close_usage")
    case = ctx.case(args[0])
    note = " ".join(args[1:]).strip()
    closed = ctx.store.close_complaints(case.loan_no, ctx.me, note, ctx.incoming.key)
    numbers = "、".join(f"{c.id}" for c in closed)
    text = ctx.t(
        "complaint.closed",
        numbers=numbers,
        loan_no=case.loan_no,
        borrower=case.borrower,
        note=note,
        by=ctx.me.name,
    )
    # Whoever made a complaint, and the case's officer, hear how it was closed.
    told = {c.officer_id for c in closed} | {c.by_id for c in closed}
    pushes = [Push(person_id, Reply(text)) for person_id in sorted(told) if person_id != ctx.me.id]
    return Response([Reply(text)], pushes)


def _listing(ctx: Context) -> str:
    found, total = ctx.store.open_complaints(ctx.me, limit=LISTED)
    if not found:
        return ctx.t("complaint.none")
    lines = [ctx.t("complaint.list_title", count=total)]
    lines.extend(line(ctx, c) for c in found)
    if total > len(found):
        lines.append(ctx.t("complaint.more", count=total - len(found)))
    lines.append(ctx.t("complaint.close_hint"))
    return "\n".join(lines)


def line(ctx: Context, item: ComplaintView) -> str:
    """One complaint in a line: number, day, case, officer, what was said, by whom, and how it was closed."""
    text = ctx.t(
        "complaint.line",
        number=item.id,
        day=item.at.astimezone(ctx.campaign.zone).date().isoformat(),
        loan_no=item.loan_no,
        borrower=item.borrower,
        officer=item.officer,
        text=item.text,
        by=item.by,
    )
    if not item.open and item.closed_at is not None:
        text += ctx.t(
            "complaint.closed_line",
            day=item.closed_at.astimezone(ctx.campaign.zone).date().isoformat(),
            by=item.closed_by,
            note=item.close_note,
        )
    return text


def card_line(ctx: Context, item: ComplaintView) -> str:
    """A complaint on its case's card, open or closed."""
    zone = ctx.campaign.zone
    day = item.at.astimezone(zone).date().isoformat()
    if item.open or item.closed_at is None:
        return ctx.t("case.complaint_open", number=item.id, day=day, by=item.by, text=item.text)
    return ctx.t(
        "case.complaint_closed",
        number=item.id,
        day=day,
        by=item.by,
        text=item.text,
        closed_day=item.closed_at.astimezone(zone).date().isoformat(),
        closed_by=item.closed_by,
        note=item.close_note,
    )


FEATURE = Feature(
    commands=(Command("complaint", complaint, keywords=("投诉",), writes=True, listed_for=EVERYONE),)
)
