"""/pending (待确认), 确认 and 驳回: repayments awaiting the unit lead, confirmed or rejected one at a time, all
of one officer's at once, or by loan number; a rejection says why."""

from __future__ import annotations

from decimal import Decimal

from core.compliance import flag_words
from core.errors import UserError
from core.intent import find_loan_numbers
from core.messages import Button, Push, Reply, Response
from core.money import format_yuan
from core.permissions import can_decide
from core.views import PendingRepayment
from handlers.context import Context
from handlers.registry import DECIDERS, Choice, Command, Feature

PAGE = 10
MAX_PAGE = 100_000
# Reasons a lead picks from when rejecting with a button (a typed 驳回 may give any reason).
REJECT_REASONS = ("amount", "unpaid", "duplicate", "none")


def pending(ctx: Context, args: list[str]) -> Response:
    """The first page of what waits for the sender, with a confirm and a reject button for each."""
    page = int(args[0]) - 1 if args and args[0].isdigit() and 0 < int(args[0]) <= MAX_PAGE else 0
    return _page(ctx, page)


def next_page(ctx: Context, data: str) -> Response:
    """The page of the pending list a button asked for."""
    if not (data.isdigit() and int(data) <= MAX_PAGE):
        raise UserError("choice.expired")
    return _page(ctx, int(data))


def _page(ctx: Context, page: int) -> Response:
    waiting, total = ctx.store.pending_repayments(ctx.me, limit=PAGE, offset=page * PAGE)
    if total == 0:
        return Response.text(ctx.t("pending.none"))
    if not waiting:
        page, (waiting, total) = 0, ctx.store.pending_repayments(ctx.me, limit=PAGE)
    first = page * PAGE + 1
    lines = [ctx.t("pending.title", count=total, first=first, last=first + len(waiting) - 1)]
    buttons: list[tuple[Button, ...]] = []
    for number, item in enumerate(waiting, start=first):
        lines.append(_line(ctx, number, item))
        if can_decide(ctx.me, item):
            buttons.append(
                (
                    Button(ctx.t("pending.confirm_one", number=number), f"ok:{item.id}"),
                    Button(ctx.t("pending.reject_one", number=number), f"no:{item.id}"),
                )
            )
    # All of one officer's at once: those listed up to the last one shown, never one reported since.
    newest = max(item.id for item in waiting)
    by_reporter: dict[int, list[PendingRepayment]] = {}
    for item in waiting:
        if can_decide(ctx.me, item):
            by_reporter.setdefault(item.reporter_id, []).append(item)
    for reporter_id, items in by_reporter.items():
        if len(items) > 1:
            label = ctx.t("pending.confirm_all", reporter=items[0].reporter, count=len(items))
            buttons.append((Button(label, f"okall:{reporter_id}:{newest}"),))
    if first + len(waiting) - 1 < total:
        buttons.append((Button(ctx.t("pending.more"), f"pendpage:{page + 1}"),))
    lines.append(ctx.t("pending.typed_hint"))
    return Response.text("\n".join(lines), tuple(buttons))


def _line(ctx: Context, number: int, item: PendingRepayment) -> str:
    text = ctx.t(
        "pending.line",
        number=number,
        loan_no=item.loan_no,
        borrower=item.borrower,
        amount=format_yuan(item.amount),
        method=ctx.t(f"method.{item.method}"),
        day=item.paid_on.isoformat(),
        reporter=item.reporter,
    )
    if item.evidence:
        text += ctx.t("pending.has_evidence")
    if item.flags:
        text += ctx.t("pending.flags", reasons=flag_words(item.flags, ctx.config.language))
    return text


def decide(ctx: Context, data: str, confirm: bool) -> Response:
    """Confirm a reported repayment from its button; a reject button asks for the reason first."""
    item = _pending_item(ctx, data)
    if not confirm:
        buttons = tuple(
            (Button(ctx.t(f"pending.reason.{reason}"), f"noreason:{item.id}:{reason}"),)
            for reason in REJECT_REASONS
        )
        return Response.text(
            ctx.t("pending.ask_reason", loan_no=item.loan_no, amount=format_yuan(item.amount)), buttons
        )
    return _decided(ctx, [item], confirm=True, note="")


def reject_with_reason(ctx: Context, data: str) -> Response:
    """Reject the repayment a reason button names, with that reason."""
    repayment, _, reason = data.partition(":")
    if reason not in REJECT_REASONS:
        raise UserError("choice.expired")
    item = _pending_item(ctx, repayment)
    note = "" if reason == "none" else ctx.t(f"pending.reason.{reason}")
    return _decided(ctx, [item], confirm=False, note=note)


def confirm_all(ctx: Context, data: str) -> Response:
    """Confirm every repayment of one reporter that the list showed (up to its newest id)."""
    reporter, _, newest = data.partition(":")
    if not (reporter.isdigit() and newest.isdigit() and len(reporter) < 12 and len(newest) < 12):
        raise UserError("choice.expired")
    items, _total = ctx.store.pending_repayments(
        ctx.me, limit=500, reporter_id=int(reporter), up_to_id=int(newest)
    )
    items = [item for item in items if can_decide(ctx.me, item)]
    if not items:
        raise UserError("choice.expired")
    return _decided(ctx, items, confirm=True, note="")


