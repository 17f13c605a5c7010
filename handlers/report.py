"""/report TEXT (报告): a special situation, forwarded at once to the unit lead and the leaders."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Push, Reply, Response
from handlers.context import Context


def report(ctx: Context, args: list[str]) -> Response:
    """Forward the sender's report; the sender is told who received it."""
    text = " ".join(args).strip()
    if not text:
        raise UserError("report.usage")
    recipients = [p for p in ctx.store.escalation_people(ctx.me.unit_id) if p.id != ctx.me.id]
    forwarded = Reply(ctx.t("report.forwarded", name=ctx.me.name, unit=ctx.me.unit or "", text=text))
    ctx.store.record_report(ctx.me.employee_no, text, ctx.incoming.key)
    names = "、".join(p.name for p in recipients) or "—"
    return Response([Reply(ctx.t("report.done", names=names))], [Push(p.id, forwarded) for p in recipients])
