"""/repay LOAN AMOUNT [METHOD] [DATE] [note] (还款): report a repayment for the unit lead to confirm."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.compliance import flag_words
from core.dates import parse_date
from core.errors import UserError
from core.intent import read_method
from core.messages import Push, Reply, Response
from core.money import format_yuan, parse_amount
from core.permissions import WORKERS
from core.views import CaseView, PersonView
from handlers.context import Context
from handlers.registry import LEADER_READS_ONLY, Command, Feature


def report_repayment(ctx: Context, args: list[str]) -> Response:
    """Report a repayment from the command's words (a captioned photo is its evidence)."""
    if len(args) < 2:
        raise UserError("repay.usage")
    case = ctx.case_to_record(args[0], ctx.incoming.key)
    amount = parse_amount(args[1])
    rest = args[2:]
    method = "other"
    if rest and read_method(rest[0]) is not None:
        method = read_method(rest[0]) or "other"
        rest = rest[1:]
    day = ctx.today()
    if rest:
        try:
            day = parse_date(rest[0], ctx.today())
            rest = rest[1:]
        except UserError as error:
            if error.key == "date.impossible":
                raise
    return record(ctx, case, amount, method, day, " ".join(rest), ctx.incoming.key)


def record(
    ctx: Context, case: CaseView, amount: Decimal, method: str, day: date, note: str, source_key: str
) -> Response:
    """Record the repayment, tell the sender, and let the unit's leads know it awaits them."""
    entry = ctx.store.record_repayment(
        case.loan_no,
        ctx.me.employee_no,
        amount,
        day,
        method,
        note=note,
        evidence=ctx.incoming.photo,
        source_key=source_key,
    )
    leads = deciders(ctx, case)
    text = ctx.t(
        "repay.done",
        loan_no=case.loan_no,
        borrower=case.borrower,
        amount=format_yuan(entry.amount),
        method=ctx.t(f"method.{entry.method}"),
        day=entry.paid_on.isoformat(),
        principal=format_yuan(entry.principal_part),
        interest=format_yuan(entry.interest_part),
    )
    names = "、".join(p.name for p in leads)
    if ctx.me.role in ("unit_lead", "admin"):
        text += ctx.t("repay.own_report", names=names or "—")
    elif names:
        text += ctx.t("repay.awaits", names=names)
    else:
        text += ctx.t("repay.awaits_nobody")
    if ctx.incoming.photo:
        text += "\n" + ctx.t("repay.evidence_kept")
    flagged = ""
    if entry.flags:
        reasons = flag_words(entry.flags, ctx.config.language)
        text += ctx.t("repay.flagged", reasons=reasons)
        flagged = ctx.t("pending.new_flagged", reasons=reasons)
    notice = Reply(
        ctx.t(
            "pending.new",
            reporter=ctx.me.name,
            loan_no=case.loan_no,
            borrower=case.borrower,
            amount=format_yuan(entry.amount),
        )
        + flagged
    )
    return Response([Reply(text + "\n" + ctx.t("undo.hint"))], [Push(p.id, notice) for p in leads])


def deciders(ctx: Context, case: CaseView) -> list[PersonView]:
    """Who is told a repayment awaits them: the unit's leads, or, for a lead's own report or a unit without
    another lead, the task force's clerks (never the reporter)."""
    leads = [p for p in ctx.store.unit_leads_of(case.unit_id) if p.id != ctx.me.id]
    if leads:
        return leads
    return [p for p in ctx.store.admins() if p.id != ctx.me.id]


FEATURE = Feature(
    commands=(
        Command(
            "repay",
            report_repayment,
            keywords=("还款",),
            writes=True,
            refused=LEADER_READS_ONLY,
            listed_for=WORKERS,
        ),
    )
)
