"""/target [EMP AMOUNT] (目标): an officer's own target and progress; a unit's targets per officer, which its
unit lead sets one officer at a time within the unit's total (SPEC §10)."""

from __future__ import annotations

from core.campaign import format_rate
from core.errors import UserError
from core.messages import Response
from core.money import format_wan, parse_amount
from core.ranking import gap_amount
from handlers.context import Context
from handlers.registry import EVERYONE, Command, Feature
from store.targets import UnitTargets

# What a unit lead writes to give an officer back a share of the unit's target.
BACK_TO_SHARE = ("默认", "按余额", "自动", "清除", "default", "auto", "clear")


def target(ctx: Context, args: list[str]) -> Response:
    """The sender's own target, a unit's targets, or (unit lead, admin) one officer's target set."""
    me = ctx.me
    if me.role == "officer":
        if args:
            raise UserError("target.officer_reads_own")
        return Response.text(_own(ctx))
    if len(args) >= 2 and me.role in ("unit_lead", "admin"):
        return Response.text(_set(ctx, args[0], " ".join(args[1:])))
    if len(args) >= 2 and ctx.store.person_by_employee_no(args[0]) is not None:
        raise UserError("target.leaders_read")
    if len(args) == 1 and me.role in ("unit_lead", "admin") and ctx.store.person_by_employee_no(args[0]):
        raise UserError("target.usage")
    unit_id = _unit_asked(ctx, " ".join(args).strip())
    return Response.text(_unit_lines(ctx, ctx.store.unit_targets([unit_id])[unit_id]))


def _own(ctx: Context) -> str:
    me = ctx.me
    mine, _due = ctx.store.own_progress(me, ctx.config.reminder_days, ctx.today())
    if mine.target is None or me.unit_id is None:
        raise UserError("target.none")
    targets = ctx.store.unit_targets([me.unit_id])[me.unit_id]
    how = "target.by_hand" if me.employee_no in targets.set_by_hand else "target.by_share"
    expected = ctx.campaign.expected_progress(ctx.today())
    lines = [
        ctx.t("target.own_title", name=me.name, unit=me.unit or "", day=ctx.today().isoformat()),
        ctx.t("target.own_amount", target=format_wan(mine.target), how=ctx.t(how)),
        ctx.t(
            "target.own_progress",
            recovered=format_wan(mine.recovered),
            rate=format_rate(mine.rate),
            expected=format_rate(expected),
        ),
    ]
    if mine.rate >= 1:
        lines.append(ctx.t("target.own_reached"))
    elif mine.rate < expected:
        lines.append(
            ctx.t("target.own_behind", gap=format_wan(gap_amount(mine.target, mine.recovered, expected)))
        )
    return "\n".join(lines)


def _unit_asked(ctx: Context, name: str) -> int:
    """The unit whose targets are asked for: the lead's own, or the one a leader or admin names."""
    me = ctx.me
    if not name:
        if me.unit_id is None:
            raise UserError("target.name_unit")
        return me.unit_id
    named = ctx.store.units_named(name)
    if len(named) != 1:
        raise UserError("ledger.unknown_unit" if not named else "target.several_units", unit=name)
    unit_id = ctx.store.unit_id(named[0])
    if unit_id is None or (me.role == "unit_lead" and unit_id != me.unit_id):
        raise UserError("target.own_unit_only", unit=named[0])
    return unit_id


def _set(ctx: Context, employee_no: str, written: str) -> str:
    amount = None if written.strip().lower() in BACK_TO_SHARE else parse_amount(written)
    change = ctx.store.set_officer_target(ctx.me, employee_no, amount, source=ctx.incoming.key)
    head = ctx.t(
        "target.set" if amount is not None else "target.shared",
        name=change.name,
        employee_no=change.employee_no,
        before=format_wan(change.before),
        after=format_wan(change.after),
    )
    return head + "\n" + _unit_lines(ctx, change.unit)


def _unit_lines(ctx: Context, unit: UnitTargets) -> str:
    lines = [ctx.t("target.unit_title", unit=unit.unit, target=format_wan(unit.target))]
    for number, amount in sorted(unit.officers.items(), key=lambda item: (-item[1], item[0])):
        how = "target.by_hand" if number in unit.set_by_hand else "target.by_share"
        lines.append(
            ctx.t(
                "target.unit_line",
                name=unit.names.get(number, number),
                employee_no=number,
                target=format_wan(amount),
                how=ctx.t(how),
            )
        )
    if not unit.officers:
        lines.append(ctx.t("target.no_officers"))
    left = unit.unassigned
    lines.append(ctx.t("target.remainder" if left >= 0 else "target.over", amount=format_wan(abs(left))))
    if ctx.me.role in ("unit_lead", "admin"):
        lines.append(ctx.t("target.how_to_set"))
    return "\n".join(lines)


FEATURE = Feature(commands=(Command("target", target, keywords=("目标",), writes=True, listed_for=EVERYONE),))
