"""Progress shown line by line, as both a reply and a scheduled message show it."""

from __future__ import annotations

from core.campaign import format_rate
from core.money import format_wan
from core.texts import render
from core.views import OfficerProgress


def officer_lines(officers: list[OfficerProgress], language: str) -> list[str]:
    """The officers of a unit, ranked, one line each."""
    return [
        render(
            "rank.officer_line",
            language,
            rank=position,
            name=o.name,
            rate=format_rate(o.rate),
            recovered=format_wan(o.recovered),
            target=format_wan(o.aim),
            settled=o.settled,
            cases=o.cases,
        )
        for position, o in enumerate(officers, start=1)
    ]
