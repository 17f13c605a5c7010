"""Free text from the field: what an officer's message reports (a repayment, a contact) and the words for it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from core.dates import find_date
from core.errors import UserError
from core.money import parse_amount
from core.vocabulary import CONTACT_CHANNELS, CONTACT_OUTCOMES, REPAYMENT_METHODS


@dataclass(frozen=True, slots=True)
class Intent:
    """What one message reports; the caller checks it against the ledger and asks when something is missing."""

    kind: Literal["repayment", "contact", "unknown"]
    loan_numbers: tuple[str, ...] = ()
    amount: Decimal | None = None  # repayment amount
    method: str | None = None  # repayment method (None: not said)
    day: date | None = None  # repayment date (default today) or contact date
    channel: str | None = None
    outcome: str | None = None
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    note: str = ""  # the message text, trimmed (kept as the note)


# Words for each stored value. A word mapped to None is a longer phrase that only looks like one of the words
# (保证人 is not 保证, 诉讼时效 is not a lawsuit): the longest word wins where several start at one place.
_CHANNEL_WORDS: dict[str, str | None] = {
    "上门": "visit",
    "走访": "visit",
    "拜访": "visit",
    "实地": "visit",
    "电话": "phone",
    "打电话": "phone",
    "致电": "phone",
    "短信": "message",
    "微信": "message",
    "信息": "message",
    "消息": "message",
    "调解": "mediation",
    "催收函": "letter",
    "律师函": "letter",
    "函件": "letter",
    "发函": "letter",
    "法院": "court",
    "起诉": "court",
    "诉讼": "court",
    "诉讼时效": None,
}
_OUTCOME_WORDS: dict[str, str | None] = {
    "已联系": "reached",
    "联系上": "reached",
    "联系到": "reached",
    "见到": "reached",
    "见面": "reached",
    "接通": "reached",
    # Saying the debt is not disputed means the borrower was reached.
    "无异议": "reached",
    "没异议": "reached",
    "没有异议": "reached",
    "承诺": "promise",
    "答应": "promise",
    "承诺还款": "promise",
    "保证": "promise",
    "保证人": None,
    "保证金": None,
    "未承诺": None,
    "没承诺": None,
    "没有承诺": None,
    "拒绝": "refused",
    "拒还": "refused",
    "不还": "refused",
    "拒不": "refused",
    "不承诺": "refused",
    "不答应": "refused",
    "拒绝承诺": "refused",
    "失联": "unreachable",
    "联系不上": "unreachable",
    "找不到": "unreachable",
    "无人": "unreachable",
    "没联系上": "unreachable",
    "未联系上": "unreachable",
    "无法联系": "unreachable",
    "没见到": "unreachable",
    "未见到": "unreachable",
    "没见面": "unreachable",
    "未见面": "unreachable",
    "没找到": "unreachable",
    "打不通": "unreachable",
    "没接通": "unreachable",
    "未接通": "unreachable",
    "无法接通": "unreachable",
    "不在家": "unreachable",
    "异议": "dispute",
    "有异议": "dispute",
    "困难": "hardship",
    "无力": "hardship",
    "没钱": "hardship",
    "已还款": "paid",
    "已还清": "paid",
    "已结清": "paid",
}
_METHOD_WORDS: dict[str, str | None] = {
    "现金": "cash",
    "转账": "transfer",
    "汇款": "transfer",
    "银行转账": "transfer",
    "以资抵债": "asset",
    "抵债": "asset",
    "法院执行": "court",
    "执行": "court",
    "担保人代偿": "guarantor",
    "担保人": "guarantor",
    "保证人": "guarantor",
    "代偿": "guarantor",
    "其他": "other",
}
# When a message names several outcomes, the one that matters most for the next step is kept: 见到本人 拒绝还款
# is a refusal, not just a visit that reached the borrower.
_OUTCOME_STRENGTH = ("paid", "promise", "dispute", "refused", "hardship", "unreachable", "reached")
# Method words that say money moved. 担保人, 执行 and 其他 name a party or a process, which a contact note also
# mentions ("担保人拒绝代偿", "申请执行"), so they take a paid verb to make a repayment.
_PAYMENT_METHOD_WORDS = ("现金", "转账", "汇款", "以资抵债", "抵债", "代偿")

# 拒绝还款, 没有还清, 无力偿还: a paid word after a negation says it was not paid.
_AFFIRMED = r"(?<![不没未拒绝无别])(?<!无力|难以|没有|无法|不能|不愿|不肯)"
_PAID_VERBS = (
    "还款(?!困难|能力|意愿|计划|方案|日期|时间|期限|压力|来源|承诺|日)",
    "还了(?!解)",
    "已经还",
    "归还",
    "已还",
    "收回",
    "还清",
    "偿还",
    "结清",
    "收到(?!短信|通知|信息|消息|微信|传票|催收函|律师函)",
)
_PAID = re.compile(_AFFIRMED + "(?:" + "|".join(_PAID_VERBS) + ")")
# Words that can only report the past. They keep a message a repayment even when it also mentions a promise
# (上月承诺的5万 昨天已还款), where a bare 还款 after 承诺 is the promise itself (答应下个月还款).
_PAID_PAST = re.compile(
    _AFFIRMED + "(?:还了(?!解)|已还|已经还|已归还|归还了|已偿还|已收回|已收到|已结清|已经结清)"
)
_PAYMENT_METHOD = re.compile(_AFFIRMED + "(?:" + "|".join(_PAYMENT_METHOD_WORDS) + ")")

# Loan numbers: a short Latin prefix and at least four digits, standing alone (not inside a longer token).
_LOAN_NUMBER = re.compile(r"(?<![0-9A-Za-z_])(?P<prefix>[A-Za-z]{1,4})(?P<digits>[0-9]{4,})(?![0-9A-Za-z_])")
# RMB5000 is an amount, not loan RMB5000.
_CURRENCY_CODES = frozenset({"RMB", "CNY"})
# Numbers that identify someone rather than count money: mobile numbers (11 digits from 1, maybe +86 and
# spaced 3-4-4), and ID, bank-card and account numbers (12 digits or more; a 12-digit amount is 千亿 yuan).
_IDENTIFIERS = (
    re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[0-9]{2}([ -]?)[0-9]{4}\1[0-9]{4}(?![0-9])"),
    re.compile(r"(?<![0-9])[0-9]{12,}[Xx]?(?![0-9A-Za-z])"),
)

# Amounts as written inside a message; parse_amount reads the value, this only finds where one is written.
_CN_DIGITS = "零〇一二两兩三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖"
_CN_UNITS = "十拾百佰千仟万萬亿億"
_BIG_UNITS = frozenset("百佰千仟万萬亿億")
_AMOUNT = re.compile(
    rf"""
    (?P<sign>[-负])?
    (?:(?P<currency>[¥￥]|人民币|(?i:rmb|cny))\ ?)?
    (?P<body>
        (?P<arabic>(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\.[0-9]+)?
            (?:\ ?[{_CN_UNITS}]+(?:零?[0-9]+[{_CN_UNITS}]*)*)?)
      | (?P<chinese>[{_CN_DIGITS}几十拾][{_CN_DIGITS}几{_CN_UNITS}]*(?:点[{_CN_DIGITS}]+[{_CN_UNITS}]*)?)
    )
    # 五万多, 5万余元: an approximate amount, which parse_amount refuses so that the officer is asked.
    (?P<approximate>多|余(?![额款下])|几)?
    (?P<tail>\ ?(?:元整|圆整|元正|圆正|块钱|[元圆块](?:[0-9{_CN_DIGITS}][角毛])?(?:零?[0-9{_CN_DIGITS}]分)?
        |[角毛](?:零?[0-9{_CN_DIGITS}]分)?))?
    """,
    re.VERBOSE,
)
# A number touching these is part of something else: a code, a masked ID (3301****1234), a time (10:30), a
# date (13/45, 2026-13-01), a version (v1.5).
_JOINED = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_/:*#@.\\")
# A number followed by these counts something other than yuan: 3次, 2笔, 12月, 10号, 3点, 5%, 第3期.
_NOT_MONEY_AFTER = re.compile(
    r"次|期|个|笔|天|日|号|月|年|周|岁|人|户|名|位|家|间|套|亩|平|米|辆|台|层|楼|点|分|秒|小时|%|倍|条|张|份"
    r"|项|页|本|件|成|折|届|批|轮|遍|趟|回|栋|幢"
)
# Only the positions of dates matter when blanking them, and in a leap year every 2月29日 is a real day.
_ANY_LEAP_YEAR_DAY = date(2024, 6, 1)
# A message names a handful of dates at most; the cap bounds the work on pathological text.
_MAX_DATES = 16


def read_channel(word: str) -> str | None:
    """The contact channel a word names (`visit`, `上门`, `打电话`…), or None."""
    return _read_word(word, CONTACT_CHANNELS, _CHANNEL_WORDS, _earliest)


def read_outcome(word: str) -> str | None:
    """The contact outcome a word names (`promise`, `承诺还款`, `联系不上`…), or None."""
    return _read_word(word, CONTACT_OUTCOMES, _OUTCOME_WORDS, _strongest)


def read_method(word: str) -> str | None:
    """The repayment method a word names (`cash`, `现金`, `银行转账`…), or None."""
    return _read_word(word, REPAYMENT_METHODS, _METHOD_WORDS, _earliest)


def find_loan_numbers(text: str) -> list[str]:
    """The loan numbers written in a message (`L2023001`, `DK20230001`), upper-cased, in order, each once."""
    found: list[str] = []
    for match in _LOAN_NUMBER.finditer(_half_width(text)):
        number = match.group().upper()
        if match["prefix"].upper() not in _CURRENCY_CODES and number not in found:
            found.append(number)
    return found


def find_amount(text: str) -> tuple[Decimal, str] | None:
    """The first amount in a message and the words that wrote it; UserError when those words are no amount."""
    working, _ = _take_dates(_without_identifiers(_half_width(text)), None)
    spans = _amount_spans(working)
    if not spans:
        return None
    return _read_amount(text, spans[0])


def read_message(text: str, today: date) -> Intent:
    """What a free-text message reports: a repayment, a contact (maybe with a promise), or nothing we know."""
    note = text.strip()
    loan_numbers = tuple(find_loan_numbers(text))
    working = _without_identifiers(_half_width(text))
    channels = _find_words(working, _CHANNEL_WORDS)
    outcomes = _find_words(working, _OUTCOME_WORDS)
    paid = _PAID.search(working)
    promise_at = next((start for start, value in outcomes if value == "promise"), None)
    is_promise = promise_at is not None and not _PAID_PAST.search(working)

    if (paid or _PAYMENT_METHOD.search(working)) and not is_promise:
        working, dates = _take_dates(working, today)
        spans = _amount_spans(working)
        if spans:
            # 欠10万 还了3万: the amount is the one after the paid word.
            anchor = paid.start() if paid else 0
            amount, _ = _read_amount(text, next((s for s in spans if s[0] >= anchor), spans[0]))
            method = _earliest([value for _, value in _find_words(working, _METHOD_WORDS)])
            return Intent(
                kind="repayment",
                loan_numbers=loan_numbers,
                amount=amount,
                method=method,
                day=_repayment_day(dates, promise_at, today),
                note=note,
            )

    channel = _earliest([value for _, value in channels])
    outcome = _strongest([value for _, value in outcomes])
    if channel is None and outcome is None:
        return Intent(kind="unknown", loan_numbers=loan_numbers, note=note)

    working, dates = _take_dates(working, today)
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    if outcome == "promise" and promise_at is not None:
        spans = _amount_spans(working)
        if spans:
            # 欠5万 承诺12月10日前还3万: the promised amount is the one after the promise.
            promise_amount, _ = _read_amount(text, next((s for s in spans if s[0] >= promise_at), spans[0]))
        promised = _promise_date(dates, promise_at, today)
        if promised is not None:
            promise_date = promised[1]
            dates = [found for found in dates if found is not promised]
    return Intent(
        kind="contact",
        loan_numbers=loan_numbers,
        day=_contact_day(dates, today),
        channel=channel,
        outcome=outcome or "reached",
        promise_amount=promise_amount,
        promise_date=promise_date,
        note=note,
    )


def _read_word(
    word: str,
    values: tuple[str, ...],
    words: Mapping[str, str | None],
    choose: Callable[[list[str | None]], str | None],
) -> str | None:
    """A stored value from its own name or a Chinese word; a phrase (见到本人 拒绝还款) is searched for words."""
    text = word.strip()
    if text.lower() in values:
        return text.lower()
    if text in words:
        return words[text]
    return choose([value for _, value in _find_words(_half_width(text), words)])


def _find_words(text: str, words: Mapping[str, str | None]) -> list[tuple[int, str | None]]:
    """Where each vocabulary word occurs, longest first at any one place, with the value it names."""
    return [(match.start(), words[match.group()]) for match in _words_pattern(words).finditer(text)]


_PATTERNS: dict[int, tuple[Mapping[str, str | None], re.Pattern[str]]] = {}


def _words_pattern(words: Mapping[str, str | None]) -> re.Pattern[str]:
    # Longest first, so that 联系不上 and 保证人 are read before the 联系/保证 inside them. Built once per
    # vocabulary (they are module constants): sorting and escaping them cost more than the search.
    known = _PATTERNS.get(id(words))
    if known is not None and known[0] is words:
        return known[1]
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))
    _PATTERNS[id(words)] = (words, pattern)
    return pattern


def _earliest(values: list[str | None]) -> str | None:
    return next((value for value in values if value is not None), None)


def _strongest(values: list[str | None]) -> str | None:
    return next((outcome for outcome in _OUTCOME_STRENGTH if outcome in values), None)


def _half_width(text: str) -> str:
    """Full-width letters, digits and signs as ASCII, one character for one, so positions match the input."""
    return "".join(
        chr(ord(char) - 0xFEE0) if "！" <= char <= "～" else " " if char == "\u3000" else char
        for char in text
    )


def _blank(text: str, start: int, end: int) -> str:
    # Spaces keep every later position where it was and keep the words on either side apart.
    return text[:start] + " " * (end - start) + text[end:]


def _without_identifiers(text: str) -> str:
    """The text with loan, phone, ID and account numbers blanked, so none of their digits reads as an amount."""
    for match in _LOAN_NUMBER.finditer(text):
        if match["prefix"].upper() not in _CURRENCY_CODES:
            text = _blank(text, *match.span())
    for pattern in _IDENTIFIERS:
        for match in pattern.finditer(text):
            text = _blank(text, *match.span())
    return text


def _take_dates(text: str, today: date | None) -> tuple[str, list[tuple[int, date]]]:
    """The dates in the text with where they start, and the text with them blanked."""
    # With `today`, a date that names no real day (2月30日) raises date.impossible for the user; without it only
    # the positions are wanted (find_amount), and such a date is blanked like any other.
    found: list[tuple[int, date]] = []
    for _ in range(_MAX_DATES):
        try:
            dated = find_date(text, today or _ANY_LEAP_YEAR_DAY)
        except UserError as error:
            if today is not None:
                raise
            words = str(error.params.get("text", ""))
            start = text.find(words) if words.strip() else -1
            if start < 0:
                break
            text = _blank(text, start, start + len(words))
            continue
        if dated is None:
            break
        day, words = dated
        start = text.find(words)
        if start < 0 or not words.strip():
            break
        found.append((start, day))
        text = _blank(text, start, start + len(words))
    return text, found


def _amount_spans(text: str) -> list[tuple[int, int]]:
    """Where amounts are written in a text whose identifiers and dates are already blanked."""
    return [match.span() for match in _AMOUNT.finditer(text) if _is_amount(match, text)]


def _is_amount(match: re.Match[str], text: str) -> bool:
    """Whether a number-shaped match counts yuan rather than being part of a code, a date, a count or a word."""
    start, end = match.span()
    before = text[start - 1] if start else ""
    after = text[end : end + 2]
    if before in _JOINED or before == "第":
        return False
    if after[:1] in _JOINED or re.match(r"[.,-][0-9]", after):
        return False
    says_money = bool(match["currency"] or match["tail"])
    if not says_money and _NOT_MONEY_AFTER.match(text, end):
        return False
    if match["chinese"]:
        # 三, 十 and 一 are words more often than amounts (张三, 一次); 两万五 and 三千 are amounts.
        if before and (before in _CN_UNITS or before in _CN_DIGITS):
            return False
        return says_money or any(char in _BIG_UNITS for char in match["chinese"])
    return True


def _read_amount(text: str, span: tuple[int, int]) -> tuple[Decimal, str]:
    """The value of the amount written at `span` of the original text, and those words."""
    words = text[span[0] : span[1]]
    return parse_amount(words), words


def _repayment_day(dates: list[tuple[int, date]], promise_at: int | None, today: date) -> date:
    """The day money came in: a day that has come; a future one only when nothing else is said, to be refused."""
    past = [day for _, day in dates if day <= today]
    if past:
        return past[0]
    # 还了3万 剩下的承诺12月10日前还清: the date after the promise is the promise's, not the repayment's.
    said = [day for start, day in dates if promise_at is None or start < promise_at]
    return said[0] if said else today


def _promise_date(dates: list[tuple[int, date]], promise_at: int, today: date) -> tuple[int, date] | None:
    """The date a promise names: the first after the promise word, else the first one still to come."""
    after = [found for found in dates if found[0] >= promise_at]
    if after:
        # Even a day that has passed: the caller tells the officer, rather than the promise losing its date.
        return after[0]
    return next((found for found in dates if found[1] > today), None)


def _contact_day(dates: list[tuple[int, date]], today: date) -> date:
    """The day of a contact: the first day named that has come (明天再去 is a plan, not the contact), else today."""
    return next((day for _, day in dates if day <= today), today)
