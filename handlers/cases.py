"""/cases (我的案件) and /case LOAN (案件): the sender's open cases and one case's card."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Button, Response
from handlers.context import Context
from handlers.formatting import case_buttons, case_card, case_line

PAGE = 10


def my_cases(ctx: Context, args: list[str]) -> Response:
    """Open cases, highest priority first, with a button to open each."""
    page = 0
    if args and args[0].isdigit():
        page = max(int(args[0]) - 1, 0)
    return _page(ctx, page)


def _page(ctx: Context, page: int) -> Response:
    cases, total = ctx.store.open_cases(ctx.me, limit=PAGE, offset=page * PAGE)
    if total == 0:
        return Response.text(ctx.t("cases.none"))
    lines = [ctx.t("cases.title", total=total, first=page * PAGE + 1, last=page * PAGE + len(cases))]
    lines.extend(case_line(c, ctx.config.language) for c in cases)
    buttons = case_buttons(cases)
    if (page + 1) * PAGE < total:
        buttons += ((Button(ctx.t("cases.more"), f"page:{page + 1}"),),)
    return Response.text("\n".join(lines), buttons)


def next_page(ctx: Context, data: str) -> Response:
    """The page of the case list a button asked for."""
    return _page(ctx, int(data) if data.isdigit() else 0)


def case_card_reply(ctx: Context, args: list[str]) -> Response:
    """One case by loan number or borrower: balance, deadline, plan, priority reasons, last 5 events."""
    if not args:
        raise UserError("case.usage")
    wanted = " ".join(args).strip()
    try:
        case = ctx.case(args[0])
    except UserError as error:
        if error.key != "ledger.unknown_case":
            raise
        # 案件 张三: the borrower's cases within what the sender may see.
        found = ctx.store.cases_of_borrower(ctx.me, wanted, limit=PAGE)
        if not found:
            raise UserError("case.not_found", text=wanted) from None
        if len(found) > 1:
            lines = [ctx.t("case.several", text=wanted, count=len(found))]
            lines.extend(case_line(c, ctx.config.language) for c in found)
            return Response.text("\n".join(lines), case_buttons(found))
        case = found[0]
    events = ctx.store.case_events(case.id, limit=5)
    text = case_card(case, events, ctx.today(), ctx.campaign.zone, ctx.config.language)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if case.status != "settled" and ctx.me.role != "leader":
        buttons = (
            (
                Button(ctx.t("case.log_button"), f"logmenu:{case.loan_no}"),
                Button(ctx.t("case.repay_button"), f"repayhelp:{case.loan_no}"),
            ),
        )
    return Response.text(text, buttons)
