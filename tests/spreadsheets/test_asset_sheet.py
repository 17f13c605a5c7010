"""The 抵债资产 sheet (SPEC §7): assets taken for debts before the campaign come in with the ledger and go out
with the export; export, import into an empty database and export again give the same rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import App
from core.errors import UserError
from spreadsheets.exporter import write_export
from spreadsheets.importer import ImportRefused, import_file
from tests.ledger_data import seed
from tests.spreadsheets.test_import import with_sheet

HEADERS = [
    "资产编号",
    "贷款编号",
    "类别",
    "名称",
    "权证号",
    "抵债金额(元)",
    "接收日期",
    "评估价值(元)",
    "评估机构",
    "评估日期",
    "状态",
    "保管人工号",
]


def asset_rows(path: Path) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in load_workbook(path, read_only=True)["抵债资产"].iter_rows(values_only=True)]


def with_assets(path: Path, rows: list[list[Any]]) -> Path:
    """The template filled with the small ledger, and the 抵债资产 sheet with `rows`."""
    return with_sheet(path, "抵债资产", rows)


def test_the_asset_sheet_round_trips(app: App, empty: App, tmp_path: Path) -> None:
    seed(app)
    house = app.store.register_asset(
        "L2023003", "E003", Decimal("80000.50"), "住宅", "real_estate", title_no="晋(2026)1号"
    )
    app.store.appraise_asset(house.number, "E003", Decimal("100000"), "晋中某评估公司")
    app.store.list_asset(house.number, "E003", Decimal("100000"))
    app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable")
    (car_offset,) = app.store.repayments("L2023001")
    app.store.reverse_repayment(car_offset.id, "E001")  # void: not exported
    app.store.register_asset("L2023002", "E002", Decimal("20000"), "某公司股权", "equity")
    first = tmp_path / "first.xlsx"
    write_export(app.store, first)
    header, *rows = asset_rows(first)
    assert list(header) == HEADERS
    assert [
        (r[0], r[1], r[2], r[3], r[4], Decimal(str(r[5])), r[6].date(), r[8], r[10], r[11]) for r in rows
    ] == [
        (
            "ZC2026-0001",
            "L2023003",
            "不动产",
            "住宅",
            "晋(2026)1号",
            Decimal("80000.5"),
            date(2026, 11, 29),
            "晋中某评估公司",
            "挂牌中",
            "E003",
        ),
        (
            "ZC2026-0003",
            "L2023002",
            "股权",
            "某公司股权",
            None,
            Decimal("20000"),
            date(2026, 11, 29),
            None,
            "已接收",
            "E002",
        ),
    ]
    # The offsets were reported during the campaign: out of the export's balances once confirmed; here they
    # still await the lead, so the balances imported are the whole debts and the assets come in as they are.
    report = import_file(empty.store, first)
    assert report.assets == 2
    imported = empty.store.asset_view("ZC2026-0001")
    assert imported is not None
    assert (imported.state, imported.appraisal, imported.repayment_status) == (
        "listed",
        Decimal("100000.00"),
        None,
    )
    second = tmp_path / "second.xlsx"
    write_export(empty.store, second)
    assert asset_rows(second) == asset_rows(first)
    # Importing the same file again adds nothing.
    assert import_file(empty.store, first).assets == 0
    assert len(empty.store.assets()) == 2


def test_assets_from_before_the_campaign_come_in_with_the_cases(app: App, tmp_path: Path) -> None:
    path = with_assets(
        tmp_path / "台账.xlsx",
        [
            [
                "ZC2025-0007",
                "L001",
                "房产",
                "城关镇某商铺",
                "晋(2025)7号",
                "30万",
                "2025-06-01",
                "35万",
                "某评估所",
                "2025年7月1日",
                "已评估",
                "E001",
            ],
            ["ZC2025-0008", "L002", "车辆", "轿车", "", 50000, "2025-10-01", "", "", "", "已接收", ""],
        ],
    )
    report = import_file(app.store, path)
    assert report.assets == 2
    shop = app.store.asset_view("ZC2025-0007")
    assert shop is not None
    assert (shop.kind, shop.offset_amount, shop.state, shop.appraisal, shop.custodian_no) == (
        "real_estate",
        Decimal("300000.00"),
        "appraised",
        Decimal("350000.00"),
        "E001",
    )
    assert [(s.action, s.on, s.party) for s in app.store.asset_steps("ZC2025-0007")] == [
        ("import", date(2025, 6, 1), ""),
        ("appraise", date(2025, 7, 1), "某评估所"),
    ]
    # No repayment: the imported balance already left the offset out.
    assert app.store.repayments("L001") == []
    # Listed before the campaign, with no reserve on record: a 流拍 needs the new one.
    listed = with_assets(
        tmp_path / "挂牌.xlsx",
        [
            [
                "ZC2025-0009",
                "L003",
                "股权",
                "某公司股权",
                "",
                "10万",
                "2025-08-01",
                "12万",
                "",
                "",
                "挂牌中",
                "",
            ]
        ],
    )
    import_file(app.store, listed)
    with pytest.raises(UserError) as refused:
        app.store.unsold_asset("ZC2025-0009", "E001")
    assert (
        refused.value.render("zh")
        == "资产 ZC2025-0009 没有底价记录，请写明流拍后的新底价：资产 ZC2025-0009 流拍 底价"
    )
    assert app.store.unsold_asset("ZC2025-0009", "E001", Decimal("90000")).reserve == Decimal("90000.00")
    # The next one registered this year is numbered on from this year's, not last year's.
    assert app.store.register_asset("L001", "E001", Decimal("1000"), "字画", "other").number == "ZC2026-0001"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            ["ZC2025-0007", "L999", "不动产", "商铺", "", "30万", "2025-06-01", "", "", "", "已接收", ""],
            "工作表“抵债资产”第 2 行“贷款编号”列：贷款编号 L999 不在“案件”表或台账中",
        ),
        (
            ["ZC25-7", "L001", "不动产", "商铺", "", "30万", "2025-06-01", "", "", "", "已接收", ""],
            "工作表“抵债资产”第 2 行“资产编号”列：资产编号“ZC25-7”格式不符（应为 ZC2026-0001 的形式）",
        ),
        (
            ["ZC2025-0007", "L001", "房车", "商铺", "", "30万", "2025-06-01", "", "", "", "已接收", ""],
            "工作表“抵债资产”第 2 行“类别”列：未知资产类别“房车”（可填：不动产、股权、动产、其他）",
        ),
        (
            ["ZC2025-0007", "L001", "不动产", "商铺", "", "30万", "2025-06-01", "", "", "", "挂牌中", ""],
            "工作表“抵债资产”第 2 行“评估价值(元)”列：状态为“挂牌中”的资产须填写评估价值",
        ),
        (
            ["ZC2025-0007", "L001", "不动产", "商铺", "", "30万", "2027-01-02", "", "", "", "已接收", ""],
            "工作表“抵债资产”第 2 行“接收日期”列：日期 2027-01-02 晚于今天",
        ),
        (
            ["ZC2025-0007", "L001", "不动产", "商铺", "", "30万", "2025-06-01", "", "", "", "已接收", "E999"],
            "工作表“抵债资产”第 2 行“保管人工号”列：保管人工号 E999 不在“人员”表或台账中",
        ),
    ],
)
def test_a_bad_asset_row_refuses_the_whole_file(
    app: App, tmp_path: Path, row: list[Any], problem: str
) -> None:
    path = with_assets(tmp_path / "台账.xlsx", [row])
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    lines = refused.value.lines("zh")
    assert any(line.strip().startswith(problem) for line in lines), lines
    assert app.store.is_empty()


def test_an_asset_number_twice_refuses_the_file(app: App, tmp_path: Path) -> None:
    row = ["ZC2025-0007", "L001", "不动产", "商铺", "", "30万", "2025-06-01", "", "", "", "已接收", ""]
    path = with_assets(tmp_path / "台账.xlsx", [row, row])
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    assert any("第 3 行“资产编号”列：资产编号 ZC2025-0007 重复" in line for line in refused.value.lines("zh"))
    assert app.store.is_empty()
