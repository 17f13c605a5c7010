"""/pending (待确认): repayments awaiting the unit lead, with confirm and reject buttons."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Button, Push, Reply, Response
from core.money import format_yuan
from core.permissions import can_decide
from handlers.context import Context


def pending(ctx: Context, args: list[str]) -> Response:
    """One message per waiting repayment, each with its buttons."""
    if ctx.me.role == "officer":
        raise UserError("pending.not_allowed")
    waiting = ctx.store.pending_repayments(ctx.me)
    if not waiting:
        return Response.text(ctx.t("pending.none"))
    replies = [Reply(ctx.t("pending.title", count=len(waiting)))]
    for item in waiting:
        text = ctx.t(
            "pending.line",
            loan_no=item.loan_no,
            borrower=item.borrower,
            amount=format_yuan(item.amount),
            method=ctx.t(f"method.{item.method}"),
            day=item.paid_on.isoformat(),
            reporter=item.reporter,
        )
        if item.evidence:
            text += ctx.t("pending.has_evidence")
        buttons: tuple[tuple[Button, ...], ...] = ()
        if can_decide(ctx.me, item):
            buttons = (
                (
                    Button(ctx.t("pending.confirm"), f"ok:{item.id}"),
                    Button(ctx.t("pending.reject"), f"no:{item.id}"),
                ),
            )
        replies.append(Reply(text, buttons))
    return Response(replies)


def decide(ctx: Context, data: str, confirm: bool) -> Response:
    """Confirm or reject a reported repayment from its button; the reporter is told."""
    if not data.isdigit():
        raise UserError("choice.expired")
    item = ctx.store.pending_repayment(int(data))
    if item is None:
        raise UserError("choice.expired")
    if not can_decide(ctx.me, item):
        raise UserError("pending.not_yours" if item.reporter_id != ctx.me.id else "pending.own_report")
    entry = ctx.store.decide_repayment(item.id, ctx.me.employee_no, confirm, source=ctx.incoming.key)
    key = "pending.confirmed" if confirm else "pending.rejected"
    text = ctx.t(
        key, loan_no=item.loan_no, borrower=item.borrower, amount=format_yuan(entry.amount), by=ctx.me.name
    )
    return Response([Reply(text)], [Push(item.reporter_id, Reply(text))])
