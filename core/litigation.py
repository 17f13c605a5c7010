"""Litigation (SPEC §10, 快立快审快执快结): a case's lawsuit stages and the order they come in, the court's case
number (案号), the legal deadlines that follow from the stages, and the statute of limitations (诉讼时效).

A case's stages are one sequence: a first instance is filed, heard and judged (or mediated), maybe appealed (a
new filing), then enforced; an enforcement may be suspended for want of property (终本) and resumed. Which
proceeding a stage belongs to is read from its case number (民初 first instance, 民终 appeal, 执 enforcement).
"""

from __future__ import annotations

import calendar
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from core.dates import find_date
from core.errors import UserError
from core.intent import find_amount

FILED = "filed"
HEARING = "hearing"
JUDGED = "judged"
MEDIATED = "mediated"
ENFORCEMENT = "enforcement"
SUSPENDED = "suspended"
RESUMED = "resumed"
ENFORCED = "enforced"
SETTLED = "settled"
WITHDRAWN = "withdrawn"
STAGES = (FILED, HEARING, JUDGED, MEDIATED, ENFORCEMENT, SUSPENDED, RESUMED, ENFORCED, SETTLED, WITHDRAWN)

# Stages after which the lawsuit is under way; the others end it (终本 until it is resumed).
UNDER_WAY = frozenset({FILED, HEARING, JUDGED, MEDIATED, ENFORCEMENT, RESUMED})
ENDS = frozenset({SUSPENDED, ENFORCED, SETTLED, WITHDRAWN})

# What may come after the case's latest stage (None: no stage yet). A new lawsuit may be filed after any end,
# and a judgment may be appealed (a new filing); a settlement not kept is enforced on the judgment.
FOLLOWS: dict[str | None, frozenset[str]] = {
    None: frozenset({FILED}),
    FILED: frozenset({HEARING, JUDGED, MEDIATED, SETTLED, WITHDRAWN}),
    HEARING: frozenset({HEARING, JUDGED, MEDIATED, SETTLED, WITHDRAWN}),
    JUDGED: frozenset({FILED, ENFORCEMENT, SETTLED}),
    MEDIATED: frozenset({ENFORCEMENT, SETTLED}),
    ENFORCEMENT: frozenset({SUSPENDED, ENFORCED, SETTLED}),
    SUSPENDED: frozenset({RESUMED, SETTLED}),
    RESUMED: frozenset({SUSPENDED, ENFORCED, SETTLED}),
    ENFORCED: frozenset({FILED}),
    SETTLED: frozenset({FILED, ENFORCEMENT, RESUMED}),
    WITHDRAWN: frozenset({FILED}),
}

# The words officers write for each stage (the first is the stage's name on cards and in the sheet).
STAGE_WORDS: dict[str, tuple[str, ...]] = {
    FILED: ("立案", "起诉", "已起诉", "已立案", "上诉"),
    HEARING: ("开庭", "已开庭"),
    JUDGED: ("判决", "已判决", "判决了", "胜诉"),
    MEDIATED: ("调解", "调解结案", "法院调解"),
    ENFORCEMENT: ("申请执行", "申请强制执行", "强制执行"),
    SUSPENDED: ("终本", "终结本次执行"),
    RESUMED: ("恢复执行",),
    ENFORCED: ("执行完毕", "执行结案"),
    SETTLED: ("和解", "执行和解"),
    WITHDRAWN: ("撤诉",),
}
# Each stage's name as written on cards and in the 诉讼 sheet.
STAGE_NAMES = tuple(STAGE_WORDS[stage][0] for stage in STAGES)
_WORD_STAGE = {word: stage for stage, words in STAGE_WORDS.items() for word in words}
_WORD_STAGE.update({stage: stage for stage in STAGES})

# 2023 Civil Procedure Law art. 250: enforcement is applied for within 2 years of the performance date.
ENFORCEMENT_WINDOW_YEARS = 2
# Ordinary procedure: a first instance within 6 months (art. 152); an enforcement within 6 months (the SPC's
# rules on enforcement time limits). Past these a lawsuit is slow.
SLOW_AFTER_MONTHS = 6
# Civil Code art. 188: three years, started again by a payment, an acknowledgment or a lawsuit (art. 195).
STATUTE_YEARS = 3
STATUTE_WARNINGS = (180, 90, 30)
# Seizures and freezes lapse (SPC rules on preservation, art. 485 of the Civil Procedure Law's interpretation).
SEIZURE_YEARS = {"deposit": 1, "movable": 2, "real_estate": 3}
# A warning for a deadline that is not the statute (enforcement application, a seizure's lapse).
DEADLINE_WARNING_DAYS = 30
# A seizure that lapsed is told of this long (to check that it was renewed, or record the renewal with the next
# stage), then only shown on the card: the to-do is for what can still be done.
LAPSED_SEIZURE_SHOWN_DAYS = 30


