"""The half-monthly dispatch pack: what the meeting reads in the Word document, what the annex's sheets hold,
and the chart."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import docx
import openpyxl
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from PIL import Image

from core.campaign import format_rate
from core.money import format_wan
from core.pack import (
    DispatchPack,
    PackAccountability,
    PackAsset,
    PackBreaches,
    PackComplaint,
    PackEvidence,
    PackFlagged,
    PackInactive,
    PackLawsuit,
    PackNotice,
    PackOfficer,
    PackReport,
    PackStatute,
    PackUnit,
)
from reminders.pack_annex import AMOUNT_FORMAT, DATE_FORMAT, RATE_FORMAT, TIME_FORMAT, pack_annex
from reminders.pack_chart import pack_chart
from reminders.pack_document import MOST_ROWS, OFFICERS_PER_UNIT, pack_document

DAY = date(2026, 12, 1)
START = date(2026, 11, 16)
EXPECTED = Decimal("0.9096")
EXPECTED_BEFORE = Decimal("0.8685")
ISSUER = "临江市农村信用社不良贷款清收工作专班"
TEXT_WIDTH = Cm(15.6)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# 城关 is ahead of the line and climbed from second; 东关 fell from first; 河西 is far behind and reversed a
# repayment, so the period took back more than it confirmed.
CHENGGUAN = PackUnit(
    1,
    "城关信用社",
    "王建国",
    Decimal("5000000.00"),
    Decimal("4100000.00"),
    Decimal("4650000.50"),
    40,
    30,
    rank=1,
    rank_before=2,
)
DONGGUAN = PackUnit(
    2,
    "东关信用社",
    "李明",
    Decimal("3000000.00"),
    Decimal("2700000.00"),
    Decimal("2712345.67"),
    30,
    12,
    rank=2,
    rank_before=1,
)
HEXI = PackUnit(
    3, "河西信用社", "赵强", Decimal("2000000.00"), Decimal("800000.00"), Decimal("790000.00"), 25, 5, 3, 3
)
# Five of 河西's officers lag: Word shows the three furthest behind, the annex all five.
OFFICERS = (
    PackOfficer("东关信用社", "E0201", "陈静", Decimal("1000000.00"), Decimal("700000.00"), 12),
    PackOfficer("河西信用社", "E0301", "刘洋", Decimal("500000.00"), Decimal("50000.00"), 8),
    PackOfficer("河西信用社", "E0302", "孙丽", Decimal("500000.00"), Decimal("120000.00"), 6),
    PackOfficer("河西信用社", "E0303", "周伟", Decimal("400000.00"), Decimal("150000.00"), 4),
    PackOfficer("河西信用社", "E0304", "吴敏", Decimal("300000.00"), Decimal("200000.00"), 4),
    PackOfficer("河西信用社", "E0305", "郑涛", Decimal("300000.00"), Decimal("250000.00"), 3),
)
NOTICES = (
    PackNotice(date(2026, 11, 18), "河西信用社", "清收督〔2026〕12号", "notice"),
    PackNotice(date(2026, 11, 20), "东关信用社", "清收督〔2026〕13号", "notice"),
    PackNotice(date(2026, 11, 25), "河西信用社", "清收督〔2026〕15号", "second"),
    PackNotice(date(2026, 11, 28), "河西信用社", "清收督〔2026〕17号", "summons"),
    PackNotice(date(2026, 11, 30), "河西信用社", "清收督〔2026〕19号", "accountability"),
)
LAWSUIT = PackLawsuit(
    "河西信用社",
    "HX2023001",
    "张三",
    "judged",
    date(2026, 11, 20),
    date(2026, 5, 6),
    198,
    None,
    "seizure_lapses",
    date(2026, 11, 25),
    "real_estate",
)
ASSET = PackAsset(
    "ZC2025-0003",
    "城关信用社",
    "城关镇某小区住宅",
    "real_estate",
    "listed",
    Decimal("1200000.00"),
    Decimal("1350000.00"),
    None,
    DAY.replace(day=21),
    20,
)
EXPIRED_STATUTE = PackStatute(
    "河西信用社", "HX2019007", "李四", "刘洋", Decimal("356000.50"), date(2026, 11, 10), -21
)
REPORT = PackReport(
    datetime(2026, 11, 20, 6, 30, tzinfo=UTC),
    "河西信用社",
    "刘洋",
    "HX2023001",
    "借款人外出务工，已联系其家属",
)
INACTIVE = PackInactive("河西信用社", "E0305", "郑涛", date(2026, 11, 17), 9)
ACCOUNTABILITY = PackAccountability(
    datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    "河西信用社",
    "河西信用社",
    "poor_results",
    "criticism",
    "连续三次督办仍落后",
    "王主任",
)

# A complaint made before the period and closed in it, and one made in it and still open.
CLOSED_COMPLAINT = PackComplaint(
    7,
    datetime(2026, 11, 12, 1, 0, tzinfo=UTC),
    "城关信用社",
    "CG2024005",
    "王五",
    "李华",
    "上门催收时言语生硬",
    "王建国",
    closed_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    closed_by="王建国",
    close_note="已约谈责任人，并向借款人说明情况",
)
OPEN_COMPLAINT = PackComplaint(
    9,
    datetime(2026, 11, 20, 17, 0, tzinfo=UTC),  # 01:00 on 21 November in Shanghai
    "河西信用社",
    "HX2023001",
    "张三",
    "刘洋",
    "夜间多次电话催收",
    "赵强",
)
# A back-dated repayment confirmed anyway, and a cash one reported twice without a photo still awaiting.
BACKDATED = PackFlagged(
    "城关信用社",
    "CG2024001",
    "赵六",
    Decimal("1000.00"),
    date(2026, 11, 10),
    "李华",
    "confirmed",
    ("backdated",),
    datetime(2026, 11, 17, 2, 0, tzinfo=UTC),
)
CASH_TWICE = PackFlagged(
    "河西信用社",
    "HX2023002",
    "钱七",
    Decimal("60000.00"),
    date(2026, 11, 27),
    "刘洋",
    "reported",
    ("duplicate", "cash_without_photo"),
    datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
)
# 刘洋 broke both rules in one contact at 23:00 and one rule in each of two more.
BREACHES = (
    PackBreaches("河西信用社", "刘洋", 3, (("outside_hours", 2), ("too_many", 2))),
    PackBreaches("东关信用社", "陈静", 1, (("outside_hours", 1), ("too_many", 0))),
)
# Per officer, by unit and name: 东关 4 of 4, 城关 6 of 10, 河西 2 of 8 (12 of 22 in all, 54.5%).
EVIDENCE = (
    PackEvidence("东关信用社", "陈静", 4, 4),
    PackEvidence("城关信用社", "李华", 5, 4),
    PackEvidence("城关信用社", "赵敏", 5, 2),
    PackEvidence("河西信用社", "刘洋", 6, 1),
    PackEvidence("河西信用社", "孙丽", 2, 1),
)


def make_pack(**changes: Any) -> DispatchPack:
    pack = DispatchPack(
        day=DAY,
        period_start=START,
        expected=EXPECTED,
        expected_before=EXPECTED_BEFORE,
        units=(CHENGGUAN, DONGGUAN, HEXI),
        lagging_officers=OFFICERS,
        notices=NOTICES,
        reports=(REPORT,),
        inactive=(INACTIVE,),
        accountability=(ACCOUNTABILITY,),
        lawsuits=(LAWSUIT,),
        assets=(ASSET,),
        statutes=(EXPIRED_STATUTE,),
        complaints=(CLOSED_COMPLAINT, OPEN_COMPLAINT),
        flagged=(BACKDATED, CASH_TWICE),
        breaches=BREACHES,
        evidence=EVIDENCE,
        issuer=ISSUER,
    )
    return replace(pack, **changes)


def read_document(content: bytes) -> WordDocument:
    return docx.Document(io.BytesIO(content))


@cache
def standard_document() -> bytes:
    """The hand-made pack's document, drawn once for the tests that only read it."""
    return pack_document(make_pack())


