"""Foreclosed assets' rules, as tables: words, numbers, the steps allowed in each state, the reserve after 流拍,
the disposal deadline and its warnings, and which disposals wait for a leader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.assets import (
    AGREEMENT,
    APPRAISED,
    AUCTION,
    DISPOSED,
    LEASED,
    LISTED,
    RECEIVED,
    Realised,
    asset_number,
    confirmation_needed,
    disposal_due,
    disposal_warning,
    guess_kind,
    is_asset_number,
    normal_number,
    overdue,
    read_kind,
    read_method,
    read_state,
    refusal,
    reserve_after_unsold,
    state_after,
)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("不动产", "real_estate"),
        ("房产", "real_estate"),
        ("土地使用权", "real_estate"),
        ("股权", "equity"),
        ("车辆", "movable"),
        ("动产", "movable"),
        ("其他", "other"),
        ("MOVABLE", "movable"),
        ("房子很大", None),
    ],
)
def test_kinds_as_written(word: str, kind: str | None) -> None:
    assert read_kind(word) == kind


def test_states_and_methods_as_written() -> None:
    assert [read_state(w) for w in ("已接收", "已评估", "挂牌中", "出租中", "已处置", "卖了")] == [
        RECEIVED,
        APPRAISED,
        LISTED,
        LEASED,
        DISPOSED,
        None,
    ]
    assert [read_method(w) for w in ("拍卖", "司法拍卖", "招标", "协议转让", "打包", "auction", "送人")] == [
        "auction",
        "auction",
        "tender",
        "agreement",
        "package",
        "auction",
        None,
    ]


def test_asset_numbers() -> None:
    assert asset_number(2026, 1) == "ZC2026-0001"
    assert asset_number(2027, 12345) == "ZC2027-12345"
    assert is_asset_number("ZC2026-0001") and is_asset_number("zc2026-0001")
    assert not is_asset_number("L2023001") and not is_asset_number("ZC26-1")
    assert normal_number(" zc2026-0001 ") == "ZC2026-0001"


@pytest.mark.parametrize(
    ("action", "state", "appraised", "refused"),
    [
        ("appraise", RECEIVED, False, None),
        ("appraise", LISTED, True, None),
        # A disposal or a listing before any appraisal is refused, whatever the state.
        ("dispose", RECEIVED, False, "asset.not_appraised"),
        ("dispose", LEASED, False, "asset.not_appraised"),
        ("list", RECEIVED, False, "asset.not_appraised"),
        ("list", APPRAISED, True, None),
        ("dispose", APPRAISED, True, None),
        ("dispose", LISTED, True, None),
        ("dispose", LEASED, True, None),
        ("unsold", APPRAISED, True, "asset.not_listed"),
        ("unsold", LISTED, True, None),
        ("lease", RECEIVED, False, None),
        # Nothing moves a disposed asset.
        ("appraise", DISPOSED, True, "asset.disposed_already"),
        ("lease", DISPOSED, True, "asset.disposed_already"),
    ],
)
def test_what_each_state_allows(action: str, state: str, appraised: bool, refused: str | None) -> None:
    assert refusal(action, state, appraised) == refused


@pytest.mark.parametrize(
    ("action", "state", "after"),
    [
        ("appraise", RECEIVED, APPRAISED),
        ("appraise", LISTED, LISTED),
        ("appraise", LEASED, LEASED),
        ("list", APPRAISED, LISTED),
        ("list", LEASED, LISTED),
        ("unsold", LISTED, LISTED),
        ("lease", LISTED, LEASED),
        ("dispose", LEASED, DISPOSED),
    ],
)
def test_the_state_after_each_step(action: str, state: str, after: str) -> None:
    assert state_after(action, state) == after


def test_each_unsold_listing_lowers_the_reserve_by_a_fifth() -> None:
    assert reserve_after_unsold(Decimal("1200000.00")) == Decimal("960000.00")
    assert reserve_after_unsold(Decimal("960000.00")) == Decimal("768000.00")
    assert reserve_after_unsold(Decimal("0.03")) == Decimal("0.02")  # to the fen, half up


@pytest.mark.parametrize(
    ("kind", "received", "due"),
    [
        ("real_estate", date(2026, 3, 2), date(2028, 3, 2)),
        ("equity", date(2026, 3, 2), date(2028, 3, 2)),
        ("movable", date(2026, 3, 2), date(2027, 3, 2)),
        ("other", date(2026, 3, 2), date(2027, 3, 2)),
        ("real_estate", date(2024, 2, 29), date(2026, 2, 28)),
    ],
)
def test_the_disposal_deadline(kind: str, received: date, due: date) -> None:
    assert disposal_due(kind, received) == due


@pytest.mark.parametrize(
    ("kind", "today", "warning"),
    [
        # A movable received 2026-03-02 is due 2027-03-02: warned 90 and 30 days before, not between.
        ("movable", date(2026, 12, 2), 90),
        ("movable", date(2026, 12, 1), None),
        ("movable", date(2026, 12, 3), None),
        ("movable", date(2027, 1, 31), 30),
        # Real estate received the same day is due a year later.
        ("real_estate", date(2026, 12, 2), None),
        ("real_estate", date(2027, 12, 3), 90),
        ("real_estate", date(2028, 2, 1), 30),
    ],
)
def test_disposal_warnings_at_90_and_30_days(kind: str, today: date, warning: int | None) -> None:
    assert disposal_warning(kind, date(2026, 3, 2), today) == warning


def test_overdue_after_the_deadline_day() -> None:
    assert not overdue("movable", date(2026, 3, 2), date(2027, 3, 2))
    assert overdue("movable", date(2026, 3, 2), date(2027, 3, 3))


@pytest.mark.parametrize(
    ("method", "proceeds", "why"),
    [
        (AUCTION, "800000.00", None),  # exactly 20% below the appraisal: may go ahead
        (AUCTION, "799999.99", "below_appraisal"),
        (AUCTION, "750000.00", "below_appraisal"),  # 25% below
        (AUCTION, "1100000.00", None),
        (AGREEMENT, "1000000.00", "agreement"),  # an agreement sale always waits
        ("tender", "900000.00", None),
    ],
)
def test_which_disposals_wait_for_a_leader(method: str, proceeds: str, why: str | None) -> None:
    assert confirmation_needed(method, Decimal(proceeds), Decimal("1000000.00")) == why


def test_gain_or_loss_beside_the_offset() -> None:
    assert Realised(Decimal("1200000.00"), Decimal("980000.00")).gain == Decimal("-220000.00")
    assert Realised(Decimal("500000.00"), Decimal("520000.00")).gain == Decimal("20000.00")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("榆次区某小区住宅", "real_estate"),
        ("某公司30%股权", "equity"),
        ("挖掘机等机器设备", "movable"),
        ("字画一幅", "other"),
    ],
)
def test_the_kind_a_name_suggests(name: str, kind: str) -> None:
    assert guess_kind(name) == kind
