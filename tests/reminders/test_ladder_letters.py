"""The later rungs of the escalation ladder (SPEC §10): the 再次督办函 and the 约谈通知 to a unit still below the
line, and the 问责建议 to the task force's leaders, as their readers see them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Length, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from core.ranking import Notice
from reminders.supervision_letter import notice_document, notice_message
from tests.reminders.test_supervision_letter import (
    CJK,
    ISSUER,
    NUMBER,
    TEXT_WIDTH,
    make_notice,
    open_document,
    paragraph_texts,
    written,
)

GREY = RGBColor(0x80, 0x80, 0x80)
# The notices 河西信用社 got earlier in its stretch below the line, oldest first.
FIRST = (date(2026, 11, 20), "清收督〔2026〕3号")
SECOND = (date(2026, 11, 27), "清收督〔2026〕8号")
SUMMONS = (date(2026, 12, 4), "清收督〔2026〕15号")
PROPOSAL = (date(2026, 12, 11), "清收督〔2026〕20号")


def rung(name: str, *earlier: tuple[date, str], **changes: Any) -> Notice:
    return replace(make_notice(**changes), rung=name, earlier=earlier)


def second() -> Notice:
    return rung("second", FIRST)


def summons(**changes: Any) -> Notice:
    return rung("summons", FIRST, SECOND, **changes)


def accountability(**changes: Any) -> Notice:
    return rung("accountability", FIRST, SECOND, SUMMONS, **changes)


def title_of(document: WordDocument) -> Paragraph:
    """The title: under the letterhead and the reference."""
    return written(document)[2]


def title_lines(document: WordDocument) -> list[str]:
    return title_of(document).text.split("\n")


def body(document: WordDocument) -> str:
    return "\n".join(paragraph_texts(document))


def following(texts: list[str], text: str) -> str:
    return texts[texts.index(text) + 1]


# -- 再次督办函 ------------------------------------------------------------------------------------------


def test_the_second_notice_is_titled_as_one_and_its_title_breaks_between_words() -> None:
    document = open_document(second())

    # 23 characters do not fit a line; the break keeps 不良贷款 and 清收进度 whole.
    assert title_lines(document) == ["关于河西信用社不良贷款", "清收进度滞后的再次督办函"]
    assert document.core_properties.title == "关于河西信用社不良贷款清收进度滞后的再次督办函"
    assert all(run.font.bold for run in title_of(document).runs)


def test_the_second_notice_goes_to_the_unit_and_opens_by_citing_the_first() -> None:
    texts = paragraph_texts(open_document(second()))

    assert following(texts, "河西信用社（赵强同志）：") == (
        "我专班已于2026年11月20日发出督办函（清收督〔2026〕3号），要求你单位深入分析原因、逐案落实责任、"
        "加快清收进度。截至目前，你单位清收进度仍落后于时间进度，督办事项落实不到位，整改成效不明显。"
    )
    # The figures and the largest cases follow, as in the first notice.
    assert "按时间进度应完成91.0%，你单位落后时间进度60.1个百分点，差额240.38万元。" in "\n".join(texts)
    assert "你单位未收回余额最大的3笔案件如下：" in texts


def test_the_second_notice_puts_the_leaders_responsibility_first_and_warns_of_a_summons() -> None:
    document = open_document(second())
    texts = paragraph_texts(document)

    assert "现就有关事项再次督办如下：" in texts
    assert any(text.startswith("一、压实主体责任。单位主要负责人是清收工作第一责任人") for text in texts)
    assert not any("深入分析原因。" in text for text in texts)
    assert any(text.startswith("三、紧盯大额案件。") for text in texts)
    reply = "请于2026年12月2日前将整改落实情况书面报送专班。清收进度仍落后于时间进度的，专班将约谈你单位主要负责人。"
    assert following(texts, reply) == "（印章）"
    assert len(document.tables) == 1


# -- 约谈通知 --------------------------------------------------------------------------------------------


def test_the_summons_is_addressed_to_the_main_leader_by_name() -> None:
    document = open_document(summons())
    texts = paragraph_texts(document)

    assert title_lines(document) == ["关于约谈河西信用社主要负责人的通知"]
    assert texts[3] == "河西信用社赵强同志："
    assert "为压实清收工作责任，经专班研究，决定由专班负责人对你进行约谈。现将有关事项通知如下：" in texts


def test_a_summons_without_a_known_leader_is_addressed_to_the_units_main_leader() -> None:
    texts = paragraph_texts(open_document(summons(leader_name=" ")))

    assert texts[3] == "河西信用社主要负责人："
    assert not any("同志" in text for text in texts)


def test_the_summons_cites_both_earlier_notices_by_date_and_number() -> None:
    texts = paragraph_texts(open_document(summons()))

    assert texts[4] == (
        "我专班已于2026年11月20日发出督办函（清收督〔2026〕3号），于11月27日发出再次督办函（清收督〔2026〕8号），"
        "督促你单位加快不良贷款清收进度。截至目前，你单位清收进度仍落后于时间进度，整改成效不明显。"
    )


def test_the_summons_leaves_time_and_place_blank_in_grey_for_the_task_force() -> None:
    document = open_document(summons())
    paragraphs = {p.text: p for p in written(document)}

    time = paragraphs["一、约谈时间：____年__月__日__时（由专班另行通知）"]
    place = paragraphs["二、约谈地点：________"]
    assert [run.text for run in time.runs if run.font.color.rgb == GREY] == ["____年__月__日__时"]
    assert [run.text for run in place.runs if run.font.color.rgb == GREY] == ["________"]
    # Only the blanks are grey: the rest is what the leader reads.
    assert [run.text for run in time.runs if run.font.color.rgb != GREY] == [
        "一、约谈时间：",
        "（由专班另行通知）",
    ]


def test_the_summons_says_what_to_bring_and_keeps_the_figures_and_the_table() -> None:
    document = open_document(summons())
    texts = paragraph_texts(document)

    assert (
        "四、准备材料：请准备清收进度滞后原因分析、整改措施和大额案件清收方案等书面材料，约谈时携带。"
        in texts
    )
    assert any(text.startswith("五、有关要求：请本人按时参加，不得委托他人代替") for text in texts)
    assert following(texts, "特此通知。") == "（印章）"
    assert "截至2026年11月29日，你单位清收任务为400.00万元，已确认收回123.46万元" in body(document)
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[1][:2] == ["HX2023001", "张三"]
    # The talk's time is not the bot's to set: no reply-by date is asked for.
    assert not any(text.startswith("请于") for text in texts)


def test_a_summons_without_large_cases_asks_for_no_plan_for_them() -> None:
    document = open_document(summons(largest=()))
    texts = paragraph_texts(document)

    assert document.tables == []
    assert "四、准备材料：请准备清收进度滞后原因分析和整改措施等书面材料，约谈时携带。" in texts
    assert "大额" not in body(document)


# -- 问责建议 --------------------------------------------------------------------------------------------


def test_the_proposal_is_addressed_to_the_leaders_not_to_the_unit() -> None:
    document = open_document(accountability())
    texts = paragraph_texts(document)

    assert title_lines(document) == ["关于对河西信用社不良贷款清收工作", "启动问责程序的建议"]
    assert texts[3] == "专班领导："
    assert "你单位" not in body(document)
    assert "截至2026年11月29日，该单位清收任务为400.00万元" in body(document)
    assert "该单位未收回余额最大的3笔案件如下：" in texts


def test_the_proposal_cites_the_notices_and_the_summons_by_date_and_number() -> None:
    texts = paragraph_texts(open_document(accountability()))

    assert texts[4] == (
        "我专班已于2026年11月20日发出督办函（清收督〔2026〕3号），于11月27日发出再次督办函（清收督〔2026〕8号），"
        "于12月4日发出约谈通知（清收督〔2026〕15号），督促河西信用社加快不良贷款清收进度。"
        "截至目前，该单位清收进度仍落后于时间进度，整改成效不明显。有关情况报告如下："
    )


def test_the_proposal_names_the_rules_reasons_and_measures_and_asks_the_leaders_to_decide() -> None:
    document = open_document(accountability())
    texts = paragraph_texts(document)
    text = body(document)

    assert (
        "对部署不落实、工作不到位、措施不得力、效果不明显的，视情节轻重予以通报批评、约谈、诫勉、组织调整、纪律处分等问责"
        in text
    )
    assert "属于工作不到位、效果不明显的情形" in text
    assert "为严肃清收工作纪律，建议如下：" in texts
    assert (
        "一、依规实施问责。对河西信用社不良贷款清收工作启动问责程序，视情节轻重采取通报批评、约谈、诫勉等措施。"
        in texts
    )
    assert "二、压实主要负责人责任。责成该单位主要负责人赵强同志作出书面说明，限期提交整改方案。" in texts
    # No reply is asked of the unit; the signature stays the issuer's.
    assert not any(text.startswith("请于") for text in texts)
    seal = texts.index("（印章）")
    assert texts[seal - 1] == "以上建议妥否，请审示。"
    assert texts[seal + 1 : seal + 3] == [ISSUER, "2026年11月29日"]


def test_a_proposal_without_a_known_leader_names_the_office() -> None:
    texts = paragraph_texts(open_document(accountability(leader_name="")))

    assert "二、压实主要负责人责任。责成该单位主要负责人作出书面说明，限期提交整改方案。" in texts


def test_a_proposal_made_again_tells_the_earlier_proposal_from_the_notices_to_the_unit() -> None:
    notice = rung("accountability", FIRST, SECOND, SUMMONS, PROPOSAL)
    text = body(open_document(notice))

    assert "于12月4日发出约谈通知（清收督〔2026〕15号），督促河西信用社加快不良贷款清收进度。" in text
    assert "此后，我专班又于2026年12月11日提出问责建议（清收督〔2026〕20号）。" in text
    assert "发出问责建议" not in text


# -- every rung --------------------------------------------------------------------------------------


@pytest.mark.parametrize("notice", [second(), summons(), accountability()], ids=lambda n: n.rung)
def test_a_unit_back_on_the_line_is_not_said_to_be_still_behind(notice: Notice) -> None:
    on_line = replace(notice, expected=Decimal("0.30"))
    texts = paragraph_texts(open_document(on_line))

    # The opening cites the earlier notices and stops there; the figures carry no gap.
    opening = texts[4]
    assert opening.startswith("我专班已于2026年11月20日发出督办函")
    assert "截至目前" not in opening
    assert not any("落后时间进度" in text for text in texts)
    assert "落后" not in notice_message(on_line)


@pytest.mark.parametrize("notice", [second(), summons(), accountability()], ids=lambda n: n.rung)
def test_each_rung_gives_the_same_bytes_every_time(notice: Notice) -> None:
    assert notice_document(notice) == notice_document(notice)
    assert notice_document(notice, "en") == notice_document(notice, "en")


def test_an_unknown_rung_reads_as_the_first_notice() -> None:
    assert notice_document(rung("unheard-of", FIRST)) == notice_document(make_notice())


def run_spacing(run: Run) -> Length:
    spacing = run._element.rPr.find(qn("w:spacing"))
    return Pt(0) if spacing is None else Twips(int(spacing.get(qn("w:val"))))


@pytest.mark.parametrize("notice", [second(), summons(), accountability()], ids=lambda n: n.rung)
def test_each_title_line_fits_the_text_width(notice: Notice) -> None:
    title = title_of(open_document(notice))

    assert len(title.runs) == len(title.text.split("\n"))
    for run in title.runs:
        assert run.font.size == Pt(22)
        assert (Pt(22) + run_spacing(run)) * len(run.text) <= TEXT_WIDTH, run.text


def test_a_longer_unit_name_breaks_after_the_name() -> None:
    standing = replace(make_notice().standing, unit="临江市农商银行城关支行")
    document = open_document(replace(second(), standing=standing))

    assert title_lines(document) == ["关于临江市农商银行城关支行", "不良贷款清收进度滞后的再次督办函"]


def test_a_unit_name_too_long_for_any_break_leaves_the_title_to_wrap() -> None:
    standing = replace(make_notice().standing, unit="临江市农村商业银行股份有限公司河西经济开发区支行")
    document = open_document(replace(second(), standing=standing))

    assert title_lines(document) == [
        "关于临江市农村商业银行股份有限公司河西经济开发区支行不良贷款清收进度滞后的再次督办函"
    ]


# -- messages --------------------------------------------------------------------------------------------


def test_each_rungs_message_names_its_document_and_number() -> None:
    first, reply = notice_message(second()).splitlines()
    assert first.startswith("【再次督办】河西信用社：截至2026年11月29日完成率30.9%，排名4/4")
    assert reply == "再次督办函（清收督〔2026〕12号）见附件，请于2026年12月2日前将整改落实情况书面报送专班。"

    first, reply = notice_message(summons()).splitlines()
    assert first.startswith("【约谈通知】河西信用社：")
    assert reply == (
        "约谈通知（清收督〔2026〕12号）见附件：专班负责人将约谈你单位主要负责人，约谈时间和地点另行通知。"
    )

    first, reply = notice_message(accountability()).splitlines()
    assert first.startswith("【问责建议】河西信用社：")
    assert "落后时间进度60.1个百分点（差额240.38万元）" in first
    assert (
        reply
        == "问责建议（清收督〔2026〕12号）见附件：建议对该单位不良贷款清收工作启动问责程序，请专班领导审示。"
    )


def test_the_first_notices_message_is_unchanged() -> None:
    assert notice_message(make_notice()).splitlines()[1] == (
        f"督办函（{NUMBER}）见附件，请于2026年12月2日前将整改措施和进展情况书面报送专班。"
    )


# -- English ---------------------------------------------------------------------------------------------


def english_only_apart_from_names(text: str, notice: Notice) -> list[str]:
    names = ["河西信用社", "赵强", "张三", "万元", notice.number, ISSUER] + [
        number for _, number in notice.earlier
    ]
    names += [name for case in notice.largest for name in (case.borrower, case.officer)]
    for name in names:
        text = text.replace(name, "")
    return CJK.findall(text)


@pytest.mark.parametrize(
    ("notice", "title", "addressee", "cited"),
    [
        (
            second(),
            "Second Supervision Notice on the Lagging Recovery of Non-Performing Loans at 河西信用社",
            "To 河西信用社 (attention: 赵强):",
            "The task force sent your unit a supervision notice (清收督〔2026〕3号) on 20 November 2026, requiring it",
        ),
        (
            summons(),
            "Notice of a Supervisory Talk with the Principal Leader of 河西信用社",
            "To 赵强 of 河西信用社:",
            "The task force sent your unit a supervision notice (清收督〔2026〕3号) on 20 November 2026 and a second "
            "supervision notice (清收督〔2026〕8号) on 27 November, urging it",
        ),
        (
            accountability(),
            "Proposal to Start Accountability Proceedings over the Recovery of Non-Performing Loans at 河西信用社",
            "To the leaders of the task force:",
            "The task force sent 河西信用社 a supervision notice (清收督〔2026〕3号) on 20 November 2026, a second "
            "supervision notice (清收督〔2026〕8号) on 27 November and a notice of a supervisory talk "
            "(清收督〔2026〕15号) on 4 December, urging it",
        ),
    ],
    ids=["second", "summons", "accountability"],
)
def test_the_english_letters_are_in_english_apart_from_names(
    notice: Notice, title: str, addressee: str, cited: str
) -> None:
    document = open_document(notice, "en")
    texts = paragraph_texts(document)

    assert document.core_properties.title == title
    assert " ".join(title_lines(document)) == title
    assert texts[3] == addressee
    assert texts[4].startswith(cited)
    table = "\n".join("\t".join(cell.text for cell in row.cells) for row in document.tables[0].rows)
    assert english_only_apart_from_names(body(document) + "\n" + table, notice) == []
    message = notice_message(notice, "en")
    assert notice.number in message
    assert english_only_apart_from_names(message, notice) == []


def test_the_english_summons_leaves_time_and_place_blank() -> None:
    texts = paragraph_texts(open_document(summons(), "en"))

    assert "1. Time: ____________ (to be notified separately by the task force)" in texts
    assert "2. Place: ____________" in texts
    assert texts[texts.index("(Seal)") - 1] == "Notice is hereby given."


def test_the_english_messages_say_what_each_rung_asks() -> None:
    assert "by 2 December 2026" in notice_message(second(), "en")
    assert "the time and place will be notified separately" in notice_message(summons(), "en")
    assert "for the leaders' decision" in notice_message(accountability(), "en")
    assert "by 2 December" not in notice_message(accountability(), "en")
