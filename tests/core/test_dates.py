"""Days as officers write them, alone or inside a message."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import Period, find_date, find_periods, parse_date, parse_promise_date
from core.errors import UserError

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-10", date(2026, 12, 10)),
        ("2026/12/10", date(2026, 12, 10)),
        ("2026.12.25", date(2026, 12, 25)),
        ("2026-1-5", date(2026, 1, 5)),
        ("2026年12月31日", date(2026, 12, 31)),
        ("2026年12月31号", date(2026, 12, 31)),
        ("2026年1月5", date(2026, 1, 5)),
        ("20261231", date(2026, 12, 31)),
        ("12月10日", date(2026, 12, 10)),
        ("12月10号", date(2026, 12, 10)),
        ("12月10", date(2026, 12, 10)),
        ("12-10", date(2026, 12, 10)),
        ("12/10", date(2026, 12, 10)),
        ("12.10", date(2026, 12, 10)),
        ("十二月十日", date(2026, 12, 10)),
        ("十一月廿五日", date(2026, 11, 25)),
        ("今天", date(2026, 11, 29)),
        ("今日", date(2026, 11, 29)),
        ("昨天", date(2026, 11, 28)),
        ("前天", date(2026, 11, 27)),
        ("明天", date(2026, 11, 30)),
        ("后天", date(2026, 12, 1)),
        ("２０２６－１２－１０", date(2026, 12, 10)),
        ("１２月１０日", date(2026, 12, 10)),
        ("  2026-12-10  ", date(2026, 12, 10)),
        ("2026 年 12 月 3 日", date(2026, 12, 3)),
        ("2026-12-10 00:00:00", date(2026, 12, 10)),
        ("2026-12-10T08:30", date(2026, 12, 10)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_reads_the_ways_officers_write_a_day(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Read early in January, late December is last year's.
        ("12月28日", date(2027, 1, 5), date(2026, 12, 28)),
        ("12-28", date(2027, 1, 5), date(2026, 12, 28)),
        # Read late in November, early December is this year's, and January is next year's.
        ("12月10日", date(2026, 11, 29), date(2026, 12, 10)),
        ("1月15日", date(2026, 11, 29), date(2027, 1, 15)),
        # 92 days ahead beats 273 days back; 181 days back beats 184 days ahead.
        ("3月1日", date(2026, 11, 29), date(2027, 3, 1)),
        ("6月1日", date(2026, 11, 29), date(2026, 6, 1)),
        # The only 2月29日 within a year either way is in 2028.
        ("2月29日", date(2027, 6, 1), date(2028, 2, 29)),
        ("明天", date(2026, 12, 31), date(2027, 1, 1)),
        ("昨天", date(2027, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_day_without_a_year_is_the_one_nearest_today(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


def test_dates_and_datetimes_pass_through() -> None:
    assert parse_date(date(2026, 12, 10), TODAY) == date(2026, 12, 10)
    assert parse_date(datetime(2026, 12, 10, 23, 59), TODAY) == date(2026, 12, 10)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "date.empty"),
        ("   ", "date.empty"),
        ("\u3000", "date.empty"),
        ("2026-02-30", "date.impossible"),
        ("2026-13-01", "date.impossible"),
        ("2026年2月29日", "date.impossible"),
        ("20260230", "date.impossible"),
        ("0000-01-01", "date.impossible"),
        ("2月30日", "date.impossible"),
        ("13/45", "date.impossible"),
        ("三十二月一日", "date.impossible"),
        ("abc", "date.unreadable"),
        ("下周一", "date.unreadable"),
        ("2026-12", "date.unreadable"),
        ("2026-12/10", "date.unreadable"),
        ("12月", "date.unreadable"),
        ("5万", "date.unreadable"),
        ("2026-12-10 25点", "date.unreadable"),
        ("1234567", "date.unreadable"),
    ],
)
def test_refuses_bad_dates_with_the_right_reason(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, TODAY)
    assert caught.value.key == key


def test_refusal_names_the_text_the_user_wrote() -> None:
    with pytest.raises(UserError) as caught:
        parse_date(" 2026-02-30 ", TODAY)
    assert caught.value.params == {"text": "2026-02-30"}
    assert caught.value.render("zh") == "不存在的日期“2026-02-30”"


def test_relative_day_past_the_calendar_is_impossible() -> None:
    with pytest.raises(UserError) as caught:
        parse_date("明天", date.max)
    assert caught.value.key == "date.impossible"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L2023001 上门 承诺12月10日前还3万", (date(2026, 12, 10), "12月10日")),
        ("L2023001 还款5万 现金 2026-12-01", (date(2026, 12, 1), "2026-12-01")),
        ("L2023001 还款5万 2026年11月28日 转账", (date(2026, 11, 28), "2026年11月28日")),
        ("张三昨天还了两万五", (date(2026, 11, 28), "昨天")),
        ("明天还两万", (date(2026, 11, 30), "明天")),
        ("还3万12月10日", (date(2026, 12, 10), "12月10日")),
        ("承诺12月10号前还清", (date(2026, 12, 10), "12月10号")),
        ("承诺12月10前还", (date(2026, 12, 10), "12月10")),
        ("承诺12月10，还3万", (date(2026, 12, 10), "12月10")),
        ("约定12/15还款", (date(2026, 12, 15), "12/15")),
        ("承诺十二月十五日还", (date(2026, 12, 15), "十二月十五日")),
        # The words come back as written, full-width digits included.
        ("５月３号还", (date(2027, 5, 3), "５月３号")),
        # The first date wins.
        ("12月1日说好12月10日还", (date(2026, 12, 1), "12月1日")),
        ("今天上门，承诺12月10日还", (date(2026, 11, 29), "今天")),
    ],
)
def test_finds_the_first_date_in_a_message(text: str, expected: tuple[date, str]) -> None:
    assert find_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "L2023001 还款5万 现金",
        # A loan number is not a date, nor a part of one.
        "L20231201 还款5万",
        "L2023-12-01 还款",
        "还款3.5万",
        "12月还了5万",
        "十二月十五万",
        "之前天天打电话",
        "以后天气好了再还",
        "比例13/45",
        "还款12.10万",
        "12月10.5万",
        "12月1,000元",
    ],
)
def test_finds_no_date_where_there_is_none(text: str) -> None:
    assert find_date(text, TODAY) is None


def test_an_impossible_date_in_a_message_is_reported() -> None:
    with pytest.raises(UserError) as caught:
        find_date("承诺2月30日还清", TODAY)
    assert caught.value.key == "date.impossible"
    assert caught.value.params == {"text": "2月30日"}


def test_found_words_can_be_cut_from_the_message() -> None:
    text = "L2023001 上门 承诺１２月１０日前还3万"
    found = find_date(text, TODAY)
    assert found is not None
    assert found[1] in text
    assert text.replace(found[1], "") == "L2023001 上门 承诺前还3万"


@given(st.text())
def test_any_text_gives_a_date_or_a_user_error(text: str) -> None:
    try:
        parse_date(text, TODAY)
    except UserError as error:
        assert error.key.startswith("date.")


date_alphabet = "0123456789０１-/.． 年月日号今昨前明后大天一二三十廿卅L万"


@given(st.text(alphabet=date_alphabet, max_size=16))
def test_date_like_text_gives_a_date_or_a_user_error(text: str) -> None:
    try:
        parse_date(text, TODAY)
    except UserError as error:
        assert error.key.startswith("date.")


@given(st.text(alphabet=date_alphabet + "还款承诺上门", max_size=30))
def test_find_date_gives_a_date_from_the_text_or_a_user_error(text: str) -> None:
    try:
        found = find_date(text, TODAY)
    except UserError as error:
        assert error.key == "date.impossible"
    else:
        if found is not None:
            assert found[1] in text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_dates_read_back(day: date) -> None:
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日", TODAY) == day
    assert parse_date(day.strftime("%Y%m%d"), TODAY) == day


# TODAY (2026-11-29) is a Sunday.
@pytest.mark.parametrize(
    ("text", "words", "day"),
    [
        # A week ends on its Friday; said on a weekend, this week is today.
        ("说下周还2万", "下周", date(2026, 12, 4)),
        ("下个星期", "下个星期", date(2026, 12, 4)),
        ("下礼拜", "下礼拜", date(2026, 12, 4)),
        ("下下周", "下下周", date(2026, 12, 11)),
        ("本周", "本周", TODAY),
        ("这周内", "这周", TODAY),
        ("下周三还", "下周三", date(2026, 12, 2)),
        ("下周末", "下周末", date(2026, 12, 6)),
        ("周末前", "周末", TODAY),
        ("星期五前", "星期五", date(2026, 12, 4)),
        ("礼拜一", "礼拜一", date(2026, 11, 30)),
        ("周五前还", "周五", date(2026, 12, 4)),
        # A digit after 周 is an amount, and so is a numeral before 万.
        ("下周2万", "下周", date(2026, 12, 4)),
        ("下周三万", "下周", date(2026, 12, 4)),
        # Months end on their last day; 月初 is the 5th, 上旬 the 10th, 月中 the 15th, 中旬 the 20th.
        ("月底前还清", "月底", date(2026, 11, 30)),
        ("月末", "月末", date(2026, 11, 30)),
        ("本月", "本月", date(2026, 11, 30)),
        ("这个月底", "这个月底", date(2026, 11, 30)),
        ("下月", "下月", date(2026, 12, 31)),
        ("下个月还", "下个月", date(2026, 12, 31)),
        ("下月底", "下月底", date(2026, 12, 31)),
        ("下月初", "下月初", date(2026, 12, 5)),
        ("下个月上旬", "下个月上旬", date(2026, 12, 10)),
        ("下月中旬", "下月中旬", date(2026, 12, 20)),
        ("下月下旬", "下月下旬", date(2026, 12, 31)),
        # 月中 and 月初 once passed are next month's.
        ("月中", "月中", date(2026, 12, 15)),
        ("月初", "月初", date(2026, 12, 5)),
        ("12月底", "12月底", date(2026, 12, 31)),
        ("十二月份", "十二月份", date(2026, 12, 31)),
        ("1月中旬", "1月中旬", date(2027, 1, 20)),
        ("2027年3月底", "2027年3月底", date(2027, 3, 31)),
        ("2月底", "2月底", date(2027, 2, 28)),
        # The year ends on December 31 (年前 too: the Spring Festival moves).
        ("年底前还清", "年底", date(2026, 12, 31)),
        ("年前", "年前", date(2026, 12, 31)),
        ("年内", "年内", date(2026, 12, 31)),
        ("今年年底", "今年年底", date(2026, 12, 31)),
        ("2027年底", "2027年底", date(2027, 12, 31)),
        ("明年底", "明年底", date(2027, 12, 31)),
        # Counted from today.
        ("3天内", "3天内", date(2026, 12, 2)),
        ("十天之内", "十天之内", date(2026, 12, 9)),
        ("两周内", "两周内", date(2026, 12, 13)),
        ("一个月内", "一个月内", date(2026, 12, 29)),
        ("半个月内", "半个月内", date(2026, 12, 14)),
        ("三个月后", "三个月后", date(2027, 2, 28)),
        ("半年内", "半年内", date(2027, 5, 29)),
        # No definite day.
        ("过两天还", "过两天", None),
        ("过段时间", "过段时间", None),
        ("尽快", "尽快", None),
        ("近期", "近期", None),
        ("几天内", "几天内", None),
        ("年后", "年后", None),
        ("春节前", "春节前", None),
        ("明年", "明年", None),
    ],
)
def test_finds_the_periods_a_promise_names(text: str, words: str, day: date | None) -> None:
    periods = find_periods(text, TODAY)
    assert len(periods) == 1
    assert (text[periods[0].start : periods[0].end], periods[0].day) == (words, day)


@pytest.mark.parametrize(
    ("today", "text", "day"),
    [
        # A Wednesday.
        (date(2026, 12, 2), "本周", date(2026, 12, 4)),
        (date(2026, 12, 2), "下周", date(2026, 12, 11)),
        (date(2026, 12, 2), "本周一", date(2026, 11, 30)),
        (date(2026, 12, 2), "星期一", date(2026, 12, 7)),
        (date(2026, 12, 2), "星期三", date(2026, 12, 2)),
        # A Friday and a Saturday.
        (date(2026, 12, 4), "这周", date(2026, 12, 4)),
        (date(2026, 12, 5), "这周", date(2026, 12, 5)),
        # Before the 15th, 月中 is this month's.
        (date(2026, 12, 3), "月中", date(2026, 12, 15)),
        (date(2026, 12, 3), "月初", date(2026, 12, 5)),
        (date(2026, 12, 20), "下个月", date(2027, 1, 31)),
        (date(2026, 12, 31), "月底", date(2026, 12, 31)),
        (date(2027, 1, 31), "一个月内", date(2027, 2, 28)),
        (date(2028, 1, 15), "下月底", date(2028, 2, 29)),
    ],
)
def test_periods_count_from_today(today: date, text: str, day: date) -> None:
    assert find_periods(text, today) == [Period(0, len(text), day)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "L2023001 还款5万",
        "12月10日",
        "上周末",
        "上月底",
        "每月底",
        "去年底",
        "三年前",
        "多年以前",
        "3个月",
        "12个月",
        "上星期三",
        # 周三 alone may be a name (周 is a surname).
        "周三还了5000",
        "L2023001",
    ],
)
def test_finds_no_period_where_there_is_none(text: str) -> None:
    assert find_periods(text, TODAY) == []


def test_several_periods_in_order() -> None:
    text = "月底还一半 下月底还清"
    assert [(text[p.start : p.end], p.day) for p in find_periods(text, TODAY)] == [
        ("月底", date(2026, 11, 30)),
        ("下月底", date(2026, 12, 31)),
    ]


def test_a_period_past_the_calendar_is_none() -> None:
    assert find_periods("下周", date.max) == []
    assert find_periods("下个月", date(9999, 12, 5)) == []


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-10", date(2026, 12, 10)),
        ("12月10日", date(2026, 12, 10)),
        ("明天", date(2026, 11, 30)),
        ("下周", date(2026, 12, 4)),
        (" 月底 ", date(2026, 11, 30)),
        ("下个月", date(2026, 12, 31)),
        ("年底", date(2026, 12, 31)),
        ("下周三", date(2026, 12, 2)),
        ("１２月底", date(2026, 12, 31)),
    ],
)
def test_parse_promise_date_reads_days_and_periods(text: str, day: date) -> None:
    assert parse_promise_date(text, TODAY) == day


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("尽快", "date.unreadable"),
        ("过两天", "date.unreadable"),
        ("下周还", "date.unreadable"),
        ("月底 下周", "date.unreadable"),
        ("abc", "date.unreadable"),
        ("", "date.empty"),
        ("2月30日", "date.impossible"),
    ],
)
def test_parse_promise_date_refuses_what_names_no_day(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_promise_date(text, TODAY)
    assert caught.value.key == key


@given(st.text(alphabet=date_alphabet + "下本这周星期礼拜月底初中旬年内个过几半还", max_size=20))
def test_find_periods_gives_periods_inside_the_text(text: str) -> None:
    periods = find_periods(text, TODAY)
    assert all(0 <= p.start < p.end <= len(text) for p in periods)
    assert all(a.end <= b.start for a, b in pairwise(periods))
