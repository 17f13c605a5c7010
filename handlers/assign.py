"""/assign LOAN EMP (转办): a unit lead hands a case to another officer of the unit (an admin, in any unit); the
case's open promise and its reminders go with it, the new officer is told, and the hand-over stays on the case's
card and in the audit log."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Push, Reply, Response
from core.money import format_yuan
from handlers.context import Context
from handlers.registry import Command, Feature
from store.assignments import Handover

ASSIGNERS = ("unit_lead", "admin")


def assign(ctx: Context, args: list[str]) -> Response:
    """Hand the case to the officer named by employee number."""
    if len(args) < 2:
        raise UserError("assign.usage")
    case = ctx.case(args[0], write=True)
    handover = ctx.store.assign_case(case.loan_no, args[1].strip().upper(), ctx.me, ctx.incoming.key)
    promise = _promise(ctx, handover)
    done = ctx.t(
        "assign.done",
        loan_no=handover.loan_no,
        borrower=handover.borrower,
        old=handover.from_name,
        new=handover.to_name,
    )
    to_new = ctx.t(
        "assign.to_new",
        loan_no=handover.loan_no,
        borrower=handover.borrower,
        by=ctx.me.name,
        old=handover.from_name,
        outstanding=format_yuan(handover.outstanding),
    )
    to_old = ctx.t(
        "assign.to_old",
        loan_no=handover.loan_no,
        borrower=handover.borrower,
        by=ctx.me.name,
        new=handover.to_name,
    )
    pushes = [Push(handover.to_id, Reply(to_new + promise))]
    if handover.from_id != ctx.me.id:
        pushes.append(Push(handover.from_id, Reply(to_old)))
    return Response([Reply(done + promise)], pushes)


def _promise(ctx: Context, handover: Handover) -> str:
    if handover.promise_amount is None or handover.promise_due is None:
        return ""
    return ctx.t(
        "assign.promise", amount=format_yuan(handover.promise_amount), day=handover.promise_due.isoformat()
    )


def handover_line(ctx: Context, handover: Handover) -> str:
    """One hand-over on the case card: when, from whom to whom, by whom."""
    return ctx.t(
        "assign.history_line",
        day=handover.at.astimezone(ctx.campaign.zone).date().isoformat(),
        old=handover.from_name,
        new=handover.to_name,
        by=handover.by or ctx.t("assign.by_rebalance"),
    )


FEATURE = Feature(
    commands=(
        Command(
            "assign",
            assign,
            keywords=("转办",),
            writes=True,
            refused={"officer": "assign.not_allowed", "leader": "assign.not_allowed"},
            listed_for=ASSIGNERS,
        ),
    )
)
