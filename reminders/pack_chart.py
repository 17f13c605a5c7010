"""The dispatch pack's chart: each unit's completion rate as what it had before the period and what the period
added, stacked, against the expected-progress line."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from core.campaign import format_rate
from core.pack import DispatchPack
from core.texts import render
from reminders.chart import (
    CALM_COLOUR,
    WARNING_COLOUR,
    chart_font,
    expected_line,
    figure_png,
    finish,
    label_rates,
    unit_axes,
)

log = logging.getLogger(__name__)

BEFORE_COLOUR = "#a9c4e4"  # what the unit had at the start of the period
PERIOD_COLOUR = CALM_COLOUR  # what the period added
# Narrower than the ranking chart: it is printed across the width of an A4 page's text.
WIDTH_INCHES = 8.0
MARGIN_INCHES = 1.9  # title, line label, x axis and the legend under it


def pack_figure(pack: DispatchPack, language: str = "zh") -> Figure:
    """The pack's chart as a matplotlib figure: per unit, best at the top, the rate before the period and what
    the period added, and the expected-progress line at the period's end."""
    gap = _text("gap", language, count="{count}")
    units = sorted(pack.units, key=lambda unit: unit.rank)
    figure, ax, rows, bars = unit_axes(units, gap, WIDTH_INCHES, MARGIN_INCHES)
    # A unit below the line is named in red, as on the daily ranking.
    for label, unit in zip(ax.get_yticklabels(), rows, strict=True):
        if unit is not None and unit.rate < pack.expected:
            label.set_color(WARNING_COLOUR)

    ys = [y for y, _ in bars]
    # A period whose reversals took back more than it confirmed shows only the lower, current rate.
    before = [float(min(u.rate_before, u.rate)) for _, u in bars]
    added = [float(max(u.rate - u.rate_before, Decimal(0))) for _, u in bars]
    ax.barh(ys, before, height=0.7, color=BEFORE_COLOUR, zorder=2)
    period = ax.barh(ys, added, left=before, height=0.7, color=PERIOD_COLOUR, zorder=2)
    label_rates(ax, period, [u.rate for _, u in bars])
    label = _text("expected", language, rate=format_rate(pack.expected))
    expected_line(ax, pack.expected, label, _text("axis", language), [float(u.rate) for _, u in bars])
    figure.legend(
        handles=[
            Patch(color=BEFORE_COLOUR, label=_text("before", language)),
            Patch(color=PERIOD_COLOUR, label=_text("in_period", language)),
        ],
        loc="outside lower center",
        ncols=2,
        frameon=False,
        prop=chart_font(9.5),
    )
    title = _text(
        "title", language, start=_day(pack.period_start, language), end=_day(pack.period_end, language)
    )
    return finish(figure, ax, title)


def pack_chart(pack: DispatchPack, language: str = "zh") -> bytes:
    """The pack's chart as a PNG: completion rate per unit before and in the period, best at the top."""
    return figure_png(pack_figure(pack, language))


def _day(day: date, language: str) -> str:
    return render(
        "pack.chart.day", language, month=render(f"notice.month.{day.month}", language), day=day.day
    )


def _text(key: str, language: str, **params: object) -> str:
    return render(f"pack.chart.{key}", language, **params)
