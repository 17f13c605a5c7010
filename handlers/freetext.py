"""Free text as officers write in a group chat: `L2023001 还款5万 现金`, `张三还了两万五`.

When the bot is sure it records and says what it recorded; when it is not (no loan number, two candidate
cases) it asks with buttons and records nothing until answered.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal
from typing import Any

from core.errors import UserError
from core.intent import Intent, read_message
from core.messages import Button, Response
from core.views import CaseView
from handlers import repay
from handlers.context import Context
from handlers.log import contact_recorded

CANDIDATES_SHOWN = 5


def free_text(ctx: Context) -> Response:
    """Understand a report written in words and record it, or ask which case it is about."""
    intent = read_message(ctx.incoming.text, ctx.today())
    if intent.kind == "unknown":
        raise UserError("free.not_understood")
    if ctx.me.role == "leader":
        raise UserError("case.leader_reads_only")
    if intent.loan_numbers:
        if len(intent.loan_numbers) == 1:
            return _record(ctx, intent, ctx.case(intent.loan_numbers[0], write=True), ctx.incoming.key)
        candidates = [ctx.case(no, write=True) for no in intent.loan_numbers]
        question = "free.which_case"
    else:
        candidates = ctx.store.cases_naming(ctx.me, ctx.incoming.text, limit=CANDIDATES_SHOWN)
        if len(candidates) == 1:
            return _record(ctx, intent, candidates[0], ctx.incoming.key)
        question = "free.which_case" if candidates else "free.no_case"
        if not candidates:
            candidates, _total = ctx.store.open_cases(ctx.me, limit=CANDIDATES_SHOWN)
    token = ctx.store.save_draft(ctx.me.id, {"intent": _to_payload(intent), "key": ctx.incoming.key})
    buttons = tuple((Button(f"{c.loan_no} {c.borrower}", f"pick:{token}:{c.loan_no}"),) for c in candidates)
    return Response.text(ctx.t(question), buttons)


def pick(ctx: Context, data: str) -> Response:
    """Record the draft a button answered, on the case it names."""
    token, _, loan_no = data.partition(":")
    payload = ctx.store.take_draft(token, ctx.me.id)
    if payload is None:
        raise UserError("choice.expired")
    return _record(ctx, _from_payload(payload["intent"]), ctx.case(loan_no, write=True), payload["key"])


def _record(ctx: Context, intent: Intent, case: CaseView, source_key: str) -> Response:
    if intent.kind == "repayment":
        assert intent.amount is not None
        return repay.record(
            ctx,
            case,
            intent.amount,
            intent.method or "other",
            intent.day or ctx.today(),
            intent.note,
            source_key,
        )
    entry = ctx.store.record_contact(
        case.loan_no,
        ctx.me.employee_no,
        intent.channel or "visit",
        intent.outcome or "reached",
        note=intent.note,
        promise_amount=intent.promise_amount,
        promise_date=intent.promise_date,
        photo=ctx.incoming.photo,
        location=ctx.incoming.location,
        source_key=source_key,
    )
    return Response.text(contact_recorded(ctx, case, entry))


def _to_payload(intent: Intent) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in asdict(intent).items()}


def _from_payload(payload: dict[str, Any]) -> Intent:
    values: dict[str, Any] = {}
    for field in fields(Intent):
        value = payload.get(field.name)
        if value is not None and field.name in ("amount", "promise_amount"):
            value = Decimal(value)
        elif value is not None and field.name in ("day", "promise_date"):
            value = date.fromisoformat(value)
        elif field.name == "loan_numbers":
            value = tuple(value or ())
        if value is not None:
            values[field.name] = value
    return Intent(**values)
