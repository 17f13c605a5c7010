"""The supervision notice (督办函) to a lagging unit, and the later rungs of the escalation ladder (再次督办函,
约谈通知, 问责建议; SPEC §10): a Word document in the form of an official letter, and the short message sent
with it."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple
from unicodedata import east_asian_width
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from core.campaign import format_rate
from core.money import format_wan, format_yuan
from core.ranking import RUNGS, Notice, OutstandingCase, rung_of
from core.texts import render
from reminders.word import (
    BODY_SIZE,
    CHINESE_NUMERALS,
    DEFAULT_ZONE,
    FONTS,
    LINE,
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

# The notice's wording is in core/texts under `notice.`; its table's columns, in this order.
_COLUMNS = ("loan_no", "borrower", "officer", "outstanding", "deadline", "status")

# The table of largest cases is set in 小四.
_TABLE_SIZE = Pt(12)
# The letterhead's name as large as 26 pt, smaller when a long name would not fit on one line; below 18 pt
# it wraps instead.
_LETTERHEAD_LARGEST = Pt(26)
_LETTERHEAD_SMALLEST = Pt(18)
# The letter format's red double line is 170 mm long, 7 mm beyond the text on either side.
_RULE_OVERHANG = Cm(0.7)
# A title may be set this much closer per character to stay on one line; closer than that, it wraps.
_CLOSEST = Pt(1.5)
_RED = RGBColor(0xFF, 0x00, 0x00)
_PLACEHOLDER_GREY = RGBColor(0x80, 0x80, 0x80)
# At 12 pt a cell holds ¥12,345,678.90 and 2026-12-31 on one line (half-width characters of 6 pt, plus the
# 1 mm margins), a loan number of 15 digits and a name of three characters; a company's name wraps. English
# statuses (in litigation, promised) need a wider column than 诉讼中.
_COLUMN_WIDTHS = {
    "zh": (Cm(3.7), Cm(2.8), Cm(1.6), Cm(3.4), Cm(2.5), Cm(1.6)),
    "en": (Cm(3.5), Cm(2.6), Cm(1.6), Cm(3.4), Cm(2.5), Cm(2.0)),
}
_AMOUNT, _DEADLINE = 3, 4  # the columns that never wrap

# The elements a paragraph's, a cell's or a run's properties may hold after the one inserted, in the order
# the schema requires; Word refuses a document whose elements are out of order.
_AFTER_PARAGRAPH_BORDERS = tuple(
    f"w:{name}"
    for name in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ).split()
)
_AFTER_NO_WRAP = tuple(
    f"w:{name}"
    for name in "tcMar textDirection tcFitText vAlign hideMark headers cellIns cellDel cellMerge tcPrChange".split()
)
_AFTER_CHARACTER_SPACING = tuple(
    f"w:{name}"
    for name in (
        "w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout "
        "specVanish oMath"
    ).split()
)


def notice_document(notice: Notice, language: str = "zh", zone: ZoneInfo = DEFAULT_ZONE) -> bytes:
    """The notice to a lagging unit as a .docx, worded for its rung on the escalation ladder (督办函, 再次督办函,
    约谈通知, or 问责建议 to the task force's leaders), the same bytes every time for the same notice (dated in
    the campaign's time zone)."""
    language = language if language in FONTS else "zh"
    fonts = FONTS[language]
    rung = _rung(notice)
    document = Document()
    set_up_page(document, language)
    number_pages(document, language)
    _add_letterhead(document, notice, language)

    title = _add_title(
        document, _text(_rung_key(rung, "title"), language, unit=notice.standing.unit), language
    )
    add_run(document.add_paragraph(), _addressee(notice, rung, language), fonts["body"])

    opening = _opening(notice, rung, language)
    if opening:
        add_run(body_paragraph(document), opening, fonts["body"])
    # The proposal to the leaders speaks of the unit (该单位); every other rung speaks to it (你单位).
    situation_key = "accountability." if rung == "accountability" else ""
    for text in _situation(notice, language, situation_key):
        add_run(body_paragraph(document), text, fonts["body"])

    if notice.largest:
        intro = _text(f"{situation_key}largest_intro", language, count=len(notice.largest))
        add_run(body_paragraph(document), intro, fonts["body"])
        _add_cases_table(document, notice.largest, language)

    introduction, items, closing = _conclusion(notice, rung, language)
    for text in introduction:
        add_run(body_paragraph(document), text, fonts["body"])
    for position, item in enumerate(items):
        _add_item(document, _item_number(position, language), item, language)

    last = body_paragraph(document)
    # The seal must be pressed on a page that has text of the letter on it (GB/T 9704): the last paragraph,
    # the signature and the note under it turn the page together.
    last.paragraph_format.keep_with_next = True
    add_run(last, closing, fonts["body"])

    _add_signature(document, notice, language)
    contact = _contact_line(notice, language)
    if contact:
        # GB/T 9704 puts a note (附注) on the line under the date; one line lower, the seal pressed over the
        # date does not cover it.
        note = body_paragraph(document)
        note.paragraph_format.space_before = LINE
        add_run(note, contact, fonts["body"])

    # Title, number, issuer and the issued day alone: the same notice gives the same file.
    set_properties(
        document,
        title=title,
        subject=notice.number,
        author=notice.issuer,
        language=language,
        day=notice.issued,
        zone=zone,
    )
    return saved(document, notice.issued)


def notice_message(notice: Notice, language: str = "zh") -> str:
    """The short message sent with the notice: which document it is and its number, the unit's rate, rank and
    gap, and what is asked of the reader (a reply by a date, a talk to come, the leaders' decision)."""
    language = language if language in FONTS else "zh"
    rung = _rung(notice)
    standing = notice.standing
    gap = ""
    if standing.gap(notice.expected) > 0:
        gap = _text(
            "message_gap",
            language,
            points=_points_behind(notice),
            shortfall=format_wan(standing.gap_amount(notice.expected)),
        )
    first = _text(
        _rung_key(rung, "message"),
        language,
        unit=standing.unit,
        day=_long_date(notice.issued, language),
        rate=format_rate(standing.rate),
        rank=standing.rank,
        total=notice.total_units,
        gap=gap,
    )
    reply = _text(
        _rung_key(rung, "message_reply"),
        language,
        number=notice.number,
        day=_long_date(notice.reply_by, language),
    )
    return first + "\n" + reply


class _Item(NamedTuple):
    """A numbered item of a letter: its heading, a grey blank to be filled in by hand, and its text."""

    head: str
    text: str
    blank: str = ""


def _rung(notice: Notice) -> str:
    """The notice's rung on the ladder; an unknown one reads as the first."""
    return notice.rung if notice.rung in RUNGS else "notice"


def _rung_key(rung: str, key: str) -> str:
    """The key of a text that differs by rung: the first rung's is unprefixed (notice.title), the others'
    carry the rung (notice.second.title)."""
    return key if rung == "notice" else f"{rung}.{key}"


def _addressee(notice: Notice, rung: str, language: str) -> str:
    """Whom the letter is to: the unit and its main leader; for a summons the main leader by name; for a
    proposal on accountability the task force's leaders."""
    if rung == "accountability":
        return _text("accountability.addressee", language)
    unit, leader = notice.standing.unit, notice.standing.leader_name.strip()
    prefix = "summons." if rung == "summons" else ""
    if leader:
        return _text(f"{prefix}addressee", language, unit=unit, leader=leader)
    return _text(f"{prefix}addressee_unit", language, unit=unit)


def _opening(notice: Notice, rung: str, language: str) -> str:
    """A later rung's first paragraph: the earlier notices cited by date and number, and that the unit is
    still behind; nothing for the first notice."""
    if rung == "notice":
        return ""
    # `earlier` holds the whole stretch below the line, oldest first, so each one's rung follows from its place.
    earlier = [(rung_of(position), day, number) for position, (day, number) in enumerate(notice.earlier)]
    # A proposal on accountability went to the leaders, not to the unit: the next proposal cites it apart.
    to_leaders = rung == "accountability"
    sent = [e for e in earlier if not (to_leaders and e[0] == "accountability")]
    proposed = [e for e in earlier if to_leaders and e[0] == "accountability"]
    sentences = []
    if sent:
        items = _cited(sent, "cited_item", language)
        sentences.append(_text(f"{rung}.cited", language, items=items, unit=notice.standing.unit))
    if proposed:
        sentences.append(
            _text(f"{rung}.proposed", language, items=_cited(proposed, "proposed_item", language))
        )
    if notice.standing.gap(notice.expected) > 0:
        sentences.append(_text(f"{rung}.still", language))
    return _text("sentence_space", language).join(sentences)


def _cited(earlier: list[tuple[str, date, str]], item_key: str, language: str) -> str:
    """Earlier notices as a letter cites them, oldest first: 于2026年11月20日发出督办函（清收督〔2026〕3号），
    于11月27日发出再次督办函（清收督〔2026〕8号）; the year is written once."""
    items = []
    year = 0
    for rung, day, number in earlier:
        written_day = _long_date(day, language) if day.year != year else _date_in_year(day, language)
        year = day.year
        document = _text(f"kind.{rung}", language)
        items.append(_text(item_key, language, day=written_day, document=document, number=number))
    if len(items) == 1:
        return items[0]
    return _text("cited_separator", language).join(items[:-1]) + _text("cited_last", language) + items[-1]


def _conclusion(notice: Notice, rung: str, language: str) -> tuple[list[str], list[_Item], str]:
    """What follows the figures and the table: the paragraphs that introduce the numbered items, the items,
    and the closing line above the signature."""
    if rung == "notice":
        reply = _text("reply", language, day=_long_date(notice.reply_by, language))
        return [_text("requirements_intro", language)], _requirements(notice, language, rung), reply
    if rung == "second":
        reply = _text("second.reply", language, day=_long_date(notice.reply_by, language))
        return [_text("second.requirements_intro", language)], _requirements(notice, language, rung), reply
    if rung == "summons":
        return (
            [_text("summons.decision", language)],
            _summons(notice, language),
            _text("summons.closing", language),
        )
    introduction = [
        _text("accountability.grounds", language),
        _text("accountability.proposals_intro", language),
    ]
    return introduction, _proposals(notice, language), _text("accountability.closing", language)


def _situation(notice: Notice, language: str, prefix: str = "") -> list[str]:
    """The body paragraphs that state where the unit stands; `prefix` picks the proposal's wording, which
    speaks of the unit rather than to it."""
    standing = notice.standing
    if standing.recovered_today > 0:
        today = _text("today_new", language, amount=format_wan(standing.recovered_today))
    elif standing.recovered_today < 0:
        # A reversed repayment can leave a unit with less confirmed than the day before.
        today = _text("today_less", language, amount=format_wan(-standing.recovered_today))
    else:
        today = _text("today_none", language)
    change = standing.rank_change
    rank_key = "rank_up" if change > 0 else "rank_down" if change < 0 else "rank_same"
    situation = _text(
        f"{prefix}situation",
        language,
        day=_long_date(notice.issued, language),
        target=format_wan(standing.target),
        recovered=format_wan(standing.recovered),
        today=today,
        rate=format_rate(standing.rate),
        total=notice.total_units,
        rank=standing.rank,
        change=_text(rank_key, language, moved=_rank_moved(notice, language)),
    )
    cases = _text(
        f"{prefix}cases",
        language,
        cases=standing.cases,
        settled=standing.settled,
        overdue=notice.overdue_cases,
    )
    if standing.gap(notice.expected) <= 0:
        # Only units below the line get a notice; should one on the line get one, it is not told it lags.
        return [situation, cases]
    gap = _text(
        f"{prefix}behind",
        language,
        expected=format_rate(notice.expected),
        points=_points_behind(notice),
        shortfall=format_wan(standing.gap_amount(notice.expected)),
    )
    return [situation, gap + _text("sentence_space", language) + cases]


def _requirements(notice: Notice, language: str, rung: str) -> list[_Item]:
    """The numbered requirements of a notice; large cases only when the table lists some. The second notice
    puts the main leader's own responsibility first, where the first asks for the causes."""
    if notice.overdue_cases > 0:
        assign = _text("overdue", language, overdue=notice.overdue_cases)
    else:
        assign = _text("open", language)
    if rung == "second":
        first = _Item(_text("second.lead_head", language), _text("second.lead", language))
    else:
        first = _Item(_text("causes_head", language), _text("causes", language))
    items = [first, _Item(_text("overdue_head", language), assign)]
    if notice.largest:
        items.append(_Item(_text("largest_head", language), _text("largest", language)))
    items.append(_Item(_text("confirm_head", language), _text("confirm", language)))
    items.append(_Item(_text("daily_head", language), _text("daily", language)))
    return items


def _summons(notice: Notice, language: str) -> list[_Item]:
    """The arrangements of the talk: its time and place left blank for the task force to fill in (the bot
    does not know them), what it is about, what to bring, and that the leader comes in person."""
    materials = "summons.materials" if notice.largest else "summons.materials_no_largest"
    return [
        _Item(
            _text("summons.time_head", language),
            _text("summons.time", language),
            blank=_text("summons.time_blank", language),
        ),
        _Item(_text("summons.place_head", language), "", blank=_text("summons.place_blank", language)),
        _Item(_text("summons.subject_head", language), _text("summons.subject", language)),
        _Item(_text("summons.materials_head", language), _text(materials, language)),
        _Item(_text("summons.attendance_head", language), _text("summons.attendance", language)),
    ]


def _proposals(notice: Notice, language: str) -> list[_Item]:
    """What the proposal asks the leaders to decide."""
    unit, leader = notice.standing.unit, notice.standing.leader_name.strip()
    if leader:
        responsible = _text("accountability.leader", language, leader=leader)
    else:
        responsible = _text("accountability.leader_unnamed", language)
    return [
        _Item(
            _text("accountability.start_head", language), _text("accountability.start", language, unit=unit)
        ),
        _Item(_text("accountability.leader_head", language), responsible),
        _Item(_text("accountability.follow_head", language), _text("accountability.follow", language)),
    ]


def _contact_line(notice: Notice, language: str) -> str:
    """The task force's contact person and telephone in brackets, or nothing when neither is known."""
    contact, phone = notice.contact.strip(), notice.phone.strip()
    if contact and phone:
        return _text("contact_and_phone", language, contact=contact, phone=phone)
    if contact:
        return _text("contact_only", language, contact=contact)
    if phone:
        return _text("phone_only", language, phone=phone)
    return ""


def _text(key: str, language: str, **params: Any) -> str:
    """One of the notice's texts (`notice.…` in core/texts) in the notice's language."""
    return render(f"notice.{key}", language, **params)


def _rank_moved(notice: Notice, language: str) -> int:
    """The number a change of rank is stated with: places moved in Chinese (上升2位), the rank it moved from
    in English (up from 5)."""
    standing = notice.standing
    return standing.previous_rank if language == "en" else abs(standing.rank_change)


def _points_behind(notice: Notice) -> str:
    """Percentage points below the line, as the difference of the two printed rates."""
    # The rounded figures the reader sees, not the exact ones, so that the reader's own subtraction agrees.
    shown_expected = Decimal(format_rate(notice.expected).removesuffix("%"))
    shown_rate = Decimal(format_rate(notice.standing.rate).removesuffix("%"))
    return str(max(shown_expected - shown_rate, Decimal("0.0")))


def _item_number(position: int, language: str) -> str:
    """一、二、三、… in Chinese, 1. 2. 3. in English."""
    number = CHINESE_NUMERALS[position] if language == "zh" else str(position + 1)
    return _text("item", language, number=number)


def _long_date(day: date, language: str) -> str:
    """2026年12月2日 / 2 December 2026: an official letter writes dates without leading zeros."""
    month = _text(f"month.{day.month}", language)
    return _text("date", language, year=day.year, month=month, day=day.day)


def _date_in_year(day: date, language: str) -> str:
    """11月27日 / 27 November: a date after one that gave the year."""
    return _text("date_same_year", language, month=_text(f"month.{day.month}", language), day=day.day)


def _characters_wide(text: str) -> float:
    """How many Chinese characters wide a line is: digits, Latin letters and ASCII signs count half."""
    return sum(1.0 if east_asian_width(c) in ("W", "F") else 0.5 for c in text)


def _add_title(document: WordDocument, title: str, language: str) -> str:
    """The title, centred and bold, on as few lines as it takes; returns it as one line of text."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # An exact 28-point line would clip the 22-point title, and a long unit name wraps it onto a second line.
    paragraph.paragraph_format.line_spacing = Pt(36)
    paragraph.paragraph_format.space_after = LINE
    lines = _title_lines(title)
    for position, line in enumerate(lines):
        run = add_run(paragraph, line, FONTS[language]["title"], size=TITLE_SIZE, bold=True)
        if position < len(lines) - 1:
            run.add_break()
        _fit_title(run, line)
    return title.replace("\n", "")


def _add_item(document: WordDocument, number: str, item: _Item, language: str) -> None:
    """A numbered item: its number and heading in the heading face, then its blank and its text."""
    fonts = FONTS[language]
    paragraph = body_paragraph(document)
    add_run(paragraph, number + item.head, fonts["heading"])
    if item.blank:
        # A blank for the task force to fill in by hand, grey like the seal's mark.
        blank = add_run(paragraph, item.blank, fonts["body"])
        blank.font.color.rgb = _PLACEHOLDER_GREY
    if item.text:
        add_run(paragraph, item.text, fonts["body"])


def _title_lines(title: str) -> list[str]:
    """The title's lines: one when it fits (set a little closer if need be); else broken at the marks the text
    puts between words ("\\n") into as few lines as fit, as even as may be, so that no break splits a word or
    a name (GB/T 9704: 回行时词意完整、排列对称); when no choice of marks fits, one line that Word wraps."""
    parts = title.split("\n")
    whole = "".join(parts)
    if _closer_by(whole) is not None:
        return [whole]
    best: list[str] = []
    best_key = (math.inf, math.inf)
    # A title has a few marks at most: every choice of them can be tried.
    for chosen in range(1, 2 ** (len(parts) - 1)):
        lines, line = [], parts[0]
        for position, part in enumerate(parts[1:]):
            if chosen >> position & 1:
                lines.append(line.strip())
                line = part
            else:
                line += part
        lines.append(line.strip())
        if any(_closer_by(line) is None for line in lines):
            continue
        widths = [_characters_wide(line) for line in lines]
        key = (float(len(lines)), max(widths) - min(widths))
        if key < best_key:
            best, best_key = lines, key
    return best or [whole]


def _closer_by(line: str) -> float | None:
    """How many points closer per character a title line must be set to fit the text width: 0 when it fits
    as it is, None when it would have to be closer than _CLOSEST."""
    # 关于河西信用社不良贷款清收进度滞后的督办函 is 21 characters of 22 pt, one more than a line holds.
    characters = _characters_wide(line)
    overflow = characters * TITLE_SIZE.pt - TEXT_WIDTH.pt
    if overflow <= 0:
        return 0.0
    closer = math.ceil(2 * overflow / characters) / 2  # points less after each character, in half points
    return closer if closer <= _CLOSEST.pt else None


def _fit_title(run: Run, text: str) -> None:
    """Set a title line that overflows by a character or so a little closer, so that 函 is not left alone."""
    closer = _closer_by(text)
    if not closer:
        return  # it fits as it is, or is so long that it takes two lines
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(-Pt(closer).twips))
    run._element.get_or_add_rPr().insert_element_before(spacing, *_AFTER_CHARACTER_SPACING)


def _add_letterhead(document: WordDocument, notice: Notice, language: str) -> None:
    """The issuer's name in red over a red double line, then the reference on the right (信函格式)."""
    # GB/T 9704 prints a 函 in the letter format: the reference goes under the line, on the right.
    header = document.add_paragraph()
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.paragraph_format.left_indent = header.paragraph_format.right_indent = -_RULE_OVERHANG
    size = _letterhead_size(notice.issuer)
    header.paragraph_format.line_spacing = Pt(size.pt * 1.5)
    name = add_run(header, notice.issuer, FONTS[language]["letterhead"], size=size, bold=True)
    name.font.color.rgb = _RED
    # The thick line above the thin one; w:sz in eighths of a point, w:space in points.
    rule = OxmlElement("w:bottom")
    for attribute, value in (
        ("val", "thickThinMediumGap"),
        ("sz", "24"),
        ("space", "4"),
        ("color", "FF0000"),
    ):
        rule.set(qn(f"w:{attribute}"), value)
    borders = OxmlElement("w:pBdr")
    borders.append(rule)
    header._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PARAGRAPH_BORDERS)

    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.space_before = Pt(6)
    number.paragraph_format.space_after = LINE
    add_run(number, notice.number, FONTS[language]["body"])


