"""The import template as a clerk opens it: text columns, required columns, instructions, and where it is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.errors import UserError
from spreadsheets.template import TEXT_ROWS, write_template

DEADLINE = date(2026, 12, 31)
# The columns where a number typed by the clerk must stay text: (sheet, header).
TEXT_COLUMNS = {
    ("人员", "工号"),
    ("人员", "手机号"),
    ("案件", "贷款编号"),
    ("案件", "证件号码"),
    ("案件", "联系电话"),
    ("案件", "责任人工号"),
    ("诉讼", "贷款编号"),
    ("抵债资产", "资产编号"),
    ("抵债资产", "贷款编号"),
    ("抵债资产", "权证号"),
    ("抵债资产", "保管人工号"),
}
REQUIRED = {
    "单位": ["单位名称"],
    "人员": ["姓名", "工号", "角色"],
    "案件": ["贷款编号", "借款人", "所属单位", "责任人工号", "贷款余额(元)", "五级分类"],
    "诉讼": ["贷款编号", "阶段", "日期"],
    "抵债资产": ["资产编号", "贷款编号", "类别", "名称", "抵债金额(元)", "接收日期", "状态"],
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "模板.xlsx"
    write_template(path, DEADLINE)
    return path


def test_id_phone_loan_and_employee_number_columns_are_text(template: Path) -> None:
    workbook = load_workbook(template)
    found = set()
    for sheet in ("单位", "人员", "案件", "诉讼", "抵债资产"):
        ws = workbook[sheet]
        for header in ws[1]:
            letter = header.column_letter
            # The whole column (what Excel gives a cell typed anywhere in it), the example row, and far below.
            formats = {
                ws.column_dimensions[letter].number_format,
                ws[f"{letter}2"].number_format,
                ws[f"{letter}{TEXT_ROWS + 1}"].number_format,
            }
            if formats == {"@"}:
                found.add((sheet, header.value))
            else:
                assert "@" not in formats, (sheet, header.value)
    assert found == TEXT_COLUMNS
    # The example's values in those columns are text too, not numbers.
    assert workbook["案件"]["C2"].value == "330102198001011234"
    assert workbook["人员"]["B2"].value == "E0001"


def test_required_columns_are_red_and_say_so_and_headers_stay_the_imports(template: Path) -> None:
    workbook = load_workbook(template)
    for sheet, required in REQUIRED.items():
        ws = workbook[sheet]
        marked = [c.value for c in ws[1] if c.font.color is not None and c.font.color.rgb == "00C00000"]
        assert marked == required
        for cell in ws[1]:
            assert "*" not in cell.value
            assert cell.font.bold
            assert cell.comment is not None
            assert cell.comment.text.startswith("必填") == (cell.value in required), cell.value


def test_instructions_sheet_explains_every_column(template: Path) -> None:
    workbook = load_workbook(template)
    assert workbook.sheetnames[0] == "填写说明"
    assert workbook.active.title == "填写说明"
    rows = list(workbook["填写说明"].iter_rows(values_only=True))
    text = "\n".join(" ".join(str(v) for v in row if v) for row in rows)
    # Each sheet's section: a title row, then one row per column (列名, 必填, 填写要求).
    described: dict[tuple[str, str], tuple[str, str]] = {}
    section = ""
    for first, mark, note, *_ in rows:
        if first and first.startswith("工作表“"):
            section = first.removeprefix("工作表“").removesuffix("”")
        elif section and first and note and first != "列名":
            described[(section, first)] = (mark or "", note)
    for sheet in ("单位", "人员", "案件", "诉讼", "抵债资产"):
        headers = [c.value for c in workbook[sheet][1]]
        assert [h for s, h in described if s == sheet] == headers
        for header in headers:
            mark, note = described[(sheet, header)]
            assert (mark == "必填") == (header in REQUIRED[sheet]), header
            assert note
    assert "示例行" in text and "自动跳过" in text
    assert "5万" in text or "12万" in text
    assert "两万五" in text
    assert "2026年12月31日" in text
    assert "清收责任人、单位负责人、专班领导、专班联络员" in text
    assert "正常、关注、次级、可疑、损失" in text
    assert "易、中、难" in text
    assert "清收目标为空，则为该单位全部案件贷款余额之和" in text
    assert "收回时限为空，则为专班结束日（2026-12-31）" in text
    assert "文本" in text


def test_dropdowns_cover_the_rows_a_clerk_fills(template: Path) -> None:
    workbook = load_workbook(template)
    ranges = {str(v.sqref) for v in workbook["案件"].data_validations.dataValidation}
    assert ranges == {"I2:I200000", "J2:J200000"}
    (stages,) = workbook["诉讼"].data_validations.dataValidation
    assert str(stages.sqref) == "B2:B200000"
    assert stages.formula1 == '"立案,开庭,判决,调解,申请执行,终本,恢复执行,执行完毕,和解,撤诉"'
    kinds, states = workbook["抵债资产"].data_validations.dataValidation
    assert (str(kinds.sqref), kinds.formula1) == ("C2:C200000", '"不动产,股权,动产,其他"')
    assert (str(states.sqref), states.formula1) == ("K2:K200000", '"已接收,已评估,挂牌中,出租中,已处置"')


def test_an_existing_file_is_kept_unless_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    path.write_bytes(b"the clerk's own workbook")
    with pytest.raises(UserError) as refused:
        write_template(path, DEADLINE)
    assert refused.value.render("zh") == f"文件 {path} 已存在；如需覆盖请加 --force"
    assert path.read_bytes() == b"the clerk's own workbook"

    write_template(path, DEADLINE, overwrite=True)
    assert load_workbook(path).sheetnames == ["填写说明", "单位", "人员", "案件", "诉讼", "抵债资产", "在贷"]


def test_a_missing_folder_or_another_kind_of_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "没有这个文件夹" / "模板.xlsx"
    with pytest.raises(UserError) as refused:
        write_template(missing, DEADLINE)
    assert refused.value.render("zh") == f"文件夹 {missing.parent} 不存在，无法写入 {missing}"
    assert not missing.parent.exists()

    with pytest.raises(UserError) as not_xlsx:
        write_template(tmp_path / "模板.csv", DEADLINE)
    assert not_xlsx.value.key == "workbook.not_xlsx"
    assert not (tmp_path / "模板.csv").exists()