def read_stage(word: str) -> str | None:
    """The stage a word names (`立案`, `申请执行`, `filed`), else None."""
    return _WORD_STAGE.get(word.strip().lower() if word.isascii() else word.strip())


# In a report written in words only the unmistakable words count: 调解 alone is a mediation visit, 起诉 alone
# may be a threat (告知将起诉), 和解 an agreement with the borrower.
_AMBIGUOUS_IN_TEXT = frozenset({"起诉", "上诉", "调解", "和解", "胜诉"})
# A word after these is a plan or a denial (拟起诉, 尚未立案), not a stage reached.
_NOT_YET = ("未", "没", "不", "将", "拟", "准备", "计划")


def stage_in_text(text: str) -> str | None:
    """The stage a report written in words names (`L… 今天立案 …`): its longest unmistakable word, not one
    planned or denied (`拟起诉`, `尚未立案`); else None."""
    found: list[tuple[int, str]] = []
    for word, stage in _WORD_STAGE.items():
        if word.isascii() or word in _AMBIGUOUS_IN_TEXT:
            continue
        at = text.find(word)
        while at != -1:
            if not text[:at].endswith(_NOT_YET):
                found.append((len(word), stage))
                break
            at = text.find(word, at + 1)
    return max(found)[1] if found else None


def may_follow(latest: str | None, stage: str) -> bool:
    """Whether `stage` may be recorded after the case's latest stage (None: the case has none yet)."""
    return stage in FOLLOWS.get(latest, frozenset())


def expected_after(latest: str | None) -> tuple[str, ...]:
    """The stages that may come next, in the order of STAGES (for a refusal that says what would do)."""
    allowed = FOLLOWS.get(latest, frozenset())
    return tuple(stage for stage in STAGES if stage in allowed)


def under_way(latest: str | None) -> bool:
    """Whether a lawsuit is under way after this stage."""
    return latest in UNDER_WAY


# The court's case number: （2026）晋0102民初123号. The year in brackets (full- or half-width), the court's code,
# the kind of proceeding, the number.
_CASE_NUMBER = re.compile(
    r"[（(]\s*(\d{4})\s*[）)]\s*([\u4e00-\u9fff]{0,2}\d{0,6})([\u4e00-\u9fff]{1,4}?)(\d+)号"
)


class CaseNumber(NamedTuple):
    """A 案号 read from a note: the text as written, its year, the court's code and the proceeding."""

    text: str
    year: int
    court_code: str
    proceeding: str  # first_instance, appeal, enforcement, resumed_enforcement, preservation, other


def find_case_number(text: str) -> CaseNumber | None:
    """The first court case number in a text, with what kind of proceeding it names."""
    match = _CASE_NUMBER.search(text)
    if match is None:
        return None
    year, court, kind, _number = match.groups()
    return CaseNumber(match.group(0), int(year), court, _proceeding(kind))


def _proceeding(kind: str) -> str:
    if kind.startswith("执恢"):
        return "resumed_enforcement"
    if kind.startswith("执保"):
        return "preservation"
    if kind.startswith("执"):
        return "enforcement"
    if kind.endswith("终"):
        return "appeal"
    if kind.endswith("初"):
        return "first_instance"
    return "other"


_COURT = re.compile(r"([\u4e00-\u9fff]{2,20}?(?:人民法院|法院))")
# A written date (12月1日, 1号) before the court is no part of its name.
_DATE_WORDS = re.compile(r"\d+\s*[年月日号]")
# Words that may stand right before a court's name without a space (今天立案榆次区法院, 已向榆次区法院起诉): the
# name starts after the last of them. None of them occurs in a court's name (向 and 于 do: 向阳区, 于都县).
_BEFORE_COURT = ("今天", "昨天", "前天", "已经", "已向", "并向", "已在", "已", "在", "到")


def find_court(text: str) -> str | None:
    """The court a note names (`晋中市榆次区人民法院`), else None."""
    match = _COURT.search(_DATE_WORDS.sub(" ", text))
    if match is None:
        return None
    name = match.group(1)
    cuts = [word for word in _WORD_STAGE if not word.isascii()] + list(_BEFORE_COURT)
    for word in sorted(cuts, key=len, reverse=True):
        at = name.rfind(word)
        if at != -1 and at + len(word) < len(name):
            name = name[at + len(word) :]
    return name if name not in ("法院", "人民法院") else None


