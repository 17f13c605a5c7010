"""/asset (抵债, 资产): foreclosed assets, from the agreement to the money (SPEC §10, 公开公平公正).

`抵债 LOAN 金额 名称 [类别]` registers an asset taken for a case's debt; its offset amount is reported as a
repayment of method `asset` for the unit lead to confirm. `资产` lists the assets one looks after (by disposal
deadline), `资产 编号` shows one, and `资产 编号 评估 金额 [机构]`, `挂牌 底价`, `流拍 [底价]`,
`处置 金额 方式 [买受人]`, `出租 租金 到期日 [承租人]` move it along; a disposal by agreement, or more than 20% below
the appraisal, waits for a leader's or admin's `确认` (or `退回 说明`), offered with buttons.
"""

from __future__ import annotations

from decimal import Decimal

from core.assets import (
    DISPOSED,
    guess_kind,
    is_asset_number,
    normal_number,
    read_kind,
    read_method,
)
from core.dates import parse_date
from core.errors import UserError
from core.messages import Button, Push, Reply, Response
from core.money import format_yuan, parse_amount
from core.permissions import can_confirm_disposal, can_move_asset, can_read_asset
from core.views import AssetView, PersonView
from handlers.asset_card import asset_card, asset_line, due_line
from handlers.context import Context
from handlers.registry import EVERYONE, Choice, Command, Feature
from handlers.repay import deciders

REGISTER_WORDS = ("抵债", "register")
ACTION_WORDS = {
    "评估": "appraise",
    "appraise": "appraise",
    "挂牌": "list",
    "list": "list",
    "流拍": "unsold",
    "unsold": "unsold",
    "处置": "dispose",
    "dispose": "dispose",
    "出租": "lease",
    "lease": "lease",
    "确认": "confirm",
    "confirm": "confirm",
    "退回": "refuse",
    "refuse": "refuse",
}
# An officer's or a lead's list shows this many; the rest are counted.
LISTED = 30


def asset(ctx: Context, args: list[str]) -> Response:
    """Register an asset (抵债 …), list one's assets (资产), show one (资产 编号) or move it along."""
    if ctx.incoming.text.strip().startswith(REGISTER_WORDS[0]):
        return register(ctx, args)
    if args and args[0].lower() in REGISTER_WORDS:
        return register(ctx, args[1:])
    if not args:
        return listing(ctx)
    if not is_asset_number(args[0]):
        raise UserError("asset.usage")
    found = _readable(ctx, args[0])
    if len(args) == 1:
        return Response.text(asset_card(ctx, found, ctx.store.asset_steps(found.number)))
    action = ACTION_WORDS.get(args[1].lower())
    if action is None:
        raise UserError("asset.usage")
    if action in ("confirm", "refuse"):
        return decide(ctx, found, action == "confirm", " ".join(args[2:]))
    return move(ctx, found, action, args[2:])


def register(ctx: Context, args: list[str]) -> Response:
    """Register an asset taken for a case's debt, with its offset reported for the unit lead to confirm."""
    if len(args) < 3:
        raise UserError("asset.register_usage")
    case = ctx.case_to_record(args[0], ctx.incoming.key)
    offset = parse_amount(args[1])
    words = args[2:]
    kind = read_kind(words[-1]) if len(words) > 1 else None
    if kind is not None:
        words = words[:-1]
    name = " ".join(words)
    registered = ctx.store.register_asset(
        case.loan_no,
        ctx.me.employee_no,
        offset,
        name,
        kind or guess_kind(name),
        source_key=ctx.incoming.key,
    )
    leads = deciders(ctx, case)
    names = "、".join(p.name for p in leads) or "—"
    text = "\n".join(
        [
            ctx.t(
                "asset.registered",
                number=registered.number,
                name=registered.name,
                kind=ctx.t(f"asset_kind.{registered.kind}"),
                loan_no=case.loan_no,
                borrower=case.borrower,
                amount=format_yuan(registered.offset_amount),
            ),
            ctx.t("asset.offset_awaits", names=names),
            due_line(ctx, registered),
            ctx.t("undo.hint"),
        ]
    )
    notice = Reply(
        ctx.t(
            "pending.new",
            reporter=ctx.me.name,
            loan_no=case.loan_no,
            borrower=case.borrower,
            amount=format_yuan(registered.offset_amount),
        )
    )
    return Response([Reply(text)], [Push(p.id, notice) for p in leads])


def listing(ctx: Context) -> Response:
    """The assets the sender looks after, the nearest disposal deadline first."""
    me = ctx.me
    unit_id = None if me.role in ("leader", "admin") else me.unit_id
    mine = [a for a in ctx.store.assets(unit_id) if can_read_asset(me, a)]
    if not mine:
        return Response.text(ctx.t("asset.none"))
    open_ = [a for a in mine if a.state != DISPOSED]
    lines = [ctx.t("asset.list_title", count=len(mine), open=len(open_))]
    lines.extend(asset_line(ctx, a) for a in mine[:LISTED])
    if len(mine) > LISTED:
        lines.append(ctx.t("asset.list_more", count=len(mine) - LISTED))
    return Response.text("\n".join(lines))


