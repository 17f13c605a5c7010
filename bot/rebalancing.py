"""What `qingshou assign --rebalance UNIT` prints: each officer's outstanding amount and difficulty load before
and after, against the unit's mean, the moves, and whether every officer ends within 10% (or why not)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.campaign import format_rate
from core.money import format_yuan, from_fen
from core.rebalance import TOLERANCE_DIVISOR, CaseLoad, Plan, Spread
from core.texts import render

# The dry run prints this many moves; the rest are counted.
MOVES_SHOWN = 200


def spread_lines(
    unit: str, cases: Sequence[CaseLoad], plan: Plan, names: dict[str, str], language: str
) -> list[str]:
    """The report of a rebalancing of `unit`: before, the moves, after, and the verdict."""
    officers = sorted(plan.before.amounts)
    if len(officers) < 2 or not cases:
        return [render("rebalance.too_few", language, unit=unit, officers=len(officers), cases=len(cases))]
    lines = [
        render(
            "rebalance.title",
            language,
            unit=unit,
            officers=len(officers),
            cases=len(cases),
            total=format_yuan(sum(plan.before.amounts.values(), Decimal(0))),
        ),
        render("rebalance.before", language),
        *_table(plan.before, officers, names, language),
    ]
    if plan.moves:
        lines.append(render("rebalance.moves", language, count=len(plan.moves)))
        lines.extend(
            render(
                "rebalance.move",
                language,
                loan_no=move.loan_no,
                amount=format_yuan(move.outstanding),
                source=_who(move.from_officer, names),
                target=_who(move.to_officer, names),
            )
            for move in plan.moves[:MOVES_SHOWN]
        )
        if len(plan.moves) > MOVES_SHOWN:
            lines.append(render("rebalance.more_moves", language, count=len(plan.moves) - MOVES_SHOWN))
        lines.append(render("rebalance.after", language))
        lines.extend(_table(plan.after, officers, names, language))
    amounts, loads = plan.after.worst()
    worst = render("rebalance.worst", language, amounts=format_rate(amounts), loads=format_rate(loads))
    if plan.balanced:
        lines.append(render("rebalance.balanced", language, worst=worst))
    else:
        lines.append(
            render("rebalance.closest", language, worst=worst, reason=_why_not(cases, plan, language))
        )
    return lines


def _who(employee_no: str, names: dict[str, str]) -> str:
    name = names.get(employee_no, "")
    return f"{name}（{employee_no}）" if name else employee_no


def _table(spread: Spread, officers: list[str], names: dict[str, str], language: str) -> list[str]:
    """One line per officer: outstanding amount and load, each with its distance from the mean."""
    count = len(officers)
    mean_amount = sum(spread.amounts.values(), Decimal(0)) / count
    mean_load = Decimal(sum(spread.loads.values())) / count
    lines = [
        render(
            "rebalance.mean",
            language,
            amount=format_yuan(mean_amount.quantize(Decimal("0.01"))),
            load=mean_load.quantize(Decimal("0.1")),
        )
    ]
    for officer in officers:
        amount, load = spread.amounts[officer], spread.loads[officer]
        lines.append(
            render(
                "rebalance.officer",
                language,
                who=_who(officer, names),
                amount=format_yuan(amount),
                amount_gap=_gap(Decimal(amount), mean_amount),
                load=load,
                load_gap=_gap(Decimal(load), mean_load),
            )
        )
    return lines


def _gap(value: Decimal, mean: Decimal) -> str:
    """The distance from the mean as a signed share of it: +12.3% / -4.0%."""
    if mean == 0:
        return "—"
    share = (value - mean) / mean
    return ("+" if share >= 0 else "-") + format_rate(abs(share))


def _why_not(cases: Sequence[CaseLoad], plan: Plan, language: str) -> str:
    """Why the cases allow no closer spread: fewer cases than officers, one case above the mean and its
    tolerance (whoever holds it is over), or cases too coarse to even out finer."""
    count = len(plan.after.amounts)
    if len(cases) < count:
        return render("rebalance.reason_few", language, cases=len(cases), officers=count)
    total_fen = sum(case.outstanding_fen for case in cases)
    largest = max(cases, key=lambda case: case.outstanding_fen)
    ceiling_fen = total_fen * (TOLERANCE_DIVISOR + 1) // (count * TOLERANCE_DIVISOR)
    if largest.outstanding_fen > ceiling_fen:
        return render(
            "rebalance.reason_large",
            language,
            loan_no=largest.loan_no,
            amount=format_yuan(from_fen(largest.outstanding_fen)),
            ceiling=format_yuan(from_fen(ceiling_fen)),
        )
    return render("rebalance.reason_coarse", language)
