"""The half-monthly dispatch pack (每半月调度会材料, SPEC §10) as a Word document for the meeting: the overall
figures, then one numbered section per track, each a lead sentence and a table (or 本期无), in the house style
of the supervision notice."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from PIL import Image

from core.campaign import format_rate
from core.compliance import CONTACT_FLAGS, REPAYMENT_FLAGS, flag_words
from core.early_warning import WatchFigures
from core.money import format_wan
from core.pack import (
    DispatchPack,
    PackComplaint,
    PackLawsuit,
    PackOfficer,
    PackUnit,
    evidence_share,
)
from core.ranking import RUNGS, completion_rate
from core.texts import CATALOGUES, render
from reminders.pack_chart import pack_chart
from reminders.word import (
    CHINESE_NUMERALS,
    DEFAULT_ZONE,
    FONTS,
    TEXT_WIDTH,
    TITLE_SIZE,
    add_run,
    body_paragraph,
    fill_cell,
    grid_table,
    number_pages,
    saved,
    set_properties,
    set_up_page,
)

# Word shows every unit, and at most this many of each unit's lagging officers (the annex lists them all).
OFFICERS_PER_UNIT = 3
# Any other list longer than this shows its most urgent rows and says how many more the annex holds.
MOST_ROWS = 50
# A special report's text is cut to this many characters in Word; the annex has it whole.
REPORT_CHARACTERS = 120

# 五号: nine columns of figures fit the text width of GB/T 9704's page in it.
_TABLE_SIZE = Pt(10.5)
_FLAG_RED = RGBColor(0xC0, 0x00, 0x00)
_SECTION_SPACE = Pt(8)
# The chart is scaled to the text width, or to this height when that would be taller: it fits one page.
_CHART_HEIGHT = Cm(20)
# Characters XML cannot hold (text from chats may carry them), and line breaks a cell would lose.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
_WAN_SUFFIX = "万元"


@dataclass(frozen=True, slots=True)
class _Column:
    """A table column: its header (`pack.head.<key>`), width and alignment."""

    key: str
    width: Length
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER


_RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
_LEFT = WD_ALIGN_PARAGRAPH.LEFT
# Each table's columns; the widths add up to the text width (15.6 cm). Amounts are in 万元 (said above the
# table): 12345.67 takes 1.7 cm at 五号 with the cell's margins, and a date 2.3 cm (a font with wider digits
# than 仿宋's half-width ones wraps them at 2.1 cm). A unit's name of 9 characters stays on one line, so that
# a province's 1,000 units take some 25 pages rather than 50.
_UNIT_COLUMNS = (
    _Column("rank", Cm(1.0)),
    _Column("change", Cm(1.0)),
    _Column("unit", Cm(3.6), _LEFT),
    _Column("target", Cm(1.75), _RIGHT),
    _Column("before", Cm(1.75), _RIGHT),
    _Column("in_period", Cm(1.75), _RIGHT),
    _Column("recovered", Cm(1.75), _RIGHT),
    _Column("rate", Cm(1.5), _RIGHT),
    _Column("gap", Cm(1.5), _RIGHT),
)
_OFFICER_COLUMNS = (
    _Column("unit", Cm(3.6), _LEFT),
    _Column("employee_no", Cm(1.8)),
    _Column("officer", Cm(1.8)),
    _Column("target", Cm(1.9), _RIGHT),
    _Column("recovered", Cm(1.9), _RIGHT),
    _Column("rate", Cm(1.6), _RIGHT),
    _Column("gap", Cm(1.6), _RIGHT),
    _Column("cases", Cm(1.4), _RIGHT),
)
_NOTICE_COLUMNS = (
    _Column("day", Cm(2.4)),
    _Column("unit", Cm(4.4), _LEFT),
    _Column("number", Cm(5.2)),
    _Column("rung", Cm(3.6)),
)
_LAWSUIT_COLUMNS = (
    _Column("unit", Cm(2.2), _LEFT),
    _Column("loan_no", Cm(2.4)),
    _Column("borrower", Cm(1.8)),
    _Column("stage", Cm(1.7)),
    _Column("stage_day", Cm(2.3)),
    _Column("filed_to_judgment", Cm(1.5), _RIGHT),
    _Column("judgment_to_enforced", Cm(1.5), _RIGHT),
    _Column("missed", Cm(2.2), _LEFT),
)
_ASSET_COLUMNS = (
    _Column("asset_no", Cm(2.6)),
    _Column("unit", Cm(2.3), _LEFT),
    _Column("asset_name", Cm(2.3), _LEFT),
    _Column("state", Cm(1.4)),
    _Column("offset", Cm(1.5), _RIGHT),
    _Column("appraisal", Cm(1.5), _RIGHT),
    _Column("proceeds", Cm(1.5), _RIGHT),
    _Column("deadline", Cm(2.5)),
)
_STATUTE_COLUMNS = (
    _Column("unit", Cm(2.4), _LEFT),
    _Column("loan_no", Cm(2.6)),
    _Column("borrower", Cm(2.0)),
    _Column("officer", Cm(1.6)),
    _Column("outstanding", Cm(2.0), _RIGHT),
    _Column("expires", Cm(2.4)),
    _Column("days_left", Cm(2.6), _RIGHT),
)
_REPORT_COLUMNS = (
    _Column("at", Cm(2.2)),
    _Column("unit", Cm(2.4), _LEFT),
    _Column("reporter", Cm(1.6)),
    _Column("loan_no", Cm(2.4)),
    _Column("text", Cm(7.0), _LEFT),
)
_INACTIVE_COLUMNS = (
    _Column("unit", Cm(4.0), _LEFT),
    _Column("employee_no", Cm(2.4)),
    _Column("officer", Cm(2.4)),
    _Column("last_entry", Cm(3.0)),
    _Column("silent_days", Cm(3.8), _RIGHT),
)
_COMPLAINT_COLUMNS = (
    _Column("complaint_no", Cm(1.0)),
    _Column("day", Cm(2.1)),
    _Column("unit", Cm(2.0), _LEFT),
    _Column("case", Cm(2.7)),
    _Column("officer", Cm(1.5)),
    _Column("complaint", Cm(3.6), _LEFT),
    _Column("handling", Cm(2.6), _LEFT),
)
_FLAGGED_COLUMNS = (
    _Column("unit", Cm(1.9), _LEFT),
    # Wide enough for a loan number on one line (L2016000116).
    _Column("loan_no", Cm(2.7)),
    _Column("borrower", Cm(1.4)),
    _Column("amount", Cm(1.4), _RIGHT),
    _Column("paid_on", Cm(2.2)),
    _Column("reporter", Cm(1.4)),
    _Column("repayment_status", Cm(1.5)),
    _Column("flags", Cm(3.1), _LEFT),
)
# An officer's breaches: a column per contact rule, shared out of what the unit, name and total leave.
_BREACH_COLUMNS = (
    _Column("unit", Cm(4.0), _LEFT),
    _Column("officer", Cm(2.6)),
    *(_Column(f"breach.{flag}", Cm(6.0 / len(CONTACT_FLAGS)), _RIGHT) for flag in CONTACT_FLAGS),
    _Column("breaches", Cm(3.0), _RIGHT),
)
_EVIDENCE_COLUMNS = (
    _Column("unit", Cm(6.0), _LEFT),
    _Column("visits", Cm(3.2), _RIGHT),
    _Column("evidenced", Cm(3.2), _RIGHT),
    _Column("evidence_share", Cm(3.2), _RIGHT),
)
_ACCOUNTABILITY_COLUMNS = (
    _Column("at", Cm(2.2)),
    _Column("unit", Cm(2.2), _LEFT),
    _Column("subject", Cm(2.4), _LEFT),
    _Column("reason", Cm(2.0)),
    _Column("action", Cm(1.8)),
    _Column("note", Cm(3.2), _LEFT),
    _Column("recorded_by", Cm(1.8)),
)
# A unit's new loans: ten columns, so the unit's name gets five characters a line, as in the other narrow
# tables; a bucket's header is as wide as its "31–60天" or "90天以上" (with the space Word puts between digits and
# characters) under its "逾期" even in a font with wider digits than 黑体's.
_LOAN_COLUMNS = (
    _Column("unit", Cm(2.2), _LEFT),
    _Column("loans", Cm(1.2), _RIGHT),
    _Column("loan_balance", Cm(1.75), _RIGHT),
    _Column("overdue_1_30", Cm(1.6), _RIGHT),
    _Column("overdue_31_60", Cm(1.8), _RIGHT),
    _Column("overdue_61_90", Cm(1.8), _RIGHT),
    _Column("overdue_over_90", Cm(1.9), _RIGHT),
    _Column("mismatched", Cm(1.1), _RIGHT),
    _Column("large_overdue", Cm(1.1), _RIGHT),
    _Column("joined", Cm(1.15), _RIGHT),
)

# A table row: its cells' texts and whether it is flagged (printed in red: a missed deadline, an expired
# statute, an asset past its disposal deadline, a unit's new loan misclassified or large and overdue).
_Row = tuple[Sequence[str], bool]


def pack_document(
    pack: DispatchPack, language: str = "zh", zone: ZoneInfo = DEFAULT_ZONE, chart: bytes | None = None
) -> bytes:
    """The dispatch pack as a .docx for the meeting, the same bytes every time for the same pack (times of
    day in the campaign's time zone); `chart` is pack_chart's PNG when the caller has drawn it already."""
    language = language if language in FONTS else "zh"
    fonts = FONTS[language]
    document = Document()
    set_up_page(document, language)
    number_pages(document, language)
    # Unlike a letter, a meeting's material is numbered from its first page.
    document.sections[0].different_first_page_header_footer = False

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title_text = pack_title(pack, language)
    add_run(title, _text("title", language), fonts["title"], size=TITLE_SIZE, bold=True)
    title.add_run().add_break()
    add_run(title, _text("period", language, period=period_text(pack, language)), fonts["title"], TITLE_SIZE)
    byline = document.add_paragraph()
    byline.alignment = WD_ALIGN_PARAGRAPH.CENTER
    byline.paragraph_format.space_before = Pt(6)
    byline.paragraph_format.space_after = Pt(14)
    add_run(
        byline,
        _text("byline", language, issuer=pack.issuer, day=long_date(pack.day, language)),
        fonts["body"],
    )

    for sentence in overall(pack, language):
        add_run(body_paragraph(document), sentence, fonts["body"])

    sections = (
        _units_section,
        _officers_section,
        _notices_section,
        _lawsuits_section,
        _assets_section,
        _statutes_section,
        _reports_section,
        _complaints_section,
        _inactive_section,
        _integrity_section,
        _accountability_section,
        # Added after the others, so that theirs keep the numbers the meetings know them by.
        _loans_section,
    )
    for position, section in enumerate(sections):
        section(document, pack, language, position, zone)
        if section is _units_section and pack.units:
            _add_chart(document, chart or pack_chart(pack, language))

    annex = body_paragraph(document)
    annex.paragraph_format.space_before = _SECTION_SPACE
    add_run(annex, _text("annex", language), fonts["body"])

    # Title, issuer and the day alone: the same pack gives the same file.
    set_properties(
        document,
        title=title_text,
        subject=_text("title", language),
        author=pack.issuer,
        language=language,
        day=pack.day,
        zone=zone,
    )
    return saved(document, pack.day)


def pack_title(pack: DispatchPack, language: str = "zh") -> str:
    """The pack's title with its period, as one line (the document's title and the file's)."""
    return _text("title", language) + _text("period", language, period=period_text(pack, language))


def period_text(pack: DispatchPack, language: str = "zh") -> str:
    """2026年11月16日—11月30日: the period's first and last day, the year once when both share it."""
    start, end = pack.period_start, pack.period_end
    if start.year != end.year:
        return _text("date_range", language, start=long_date(start, language), end=long_date(end, language))
    first = _text("date_in_year", language, month=_month(start, language), day=start.day)
    last = _text("date_in_year", language, month=_month(end, language), day=end.day)
    return _text("date_range_in_year", language, year=start.year, start=first, end=last)


def long_date(day: date, language: str = "zh") -> str:
    """2026年11月30日 / 30 November 2026, without leading zeros as official documents write dates."""
    return _text("date", language, year=day.year, month=_month(day, language), day=day.day)


def overall(pack: DispatchPack, language: str = "zh") -> list[str]:
    """The overall paragraph's sentences: target, cumulative recovered and rate against the line, the period."""
    if not pack.units:
        return [_text("no_units", language)]
    rate = pack.rate
    if rate < pack.expected:
        versus = _text(
            "versus_behind",
            language,
            points=points_between(pack.expected, rate),
            shortfall=format_wan(pack.target * pack.expected - pack.recovered),
        )
    elif rate > pack.expected:
        versus = _text("versus_ahead", language, points=points_between(rate, pack.expected))
    else:
        versus = _text("versus_even", language)
    first = _text(
        "overall",
        language,
        end=long_date(pack.period_end, language),
        target=format_wan(pack.target),
        recovered=format_wan(pack.recovered),
        rate=format_rate(rate),
        expected=format_rate(pack.expected),
        versus=versus,
    )
    before = sum((u.recovered_before for u in pack.units), Decimal(0))
    in_period = pack.recovered_in_period
    key = "period_gain" if in_period > 0 else "period_loss" if in_period < 0 else "period_none"
    second = _text(
        key,
        language,
        amount=format_wan(abs(in_period)),
        rate_before=format_rate(completion_rate(before, pack.target)),
        rate=format_rate(rate),
        expected_before=format_rate(pack.expected_before),
        expected=format_rate(pack.expected),
    )
    ahead = sum(1 for u in pack.units if u.rate >= pack.expected)
    third = _text("units_line", language, total=len(pack.units), ahead=ahead, behind=len(pack.units) - ahead)
    return [first, second + _text("sentence_space", language) + third]


def points_between(higher: Decimal, lower: Decimal) -> str:
    """Percentage points between two rates, as the difference of the two rates as printed."""
    return str(abs(_shown(higher) - _shown(lower)))


def signed_points(rate: Decimal, expected: Decimal) -> str:
    """A rate against the line in percentage points: +1.5 ahead, -3.2 behind, 0.0 on it."""
    difference = _shown(rate) - _shown(expected)
    return f"+{difference}" if difference > 0 else str(difference)


def rank_change(change: int, language: str = "zh") -> str:
    """↑2, ↓1 or — for places gained or lost over the period."""
    if change > 0:
        return _text("rank_up", language, places=change)
    if change < 0:
        return _text("rank_down", language, places=-change)
    return _text("rank_same", language)


def wan(amount: Decimal | None) -> str:
    """An amount in a table whose header says 万元: the bot's 万元 figure without the suffix."""
    if amount is None:
        return "—"
    return format_wan(amount).removesuffix(_WAN_SUFFIX)


def missed_text(lawsuit: PackLawsuit, language: str = "zh") -> str:
    """The legal deadline a lawsuit missed, in words (申请执行期限2026-11-20已过), or "" when none."""
    if not lawsuit.missed_deadline:
        return ""
    day = lawsuit.missed_on.isoformat() if lawsuit.missed_on else ""
    detail = term("seizure", lawsuit.missed_detail, language) if lawsuit.missed_detail else ""
    return _text(f"missed.{lawsuit.missed_deadline}", language, day=day, detail=detail)


def term(prefix: str, code: str, language: str = "zh") -> str:
    """The name of a stage, state, rung, reason or action; the code itself when no text names it."""
    key = f"{prefix}.{code}"
    return render(key, language) if key in CATALOGUES["zh"] else code


def _shown(rate: Decimal) -> Decimal:
    return (rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _text(key: str, language: str, **params: Any) -> str:
    """One of the pack's texts (`pack.…` in core/texts) in the pack's language."""
    return render(f"pack.{key}", language, **params)


def _month(day: date, language: str) -> str:
    return render(f"notice.month.{day.month}", language)


def _clean(text: str) -> str:
    """Text a table cell can hold: on one paragraph, without characters XML refuses."""
    return _BREAKS.sub(" ", _UNWRITABLE.sub("", text)).strip()


def _cut(text: str, limit: int) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The sections, in order. Each takes (document, pack, language, position, zone).


def _units_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    _heading(document, "units", language, position)
    if not pack.units:
        _none(document, language)
        return
    _lead(document, _text("units_lead", language, expected=format_rate(pack.expected)), language)
    _money_note(document, language)
    # Units below the line are not printed red: half of a campaign's units can be, and the gap column says
    # it; red is kept for what must be mended at once.
    rows = [(_unit_row(unit, pack, language), False) for unit in pack.units]
    _add_table(document, _UNIT_COLUMNS, rows, language)


def _add_chart(document: WordDocument, picture: bytes) -> None:
    """The chart under the units' table, centred, on single-spaced lines (an exact 28-point line clips it)."""
    chart = document.add_paragraph()
    chart.alignment = WD_ALIGN_PARAGRAPH.CENTER
    chart.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    chart.paragraph_format.space_before = _SECTION_SPACE
    chart.add_run().add_picture(io.BytesIO(picture), **_chart_size(picture))


def _unit_row(unit: PackUnit, pack: DispatchPack, language: str) -> tuple[str, ...]:
    return (
        str(unit.rank),
        rank_change(unit.rank_change, language),
        unit.unit,
        wan(unit.target),
        wan(unit.recovered_before),
        wan(unit.recovered_in_period),
        wan(unit.recovered),
        format_rate(unit.rate),
        signed_points(unit.rate, pack.expected),
    )


def _chart_size(picture: bytes) -> dict[str, Length]:
    """The chart's width on the page: the text width, or narrower when it would be taller than a page holds."""
    with Image.open(io.BytesIO(picture)) as image:
        width, height = image.size
    if TEXT_WIDTH * height / width <= _CHART_HEIGHT:
        return {"width": TEXT_WIDTH}
    return {"height": _CHART_HEIGHT}


def _officers_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    officers = pack.lagging_officers
    if not _opened(document, "officers", officers, language, position):
        return
    by_unit: dict[str, list[PackOfficer]] = {}
    for officer in officers:
        by_unit.setdefault(officer.unit, []).append(officer)
    lead = _text("officers_lead", language, count=len(officers), units=len(by_unit), shown=OFFICERS_PER_UNIT)
    _lead(document, lead, language)
    _money_note(document, language)
    rows: list[_Row] = []
    for unit, members in by_unit.items():
        label = _text("unit_count", language, unit=unit, count=len(members))
        for officer in members[:OFFICERS_PER_UNIT]:
            values = (
                label,
                officer.employee_no,
                officer.name,
                wan(officer.target),
                wan(officer.recovered),
                format_rate(officer.rate),
                signed_points(officer.rate, pack.expected),
                str(officer.cases),
            )
            rows.append((values, False))
    _add_table(document, _OFFICER_COLUMNS, rows, language, merge_first_column=True)


def _notices_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    notices = pack.notices
    if not _opened(document, "notices", notices, language, position):
        return
    counts = Counter(notice.rung for notice in notices)
    rungs = [*RUNGS, *sorted(rung for rung in counts if rung not in RUNGS)]
    per_rung = _text("list_separator", language).join(
        _text("rung_count", language, rung=term("pack.rung", rung, language), count=counts[rung])
        for rung in rungs
    )
    units = len({notice.unit for notice in notices})
    _lead(
        document, _text("notices_lead", language, count=len(notices), units=units, rungs=per_rung), language
    )
    # The highest rungs first: a 问责建议 matters more to the meeting than a first 督办函.
    severity = {rung: place for place, rung in enumerate(RUNGS)}
    ordered = sorted(notices, key=lambda n: -severity.get(n.rung, len(RUNGS)))
    _capped_table(
        document,
        _NOTICE_COLUMNS,
        ordered,
        lambda n: ((n.day.isoformat(), n.unit, n.number, term("pack.rung", n.rung, language)), False),
        language,
    )


def _lawsuits_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    lawsuits = pack.lawsuits
    if not _opened(document, "lawsuits", lawsuits, language, position):
        return
    stages = Counter(lawsuit.stage for lawsuit in lawsuits)
    per_stage = _text("list_separator", language).join(
        _text("stage_count", language, stage=term("stage", stage, language), count=count)
        for stage, count in stages.items()
    )
    missed = sum(1 for lawsuit in lawsuits if lawsuit.missed_deadline)
    missed_text = (
        _text("lawsuits_missed", language, count=missed) if missed else _text("lawsuits_no_missed", language)
    )
    _lead(
        document,
        _text("lawsuits_lead", language, count=len(lawsuits), stages=per_stage, missed=missed_text),
        language,
    )
    ordered = sorted(lawsuits, key=lambda lawsuit: not lawsuit.missed_deadline)
    _capped_table(
        document,
        _LAWSUIT_COLUMNS,
        ordered,
        lambda lawsuit: (_lawsuit_row(lawsuit, language), bool(lawsuit.missed_deadline)),
        language,
    )


def _lawsuit_row(lawsuit: PackLawsuit, language: str) -> tuple[str, ...]:
    return (
        lawsuit.unit,
        lawsuit.loan_no,
        lawsuit.borrower,
        term("stage", lawsuit.stage, language),
        lawsuit.stage_day.isoformat(),
        _days(lawsuit.days_filed_to_judgment),
        _days(lawsuit.days_judgment_to_enforced),
        missed_text(lawsuit, language),
    )


def _days(days: int | None) -> str:
    return "—" if days is None else str(days)


def _assets_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    assets = pack.assets
    if not _opened(document, "assets", assets, language, position):
        return
    overdue = sum(1 for asset in assets if asset.days_left < 0)
    lead = _text(
        "assets_lead",
        language,
        count=len(assets),
        offset=format_wan(sum((a.offset for a in assets), Decimal(0))),
        appraisal=format_wan(sum((a.appraisal or Decimal(0) for a in assets), Decimal(0))),
        proceeds=format_wan(sum((a.proceeds or Decimal(0) for a in assets), Decimal(0))),
        overdue=_text("assets_overdue", language, count=overdue) if overdue else "",
    )
    _lead(document, lead, language)
    _money_note(document, language)
    ordered = sorted(assets, key=lambda asset: asset.days_left)
    _capped_table(
        document,
        _ASSET_COLUMNS,
        ordered,
        lambda a: (
            (
                a.number,
                a.unit,
                a.name,
                term("asset_state", a.state, language),
                wan(a.offset),
                wan(a.appraisal),
                wan(a.proceeds),
                # The deadline over the days left: a tenth column would not fit the page.
                a.deadline.isoformat()
                + "\n"
                + _text("days_past" if a.days_left < 0 else "days_left", language, days=abs(a.days_left)),
            ),
            a.days_left < 0,
        ),
        language,
    )


def _statutes_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    statutes = pack.statutes
    if not _opened(document, "statutes", statutes, language, position):
        return
    expired = [s for s in statutes if s.days_left < 0]
    expired_text = ""
    if expired:
        expired_text = _text(
            "statutes_expired",
            language,
            count=len(expired),
            amount=format_wan(sum((s.outstanding for s in expired), Decimal(0))),
        )
    lead = _text(
        "statutes_lead",
        language,
        count=len(statutes),
        amount=format_wan(sum((s.outstanding for s in statutes), Decimal(0))),
        expired=expired_text,
    )
    _lead(document, lead, language)
    _money_note(document, language)
    # Expired first, then those with the fewest days left: an expired statute is flagged, never left out.
    ordered = sorted(statutes, key=lambda statute: statute.days_left)
    _capped_table(
        document,
        _STATUTE_COLUMNS,
        ordered,
        lambda s: (
            (
                s.unit,
                s.loan_no,
                s.borrower,
                s.officer,
                wan(s.outstanding),
                s.expires.isoformat(),
                _text("expired_days", language, days=-s.days_left) if s.days_left < 0 else str(s.days_left),
            ),
            s.days_left < 0,
        ),
        language,
    )


def _reports_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    reports = pack.reports
    if not _opened(document, "reports", reports, language, position):
        return
    _lead(document, _text("reports_lead", language, count=len(reports)), language)
    _capped_table(
        document,
        _REPORT_COLUMNS,
        reports,
        lambda r: (
            (
                _moment(r.at, zone),
                r.unit,
                r.officer,
                r.loan_no or "—",
                _cut(r.text, REPORT_CHARACTERS),
            ),
            False,
        ),
        language,
    )


def _complaints_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    complaints = pack.complaints
    if not _opened(document, "complaints", complaints, language, position):
        return
    still_open = sum(1 for complaint in complaints if complaint.open)
    lead = _text(
        "complaints_lead",
        language,
        count=len(complaints),
        closed=len(complaints) - still_open,
        open=still_open,
    )
    _lead(document, lead, language)
    # The open ones first: the meeting presses for them to be closed.
    ordered = sorted(complaints, key=lambda complaint: not complaint.open)
    _capped_table(
        document,
        _COMPLAINT_COLUMNS,
        ordered,
        lambda c: (_complaint_row(c, language, zone), False),
        language,
    )


def _complaint_row(complaint: PackComplaint, language: str, zone: ZoneInfo) -> tuple[str, ...]:
    said = (
        _cut(complaint.text, REPORT_CHARACTERS) + "\n" + _text("complaint_by", language, by=complaint.made_by)
    )
    if complaint.closed_at is None:
        handling = _text("complaint_open", language)
    else:
        handling = _text(
            "complaint_closed", language, day=_day(complaint.closed_at, zone), by=complaint.closed_by
        )
        note = _cut(complaint.close_note, REPORT_CHARACTERS)
        if note:
            handling += "\n" + note
    return (
        str(complaint.number),
        _day(complaint.at, zone),
        complaint.unit,
        complaint.loan_no + "\n" + complaint.borrower,
        complaint.officer,
        said,
        handling,
    )


def _inactive_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    inactive = pack.inactive
    if not _opened(document, "inactive", inactive, language, position):
        return
    _lead(document, _text("inactive_lead", language, count=len(inactive)), language)
    ordered = sorted(inactive, key=lambda officer: -officer.silent_days)
    _capped_table(
        document,
        _INACTIVE_COLUMNS,
        ordered,
        lambda i: (
            (
                i.unit,
                i.employee_no,
                i.name,
                i.last_entry.isoformat() if i.last_entry else _text("no_entry", language),
                str(i.silent_days),
            ),
            False,
        ),
        language,
    )


def _accountability_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    records = pack.accountability
    if not _opened(document, "accountability", records, language, position):
        return
    _lead(document, _text("accountability_lead", language, count=len(records)), language)
    _capped_table(
        document,
        _ACCOUNTABILITY_COLUMNS,
        records,
        lambda a: (
            (
                _moment(a.at, zone),
                a.unit,
                a.subject,
                term("pack.reason", a.reason, language),
                term("pack.action", a.action, language),
                _cut(a.note, REPORT_CHARACTERS) or "—",
                a.recorded_by,
            ),
            False,
        ),
        language,
    )


def _loans_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    units = pack.loans
    if not _opened(document, "loans", units, language, position):
        return
    total = pack.loan_totals
    flagged = sum(1 for unit in units if unit.flagged)
    lead = _text(
        "loans_lead",
        language,
        end=long_date(pack.period_end, language),
        loans=total.loans,
        balance=format_wan(total.balance),
        overdue=_loans_overdue(total, language),
        mismatched=total.mismatched,
        large=total.large_overdue,
        joined=total.joined,
        flagged=_text("loans_flagged", language, count=flagged) if flagged else "",
    )
    _lead(document, lead, language)
    _money_note(document, language)
    _capped_table(
        document,
        _LOAN_COLUMNS,
        units,
        lambda u: (
            (
                u.unit,
                str(u.figures.loans),
                wan(u.figures.balance),
                *(str(count) for count in u.figures.buckets),
                str(u.figures.mismatched),
                str(u.figures.large_overdue),
                str(u.figures.joined),
            ),
            u.flagged,
        ),
        language,
    )


def _loans_overdue(total: WatchFigures, language: str) -> str:
    """The loans overdue and their buckets, or that none is."""
    if not total.overdue:
        return _text("loans_no_overdue", language)
    b1, b2, b3, b4 = total.buckets
    return _text(
        "loans_overdue",
        language,
        count=total.overdue,
        balance=format_wan(total.overdue_balance),
        b1=b1,
        b2=b2,
        b3=b3,
        b4=b4,
    )


def _integrity_section(
    document: WordDocument, pack: DispatchPack, language: str, position: int, zone: ZoneInfo
) -> None:
    """Honest figures and lawful collection: flagged repayments, breaches of the contact rules, and each unit's
    share of visits with evidence, one part each."""
    _heading(document, "integrity", language, position)
    parts = (_flagged_part, _breaches_part, _evidence_part)
    for sub, part in enumerate(parts):
        part(document, pack, language, sub)


def _flagged_part(document: WordDocument, pack: DispatchPack, language: str, sub: int) -> None:
    flagged = pack.flagged
    if not _part_opened(document, "flagged", flagged, language, sub):
        return
    kinds = Counter(name for item in flagged for name in item.flags)
    statuses = Counter(item.status for item in flagged)
    separator = _text("list_separator", language)
    lead = _text(
        "flagged_lead",
        language,
        count=len(flagged),
        amount=format_wan(sum((item.amount for item in flagged), Decimal(0))),
        kinds=separator.join(
            _text("flag_count", language, flag=term("pack.flag", name, language), count=kinds[name])
            for name in (*REPAYMENT_FLAGS, *sorted(set(kinds) - set(REPAYMENT_FLAGS)))
            if kinds[name]
        ),
        statuses=separator.join(
            _text(
                "status_count", language, status=term("repayment", status, language), count=statuses[status]
            )
            for status in ("reported", "confirmed", "rejected")
            if statuses[status]
        ),
    )
    _lead(document, lead, language)
    _money_note(document, language)
    # Those still awaiting the lead first, then those counted as recovered, then those rejected.
    order = {"reported": 0, "confirmed": 1}
    ordered = sorted(flagged, key=lambda item: order.get(item.status, 2))
    _capped_table(
        document,
        _FLAGGED_COLUMNS,
        ordered,
        lambda f: (
            (
                f.unit,
                f.loan_no,
                f.borrower,
                wan(f.amount),
                f.paid_on.isoformat(),
                f.officer,
                term("repayment", f.status, language),
                flag_words(f.flags, language),
            ),
            False,
        ),
        language,
    )


def _breaches_part(document: WordDocument, pack: DispatchPack, language: str, sub: int) -> None:
    breaches = pack.breaches
    if not _part_opened(document, "breaches", breaches, language, sub):
        return
    lead = _text(
        "breaches_lead",
        language,
        count=sum(officer.total for officer in breaches),
        officers=len(breaches),
        kinds=_text("list_separator", language).join(
            _text(
                "breach_count",
                language,
                flag=term("pack.flag", flag, language),
                count=sum(officer.count(flag) for officer in breaches),
            )
            for flag in CONTACT_FLAGS
            if any(officer.count(flag) for officer in breaches)
        ),
    )
    _lead(document, lead, language)
    _capped_table(
        document,
        _BREACH_COLUMNS,
        breaches,
        lambda b: (
            (b.unit, b.officer, *(str(b.count(flag)) for flag in CONTACT_FLAGS), str(b.total)),
            False,
        ),
        language,
    )


def _evidence_part(document: WordDocument, pack: DispatchPack, language: str, sub: int) -> None:
    units = pack.unit_evidence
    if not _part_opened(document, "evidence", units, language, sub):
        return
    visits = sum(unit.visits for unit in units)
    evidenced = sum(unit.evidenced for unit in units)
    lead = _text(
        "evidence_lead",
        language,
        visits=visits,
        evidenced=evidenced,
        share=format_rate(evidence_share(evidenced, visits)),
    )
    _lead(document, lead, language)
    _capped_table(
        document,
        _EVIDENCE_COLUMNS,
        units,
        lambda u: ((u.unit, str(u.visits), str(u.evidenced), format_rate(u.share)), False),
        language,
    )


def _moment(at: datetime, zone: ZoneInfo) -> str:
    """A time of the period in a narrow column: 11-20 14:30 in the campaign's zone."""
    local = at.astimezone(zone) if at.tzinfo else at
    return local.strftime("%m-%d %H:%M")


def _day(at: datetime, zone: ZoneInfo) -> str:
    """The day of a time, in the campaign's zone: 2026-11-20."""
    return (at.astimezone(zone) if at.tzinfo else at).date().isoformat()


# The document's parts.


def _heading(document: WordDocument, section: str, language: str, position: int) -> None:
    """一、各单位任务完成情况: a first-level heading in 黑体, kept with the lead under it."""
    number = CHINESE_NUMERALS[position] if language == "zh" else str(position + 1)
    heading = body_paragraph(document)
    heading.paragraph_format.keep_with_next = True
    heading.paragraph_format.space_before = _SECTION_SPACE
    text = _text("item", language, number=number) + _text(f"section.{section}", language)
    add_run(heading, text, FONTS[language]["heading"])


def _opened(
    document: WordDocument, section: str, items: Sequence[object], language: str, position: int
) -> bool:
    """A section's heading, and 本期无 under it when it has nothing to list (then False)."""
    _heading(document, section, language, position)
    if not items:
        _none(document, language)
    return bool(items)


def _part_opened(document: WordDocument, part: str, items: Sequence[object], language: str, sub: int) -> bool:
    """A part's heading under its section's, （一）有标记的还款, and 本期无 under it when it is empty."""
    heading = body_paragraph(document)
    heading.paragraph_format.keep_with_next = True
    number = CHINESE_NUMERALS[sub] if language == "zh" else str(sub + 1)
    text = _text("part_item", language, sub=number) + _text(f"part.{part}", language)
    add_run(heading, text, FONTS[language]["body"], bold=True)
    if not items:
        _none(document, language)
    return bool(items)


def _capped_table(
    document: WordDocument,
    columns: Sequence[_Column],
    items: Sequence[Any],
    row_of: Callable[[Any], _Row],
    language: str,
) -> None:
    """The first MOST_ROWS items as a table (the most urgent, as ordered), and how many more the annex lists."""
    rows = [row_of(item) for item in items[:MOST_ROWS]]
    _add_table(document, columns, rows, language)
    _more(document, len(items) - len(rows), language)


def _lead(document: WordDocument, text: str, language: str) -> None:
    paragraph = body_paragraph(document)
    paragraph.paragraph_format.keep_with_next = True
    add_run(paragraph, text, FONTS[language]["body"])


def _none(document: WordDocument, language: str) -> None:
    add_run(body_paragraph(document), _text("none", language), FONTS[language]["body"])


def _more(document: WordDocument, more: int, language: str) -> None:
    if more > 0:
        add_run(body_paragraph(document), _text("more", language, more=more), FONTS[language]["body"])


def _money_note(document: WordDocument, language: str) -> None:
    """金额单位：万元, on the right above a table of amounts, as statistical tables state their unit."""
    note = document.add_paragraph()
    note.alignment = _RIGHT
    note.paragraph_format.keep_with_next = True
    note.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    note.paragraph_format.space_after = Pt(2)
    add_run(note, _text("money_unit", language), FONTS[language]["body"], size=_TABLE_SIZE)


def _add_table(
    document: WordDocument,
    columns: Sequence[_Column],
    rows: Iterable[_Row],
    language: str,
    merge_first_column: bool = False,
) -> None:
    """A table with a repeated header row; rows are copied from a styled template row, as python-docx's cell
    access costs a walk of the whole table each time (20,000 rows would take minutes)."""
    fonts = FONTS[language]
    table = grid_table(document, rows=3, columns=len(columns))
    header, plain, flagged = table.rows
    for position, column in enumerate(columns):
        table.columns[position].width = column.width
        # The fixed layout takes the grid's widths, Word's autofit the cells'; both must agree.
        for row in (header, plain, flagged):
            row.cells[position].width = column.width
        head = _text(f"head.{column.key}", language)
        fill_cell(
            header.cells[position], head, fonts["heading"], WD_ALIGN_PARAGRAPH.CENTER, _TABLE_SIZE, bold=True
        )
        fill_cell(plain.cells[position], "-", fonts["body"], column.align, _TABLE_SIZE)
        red = fill_cell(flagged.cells[position], "-", fonts["body"], column.align, _TABLE_SIZE)
        red.runs[0].font.color.rgb = _FLAG_RED
    templates = {False: plain._tr, True: flagged._tr}
    tbl = table._tbl
    for template in templates.values():
        tbl.remove(template)

    materialised = list(rows)
    firsts = [values[0] for values, _ in materialised]
    for index, (values, is_flagged) in enumerate(materialised):
        tr = deepcopy(templates[is_flagged])
        merge = _merge_down(tr, firsts, index) if merge_first_column else None
        for position, (t, value) in enumerate(zip(list(tr.iter(qn("w:t"))), values, strict=True)):
            _write_lines(t, "" if position == 0 and merge == "continue" else value)
        tbl.append(tr)


def _write_lines(t: Any, value: str) -> None:
    """A cell's text into its run: lines after the first (our own, never a user's) each after a break."""
    first, *others = value.split("\n")
    t.text = _clean(first)
    for line in reversed(others):
        t.addnext(_text_element(line))
        t.addnext(OxmlElement("w:br"))


def _text_element(line: str) -> Any:
    t = OxmlElement("w:t")
    t.text = _clean(line)
    return t


def _merge_down(tr: Any, firsts: Sequence[str], index: int) -> str | None:
    """Merge the first cell with the ones above and below it that hold the same text (a unit's officers):
    "restart" on the first of them, "continue" on the others, None when it stands alone."""
    same_above = index > 0 and firsts[index - 1] == firsts[index]
    same_below = index + 1 < len(firsts) and firsts[index + 1] == firsts[index]
    if not (same_above or same_below):
        return None
    merge = OxmlElement("w:vMerge")
    if not same_above:
        merge.set(qn("w:val"), "restart")
    # vMerge follows the width in a cell's properties (CT_TcPr's order).
    tr.find(qn("w:tc")).find(qn("w:tcPr")).find(qn("w:tcW")).addnext(merge)
    return "continue" if same_above else "restart"
