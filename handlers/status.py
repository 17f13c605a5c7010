"""Progress of the campaign, of a unit and of an officer."""

from __future__ import annotations

from core.campaign import format_rate
from core.money import format_wan
from core.texts import render
from store.ledger import Store

TOP_UNITS = 5


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
    for rank, unit in enumerate(summary.ranking[:TOP_UNITS], start=1):
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