@cache
def standard_annex() -> bytes:
    return pack_annex(make_pack())


def texts(document: WordDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def rows_of(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


HEADING = re.compile("[一二三四五六七八九十]+、")


def section(document: WordDocument, heading: str) -> list[str]:
    """The paragraphs between a section's heading and the next heading (tables aside)."""
    paragraphs = texts(document)
    start = paragraphs.index(heading)
    rest = paragraphs[start + 1 :]
    end = next((i for i, text in enumerate(rest) if HEADING.match(text)), len(rest))
    return rest[:end]


def wan(amount: Decimal) -> str:
    return format_wan(amount).removesuffix("万元")


def test_title_and_overall_paragraph_state_the_period_and_the_line() -> None:
    document = read_document(standard_document())
    paragraphs = texts(document)
    assert paragraphs[0] == "不良贷款清收工作调度情况\n（2026年11月16日—11月30日）"
    assert paragraphs[1] == f"{ISSUER}　2026年12月1日"
    target = Decimal("10000000.00")
    recovered = Decimal("8152346.17")
    rate = Decimal("0.8152")
    assert paragraphs[2] == (
        f"截至2026年11月30日，各单位清收任务合计{format_wan(target)}，累计收回{format_wan(recovered)}，"
        f"完成率{format_rate(rate)}；时间进度{format_rate(EXPECTED)}，落后时间进度9.5个百分点，"
        f"差额{format_wan(target * EXPECTED - recovered)}。"
    )
    assert paragraphs[3] == (
        f"本期收回{format_wan(Decimal('552346.17'))}，完成率由期初的76.0%提高到81.5%，"
        "同期时间进度由86.9%提高到91.0%。参加清收的3个单位中，1个达到时间进度，2个落后于时间进度。"
    )
    assert document.core_properties.title == "不良贷款清收工作调度情况（2026年11月16日—11月30日）"
    assert document.core_properties.author == ISSUER


def test_sections_are_numbered_in_order() -> None:
    headings = [text for text in texts(read_document(standard_document())) if HEADING.match(text)]
    assert headings == [
        "一、各单位任务完成情况",
        "二、完成率低于时间进度的清收责任人",
        "三、督办情况",
        "四、诉讼清收情况",
        "五、抵债资产处置情况",
        "六、诉讼时效届满风险",
        "七、专项报告",
        "八、投诉及办理情况",
        "九、长期未记录清收情况的责任人",
        "十、诚信与合规",
        "十一、问责情况",
        "十二、新发放贷款风险监测情况",
    ]


def test_units_table_shows_ranks_changes_amounts_in_wan_and_the_gap() -> None:
    document = read_document(standard_document())
    table = document.tables[0]
    assert rows_of(table) == [
        ["排名", "升降", "单位", "任务", "期初累计", "本期收回", "累计收回", "完成率", "较时间进度"],
        ["1", "↑1", "城关信用社", "500.00", "410.00", "55.00", "465.00", "93.0%", "+2.0"],
        ["2", "↓1", "东关信用社", "300.00", "270.00", "1.23", "271.23", "90.4%", "-0.6"],
        ["3", "—", "河西信用社", "200.00", "80.00", "-1.00", "79.00", "39.5%", "-51.5"],
    ]
    assert wan(CHENGGUAN.recovered) == "465.00"
    assert "金额单位：万元" in section(document, "一、各单位任务完成情况")
    # The chart follows the table, inside the page's text width.
    pictures = document.inline_shapes
    assert len(pictures) == 1
    assert pictures[0].width <= TEXT_WIDTH


def test_lagging_officers_show_the_three_furthest_behind_per_unit_and_point_to_the_annex() -> None:
    document = read_document(standard_document())
    lead = section(document, "二、完成率低于时间进度的清收责任人")[0]
    assert (
        lead
        == "期末完成率低于时间进度的清收责任人共6名，分布在2个单位。下表列出各单位差距最大的3名，全部名单详见附件。"
    )
    rows = rows_of(document.tables[1])
    assert rows[0] == ["单位", "工号", "责任人", "任务", "累计收回", "完成率", "较时间进度", "案件数"]
    # A merged cell reads the same in every row it spans.
    assert [row[0] for row in rows[1:]] == ["东关信用社\n（1人）"] + [
        "河西信用社\n（5人）"
    ] * OFFICERS_PER_UNIT
    assert [row[2] for row in rows[1:]] == ["陈静", "刘洋", "孙丽", "周伟"]
    assert rows[2][3:] == ["50.00", "5.00", "10.0%", "-81.0", "8"]


def test_notices_are_counted_per_rung_with_the_highest_rung_first() -> None:
    document = read_document(standard_document())
    lead = section(document, "三、督办情况")[0]
    assert lead == "本期向2个单位发出督办类文书5份，其中督办函2份、再次督办1份、约谈通知1份、问责建议1份。"
    rows = rows_of(document.tables[2])
    assert rows[0] == ["日期", "单位", "文号", "类别"]
    assert [row[3] for row in rows[1:]] == ["问责建议", "约谈通知", "再次督办", "督办函", "督办函"]
    assert rows[1] == ["2026-11-30", "河西信用社", "清收督〔2026〕19号", "问责建议"]


def test_lawsuit_shows_its_stage_timings_and_missed_deadline_in_red() -> None:
    document = read_document(standard_document())
    lead = section(document, "四、诉讼清收情况")[0]
    assert lead == (
        "在办或本期办结的诉讼1件，按当前阶段：判决1件。错过法定期限1件（表中以红色标出，列于表首），须立即采取补救措施。"
    )
    table = document.tables[3]
    assert rows_of(table)[1] == [
        "河西信用社",
        "HX2023001",
        "张三",
        "判决",
        "2026-11-20",
        "198",
        "—",
        "不动产查封于2026-11-25到期未续",
    ]
    colours = {run.font.color.rgb for cell in table.rows[1].cells for run in cell.paragraphs[0].runs}
    assert colours == {docx.shared.RGBColor(0xC0, 0x00, 0x00)}


def test_asset_near_its_deadline_shows_offset_appraisal_and_proceeds() -> None:
    document = read_document(standard_document())
    lead = section(document, "五、抵债资产处置情况")[0]
    assert lead == (
        f"处置期限临近或已过的抵债资产1项，抵债金额合计{format_wan(ASSET.offset)}，"
        f"评估价值合计{format_wan(Decimal('1350000'))}，处置所得合计{format_wan(Decimal(0))}。"
    )
    assert rows_of(document.tables[4])[1] == [
        "ZC2025-0003",
        "城关信用社",
        "城关镇某小区住宅",
        "挂牌中",
        "120.00",
        "135.00",
        "—",
        "2026-12-21\n剩余20天",
    ]


def test_expired_statute_is_flagged_not_hidden() -> None:
    document = read_document(standard_document())
    lead = section(document, "六、诉讼时效届满风险")[0]
    amount = format_wan(EXPIRED_STATUTE.outstanding)
    assert lead == (
        f"诉讼时效即将届满或已届满的案件1笔，未收回余额合计{amount}。"
        f"其中1笔已届满（余额{amount}，表中以红色标出），须立即核实有无时效中断的证据。"
    )
    row = document.tables[5].rows[1]
    assert [cell.text for cell in row.cells] == [
        "河西信用社",
        "HX2019007",
        "李四",
        "刘洋",
        "35.60",
        "2026-11-10",
        "已届满21天",
    ]
    assert row.cells[6].paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xC0, 0x00, 0x00)


def test_report_inactive_officer_and_accountability_record_in_local_time() -> None:
    document = read_document(standard_document())
    assert section(document, "七、专项报告")[0] == "本期清收责任人报送专项报告1份。"
    assert rows_of(document.tables[6])[1] == [
        "11-20 14:30",
        "河西信用社",
        "刘洋",
        "HX2023001",
        "借款人外出务工，已联系其家属",
    ]
    assert rows_of(document.tables[8])[1] == ["河西信用社", "E0305", "郑涛", "2026-11-17", "9"]
    assert rows_of(document.tables[12])[1] == [
        "11-30 10:00",
        "河西信用社",
        "河西信用社",
        "效果不明显",
        "通报批评",
        "连续三次督办仍落后",
        "王主任",
    ]
    assert texts(document)[-1] == "附件：不良贷款清收工作调度明细表（Excel）"


def test_complaints_list_the_open_ones_first_with_how_each_was_closed() -> None:
    document = read_document(standard_document())
    assert section(document, "八、投诉及办理情况") == [
        "本期新收、本期办结及尚未办结的投诉共2件，其中已办结1件、未办结1件（列于表首）。"
    ]
    assert rows_of(document.tables[7]) == [
        ["编号", "日期", "单位", "贷款编号\n借款人", "责任人", "投诉内容", "办理情况"],
        [
            "9",
            "2026-11-21",
            "河西信用社",
            "HX2023001\n张三",
            "刘洋",
            "夜间多次电话催收\n（赵强记录）",
            "未办结",
        ],
        [
            "7",
            "2026-11-12",
            "城关信用社",
            "CG2024005\n王五",
            "李华",
            "上门催收时言语生硬\n（王建国记录）",
            "已办结（2026-11-25，王建国）\n已约谈责任人，并向借款人说明情况",
        ],
    ]


def test_integrity_section_has_flags_breaches_and_evidence_each_in_its_part() -> None:
    document = read_document(standard_document())
    assert section(document, "十、诚信与合规") == [
        "（一）有标记的还款",
        f"本期报告的还款中有标记的2笔，金额合计{format_wan(Decimal('61000'))}。"
        "按标记：倒签1笔、疑似重复1笔、大额现金无凭证1笔；按状态：待确认1笔、已确认1笔。",
        "金额单位：万元",
        "（二）联系合规异常",
        "本期违反联系规范的合规异常4次，涉及清收责任人2名；按类别：非规定时段联系3次、单日联系超次2次。",
        "（三）走访留痕率",
        "本期走访22次，其中有照片或位置留痕的12次，走访留痕率54.5%。"
        "下表按单位汇总，留痕率由低到高排列，各责任人明细详见附件。",
    ]


def test_flagged_repayments_show_those_awaiting_the_lead_first_with_their_flags_in_words() -> None:
    rows = rows_of(read_document(standard_document()).tables[9])
    assert rows == [
        ["单位", "贷款编号", "借款人", "金额", "还款日期", "报告人", "状态", "标记"],
        [
            "河西信用社",
            "HX2023002",
            "钱七",
            "6.00",
            "2026-11-27",
            "刘洋",
            "待确认",
            "疑似重复（7 天内同一案件同一金额）；现金 5 万元以上未附凭证照片",
        ],
        [
            "城关信用社",
            "CG2024001",
            "赵六",
            "0.10",
            "2026-11-10",
            "李华",
            "已确认",
            "倒签（还款日早于报告日 3 天以上）",
        ],
    ]


def test_breaches_are_counted_per_officer_and_rule_the_most_first() -> None:
    assert rows_of(read_document(standard_document()).tables[10]) == [
        ["单位", "责任人", "非规定时段联系", "单日联系超次", "合计"],
        ["河西信用社", "刘洋", "2", "2", "3"],
        ["东关信用社", "陈静", "1", "0", "1"],
    ]


def test_evidenced_visits_are_summed_per_unit_the_lowest_share_first() -> None:
    assert rows_of(read_document(standard_document()).tables[11]) == [
        ["单位", "走访次数", "留痕次数", "留痕率"],
        ["河西信用社", "8", "2", "25.0%"],
        ["城关信用社", "10", "6", "60.0%"],
        ["东关信用社", "4", "4", "100.0%"],
    ]


def test_many_units_evidence_shows_the_lowest_shares_and_how_many_more() -> None:
    evidence = tuple(PackEvidence(f"第{n:03d}信用社", "刘洋", 100, n) for n in range(80, 0, -1))
    document = read_document(pack_document(make_pack(evidence=evidence)))
    rows = rows_of(document.tables[11])
    assert len(rows) == 1 + MOST_ROWS
    assert rows[1] == ["第001信用社", "100", "1", "1.0%"]
    assert rows[-1] == [f"第{MOST_ROWS:03d}信用社", "100", str(MOST_ROWS), f"{MOST_ROWS}.0%"]
    assert f"另有{80 - MOST_ROWS}条未列出，详见附件。" in section(document, "十、诚信与合规")


def test_an_empty_part_says_so_and_the_others_keep_their_tables() -> None:
    document = read_document(pack_document(make_pack(flagged=(), complaints=())))
    assert section(document, "八、投诉及办理情况") == ["本期无。"]
    integrity = section(document, "十、诚信与合规")
    assert integrity[:3] == ["（一）有标记的还款", "本期无。", "（二）联系合规异常"]
    assert len(document.tables) == 11
    assert rows_of(document.tables[8])[0][0] == "单位"  # 刘洋's breaches now follow the inactive officer
    assert rows_of(document.tables[8])[1] == ["河西信用社", "刘洋", "2", "2", "3"]


def test_an_empty_section_says_so_instead_of_an_empty_table() -> None:
    document = read_document(pack_document(make_pack(reports=(), accountability=())))
    assert section(document, "七、专项报告") == ["本期无。"]
    assert section(document, "十一、问责情况")[0] == "本期无。"
    assert len(document.tables) == 11


def test_a_pack_with_nothing_in_it_says_so_in_every_section() -> None:
    empty = make_pack(
        units=(),
        lagging_officers=(),
        notices=(),
        reports=(),
        inactive=(),
        accountability=(),
        lawsuits=(),
        assets=(),
        statutes=(),
        complaints=(),
        flagged=(),
        breaches=(),
        evidence=(),
    )
    document = read_document(pack_document(empty))
    paragraphs = texts(document)
    assert paragraphs[2] == "尚无参加清收的单位。"
    # Eleven sections say so, and the three parts of 诚信与合规 each.
    assert paragraphs.count("本期无。") == 14
    assert not document.tables
    assert not document.inline_shapes
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(empty)))
    assert all(sheet.max_row == 1 for sheet in workbook.worksheets[1:])
    assert pack_chart(empty).startswith(PNG_MAGIC)


