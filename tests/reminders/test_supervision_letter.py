"""The supervision notice (督办函): what the lagging unit's leader reads in the document and the message."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import docx
import pytest
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

from core.campaign import format_rate
from core.money import format_wan, format_yuan
from core.ranking import Notice, OutstandingCase, UnitFigures, rank_units
from reminders.supervision_letter import notice_document, notice_message

ISSUED = date(2026, 11, 29)
REPLY_BY = date(2026, 12, 2)
EXPECTED = Decimal("0.9096")
HEXI = 3
ISSUER = "临江市农村信用社不良贷款清收工作专班"
NUMBER = "清收督〔2026〕12号"
TITLE = "关于河西信用社不良贷款清收进度滞后的督办函"
RED = RGBColor(0xFF, 0x00, 0x00)
TEXT_WIDTH = Cm(15.6)  # A4 less the margins of GB/T 9704
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

LARGEST = (
    OutstandingCase("HX2023001", "张三", "刘洋", Decimal("356000.50"), date(2026, 10, 31), "litigation"),
    OutstandingCase("HX2023017", "李四", "陈静", Decimal("120000.00"), date(2026, 12, 15), "open"),
    OutstandingCase("HX2024005", "王五", "刘洋", Decimal("98765.43"), date(2026, 11, 20), "promised"),
)
# The widest figures a table cell must hold on one line.
LONGEST_AMOUNT = "¥12,345,678.90"
LONGEST_DATE = "2026-12-31"


def make_notice(
    leader_name: str = "赵强",
    largest: tuple[OutstandingCase, ...] = LARGEST,
    unit_id: int = HEXI,
    issuer: str = ISSUER,
    contact: str = "张三",
    phone: str = "0791-12345678",
) -> Notice:
    """Four units; 河西信用社 fell from third to last and is far below the expected-progress line."""
    figures = [
        UnitFigures(
            1, "城关信用社", "王建国", Decimal(5_000_000), Decimal(4_200_000), Decimal(4_100_000), 40, 30
        ),
        UnitFigures(
            2, "东关信用社", "李明", Decimal(3_000_000), Decimal(1_800_000), Decimal(800_000), 30, 12
        ),
        UnitFigures(
            HEXI,
            "河西信用社",
            leader_name,
            Decimal(4_000_000),
            Decimal("1234567.89"),
            Decimal(1_200_000),
            35,
            9,
        ),
        UnitFigures(
            4, "南关信用社", "孙丽", Decimal(2_000_000), Decimal(1_900_000), Decimal(1_850_000), 20, 18
        ),
    ]
    ranking = rank_units(figures, ISSUED, EXPECTED)
    standing = next(u for u in ranking.units if u.unit_id == unit_id)
    return Notice(
        standing=standing,
        total_units=len(ranking.units),
        expected=EXPECTED,
        overdue_cases=7,
        largest=largest,
        issued=ISSUED,
        reply_by=REPLY_BY,
        number=NUMBER,
        issuer=issuer,
        contact=contact,
        phone=phone,
    )


def open_document(notice: Notice, language: str = "zh") -> WordDocument:
    return docx.Document(io.BytesIO(notice_document(notice, language)))


def written(document: WordDocument) -> list[Paragraph]:
    return [p for p in document.paragraphs if p.text.strip()]


def paragraph_texts(document: WordDocument) -> list[str]:
    return [p.text for p in written(document)]


def paragraph_with(document: WordDocument, fragment: str) -> Paragraph:
    matches = [p for p in document.paragraphs if fragment in p.text]
    assert len(matches) == 1, (fragment, [p.text for p in matches])
    return matches[0]


def test_the_letter_opens_with_the_issuer_in_large_red_letters_on_one_line() -> None:
    document = open_document(make_notice())

    header = written(document)[0]
    assert header.text == ISSUER
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.font.color.rgb == RED and run.font.bold for run in header.runs)
    size = header.runs[0].font.size
    title_size = paragraph_with(document, "督办函").runs[0].font.size
    assert size is not None and title_size is not None
    # At least as large as the title, and small enough for the 19 characters to stay on one line.
    assert title_size <= size <= Pt(26)
    assert size * len(ISSUER) <= TEXT_WIDTH


def test_a_short_issuer_is_printed_at_the_largest_size() -> None:
    header = written(open_document(make_notice(issuer="不良贷款清收工作专班")))[0]

    assert header.text == "不良贷款清收工作专班"
    assert header.runs[0].font.size == Pt(26)


def test_a_red_double_rule_separates_the_header_from_the_reference() -> None:
    document = open_document(make_notice())

    header = written(document)[0]
    rule = header._p.pPr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}")
    assert rule is not None
    # GB/T 9704's letter format: a red double line, the thick one above the thin one.
    assert rule.get(qn("w:val")) == "thickThinMediumGap"
    assert rule.get(qn("w:color")) == "FF0000"
    assert int(rule.get(qn("w:sz"))) >= 12  # eighths of a point: 1.5 pt or more
    # 170 mm long: 7 mm beyond each side of the 156 mm text width.
    indents = (header.paragraph_format.left_indent, header.paragraph_format.right_indent)
    assert all(indent is not None and round(indent.mm, 1) == -7.0 for indent in indents)


def test_the_running_reference_stands_under_the_rule_on_the_right_above_the_title() -> None:
    document = open_document(make_notice())

    assert paragraph_texts(document)[:3] == [ISSUER, NUMBER, TITLE]
    assert paragraph_with(document, NUMBER).alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_the_title_names_the_unit_centred_bold_and_larger_than_the_body() -> None:
    document = open_document(make_notice())

    title = paragraph_with(document, "督办函")
    assert title.text == TITLE
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = paragraph_with(document, "截至")
    title_size = title.runs[0].font.size
    body_size = body.runs[0].font.size
    assert title_size is not None and body_size is not None and title_size > body_size
    assert all(run.font.bold for run in title.runs)
    assert all(run.font.color.rgb is None for run in title.runs)


def character_spacing(paragraph: Paragraph) -> Length:
    spacing = paragraph.runs[0]._element.rPr.find(qn("w:spacing"))
    return Pt(0) if spacing is None else Twips(int(spacing.get(qn("w:val"))))


def test_a_title_a_character_too_long_is_set_closer_to_stay_on_one_line() -> None:
    document = open_document(make_notice())

    title = paragraph_with(document, "督办函")
    size = title.runs[0].font.size
    assert size is not None and size * len(TITLE) > TEXT_WIDTH  # 21 characters of 22 pt: 函 would wrap
    assert (size + character_spacing(title)) * len(TITLE) <= TEXT_WIDTH
    assert character_spacing(title) >= -Pt(1.5)


def test_a_title_much_too_long_for_a_line_wraps_at_its_own_spacing() -> None:
    figures = make_notice().standing
    long_unit = replace(figures, unit="临江市农村商业银行股份有限公司河西经济开发区支行")
    document = open_document(replace(make_notice(), standing=long_unit))

    assert character_spacing(paragraph_with(document, "督办函")) == Pt(0)


def test_the_letter_is_addressed_to_the_unit_and_its_leader() -> None:
    texts = paragraph_texts(open_document(make_notice()))

    assert "河西信用社（赵强同志）：" in texts


def test_a_unit_without_a_leader_is_addressed_by_its_name_alone() -> None:
    texts = paragraph_texts(open_document(make_notice(leader_name="")))

    assert "河西信用社：" in texts
    assert not any("同志" in text for text in texts)


def test_the_body_states_the_figures_as_the_bot_formats_them() -> None:
    notice = make_notice()
    standing = notice.standing
    body = "\n".join(paragraph_texts(open_document(notice)))

    assert "截至2026年11月29日，你单位清收任务为400.00万元，已确认收回123.46万元" in body
    assert f"清收任务为{format_wan(standing.target)}" in body
    assert f"已确认收回{format_wan(standing.recovered)}" in body
    assert f"完成率{format_rate(standing.rate)}" in body
    assert (format_wan(standing.target), format_wan(standing.recovered), format_rate(standing.rate)) == (
        "400.00万元",
        "123.46万元",
        "30.9%",
    )
    assert "（较上一日新增3.46万元）" in body
    assert "在参加清收的4个单位中排第4名，较上一日下降1位。" in body
    # 91.0% expected less 30.9% reached; 3,638,400.00 less 1,234,567.89 still to recover.
    assert "按时间进度应完成91.0%，你单位落后时间进度60.1个百分点，差额240.38万元。" in body
    assert format_wan(standing.gap_amount(EXPECTED)) == "240.38万元"
    assert "你单位共有清收案件35笔，其中已结清9笔，超过收回时限仍未结清7笔。" in body


def test_the_letter_does_not_assume_the_units_are_a_citys() -> None:
    body = "\n".join(paragraph_texts(open_document(make_notice())))

    assert "全市" not in body
    assert "city" not in "\n".join(paragraph_texts(open_document(make_notice(), "en")))


def test_a_shared_rank_is_stated_as_the_units_own_rank() -> None:
    # 东关 and 南关 both reach 60.0% and share third place behind 城关 (84.0%) and 河西 (61.7%).
    figures = [
        UnitFigures(1, "城关信用社", "", Decimal(5_000_000), Decimal(4_200_000), Decimal(4_200_000), 4, 1),
        UnitFigures(2, "东关信用社", "", Decimal(3_000_000), Decimal(1_800_000), Decimal(1_800_000), 3, 1),
        UnitFigures(3, "河西信用社", "", Decimal(3_000_000), Decimal(1_850_000), Decimal(1_850_000), 3, 1),
        UnitFigures(4, "南关信用社", "", Decimal(2_000_000), Decimal(1_200_000), Decimal(1_200_000), 2, 1),
    ]
    ranking = rank_units(figures, ISSUED, EXPECTED)
    assert [(u.unit, u.rank) for u in ranking.units][2:] == [("东关信用社", 3), ("南关信用社", 3)]
    notice = replace(make_notice(), standing=ranking.units[3])

    body = "\n".join(paragraph_texts(open_document(notice)))
    assert "在参加清收的4个单位中排第3名，与上一日持平。" in body
    english = "\n".join(paragraph_texts(open_document(notice, "en")))
    assert "It ranks 3 of the 4 units in the campaign, unchanged from the previous day." in english


def test_a_unit_not_below_the_line_is_not_told_it_is_behind() -> None:
    on_line = replace(make_notice(), expected=Decimal("0.30"))
    body = "\n".join(paragraph_texts(open_document(on_line)))

    assert "落后" not in body
    assert "排名靠后" not in body
    assert "落后" not in notice_message(on_line)


def test_the_table_lists_the_largest_cases_in_order() -> None:
    document = open_document(make_notice())

    assert len(document.tables) == 1
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["贷款编号", "借款人", "责任人", "未收回余额", "收回时限", "状态"]
    assert rows[1:] == [
        ["HX2023001", "张三", "刘洋", "¥356,000.50", "2026-10-31", "诉讼中"],
        ["HX2023017", "李四", "陈静", "¥120,000.00", "2026-12-15", "未处置"],
        ["HX2024005", "王五", "刘洋", "¥98,765.43", "2026-11-20", "已承诺"],
    ]
    assert [row[3] for row in rows[1:]] == [format_yuan(case.outstanding) for case in LARGEST]
    assert "你单位未收回余额最大的3笔案件如下：" in paragraph_texts(document)


def five_large_cases() -> tuple[OutstandingCase, ...]:
    return tuple(
        OutstandingCase(
            f"HX20240{n}",
            "临江宏达商贸有限公司",
            "欧阳建国",
            Decimal("12345678.90") - n,
            date(2026, 12, 31),
            "asset_swap",
        )
        for n in range(5)
    )


def column_widths(table: Table) -> list[Twips]:
    grid = table._tbl.tblGrid
    return [Twips(int(column.get(qn("w:w")))) for column in grid.findall(qn("w:gridCol"))]


def cell_margins(table: Table) -> Twips:
    """The left and right margins of every cell together, as the table sets them."""
    margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
    assert margins is not None
    return Twips(sum(int(margins.find(qn(f"w:{side}")).get(qn("w:w"))) for side in ("left", "right")))


def test_amounts_and_dates_fit_their_columns_on_one_line_within_the_text_width() -> None:
    notice = make_notice(largest=five_large_cases())
    document = open_document(notice)

    table = document.tables[0]
    assert table.rows[1].cells[3].text == LONGEST_AMOUNT
    assert table.rows[1].cells[4].text == LONGEST_DATE
    widths = column_widths(table)
    assert sum(widths) <= TEXT_WIDTH + Twips(len(widths))  # each width is rounded to a twip
    # Digits, commas, the point, ¥ and - are half as wide as a Chinese character at the table's 12 pt.
    half_width = Pt(6)
    assert widths[3] - cell_margins(table) >= half_width * len(LONGEST_AMOUNT)
    assert widths[4] - cell_margins(table) >= half_width * len(LONGEST_DATE)
    for row in table.rows[1:]:
        for column in (3, 4):
            cell = row.cells[column]
            assert cell._tc.tcPr.find(qn("w:noWrap")) is not None
            assert cell.width == widths[column]


def test_rows_do_not_split_across_pages_and_the_header_row_repeats() -> None:
    document = open_document(make_notice(largest=five_large_cases()))

    rows = document.tables[0].rows
    assert len(rows) == 6
    for row in rows:
        assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])


def test_the_requirements_are_numbered_in_chinese_and_end_with_the_reply_date() -> None:
    texts = paragraph_texts(open_document(make_notice()))

    numbered = [text[:2] for text in texts if re.match(r"[一二三四五六七八九十]、", text)]
    assert numbered == ["一、", "二、", "三、", "四、", "五、"]
    assert any(text.startswith("二、逐案落实责任。对已超过收回时限的7笔案件") for text in texts)
    assert any(text.startswith("三、紧盯大额案件。对上表所列大额案件") for text in texts)
    assert "请于2026年12月2日前将整改措施和进展情况书面报送专班。" in texts


def test_the_issuer_signs_under_a_seal_placeholder_with_the_date() -> None:
    document = open_document(make_notice())
    paragraphs = written(document)
    texts = [p.text for p in paragraphs]

    seal = texts.index("（印章）")
    assert texts[seal - 1] == "请于2026年12月2日前将整改措施和进展情况书面报送专班。"
    assert texts[seal + 1 : seal + 3] == [ISSUER, "2026年11月29日"]
    # The mark, the name and the date are centred on one another, on the right where the seal is pressed.
    block = paragraphs[seal : seal + 3]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in block)
    indents = {(p.paragraph_format.left_indent, p.paragraph_format.right_indent) for p in block}
    assert len(indents) == 1
    ((left, right),) = indents
    assert left is not None and right is not None
    assert left > right >= Pt(32)
    # The name still fits between the indents on one line.
    assert TEXT_WIDTH - left - right >= Pt(16) * len(ISSUER)
    # The seal lands on a page with text of the letter: the last paragraph, the signature and the contact
    # line turn the page together.
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[seal - 1 : seal + 3])


def test_a_short_issuer_signs_with_the_date_four_characters_from_the_right() -> None:
    document = open_document(make_notice(issuer="不良贷款清收工作专班"))

    (date_line,) = [p for p in document.paragraphs if p.text == "2026年11月29日"]
    left = date_line.paragraph_format.left_indent
    right = date_line.paragraph_format.right_indent
    assert left is not None and right is not None
    # 2026年11月29日 is seven characters wide at 16 pt; centred between the indents it ends 64 pt from the right.
    date_width = Pt(16) * 7
    assert abs((TEXT_WIDTH - left - right - date_width) / 2 + right - Pt(64)) < Pt(1)


def test_the_contact_person_and_telephone_close_the_letter_under_the_date() -> None:
    document = open_document(make_notice())
    texts = paragraph_texts(document)

    assert texts[-3:] == [ISSUER, "2026年11月29日", "（联系人：张三，联系电话：0791-12345678）"]
    contact = written(document)[-1]
    assert contact.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY)
    indent = contact._p.pPr.find(qn("w:ind"))
    assert indent is not None and indent.get(qn("w:firstLineChars")) == "200"


@pytest.mark.parametrize(
    ("contact", "phone", "line"),
    [
        ("张三", "", "（联系人：张三）"),
        ("", "0791-12345678", "（联系电话：0791-12345678）"),
        (" 张三 ", " 0791-12345678 ", "（联系人：张三，联系电话：0791-12345678）"),
    ],
)
def test_the_contact_line_names_what_is_given(contact: str, phone: str, line: str) -> None:
    texts = paragraph_texts(open_document(make_notice(contact=contact, phone=phone)))

    assert texts[-1] == line


def test_a_letter_without_contact_or_telephone_ends_with_the_date() -> None:
    texts = paragraph_texts(open_document(make_notice(contact=" ", phone="")))

    assert texts[-2:] == [ISSUER, "2026年11月29日"]
    assert not any("联系" in text for text in texts)


def test_a_notice_without_large_cases_has_no_table_and_does_not_refer_to_one() -> None:
    document = open_document(make_notice(largest=()))
    texts = paragraph_texts(document)

    assert document.tables == []
    assert not any("上表" in text or "最大的" in text for text in texts)
    numbered = [text[:2] for text in texts if re.match(r"[一二三四五六七八九十]、", text)]
    assert numbered == ["一、", "二、", "三、", "四、"]


def test_every_run_names_an_east_asian_font_for_word() -> None:
    document = open_document(make_notice())

    title = paragraph_with(document, "督办函")
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    body = paragraph_with(document, "截至")
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    cells = [cell for row in document.tables[0].rows for cell in row.cells]
    runs = [run for p in document.paragraphs for run in p.runs] + [
        run for cell in cells for p in cell.paragraphs for run in p.runs
    ]
    assert all(run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in runs)


def test_the_page_is_a4_and_body_paragraphs_are_indented_two_characters() -> None:
    document = open_document(make_notice())

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    body = paragraph_with(document, "截至")
    indent = body._p.pPr.find(qn("w:ind"))
    assert indent is not None and indent.get(qn("w:firstLineChars")) == "200"


def test_pages_after_the_first_are_numbered_and_the_first_is_not() -> None:
    document = open_document(make_notice(largest=five_large_cases()))

    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert document.settings.odd_and_even_pages_header_footer

    def page_field(footer_xml: str) -> bool:
        return re.search(r'w:instr="\s*PAGE\s*"', footer_xml) is not None

    assert not page_field(section.first_page_footer._element.xml)
    odd, even = section.footer.paragraphs[-1], section.even_page_footer.paragraphs[-1]
    assert page_field(odd._p.xml) and page_field(even._p.xml)
    # — 2 —: odd pages on the right, even pages on the left (GB/T 9704).
    assert odd.text.startswith("— ") and odd.text.endswith(" —")
    assert (odd.alignment, even.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT)


def test_the_same_notice_gives_the_same_bytes_and_properties() -> None:
    notice = make_notice()

    assert notice_document(notice) == notice_document(notice)
    properties = open_document(notice).core_properties
    assert properties.title == TITLE
    assert properties.author == ISSUER
    assert properties.subject == NUMBER
    # Midnight in Shanghai on the issued day.
    assert properties.created == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def test_the_english_notice_is_in_english_apart_from_names() -> None:
    issuer = "NPL Recovery Task Force"
    notice = make_notice(issuer=issuer)
    document = open_document(notice, "en")
    texts = paragraph_texts(document)
    body = "\n".join(texts)

    assert texts[:2] == [issuer, NUMBER]
    assert "Supervision Notice on the Lagging Recovery of Non-Performing Loans at 河西信用社" in texts
    assert "To 河西信用社 (attention: 赵强):" in texts
    assert "As of 29 November 2026, your unit's recovery target is 400.00万元" in body
    assert "It ranks 4 of the 4 units in the campaign, down from 3 the previous day." in body
    assert (
        "Please report your corrective measures and progress in writing to the task force by 2 December 2026."
        in texts
    )
    assert texts[-4:] == ["(Seal)", issuer, "29 November 2026", "(Contact: 张三, telephone: 0791-12345678)"]
    table = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert table[0] == ["Loan no.", "Borrower", "Officer", "Outstanding", "Deadline", "Status"]
    assert table[1][5] == "in litigation"
    # Names and the reference number stay as they are; 万元 is how the bot shows amounts in both languages.
    names = ["河西信用社", "赵强", "张三", NUMBER, "万元"]
    names += [name for case in LARGEST for name in (case.borrower, case.officer)]
    everything = body + "\n" + "\n".join("\t".join(row) for row in table)
    for name in names:
        everything = everything.replace(name, "")
    assert CJK.findall(everything) == []


def test_the_message_names_the_unit_rate_rank_gap_and_reply_date() -> None:
    message = notice_message(make_notice())

    lines = message.splitlines()
    assert 2 <= len(lines) <= 3
    assert "河西信用社" in lines[0]
    assert "完成率30.9%" in lines[0]
    assert "排名4/4" in lines[0]
    assert "落后时间进度60.1个百分点（差额240.38万元）" in lines[0]
    assert "请于2026年12月2日前" in message
    assert NUMBER in message


def test_the_english_message_is_in_english() -> None:
    message = notice_message(make_notice(), "en")

    assert message.splitlines()[0] == (
        "Supervision notice for 河西信用社: 30.9% complete as of 29 November 2026, rank 4/4, "
        "60.1 percentage points below the expected-progress line (240.38万元 short)."
    )
    assert "by 2 December 2026" in message
