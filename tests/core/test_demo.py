"""The made-up campaign of `qingshou demo`: sizes, uniqueness, and activity consistent with the ledger's rules."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from core.campaign import Campaign
from core.demo import SCALES, DemoCampaign, generate_campaign
from core.import_plan import plan_import
from store.models import (
    CLASSIFICATIONS,
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    DIFFICULTIES,
    PROMISE_STATUSES,
    REPAYMENT_METHODS,
    ROLES,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAMPAIGN = Campaign(date(2026, 1, 1), date(2026, 12, 31), SHANGHAI)
TODAY = date(2026, 11, 29)
SLOW = bool(os.environ.get("QINGSHOU_SLOW"))
SCALE_NAMES = [
    "tiny",
    "city",
    pytest.param("province", marks=pytest.mark.skipif(not SLOW, reason="QINGSHOU_SLOW")),
]

ID_NUMBER = re.compile(r"\d{17}[\dX]")
CREDIT_CODE = re.compile(r"91\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
MOBILE = re.compile(r"1[3-9]\d{9}")


@cache
def made_up(scale: str) -> DemoCampaign:
    """One campaign of each scale for the whole module: the tests only read it."""
    return generate_campaign(scale, CAMPAIGN, TODAY)


@pytest.fixture(params=SCALE_NAMES)
def demo(request: pytest.FixtureRequest) -> DemoCampaign:
    return made_up(request.param)


def owed(demo: DemoCampaign) -> dict[str, Decimal]:
    return {c.loan_no: c.principal + c.interest for c in demo.cases}


def id_check(number: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]


def test_same_seed_same_campaign_other_seed_another() -> None:
    first = generate_campaign("tiny", CAMPAIGN, TODAY, seed=7)
    assert generate_campaign("tiny", CAMPAIGN, TODAY, seed=7) == first
    other = generate_campaign("tiny", CAMPAIGN, TODAY, seed=8)
    assert other.cases != first.cases
    assert other.contacts != first.contacts


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="county"):
        generate_campaign("county", CAMPAIGN, TODAY)


@pytest.mark.parametrize(
    ("scale", "units", "people", "cases"),
    [
        ("tiny", (5, 5), (20, 45), (300, 300)),
        ("city", (40, 60), (800, 1_200), (40_000, 60_000)),
        pytest.param(
            "province",
            (900, 1_100),
            (18_000, 22_000),
            (450_000, 550_000),
            marks=pytest.mark.skipif(not SLOW, reason="QINGSHOU_SLOW"),
        ),
    ],
)
def test_sizes_follow_the_scale(
    scale: str, units: tuple[int, int], people: tuple[int, int], cases: tuple[int, int]
) -> None:
    made = made_up(scale)
    assert units[0] <= len(made.units) <= units[1]
    assert people[0] <= len(made.people) <= people[1]
    assert cases[0] <= len(made.cases) <= cases[1]
    assert set(SCALES) == {"tiny", "city", "province"}


def test_names_and_numbers_are_unique(demo: DemoCampaign) -> None:
    unit_names = [u.name for u in demo.units]
    assert len(set(unit_names)) == len(unit_names)
    assert all(re.fullmatch(r".+(信用社|支行|分理处)", name) for name in unit_names)
    numbers = [p.employee_no for p in demo.people]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"E\d{6}|A\d{4}|D\d{4}", no) for no in numbers)
    mobiles = [p.mobile for p in demo.people]
    assert len(set(mobiles)) == len(mobiles)
    assert all(MOBILE.fullmatch(m) for m in mobiles)
    loans = [c.loan_no for c in demo.cases]
    assert len(set(loans)) == len(loans)
    assert all(re.fullmatch(r"L20\d{8}", no) for no in loans)


def test_people_have_roles_their_units_need(demo: DemoCampaign) -> None:
    assert {p.role for p in demo.people} == set(ROLES)
    by_no = {p.employee_no: p for p in demo.people}
    assert by_no["A0001"].role == "admin" and by_no["A0001"].unit is None
    assert by_no["D0001"].role == "leader" and by_no["D0001"].unit is None
    assert all(p.unit is None for p in demo.people if p.role in ("leader", "admin"))
    roles = defaultdict(Counter)
    for person in demo.people:
        if person.unit is not None:
            roles[person.unit][person.role] += 1
    assert set(roles) == {u.name for u in demo.units}
    for unit in demo.units:
        assert roles[unit.name]["unit_lead"] == 1
        assert roles[unit.name]["officer"] >= 2
        lead = next(p for p in demo.people if p.unit == unit.name and p.role == "unit_lead")
        assert unit.leader_name == lead.name


def test_every_case_is_held_by_an_officer_of_its_unit(demo: DemoCampaign) -> None:
    person = {p.employee_no: p for p in demo.people}
    for case in demo.cases:
        officer = person[case.officer_no]
        assert officer.role == "officer"
        assert officer.unit == case.unit


def test_case_fields_look_real(demo: DemoCampaign) -> None:
    for case in demo.cases:
        assert case.classification in CLASSIFICATIONS
        assert case.difficulty in DIFFICULTIES
        assert TODAY - timedelta(days=30) <= case.deadline <= CAMPAIGN.end
        assert case.statute_date is None or (
            TODAY - timedelta(days=60) <= case.statute_date <= TODAY + timedelta(days=731)
        )
        assert case.plan
        assert case.phone == "" or MOBILE.fullmatch(case.phone)
        if case.borrower.endswith("有限公司"):
            assert CREDIT_CODE.fullmatch(case.id_number), case.id_number
        else:
            assert ID_NUMBER.fullmatch(case.id_number), case.id_number
            assert case.id_number[-1] == id_check(case.id_number)
    classes = Counter(c.classification for c in demo.cases)
    # Non-performing loans: 次级, 可疑 and 损失 make up most of the book.
    assert classes["次级"] + classes["可疑"] + classes["损失"] > 0.8 * len(demo.cases)
    assert set(Counter(c.difficulty for c in demo.cases)) == set(DIFFICULTIES)


def test_city_has_the_mix_a_demo_needs() -> None:
    made = made_up("city")
    principals = sorted(c.principal for c in made.cases)
    # Most loans are 2万–30万, a few run into the millions.
    median = principals[len(principals) // 2]
    assert Decimal(20_000) <= median <= Decimal(300_000)
    assert principals[-1] >= Decimal(1_000_000)
    assert any(c.borrower.endswith("有限公司") for c in made.cases)
    assert any(c.id_number.endswith("X") for c in made.cases)
    assert any(c.deadline < TODAY for c in made.cases)
    assert any(c.deadline == CAMPAIGN.end for c in made.cases)
    statute_share = sum(c.statute_date is not None for c in made.cases) / len(made.cases)
    assert 0.35 < statute_share < 0.45
    assert any(u.target is None for u in made.units)
    assert any(u.target is not None for u in made.units)
    contacted = {c["loan_no"] for c in made.contacts}
    repaid = {r["loan_no"] for r in made.repayments}
    assert 0.55 < len(contacted) / len(made.cases) < 0.65
    assert 0.17 < len(repaid) / len(made.cases) < 0.23
    assert {c["channel"] for c in made.contacts} == set(CONTACT_CHANNELS)
    assert {c["outcome"] for c in made.contacts} == set(CONTACT_OUTCOMES)
    assert {p["status"] for p in made.promises} == set(PROMISE_STATUSES)
    assert {r["method"] for r in made.repayments} == set(REPAYMENT_METHODS)
    statuses = Counter(r["status"] for r in made.repayments)
    assert 0 < statuses["reported"] < statuses["confirmed"] / 3


def test_every_amount_is_exact_and_positive(demo: DemoCampaign) -> None:
    def exact(amount: object) -> bool:
        return isinstance(amount, Decimal) and amount.as_tuple().exponent >= -2 and amount.is_finite()

    for case in demo.cases:
        assert exact(case.principal) and case.principal > 0
        assert exact(case.interest) and 0 <= case.interest <= case.principal * Decimal("0.15")
    for unit in demo.units:
        assert unit.target is None or (exact(unit.target) and unit.target > 0)
    for promise in demo.promises:
        assert exact(promise["amount"]) and promise["amount"] > 0
    for repayment in demo.repayments:
        assert exact(repayment["principal_part"]) and repayment["principal_part"] >= 0
        assert exact(repayment["interest_part"]) and repayment["interest_part"] >= 0
        assert repayment["principal_part"] + repayment["interest_part"] > 0


def test_repayments_never_exceed_what_is_owed(demo: DemoCampaign) -> None:
    cases = {c.loan_no: c for c in demo.cases}
    principal_paid: Counter[str] = Counter()
    interest_paid: Counter[str] = Counter()
    for repayment in sorted(demo.repayments, key=lambda r: r["paid_on"]):
        case = cases[repayment["loan_no"]]
        # Principal first: interest is only paid once the principal is.
        if repayment["interest_part"] > 0:
            assert principal_paid[case.loan_no] + repayment["principal_part"] == case.principal
        principal_paid[case.loan_no] += repayment["principal_part"]
        interest_paid[case.loan_no] += repayment["interest_part"]
    for loan_no in principal_paid:
        assert principal_paid[loan_no] <= cases[loan_no].principal
        assert interest_paid[loan_no] <= cases[loan_no].interest
    amounts = owed(demo)
    settled = [no for no in principal_paid if principal_paid[no] + interest_paid[no] == amounts[no]]
    assert settled


def test_confirmed_repayments_are_decided_by_the_unit_lead(demo: DemoCampaign) -> None:
    cases = {c.loan_no: c for c in demo.cases}
    lead_of = {p.unit: p.employee_no for p in demo.people if p.role == "unit_lead"}
    for repayment in demo.repayments:
        case = cases[repayment["loan_no"]]
        assert repayment["employee_no"] == case.officer_no
        if repayment["status"] == "confirmed":
            assert repayment["decided_by"] == lead_of[case.unit]
            assert repayment["decided_at"] > repayment["created_at"]
        else:
            assert repayment["status"] == "reported"
            assert repayment["decided_by"] is None and repayment["decided_at"] is None


def test_activity_lies_between_the_campaign_start_and_today(demo: DemoCampaign) -> None:
    def in_window(moment: datetime) -> bool:
        return moment.tzinfo is not None and CAMPAIGN.start <= moment.astimezone(SHANGHAI).date() <= TODAY

    for contact in demo.contacts:
        assert in_window(contact["at"])
        assert 8 <= contact["at"].astimezone(SHANGHAI).hour < 18
    for repayment in demo.repayments:
        assert CAMPAIGN.start <= repayment["paid_on"] <= TODAY
        assert repayment["created_at"].astimezone(SHANGHAI).date() == repayment["paid_on"]
        assert repayment["decided_at"] is None or in_window(repayment["decided_at"])


def test_activity_does_not_start_before_the_campaign() -> None:
    late_start = Campaign(TODAY - timedelta(days=10), CAMPAIGN.end, SHANGHAI)
    made = generate_campaign("tiny", late_start, TODAY)
    assert made.contacts and made.repayments
    assert min(c["at"].date() for c in made.contacts) >= late_start.start
    assert min(r["paid_on"] for r in made.repayments) >= late_start.start

    not_yet = Campaign(TODAY + timedelta(days=1), CAMPAIGN.end, SHANGHAI)
    made = generate_campaign("tiny", not_yet, TODAY)
    assert (made.contacts, made.promises, made.repayments) == ([], [], [])
    assert len(made.cases) == 300


def test_contacts_are_logged_by_the_officer_on_existing_loans(demo: DemoCampaign) -> None:
    officer_of = {c.loan_no: c.officer_no for c in demo.cases}
    for contact in demo.contacts:
        assert contact["employee_no"] == officer_of[contact["loan_no"]]
        assert contact["channel"] in CONTACT_CHANNELS
        assert contact["outcome"] in CONTACT_OUTCOMES
        assert isinstance(contact["note"], str)
    for repayment in demo.repayments:
        assert repayment["loan_no"] in officer_of
        assert repayment["method"] in REPAYMENT_METHODS


def test_each_promise_belongs_to_a_promise_contact_of_its_loan(demo: DemoCampaign) -> None:
    amounts = owed(demo)
    indexes = [p["contact_index"] for p in demo.promises]
    assert len(set(indexes)) == len(indexes)
    promised = {i for i, c in enumerate(demo.contacts) if c["outcome"] == "promise"}
    assert set(indexes) == promised
    for promise in demo.promises:
        contact = demo.contacts[promise["contact_index"]]
        assert contact["loan_no"] == promise["loan_no"]
        assert promise["amount"] <= amounts[promise["loan_no"]]
        assert promise["due_on"] >= contact["at"].astimezone(SHANGHAI).date()
        assert promise["status"] in PROMISE_STATUSES


def test_promise_status_follows_the_repayments(demo: DemoCampaign) -> None:
    confirmed = defaultdict(list)
    for repayment in demo.repayments:
        if repayment["status"] == "confirmed":
            amount = repayment["principal_part"] + repayment["interest_part"]
            confirmed[repayment["loan_no"]].append((repayment["paid_on"], amount))
    for promise in demo.promises:
        if promise["due_on"] >= TODAY:
            assert promise["status"] == "open"
            continue
        made_on = demo.contacts[promise["contact_index"]]["at"].astimezone(SHANGHAI).date()
        paid = sum(
            (amount for day, amount in confirmed[promise["loan_no"]] if made_on <= day <= promise["due_on"]),
            Decimal(0),
        )
        expected = "kept" if paid >= promise["amount"] else "partial" if paid else "broken"
        assert promise["status"] == expected


def test_tiny_demo_loads_into_the_ledger(app: App) -> None:
    store = app.store
    made = generate_campaign("tiny", store.campaign, store.today())
    plan, problems = plan_import(store.import_snapshot(), made.units, made.people, made.cases)
    assert problems == []
    store.apply_import(plan, "demo", "demo")
    store.load_campaign(made.contacts, made.promises, made.repayments)

    summary = store.campaign_summary()
    assert (summary.units, summary.people, summary.cases) == (5, len(made.people), 300)
    by_status = defaultdict(lambda: Decimal(0))
    for repayment in made.repayments:
        by_status[repayment["status"]] += repayment["principal_part"] + repayment["interest_part"]
    assert summary.recovered == by_status["confirmed"]
    assert summary.pending == by_status["reported"]
