"""Foreclosed assets in the ledger: registered with their offset as a repayment of method `asset` (counted once,
when the lead confirms it), moved through appraisal, listing, 流拍 and disposal, a disposal that is not plainly
fair waiting for a leader, refusals that write nothing, and the disposal deadlines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from bot.app import App
from core.errors import UserError
from store.models import Asset, AssetStep, Repayment
from tests.conftest import SHANGHAI, Clock
from tests.ledger_data import seed


def rows(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def status_of(app: App, loan_no: str) -> str:
    case = app.store.case_view(loan_no)
    assert case is not None
    return case.status


def recovered(app: App, unit: str) -> Decimal:
    return next(u.recovered for u in app.store.unit_progress() if u.unit == unit)


def test_a_house_from_its_registration_to_its_auction(app: App) -> None:
    seed(app)
    # L2023003 王五 owes ¥81,500.75 (东风信用社, officer 孙芳 E003, lead 赵东升 U002).
    house = app.store.register_asset(
        "L2023003",
        "E003",
        Decimal("80000"),
        "榆次区某小区住宅",
        "real_estate",
        title_no="晋(2026)榆次区不动产权第1号",
    )
    assert (house.number, house.state, house.custodian_no) == ("ZC2026-0001", "received", "E003")
    assert house.repayment_status == "reported"
    (offset,) = app.store.repayments("L2023003")
    assert (offset.amount, offset.method, offset.status) == (Decimal("80000.00"), "asset", "reported")
    assert status_of(app, "L2023003") == "asset_swap"
    assert recovered(app, "东风信用社") == Decimal("0.00")  # not until the lead confirms

    app.store.decide_repayment(offset.id, "U002", confirm=True)
    assert app.store.balance("L2023003").total == Decimal("1500.75")
    assert status_of(app, "L2023003") == "open"  # no longer 以资抵债中; nothing else was done on it
    assert recovered(app, "东风信用社") == Decimal("80000.00")

    assert (
        app.store.appraise_asset(house.number, "E003", Decimal("100000"), "晋中某评估公司").state
        == "appraised"
    )
    assert app.store.list_asset(house.number, "E003", Decimal("100000")).reserve == Decimal("100000.00")
    # 流拍: the reserve goes down a fifth; then listed again at a price of the lead's choosing.
    assert app.store.unsold_asset(house.number, "E003").reserve == Decimal("80000.00")
    assert app.store.list_asset(house.number, "U002", Decimal("82000")).reserve == Decimal("82000.00")
    sold = app.store.dispose_asset(house.number, "U002", Decimal("85000"), "auction", buyer="李某")
    assert (sold.state, sold.proceeds, sold.waiting_disposal) == ("disposed", Decimal("85000.00"), None)

    # Counted once: the proceeds are beside the offset, the unit's recovery and the case's balance unmoved.
    assert recovered(app, "东风信用社") == Decimal("80000.00")
    assert app.store.balance("L2023003").total == Decimal("1500.75")
    steps = app.store.asset_steps(house.number)
    assert [(s.action, s.amount) for s in steps] == [
        ("register", Decimal("80000.00")),
        ("appraise", Decimal("100000.00")),
        ("list", Decimal("100000.00")),
        ("unsold", Decimal("80000.00")),
        ("list", Decimal("82000.00")),
        ("dispose", Decimal("85000.00")),
    ]
    assert [s.person for s in steps] == ["孙芳"] * 4 + ["赵东升"] * 2
    audit = [(action, ref) for action, _, ref, _ in app.store.audit_entries() if action.startswith("asset.")]
    assert audit == [
        ("asset.register", "L2023003"),
        ("asset.appraise", "ZC2026-0001"),
        ("asset.list", "ZC2026-0001"),
        ("asset.unsold", "ZC2026-0001"),
        ("asset.list", "ZC2026-0001"),
        ("asset.dispose", "ZC2026-0001"),
    ]
    # A disposed asset moves no more.
    with pytest.raises(UserError) as refused:
        app.store.lease_asset(house.number, "E003", Decimal("1000"), date(2027, 6, 30))
    assert refused.value.key == "asset.disposed_already"


def test_a_rejected_offset_takes_the_case_back_and_counts_nothing(app: App) -> None:
    seed(app)
    app.store.record_contact("L2023003", "E003", "visit", "reached")
    app.store.register_asset("L2023003", "E003", Decimal("50000"), "挖掘机", "movable")
    assert status_of(app, "L2023003") == "asset_swap"
    (offset,) = app.store.repayments("L2023003")
    app.store.decide_repayment(offset.id, "U002", confirm=False, note="未办理过户")
    assert status_of(app, "L2023003") == "in_progress"
    assert recovered(app, "东风信用社") == Decimal("0.00")


def test_an_asset_whose_offset_was_rejected_or_undone_no_longer_counts(app: App) -> None:
    seed(app)
    car = app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable")
    shop = app.store.register_asset("L2023003", "E003", Decimal("20000"), "商铺", "real_estate")
    (car_offset,) = app.store.repayments("L2023001")
    app.store.reverse_repayment(car_offset.id, "E001")  # the officer's 撤销 right after
    (shop_offset,) = app.store.repayments("L2023003")
    app.store.decide_repayment(shop_offset.id, "U002", confirm=False, note="手续不全")
    assert (status_of(app, "L2023001"), status_of(app, "L2023003")) == ("open", "open")
    for asset in (car, shop):
        view = app.store.asset_view(asset.number)
        assert view is not None and view.void
        with pytest.raises(UserError) as refused:
            app.store.appraise_asset(asset.number, "E001", Decimal("9000"))
        assert refused.value.key == "asset.void"
    assert app.store.assets() == []
    assert app.store.asset_items(date(2027, 11, 30)) == []  # the car would be overdue by then


def test_numbers_run_on_through_the_year(app: App) -> None:
    seed(app)
    first = app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable")
    second = app.store.register_asset("L2023002", "E002", Decimal("20000"), "商铺", "real_estate")
    assert (first.number, second.number) == ("ZC2026-0001", "ZC2026-0002")


def test_the_same_message_registers_once(app: App) -> None:
    seed(app)
    for _ in range(2):
        app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable", source_key="m1")
    assert (rows(app, Asset), rows(app, Repayment), rows(app, AssetStep)) == (1, 1, 1)


@pytest.mark.parametrize(
    ("offset", "kind", "name", "key"),
    [
        # L2023001 owes ¥52,000.00.
        ("52000.01", "movable", "轿车", "asset.offset_above_owed"),
        ("1000", "boat", "轿车", "asset.unknown_kind"),
        ("1000", "movable", "  ", "asset.no_name"),
    ],
)
def test_a_bad_registration_writes_nothing(app: App, offset: str, kind: str, name: str, key: str) -> None:
    seed(app)
    with pytest.raises(UserError) as refused:
        app.store.register_asset("L2023001", "E001", Decimal(offset), name, kind)
    assert refused.value.key == key
    assert (rows(app, Asset), rows(app, Repayment), rows(app, AssetStep)) == (0, 0, 0)
    assert status_of(app, "L2023001") == "open"


def test_an_offset_is_measured_against_what_awaits_confirmation_too(app: App) -> None:
    seed(app)
    app.store.record_repayment("L2023001", "E001", Decimal("50000"), paid_on=date(2026, 11, 20))
    with pytest.raises(UserError) as refused:
        app.store.register_asset("L2023001", "E001", Decimal("3000"), "轿车", "movable")
    assert refused.value.render("zh") == (
        "抵债金额 ¥3,000.00 超过该案件尚欠金额 ¥2,000.00（已扣除待确认还款），未登记。"
    )


def appraised(app: App, value: str = "100000") -> str:
    seed(app)
    asset = app.store.register_asset("L2023003", "E003", Decimal("80000"), "住宅", "real_estate")
    app.store.appraise_asset(asset.number, "E003", Decimal(value))
    return asset.number


def test_a_disposal_before_any_appraisal_is_refused(app: App) -> None:
    seed(app)
    asset = app.store.register_asset("L2023003", "E003", Decimal("80000"), "住宅", "real_estate")
    app.store.lease_asset(asset.number, "E003", Decimal("2000"), date(2027, 6, 30), lessee="某商户")
    for move in (
        lambda: app.store.dispose_asset(asset.number, "U002", Decimal("90000"), "auction"),
        lambda: app.store.list_asset(asset.number, "U002", Decimal("90000")),
    ):
        with pytest.raises(UserError) as refused:
            move()
        assert refused.value.key == "asset.not_appraised"
    assert app.store.asset_view(asset.number).state == "leased"  # type: ignore[union-attr]
    assert rows(app, AssetStep) == 2  # registered, leased


@pytest.mark.parametrize(
    ("method", "proceeds", "waits_for"),
    [("agreement", "100000", "agreement"), ("auction", "75000", "below_appraisal")],
)
def test_an_agreement_sale_or_a_price_far_below_the_appraisal_waits_for_a_leader(
    app: App, method: str, proceeds: str, waits_for: str
) -> None:
    number = appraised(app)
    waiting = app.store.dispose_asset(number, "U002", Decimal(proceeds), method, buyer="某公司")
    assert (waiting.state, waiting.proceeds, waiting.waits_for) == ("appraised", None, waits_for)
    assert waiting.waiting_disposal is not None
    # Nothing moves meanwhile.
    with pytest.raises(UserError) as refused:
        app.store.list_asset(number, "U002", Decimal("90000"))
    assert refused.value.key == "asset.disposal_waiting"
    # Neither who registered it nor who proposed the disposal may confirm it.
    for own in ("E003", "U002"):
        with pytest.raises(UserError) as refused:
            app.store.decide_disposal(number, own, confirm=True)
        assert refused.value.key == "asset.own_disposal"
    assert app.store.asset_view(number).state == "appraised"  # type: ignore[union-attr]
    done = app.store.decide_disposal(number, "A001", confirm=True, note="经专班会议研究同意")
    assert (done.state, done.proceeds, done.waiting_disposal) == ("disposed", Decimal(proceeds), None)
    assert [s.action for s in app.store.asset_steps(number)][-2:] == ["dispose", "confirm"]


def test_a_refused_disposal_leaves_the_asset_where_it_was(app: App) -> None:
    number = appraised(app)
    app.store.dispose_asset(number, "U002", Decimal("100000"), "agreement")
    refused = app.store.decide_disposal(number, "A001", confirm=False, note="请公开拍卖")
    assert (refused.state, refused.waiting_disposal) == ("appraised", None)
    # It may be offered again, openly this time.
    assert app.store.dispose_asset(number, "U002", Decimal("90000"), "auction").state == "disposed"


def test_a_price_exactly_a_fifth_below_the_appraisal_goes_ahead(app: App) -> None:
    number = appraised(app)
    assert app.store.dispose_asset(number, "U002", Decimal("80000"), "tender").state == "disposed"


def test_unsold_only_while_listed_and_dates_in_range(app: App, clock: Clock) -> None:
    number = appraised(app)
    with pytest.raises(UserError) as refused:
        app.store.unsold_asset(number, "E003")
    assert refused.value.render("zh") == "资产 ZC2026-0001 当前为“已评估”，未挂牌，不能记录流拍。"
    with pytest.raises(UserError) as refused:
        app.store.appraise_asset(number, "E003", Decimal("1"), on=date(2026, 11, 1))
    assert refused.value.key == "asset.before_receipt"
    with pytest.raises(UserError) as refused:
        app.store.appraise_asset(number, "E003", Decimal("1"), on=date(2026, 12, 1))
    assert refused.value.key == "ledger.date_future"
    with pytest.raises(UserError) as refused:
        app.store.appraise_asset("ZC2026-0099", "E003", Decimal("1"))
    assert refused.value.key == "asset.unknown"


def test_steps_cannot_be_edited_or_deleted(app: App) -> None:
    appraised(app)
    for statement in ("UPDATE asset_steps SET note = 'x'", "DELETE FROM asset_steps"):
        with pytest.raises(Exception, match="append-only"), app.engine.begin() as connection:
            connection.execute(text(statement))
    assert rows(app, AssetStep) == 2


def test_disposal_deadlines_warn_at_90_and_30_days_and_a_lease_does_not_stop_them(
    app: App, clock: Clock
) -> None:
    seed(app)
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    car = app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable")
    house = app.store.register_asset("L2023003", "E003", Decimal("80000"), "住宅", "real_estate")
    app.store.lease_asset(car.number, "E001", Decimal("500"), date(2027, 12, 31), lessee="某物流公司")

    def warned(day: date) -> list[tuple[str, int]]:
        return [(item.asset.number, item.days) for item in app.store.asset_items(day)]

    # The car (a movable) is due 2027-03-02, the house (real estate) 2028-03-02.
    assert warned(date(2026, 12, 1)) == []
    assert warned(date(2026, 12, 2)) == [(car.number, 90)]
    assert warned(date(2026, 12, 3)) == []
    assert warned(date(2027, 1, 31)) == [(car.number, 30)]
    assert warned(date(2027, 3, 3)) == [(car.number, -1)]  # past it: every day until it is disposed of
    assert warned(date(2027, 12, 3)) == [(car.number, -276), (house.number, 90)]
    figures = app.store.asset_figures(None, date(2027, 3, 3))
    assert (figures.by_state, figures.offset_total, figures.realised_total, figures.overdue) == (
        {"leased": 1, "received": 1},
        Decimal("90000.00"),
        Decimal("0.00"),
        [car.number],
    )
