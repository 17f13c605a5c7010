"""Progress of the campaign, of a unit and of an officer."""

from __future__ import annotations

from core.assets import STATES
from core.campaign import format_points, format_rate
from core.early_warning import watch_figures
from core.errors import UserError
from core.litigation import lawsuit_figures
from core.messages import Button, Response
from core.money import format_wan, format_yuan
from core.permissions import can_see_unit
from core.progress_lines import officer_lines
from core.ranking import shared_ranks
from core.texts import render
from handlers.accountability import line as accountability_line
from handlers.context import Context
from handlers.registry import EVERYONE, Choice, Command, Feature
from store.accountability import Accountability
from store.ledger import Store

TOP_UNITS = 5
# A card names this many of the lawsuits stuck longest.
SLOW_SHOWN = 5


def campaign_summary(store: Store, language: str = "zh") -> str:
    """The campaign in a few lines: totals, money, expected progress and the best units."""
    summary = store.campaign_summary()
    today = store.today()
    campaign = store.campaign
    rate = summary.recovered / summary.target if summary.target > 0 else 0
    lines = [
        render("summary.title", language, day=today.isoformat()),
        render(
            "summary.totals",
            language,
            units=summary.units,
            people=summary.people,
            cases=summary.cases,
            settled=summary.settled,
        ),
        render(
            "summary.money",
            language,
            target=format_wan(summary.target),
            recovered=format_wan(summary.recovered),
            rate=format_rate(rate),
            pending=format_wan(summary.pending),
        ),
        render(
            "summary.expected",
            language,
            expected=format_rate(campaign.expected_progress(today)),
            start=campaign.start.isoformat(),
            end=campaign.end.isoformat(),
        ),
        render("summary.top", language),
    ]
    ranks = shared_ranks([unit.rate for unit in summary.ranking])
    for rank, unit in zip(ranks[:TOP_UNITS], summary.ranking[:TOP_UNITS], strict=True):
        lines.append(
            render(
                "summary.unit_line",
                language,
                rank=rank,
                unit=unit.unit,
                rate=format_rate(unit.rate),
                recovered=format_wan(unit.recovered),
                target=format_wan(unit.target),
            )
        )
    return "\n".join(lines)


def status(ctx: Context, args: list[str]) -> Response:
    """The progress card the sender may see: their own, their unit's, or any unit's and the campaign's."""
    me = ctx.me
    name = " ".join(args).strip()
    if me.role == "officer":
        if name and name != me.name:
            raise UserError("status.officer_only_self")
        return Response.text(_officer_card(ctx))
    if not name:
        if me.role == "unit_lead" and me.unit:
            return Response.text(_unit_card(ctx, me.unit))
        return Response.text(_with_tracks(ctx, campaign_summary(ctx.store, ctx.config.language), None))
    # 进度 永原: a unit by its name or by a part of it that only one unit's name holds.
    named = ctx.store.units_named(name)
    if not named:
        raise UserError("ledger.unknown_unit", unit=name)
    if len(named) > 1:
        buttons = tuple((Button(unit, f"unit:{unit}"),) for unit in named)
        return Response.text(ctx.t("status.several_units", text=name, count=len(named)), buttons)
    name = named[0]
    unit_id = ctx.store.unit_id(name)
    if unit_id is None or not can_see_unit(me, unit_id):
        raise UserError("status.not_your_unit", unit=name)
    return Response.text(_unit_card(ctx, name))


def _with_tracks(ctx: Context, card: str, unit_id: int | None) -> str:
    """A progress card with its lawsuits', foreclosed assets' and new loans' figures below it (those it has),
    and a unit's accountability records."""
    card = _with_loans(ctx, _with_assets(ctx, _with_lawsuits(ctx, card, unit_id), unit_id), unit_id)
    if unit_id is None:
        return card
    return _with_accountability(card, ctx, ctx.store.accountability_of(unit_id=unit_id))


def _with_accountability(card: str, ctx: Context, records: list[Accountability]) -> str:
    """A card with the latest accountability records on its unit or person (SPEC §10), when there are any."""
    if not records:
        return card
    return "\n".join([card, ctx.t("status.accountability"), *(accountability_line(ctx, r) for r in records)])


def _with_assets(ctx: Context, card: str, unit_id: int | None) -> str:
    """A progress card with its foreclosed assets by state, their offset and realised totals and how many are
    past their disposal deadline (when there are any)."""
    figures = ctx.store.asset_figures(unit_id, ctx.today())
    if not figures.by_state:
        return card
    separator = ctx.t("list.separator")
    states = separator.join(
        ctx.t("status.asset_state", state=ctx.t(f"asset_state.{state}"), count=figures.by_state[state])
        for state in STATES
        if state in figures.by_state
    )
    lines = [
        card,
        ctx.t(
            "status.assets",
            states=states,
            offset=format_yuan(figures.offset_total),
            realised=format_yuan(figures.realised_total),
        ),
    ]
    if figures.overdue:
        shown = ctx.t("list.separator").join(figures.overdue[:SLOW_SHOWN])
        lines.append(ctx.t("status.assets_overdue", count=len(figures.overdue), numbers=shown))
    return "\n".join(lines)