def move(ctx: Context, found: AssetView, action: str, args: list[str]) -> Response:
    """Take a step on an asset from the command's words."""
    if not can_move_asset(ctx.me, found, action):
        if ctx.me.role == "leader":
            raise UserError("case.leader_reads_only")
        raise UserError(
            "asset.dispose_by_lead" if action == "dispose" else "asset.not_yours", number=found.number
        )
    store, me, key = ctx.store, ctx.me.employee_no, ctx.incoming.key
    if action == "unsold":
        reserve = parse_amount(args[0]) if args else None
        moved = store.unsold_asset(found.number, me, reserve, source_key=key)
        return Response.text(_moved(ctx, moved, "asset.unsold_done", amount=moved.reserve))
    if not args:
        raise UserError(f"asset.{action}_usage")
    amount = parse_amount(args[0])
    rest = args[1:]
    if action == "appraise":
        moved = store.appraise_asset(found.number, me, amount, " ".join(rest), source_key=key)
        return Response.text(
            _moved(ctx, moved, "asset.appraised", amount=amount, party=" ".join(rest) or "—")
        )
    if action == "list":
        moved = store.list_asset(found.number, me, amount, source_key=key)
        return Response.text(_moved(ctx, moved, "asset.listed", amount=amount))
    if action == "lease":
        if not rest:
            raise UserError("asset.lease_usage")
        until = parse_date(rest[0], ctx.today())
        moved = store.lease_asset(found.number, me, amount, until, " ".join(rest[1:]), source_key=key)
        return Response.text(_moved(ctx, moved, "asset.leased", amount=amount, day=until.isoformat()))
    return dispose(ctx, found, amount, rest)


def dispose(ctx: Context, found: AssetView, proceeds: Decimal, args: list[str]) -> Response:
    """Dispose of an asset; one that waits for a leader is put before them with buttons."""
    method = read_method(args[0]) if args else None
    if method is None:
        raise UserError("asset.dispose_usage")
    buyer = " ".join(args[1:])
    moved = ctx.store.dispose_asset(
        found.number, ctx.me.employee_no, proceeds, method, buyer, source_key=ctx.incoming.key
    )
    if moved.waits_for is None:
        return Response.text(
            _moved(ctx, moved, "asset.disposed", amount=proceeds, method=ctx.t(f"asset_method.{method}"))
        )
    confirmers = _confirmers(ctx, moved)
    text = ctx.t(
        "asset.disposal_waits",
        number=moved.number,
        amount=format_yuan(proceeds),
        method=ctx.t(f"asset_method.{method}"),
        reason=ctx.t(f"asset.waits.{moved.waits_for}"),
        names="、".join(p.name for p in confirmers) or "—",
    )
    notice = Reply(
        asset_card(ctx, moved, ctx.store.asset_steps(moved.number)),
        (
            (
                Button(ctx.t("asset.confirm_button"), f"assetok:{moved.number}"),
                Button(ctx.t("asset.refuse_button"), f"assetno:{moved.number}"),
            ),
        ),
    )
    return Response([Reply(text)], [Push(p.id, notice) for p in confirmers])


def decide(ctx: Context, found: AssetView, confirm: bool, note: str = "") -> Response:
    """A leader's or admin's word on a disposal that waited for one; the proposer hears of it."""
    if not can_confirm_disposal(ctx.me, found):
        key = "asset.own_disposal" if ctx.me.id == found.registered_by_id else "asset.confirm_by_leader"
        raise UserError(key, number=found.number)
    waiting = next((s for s in ctx.store.asset_steps(found.number) if s.id == found.waiting_disposal), None)
    decided = ctx.store.decide_disposal(
        found.number, ctx.me.employee_no, confirm, note, source_key=ctx.incoming.key
    )
    text = ctx.t(
        "asset.disposal_confirmed" if confirm else "asset.disposal_refused",
        number=decided.number,
        name=decided.name,
        person=ctx.me.name,
        note=note or "—",
    )
    pushes = [Push(waiting.person_id, Reply(text))] if waiting and waiting.person_id != ctx.me.id else []
    return Response([Reply(text)], pushes)


def confirm_pressed(ctx: Context, data: str) -> Response:
    """The 确认处置 button under a waiting disposal."""
    return decide(ctx, _readable(ctx, data), confirm=True)


def refuse_pressed(ctx: Context, data: str) -> Response:
    """The 退回 button under a waiting disposal."""
    return decide(ctx, _readable(ctx, data), confirm=False)


def _readable(ctx: Context, number: str) -> AssetView:
    found = ctx.store.asset_view(normal_number(number))
    if found is None:
        raise UserError("asset.unknown", number=normal_number(number))
    if not can_read_asset(ctx.me, found):
        raise UserError("asset.not_yours", number=found.number)
    return found


def _confirmers(ctx: Context, asset: AssetView) -> list[PersonView]:
    """Whom a waiting disposal goes to: the leaders and admins, but not who proposed it or registered it."""
    leaders = ctx.store.people_by_id([pid for pid, _, _ in ctx.store.people_with_role("leader")])
    people = leaders + ctx.store.admins()
    return [p for p in people if p.id not in (ctx.me.id, asset.registered_by_id)]


def _moved(ctx: Context, moved: AssetView, key: str, amount: Decimal | None = None, **params: str) -> str:
    """What the bot says after a step: what was recorded, then where the asset stands."""
    done = ctx.t(
        key, number=moved.number, amount=format_yuan(amount) if amount is not None else "—", **params
    )
    return "\n".join([done, asset_line(ctx, moved), ctx.t("asset.undo_none")])


FEATURE = Feature(
    commands=(
        Command(
            "asset",
            asset,
            keywords=("资产", "抵债"),
            writes=True,
            listed_for=EVERYONE,
        ),
    ),
    choices=(
        Choice("assetok", confirm_pressed, writes=True),
        Choice("assetno", refuse_pressed, writes=True),
    ),
)
