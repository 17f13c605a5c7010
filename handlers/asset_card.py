"""How a foreclosed asset reads: its card (what it is, what it settled, where it stands, the realised figure
beside the offset, its deadline and history), its line in a list, and its deadline."""

from __future__ import annotations

from collections.abc import Sequence

from core.assets import DISPOSED, Realised, disposal_due
from core.money import format_yuan
from core.views import AssetStepView, AssetView
from handlers.context import Context


def asset_card(ctx: Context, asset: AssetView, steps: Sequence[AssetStepView]) -> str:
    """The asset's card, as `资产 编号` shows it."""
    lines = [
        ctx.t(
            "asset.card_title", number=asset.number, name=asset.name, kind=ctx.t(f"asset_kind.{asset.kind}")
        ),
        ctx.t(
            "asset.card_settles",
            loan_no=asset.loan_no,
            borrower=asset.borrower,
            amount=format_yuan(asset.offset_amount),
            offset=_offset_state(ctx, asset),
        ),
        ctx.t(
            "asset.card_held",
            title_no=asset.title_no or "—",
            received=asset.received_on.isoformat(),
            custodian=asset.custodian,
        ),
        ctx.t(
            "asset.card_state",
            state=ctx.t(f"asset_state.{asset.state}"),
            appraisal=_yuan(asset.appraisal),
            reserve=_yuan(asset.reserve),
        ),
    ]
    if asset.proceeds is not None:
        realised = Realised(asset.offset_amount, asset.proceeds)
        sign = "+" if realised.gain >= 0 else "-"
        lines.append(
            ctx.t(
                "asset.card_realised",
                proceeds=format_yuan(asset.proceeds),
                gain=sign + format_yuan(abs(realised.gain)),
            )
        )
    if asset.waits_for is not None:
        lines.append(ctx.t("asset.card_waiting", reason=ctx.t(f"asset.waits.{asset.waits_for}")))
    if asset.state != DISPOSED and not asset.void:
        lines.append(due_line(ctx, asset))
    lines.append(ctx.t("asset.card_steps"))
    lines.extend("· " + step_line(ctx, step) for step in steps)
    return "\n".join(lines)


def asset_line(ctx: Context, asset: AssetView) -> str:
    """An asset in a list: number, name, state, offset and (not yet disposed of) its deadline."""
    line = ctx.t(
        "asset.line",
        number=asset.number,
        name=asset.name,
        state=ctx.t(f"asset_state.{asset.state}"),
        amount=format_yuan(asset.offset_amount),
    )
    if asset.state == DISPOSED and asset.proceeds is not None:
        return line + ctx.t("asset.line_realised", proceeds=format_yuan(asset.proceeds))
    due = disposal_due(asset.kind, asset.received_on)
    return line + ctx.t("asset.line_due", day=due.isoformat(), days=(due - ctx.today()).days)


def due_line(ctx: Context, asset: AssetView) -> str:
    """The disposal deadline with the days left, or the days past it."""
    due = disposal_due(asset.kind, asset.received_on)
    left = (due - ctx.today()).days
    if left < 0:
        return ctx.t("asset.due_passed", day=due.isoformat(), days=-left)
    return ctx.t("asset.due", day=due.isoformat(), days=left)


def step_line(ctx: Context, step: AssetStepView) -> str:
    """One step of the asset's history, with its day and who took it."""
    what = ctx.t(
        f"asset.step.{step.action}",
        amount=_yuan(step.amount),
        party=step.party or "—",
        method=ctx.t(f"asset_method.{step.method}") if step.method else "—",
        until=step.until.isoformat() if step.until else "—",
        note=step.note or "—",
    )
    if step.waits_for is not None:
        what += ctx.t("asset.step.waits", reason=ctx.t(f"asset.waits.{step.waits_for}"))
    return ctx.t("asset.step", on=step.on.isoformat(), what=what, person=step.person)


def _offset_state(ctx: Context, asset: AssetView) -> str:
    if asset.void:
        return ctx.t("asset.offset_void")
    if asset.repayment_status is None:
        return ctx.t("asset.offset_imported")
    return ctx.t(f"repayment.{asset.repayment_status}")


def _yuan(amount: object) -> str:
    return "—" if amount is None else format_yuan(amount)  # type: ignore[arg-type]
