"""Dates: reading the ways officers write a day, alone or inside a message."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import NamedTuple

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


class Period(NamedTuple):
    """A period a promise names inside a message (`下周`, `月底`, `过两天`), where it is written and its day."""

    start: int
    end: int
    day: date | None  # the last day the period allows; None for a period with no definite day (过两天, 尽快)


# The day a period means when it is a promise's deadline: the last day the borrower said, so that a promise is
# broken only once that day has passed. A week's last working day is its Friday; 月初 is the 5th, 上旬 the
# 10th, 月中 the 15th, 中旬 the 20th; 年前/年底 is December 31 (not the Spring Festival, which moves).
_FRIDAY = 4
_SUNDAY = 6
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": _SUNDAY}
_MONTH_PARTS = {"初": 5, "上旬": 10, "中": 15, "中旬": 20}  # 下旬, 底, 末 and no part: the last day
_PART = "(?P<part>上旬|中旬|下旬|初|中|底|末)"
_WEEK = "(?:周|星期|礼拜)"
# A weekday digit is never read: 下周2万 is an amount. 下周三万 is one too.
_WEEKDAY = "(?P<wd>[一二三四五六日天末])(?![万千百十元块])"
_COUNT = r"(?P<n>[0-9]{1,3}|[一二两三四五六七八九十半几]{1,3})"
# 三年前, 多年前, 去年底, 每月底: not a period a promise can name.
_NOT_AFTER_COUNT = r"(?<![0-9零〇一二两三四五六七八九十百千几多半去前上明今本每当个同])"
_UNCLEAR = (
    "过两天|过几天|过些天|过一两天|过两三天|过些日子|过段时间|过一段时间|过阵子|过一阵子|近期|近日|近几天|这几天|这两天"
    "|最近|尽快|尽早|马上|立即|随后|以后|今后|日后|改天|回头|下次|后期|有钱后|有钱了|秋收后|节后|春节前|春节后|过年前|过年后"
)


def _week_day(match: re.Match[str], today: date) -> date | None:
    which = (match["which"] or "").rstrip("个")
    weeks = {"下下": 2, "下": 1}.get(which, 0)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    if match["wd"]:
        return monday + timedelta(days=_WEEKDAYS[match["wd"]])
    friday = monday + timedelta(days=_FRIDAY)
    # 这周 said on a weekend: the week's working days are over, so today.
    return max(friday, today)


def _next_weekday(match: re.Match[str], today: date) -> date | None:
    return today + timedelta(days=(_WEEKDAYS[match["wd"]] - today.weekday()) % 7)


def _month_day(year: int, month: int, part: str | None) -> date:
    """The day a part of a month (初, 中, 底…; none: the whole month) ends."""
    if part in _MONTH_PARTS:
        return date(year, month, _MONTH_PARTS[part])
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_later(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _relative_month(match: re.Match[str], today: date) -> date | None:
    which = (match["which"] or "").rstrip("个")
    months = {"下下": 2, "下": 1}.get(which, 0)
    day = _month_day(*_months_later(today, months), match["part"])
    if not which and day < today:
        # 月初 or 月中 once it has passed means next month's.
        day = _month_day(*_months_later(today, 1), match["part"])
    return day


def _named_month(match: re.Match[str], today: date) -> date | None:
    month = _number(match["m"])
    if month is None or not 1 <= month <= 12:
        return None
    if match["y"]:
        return _month_day(int(match["y"]), month, match["part"])
    # The year that puts the day nearest today, as for 12月10日 (1月底 read in November is next year's).
    candidates = [
        _month_day(year, month, match["part"]) for year in (today.year - 1, today.year, today.year + 1)
    ]
    return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate))


def _year_end(match: re.Match[str], today: date) -> date | None:
    year = int(match["y"]) if match["y"] else today.year + (1 if match["next"] else 0)
    return date(year, 12, 31)


def _counted(match: re.Match[str], today: date) -> date | None:
    unit = match["unit"].lstrip("个")
    if match["n"] == "半":
        # 半个月: 15 days; 半年: 6 months; 半天, 半周: too short to be anything but today.
        if unit == "月":
            return today + timedelta(days=15)
        return _months_after(today, 6) if unit == "年" else today
    number = _number(match["n"].replace("两", "二"))
    if number is None:
        return None  # 几天内: no definite day
    if unit in ("天", "日"):
        return today + timedelta(days=number)
    if unit in ("周", "星期", "礼拜"):
        return today + timedelta(weeks=number)
    return _months_after(today, number * 12 if unit == "年" else number)


def _months_after(today: date, months: int) -> date:
    """The same day so many months later (the month's last day when it is shorter)."""
    year, month = _months_later(today, months)
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _unclear(match: re.Match[str], today: date) -> date | None:
    return None


_PERIOD_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str], date], date | None], bool]] = [
    # (pattern, the day it means, whether None from it means "no definite day" rather than "no period here")
    (re.compile(rf"(?P<which>下下个?|下个?|本|这个?){_WEEK}(?:{_WEEKDAY})?"), _week_day, False),
    (re.compile(r"(?<!上)(?P<which>下下个?|下个?|本|这个?)?周(?P<wd>末)"), _week_day, False),
    (re.compile(rf"(?<![上下本这个])(?:星期|礼拜){_WEEKDAY}"), _next_weekday, False),
    # 周五 alone may be a name (周 is a surname), but not before 前.
    (re.compile(r"(?<![上下本这个])周(?P<wd>[一二三四五六日天])(?=之前|以前|前)"), _next_weekday, False),
    (re.compile(rf"(?P<which>下下个?|下个?|本|这个?|当)月份?{_PART}?"), _relative_month, False),
    (
        re.compile(rf"(?<![上下本这个当每半整年0-9零〇一二两三四五六七八九十廿卅几])(?P<which>)月{_PART}"),
        _relative_month,
        False,
    ),
    (
        re.compile(
            rf"(?<![0-9A-Za-z])(?:(?P<y>[0-9]{{4}})年)?(?P<m>[0-9]{{1,2}}|[一二三四五六七八九十]{{1,2}})月份?{_PART}?"
            r"(?![0-9一二三四五六七八九十廿卅日号])"
        ),
        _named_month,
        False,
    ),
    (re.compile(r"(?:(?P<y>[0-9]{4})年|今年|本年度?|(?P<next>明年))(?:年?底|年?末|度?内)"), _year_end, False),
    (re.compile(rf"{_NOT_AFTER_COUNT}(?P<y>)(?P<next>)年(?:底|末|前|内)"), _year_end, False),
    (
        re.compile(
            rf"(?<![0-9.月]){_COUNT}(?P<unit>天|日|周|个?星期|个?礼拜|个月|年)(?:之内|以内|内|之后|以后|后)"
        ),
        _counted,
        True,
    ),
    (re.compile(rf"{_NOT_AFTER_COUNT}(?:{_UNCLEAR}|年后|明年)"), _unclear, True),
]


