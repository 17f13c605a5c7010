"""The 诉讼 sheet (SPEC §7): lawsuits under way before the campaign come in with the ledger and go out with
the export; export, import into an empty database and export again give the same rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import App
from spreadsheets.exporter import write_export
from spreadsheets.importer import ImportRefused, import_file
from tests.ledger_data import seed
from tests.spreadsheets.test_import import with_sheet

HEADERS = ["贷款编号", "阶段", "日期", "法院", "案号", "备注"]


def lawsuit_rows(path: Path) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in load_workbook(path, read_only=True)["诉讼"].iter_rows(values_only=True)]


def with_lawsuits(path: Path, rows: list[list[Any]]) -> Path:
    """The template filled with the small ledger, and a 诉讼 sheet with `rows`."""
    return with_sheet(path, "诉讼", rows)


def test_the_lawsuit_sheet_round_trips(app: App, empty: App, tmp_path: Path) -> None:
    seed(app)
    app.store.record_stage(
        "L2023003", "E003", "filed", date(2026, 3, 2), note="（2026）晋0702民初123号 榆次区人民法院"
    )
    app.store.record_stage("L2023003", "E003", "judged", date(2026, 6, 10))
    app.store.record_stage("L2023003", "E003", "enforcement", date(2026, 7, 1), note="冻结存款")
    undone = app.store.record_stage("L2023001", "E001", "filed", date(2026, 5, 1))
    app.store.reverse_stage(undone.id, "E001")  # undone: not exported
    first = tmp_path / "first.xlsx"
    write_export(app.store, first)
    header, *rows = lawsuit_rows(first)
    assert list(header) == HEADERS
    assert [(row[0], row[1], row[2].date(), row[3], row[4]) for row in rows] == [
        ("L2023003", "立案", date(2026, 3, 2), "榆次区人民法院", "（2026）晋0702民初123号"),
        ("L2023003", "判决", date(2026, 6, 10), None, None),
        ("L2023003", "申请执行", date(2026, 7, 1), None, None),
    ]
    report = import_file(empty.store, first)
    assert report.stages == 3
    assert empty.store.case_view("L2023003").status == "litigation"  # type: ignore[union-attr]
    second = tmp_path / "second.xlsx"
    write_export(empty.store, second)
    assert lawsuit_rows(second) == lawsuit_rows(first)
    # Importing the same file again adds nothing.
    assert import_file(empty.store, first).stages == 0
    assert len(empty.store.lawsuit_stages("L2023003")) == 3


def test_stages_from_before_the_campaign_come_in_with_the_cases(app: App, tmp_path: Path) -> None:
    path = with_lawsuits(
        tmp_path / "台账.xlsx",
        [
            [
                "L001",
                "立案",
                "2025-03-02",
                "榆次区人民法院",
                "（2025）晋0702民初88号",
                "标的12万，诉讼费1,350元",
            ],
            ["L001", "判决", "2025年6月10日", "", "", ""],
        ],
    )
    report = import_file(app.store, path)
    assert report.stages == 2
    assert [(s.stage, s.reached_on) for s in app.store.lawsuit_stages("L001")] == [
        ("filed", date(2025, 3, 2)),
        ("judged", date(2025, 6, 10)),
    ]
    stage = app.store.lawsuit_stages("L001")[0]
    assert (stage.court, stage.case_number, stage.proceeding, stage.claimed, stage.costs) == (
        "榆次区人民法院",
        "（2025）晋0702民初88号",
        "first_instance",
        Decimal("120000.00"),
        Decimal("1350.00"),
    )
    assert app.store.case_view("L001").status == "litigation"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            [["L999", "立案", "2025-03-02", "", "", ""]],
            "工作表“诉讼”第 2 行“贷款编号”列：贷款编号 L999 不在“案件”表或台账中",
        ),
        ([["L001", "结案", "2025-03-02", "", "", ""]], "工作表“诉讼”第 2 行“阶段”列：未知诉讼阶段“结案”"),
        (
            [["L001", "判决", "2025-03-02", "", "", ""]],
            "工作表“诉讼”第 2 行“阶段”列：L001 尚无诉讼记录，第一个阶段应为：立案，而不是“判决”",
        ),
        (
            [["L001", "立案", "2025-03-02", "", "", ""], ["L001", "申请执行", "2025-04-02", "", "", ""]],
            "工作表“诉讼”第 3 行“阶段”列：L001 的诉讼阶段顺序不符：“立案”之后不能是“申请执行”",
        ),
        (
            [["L001", "立案", "2027-01-02", "", "", ""]],
            "工作表“诉讼”第 2 行“日期”列：日期 2027-01-02 晚于今天",
        ),
    ],
)
def test_a_bad_lawsuit_row_refuses_the_whole_file(
    app: App, tmp_path: Path, rows: list[list[Any]], problem: str
) -> None:
    path = with_lawsuits(tmp_path / "台账.xlsx", rows)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    lines = refused.value.lines("zh")
    assert any(line.strip().startswith(problem) for line in lines), lines
    # All or nothing: not even the cases came in.
    assert app.store.is_empty()