def test_a_long_list_shows_its_most_urgent_rows_and_how_many_more_the_annex_has() -> None:
    statutes = tuple(
        replace(EXPIRED_STATUTE, loan_no=f"HX{n:05d}", days_left=n, expires=date(2027, 1, 1))
        for n in range(80, 0, -1)
    )
    document = read_document(pack_document(make_pack(statutes=statutes)))
    rows = rows_of(document.tables[5])
    assert len(rows) == 1 + MOST_ROWS
    assert rows[1][6] == "1"  # fewest days left first
    assert f"另有{80 - MOST_ROWS}条未列出，详见附件。" in section(document, "六、诉讼时效届满风险")


def test_every_table_fits_the_text_width() -> None:
    document = read_document(standard_document())
    for table in document.tables:
        widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) <= TEXT_WIDTH.twips + 1


def test_same_pack_gives_the_same_bytes() -> None:
    first = standard_document()
    assert first == pack_document(make_pack())
    assert standard_annex() == pack_annex(make_pack())
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 12, 1, 0, 0, 0)}


def test_english_document_uses_english_headings() -> None:
    paragraphs = texts(read_document(pack_document(make_pack(), language="en")))
    assert (
        paragraphs[0] == "Recovery of non-performing loans: dispatch report\n(16 November – 30 November 2026)"
    )
    assert "1. Units against target" in paragraphs
    assert "10. Honest figures and lawful collection" in paragraphs
    assert "(1) Flagged repayments" in paragraphs
    assert "11. Accountability" in paragraphs


