"""A unit's target split over its officers by the balances they hold: fen-exact, deterministic, and a target set
by hand kept while the rest is shared."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import UserError
from core.targets import officer_targets, split_by_share, unassigned


def yuan(*amounts: str) -> list[Decimal]:
    return [Decimal(a) for a in amounts]


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        # In proportion to the balances.
        (
            "1000000.00",
            {"E1": "500000", "E2": "300000", "E3": "200000"},
            ("500000.00", "300000.00", "200000.00"),
        ),
        # A third each: the fen left over goes to the first in order (equal losses, equal weights).
        ("100.00", {"E1": "1", "E2": "1", "E3": "1"}, ("33.34", "33.33", "33.33")),
        # Two fen left: to the shares that lost the most in rounding.
        ("10.00", {"E1": "1", "E2": "2", "E3": "4"}, ("1.43", "2.86", "5.71")),
        # Ties in what was lost: the heavier balance first.
        ("0.03", {"E1": "1", "E2": "5", "E3": "5", "E4": "1"}, ("0.00", "0.02", "0.01", "0.00")),
        # Nobody holds a balance: evenly.
        ("0.05", {"E1": "0", "E2": "0"}, ("0.03", "0.02")),
        ("0.00", {"E1": "10", "E2": "20"}, ("0.00", "0.00")),
    ],
)
def test_split_by_share_adds_up_to_the_fen(
    total: str, weights: dict[str, str], shares: tuple[str, ...]
) -> None:
    split = split_by_share(Decimal(total), {k: Decimal(v) for k, v in weights.items()})
    assert list(split.values()) == yuan(*shares)
    assert sum(split.values(), Decimal(0)) == Decimal(total)


def test_the_same_figures_always_split_the_same_way() -> None:
    weights = {f"E{i}": Decimal(7 + i % 3) for i in range(97)}
    first = split_by_share(Decimal("1234567.89"), weights)
    assert first == split_by_share(Decimal("1234567.89"), dict(weights))
    assert sum(first.values(), Decimal(0)) == Decimal("1234567.89")
    assert all(share == share.quantize(Decimal("0.01")) for share in first.values())


def test_a_target_set_by_hand_is_kept_and_the_rest_shared_by_balance() -> None:
    balances = {"E1": Decimal("600000"), "E2": Decimal("300000"), "E3": Decimal("100000")}
    default = officer_targets(Decimal("800000.00"), balances, {})
    assert default == dict(zip(balances, yuan("480000.00", "240000.00", "80000.00"), strict=True))
    # The lead gives E3 more: E1 and E2 share what is left, 3:1, and the unit's total is kept.
    changed = officer_targets(Decimal("800000.00"), balances, {"E3": Decimal("200000.00")})
    assert changed == dict(zip(balances, yuan("400000.00", "200000.00", "200000.00"), strict=True))
    assert unassigned(Decimal("800000.00"), changed) == Decimal("0.00")


def test_targets_set_by_hand_for_everyone_show_what_is_left() -> None:
    balances = {"E1": Decimal("1"), "E2": Decimal("1")}
    targets = officer_targets(Decimal("100.00"), balances, {"E1": Decimal("30.00"), "E2": Decimal("50.00")})
    assert targets == {"E1": Decimal("30.00"), "E2": Decimal("50.00")}
    assert unassigned(Decimal("100.00"), targets) == Decimal("20.00")


def test_targets_set_by_hand_above_the_units_are_refused() -> None:
    with pytest.raises(UserError) as refused:
        officer_targets(
            Decimal("100.00"), {"E1": Decimal("1"), "E2": Decimal("1")}, {"E1": Decimal("100.01")}
        )
    assert refused.value.key == "target.above_unit"


def test_an_officer_who_left_the_unit_keeps_no_target() -> None:
    targets = officer_targets(Decimal("100.00"), {"E1": Decimal("1")}, {"E9": Decimal("60.00")})
    assert targets == {"E1": Decimal("100.00")}
