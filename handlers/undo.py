"""/undo (撤销): reverse the sender's last entry made within 24 hours."""

from __future__ import annotations

from datetime import timedelta

from core.errors import UserError
from core.messages import Response
from core.money import format_yuan
from core.permissions import WORKERS
from handlers.context import Context
from handlers.registry import LEADER_READS_ONLY, Command, Feature

UNDO_WINDOW = timedelta(hours=24)


def undo(ctx: Context, args: list[str]) -> Response:
    """Add a reversal of the last contact, repayment or lawsuit stage; nothing is deleted."""
    if (done := ctx.store.reversal_by_message(ctx.incoming.key)) is not None:
        return Response.text(ctx.t("undo.already", loan_no=done[1]))
    last = ctx.store.last_entry(ctx.me.id, UNDO_WINDOW)
    if last is None:
        raise UserError("undo.nothing")
    kind, entry_id = last
    if kind == "asset":
        raise UserError("asset.undo_none")
    if kind == "repayment":
        reversal = ctx.store.reverse_repayment(entry_id, ctx.me.employee_no, source_key=ctx.incoming.key)
        key = "undo.asset_offset" if reversal.method == "asset" else "undo.repayment"
        return Response.text(ctx.t(key, loan_no=reversal.loan_no, amount=format_yuan(-reversal.amount)))
    if kind == "lawsuit":
        stage = ctx.store.reverse_stage(entry_id, ctx.me.employee_no, source_key=ctx.incoming.key)
        return Response.text(
            ctx.t(
                "undo.lawsuit",
                loan_no=stage.loan_no,
                stage=ctx.t(f"stage.{stage.stage}"),
                day=stage.reached_on.isoformat(),
            )
        )
    contact = ctx.store.reverse_contact(entry_id, ctx.me.employee_no, source_key=ctx.incoming.key)
    return Response.text(
        ctx.t(
            "undo.contact",
            loan_no=contact.loan_no,
            channel=ctx.t(f"channel.{contact.channel}"),
            outcome=ctx.t(f"outcome.{contact.outcome}"),
        )
    )


FEATURE = Feature(
    commands=(
        Command(
            "undo",
            undo,
            keywords=("撤销",),
            writes=True,
            refused=LEADER_READS_ONLY,
            listed_for=WORKERS,
        ),
    )
)
