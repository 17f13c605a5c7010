"""The bind codes workbook a clerk hands out (`qingshou codes --out 绑定码.xlsx`)."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from core.errors import UserError
from spreadsheets.codes import write_codes
from spreadsheets.importer import import_file
from tests.spreadsheets.test_import import PEOPLE_ROWS, UNIT_ROWS, fill_template


def test_codes_workbook_has_what_the_clerk_sends(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    lines = app.store.bind_codes()
    path = tmp_path / "绑定码.xlsx"
    path.write_bytes(b"last week's list")  # codes are issued again: the old file is replaced
    write_codes(path, lines)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["绑定码"]
    ws = workbook["绑定码"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "所属单位", "角色", "绑定码", "有效期至", "发送内容")
    by_no = {row[0]: row for row in rows[1:]}
    assert set(by_no) == {"E001", "U001", "1003", "A001"}
    li = next(line for line in lines if line.employee_no == "E001")
    assert by_no["E001"] == (
        "E001",
        "李明",
        "城关信用社",
        "清收责任人",
        li.code,
        datetime.combine(li.expires_on, datetime.min.time()),
        f"绑定 {li.code}",
    )
    assert by_no["A001"][2:4] == (None, "专班联络员")
    assert by_no["U001"][3] == "单位负责人"
    # Codes and employee numbers stay text; the expiry shows as a date; every column is wide enough.
    for row in range(2, ws.max_row + 1):
        assert ws.cell(row=row, column=1).number_format == "@"
        assert ws.cell(row=row, column=5).number_format == "@"
        assert ws.cell(row=row, column=6).number_format == "yyyy-mm-dd"
    assert all(ws.column_dimensions[letter].width >= 12 for letter in "ABCDEFG")


def test_codes_workbook_in_a_missing_folder_is_one_line(app: App, tmp_path: Path) -> None:
    missing = tmp_path / "没有" / "绑定码.xlsx"
    with pytest.raises(UserError) as refused:
        write_codes(missing, app.store.bind_codes())
    assert refused.value.render("zh") == f"文件夹 {missing.parent} 不存在，无法写入 {missing}"


def test_a_name_that_looks_like_a_formula_stays_text(app: App, tmp_path: Path) -> None:
    path = fill_template(
        tmp_path / "台账.xlsx", UNIT_ROWS, [*PEOPLE_ROWS, ["占位", "E009", None, "专班联络员", None]], []
    )
    workbook = load_workbook(path)
    cell = workbook["人员"].cell(
        row=len(PEOPLE_ROWS) + 2, column=1, value='=HYPERLINK("http://x.example","点我")'
    )
    cell.data_type = "s"  # typed as text by the clerk
    workbook.save(path)
    import_file(app.store, path)
    codes = tmp_path / "绑定码.xlsx"
    write_codes(codes, app.store.bind_codes())

    with zipfile.ZipFile(codes) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert re.search(rb"<f[\s>/]", sheet) is None
    cell = next(
        c
        for row in load_workbook(codes)["绑定码"].iter_rows()
        for c in row
        if c.value and "点我" in str(c.value)
    )
    assert (cell.value, cell.data_type, cell.quotePrefix) == (
        '=HYPERLINK("http://x.example","点我")',
        "s",
        True,
    )


def test_the_export_and_the_codes_are_readable_by_their_owner_only(app: App, tmp_path: Path) -> None:
    """They hold full ID numbers and phones, and codes that bind as someone: 0600, even over an old 0644."""
    from spreadsheets.exporter import write_export

    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    codes, export = tmp_path / "绑定码.xlsx", tmp_path / "全量.xlsx"
    for path in (codes, export):
        path.write_bytes(b"")
        path.chmod(0o644)
    write_codes(codes, app.store.bind_codes())
    write_export(app.store, export)
    assert {path.name: path.stat().st_mode & 0o777 for path in (codes, export)} == {
        "绑定码.xlsx": 0o600,
        "全量.xlsx": 0o600,
    }
