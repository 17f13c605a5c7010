"""Dates: reading the ways officers write a day, alone or inside a message."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from core.errors import UserError

_RELATIVE_DAYS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
}
_CN_SMALL_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_CN = "[一二三四五六七八九十廿卅]{1,3}"
_MONTH = rf"(?P<m>[0-9]{{1,2}}|{_CN})"
_DAY = rf"(?P<d>[0-9]{{1,2}}|{_CN})"
_YEAR = r"(?P<y>[0-9]{4})"
_RELATIVE = "|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True))

# Whole-text forms for parse_date.
_FULL_FORMS = [
    re.compile(rf"{_YEAR}(?P<sep>[-/.])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}})"),
    re.compile(rf"{_YEAR}年{_MONTH}月{_DAY}[日号]?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(rf"{_MONTH}月{_DAY}[日号]?"),
    re.compile(r"(?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"),
    re.compile(rf"(?P<rel>{_RELATIVE})"),
]

# Forms inside free text. Loan numbers (L20231201) and amounts (3.5万, 12.10) sit next to dates in a message,
# so numbers must not touch other digits or letters, a day without 日/号 must not run into an amount, and the
# bare YYYYMMDD and M.D forms are left out entirely.
_NOT_AFTER = r"(?<![0-9A-Za-z])"
_NO_MORE_DIGITS = r"(?![0-9])"
_CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十廿卅百千万亿"
# 二十二月 is no month, but 十二月 inside it must not be read as one; 3万12月 is an amount then a date.
_NOT_AFTER_CN = r"(?<![0-9A-Za-z零〇一二两三四五六七八九十廿卅])"
_DAY_END = rf"(?:[日号]|(?![0-9]|[.,][0-9]|[{_CN_NUMERAL_CHARS}元块角分]))"
# 之前天天 ("every day before") and 以后天气 are not 前天 or 后天.
_RELATIVE_IN_TEXT = rf"(?<![之以最然随其])(?P<rel>{_RELATIVE})(?!天)"
_IN_TEXT_FORMS: list[tuple[re.Pattern[str], bool]] = [
    # (pattern, sure): a "sure" form that names no real day is an error, not just "no date here".
    (
        re.compile(
            rf"{_NOT_AFTER}{_YEAR}(?P<sep>[-/.])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}}){_NO_MORE_DIGITS}"
        ),
        True,
    ),
    (re.compile(rf"{_NOT_AFTER}{_YEAR}年{_MONTH}月{_DAY}{_DAY_END}"), True),
    (re.compile(rf"{_NOT_AFTER}(?P<m>[0-9]{{1,2}})月{_DAY}{_DAY_END}"), True),
    (re.compile(rf"{_NOT_AFTER_CN}(?P<m>{_CN})月{_DAY}{_DAY_END}"), True),
    (re.compile(r"(?<![0-9A-Za-z./-])(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?![-/.]?[0-9])"), False),
    (re.compile(_RELATIVE_IN_TEXT), True),
]

_TIME_OF_DAY = re.compile(r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$")


def parse_date(value: str | date | datetime, today: date) -> date:
    """Read a day written as `2026-12-10`, `12月10日`, `20261231`, `明天`…; a date without year is the one nearest today."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"parse_date takes text or a date, not {type(value).__name__}")
    original = value.strip()
    text = re.sub(r"\s*([年月日号/.\-])\s*", r"\1", _half_width(value).strip())
    if not text:
        raise UserError("date.empty")
    text = _TIME_OF_DAY.sub("", text)
    for form in _FULL_FORMS:
        match = form.fullmatch(text)
        if match:
            day = _day_of(match, today)
            if day is None:
                raise UserError("date.impossible", text=original)
            return day
    raise UserError("date.unreadable", text=original)


def find_date(text: str, today: date) -> tuple[date, str] | None:
    """The first date in a message and the words that wrote it (`12月10日`); None if there is none."""
    # A first date that is unmistakably one but names no real day (2月30日) raises date.impossible, so the
    # user is told rather than the date silently ignored; an ambiguous 13/45 is just not a date.
    searchable = _half_width(text)
    found: list[tuple[int, int, re.Match[str], bool]] = []
    for form, sure in _IN_TEXT_FORMS:
        found.extend((match.start(), -match.end(), match, sure) for match in form.finditer(searchable))
    found.sort(key=lambda item: (item[0], item[1]))
    for start, _, match, sure in found:
        # The original text, not the half-width copy, so the caller can cut the words out of the message.
        words = text[start : match.end()]
        day = _day_of(match, today)
        if day is not None:
            return day, words
        if sure:
            raise UserError("date.impossible", text=words)
    return None


def _day_of(match: re.Match[str], today: date) -> date | None:
    """The day a matched form names, or None when no such day exists."""
    groups = match.groupdict()
    try:
        if groups.get("rel"):
            return today + timedelta(days=_RELATIVE_DAYS[groups["rel"]])
        month, day = _number(groups["m"]), _number(groups["d"])
        if month is None or day is None:
            return None
        if groups.get("y"):
            return date(int(groups["y"]), month, day)
    except (ValueError, OverflowError):
        return None
    return _nearest(month, day, today)


def _nearest(month: int, day: int, today: date) -> date | None:
    """The month and day in whichever year puts them closest to today (12月28日 read on 1月5日 is last year's)."""
    candidates: list[date] = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    # Equally far both ways: take the earlier, as most reports are about what has happened.
    return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate))


def _number(text: str) -> int | None:
    """1 to 39 from Arabic digits or Chinese numerals (十二, 二十五, 廿五, 卅一); None otherwise."""
    if text.isascii():
        return int(text)
    tens, ones = 0, text
    for prefix, value in (("廿", 20), ("卅", 30)):
        if text.startswith(prefix):
            tens, ones = value, text[1:]
            break
    else:
        if "十" in text:
            before, _, ones = text.partition("十")
            if not before:
                tens = 10
            elif len(before) == 1 and before in _CN_SMALL_DIGITS:
                tens = 10 * _CN_SMALL_DIGITS[before]
            else:
                return None
    if not ones:
        return tens or None
    if len(ones) == 1 and ones in _CN_SMALL_DIGITS:
        return tens + _CN_SMALL_DIGITS[ones]
    return None


def _half_width(text: str) -> str:
    """Full-width digits and punctuation as ASCII, one character for one, so positions still match the input."""
    return "".join(
        chr(ord(char) - 0xFEE0) if "！" <= char <= "～" else " " if char == "\u3000" else char
        for char in text
    )
