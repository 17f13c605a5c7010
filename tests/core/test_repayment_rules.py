"""Principal first, and never more than is owed less what is pending."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import UserError
from core.repayment_rules import (
    Balance,
    check_confirmable,
    check_promise,
    reportable,
    split_principal_first,
    split_report,
)

D = Decimal


@pytest.mark.parametrize(
    ("amount", "principal_owed", "split"),
    [
        (D("300.00"), D("1000.00"), (D("300.00"), D("0.00"))),
        (D("1000.00"), D("1000.00"), (D("1000.00"), D("0.00"))),
        (D("1200.00"), D("1000.00"), (D("1000.00"), D("200.00"))),
        (D("50.00"), D("0.00"), (D("0.00"), D("50.00"))),
        (D("50.00"), D("-10.00"), (D("0.00"), D("50.00"))),
        (300, 1000, (300, 0)),
        (1200, 1000, (1000, 200)),
        (50, 0, (0, 50)),
    ],
)
def test_principal_first(amount: D | int, principal_owed: D | int, split: tuple[D | int, D | int]) -> None:
    principal, interest = split_principal_first(amount, principal_owed)
    assert (principal, interest) == split
    assert type(principal) is type(amount) and type(interest) is type(amount)


@pytest.mark.parametrize(("owed", "pending", "left"), [(D("100"), D("30"), D("70")), (500, 500, 0)])
def test_reportable(owed: D | int, pending: D | int, left: D | int) -> None:
    assert reportable(owed, pending) == left


# owed (principal, interest), pending (principal, interest), amount, principal part asked, split or refusal
SPLITS = [
    (("1000", "200"), ("0", "0"), "300", None, ("300.00", "0.00")),
    (("1000", "200"), ("0", "0"), "1200", None, ("1000.00", "200.00")),
    (("1000", "200"), ("0", "0"), "1200.01", None, "ledger.amount_exceeds"),
    (("1000", "200"), ("800", "0"), "400", None, ("200.00", "200.00")),
    (("1000", "200"), ("800", "0"), "400.01", None, "ledger.amount_exceeds_pending"),
    (("1000", "200"), ("1000", "200"), "0.01", None, "ledger.amount_exceeds_pending"),
    (("1000", "200"), ("0", "0"), "300", "100", ("100.00", "200.00")),
    (("1000", "200"), ("0", "0"), "300", "50", "ledger.amount_exceeds"),
    (("1000", "200"), ("0", "0"), "300", "-1", "ledger.amount_exceeds"),
    (("1000", "200"), ("900", "0"), "150", "150", "ledger.amount_exceeds"),
    (("0", "200"), ("0", "0"), "200", None, ("0.00", "200.00")),
]


@pytest.mark.parametrize(("owed", "pending", "amount", "principal_part", "expected"), SPLITS)
def test_split_report(
    owed: tuple[str, str],
    pending: tuple[str, str],
    amount: str,
    principal_part: str | None,
    expected: tuple[str, str] | str,
) -> None:
    def run() -> tuple[D, D]:
        return split_report(
            D(amount),
            Balance(*(D(v) for v in owed)),
            Balance(*(D(v) for v in pending)),
            None if principal_part is None else D(principal_part),
        )

    if isinstance(expected, str):
        with pytest.raises(UserError) as refused:
            run()
        assert refused.value.key == expected
    else:
        assert run() == (D(expected[0]), D(expected[1]))


def test_refusal_names_what_is_pending() -> None:
    with pytest.raises(UserError) as refused:
        split_report(D("500"), Balance(D("1000"), D("0")), Balance(D("600"), D("0")))
    assert refused.value.params == {
        "amount": "¥500.00",
        "available": "¥400.00",
        "owed": "¥1,000.00",
        "pending": "¥600.00",
    }


@pytest.mark.parametrize(
    ("principal", "interest", "owed", "allowed"),
    [
        ("100", "0", ("100", "0"), True),
        ("100.01", "0", ("100", "50"), False),
        ("0", "50.01", ("100", "50"), False),
        ("100", "50", ("100", "50"), True),
    ],
)
def test_check_confirmable(principal: str, interest: str, owed: tuple[str, str], allowed: bool) -> None:
    def run() -> None:
        check_confirmable(D(principal), D(interest), Balance(D(owed[0]), D(owed[1])))

    if allowed:
        run()
    else:
        with pytest.raises(UserError) as refused:
            run()
        assert refused.value.key == "ledger.amount_exceeds"


def test_check_promise() -> None:
    check_promise(D("100"), D("100"))
    with pytest.raises(UserError) as refused:
        check_promise(D("100.01"), D("100"))
    assert refused.value.key == "ledger.amount_exceeds"