_CLAIMED_WORDS = ("标的", "诉请", "诉讼请求", "起诉金额", "请求金额")
_COSTS_WORDS = ("诉讼费", "受理费", "执行费", "保全费", "律师费", "费用")
_CLAIM_WORD = re.compile("|".join(sorted(_CLAIMED_WORDS + _COSTS_WORDS, key=len, reverse=True)))


def find_claims(note: str) -> tuple[Decimal | None, Decimal | None]:
    """The amount claimed (`标的12万`) and the costs (`诉讼费3,000元`) a note names: the first amount after each
    word, before the next such word; None for either not named or not written as an amount."""
    words = list(_CLAIM_WORD.finditer(note))
    claimed = costs = None
    ends = [word.start() for word in words[1:]] + [len(note)]
    for word, end in zip(words, ends[: len(words)], strict=True):
        amount = _amount_in(note[word.end() : end])
        if word.group() in _COSTS_WORDS:
            costs = costs if costs is not None else amount
        else:
            claimed = claimed if claimed is not None else amount
    return claimed, costs


def _amount_in(clause: str) -> Decimal | None:
    try:
        found = find_amount(clause)
    except UserError:
        return None
    return found[0] if found else None


def years_after(day: date, years: int) -> date:
    """The same day `years` later; a 29 February falls on the month's last day (Civil Code art. 202)."""
    return months_after(day, 12 * years)


