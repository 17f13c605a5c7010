"""A small hand-built ledger, written through the same path as an import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord, PersonRecord, UnitRecord

UNITS = [
    UnitRecord("城关信用社", "王建国", Decimal("1000000.00")),
    UnitRecord("东风信用社", "赵东升", None),
]
PEOPLE = [
    PersonRecord("李明", "E001", "城关信用社", "officer", "13800001111"),
    PersonRecord("周强", "E002", "城关信用社", "officer", "13800002222"),
    PersonRecord("王建国", "U001", "城关信用社", "unit_lead", "13800003333"),
    PersonRecord("赵东升", "U002", "东风信用社", "unit_lead", "13800004444"),
    PersonRecord("孙芳", "E003", "东风信用社", "officer", "13800005555"),
    PersonRecord("陈专班", "A001", None, "admin", ""),
]
CASES = [
    CaseRecord(
        "L2023001",
        "张三",
        "城关信用社",
        "E001",
        Decimal("50000.00"),
        Decimal("2000.00"),
        "可疑",
        "中",
        date(2026, 12, 31),
        "330102198001011234",
        "13912345678",
    ),
    CaseRecord(
        "L2023002",
        "李四",
        "城关信用社",
        "E002",
        Decimal("120000.00"),
        Decimal("0.00"),
        "次级",
        "易",
        date(2026, 12, 15),
    ),
    CaseRecord(
        "L2023003",
        "王五",
        "东风信用社",
        "E003",
        Decimal("80000.50"),
        Decimal("1500.25"),
        "损失",
        "难",
        date(2026, 12, 31),
        statute_date=date(2027, 3, 1),
    ),
]


def seed(app: App) -> None:
    """Write the small ledger into an empty database."""
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, PEOPLE, CASES)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="seed")
