"""The ranking chart: a PNG a leader can read, with its Chinese drawn in the shipped font, never as empty boxes."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from PIL import Image

from core.campaign import Campaign, format_rate
from core.ranking import Ranking, UnitFigures, rank_units
from reminders.chart import (
    CALM_COLOUR,
    CHART_TEXTS,
    WARNING_COLOUR,
    chart_font,
    chart_font_path,
    missing_glyphs,
    ranking_chart,
    ranking_figure,
)
from seed.campaign import generate_campaign

CAMPAIGN = Campaign(date(2026, 1, 1), date(2026, 12, 31), ZoneInfo("Asia/Shanghai"))
DAY = date(2026, 11, 29)
EXPECTED = CAMPAIGN.expected_progress(DAY)  # 333 days of 365: 91.2%
TYPICAL_NAMES = ["城关信用社", "东风支行", "清收专班", "各单位清收完成率排名", "营业部", "农商银行公司业务部"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@cache
def demo_unit_names() -> tuple[str, ...]:
    return tuple(unit.name for unit in generate_campaign("city", CAMPAIGN, DAY).units)


def ranking_of(names: list[str] | tuple[str, ...]) -> Ranking:
    """Units with rates spread from 0% to 120% (name order scrambled), so some lag the expected line."""
    count = len(names)
    target = Decimal(1_000_000)
    figures = []
    for number, name in enumerate(names, start=1):
        share = Decimal((number * 7919) % count) / Decimal(count) * Decimal("1.2")
        recovered = (target * share).quantize(Decimal("0.01"))
        figures.append(
            UnitFigures(
                number, name, "张主任", target, recovered, recovered * Decimal("0.9"), cases=10, settled=4
            )
        )
    return rank_units(figures, DAY, EXPECTED)


def small_ranking() -> Ranking:
    return ranking_of(["城关信用社", "东风支行", "营业部", "光明信用社", "清收专班"])


def drawn_texts(figure: Figure) -> list[Text]:
    """The visible texts of a drawn figure, tick labels included."""
    figure.canvas.draw()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def is_chinese(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


def chinese_characters(text: str) -> list[str]:
    return sorted({ch for ch in text if ord(ch) >= 0x2E80})


def chart_strings(language: str) -> Iterator[str]:
    texts = CHART_TEXTS[language]
    yield texts["title"].format(day=DAY.isoformat())
    yield texts["expected"].format(rate="91.0%")
    yield texts["gap"].format(count=960)
    yield texts["axis"]


def missing_glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


# The font covers what the chart writes.


def test_shipped_font_covers_every_demo_unit_name() -> None:
    names = demo_unit_names()
    assert len(names) >= 40
    assert missing_glyphs("".join(names)) == set()


@pytest.mark.parametrize("name", TYPICAL_NAMES)
def test_shipped_font_covers_typical_names(name: str) -> None:
    assert missing_glyphs(name) == set()


@pytest.mark.parametrize("language", sorted(CHART_TEXTS))
def test_shipped_font_covers_every_text_of_the_chart(language: str) -> None:
    assert missing_glyphs("".join(chart_strings(language))) == set()


def test_missing_glyphs_names_the_characters_outside_the_subset() -> None:
    # 𠮷 and 㐀 are outside GB 2312; spaces are never "missing".
    assert missing_glyphs("𠮷野 信用社\t㐀") == {"𠮷", "㐀"}


def test_the_font_ships_with_its_licence() -> None:
    folder = chart_font_path().parent
    assert chart_font_path().is_file()
    licence = (folder / "OFL.txt").read_text(encoding="utf-8")
    assert licence.startswith("Copyright © 2014, 2015 Adobe Systems Incorporated")
    assert "SIL OPEN FONT LICENSE" in licence
    assert "Reserved Font Name" in licence


# Chinese is drawn with real glyphs.


def test_the_shipped_font_has_a_glyph_for_each_chinese_character_the_chart_writes() -> None:
    font = get_font(chart_font_path())
    for text in [*chart_strings("zh"), *TYPICAL_NAMES]:
        for ch in chinese_characters(text):
            assert font.get_char_index(ord(ch)) != 0, ch


def test_the_default_font_would_draw_boxes() -> None:
    # Why the chart ships a font: matplotlib's default has none of these characters.
    default = get_font(findfont(FontProperties(family="DejaVu Sans"), fallback_to_default=False))
    for ch in chinese_characters("".join([*chart_strings("zh"), *TYPICAL_NAMES])):
        assert default.get_char_index(ord(ch)) == 0, ch


def test_distinct_characters_get_distinct_outlines() -> None:
    # Empty boxes all look alike; real glyphs do not.
    characters = chinese_characters("".join(chart_strings("zh")))
    outlines = {
        ch: TextPath((0, 0), ch, prop=chart_font(12)).vertices.round(2).tobytes() for ch in characters
    }
    assert len(set(outlines.values())) == len(characters)


def test_every_chinese_text_of_the_chart_is_drawn_in_the_shipped_font() -> None:
    figure = ranking_figure(small_ranking())
    texts = drawn_texts(figure)
    chinese = [t for t in texts if is_chinese(t.get_text())]
    shown = {t.get_text() for t in chinese}
    assert "各单位清收完成率排名（2026-11-29）" in shown
    assert "时间进度 91.2%" in shown
    assert "1. " + small_ranking().units[0].unit in shown
    for text in chinese:
        assert Path(findfont(text.get_fontproperties())) == chart_font_path(), text.get_text()


def test_numbers_are_drawn_in_the_same_font() -> None:
    # Tick labels and bar labels too, so the chart does not mix two typefaces.
    texts = drawn_texts(ranking_figure(small_ranking()))
    assert any(t.get_text() == "20%" for t in texts)
    for text in texts:
        assert Path(findfont(text.get_fontproperties())) == chart_font_path(), text.get_text()


def test_drawing_warns_of_no_missing_glyph() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ranking_chart(ranking_of(demo_unit_names()))
        ranking_chart(small_ranking(), "en")
    assert missing_glyph_warnings(caught) == []


def test_drawing_chinese_in_the_default_font_does_warn() -> None:
    # The check above would catch the default font: matplotlib warns when it draws a box.
    figure = Figure()
    figure.text(0.5, 0.5, "清收专班")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert missing_glyph_warnings(caught)


def test_a_unit_name_outside_the_font_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="reminders.chart"):
        ranking_figure(ranking_of(["𠮷野信用社", "城关信用社"]))
    assert "𠮷" in caplog.text


# The picture.


def test_the_chart_is_a_png_of_a_sensible_size() -> None:
    png = ranking_chart(small_ranking())
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as picture:
        assert picture.format == "PNG"
        width, height = picture.size
    assert 800 <= width <= 1600
    assert 300 <= height <= 1000
    assert len(png) < 100_000


def test_fifty_units_fit_a_readable_png() -> None:
    png = ranking_chart(ranking_of(demo_unit_names()))
    with Image.open(io.BytesIO(png)) as picture:
        width, height = picture.size
    assert width >= 1000
    assert height >= 41 * 25  # at least 25 pixels a row
    assert len(png) < 300_000


def test_units_are_listed_best_first_from_the_top() -> None:
    ranking = small_ranking()
    figure = ranking_figure(ranking)
    figure.canvas.draw()
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{u.rank}. {u.unit}" for u in ranking.units]
    # Display y grows upwards: the first bar is the highest on the picture.
    tops = [bar.get_window_extent().y1 for bar in ax.containers[0]]
    assert tops == sorted(tops, reverse=True)


def test_bars_below_the_expected_line_are_in_the_warning_colour() -> None:
    ranking = small_ranking()
    ax = ranking_figure(ranking).axes[0]
    bars = list(ax.containers[0])
    assert len(bars) == len(ranking.units)
    below = [u.rate < ranking.expected for u in ranking.units]
    assert any(below) and not all(below)
    for bar, unit, lagging in zip(bars, ranking.units, below, strict=True):
        colour = WARNING_COLOUR if lagging else CALM_COLOUR
        assert bar.get_facecolor() == to_rgba(colour), unit.unit
        assert bar.get_width() == pytest.approx(float(unit.rate))


def test_each_bar_is_labelled_with_its_rate() -> None:
    ranking = small_ranking()
    figure = ranking_figure(ranking)
    shown = [t.get_text() for t in drawn_texts(figure)]
    for unit in ranking.units:
        assert format_rate(unit.rate) in shown


def test_the_expected_progress_line_is_dashed_and_labelled() -> None:
    ranking = small_ranking()
    figure = ranking_figure(ranking)
    ax = figure.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert list(dashed[0].get_xdata()) == [pytest.approx(float(ranking.expected))] * 2
    assert "时间进度 " + format_rate(ranking.expected) in [t.get_text() for t in drawn_texts(figure)]


def test_english_chart() -> None:
    texts = [t.get_text() for t in drawn_texts(ranking_figure(small_ranking(), "en"))]
    assert "Completion rate by unit (2026-11-29)" in texts
    assert "Expected progress 91.2%" in texts


# More units than fit.


def test_more_than_forty_units_show_the_first_and_last_twenty() -> None:
    ranking = ranking_of(demo_unit_names())
    assert len(ranking.units) == 50
    ax = ranking_figure(ranking).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 41
    assert labels[:20] == [f"{u.rank}. {u.unit}" for u in ranking.units[:20]]
    assert labels[20] == "……（中间 10 个单位略）"
    assert labels[21:] == [f"{u.rank}. {u.unit}" for u in ranking.units[-20:]]
    assert labels[-1] == f"50. {ranking.units[-1].unit}"
    assert len(ax.containers[0]) == 40


def test_a_province_shows_its_last_unit() -> None:
    ranking = ranking_of([f"第{n}信用社" for n in range(1, 1001)])
    ax = ranking_figure(ranking).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 41
    assert labels[20] == "……（中间 960 个单位略）"
    assert ranking.units[-1].unit in labels[-1]
    assert labels[-1].startswith("1000. ")


def test_forty_units_need_no_gap() -> None:
    ranking = ranking_of(demo_unit_names()[:40])
    labels = [t.get_text() for t in ranking_figure(ranking).axes[0].get_yticklabels()]
    assert len(labels) == 40
    assert not any(label.startswith("…") for label in labels)


def test_charts_drawn_in_parallel_are_the_same_as_one_drawn_alone() -> None:
    ranking = small_ranking()
    alone = ranking_chart(ranking)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(ranking_chart, [ranking] * 4))
    assert together == [alone] * 4
