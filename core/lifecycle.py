"""A case's lifecycle (SPEC §2): what its status becomes after each thing that happens to it.

A case starts open (未开始), or settled when nothing is owed. A contact puts an open case to work (清收中) and a
promise to pay makes a worked case promised (承诺还款); undoing contacts and deciding promises take it back.
Nothing owed settles any case (已结清); a balance given back reopens it as worked. The statuses a person sets
by hand (litigation, asset swap, paused) stay until a person changes them, but for settling.
"""

from __future__ import annotations

from decimal import Decimal

OPEN = "open"
IN_PROGRESS = "in_progress"
PROMISED = "promised"
SETTLED = "settled"
LITIGATION = "litigation"
ASSET_SWAP = "asset_swap"
# The statuses contacts and promises move a case between; any other one is a person's decision.
WORKED = (IN_PROGRESS, PROMISED)


def first_status(owed: Decimal | int) -> str:
    """A new case's status: settled when nothing is owed on it, else open."""
    return SETTLED if owed == 0 else OPEN


def after_contact(status: str, promised: bool) -> str:
    """After a contact (with a promise to pay when `promised`): an open case is worked, a worked one with a
    promise is promised; any other status stays."""
    if status == OPEN:
        return PROMISED if promised else IN_PROGRESS
    if status == IN_PROGRESS and promised:
        return PROMISED
    return status


def after_undo(status: str, contacted: bool, promised: bool) -> str:
    """After a contact is undone: a worked case follows what is left, open when no contact remains
    (`contacted`), promised while a remaining contact's promise is open (`promised`), else worked."""
    if status not in WORKED:
        return status
    if not contacted:
        return OPEN
    return PROMISED if promised else IN_PROGRESS


def after_balance(status: str, owed: Decimal | int) -> str:
    """After the balance changed (a repayment confirmed or reversed, an import): nothing owed settles the
    case; something owed again reopens a settled case as worked."""
    if owed == 0:
        return SETTLED
    if status == SETTLED:
        return IN_PROGRESS
    return status


def after_promise_decided(status: str, promised: bool) -> str:
    """After a promise's date passed and it was decided: a promised case with no open promise left
    (`promised`) goes back to being worked."""
    if status == PROMISED and not promised:
        return IN_PROGRESS
    return status


def after_lawsuit(status: str, under_way: bool | None, contacted: bool, promised: bool) -> str:
    """After a lawsuit stage was recorded or undone: a lawsuit under way (`under_way`) puts a case still owed
    into litigation (诉讼中); one that ended without settling the case (终本, 执行完毕, 和解, 撤诉) takes it back
    to being worked, promised while a contact's promise is open. With every stage undone (`under_way` None) it
    goes back to what its contacts make it."""
    if status == SETTLED:
        return status
    if under_way:
        return LITIGATION
    if status != LITIGATION:
        return status
    if under_way is None and not contacted:
        return OPEN
    return PROMISED if promised else IN_PROGRESS


def after_asset(status: str, held: bool, contacted: bool, promised: bool) -> str:
    """After an asset was taken for the debt (`held`: its offset awaits the unit lead's decision) or that
    decision was made: a case still owed is 以资抵债中 while the offset is undecided, then goes back to what its
    contacts make it (a lawsuit under way keeps its own status)."""
    if status == SETTLED or status == LITIGATION:
        return status
    if held:
        return ASSET_SWAP
    if status != ASSET_SWAP:
        return status
    if not contacted:
        return OPEN
    return PROMISED if promised else IN_PROGRESS


def after_activity(status: str, owed: Decimal | int, contacted: bool, promised: bool) -> str:
    """After activity loaded in bulk (the demo): the balance first, then the contacts and their promises."""
    status = after_balance(status, owed)
    return after_contact(status, promised) if contacted else status
