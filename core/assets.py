"""Foreclosed assets (以资抵债, SPEC §10, 公开公平公正): an asset's kind and state and the steps between them, its
number, the disposal deadline, the reserve price after an unsold listing, and when a disposal must wait for a
leader's confirmation.

An asset is received for a debt, appraised, listed at a reserve price (each 流拍 lowers it), and disposed of;
one that cannot be sold may be leased meanwhile, which does not stop the disposal clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from core.litigation import years_after
from core.money import FEN

REAL_ESTATE = "real_estate"
EQUITY = "equity"
MOVABLE = "movable"
OTHER = "other"
KINDS = (REAL_ESTATE, EQUITY, MOVABLE, OTHER)

RECEIVED = "received"
APPRAISED = "appraised"
LISTED = "listed"
LEASED = "leased"
DISPOSED = "disposed"
STATES = (RECEIVED, APPRAISED, LISTED, LEASED, DISPOSED)

AUCTION = "auction"
TENDER = "tender"
AGREEMENT = "agreement"
PACKAGE = "package"
METHODS = (AUCTION, TENDER, AGREEMENT, PACKAGE)

# The words people write for each kind, state and method (the first is its name on cards and in the sheet).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    REAL_ESTATE: ("不动产", "房产", "房屋", "住宅", "商铺", "厂房", "土地", "土地使用权"),
    EQUITY: ("股权", "股份"),
    MOVABLE: ("动产", "车辆", "汽车", "机动车", "设备", "机器设备", "存货"),
    OTHER: ("其他",),
}
STATE_WORDS: dict[str, tuple[str, ...]] = {
    RECEIVED: ("已接收", "接收"),
    APPRAISED: ("已评估", "评估"),
    LISTED: ("挂牌中", "挂牌"),
    LEASED: ("出租中", "出租"),
    DISPOSED: ("已处置", "处置"),
}
METHOD_WORDS: dict[str, tuple[str, ...]] = {
    AUCTION: ("拍卖", "司法拍卖", "网络拍卖", "公开拍卖"),
    TENDER: ("招标", "公开招标", "竞价"),
    AGREEMENT: ("协议转让", "协议", "转让"),
    PACKAGE: ("打包", "打包转让", "打包处置"),
}

# 《银行抵债资产管理办法》: real estate and equity are disposed of within 2 years of receipt, movables within 1;
# anything else is held to the shorter term.
DISPOSAL_YEARS = {REAL_ESTATE: 2, EQUITY: 2, MOVABLE: 1, OTHER: 1}
DISPOSAL_WARNINGS = (90, 30)
# Each 流拍 lowers the reserve by this share, unless a new reserve is given.
UNSOLD_CUT = Decimal("0.20")
# Proceeds more than this share below the latest appraisal wait for a leader's or admin's confirmation.
BELOW_APPRAISAL = Decimal("0.20")

# What may be done in each state: re-appraised until disposed of, listed once appraised, 流拍 only while listed,
# disposed of once appraised (never straight from receipt), leased while unsold.
ALLOWED: dict[str, frozenset[str]] = {
    "appraise": frozenset({RECEIVED, APPRAISED, LISTED, LEASED}),
    "list": frozenset({APPRAISED, LISTED, LEASED}),
    "unsold": frozenset({LISTED}),
    "dispose": frozenset({APPRAISED, LISTED, LEASED}),
    "lease": frozenset({RECEIVED, APPRAISED, LISTED, LEASED}),
}
ACTIONS = tuple(ALLOWED)
# Every step an asset's history holds: its registration (or import), the actions above, and a leader's
# confirmation or refusal of a disposal that waited for one.
STEP_ACTIONS = ("register", "import", *ACTIONS, "confirm", "refuse")

# Each kind's and state's name as written on cards and in the 抵债资产 sheet.
KIND_NAMES = tuple(KIND_WORDS[kind][0] for kind in KINDS)
STATE_NAMES = tuple(STATE_WORDS[state][0] for state in STATES)
# The states an asset has an appraisal in (one imported in them must bring it).
APPRAISAL_NEEDED = frozenset({APPRAISED, LISTED, DISPOSED})

_NUMBER = re.compile(r"^ZC(\d{4})-(\d{4,})$", re.IGNORECASE)


def _reader(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {word: value for value, written in words.items() for word in written}
    found.update({value: value for value in words})
    return found


_KIND = _reader(KIND_WORDS)
_STATE = _reader(STATE_WORDS)
_METHOD = _reader(METHOD_WORDS)


def read_kind(word: str) -> str | None:
    """The kind a word names (`房产`, `股权`, `real_estate`); None if it names none."""
    return _KIND.get(word.strip().lower() if word.isascii() else word.strip())


def guess_kind(name: str) -> str:
    """The kind an asset's name suggests (`榆次区某小区住宅` is real estate); `other` when it names none."""
    found = [
        (len(word), kind)
        for kind, words in KIND_WORDS.items()
        if kind != OTHER
        for word in words
        if word in name
    ]
    return max(found)[1] if found else OTHER


