"""/rank (排名): the ranking of units, and of officers within the sender's unit."""

from __future__ import annotations

from core.campaign import format_rate
from core.messages import Response
from core.money import format_wan
from core.progress_lines import officer_lines
from core.ranking import shared_ranks
from handlers.context import Context
from handlers.registry import EVERYONE, Command, Feature

SHOWN_UNITS = 20


def rank(ctx: Context, args: list[str]) -> Response:
    """Units by completion rate; the sender's own unit is always shown, and its officers below."""
    ranking = ctx.store.unit_progress()
    expected = ctx.campaign.expected_progress(ctx.today())
    lines = [ctx.t("rank.title", day=ctx.today().isoformat(), expected=format_rate(expected))]
    my_unit = ctx.me.unit
    ranks = shared_ranks([unit.rate for unit in ranking])
    for position, (rank, unit) in enumerate(zip(ranks, ranking, strict=True), start=1):
        if position > SHOWN_UNITS and unit.unit != my_unit:
            continue
        marker = "▶" if unit.unit == my_unit else ("⚠" if unit.rate < expected else " ")
        lines.append(
            ctx.t(
                "rank.line",
                marker=marker,
                rank=rank,
                unit=unit.unit,
                rate=format_rate(unit.rate),
                recovered=format_wan(unit.recovered),
                target=format_wan(unit.target),
            )
        )
    if len(ranking) > SHOWN_UNITS:
        lines.append(ctx.t("rank.more", count=len(ranking) - SHOWN_UNITS))
    if ctx.me.unit_id is not None and not ctx.incoming.is_group:
        lines.append(ctx.t("rank.officers", unit=my_unit))
        lines.extend(officer_lines(ctx.store.officer_progress(ctx.me.unit_id), ctx.config.language))
    return Response.text("\n".join(lines))


FEATURE = Feature(commands=(Command("rank", rank, keywords=("排名",), in_group=True, listed_for=EVERYONE),))
