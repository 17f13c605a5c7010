"""Officers' own targets (SPEC §7, §10): the 人员 sheet's 清收目标(元), the split of a unit's target over its
officers by the balances they hold, fen-exact, and what an import or a lead may and may not set."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import App
from core.errors import UserError
from spreadsheets.exporter import write_export
from spreadsheets.importer import ImportRefused, import_file
from tests.spreadsheets.test_import import fill_template

# 城关 aims at 100.00 yuan: three officers hold 1,000 yuan of principal each, so a third each, and the fen
# left over goes to the first by employee number.
UNITS = [["城关信用社", "王建国", "100"], ["东风信用社", "赵东升", "500万"]]
PEOPLE = [
    ["李明", "E001", "城关信用社", "清收责任人", None],
    ["周强", "E002", "城关信用社", "清收责任人", None],
    ["吴敏", "E003", "城关信用社", "清收责任人", None],
    ["王建国", "U001", "城关信用社", "单位负责人", None],
    ["孙芳", "E004", "东风信用社", "清收责任人", None],
]
CASES = [
    [f"L00{n}", name, None, None, unit, officer, "1000", "0", "可疑", "中", "2026-12-31", None, None]
    for n, name, unit, officer in (
        (1, "张三", "城关信用社", "E001"),
        (2, "李四", "城关信用社", "E002"),
        (3, "王五", "城关信用社", "E003"),
        (4, "赵六", "东风信用社", "E004"),
    )
]


def targets(app: App, unit: str) -> dict[str, Decimal]:
    unit_id = app.store.unit_id(unit)
    assert unit_id is not None
    return app.store.unit_targets([unit_id])[unit_id].officers


def people_with(rows: list[list[Any]], targets_by_no: dict[str, Any]) -> list[list[Any]]:
    return [[*row, targets_by_no.get(row[1])] for row in rows]


def test_a_units_target_is_split_by_balance_to_the_fen(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNITS, PEOPLE, CASES))
    split = targets(app, "城关信用社")
    assert split == {"E001": Decimal("33.34"), "E002": Decimal("33.33"), "E003": Decimal("33.33")}
    assert sum(split.values()) == Decimal("100.00")


def test_a_leads_change_keeps_the_units_total_and_above_it_changes_nothing(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNITS, PEOPLE, CASES))
    lead = app.store.person_by_employee_no("U001")
    assert lead is not None
    change = app.store.set_officer_target(lead, "E003", Decimal("50"))
    assert (change.before, change.after) == (Decimal("33.33"), Decimal("50.00"))
    assert targets(app, "城关信用社") == {
        "E001": Decimal("25.00"),
        "E002": Decimal("25.00"),
        "E003": Decimal("50"),
    }
    assert change.unit.unassigned == 0
    with pytest.raises(UserError) as refused:
        app.store.set_officer_target(lead, "E001", Decimal("50.01"))
    assert refused.value.key == "target.above_unit"
    assert targets(app, "城关信用社")["E001"] == Decimal("25.00")
    # Another unit's officer is not the lead's to set.
    with pytest.raises(UserError) as other:
        app.store.set_officer_target(lead, "E004", Decimal("10"))
    assert other.value.key == "target.not_your_unit"


def test_the_people_sheet_sets_targets_and_the_export_imports_again(app: App, tmp_path: Path) -> None:
    people = people_with(PEOPLE, {"E001": "60", "E004": "2万"})
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNITS, people, CASES))
    assert targets(app, "城关信用社") == {
        "E001": Decimal("60"),
        "E002": Decimal("20.00"),
        "E003": Decimal("20.00"),
    }
    assert targets(app, "东风信用社") == {"E004": Decimal("20000")}
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)
    sheet = load_workbook(exported, read_only=True)["人员"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "清收目标(元)"
    assert {row[1]: row[-1] for row in rows[1:]} == {
        "E001": 60,
        "E002": None,
        "E003": None,
        "U001": None,
        "E004": 20000,
    }
    report = import_file(app.store, exported)
    assert report.updated == 0


def test_a_people_sheet_without_the_column_leaves_the_targets_as_they_are(app: App, tmp_path: Path) -> None:
    import_file(
        app.store, fill_template(tmp_path / "台账.xlsx", UNITS, people_with(PEOPLE, {"E001": "60"}), CASES)
    )
    plain = fill_template(tmp_path / "人员.xlsx", UNITS, [row[:5] for row in PEOPLE], CASES)
    workbook = load_workbook(plain)
    workbook["人员"].delete_cols(6)  # the 清收目标(元) column taken out, as an older workbook has it
    workbook.save(plain)
    report = import_file(app.store, plain)
    assert report.updated == 0
    assert targets(app, "城关信用社")["E001"] == Decimal("60")


@pytest.mark.parametrize(
    ("targets_by_no", "column", "message"),
    [
        ({"U001": "10"}, "清收目标(元)", "清收目标仅适用于清收责任人，该角色请留空"),
        (
            {"E001": "60", "E002": "50"},
            "清收目标(元)",
            "城关信用社各清收责任人目标合计¥110.00，超过单位清收目标¥100.00",
        ),
    ],
)
def test_targets_a_sheet_may_not_set_are_refused_and_nothing_is_imported(
    app: App, tmp_path: Path, targets_by_no: dict[str, str], column: str, message: str
) -> None:
    path = fill_template(tmp_path / "台账.xlsx", UNITS, people_with(PEOPLE, targets_by_no), CASES)
    with pytest.raises(ImportRefused) as refused:
        import_file(app.store, path)
    problems = [(p.sheet, p.column, p.error.render("zh")) for p in refused.value.problems]
    assert ("人员", column, message) in problems
    assert app.store.is_empty()
