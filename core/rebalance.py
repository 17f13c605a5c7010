"""Spreading a unit's open cases over its officers (`qingshou assign --rebalance`, SPEC §10): each officer's
outstanding amount and difficulty load within 10% of the unit's mean where the cases allow, in few moves.

Greedy and exact: each step makes the one move (a case from one officer to another) that lowers the spread the
most, measured in integer fen and difficulty points (no floating point), until every officer is within the
tolerance or no move helps. The same cases always give the same moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import from_fen

# Within this share of the unit's mean (one tenth).
TOLERANCE_DIVISOR = 10
# Why a case changed hands: a lead's or admin's /assign, or this rebalancing.
REASONS = ("assign", "rebalance")
# What a case weighs in an officer's load, by its difficulty (难易程度).
DIFFICULTY_WEIGHT = {"易": 1, "中": 2, "难": 3}


@dataclass(frozen=True, slots=True)
class CaseLoad:
    """An open case as the rebalancing sees it."""

    loan_no: str
    officer: str  # employee number
    outstanding_fen: int
    difficulty: str

    @property
    def weight(self) -> int:
        return DIFFICULTY_WEIGHT.get(self.difficulty, DIFFICULTY_WEIGHT["中"])


@dataclass(frozen=True, slots=True)
class Move:
    """One case handed from an officer to another."""

    loan_no: str
    from_officer: str
    to_officer: str
    outstanding: Decimal


@dataclass(frozen=True, slots=True)
class Spread:
    """Each officer's outstanding amount and difficulty load."""

    amounts: dict[str, Decimal]
    loads: dict[str, int]

    def within(self) -> bool:
        """Whether every officer is within the tolerance of the mean, on both measures."""
        return all(_within(self.amounts, o) and _within(self.loads, o) for o in self.amounts)

    def worst(self) -> tuple[Decimal, Decimal]:
        """The largest distance from the mean, as a share of it, of the amounts and of the loads."""
        return _worst(self.amounts), _worst(self.loads)


@dataclass(frozen=True, slots=True)
class Plan:
    """The moves, the spread before and after, and whether every officer ends within the tolerance."""

    moves: tuple[Move, ...]
    before: Spread
    after: Spread

    @property
    def balanced(self) -> bool:
        return self.after.within()


def rebalance(cases: Sequence[CaseLoad], officers: Sequence[str], max_moves: int = 10_000) -> Plan:
    """The moves that spread `cases` over `officers` (an officer with none counts too)."""
    names = sorted(set(officers) | {case.officer for case in cases})
    holder = {case.loan_no: case.officer for case in cases}
    by_loan = {case.loan_no: case for case in cases}
    before = _spread(names, cases, holder)
    count = len(names)
    total_fen = sum(case.outstanding_fen for case in cases)
    total_load = sum(case.weight for case in cases)
    moves: list[Move] = []
    if count > 1 and total_fen > 0 and total_load > 0:
        # Each officer's distance from the mean, times the number of officers: integers.
        gap_fen = {name: -total_fen for name in names}
        gap_load = {name: -total_load for name in names}
        for case in cases:
            gap_fen[case.officer] += case.outstanding_fen * count
            gap_load[case.officer] += case.weight * count
        ordered = sorted(cases, key=lambda case: case.loan_no)
        while len(moves) < max_moves and not _all_within(gap_fen, gap_load, total_fen, total_load):
            best = _best_move(ordered, holder, names, gap_fen, gap_load, total_fen, total_load, count)
            if best is None:
                break
            case, target = best
            source = holder[case.loan_no]
            gap_fen[source] -= case.outstanding_fen * count
            gap_fen[target] += case.outstanding_fen * count
            gap_load[source] -= case.weight * count
            gap_load[target] += case.weight * count
            holder[case.loan_no] = target
            moves.append(Move(case.loan_no, source, target, from_fen(case.outstanding_fen)))
    # A case moved on again keeps one move, from its first holder to its last.
    first = {}
    for move in moves:
        first.setdefault(move.loan_no, move.from_officer)
    net = tuple(
        Move(loan_no, first[loan_no], holder[loan_no], from_fen(by_loan[loan_no].outstanding_fen))
        for loan_no in sorted(first)
        if first[loan_no] != holder[loan_no]
    )
    return Plan(net, before, _spread(names, cases, holder))


def _best_move(
    cases: Sequence[CaseLoad],
    holder: dict[str, str],
    names: list[str],
    gap_fen: dict[str, int],
    gap_load: dict[str, int],
    total_fen: int,
    total_load: int,
    count: int,
) -> tuple[CaseLoad, str] | None:
    """The move that lowers the spread the most (Σ officers' squared distances from the mean, amounts and loads
    each relative to their total), or None when none lowers it."""
    scale_fen, scale_load = total_load * total_load, total_fen * total_fen
    best: tuple[int, str, str] | None = None
    chosen: tuple[CaseLoad, str] | None = None
    for case in cases:
        source = holder[case.loan_no]
        step_fen, step_load = case.outstanding_fen * count, case.weight * count
        leaving = ((gap_fen[source] - step_fen) ** 2 - gap_fen[source] ** 2) * scale_fen + (
            (gap_load[source] - step_load) ** 2 - gap_load[source] ** 2
        ) * scale_load
        for target in names:
            if target == source:
                continue
            arriving = ((gap_fen[target] + step_fen) ** 2 - gap_fen[target] ** 2) * scale_fen + (
                (gap_load[target] + step_load) ** 2 - gap_load[target] ** 2
            ) * scale_load
            change = leaving + arriving
            if change >= 0:
                continue
            key = (change, case.loan_no, target)
            if best is None or key < best:
                best, chosen = key, (case, target)
    return chosen


def _all_within(gap_fen: dict[str, int], gap_load: dict[str, int], total_fen: int, total_load: int) -> bool:
    return all(abs(gap) * TOLERANCE_DIVISOR <= total_fen for gap in gap_fen.values()) and all(
        abs(gap) * TOLERANCE_DIVISOR <= total_load for gap in gap_load.values()
    )


def _spread(names: list[str], cases: Sequence[CaseLoad], holder: dict[str, str]) -> Spread:
    fen = dict.fromkeys(names, 0)
    loads = dict.fromkeys(names, 0)
    for case in cases:
        fen[holder[case.loan_no]] += case.outstanding_fen
        loads[holder[case.loan_no]] += case.weight
    return Spread({name: from_fen(value) for name, value in fen.items()}, loads)


def _within(values: dict[str, Decimal] | dict[str, int], officer: str) -> bool:
    total = sum(values.values())
    return abs(values[officer] * len(values) - total) * TOLERANCE_DIVISOR <= total


def _worst(values: dict[str, Decimal] | dict[str, int]) -> Decimal:
    total = Decimal(sum(values.values()))
    if not values or total == 0:
        return Decimal(0)
    mean = total / len(values)
    return max(abs(Decimal(value) - mean) for value in values.values()) / mean
