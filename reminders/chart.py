"""The daily ranking as a picture: every unit's completion rate against the expected-progress line."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from fontTools.ttLib import TTFont
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory
from PIL import Image

from core.campaign import format_rate
from core.ranking import Ranking

log = logging.getLogger(__name__)

# The chart's own words: the picture is drawn here, not by a handler, so its few strings stay beside it.
CHART_TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "各单位清收完成率排名（{day}）",
        "expected": "时间进度 {rate}",
        "gap": "……（中间 {count} 个单位略）",
        "axis": "完成率",
    },
    "en": {
        "title": "Completion rate by unit ({day})",
        "expected": "Expected progress {rate}",
        "gap": "… ({count} units not shown)",
        "axis": "Completion rate",
    },
}

FONT_FAMILY = "Qingshou Sans CJK SC"
# Characters outside the subset (a rare hanzi in a unit's name) are drawn from matplotlib's own font.
FALLBACK_FAMILY = "DejaVu Sans"
FONT_FILE = "QingshouSansCJKsc-Regular.otf"

# Beyond this many units (a province has 1,000) only the head and the tail are drawn, or no bar is legible.
MAX_ROWS = 40
SHOWN_AT_EACH_END = MAX_ROWS // 2

WARNING_COLOUR = "#d9534f"  # below the expected-progress line
CALM_COLOUR = "#4a86c5"
GAP_COLOUR = "#eeeeee"
LINE_COLOUR = "#333333"

WIDTH_INCHES = 10.0
ROW_INCHES = 0.28
MARGIN_INCHES = 1.5  # title, line label and x axis
DPI = 110
PALETTE_COLOURS = 64

# A unit's row in a chart: its standing on the daily ranking or its figures in the dispatch pack.
_Row = TypeVar("_Row")

_font_lock = threading.Lock()
_font_added = False


def chart_font_path() -> Path:
    """The CJK font shipped with the bot for drawing charts."""
    return Path(__file__).parent / "fonts" / FONT_FILE


def _register_font() -> None:
    # The font manager is process-wide; add the shipped font to it once, whichever thread draws first.
    global _font_added
    with _font_lock:
        if not _font_added:
            fontManager.addfont(chart_font_path())
            _font_added = True


@cache
def _covered() -> frozenset[int]:
    with TTFont(chart_font_path()) as font:
        return frozenset(font["cmap"].getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` (whitespace aside) that the shipped chart font has no glyph for."""
    covered = _covered()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}


def chart_font(size: float) -> FontProperties:
    """The chart's font at `size` points: the shipped CJK subset, then DejaVu Sans for anything it lacks."""
    _register_font()
    return FontProperties(family=[FONT_FAMILY, FALLBACK_FAMILY], size=size)


def text_style(size: float) -> dict[str, Any]:
    """Keyword arguments for a chart's text at `size` points: the chart's font, and no mathtext."""
    # Unit names come from spreadsheets: a stray "$" must not switch matplotlib to mathtext (and its fonts).
    return {"fontproperties": chart_font(size), "parse_math": False}


def shown_rows(units: Sequence[_Row]) -> tuple[list[_Row | None], int]:
    """The rows to draw, top to bottom (None: the gap between the head and the tail), and how many units the
    gap stands for."""
    if len(units) <= MAX_ROWS:
        return list(units), 0
    hidden = len(units) - 2 * SHOWN_AT_EACH_END
    return [*units[:SHOWN_AT_EACH_END], None, *units[-SHOWN_AT_EACH_END:]], hidden


