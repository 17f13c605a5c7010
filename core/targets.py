"""Targets to every officer (目标责任制, 层层分解、细化到人头, SPEC §10): a unit's target split over its officers in
proportion to the balances each holds, fen-exact, with the targets a unit lead set by hand kept as set and the
rest of the unit's target split over the others."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import TypeVar

from core.errors import UserError
from core.money import FEN, format_yuan

Key = TypeVar("Key", bound=Hashable)


def split_by_share(total: Decimal, weights: Mapping[Key, Decimal]) -> dict[Key, Decimal]:
    """`total` split over the keys in proportion to their weights, to the fen, adding up to `total` exactly.

    Each key first gets its share rounded down to the fen; the fen left over go one each to the keys whose share
    lost the most in rounding, the heavier weight first and then the keys' order (so the same figures always
    split the same way). With no weight at all, the total is split evenly.
    """
    if not weights:
        return {}
    if total < 0:
        raise ValueError("a target cannot be negative")
    keys = list(weights)
    weight_sum = sum(weights.values(), Decimal(0))
    if weight_sum <= 0:
        weights = dict.fromkeys(keys, Decimal(1))
        weight_sum = Decimal(len(keys))
    exact = {key: total * weights[key] / weight_sum for key in keys}
    shares = {key: exact[key].quantize(FEN, rounding=ROUND_FLOOR) for key in keys}
    left = int((total - sum(shares.values(), Decimal(0))) / FEN)
    order = sorted(
        range(len(keys)),
        key=lambda i: (-(exact[keys[i]] - shares[keys[i]]), -weights[keys[i]], i),
    )
    for i in order[:left]:
        shares[keys[i]] += FEN
    return shares


def officer_targets(
    unit_target: Decimal, balances: Mapping[Key, Decimal], set_by_hand: Mapping[Key, Decimal]
) -> dict[Key, Decimal]:
    """Each officer's target: as the unit lead set it, else a share of what the unit's target leaves, in
    proportion to the balance the officer holds. The targets add up to the unit's target exactly (when some are
    left to share); targets set by hand that exceed it are refused."""
    fixed = {key: amount for key, amount in set_by_hand.items() if key in balances}
    left = unit_target - sum(fixed.values(), Decimal(0))
    if left < 0:
        raise UserError(
            "target.above_unit",
            total=format_yuan(sum(fixed.values(), Decimal(0))),
            unit_target=format_yuan(unit_target),
        )
    others = {key: balance for key, balance in balances.items() if key not in fixed}
    shared = split_by_share(left, others)
    return {key: fixed[key] if key in fixed else shared[key] for key in balances}


def unassigned(unit_target: Decimal, targets: Mapping[Key, Decimal]) -> Decimal:
    """What of the unit's target no officer's target covers (the remainder a unit lead is shown)."""
    return unit_target - sum(targets.values(), Decimal(0))
