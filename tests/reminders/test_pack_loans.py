"""The dispatch pack's last section, new loans (在贷, SPEC §10 三): the figures /status shows, as of the period's
last day, for the campaign in the lead and for each unit in a table and an annex sheet, with the units that have
a loan classified better than its days overdue allow or a large loan overdue in red."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
from docx.oxml.ns import qn

from bot.app import App
from core.early_warning import WatchFigures
from core.pack import PackLoans
from reminders.config import ScheduleConfig
from reminders.pack import dispatch_pack
from reminders.pack_annex import AMOUNT_FORMAT, pack_annex
from reminders.pack_document import pack_document
from reminders.word import TEXT_WIDTH
from tests.conftest import SHANGHAI, Clock
from tests.ledger_data import seed
from tests.reminders.test_loan_warnings import imported, loan, run
from tests.reminders.test_pack_document import exact, make_pack, read_document, rows_of, section, texts

DAY = date(2026, 12, 1)  # the pack counts 2026-11-16 to 2026-11-30
IMPORTED = date(2026, 11, 2)  # 28 days before the period's last day
CONFIG = ScheduleConfig()
HEADING = "十二、新发放贷款风险监测情况"
SHEET = "十二、新发放贷款风险监测情况"
RED = docx.shared.RGBColor(0xC0, 0x00, 0x00)
ANNEX_LINE = "附件：不良贷款清收工作调度明细表（Excel）"

# Days overdue as imported on 11-02, and so on 11-30 (28 more).
LEDGER = [
    # 城关信用社: a 关注 loan 92 days overdue, 120 on 11-30 (over 90, below 次级: a mismatch; it joins the
    # campaign the morning it is imported); a large loan that fell overdue on 11-21; one not overdue.
    loan("D1", overdue=92, classification="关注", amount="200000"),
    loan("D2", "E002", amount="6000000", matures=date(2026, 11, 20)),
    loan("D3", amount="300000"),
    # 东风信用社: more loans overdue (38, 48 and 68 days on 11-30) but none over 90, none flagged.
    loan("D4", "E003", overdue=10, amount="50000", unit="东风信用社"),
    loan("D5", "E003", overdue=20, amount="70000", unit="东风信用社"),
    loan("D6", "E003", overdue=40, amount="80000", unit="东风信用社"),
    loan("D7", "E003", amount="400000", unit="东风信用社"),
]


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, tzinfo=SHANGHAI)


def loans_pack(app: App, clock: Clock, tmp_path: Path) -> tuple[bytes, bytes]:
    """The two units' loans imported on 11-02, the warnings job run that morning (D1 joins), and the pack of
    12-01 as a document and an annex."""
    imported(app, clock, tmp_path, LEDGER, IMPORTED)
    assert ("D1", "joined") in run(app, clock, IMPORTED)
    clock.now = morning(DAY)
    pack = dispatch_pack(app.store, DAY, CONFIG)
    return pack_document(pack), pack_annex(pack)


def test_the_section_leads_with_the_campaigns_figures_and_lists_each_unit(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    document = read_document(loans_pack(app, clock, tmp_path)[0])
    headings = [text for text in texts(document) if text.startswith(("十一、", "十二、"))]
    assert headings == ["十一、问责情况", HEADING]
    paragraphs = section(document, HEADING)
    assert paragraphs[0] == (
        "截至2026年11月30日，监测新发放贷款7笔，余额710.00万元；逾期5笔，余额640.00万元，其中逾期1–30天1笔、"
        "31–60天2笔、61–90天1笔、90天以上1笔。五级分类偏离（分类结果优于逾期天数对应的分类）1笔，"
        "大额贷款逾期1笔，逾期超过90天已转入清收台账1笔。下表按逾期90天以上笔数、逾期笔数由多到少列示各单位情况。"
        "上述分类偏离或大额贷款逾期涉及1个单位（表中以红色标出），须逐笔核实，及时纠正分类、落实清收措施。"
    )
    assert paragraphs[1:] == ["金额单位：万元", ANNEX_LINE]
    # The section is the document's last: its table is the last table.
    table = document.tables[-1]
    # 城关 first for its loan over 90 days, though 东风 has more overdue and comes first by name.
    assert rows_of(table) == [
        [
            "单位",
            "监测笔数",
            "余额",
            "逾期\n1–30天",
            "逾期\n31–60天",
            "逾期\n61–90天",
            "逾期\n90天以上",
            "分类偏离",
            "大额逾期",
            "转入清收",
        ],
        ["城关信用社", "3", "650.00", "1", "0", "0", "1", "1", "1", "1"],
        ["东风信用社", "4", "60.00", "0", "2", "1", "0", "0", "0", "0"],
    ]
    colours = [
        {run.font.color.rgb for cell in row.cells for run in cell.paragraphs[0].runs} for row in table.rows
    ]
    assert colours[1] == {RED}
    assert RED not in colours[2]
    widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert TEXT_WIDTH.twips - 10 <= sum(widths) <= TEXT_WIDTH.twips + 1


def test_the_annex_sheet_has_every_units_figures_in_yuan(app: App, clock: Clock, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(loans_pack(app, clock, tmp_path)[1]))
    assert workbook.sheetnames[-2:] == ["十一、问责情况", SHEET]
    sheet = workbook[SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "单位",
        "监测笔数",
        "贷款余额（元）",
        "逾期笔数",
        "逾期贷款余额（元）",
        "逾期1–30天（笔）",
        "逾期31–60天（笔）",
        "逾期61–90天（笔）",
        "逾期90天以上（笔）",
        "五级分类偏离（笔）",
        "大额贷款逾期（笔）",
        "转入清收台账（笔）",
    )
    assert [(r[0], r[1], exact(r[2]), r[3], exact(r[4]), *r[5:]) for r in rows[1:]] == [
        ("城关信用社", 3, Decimal("6500000.00"), 2, Decimal("6200000.00"), 1, 0, 0, 1, 1, 1, 1),
        ("东风信用社", 4, Decimal("600000.00"), 3, Decimal("200000.00"), 0, 2, 1, 0, 0, 0, 0),
    ]
    assert (sheet["C2"].number_format, sheet["E2"].number_format) == (AMOUNT_FORMAT, AMOUNT_FORMAT)
    assert sheet.freeze_panes == "A2"


def test_a_ledger_without_new_loans_says_none_this_period(app: App, clock: Clock) -> None:
    clock.now = morning(DAY)
    seed(app)
    pack = dispatch_pack(app.store, DAY, CONFIG)
    assert pack.loans == ()
    document = read_document(pack_document(pack))
    assert section(document, HEADING) == ["本期无。", ANNEX_LINE]
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(pack)))
    assert workbook[SHEET].max_row == 1


CHENGGUAN = PackLoans(
    "城关信用社", WatchFigures(3, Decimal("6500000"), (1, 0, 0, 1), Decimal("6200000"), 1, 1, 1)
)
DONGFENG = PackLoans(
    "东风信用社", WatchFigures(4, Decimal("600000"), (0, 2, 1, 0), Decimal("200000"), 0, 0, 0)
)


def test_with_nothing_overdue_the_lead_says_so_and_no_row_is_red() -> None:
    quiet = PackLoans("东风信用社", WatchFigures(2, Decimal("470000"), (0, 0, 0, 0), Decimal(0), 0, 0, 0))
    document = read_document(pack_document(make_pack(loans=(quiet,))))
    assert section(document, HEADING)[0] == (
        "截至2026年11月30日，监测新发放贷款2笔，余额47.00万元；无逾期贷款。五级分类偏离（分类结果优于逾期天数"
        "对应的分类）0笔，大额贷款逾期0笔，逾期超过90天已转入清收台账0笔。"
        "下表按逾期90天以上笔数、逾期笔数由多到少列示各单位情况。"
    )
    table = document.tables[-1]
    assert rows_of(table)[1] == ["东风信用社", "2", "47.00", "0", "0", "0", "0", "0", "0", "0"]
    assert RED not in {run.font.color.rgb for cell in table.rows[1].cells for run in cell.paragraphs[0].runs}


def test_english_pack_names_the_section_and_its_sheet() -> None:
    pack = make_pack(loans=(CHENGGUAN, DONGFENG))
    paragraphs = texts(read_document(pack_document(pack, language="en")))
    assert "12. New loans: risk watch" in paragraphs
    workbook = openpyxl.load_workbook(io.BytesIO(pack_annex(pack, language="en")))
    # Excel refuses a colon in a sheet's name.
    assert workbook.sheetnames[-1] == "12. New loans – risk watch"
    assert workbook["12. New loans – risk watch"]["B1"].value == "Loans watched"


def test_annex_keeps_a_formula_looking_unit_name_as_text() -> None:
    pack = make_pack(loans=(replace(DONGFENG, unit="=1+1"),))
    cell = openpyxl.load_workbook(io.BytesIO(pack_annex(pack)))[SHEET]["A2"]
    assert (cell.data_type, cell.value) == ("s", "=1+1")
    assert cell.quotePrefix