def _letterhead_size(issuer: str) -> Length:
    """The largest size, in half points, at which the issuer's name fits the text width on one line."""
    fitting = Pt(int(2 * TEXT_WIDTH.pt / max(_characters_wide(issuer), 1.0)) / 2)
    return max(min(fitting, _LETTERHEAD_LARGEST), _LETTERHEAD_SMALLEST)


def _add_signature(document: WordDocument, notice: Notice, language: str) -> None:
    """The place for the seal, the issuer's name and the date, centred on one another on the right."""
    font = FONTS[language]["body"]
    issued = _long_date(notice.issued, language)
    left, right = _signature_indents(notice.issuer, issued)
    lines: list[Paragraph] = []
    for text in (_text("seal", language), notice.issuer, issued):
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line.paragraph_format.left_indent = left
        line.paragraph_format.right_indent = right
        line.paragraph_format.keep_with_next = True
        add_run(line, text, font)
        lines.append(line)
    # The seal is pressed over the name and the date with its top within a line of the text above (GB/T 9704);
    # the grey mark shows where, and the seal's ink covers it.
    seal = lines[0]
    seal.paragraph_format.space_before = LINE
    seal.runs[0].font.color.rgb = _PLACEHOLDER_GREY


def _signature_indents(issuer: str, issued: str) -> tuple[Length, Length]:
    """Indents that centre the name over the date, the date four characters from the right (GB/T 9704 for
    a sealed document); a name too long for that moves left and stays two characters from the right."""
    character = BODY_SIZE.pt
    width = TEXT_WIDTH.pt
    day = _characters_wide(issued) * character
    # Half a character to spare on either side, so that a name a little wider than estimated does not wrap.
    half = max(_characters_wide(issuer) * character, day) / 2 + character / 2
    centre = min(width - 4 * character - day / 2, width - 2 * character - half)
    left = max(centre - half, 0.0)
    return Pt(left), Pt(width - centre - half)