def _with_loans(ctx: Context, card: str, unit_id: int | None) -> str:
    """A progress card with its new loans watched (SPEC §10, 三): overdue by bucket, classified better than
    their days overdue allow, large ones overdue, and those that joined the campaign (when there are any)."""
    loans = ctx.store.watched_loans(unit_id)
    figures = watch_figures(
        ((loan.figures, loan.joined_on is not None) for loan in loans),
        ctx.today(),
        ctx.config.large_loan_amount,
    )
    if not figures.loans:
        return card
    b1, b2, b3, b4 = figures.buckets
    return "\n".join(
        [
            card,
            ctx.t(
                "status.loans",
                loans=figures.loans,
                balance=format_wan(figures.balance),
                overdue=figures.overdue,
                overdue_balance=format_wan(figures.overdue_balance),
            ),
            ctx.t("status.loans_buckets", b1=b1, b2=b2, b3=b3, b4=b4),
            ctx.t(
                "status.loans_flags",
                mismatched=figures.mismatched,
                large=figures.large_overdue,
                joined=figures.joined,
            ),
        ]
    )


def _with_lawsuits(ctx: Context, card: str, unit_id: int | None) -> str:
    """A progress card with its lawsuits' figures below it (when there are any)."""
    figures = lawsuit_figures(ctx.store.stages_by_loan(unit_id), ctx.today())
    if not figures.at_stage:
        return card
    separator = ctx.t("list.separator")
    lines = [
        card,
        ctx.t(
            "status.lawsuits",
            stages=separator.join(
                ctx.t("status.lawsuit_stage", stage=ctx.t(f"stage.{stage}"), count=count)
                for stage, count in figures.at_stage.items()
            ),
        ),
        ctx.t(
            "status.lawsuit_days",
            judged=_median(ctx, figures.filed_to_judged),
            enforced=_median(ctx, figures.judged_to_enforced),
        ),
    ]
    if figures.slow:
        shown = separator.join(
            ctx.t("status.lawsuit_slow_case", loan_no=loan_no, stage=ctx.t(f"stage.{entry.stage}"), days=days)
            for loan_no, entry, days in figures.slow[:SLOW_SHOWN]
        )
        lines.append(ctx.t("status.lawsuit_slow", count=len(figures.slow), cases=shown))
    return "\n".join(lines)


def _median(ctx: Context, days: int | None) -> str:
    return ctx.t("status.median_none") if days is None else ctx.t("status.median_days", days=days)


def _unit_card(ctx: Context, unit_name: str) -> str:
    ranking = ctx.store.unit_progress()
    ranks = shared_ranks([u.rate for u in ranking])
    position, unit = next((r, u) for r, u in zip(ranks, ranking, strict=True) if u.unit == unit_name)
    expected = ctx.campaign.expected_progress(ctx.today())
    gap = unit.target * expected - unit.recovered
    lines = [
        ctx.t("status.unit_title", unit=unit.unit, day=ctx.today().isoformat()),
        ctx.t("status.unit_rank", rank=position, total=len(ranking)),
        ctx.t(
            "status.unit_money",
            target=format_wan(unit.target),
            recovered=format_wan(unit.recovered),
            rate=format_rate(unit.rate),
        ),
        ctx.t("status.unit_expected", expected=format_rate(expected))
        + (
            ctx.t("status.unit_gap", points=format_points(expected, unit.rate), gap=format_wan(gap))
            if gap > 0
            else ctx.t("status.unit_ahead")
        ),
        ctx.t("status.unit_cases", settled=unit.settled, cases=unit.cases),
    ]
    unit_id = ctx.store.unit_id(unit_name)
    if unit_id is not None and not ctx.incoming.is_group:
        officers = ctx.store.officer_progress(unit_id)
        if officers:
            lines.append(ctx.t("status.officers"))
            lines.extend(officer_lines(officers, ctx.config.language))
    return _with_tracks(ctx, "\n".join(lines), unit_id) if unit_id is not None else "\n".join(lines)


def _officer_card(ctx: Context) -> str:
    me = ctx.me
    mine, due = ctx.store.own_progress(me, ctx.config.reminder_days, ctx.today())
    lines = [
        ctx.t("status.officer_title", name=me.name, unit=me.unit or "", day=ctx.today().isoformat()),
        ctx.t(
            "status.officer_money",
            recovered=format_wan(mine.recovered),
            start=format_wan(mine.start_balance),
            target=format_wan(mine.aim),
            rate=format_rate(mine.rate),
        ),
        ctx.t("status.officer_cases", cases=mine.cases, settled=mine.settled, open=mine.cases - mine.settled),
        ctx.t("status.officer_due", count=due, days=ctx.config.reminder_days),
    ]
    return _with_accountability("\n".join(lines), ctx, ctx.store.accountability_of(person_id=me.id))


FEATURE = Feature(
    commands=(Command("status", status, keywords=("进度",), in_group=True, listed_for=EVERYONE),),
    choices=(Choice("unit", lambda ctx, unit: status(ctx, [unit])),),
)