def annex_rows(workbook: openpyxl.Workbook, title: str) -> list[tuple[Any, ...]]:
    return list(workbook[title].iter_rows(values_only=True))


def exact(value: Any) -> Decimal:
    """A number read back from the sheet, as the Decimal it was written from."""
    return Decimal(repr(value))


def test_annex_has_a_sheet_per_section_with_every_row() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(standard_annex()))
    assert workbook.sheetnames == [
        "总体情况",
        "一、各单位任务完成情况",
        "二、完成率低于时间进度的清收责任人",
        "三、督办情况",
        "四、诉讼清收情况",
        "五、抵债资产处置情况",
        "六、诉讼时效届满风险",
        "七、专项报告",
        "八、投诉及办理情况",
        "九、长期未记录清收情况的责任人",
        "十（一）有标记的还款",
        "十（二）联系合规异常",
        "十（三）走访留痕率",
        "十一、问责情况",
        "十二、新发放贷款风险监测情况",
    ]
    officers = annex_rows(workbook, "二、完成率低于时间进度的清收责任人")
    assert officers[0] == (
        "单位",
        "工号",
        "责任人",
        "清收任务（元）",
        "累计收回（元）",
        "完成率",
        "较时间进度",
        "案件数",
    )
    assert [(r[0], r[1], r[2], exact(r[3]), exact(r[4]), r[7]) for r in officers[1:]] == [
        (o.unit, o.employee_no, o.name, o.target, o.recovered, o.cases) for o in OFFICERS
    ]
    units = annex_rows(workbook, "一、各单位任务完成情况")
    assert [exact(r[7]) for r in units[1:]] == [u.recovered for u in (CHENGGUAN, DONGGUAN, HEXI)]
    assert [exact(r[6]) for r in units[1:]] == [u.recovered_in_period for u in (CHENGGUAN, DONGGUAN, HEXI)]
    assert [r[1] for r in units[1:]] == [1, -1, 0]
    statutes = annex_rows(workbook, "六、诉讼时效届满风险")
    assert statutes[1] == (
        "河西信用社",
        "HX2019007",
        "李四",
        "刘洋",
        356000.5,
        datetime(2026, 11, 10),
        -21,
        "已届满",
    )
    assert annex_rows(workbook, "七、专项报告")[1][0] == datetime(2026, 11, 20, 14, 30)
    notices = annex_rows(workbook, "三、督办情况")
    assert [r[3] for r in notices[1:]] == ["督办函", "督办函", "再次督办", "约谈通知", "问责建议"]


