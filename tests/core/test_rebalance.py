"""Spreading a unit's open cases (`assign --rebalance`): within 10% of the mean where the cases allow, the closest
they allow otherwise, and always the same moves."""

from __future__ import annotations

from decimal import Decimal

from core.rebalance import CaseLoad, rebalance


def loads(*rows: tuple[str, str, int, str]) -> list[CaseLoad]:
    return [CaseLoad(loan, officer, yuan * 100, difficulty) for loan, officer, yuan, difficulty in rows]


def test_one_officer_holding_everything_is_spread_within_a_tenth_of_the_mean() -> None:
    cases = loads(*((f"L{n:03d}", "E1", 10_000 + 1_000 * (n % 7), "易中难"[n % 3]) for n in range(60)))
    plan = rebalance(cases, ["E1", "E2", "E3"])
    assert not plan.before.within()
    assert plan.balanced
    amounts, loads_ = plan.after.worst()
    assert amounts <= Decimal("0.1") and loads_ <= Decimal("0.1")
    # Every move takes a case from where it was to where it ends, once.
    assert len({move.loan_no for move in plan.moves}) == len(plan.moves)
    assert all(move.from_officer == "E1" for move in plan.moves)
    assert sum(plan.after.amounts.values()) == sum(plan.before.amounts.values())


def test_a_balanced_unit_gets_no_moves() -> None:
    cases = loads(("L1", "E1", 50_000, "中"), ("L2", "E2", 52_000, "中"), ("L3", "E3", 48_000, "中"))
    plan = rebalance(cases, ["E1", "E2", "E3"])
    assert plan.moves == ()
    assert plan.balanced


def test_one_case_too_large_to_share_leaves_the_closest_the_cases_allow() -> None:
    cases = loads(
        ("L1", "E1", 900_000, "难"),
        ("L2", "E1", 50_000, "易"),
        ("L3", "E1", 50_000, "易"),
        ("L4", "E2", 10_000, "中"),
    )
    plan = rebalance(cases, ["E1", "E2"])
    assert not plan.balanced
    # The large case stays; the small ones go to the other officer.
    assert {move.loan_no: move.to_officer for move in plan.moves} == {"L2": "E2", "L3": "E2"}
    assert plan.after.amounts == {"E1": Decimal("900000.00"), "E2": Decimal("110000.00")}


def test_an_officer_with_no_cases_is_given_some() -> None:
    cases = loads(*((f"L{n}", "E1" if n % 2 else "E2", 20_000, "中") for n in range(12)))
    plan = rebalance(cases, ["E1", "E2", "E3"])
    assert plan.balanced
    assert plan.after.amounts["E3"] == Decimal("80000.00")


def test_the_same_cases_give_the_same_moves() -> None:
    cases = loads(*((f"L{n:02d}", f"E{n % 2}", 1_000 * (n + 1), "易中难"[n % 3]) for n in range(30)))
    first = rebalance(cases, ["E0", "E1", "E2", "E3"])
    assert rebalance(list(reversed(cases)), ["E3", "E2", "E1", "E0"]) == first