def unit_axes(
    units: Sequence[_Row],
    gap_label: str,
    width_inches: float = WIDTH_INCHES,
    margin_inches: float = MARGIN_INCHES,
) -> tuple[Figure, Axes, list[_Row | None], list[tuple[int, _Row]]]:
    """A figure with one row per unit (best at the top, the middle left out past MAX_ROWS and shaded, its
    label `gap_label` with the count of units it stands for): the figure, its axes, the rows drawn and the bars'
    (row, unit) pairs."""
    rows, hidden = shown_rows(units)
    bars = [(y, u) for y, u in enumerate(rows) if u is not None]
    lacking = missing_glyphs("".join(u.unit for _, u in bars))
    if lacking:
        log.warning("chart font lacks %s; drawn from %s instead", "".join(sorted(lacking)), FALLBACK_FAMILY)

    height = margin_inches + ROW_INCHES * max(len(rows), 6)
    figure = Figure(figsize=(width_inches, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    # Row 0 at the top, as a ranking is read.
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    labels = [gap_label.format(count=hidden) if u is None else f"{u.rank}. {u.unit}" for u in rows]
    ax.set_yticks(range(len(rows)), labels, **text_style(9.5))
    ax.tick_params(axis="y", length=0)
    for y, u in enumerate(rows):
        if u is None:
            ax.axhspan(y - 0.5, y + 0.5, color=GAP_COLOUR, zorder=0)
    return figure, ax, rows, bars


def label_rates(ax: Axes, bars: BarContainer, rates: Sequence[Decimal]) -> None:
    """Each bar's rate at its end, on a white backing that keeps a rate just past the dashed line readable."""
    ax.bar_label(
        bars,
        labels=[format_rate(rate) for rate in rates],
        padding=3,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.5},
        zorder=4,
        **text_style(9),
    )


def expected_line(ax: Axes, expected: Decimal, label: str, axis_label: str, rates: list[float]) -> None:
    """The rate axis, the dashed expected-progress line and its label above the plot; light grid lines."""
    line = float(expected)
    rate_axis(ax, [*rates, line], axis_label)
    ax.axvline(line, color=LINE_COLOUR, linestyle="--", linewidth=1.2, zorder=3)
    ax.text(
        line,
        1.0,
        label,
        transform=blended_transform_factory(ax.transData, ax.transAxes),
        ha="center",
        va="bottom",
        color=LINE_COLOUR,
        **text_style(10),
    )


def finish(figure: Figure, ax: Axes, title: str) -> Figure:
    """The chart's title, and the frame and grid every chart has."""
    figure.suptitle(title, **text_style(14))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8, zorder=0)
    return figure


def ranking_figure(ranking: Ranking, language: str = "zh") -> Figure:
    """The ranking chart as a matplotlib figure: one bar per unit, best at the top, and the expected line."""
    texts = CHART_TEXTS.get(language, CHART_TEXTS["zh"])
    figure, ax, _rows, bars = unit_axes(ranking.units, texts["gap"])
    rates = [float(u.rate) for _, u in bars]
    container = ax.barh(
        [y for y, _ in bars],
        rates,
        height=0.7,
        color=[WARNING_COLOUR if u.rate < ranking.expected else CALM_COLOUR for _, u in bars],
        zorder=2,
    )
    label_rates(ax, container, [u.rate for _, u in bars])
    label = texts["expected"].format(rate=format_rate(ranking.expected))
    expected_line(ax, ranking.expected, label, texts["axis"], rates)
    return finish(figure, ax, texts["title"].format(day=ranking.day.isoformat()))


def rate_axis(ax: Axes, values: list[float], label: str) -> None:
    """The x axis of completion rates: from 0 (or the lowest rate) to past the highest, in percent."""
    # Room on the right for the bar labels; rates may pass 100% or, after reversals, dip below 0.
    low = min(0.0, *values)
    high = max(0.1, *values) * 1.15
    ax.set_xlim(low, high)
    locator = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10])
    ticks = [t for t in locator.tick_values(low, high) if low <= t <= high]
    # Fixed tick labels, so they too are drawn with the chart's font rather than the global default.
    ax.set_xticks(ticks, [f"{t * 100:g}%" for t in ticks], **text_style(9))
    ax.set_xlabel(label, **text_style(10))


def ranking_chart(ranking: Ranking, language: str = "zh") -> bytes:
    """The day's ranking as a PNG: completion rate per unit, best at the top, with the expected-progress line."""
    return figure_png(ranking_figure(ranking, language))


def figure_png(figure: Figure) -> bytes:
    """A drawn chart as a PNG in a palette of PALETTE_COLOURS colours."""
    canvas = FigureCanvasAgg(figure)
    pixels, size = canvas.print_to_buffer()
    # A chart has a handful of colours: a 64-colour palette looks the same and the PNG is a third of the size,
    # which matters on a WeCom or Telegram upload from a county branch and inside the pack's Word document.
    picture = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    picture.quantize(PALETTE_COLOURS).save(buffer, format="PNG")
    return buffer.getvalue()
