"""/due (到期): cases due soon or overdue, and promises falling due."""

from __future__ import annotations

from datetime import timedelta

from core.messages import Response
from core.money import format_yuan
from core.permissions import WORKERS
from handlers.context import Context
from handlers.formatting import case_buttons, case_line
from handlers.registry import LEADER_HAS_NO_CASES, Command, Feature


def due(ctx: Context, args: list[str]) -> Response:
    """What needs the sender's attention in the next REMINDER_DAYS days."""
    today = ctx.today()
    days = ctx.config.reminder_days
    cases = ctx.store.cases_due(ctx.me, days, today)
    promises = ctx.store.promises_due(ctx.me, today + timedelta(days=1))
    if not cases and not promises:
        return Response.text(ctx.t("due.none", days=days))
    lines: list[str] = []
    overdue = [c for c in cases if c.deadline < today]
    soon = [c for c in cases if c.deadline >= today]
    if overdue:
        lines.append(ctx.t("due.overdue", count=len(overdue)))
        lines.extend(case_line(c, ctx.config.language) for c in overdue)
    if soon:
        lines.append(ctx.t("due.soon", count=len(soon), days=days))
        lines.extend(case_line(c, ctx.config.language) for c in soon)
    if promises:
        lines.append(ctx.t("due.promises", count=len(promises)))
        lines.extend(
            ctx.t(
                "due.promise_line",
                loan_no=p.loan_no,
                borrower=p.borrower,
                amount=format_yuan(p.amount),
                day=p.due_on.isoformat(),
            )
            for p in promises
        )
    return Response.text("\n".join(lines), case_buttons(cases[:10]))


FEATURE = Feature(
    commands=(
        Command(
            "due",
            due,
            keywords=("到期",),
            refused=LEADER_HAS_NO_CASES,
            listed_for=WORKERS,
        ),
    )
)