def months_after(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (Civil Code art. 202)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class StatuteStart:
    """What the statute of limitations runs from: the day and what happened then."""

    day: date
    reason: str  # imported, repayment, acknowledged, filed


@dataclass(frozen=True, slots=True)
class Statute:
    """When a case's statute of limitations runs out, and what that rests on."""

    expires_on: date
    start: StatuteStart | None  # None: the imported expiry, nothing later known

    def days_left(self, today: date) -> int:
        return (self.expires_on - today).days

    def expired(self, today: date) -> bool:
        return today > self.expires_on

    def warning(self, today: date) -> int | None:
        """The warning due today: 180, 90 or 30 on those days exactly (the to-do's reminders), else None."""
        left = self.days_left(today)
        return left if left in STATUTE_WARNINGS else None


def statute(imported: date | None, interruptions: list[StatuteStart]) -> Statute | None:
    """The statute of limitations from the imported expiry and what started it again since (a confirmed
    repayment, an acknowledgment signed, a lawsuit filed): three years from the latest of them, never earlier
    than the imported expiry. None when nothing is known."""
    latest = max(interruptions, key=lambda start: start.day, default=None)
    if latest is None:
        return None if imported is None else Statute(imported, None)
    expires = years_after(latest.day, STATUTE_YEARS)
    if imported is not None and imported >= expires:
        return Statute(imported, None)
    return Statute(expires, latest)


@dataclass(frozen=True, slots=True)
class StageEntry:
    """One recorded stage of a case's litigation."""

    stage: str
    on: date
    note: str = ""


@dataclass(frozen=True, slots=True)
class LegalDeadline:
    """A deadline the litigation sets: what, by when, and from which stage."""

    kind: str  # enforcement_due, seizure_lapses
    due_on: date
    since: date
    detail: str = ""

    def warn(self, today: date) -> bool:
        """Whether the to-do shows it today: from DEADLINE_WARNING_DAYS before it until it is dealt with (a
        lapsed seizure, until LAPSED_SEIZURE_SHOWN_DAYS after it)."""
        if today < self.due_on - timedelta(days=DEADLINE_WARNING_DAYS):
            return False
        return self.kind != "seizure_lapses" or today <= self.due_on + timedelta(
            days=LAPSED_SEIZURE_SHOWN_DAYS
        )


_SEIZURE = re.compile(r"(查封|冻结|扣押|续封|续冻|续扣)")
_SEIZED_KIND = (
    ("real_estate", ("房", "土地", "不动产", "厂房", "商铺", "宅基")),
    ("deposit", ("存款", "账户", "银行卡", "资金")),
)


_RELEASE = re.compile(r"解除(?:查封|冻结|扣押)|解封|解冻")


def seizure_kind(note: str) -> str | None:
    """What a note says was seized or frozen: deposit, movable or real_estate; None if nothing was."""
    if _SEIZURE.search(note) is None:
        return None
    for kind, words in _SEIZED_KIND:
        if any(word in note for word in words):
            return kind
    return "deposit" if "冻" in note else "movable"


def legal_deadlines(stages: list[StageEntry]) -> list[LegalDeadline]:
    """The deadlines still open on a case's stages (oldest first): enforcement to be applied for within two
    years of the performance date of a judgment or mediation not yet enforced, and each seizure or freeze that
    lapses. A later seizure of the same kind (a renewal, 续封) runs from its own day; a release (解封, 解冻) or
    the lawsuit's end (执行完毕, 和解, 撤诉) ends them all."""
    decided: StageEntry | None = None
    seized: dict[str, StageEntry] = {}
    for entry in stages:
        if entry.stage in (JUDGED, MEDIATED):
            decided = entry
        elif entry.stage in (ENFORCEMENT, SETTLED, FILED, WITHDRAWN):
            decided = None
        if entry.stage in (ENFORCED, SETTLED, WITHDRAWN) or _RELEASE.search(entry.note):
            seized.clear()
            continue
        kind = seizure_kind(entry.note)
        if kind is not None:
            seized[kind] = entry
    deadlines = [
        LegalDeadline("seizure_lapses", years_after(entry.on, SEIZURE_YEARS[kind]), entry.on, kind)
        for kind, entry in seized.items()
    ]
    if decided is not None:
        performed = performance_day(decided)
        due = years_after(performed, ENFORCEMENT_WINDOW_YEARS)
        deadlines.append(LegalDeadline("enforcement_due", due, performed))
    return sorted(deadlines, key=lambda deadline: deadline.due_on)


# 履行期限至2026年7月10日, 履行期届满日2026-07-10: the words before the last day to perform a judgment.
_PERFORMANCE = re.compile(r"履行(?:期限|期间|期)?(?:届满|截止|截至|至|到)?(?:日期|日)?(?:为|是)?[:：\s]*")
_PERFORMANCE_REACH = 16  # characters after those words that may hold the date


def performance_day(decided: StageEntry) -> date:
    """The last day to perform a judgment or mediation, as the stage's note writes it (`履行期限至7月10日`);
    else the day of the judgment itself, which can only bring the enforcement deadline earlier, never later."""
    for match in _PERFORMANCE.finditer(decided.note):
        try:
            found = find_date(decided.note[match.end() : match.end() + _PERFORMANCE_REACH], decided.on)
        except UserError:
            continue
        if found is not None and found[0] >= decided.on:
            return found[0]
    return decided.on


def slow_since(stages: list[StageEntry], today: date) -> StageEntry | None:
    """The stage a lawsuit has been stuck at too long: a first instance filed over six months ago and not yet
    decided, or an enforcement applied for (or resumed) over six months ago and not finished. None if neither."""
    if not stages:
        return None
    latest = stages[-1]
    opened = next((entry for entry in reversed(stages) if entry.stage in (FILED, ENFORCEMENT, RESUMED)), None)
    if opened is None or latest.stage not in (FILED, HEARING, ENFORCEMENT, RESUMED):
        return None
    return opened if months_after(opened.on, SLOW_AFTER_MONTHS) < today else None


def days_per_stage(days: Sequence[date], today: date) -> list[int]:
    """The days each stage lasted, given the days they were reached (oldest first): until the next one, the
    latest until today."""
    return [(end - start).days for start, end in zip(days, [*days[1:], today], strict=True)]


@dataclass(frozen=True, slots=True)
class LawsuitFigures:
    """Lawsuits of a unit or the campaign: how many stand at each stage, the median days from filing to a
    judgment (or mediation) and from it to enforcement finished, and those stuck over six months."""

    at_stage: dict[str, int]
    filed_to_judged: int | None
    judged_to_enforced: int | None
    slow: list[tuple[str, StageEntry, int]]  # loan number, the stage it is stuck at, days since


def lawsuit_figures(stages_by_loan: dict[str, list[StageEntry]], today: date) -> LawsuitFigures:
    """The figures of every case's stages (each case's oldest first)."""
    at_stage: dict[str, int] = {}
    to_judgment: list[int] = []
    to_enforced: list[int] = []
    slow: list[tuple[str, StageEntry, int]] = []
    for loan_no, stages in stages_by_loan.items():
        if not stages:
            continue
        at_stage[stages[-1].stage] = at_stage.get(stages[-1].stage, 0) + 1
        filed = decided = None
        for entry in stages:
            if entry.stage == FILED:
                filed = entry.on
            elif entry.stage in (JUDGED, MEDIATED) and filed is not None:
                to_judgment.append((entry.on - filed).days)
                decided, filed = entry.on, None
            elif entry.stage == ENFORCED and decided is not None:
                to_enforced.append((entry.on - decided).days)
                decided = None
        stuck = slow_since(stages, today)
        if stuck is not None:
            slow.append((loan_no, stuck, (today - stuck.on).days))
    slow.sort(key=lambda item: -item[2])
    return LawsuitFigures(
        {stage: at_stage[stage] for stage in STAGES if stage in at_stage},
        _median(to_judgment),
        _median(to_enforced),
        slow,
    )


def _median(days: list[int]) -> int | None:
    return round(statistics.median(days)) if days else None
