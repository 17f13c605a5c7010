"""Free text as officers write in a group chat: `L2023001 还款5万 现金`, `张三还了两万五`.

When the bot is sure it records and says what it recorded; when it is not (no loan number, two candidate
cases, a promise without its amount or its date) it asks with buttons and records nothing until answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.errors import UserError
from core.intent import Intent, read_message
from core.litigation import stage_in_text
from core.messages import Button, Response
from core.money import format_yuan
from core.views import CaseView
from handlers import lawsuit, repay
from handlers.context import Context
from handlers.log import contact_recorded
from handlers.registry import Choice, Feature

CANDIDATES_SHOWN = 5
FEN = Decimal("0.01")
# Shares of what is owed offered when a promise names no amount.
SHARES_OFFERED = (("all", Decimal(1)), ("half", Decimal("0.5")))


def free_text(ctx: Context) -> Response:
    """Understand a report written in words and record it, or ask which case it is about."""
    intent = read_message(ctx.incoming.text, ctx.today(), ctx.store.existing_loan_numbers)
    stage = stage_in_text(ctx.incoming.text) if intent.kind != "repayment" else None
    if stage is not None:
        # `L2023001 已起诉`, `张三 判决了`: a stage of the case's litigation, not a contact.
        if ctx.me.role == "leader":
            raise UserError("case.leader_reads_only")
        return _lawsuit_stage(ctx, stage, list(intent.loan_numbers))
    if intent.kind == "unknown":
        raise UserError("free.not_understood")
    if ctx.me.role == "leader":
        raise UserError("case.leader_reads_only")
    return _on_the_case(
        ctx,
        list(intent.loan_numbers),
        lambda case: _record(ctx, intent, case, ctx.incoming.key),
        {"intent": _to_payload(intent), "key": ctx.incoming.key},
        "pick",
    )


def _on_the_case(
    ctx: Context,
    numbers: list[str],
    record: Callable[[CaseView], Response],
    draft: dict[str, Any],
    prefix: str,
) -> Response:
    """Record on the case the message names (its one loan number, or the borrower's name when the sender has
    one such case); else ask which case with buttons of `prefix`, keeping `draft` until one is pressed (nothing
    is recorded yet)."""
    if len(numbers) == 1:
        return record(ctx.case_to_record(numbers[0], ctx.incoming.key))
    if numbers:
        candidates = [ctx.case(no, write=True) for no in numbers]
    else:
        candidates = ctx.store.cases_naming(ctx.me, ctx.incoming.text, limit=CANDIDATES_SHOWN)
        if len(candidates) == 1:
            return record(candidates[0])
    question = "free.which_case" if candidates else "free.no_case"
    if not candidates:
        candidates, _total = ctx.store.open_cases(ctx.me, limit=CANDIDATES_SHOWN)
    token = ctx.store.save_draft(ctx.me.id, draft)
    buttons = tuple(
        (Button(f"{c.loan_no} {c.borrower}", f"{prefix}:{token}:{c.loan_no}"),) for c in candidates
    )
    return Response.text(ctx.t(question), buttons)


def pick(ctx: Context, data: str) -> Response:
    """Record the draft a button answered, on the case it names."""
    token, _, loan_no = data.partition(":")
    payload = ctx.store.take_draft(token, ctx.me.id)
    if payload is None:
        raise UserError("choice.expired")
    key = payload["key"]
    return _record(ctx, _from_payload(payload["intent"]), ctx.case_to_record(loan_no, key), key)


def promise_choice(ctx: Context, data: str) -> Response:
    """Complete a promise the officer left without its amount or its date, with the button they chose."""
    token, _, choice = data.partition(":")
    payload = ctx.store.take_draft(token, ctx.me.id)
    if payload is None or "loan_no" not in payload:
        raise UserError("choice.expired")
    intent = _from_payload(payload["intent"])
    kind, _, value = choice.partition(":")
    if kind == "none":
        intent = replace(
            intent, outcome="reached", promise_amount=None, promise_share=None, promise_date=None
        )
    elif kind == "date" and _offered_day(ctx, value):
        intent = replace(intent, promise_date=date.fromisoformat(value))
    elif kind == "share" and value in dict(SHARES_OFFERED):
        intent = replace(intent, promise_amount=None, promise_share=dict(SHARES_OFFERED)[value])
    else:
        raise UserError("choice.expired")
    return _record(ctx, intent, ctx.case_to_record(payload["loan_no"], payload["key"]), payload["key"])


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
    promise_amount = intent.promise_amount
    if intent.outcome == "promise":
        if promise_amount is None and intent.promise_share is not None:
            # 一半, 还清: a share of what is still owed on the case.
            promise_amount = (case.outstanding * intent.promise_share).quantize(FEN, ROUND_HALF_UP)
        if promise_amount is None or intent.promise_date is None:
            return _ask_for_promise(ctx, intent, case, source_key)
    entry = ctx.store.record_contact(
        case.loan_no,
        ctx.me.employee_no,
        intent.channel or "visit",
        intent.outcome or "reached",
        note=intent.note,
        promise_amount=promise_amount if intent.outcome == "promise" else None,
        promise_date=intent.promise_date if intent.outcome == "promise" else None,
        photo=ctx.incoming.photo,
        location=ctx.incoming.location,
        source_key=source_key,
        approach=intent.approach,
        participants=intent.participants,
    )
    return Response.text(contact_recorded(ctx, case, entry))


def _lawsuit_stage(ctx: Context, stage: str, numbers: list[str]) -> Response:
    """Record a written lawsuit stage on the case it names, or ask which case it is (nothing recorded yet)."""
    return _on_the_case(
        ctx,
        numbers,
        lambda case: lawsuit.from_text(ctx, case, stage),
        {"stage": stage, "text": ctx.incoming.text, "key": ctx.incoming.key},
        "stagepick",
    )


def stage_pick(ctx: Context, data: str) -> Response:
    """Record the written lawsuit stage a button answered, on the case it names."""
    token, _, loan_no = data.partition(":")
    payload = ctx.store.take_draft(token, ctx.me.id)
    if payload is None or "stage" not in payload:
        raise UserError("choice.expired")
    case = ctx.case_to_record(loan_no, payload["key"])
    return lawsuit.from_text(ctx, case, payload["stage"], payload["text"], payload["key"])


def _ask_for_promise(ctx: Context, intent: Intent, case: CaseView, source_key: str) -> Response:
    """A promise without its amount or its date: ask for what is missing; nothing is recorded yet."""
    token = ctx.store.save_draft(
        ctx.me.id, {"intent": _to_payload(intent), "key": source_key, "loan_no": case.loan_no}
    )
    has_amount = intent.promise_amount is not None or intent.promise_share is not None
    buttons: list[tuple[Button, ...]] = []
    if has_amount:
        question = "free.promise_when"
        buttons = [
            (
                Button(
                    ctx.t(f"free.promise_by.{name}", day=day.strftime("%m-%d")), f"promise:{token}:date:{day}"
                ),
            )
            for name, day in _days_offered(ctx)
        ]
    elif intent.promise_date is not None:
        question = "free.promise_how_much"
        buttons = [
            (
                Button(
                    ctx.t(
                        f"free.promise_share.{name}",
                        amount=format_yuan((case.outstanding * share).quantize(FEN)),
                    ),
                    f"promise:{token}:share:{name}",
                ),
            )
            for name, share in SHARES_OFFERED
        ]
    else:
        question = "free.promise_incomplete"
    buttons.append((Button(ctx.t("free.promise_none"), f"promise:{token}:none"),))
    return Response.text(ctx.t(question, loan_no=case.loan_no, borrower=case.borrower), tuple(buttons))


def _days_offered(ctx: Context) -> list[tuple[str, date]]:
    """Dates a promise may name with one tap: this Friday (if still ahead), next Friday, the month's end."""
    today = ctx.today()
    friday = today + timedelta(days=4 - today.weekday())  # this week's, maybe already past
    following = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    days = [("this_friday", friday), ("next_friday", friday + timedelta(days=7))]
    days.append(("month_end", following - timedelta(days=1)))
    seen: set[date] = set()
    offered = []
    for name, day in days:
        if day >= today and day not in seen:
            seen.add(day)
            offered.append((name, day))
    return offered


def _offered_day(ctx: Context, value: str) -> bool:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return any(day == offered for _, offered in _days_offered(ctx))


def _to_payload(intent: Intent) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in asdict(intent).items()}


def _from_payload(payload: dict[str, Any]) -> Intent:
    values: dict[str, Any] = {}
    for field in fields(Intent):
        value = payload.get(field.name)
        if value is not None and field.name in ("amount", "promise_amount", "promise_share"):
            value = Decimal(value)
        elif value is not None and field.name in ("day", "promise_date"):
            value = date.fromisoformat(value)
        elif field.name == "loan_numbers":
            value = tuple(value or ())
        if value is not None:
            values[field.name] = value
    return Intent(**values)


# Free text itself reaches `free_text` when a message has no command; its questions are answered by buttons.
FEATURE = Feature(
    choices=(
        Choice("pick", pick, writes=True),
        Choice("promise", promise_choice, writes=True),
        Choice("stagepick", stage_pick, writes=True),
    )
)
