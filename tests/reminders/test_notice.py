"""The supervision notice (督办函): what the lagging unit's leader reads in the document and the message."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from core.campaign import format_rate
from core.money import format_wan, format_yuan
from core.ranking import Notice, OutstandingCase, UnitFigures, rank_units
from reminders.notice import notice_document, notice_message

ISSUED = date(2026, 11, 29)
REPLY_BY = date(2026, 12, 2)
EXPECTED = Decimal("0.9096")
HEXI = 3
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

LARGEST = (
    OutstandingCase("HX2023001", "张三", "刘洋", Decimal("356000.50"), date(2026, 10, 31), "litigation"),
    OutstandingCase("HX2023017", "李四", "陈静", Decimal("120000.00"), date(2026, 12, 15), "open"),
    OutstandingCase("HX2024005", "王五", "刘洋", Decimal("98765.43"), date(2026, 11, 20), "promised"),
)


def make_notice(
    leader_name: str = "赵强", largest: tuple[OutstandingCase, ...] = LARGEST, unit_id: int = HEXI
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
        number="清收督〔2026〕1129-03号",
    )


def open_document(notice: Notice, language: str = "zh", **options: str) -> WordDocument:
    return docx.Document(io.BytesIO(notice_document(notice, language, **options)))


def paragraph_texts(document: WordDocument) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def paragraph_with(document: WordDocument, fragment: str) -> Paragraph:
    matches = [p for p in document.paragraphs if fragment in p.text]
    assert len(matches) == 1, (fragment, [p.text for p in matches])
    return matches[0]


def test_the_title_names_the_unit_centred_bold_and_larger_than_the_body() -> None:
    document = open_document(make_notice())

    title = paragraph_with(document, "督办函")
    assert title.text == "关于河西信用社不良贷款清收进度滞后的督办函"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = paragraph_with(document, "截至")
    title_size = title.runs[0].font.size
    body_size = body.runs[0].font.size
    assert title_size is not None and body_size is not None and title_size > body_size
    assert all(run.font.bold for run in title.runs)


def test_the_reference_number_stands_above_the_title() -> None:
    texts = paragraph_texts(open_document(make_notice()))

    assert texts.index("清收督〔2026〕1129-03号") < texts.index("关于河西信用社不良贷款清收进度滞后的督办函")


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

    assert "截至2026年11月29日" in body
    assert f"清收任务{format_wan(standing.target)}" in body
    assert f"已确认收回{format_wan(standing.recovered)}" in body
    assert f"完成率{format_rate(standing.rate)}" in body
    assert (format_wan(standing.target), format_wan(standing.recovered), format_rate(standing.rate)) == (
        "400.00万元",
        "123.46万元",
        "30.9%",
    )
    assert "较上一日新增3.46万元" in body
    assert "在全市4个单位中排名第4名" in body
    assert "较上一日下降1位" in body
    # 91.0% expected less 30.9% reached; 3,638,400.00 less 1,234,567.89 still to recover.
    assert "按时间进度应完成91.0%" in body
    assert "落后时间进度60.1个百分点，差额240.38万元" in body
    assert format_wan(standing.gap_amount(EXPECTED)) == "240.38万元"
    assert "共有清收案件35笔，已结清9笔，已超过收回时限仍未结清7笔" in body


def test_a_unit_on_the_line_but_ranked_low_is_not_told_it_is_behind() -> None:
    notice = make_notice()
    on_line = replace(notice, expected=Decimal("0.30"))
    body = "\n".join(paragraph_texts(open_document(on_line)))

    assert "按时间进度应完成30.0%，你单位虽已达到时间进度，但排名靠后。" in body
    assert "落后时间进度" not in body


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


def test_the_requirements_are_numbered_in_chinese_and_end_with_the_reply_date() -> None:
    texts = paragraph_texts(open_document(make_notice()))

    numbered = [text[:2] for text in texts if re.match(r"[一二三四五六七八九十]、", text)]
    assert numbered == ["一、", "二、", "三、", "四、", "五、"]
    assert any(text.startswith("二、逐案落实责任。对已超过收回时限的7笔案件") for text in texts)
    assert any(text.startswith("三、紧盯大额案件。对上表所列大额案件") for text in texts)
    assert "请于2026年12月2日前将整改措施和进展情况书面报送专班。" in texts


def test_the_task_force_signs_with_the_issued_date_on_the_right() -> None:
    document = open_document(make_notice())
    texts = paragraph_texts(document)

    assert texts[-2:] == ["不良贷款清收工作专班", "2026年11月29日"]
    assert [p.alignment for p in document.paragraphs[-2:]] == [WD_ALIGN_PARAGRAPH.RIGHT] * 2


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


def test_the_same_notice_gives_the_same_bytes_and_properties() -> None:
    notice = make_notice()

    assert notice_document(notice) == notice_document(notice)
    properties = open_document(notice).core_properties
    assert properties.title == "关于河西信用社不良贷款清收进度滞后的督办函"
    assert properties.author == "不良贷款清收工作专班"
    # Midnight in Shanghai on the issued day.
    assert properties.created == datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def test_the_english_notice_is_in_english_apart_from_names() -> None:
    notice = make_notice()
    task_force = "NPL Recovery Task Force"
    document = open_document(notice, "en", task_force=task_force)
    texts = paragraph_texts(document)
    body = "\n".join(texts)

    assert "Supervision Notice on the Lagging Recovery of Non-Performing Loans at 河西信用社" in texts
    assert "To 河西信用社 (attention: 赵强):" in texts
    assert "It ranks 4/4" in body
    assert (
        "Please report your corrective measures and progress in writing to the task force by 2 December 2026."
        in texts
    )
    assert texts[-2:] == [task_force, "29 November 2026"]
    table = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert table[0] == ["Loan no.", "Borrower", "Officer", "Outstanding", "Deadline", "Status"]
    assert table[1][5] == "in litigation"
    # Names and the reference number stay as they are; 万元 is how the bot shows amounts in both languages.
    names = ["河西信用社", "赵强", "清收督〔2026〕1129-03号", "万元"]
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
    assert "清收督〔2026〕1129-03号" in message


def test_the_english_message_is_in_english() -> None:
    message = notice_message(make_notice(), "en")

    assert message.splitlines()[0] == (
        "Supervision notice for 河西信用社: 30.9% complete as of 29 November 2026, rank 4/4, "
        "60.1 percentage points below the expected-progress line (240.38万元 short)."
    )
    assert "by 2 December 2026" in message