def typed(ctx: Context, args: list[str], confirm: bool) -> Response:
    """确认 L… / 确认 李明 / 驳回 L… 原因: decide by loan number, or all of one officer's, as typed."""
    if not args:
        if confirm:
            return _page(ctx, 0)
        raise UserError("pending.reject_usage")
    target, reason = args[0], " ".join(args[1:]).strip()
    loans = find_loan_numbers(target)
    case = ctx.store.case_view(target.strip().upper()) or ctx.store.case_view(target.strip())
    if case is not None or loans:
        loan_no = case.loan_no if case is not None else loans[0]
        items, total = ctx.store.pending_repayments(ctx.me, limit=PAGE, loan_no=loan_no)
        items = [item for item in items if can_decide(ctx.me, item)]
        if not items:
            raise UserError("pending.none_on_loan", loan_no=loan_no)
        if len(items) > 1:
            return _which(ctx, items, total, confirm)
        return _decided(ctx, items, confirm=confirm, note=reason if not confirm else "")
    if not confirm:
        raise UserError("pending.reject_usage")
    # 确认 李明 / 确认 E001: every repayment that officer reported and the sender may confirm.
    everyone, _total = ctx.store.pending_repayments(ctx.me, limit=500)
    items = [item for item in everyone if item.reporter == target or item.reporter_no == target]
    items = [item for item in items if can_decide(ctx.me, item)]
    if not items:
        raise UserError("pending.none_of", who=target)
    return _decided(ctx, items, confirm=True, note="")


def _which(ctx: Context, items: list[PendingRepayment], total: int, confirm: bool) -> Response:
    lines = [ctx.t("pending.which", loan_no=items[0].loan_no, count=total)]
    lines.extend(_line(ctx, number, item) for number, item in enumerate(items, start=1))
    key = "pending.confirm_one" if confirm else "pending.reject_one"
    buttons = tuple(
        (Button(ctx.t(key, number=number), f"{'ok' if confirm else 'no'}:{item.id}"),)
        for number, item in enumerate(items, start=1)
    )
    return Response.text("\n".join(lines), buttons)


def _pending_item(ctx: Context, data: str) -> PendingRepayment:
    if not data.isdigit() or len(data) > 12:
        raise UserError("choice.expired")
    item = ctx.store.pending_repayment(int(data))
    if item is None:
        raise UserError("choice.expired")
    if not can_decide(ctx.me, item):
        raise UserError("pending.not_yours" if item.reporter_id != ctx.me.id else "pending.own_report")
    return item


def _decided(ctx: Context, items: list[PendingRepayment], confirm: bool, note: str) -> Response:
    """Record the decisions; the sender sees each, every reporter is told of theirs."""
    lines: list[str] = []
    told: dict[int, list[str]] = {}
    total = Decimal(0)
    for item in items:
        entry = ctx.store.decide_repayment(
            item.id, ctx.me.employee_no, confirm, source=ctx.incoming.key, note=note
        )
        total += entry.amount
        if confirm:
            text = ctx.t(
                "pending.confirmed",
                loan_no=item.loan_no,
                borrower=item.borrower,
                amount=format_yuan(entry.amount),
                by=ctx.me.name,
            )
        else:
            reason = ctx.t("pending.because", reason=note) if note else ""
            text = ctx.t(
                "pending.rejected",
                loan_no=item.loan_no,
                borrower=item.borrower,
                amount=format_yuan(entry.amount),
                by=ctx.me.name,
                reason=reason,
            )
        lines.append(text)
        told.setdefault(item.reporter_id, []).append(text)
    if len(items) > 1:
        lines.insert(0, ctx.t("pending.confirmed_many", count=len(items), amount=format_yuan(total)))
    pushes = [Push(reporter_id, Reply("\n".join(texts))) for reporter_id, texts in told.items()]
    return Response([Reply("\n".join(lines))], pushes)


# An officer decides nothing; a leader reads the list but does not decide.
OFFICERS_REFUSED = {"officer": "pending.not_allowed"}
NOT_DECIDERS_REFUSED = {"officer": "pending.not_allowed", "leader": "pending.not_allowed"}

FEATURE = Feature(
    commands=(
        Command(
            "pending",
            pending,
            keywords=("待确认",),
            refused=OFFICERS_REFUSED,
            listed_for=("unit_lead", "leader", "admin"),
        ),
        Command(
            "confirm",
            lambda ctx, args: typed(ctx, args, confirm=True),
            keywords=("确认",),
            writes=True,
            refused=NOT_DECIDERS_REFUSED,
            listed_for=DECIDERS,
        ),
        Command(
            "reject",
            lambda ctx, args: typed(ctx, args, confirm=False),
            keywords=("驳回",),
            writes=True,
            refused=NOT_DECIDERS_REFUSED,
        ),
    ),
    choices=(
        Choice("ok", lambda ctx, data: decide(ctx, data, confirm=True), writes=True),
        Choice("no", lambda ctx, data: decide(ctx, data, confirm=False)),
        Choice("noreason", reject_with_reason, writes=True),
        Choice("okall", confirm_all, writes=True),
        Choice("pendpage", next_page, refused=OFFICERS_REFUSED),
    ),
)
