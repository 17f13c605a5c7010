"""Importing workbooks the way clerks fill them in, on SQLite and PostgreSQL (SPEC §7)."""

from __future__ import annotations

import gc
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.app import App
from core.columns import SHEETS
from core.errors import UserError
from core.texts import render
from spreadsheets.exporter import write_export
from spreadsheets.importer import ImportRefused, import_file
from spreadsheets.template import write_template

UNIT_ROWS = [
    ["城关信用社", "王建国", "500万"],
    ["东风信用社", "赵东升", None],
]
PEOPLE_ROWS = [
    ["李明", "E001", "城关信用社", "清收责任人", "13800001111"],
    ["王建国", "U001", "城关信用社", "单位负责人", "13800003333"],
    ["孙芳", 1003, "东风信用社", "officer", None],
    ["陈专班", "A001", None, "专班联络员", None],
]
# The ways clerks write amounts and dates, each with the value it must become.
CASE_ROWS = [
    [
        "L001",
        "张三",
        "330102198001011234",
        "13912345678",
        "城关信用社",
        "E001",
        50000,
        1234.5,
        "可疑",
        "易",
        datetime(2026, 12, 31),
        "分期",
        None,
    ],
    [
        "L002",
        "李四",
        None,
        None,
        "城关信用社",
        "E001",
        "5万",
        "0",
        "次级",
        "中",
        "2026/12/31",
        None,
        "2027年3月1日",
    ],
    [
        "L003",
        "王五",
        None,
        None,
        "城关信用社",
        "E001",
        "3.5万元",
        "12,345.67",
        "损失",
        "难",
        "2026年12月31日",
        None,
        None,
    ],
    [
        "L004",
        "赵六",
        None,
        None,
        "东风信用社",
        "1003",
        "壹万贰仟元整",
        None,
        "关注",
        None,
        "2026.12.25",
        None,
        None,
    ],
    [
        "L005",
        "钱七",
        None,
        None,
        "东风信用社",
        1003,
        "12,345.67",
        "两万五",
        "可疑",
        "易",
        None,
        None,
        "2027-06-30",
    ],
    [
        "L006",
        "孙八",
        "33010219800101123x",
        None,
        "东风信用社",
        "1003",
        80000.25,
        None,
        "可疑",
        "中",
        date(2026, 12, 20),
        None,
        None,
    ],
]
EXPECTED = {
    "L001": (Decimal("50000.00"), Decimal("1234.50"), date(2026, 12, 31), None, "易"),
    "L002": (Decimal("50000.00"), Decimal("0.00"), date(2026, 12, 31), date(2027, 3, 1), "中"),
    "L003": (Decimal("35000.00"), Decimal("12345.67"), date(2026, 12, 31), None, "难"),
    "L004": (Decimal("12000.00"), Decimal("0.00"), date(2026, 12, 25), None, "中"),
    "L005": (Decimal("12345.67"), Decimal("25000.00"), date(2026, 12, 31), date(2027, 6, 30), "易"),
    "L006": (Decimal("80000.25"), Decimal("0.00"), date(2026, 12, 20), None, "中"),
}


def fill_template(
    path: Path, units: list[list[Any]], people: list[list[Any]], cases: list[list[Any]]
) -> Path:
    """Start from `qingshou template`, replace the example rows with ours, save."""
    write_template(path, date(2026, 12, 31))
    workbook = load_workbook(path)
    for sheet, rows in (("单位", units), ("人员", people), ("案件", cases)):
        ws = workbook[sheet]
        ws.delete_rows(2, ws.max_row)
        for row in rows:
            ws.append(row)
    workbook.save(path)
    return path


def with_sheet(path: Path, sheet: str, rows: list[list[Any]]) -> Path:
    """The template filled with the small ledger, and one of its optional sheets with `rows` in place of its
    example."""
    fill_template(path, UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS)
    workbook = load_workbook(path)
    ws = workbook[sheet]
    ws.delete_rows(2, ws.max_row)
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def cases_of(app: App) -> dict[str, tuple[Any, ...]]:
    table = next(t for t in app.store.export_tables() if t.name == "cases")
    return {row[0]: row for row in table.rows}