def read_state(word: str) -> str | None:
    """The state a word names (`挂牌中`, `listed`); None if it names none."""
    return _STATE.get(word.strip().lower() if word.isascii() else word.strip())


def read_method(word: str) -> str | None:
    """The disposal method a word names (`拍卖`, `协议转让`, `auction`); None if it names none."""
    return _METHOD.get(word.strip().lower() if word.isascii() else word.strip())


def asset_number(year: int, sequence: int) -> str:
    """The asset's number: `ZC2026-0001` for the first of 2026."""
    return f"ZC{year}-{sequence:04d}"


def is_asset_number(text: str) -> bool:
    """Whether a word is an asset number (`ZC2026-0001`, any case)."""
    return _NUMBER.match(text.strip()) is not None


def normal_number(text: str) -> str:
    """An asset number as stored (`zc2026-0001` → `ZC2026-0001`)."""
    return text.strip().upper()


def refusal(action: str, state: str, appraised: bool) -> str | None:
    """Why `action` (appraise, list, unsold, dispose, lease) may not be taken on an asset in `state` (`appraised`:
    it has an appraisal), as a message key; None if it may. Listing and disposal need an appraisal first."""
    if state == DISPOSED:
        return "asset.disposed_already"
    if action in ("list", "dispose") and not appraised:
        return "asset.not_appraised"
    if state not in ALLOWED[action]:
        return "asset.not_listed" if action == "unsold" else "asset.not_now"
    return None


def state_after(action: str, state: str) -> str:
    """The asset's state after `action`: a new appraisal keeps a listed or leased asset where it is."""
    if action == "appraise":
        return state if state in (LISTED, LEASED) else APPRAISED
    if action in ("list", "unsold"):
        return LISTED
    if action == "lease":
        return LEASED
    return DISPOSED


def reserve_after_unsold(reserve: Decimal) -> Decimal:
    """The reserve price after a listing found no buyer (流拍): 20% lower, to the fen."""
    return (reserve * (1 - UNSOLD_CUT)).quantize(FEN, rounding=ROUND_HALF_UP)


def disposal_due(kind: str, received_on: date) -> date:
    """The last day to dispose of an asset received on `received_on`."""
    return years_after(received_on, DISPOSAL_YEARS[kind])


def disposal_warning(kind: str, received_on: date, today: date) -> int | None:
    """The warning due today: 90 or 30 (days before the disposal deadline) on those days exactly, else None."""
    left = (disposal_due(kind, received_on) - today).days
    return left if left in DISPOSAL_WARNINGS else None


def overdue(kind: str, received_on: date, today: date) -> bool:
    """Whether an asset not yet disposed of is past its disposal deadline."""
    return today > disposal_due(kind, received_on)


def confirmation_needed(method: str, proceeds: Decimal, appraisal: Decimal) -> str | None:
    """Why a disposal must wait for a leader's or admin's confirmation: an agreement sale (`agreement`), or
    proceeds more than 20% below the latest appraisal (`below_appraisal`); None when it need not."""
    if method == AGREEMENT:
        return "agreement"
    if proceeds < appraisal * (1 - BELOW_APPRAISAL):
        return "below_appraisal"
    return None


@dataclass(frozen=True, slots=True)
class Realised:
    """What an asset brought against what it settled: the offset amount counted as recovered, the proceeds,
    and the gain (negative: a loss). Shown side by side, never added together."""

    offset: Decimal
    proceeds: Decimal

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.offset