def test_annex_formats_amounts_rates_and_dates_and_freezes_the_header() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(standard_annex()))
    sheet = workbook["一、各单位任务完成情况"]
    assert sheet.freeze_panes == "A2"
    assert sheet["E2"].number_format == AMOUNT_FORMAT
    assert sheet["J2"].number_format == RATE_FORMAT
    assert exact(sheet["J2"].value) == CHENGGUAN.rate
    assert sheet.column_dimensions["E"].width >= 15
    lawsuit = workbook["四、诉讼清收情况"]
    assert lawsuit["E2"].number_format == DATE_FORMAT
    assert lawsuit["E2"].value == datetime(2026, 11, 20)
    assert lawsuit["H2"].value is None  # no enforcement yet
    assert workbook.properties.created == datetime(2026, 12, 1)
    assert workbook.properties.modified == datetime(2026, 12, 1)


def test_annex_keeps_a_formula_looking_text_as_text() -> None:
    report = replace(REPORT, text='=HYPERLINK("http://example.com")')
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(make_pack(reports=(report,)))))
    cell = workbook["七、专项报告"]["E2"]
    assert cell.data_type == "s"
    assert cell.value == report.text


def test_annex_lists_complaints_flags_breaches_and_every_officers_evidence() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(standard_annex()))
    complaints = annex_rows(workbook, "八、投诉及办理情况")
    assert complaints == [
        (
            "投诉编号",
            "时间",
            "单位",
            "贷款编号",
            "借款人",
            "责任人",
            "投诉内容",
            "记录人",
            "办理状态",
            "办结时间",
            "办结人",
            "办结说明",
        ),
        (
            7,
            datetime(2026, 11, 12, 9, 0),
            "城关信用社",
            "CG2024005",
            "王五",
            "李华",
            "上门催收时言语生硬",
            "王建国",
            "已办结",
            datetime(2026, 11, 25, 16, 0),
            "王建国",
            "已约谈责任人，并向借款人说明情况",
        ),
        (
            9,
            datetime(2026, 11, 21, 1, 0),
            "河西信用社",
            "HX2023001",
            "张三",
            "刘洋",
            "夜间多次电话催收",
            "赵强",
            "未办结",
            None,
            None,
            None,
        ),
    ]
    flagged = annex_rows(workbook, "十（一）有标记的还款")
    assert flagged[0] == (
        "单位",
        "贷款编号",
        "借款人",
        "金额（元）",
        "还款日期",
        "报告时间",
        "报告人",
        "状态",
        "标记",
    )
    assert [(r[1], exact(r[3]), r[4], r[5], r[7], r[8]) for r in flagged[1:]] == [
        (
            "CG2024001",
            Decimal("1000.00"),
            datetime(2026, 11, 10),
            datetime(2026, 11, 17, 10, 0),
            "已确认",
            "倒签（还款日早于报告日 3 天以上）",
        ),
        (
            "HX2023002",
            Decimal("60000.00"),
            datetime(2026, 11, 27),
            datetime(2026, 11, 27, 17, 0),
            "待确认",
            "疑似重复（7 天内同一案件同一金额）；现金 5 万元以上未附凭证照片",
        ),
    ]
    sheet = workbook["十（一）有标记的还款"]
    assert (sheet["D2"].number_format, sheet["E2"].number_format, sheet["F2"].number_format) == (
        AMOUNT_FORMAT,
        DATE_FORMAT,
        TIME_FORMAT,
    )
    assert annex_rows(workbook, "十（二）联系合规异常") == [
        ("单位", "责任人", "非规定时段联系（次）", "单日联系超次（次）", "合计（次）"),
        ("河西信用社", "刘洋", 2, 2, 3),
        ("东关信用社", "陈静", 1, 0, 1),
    ]
    evidence = annex_rows(workbook, "十（三）走访留痕率")
    assert evidence[0] == ("单位", "责任人", "走访次数", "有照片或位置的走访次数", "走访留痕率")
    assert [(r[0], r[1], r[2], r[3], round(r[4], 4)) for r in evidence[1:]] == [
        (e.unit, e.officer, e.visits, e.evidenced, round(e.evidenced / e.visits, 4)) for e in EVIDENCE
    ]
    assert workbook["十（三）走访留痕率"]["E2"].number_format == RATE_FORMAT