def filled_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The rows below the header that hold any value (formatted empty cells aside)."""
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def test_template_has_sheets_headers_and_dropdowns(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path, date(2026, 12, 31))
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["填写说明", "单位", "人员", "案件", "诉讼", "抵债资产", "在贷"]
    assert [c.value for c in workbook["案件"][1]][:7] == [
        "贷款编号",
        "借款人",
        "证件号码",
        "联系电话",
        "所属单位",
        "责任人工号",
        "贷款余额(元)",
    ]
    assert [len(filled_rows(workbook[sheet])) for sheet in ("单位", "人员", "案件")] == [1, 1, 1]
    lists = {
        sheet: {v.formula1 for v in workbook[sheet].data_validations.dataValidation}
        for sheet in ("人员", "案件")
    }
    assert '"清收责任人,单位负责人,专班领导,专班联络员"' in lists["人员"]
    assert '"正常,关注,次级,可疑,损失"' in lists["案件"]
    assert '"易,中,难"' in lists["案件"]


def test_template_example_rows_are_skipped(app: App, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path, date(2026, 12, 31))
    report = import_file(app.store, path)
    assert (report.created, report.updated, report.examples_skipped) == (0, 0, 6)
    assert app.store.is_empty()
    assert render("import.examples_skipped", "zh", count=report.examples_skipped) == "已跳过模板示例行 6 行"


def test_rows_below_the_kept_example_rows_import(app: App, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path, date(2026, 12, 31))
    workbook = load_workbook(path)
    # The clerk types below the example rows (the 16 Dec deadline of the example case changed too).
    workbook["案件"]["K2"] = datetime(2026, 12, 16)
    for sheet, rows in (("单位", UNIT_ROWS), ("人员", PEOPLE_ROWS), ("案件", CASE_ROWS[:2])):
        for number, row in enumerate(rows, start=3):
            for column, value in enumerate(row, start=1):
                workbook[sheet].cell(row=number, column=column, value=value)
    workbook.save(path)

    report = import_file(app.store, path)
    assert (report.created, report.examples_skipped) == (2 + 4 + 2, 6)
    assert set(cases_of(app)) == {"L001", "L002"}
    assert app.store.person_by_employee_no("E0001") is None


def test_an_example_row_the_clerk_changed_imports(app: App, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path, date(2026, 12, 31))
    workbook = load_workbook(path)
    # The example rows, made real ones by changing a cell of each.
    workbook["单位"]["B2"] = "王建华"
    workbook["人员"]["A2"] = "李明明"
    workbook["案件"]["B2"] = "张三丰"
    workbook.save(path)
    report = import_file(app.store, path)
    # The 诉讼, 抵债资产 and 在贷 sheets' examples, left as they were, are still skipped.
    assert (report.created, report.examples_skipped, report.stages, report.assets) == (1 + 1 + 1, 3, 0, 0)
    assert cases_of(app)["L2023000001"][1] == "张三丰"


def test_long_numbers_that_lost_digits_are_refused(app: App, tmp_path: Path) -> None:
    rows = [list(r) for r in CASE_ROWS]
    rows[0][2] = 360102198001011234  # an 18-digit ID number typed as a number: Excel keeps ...1328
    rows[1][0] = 8201000123456789  # a 16-digit loan number
    rows[2][0] = 820100012345678  # 15 digits: all kept, and read as text
    rows[2][3] = 13912345678  # an 11-digit phone typed as a number
    path = fill_template(tmp_path / "证件号.xlsx", UNIT_ROWS, PEOPLE_ROWS, rows)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert [(p.sheet, p.row, p.column, p.error.key) for p in refused.value.problems] == [
        ("案件", 2, "证件号码", "import.number_lost_digits"),
        ("案件", 3, "贷款编号", "import.number_lost_digits"),
    ]
    assert refused.value.problems[0].render("zh") == (
        "工作表“案件”第 2 行“证件号码”列：该单元格为数字，Excel 只保留 15 位有效数字，已丢失末尾数字；"
        "请将该列设置为“文本”格式后重新填写"
    )
    assert app.store.is_empty()

    del rows[:2]
    import_file(app.store, fill_template(tmp_path / "改.xlsx", UNIT_ROWS, PEOPLE_ROWS, rows))
    case = cases_of(app)["820100012345678"]
    assert (case[0], case[3]) == ("820100012345678", "13912345678")


def test_long_numbers_saved_in_scientific_notation_are_refused(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    path = tmp_path / "案件.csv"
    path.write_text(
        "贷款编号,借款人,证件号码,所属单位,责任人工号,贷款余额(元),五级分类\n"
        "L100,周九,3.60102E+17,城关信用社,E001,1000,可疑\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert [p.render("zh") for p in refused.value.problems] == [
        "工作表“案件”第 2 行“证件号码”列：“3.60102E+17”是 Excel 以科学计数法保存的长数字，已丢失数字；"
        "请将该列设置为“文本”格式后重新填写"
    ]


def test_a_balance_of_zero_is_refused(app: App, tmp_path: Path) -> None:
    rows = [list(r) for r in CASE_ROWS]
    rows[0][6] = 0
    rows[1][6] = "0元"
    rows[2][7] = 0  # no interest owed is fine
    path = fill_template(tmp_path / "零.xlsx", UNIT_ROWS, PEOPLE_ROWS, rows)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert [(p.row, p.column, p.error.key) for p in refused.value.problems] == [
        (2, "贷款余额(元)", "import.zero_balance"),
        (3, "贷款余额(元)", "import.zero_balance"),
    ]
    assert refused.value.problems[0].render("zh") == (
        "工作表“案件”第 2 行“贷款余额(元)”列：贷款余额不能为零（已结清的贷款无需导入）"
    )
    assert app.store.is_empty()


def test_clerk_formats_import_exactly(app: App, tmp_path: Path) -> None:
    path = fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS)
    report = import_file(app.store, path)
    assert (report.created, report.updated, report.unchanged) == (2 + 4 + 6, 0, 0)
    cases = cases_of(app)
    for loan_no, (principal, interest, deadline, statute, difficulty) in EXPECTED.items():
        row = cases[loan_no]
        assert (row[6], row[7], row[10], row[12], row[9]) == (
            principal,
            interest,
            deadline,
            statute,
            difficulty,
        )
    assert cases["L006"][2] == "33010219800101123X"
    assert cases["L004"][5] == "1003"  # a numeric employee number reads as text
    progress = {p.unit: p for p in app.store.unit_progress()}
    assert progress["城关信用社"].target == Decimal("5000000.00")
    assert progress["东风信用社"].target == Decimal("12000.00") + Decimal("12345.67") + Decimal("80000.25")


BAD_CASES = [
    [None, "缺编号", None, None, "城关信用社", "E001", 1000, None, "可疑", "中", None, None, None],
    ["L001", "张三", None, None, "城关信用社", "E001", 1000, None, "可疑", "中", None, None, None],
    ["L001", "重复", None, None, "城关信用社", "E001", 1000, None, "可疑", "中", None, None, None],
    ["L010", "未知社", None, None, "西山信用社", "E001", 1000, None, "可疑", "中", None, None, None],
    ["L011", "未知人", None, None, "城关信用社", "E999", 1000, None, "可疑", "中", None, None, None],
    ["L012", "负数", None, None, "城关信用社", "E001", -500, None, "可疑", "中", None, None, None],
    ["L013", "看不懂", None, None, "城关信用社", "E001", "五万多", None, "可疑", "中", None, None, None],
    ["L014", "没这天", None, None, "城关信用社", "E001", 1000, None, "可疑", "中", "2026-02-30", None, None],
    ["L015", "分类错", None, None, "城关信用社", "E001", 1000, None, "很差", "中", None, None, None],
    ["L016", None, None, None, "城关信用社", "E001", 1000, None, "可疑", "中", None, None, None],
]


def test_bad_rows_import_nothing_and_are_all_named(app: App, tmp_path: Path) -> None:
    path = fill_template(tmp_path / "坏.xlsx", UNIT_ROWS, PEOPLE_ROWS, BAD_CASES)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    found = {(p.sheet, p.row, p.column, p.error.key) for p in refused.value.problems}
    assert found == {
        ("案件", 2, "贷款编号", "import.required"),
        ("案件", 4, "贷款编号", "import.duplicate"),
        ("案件", 5, "所属单位", "import.unknown_unit"),
        ("案件", 6, "责任人工号", "import.unknown_officer"),
        ("案件", 7, "贷款余额(元)", "amount.negative"),
        ("案件", 8, "贷款余额(元)", "amount.unreadable"),
        ("案件", 9, "收回时限", "date.impossible"),
        ("案件", 10, "五级分类", "import.unknown_classification"),
        ("案件", 11, "借款人", "import.required"),
    }
    lines = [p.render("zh") for p in refused.value.problems]
    assert "工作表“案件”第 8 行“贷款余额(元)”列：无法识别的金额“五万多”" in lines
    assert app.store.is_empty()
    assert app.store.audit_entries() == []


def test_problems_in_every_sheet_are_listed(app: App, tmp_path: Path) -> None:
    units = [["城关信用社", "王建国", "abc"]]
    people = [["李明", "E001", "城关信用社", "司机", None], ["周强", "E002", None, "清收责任人", None]]
    path = fill_template(tmp_path / "坏.xlsx", units, people, [])
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert {(p.sheet, p.row, p.column) for p in refused.value.problems} == {
        ("单位", 2, "清收目标(元)"),
        ("人员", 2, "角色"),
        ("人员", 3, "所属单位"),
    }
    assert app.store.is_empty()


def test_workbook_without_expected_sheets_is_refused(app: App, tmp_path: Path) -> None:
    path = tmp_path / "别的.xlsx"
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.save(path)
    with pytest.raises(UserError) as refused:
        import_file(app.store, path)
    assert refused.value.key == "import.no_sheets"
    assert "Sheet1" in refused.value.render("zh")


def test_sheet_missing_a_required_column_is_refused(app: App, tmp_path: Path) -> None:
    path = tmp_path / "缺列.xlsx"
    workbook = Workbook()
    workbook.active.title = "案件"
    workbook.active.append(["贷款编号", "借款人"])
    workbook.save(path)
    with pytest.raises(UserError) as refused:
        import_file(app.store, path)
    assert refused.value.key == "import.missing_columns"
    assert "贷款余额(元)" in refused.value.render("zh")


def test_not_a_workbook_is_refused(app: App, tmp_path: Path) -> None:
    path = tmp_path / "假的.xlsx"
    path.write_text("not a zip")
    with pytest.raises(UserError) as refused:
        import_file(app.store, path)
    assert refused.value.key == "import.unreadable"
    with pytest.raises(UserError) as missing:
        import_file(app.store, tmp_path / "没有.xlsx")
    assert missing.value.key == "import.not_found"


def test_reimport_changes_nothing_and_one_changed_balance_is_one_change(app: App, tmp_path: Path) -> None:
    path = fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS)
    import_file(app.store, path)
    audit_before = len(app.store.audit_entries())

    again = import_file(app.store, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert len(app.store.audit_entries()) == audit_before

    changed_rows = [list(r) for r in CASE_ROWS]
    changed_rows[2][6] = "4万"
    changed = fill_template(tmp_path / "台账2.xlsx", UNIT_ROWS, PEOPLE_ROWS, changed_rows)
    report = import_file(app.store, changed)
    assert (report.created, report.updated) == (0, 1)
    assert report.changes[0].ref == "L003"
    assert report.changes[0].fields == {"principal": (Decimal("35000.00"), Decimal("40000.00"))}
    assert app.store.balance("L003").principal == Decimal("40000.00")
    updates = app.store.audit_entries("import.update")
    assert updates == [("import.update", "case", "L003", {"principal": ["35000.00", "40000.00"]})]


def test_new_balance_keeps_what_was_recovered(app: App, tmp_path: Path) -> None:
    from tests.conftest import TODAY

    path = fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS)
    import_file(app.store, path)
    entry = app.store.record_repayment("L001", "E001", Decimal("20000"), TODAY)
    app.store.decide_repayment(entry.id, "U001", confirm=True)

    lowered = [list(r) for r in CASE_ROWS]
    lowered[0][6] = 45000
    import_file(app.store, fill_template(tmp_path / "b.xlsx", UNIT_ROWS, PEOPLE_ROWS, lowered))
    assert app.store.balance("L001").principal == Decimal("25000.00")

    too_low = [list(r) for r in CASE_ROWS]
    too_low[0][6] = 10000
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, fill_template(tmp_path / "c.xlsx", UNIT_ROWS, PEOPLE_ROWS, too_low))
    assert [p.error.key for p in refused.value.problems] == ["import.balance_below_paid"]
    assert app.store.balance("L001").principal == Decimal("25000.00")


def test_export_imports_again_into_the_same_ledger(app: App, tmp_path: Path) -> None:
    from tests.conftest import TODAY

    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    entry = app.store.record_repayment("L002", "E001", Decimal("1000"), TODAY, "cash")
    app.store.decide_repayment(entry.id, "U001", confirm=True)
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)

    workbook = load_workbook(exported, read_only=True)
    assert workbook.sheetnames == [
        "单位",
        "人员",
        "案件",
        "诉讼",
        "抵债资产",
        "在贷",
        "催收记录",
        "还款",
        "投诉",
        "转办",
        "审计",
    ]
    case_rows = list(workbook["案件"].iter_rows(values_only=True))
    assert case_rows[0][-2:] == ("状态", "剩余余额(元)")
    l002 = next(r for r in case_rows if r[0] == "L002")
    assert Decimal(str(l002[-1])) == Decimal("49000")
    repayments = list(workbook["还款"].iter_rows(values_only=True))
    assert repayments[1][:5] == ("L002", 1000, datetime(2026, 11, 29), "现金", "已确认")
    workbook.close()

    report = import_file(app.store, exported)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)


def test_export_reimports_into_an_empty_ledger(app: App, tmp_path: Path, database_url: str) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)
    before = cases_of(app)
    # Into a second, empty ledger: the same cases come back.
    from bot.app import build
    from bot.settings import load_settings

    second_url = f"sqlite:///{tmp_path / 'second.db'}"
    second = build(load_settings(_env_file=None, database_url=second_url, campaign_start=date(2026, 1, 1)))
    second.init_database()
    report = import_file(second.store, exported)
    assert report.created == 12
    assert cases_of(second) == before
    second.close()


def test_csv_of_cases_in_gbk(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    path = tmp_path / "案件.csv"
    path.write_bytes(
        (
            '贷款编号,借款人,所属单位,责任人工号,贷款余额(元),五级分类\nL100,周九,城关信用社,E001,"1,000.50",可疑\n'
        ).encode("gbk")
    )
    report = import_file(app.store, path)
    assert report.created == 1
    assert app.store.balance("L100").principal == Decimal("1000.50")


def test_english_headers_are_accepted(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    path = tmp_path / "cases.csv"
    path.write_text(
        "loan_no,borrower,unit,officer_no,principal,classification\nL200,Zhou,城关信用社,E001,2万,次级\n"
    )
    assert import_file(app.store, path).created == 1
    assert app.store.balance("L200").principal == Decimal("20000.00")


def test_text_longer_than_its_column_is_a_problem_on_both_databases(app: App, tmp_path: Path) -> None:
    """PostgreSQL refused these at the write with a raw error, and SQLite kept them whole."""
    units = [["城关信用社", "王" * 51, None], ["社" * 101, None, None]]
    people = [
        ["李" * 51, "E001", "城关信用社", "清收责任人", "1" * 31],
        ["孙芳", "E" * 31, None, "专班联络员", None],
    ]
    cases = [
        [
            "L" * 41,
            "张" * 130,
            "3" * 31,
            "1" * 31,
            "城关信用社",
            "E001",
            1000,
            None,
            "可疑",
            "中",
            None,
            None,
            None,
        ],
        # Exactly as long as the columns allow: imported.
        [
            "L" * 40,
            "赵" * 100,
            "3" * 30,
            "1" * 30,
            "城关信用社",
            "E001",
            1000,
            None,
            "可疑",
            "中",
            None,
            None,
            None,
        ],
    ]
    path = fill_template(tmp_path / "长.xlsx", units, people, cases)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert [p.render("zh") for p in refused.value.problems] == [
        "工作表“单位”第 2 行“主要领导”列：内容过长（最多 50 个字符，现有 51 个）",
        "工作表“单位”第 3 行“单位名称”列：内容过长（最多 100 个字符，现有 101 个）",
        "工作表“人员”第 2 行“姓名”列：内容过长（最多 50 个字符，现有 51 个）",
        "工作表“人员”第 2 行“手机号”列：内容过长（最多 30 个字符，现有 31 个）",
        "工作表“人员”第 3 行“工号”列：内容过长（最多 30 个字符，现有 31 个）",
        "工作表“案件”第 2 行“借款人”列：内容过长（最多 100 个字符，现有 130 个）",
        "工作表“案件”第 2 行“联系电话”列：内容过长（最多 30 个字符，现有 31 个）",
        "工作表“案件”第 2 行“证件号码”列：内容过长（最多 30 个字符，现有 31 个）",
        "工作表“案件”第 2 行“贷款编号”列：内容过长（最多 40 个字符，现有 41 个）",
    ]
    assert app.store.is_empty()

    import_file(app.store, fill_template(tmp_path / "刚好.xlsx", UNIT_ROWS, PEOPLE_ROWS, cases[1:]))
    assert cases_of(app)["L" * 40][1] == "赵" * 100


def test_column_lengths_are_the_ledgers() -> None:
    from store.models import Case, Person, Unit

    stored_in = {
        ("单位", "name"): Unit.name,
        ("单位", "leader_name"): Unit.leader_name,
        ("人员", "name"): Person.name,
        ("人员", "employee_no"): Person.employee_no,
        ("人员", "unit"): Unit.name,
        ("人员", "mobile"): Person.mobile,
        ("案件", "loan_no"): Case.loan_no,
        ("案件", "borrower"): Case.borrower,
        ("案件", "id_number"): Case.id_number,
        ("案件", "phone"): Case.phone,
        ("案件", "unit"): Unit.name,
        ("案件", "officer_no"): Person.employee_no,
    }
    limited = {
        (sheet, c.field): c.max_length for sheet, columns in SHEETS.items() for c in columns if c.max_length
    }
    assert limited == {key: column.type.length for key, column in stored_in.items()}
    # The rest are choices, checked against their lists, amounts, dates, and 清收方案 (unbounded text).
    unlimited = {
        (sheet, c.field) for sheet, columns in SHEETS.items() for c in columns if c.max_length is None
    }
    assert unlimited == {
        ("单位", "target"),
        ("人员", "role"),
        ("人员", "target"),
        ("案件", "principal"),
        ("案件", "interest"),
        ("案件", "classification"),
        ("案件", "difficulty"),
        ("案件", "deadline"),
        ("案件", "plan"),
        ("案件", "statute_date"),
    }
    assert Case.plan.type.length is None


def test_format_characters_in_cells_change_no_loan_and_no_amount(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    pasted = [list(r) for r in CASE_ROWS]
    pasted[0][0] = "L0\u200b01"  # a zero-width space inside the loan number: still loan L001
    pasted[0][1] = "\ufeff张三"  # a byte-order mark in front of the borrower
    pasted[0][6] = "5\u200b0000"  # read as 5 or refused before
    pasted[1][5] = "E0\u200d01"
    pasted[2][6] = "3.5\u2060万元"
    path = fill_template(tmp_path / "粘贴.xlsx", UNIT_ROWS, PEOPLE_ROWS, pasted)
    workbook = load_workbook(path)
    workbook["案件"]["A1"] = "\u200b贷款编号"  # a header pasted from a web page
    workbook.save(path)

    report = import_file(app.store, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)
    assert set(cases_of(app)) == {"L001", "L002", "L003", "L004", "L005", "L006"}


def test_thousands_of_problems_list_the_first_two_hundred_and_count_the_rest(
    app: App, tmp_path: Path
) -> None:
    """The probe: 100,000 garbage rows gave 785,072 problem lines (82 MB) and 1.34 GB of memory."""
    garbage = [[f"垃圾{n}" if column else None for column in range(13)] for n in range(1000)]
    path = fill_template(tmp_path / "垃圾.xlsx", UNIT_ROWS, PEOPLE_ROWS, garbage)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    lines = refused.value.lines("zh")
    assert refused.value.count == 9000  # nine bad cells in each of the 1,000 rows
    assert len(refused.value.problems) == 200
    assert lines[0] == "导入失败，共 9,000 处问题，未写入任何数据："
    assert (
        lines[1]
        == "  工作表“案件”第 2 行“五级分类”列：未知五级分类“垃圾0”（可填：正常、关注、次级、可疑、损失）"
    )
    assert lines[-1] == "  ……另有 8,800 处问题未列出"
    assert len(lines) == 1 + 200 + 1
    # The first 200 in sheet, row and column order, whether found reading the file or against the ledger.
    rows = [(p.row, p.column) for p in refused.value.problems]
    assert rows == sorted(rows) and rows[-1][0] == 2 + 200 // 9
    assert app.store.is_empty()
    assert refused.value.lines("en")[-1] == "  … and 8,800 more problems not listed"


def test_the_cycle_collector_runs_again_once_an_import_is_over(app: App, tmp_path: Path) -> None:
    # Paused while the file's records are made (they all live until the import ends), never left paused.
    rows = [list(r) for r in CASE_ROWS]
    rows[0][2] = 360102198001011234
    with pytest.raises(ImportRefused):
        import_file(app.store, fill_template(tmp_path / "坏.xlsx", UNIT_ROWS, PEOPLE_ROWS, rows))
    assert gc.isenabled()
    import_file(app.store, fill_template(tmp_path / "好.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    assert gc.isenabled() and len(cases_of(app)) == len(CASE_ROWS)
