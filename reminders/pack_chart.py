"""The dispatch pack's chart: each unit's completion rate as what it had before the period and what the period
added, stacked, against the expected-progress line."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from core.campaign import format_rate
from core.pack import DispatchPack
from core.texts import render
from reminders.chart import (
    CALM_COLOUR,
    DPI,
    FALLBACK_FAMILY,
    GAP_COLOUR,
    LINE_COLOUR,
    ROW_INCHES,
    WARNING_COLOUR,
    chart_font,
    figure_png,
    missing_glyphs,
    rate_axis,
    shown_rows,
    text_style,
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
    rows, hidden = shown_rows(sorted(pack.units, key=lambda unit: unit.rank))
    bars = [(y, u) for y, u in enumerate(rows) if u is not None]
    lacking = missing_glyphs("".join(u.unit for _, u in bars))
    if lacking:
        log.warning("chart font lacks %s; drawn from %s instead", "".join(sorted(lacking)), FALLBACK_FAMILY)

    height = MARGIN_INCHES + ROW_INCHES * max(len(rows), 6)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    labels = [_text("gap", language, count=hidden) if u is None else f"{u.rank}. {u.unit}" for u in rows]
    ax.set_yticks(range(len(rows)), labels, **text_style(9.5))
    ax.tick_params(axis="y", length=0)
    # A unit below the line is named in red, as on the daily ranking.
    for label, unit in zip(ax.get_yticklabels(), rows, strict=True):
        if unit is not None and unit.rate < pack.expected:
            label.set_color(WARNING_COLOUR)
    for y, u in enumerate(rows):
        if u is None:
            ax.axhspan(y - 0.5, y + 0.5, color=GAP_COLOUR, zorder=0)

    ys = [y for y, _ in bars]
    # A period whose reversals took back more than it confirmed shows only the lower, current rate.
    before = [float(min(u.rate_before, u.rate)) for _, u in bars]
    added = [float(max(u.rate - u.rate_before, Decimal(0))) for _, u in bars]
    ax.barh(ys, before, height=0.7, color=BEFORE_COLOUR, zorder=2)
    period = ax.barh(ys, added, left=before, height=0.7, color=PERIOD_COLOUR, zorder=2)
    ax.bar_label(
        period,
        labels=[format_rate(u.rate) for _, u in bars],
        padding=3,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.5},
        zorder=4,
        **text_style(9),
    )

    expected = float(pack.expected)
    rate_axis(ax, [float(u.rate) for _, u in bars] + [expected], _text("axis", language))
    ax.axvline(expected, color=LINE_COLOUR, linestyle="--", linewidth=1.2, zorder=3)
    ax.text(
        expected,
        1.0,
        _text("expected", language, rate=format_rate(pack.expected)),
        transform=blended_transform_factory(ax.transData, ax.transAxes),
        ha="center",
        va="bottom",
        color=LINE_COLOUR,
        **text_style(10),
    )
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
    figure.suptitle(
        _text(
            "title", language, start=_day(pack.period_start, language), end=_day(pack.period_end, language)
        ),
        **text_style(14),
    )
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8, zorder=0)
    return figure


def pack_chart(pack: DispatchPack, language: str = "zh") -> bytes:
    """The pack's chart as a PNG: completion rate per unit before and in the period, best at the top."""
    return figure_png(pack_figure(pack, language))


def _day(day: date, language: str) -> str:
    return render(
        "pack.chart.day", language, month=render(f"notice.month.{day.month}", language), day=day.day
    )


def _text(key: str, language: str, **params: object) -> str:
    return render(f"pack.chart.{key}", language, **params)
