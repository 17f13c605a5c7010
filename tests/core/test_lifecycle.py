"""A case's status after each thing that happens to it, as one table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest

from core.lifecycle import (
    after_activity,
    after_asset,
    after_balance,
    after_contact,
    after_lawsuit,
    after_promise_decided,
    after_undo,
    first_status,
)
from core.vocabulary import CASE_STATUSES

OWED = Decimal("100.00")
NOTHING = Decimal("0.00")

# Each event as a function of the status before it.
EVENTS: dict[str, Callable[[str], str]] = {
    "contact": partial(after_contact, promised=False),
    "promise": partial(after_contact, promised=True),
    "undo the last contact": partial(after_undo, contacted=False, promised=False),
    "undo, a contact left": partial(after_undo, contacted=True, promised=False),
    "undo, a promise left": partial(after_undo, contacted=True, promised=True),
    "repayment confirmed, nothing owed": partial(after_balance, owed=NOTHING),
    "repayment confirmed, something owed": partial(after_balance, owed=OWED),
    "repayment reversed": partial(after_balance, owed=OWED),
    "promise decided, none open": partial(after_promise_decided, promised=False),
    "promise decided, another open": partial(after_promise_decided, promised=True),
    "lawsuit filed": partial(after_lawsuit, under_way=True, contacted=False, promised=False),
    "lawsuit ended": partial(after_lawsuit, under_way=False, contacted=True, promised=False),
    "lawsuit ended, a promise open": partial(after_lawsuit, under_way=False, contacted=True, promised=True),
    "every stage undone, no contact": partial(after_lawsuit, under_way=None, contacted=False, promised=False),
    "every stage undone, a contact left": partial(
        after_lawsuit, under_way=None, contacted=True, promised=False
    ),
    "asset taken, offset awaiting the lead": partial(after_asset, held=True, contacted=False, promised=False),
    "offset decided, no contact": partial(after_asset, held=False, contacted=False, promised=False),
    "offset decided, a promise open": partial(after_asset, held=False, contacted=True, promised=True),
}

ROWS: list[tuple[str, str, str]] = [
    # status before, event, status after
    ("open", "contact", "in_progress"),
    ("in_progress", "contact", "in_progress"),
    ("promised", "contact", "promised"),
    ("litigation", "contact", "litigation"),
    ("asset_swap", "contact", "asset_swap"),
    ("paused", "contact", "paused"),
    ("settled", "contact", "settled"),
    ("open", "promise", "promised"),
    ("in_progress", "promise", "promised"),
    ("promised", "promise", "promised"),
    ("litigation", "promise", "litigation"),
    ("paused", "promise", "paused"),
    ("settled", "promise", "settled"),
    ("in_progress", "undo the last contact", "open"),
    ("promised", "undo the last contact", "open"),
    ("open", "undo the last contact", "open"),
    ("litigation", "undo the last contact", "litigation"),
    ("settled", "undo the last contact", "settled"),
    ("promised", "undo, a contact left", "in_progress"),
    ("in_progress", "undo, a contact left", "in_progress"),
    ("in_progress", "undo, a promise left", "promised"),
    ("promised", "undo, a promise left", "promised"),
    ("asset_swap", "undo, a promise left", "asset_swap"),
    ("open", "repayment confirmed, nothing owed", "settled"),
    ("in_progress", "repayment confirmed, nothing owed", "settled"),
    ("promised", "repayment confirmed, nothing owed", "settled"),
    ("litigation", "repayment confirmed, nothing owed", "settled"),
    ("paused", "repayment confirmed, nothing owed", "settled"),
    ("settled", "repayment confirmed, nothing owed", "settled"),
    ("open", "repayment confirmed, something owed", "open"),
    ("promised", "repayment confirmed, something owed", "promised"),
    ("litigation", "repayment confirmed, something owed", "litigation"),
    ("settled", "repayment reversed", "in_progress"),
    ("in_progress", "repayment reversed", "in_progress"),
    ("promised", "promise decided, none open", "in_progress"),
    ("promised", "promise decided, another open", "promised"),
    ("in_progress", "promise decided, none open", "in_progress"),
    ("litigation", "promise decided, none open", "litigation"),
    ("settled", "promise decided, none open", "settled"),
    ("open", "lawsuit filed", "litigation"),
    ("in_progress", "lawsuit filed", "litigation"),
    ("promised", "lawsuit filed", "litigation"),
    ("paused", "lawsuit filed", "litigation"),
    ("asset_swap", "lawsuit filed", "litigation"),
    ("litigation", "lawsuit filed", "litigation"),
    ("settled", "lawsuit filed", "settled"),
    ("litigation", "lawsuit ended", "in_progress"),
    ("litigation", "lawsuit ended, a promise open", "promised"),
    ("paused", "lawsuit ended", "paused"),
    ("settled", "lawsuit ended", "settled"),
    ("litigation", "every stage undone, no contact", "open"),
    ("litigation", "every stage undone, a contact left", "in_progress"),
    ("in_progress", "every stage undone, a contact left", "in_progress"),
    ("open", "asset taken, offset awaiting the lead", "asset_swap"),
    ("promised", "asset taken, offset awaiting the lead", "asset_swap"),
    ("paused", "asset taken, offset awaiting the lead", "asset_swap"),
    ("litigation", "asset taken, offset awaiting the lead", "litigation"),
    ("settled", "asset taken, offset awaiting the lead", "settled"),
    ("asset_swap", "offset decided, no contact", "open"),
    ("asset_swap", "offset decided, a promise open", "promised"),
    ("in_progress", "offset decided, no contact", "in_progress"),
    ("settled", "offset decided, no contact", "settled"),
]


@pytest.mark.parametrize(("before", "event", "after"), ROWS)
def test_status_after_event(before: str, event: str, after: str) -> None:
    assert EVENTS[event](before) == after


def test_every_status_is_in_the_table() -> None:
    assert {before for before, *_ in ROWS} == set(CASE_STATUSES)


@pytest.mark.parametrize(
    ("owed", "status"), [(Decimal("0.00"), "settled"), (Decimal("0.01"), "open"), (0, "settled"), (5, "open")]
)
def test_first_status(owed: Decimal | int, status: str) -> None:
    assert first_status(owed) == status


@pytest.mark.parametrize(
    ("before", "owed", "contacted", "promised", "after"),
    [
        ("open", NOTHING, True, True, "settled"),
        ("open", OWED, True, True, "promised"),
        ("open", OWED, True, False, "in_progress"),
        ("open", OWED, False, False, "open"),
        ("open", NOTHING, False, False, "settled"),
        ("settled", NOTHING, False, False, "settled"),
    ],
)
def test_status_after_loaded_activity(
    before: str, owed: Decimal, contacted: bool, promised: bool, after: str
) -> None:
    assert after_activity(before, owed, contacted, promised) == after


def test_every_event_is_in_the_table() -> None:
    assert {event for _, event, _ in ROWS} == set(EVENTS)
