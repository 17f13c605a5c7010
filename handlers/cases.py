"""/cases (我的案件) and /case LOAN (案件): the sender's open cases and one case's card."""

from __future__ import annotations

from core.errors import UserError
from core.messages import Button, Response
from core.permissions import WORKERS
from handlers.asset_card import asset_line
from handlers.assign import handover_line
from handlers.complaint import card_line as complaint_line
from handlers.context import Context
from handlers.formatting import case_buttons, case_card, case_line
from handlers.registry import EVERYONE, LEADER_HAS_NO_CASES, Choice, Command, Feature

PAGE = 10


# No one has this many pages of cases: a larger number is not a page (and would overflow the query).
MAX_PAGE = 100_000


def _page_number(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) <= MAX_PAGE else None


def my_cases(ctx: Context, args: list[str]) -> Response:
    """Open cases, highest priority first, with a button to open each."""
    number = _page_number(args[0]) if args else None
    return _page(ctx, max((number or 1) - 1, 0))


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
    number = _page_number(data)
    if number is None:
        raise UserError("choice.expired")
    return _page(ctx, number)


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
    text = case_card(
        case,
        events,
        ctx.today(),
        ctx.campaign.zone,
        ctx.config.language,
        stages=ctx.store.lawsuit_stages(case.loan_no),
        statute=ctx.store.statute_of(case.loan_no),
        assets=[asset_line(ctx, found) for found in ctx.store.assets(loan_no=case.loan_no)],
        complaints=[complaint_line(ctx, c) for c in ctx.store.complaints_of_case(case.id)],
        handovers=[handover_line(ctx, h) for h in ctx.store.handovers_of_case(case.loan_no)],
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if case.status != "settled" and ctx.me.role != "leader":
        buttons = (
            (
                Button(ctx.t("case.log_button"), f"logmenu:{case.loan_no}"),
                Button(ctx.t("case.repay_button"), f"repayhelp:{case.loan_no}"),
            ),
        )
    return Response.text(text, buttons)


FEATURE = Feature(
    commands=(
        # A leader has no cases of their own, and is shown where the campaign's figures are instead.
        Command(
            "cases",
            my_cases,
            keywords=("我的案件",),
            refused=LEADER_HAS_NO_CASES,
            listed_for=WORKERS,
        ),
        Command("case", case_card_reply, keywords=("案件",), listed_for=EVERYONE),
    ),
    choices=(
        Choice("case", lambda ctx, loan_no: case_card_reply(ctx, [loan_no])),
        Choice("page", next_page),
    ),
)