def test_annex_keeps_formula_looking_complaints_and_notes_as_text() -> None:
    complaint = replace(CLOSED_COMPLAINT, text="=1+1", close_note="@SUM(A1:A9)", made_by="-王建国")
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(make_pack(complaints=(complaint,)))))
    sheet = workbook["八、投诉及办理情况"]
    for cell, value in ((sheet["G2"], "=1+1"), (sheet["L2"], "@SUM(A1:A9)"), (sheet["H2"], "-王建国")):
        assert (cell.data_type, cell.value) == ("s", value)
        assert cell.quotePrefix


def test_english_annex_has_english_sheets_and_headers() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(make_pack(), language="en")))
    assert workbook.sheetnames[:2] == ["Overview", "1. Units against target"]
    assert workbook.sheetnames[8:13] == [
        "8. Complaints",
        "9. Inactive officers",
        "10.1 Flagged repayments",
        "10.2 Contact rule breaches",
        "10.3 Evidenced visits",
    ]
    assert workbook["1. Units against target"]["C1"].value == "Unit"


def test_chart_is_a_png_of_sensible_size() -> None:
    picture = pack_chart(make_pack())
    assert picture.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(picture)) as image:
        width, height = image.size
    assert 600 <= width <= 1200
    assert 300 <= height <= 1800
    assert len(picture) < 200_000
    assert pack_chart(make_pack()) == picture