def find_periods(text: str, today: date) -> list[Period]:
    """The periods a message names for a promise (`下周`, `月底`, `下个月`, `过两天`), in order, with their days."""
    searchable = _half_width(text)
    found: list[tuple[int, int, date | None]] = []
    for form, day_of, unclear_is_none in _PERIOD_FORMS:
        for match in form.finditer(searchable):
            try:
                day = day_of(match, today)
            except (ValueError, OverflowError):
                continue  # past the calendar's end: no day to promise
            if day is None and not unclear_is_none:
                continue
            found.append((match.start(), match.end(), day))
    found.sort(key=lambda item: (item[0], -item[1]))
    periods: list[Period] = []
    for start, end, day in found:
        if periods and start < periods[-1].end:
            continue
        periods.append(Period(start, end, day))
    return periods


def parse_promise_date(value: str | date | datetime, today: date) -> date:
    """A promise's day as typed: a day (`12月10日`, `明天`) or a period (`下周`, `月底`, `下个月`)."""
    try:
        return parse_date(value, today)
    except UserError as error:
        if error.key != "date.unreadable" or not isinstance(value, str):
            raise
        text = value.strip()
        periods = find_periods(text, today)
        if len(periods) == 1 and periods[0][:2] == (0, len(text)) and periods[0].day is not None:
            return periods[0].day
        raise
