"""/report TEXT (报告): a special situation, forwarded at once to the unit lead and the leaders."""

from __future__ import annotations

from core.errors import UserError
from core.intent import find_loan_numbers
from core.messages import Push, Reply, Response
from core.permissions import WORKERS, can_read_case
from handlers.context import Context
from handlers.registry import Command, Feature


def report(ctx: Context, args: list[str]) -> Response:
    """Forward the sender's report; the sender is told who received it."""
    text = " ".join(args).strip()
    if not text:
        raise UserError("report.usage")
    # A report that names one of the sender's cases is kept on that case too (shown on its card).
    loan_no = None
    named = find_loan_numbers(text)
    if len(named) == 1:
        case = ctx.store.case_view(named[0])
        if case is not None and can_read_case(ctx.me, case):
            loan_no = case.loan_no
    unit_id = ctx.me.unit_id
    recipients = [p for p in ctx.store.escalation_people(unit_id) if p.id != ctx.me.id]
    forwarded = Reply(ctx.t("report.forwarded", name=ctx.me.name, unit=ctx.me.unit or "", text=text))
    ctx.store.record_report(ctx.me.employee_no, text, ctx.incoming.key, loan_no)
    names = "、".join(p.name for p in recipients) or "—"
    return Response([Reply(ctx.t("report.done", names=names))], [Push(p.id, forwarded) for p in recipients])


# A leader may report a special situation too, though /help does not offer it to them.
FEATURE = Feature(commands=(Command("report", report, keywords=("报告",), writes=True, listed_for=WORKERS),))