def _add_cases_table(document: WordDocument, cases: tuple[OutstandingCase, ...], language: str) -> None:
    """The largest outstanding cases, one row each, in the order given."""
    fonts = FONTS[language]
    table = grid_table(document, rows=1 + len(cases), columns=len(_COLUMNS))
    for cell, column in zip(table.rows[0].cells, _COLUMNS, strict=True):
        head = _text(f"column.{column}", language)
        fill_cell(cell, head, fonts["heading"], WD_ALIGN_PARAGRAPH.CENTER, _TABLE_SIZE, bold=True)
    for row, case in zip(table.rows[1:], cases, strict=True):
        values = (
            case.loan_no,
            case.borrower,
            case.officer,
            format_yuan(case.outstanding),
            case.deadline.isoformat(),
            render(f"status.{case.status}", language),
        )
        for column, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            alignment = WD_ALIGN_PARAGRAPH.RIGHT if column == _AMOUNT else WD_ALIGN_PARAGRAPH.CENTER
            fill_cell(cell, text, fonts["body"], alignment, _TABLE_SIZE)
    # The fixed layout takes the grid's widths, Word's autofit the cells'; both must agree. No-wrap only counts
    # where a table is laid out automatically: in this fixed one the widths are what keep the figures whole.
    for position, (column, width) in enumerate(zip(table.columns, _COLUMN_WIDTHS[language], strict=True)):
        column.width = width
        for cell in column.cells:
            cell.width = width
            if position in (_AMOUNT, _DEADLINE):
                cell._tc.get_or_add_tcPr().insert_element_before(OxmlElement("w:noWrap"), *_AFTER_NO_WRAP)
