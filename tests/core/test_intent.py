"""Free text from the field: repayments, contacts and promises, and the words that are not amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UserError
from core.intent import (
    Intent,
    find_amount,
    find_loan_numbers,
    read_channel,
    read_message,
    read_method,
    read_outcome,
)
from core.vocabulary import CONTACT_CHANNELS, CONTACT_OUTCOMES, REPAYMENT_METHODS

TODAY = date(2026, 11, 29)
YESTERDAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "L2023001 还款5万 现金",
            Intent(
                kind="repayment",
                loan_numbers=("L2023001",),
                amount=Decimal("50000.00"),
                method="cash",
                day=TODAY,
                note="L2023001 还款5万 现金",
            ),
        ),
        (
            "L2023001 昨天还了3.5万 转账",
            Intent(
                kind="repayment",
                loan_numbers=("L2023001",),
                amount=Decimal("35000.00"),
                method="transfer",
                day=YESTERDAY,
                note="L2023001 昨天还了3.5万 转账",
            ),
        ),
        (
            "张三还了两万五",
            Intent(kind="repayment", amount=Decimal("25000.00"), day=TODAY, note="张三还了两万五"),
        ),
        (
            "L2023001 上门 承诺12月10日前还3万",
            Intent(
                kind="contact",
                loan_numbers=("L2023001",),
                day=TODAY,
                channel="visit",
                outcome="promise",
                promise_amount=Decimal("30000.00"),
                promise_date=date(2026, 12, 10),
                note="L2023001 上门 承诺12月10日前还3万",
            ),
        ),
        (
            "L2023001 电话 联系不上",
            Intent(
                kind="contact",
                loan_numbers=("L2023001",),
                day=TODAY,
                channel="phone",
                outcome="unreachable",
                note="L2023001 电话 联系不上",
            ),
        ),
        (
            "L2023001 上门 见到本人 拒绝还款",
            Intent(
                kind="contact",
                loan_numbers=("L2023001",),
                day=TODAY,
                channel="visit",
                outcome="refused",
                note="L2023001 上门 见到本人 拒绝还款",
            ),
        ),
        (
            "L2023001 调解",
            Intent(
                kind="contact",
                loan_numbers=("L2023001",),
                day=TODAY,
                channel="mediation",
                outcome="reached",
                note="L2023001 调解",
            ),
        ),
        ("今天天气不错", Intent(kind="unknown", note="今天天气不错")),
        ("  ", Intent(kind="unknown")),
    ],
)
def test_read_message_understands_the_examples(text: str, expected: Intent) -> None:
    assert read_message(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "amount", "method", "day"),
    [
        ("L2023001 现金5万", "50000.00", "cash", TODAY),
        ("L2023001 银行转账 50,000.00", "50000.00", "transfer", TODAY),
        ("L2023001 担保人代偿5万", "50000.00", "guarantor", TODAY),
        ("L2023001 以资抵债 ¥120000", "120000.00", "asset", TODAY),
        ("L2023001 法院执行 收回壹万贰仟元整", "12000.00", "court", TODAY),
        ("L2023001 11月10日 还款一万二千", "12000.00", None, date(2026, 11, 10)),
        ("L2023001 2026-11-20 归还5000元", "5000.00", None, date(2026, 11, 20)),
        ("L2023001 前天偿还三千", "3000.00", None, date(2026, 11, 27)),
        ("L2023001 已还清 2千", "2000.00", None, TODAY),
        ("Ｌ２０２３００１ 还款５万", "50000.00", None, TODAY),
        # The amount after the paid word, not the debt before it.
        ("L2023001 欠10万 还了3万", "30000.00", None, TODAY),
        # A repayment that mentions the promise it keeps is still a repayment, on the day it was paid.
        ("L2023001 上月承诺的5万 昨天已还款", "50000.00", None, YESTERDAY),
        ("L2023001 还了3万 剩下的承诺12月10日前还清", "30000.00", None, TODAY),
        # A repayment dated in the future is read as written, so that the caller can refuse it.
        ("L2023001 明天还款3万", "30000.00", None, date(2026, 11, 30)),
    ],
)
def test_read_message_reads_repayments(text: str, amount: str, method: str | None, day: date) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.loan_numbers, intent.amount, intent.method, intent.day) == (
        "repayment",
        ("L2023001",),
        Decimal(amount),
        method,
        day,
    )


@pytest.mark.parametrize(
    ("text", "channel", "outcome"),
    [
        ("L2023001 走访 见面", "visit", "reached"),
        ("L2023001 打电话 无人接听", "phone", "unreachable"),
        ("L2023001 电话 没见到人", "phone", "unreachable"),
        ("L2023001 发微信 已联系", "message", "reached"),
        ("L2023001 律师函", "letter", "reached"),
        ("L2023001 起诉", "court", "reached"),
        ("L2023001 上门 有异议", "visit", "dispute"),
        ("L2023001 上门 无异议", "visit", "reached"),
        ("L2023001 上门 家里困难 没钱", "visit", "hardship"),
        ("L2023001 失联", None, "unreachable"),
        ("L2023001 拒绝承诺", None, "refused"),
        ("L2023001 上门 已还款", "visit", "paid"),
        # 拒绝还款 says it was not paid, so the 5万 owed is no repayment.
        ("L2023001 上门 拒绝还款 欠5万", "visit", "refused"),
        ("L2023001 担保人拒绝代偿 欠5万", None, "refused"),
    ],
)
def test_read_message_reads_contacts(text: str, channel: str | None, outcome: str) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.loan_numbers, intent.channel, intent.outcome, intent.day) == (
        "contact",
        ("L2023001",),
        channel,
        outcome,
        TODAY,
    )
    assert intent.amount is None


def test_a_contact_is_dated_by_a_day_that_has_come() -> None:
    assert read_message("L2023001 昨天上门 联系不上", TODAY).day == YESTERDAY
    # 明天再去 is the next step, not the day of this call.
    assert read_message("L2023001 电话 联系不上 明天再去", TODAY).day == TODAY


@pytest.mark.parametrize(
    ("text", "day", "promise_amount", "promise_date"),
    [
        ("L2023001 昨天上门 承诺12月10日前还3万", YESTERDAY, "30000.00", date(2026, 12, 10)),
        ("L2023001 电话 欠5万 答应2026-12-31还两万五", TODAY, "25000.00", date(2026, 12, 31)),
        ("L2023001 上门 12月10日前承诺还3万", TODAY, "30000.00", date(2026, 12, 10)),
        ("L2023001 答应下个月还款5万", TODAY, "50000.00", None),
        # A date that has passed is returned as written; the caller tells the officer.
        ("L2023001 上门 承诺11月20日前还3万", TODAY, "30000.00", date(2026, 11, 20)),
        ("L2023001 上门 承诺尽快还", TODAY, None, None),
    ],
)
def test_read_message_reads_promises(
    text: str, day: date, promise_amount: str | None, promise_date: date | None
) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.outcome, intent.day, intent.promise_date) == (
        "contact",
        "promise",
        day,
        promise_date,
    )
    assert intent.promise_amount == (Decimal(promise_amount) if promise_amount else None)
    assert intent.amount is None


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("还了五万多", "amount.unreadable", "五万多"),
        ("L2023001 还了几万", "amount.unreadable", "几万"),
        ("L2023001 还款5000多元", "amount.unreadable", "5000多元"),
        ("L2023001 上门 承诺12月10日前还3万多", "amount.unreadable", "3万多"),
        ("L2023001 还款0元", "amount.zero", None),
        ("L2023001 还款-5000", "amount.negative", "-5000"),
        ("L2023001 2月30日还了3万", "date.impossible", "2月30日"),
    ],
)
def test_read_message_lets_unreadable_amounts_and_dates_reach_the_user(
    text: str, key: str, words: str | None
) -> None:
    with pytest.raises(UserError) as raised:
        read_message(text, TODAY)
    assert raised.value.key == key
    assert raised.value.params.get("text") == words


@pytest.mark.parametrize(
    "text",
    [
        "L2023001 还了",
        "L2023001 12月10日 已还",
        "L2023001 2026-12-10 已还",
        "L2023001 12/10 已还",
        "L2023001 13812345678 已还",
        "L2023001 138 1234 5678 已还",
        "L2023001 +86 13812345678 已还",
        "L2023001 10:30 已还",
        "L2023001 下午3点 已还",
        "L2023001 第3期 已还",
        "L2023001 身份证330102199001011234 已还",
        "L2023001 身份证3301**********1234 已还",
    ],
)
def test_numbers_that_are_not_money_make_no_repayment(text: str) -> None:
    # With no amount in it, a paid word alone is no repayment: the caller asks rather than records.
    assert read_message(text, TODAY).kind == "unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5万", ("50000.00", "5万")),
        ("5万元", ("50000.00", "5万元")),
        ("3.5万", ("35000.00", "3.5万")),
        ("50000", ("50000.00", "50000")),
        ("50,000.00", ("50000.00", "50,000.00")),
        ("5000元", ("5000.00", "5000元")),
        ("¥5000", ("5000.00", "¥5000")),
        ("￥ 12,345.67", ("12345.67", "￥ 12,345.67")),
        ("人民币5万元", ("50000.00", "人民币5万元")),
        ("RMB5000", ("5000.00", "RMB5000")),
        ("两万五", ("25000.00", "两万五")),
        ("一万二千", ("12000.00", "一万二千")),
        ("壹万贰仟元整", ("12000.00", "壹万贰仟元整")),
        ("三千", ("3000.00", "三千")),
        ("2千", ("2000.00", "2千")),
        ("5 万", ("50000.00", "5 万")),
        ("５万", ("50000.00", "５万")),
        ("5元3角2分", ("5.32", "5元3角2分")),
        ("三点五万", ("35000.00", "三点五万")),
        ("五十元", ("50.00", "五十元")),
    ],
)
def test_find_amount_reads_amounts_inside_a_message(text: str, expected: tuple[str, str]) -> None:
    amount, words = expected
    assert find_amount(f"张三 {text} 已还") == (Decimal(amount), words)
    assert find_amount(f"张三还了{text}，剩下的下月还") == (Decimal(amount), words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L2023001 还款5万", ("50000.00", "5万")),
        ("L2023001还款5000", ("5000.00", "5000")),
        ("l2023001 12月10日前还3万", ("30000.00", "3万")),
        ("十二月十日还三千", ("3000.00", "三千")),
        ("2026-12-10 5000", ("5000.00", "5000")),
        ("2026/12/10还款8000元", ("8000.00", "8000元")),
        ("12/10 5000", ("5000.00", "5000")),
        ("13812345678 5000", ("5000.00", "5000")),
        ("10:30 还了5000", ("5000.00", "5000")),
        ("10点30分还了5000", ("5000.00", "5000")),
        ("3点半还了5000", ("5000.00", "5000")),
        ("第2期 3次 12个月 还了5000", ("5000.00", "5000")),
        ("张三还了两万五", ("25000.00", "两万五")),
        ("万一他不还 三千", ("3000.00", "三千")),
        ("2月30日 还了3万", ("30000.00", "3万")),
    ],
)
def test_find_amount_skips_loan_numbers_dates_phones_and_times(text: str, expected: tuple[str, str]) -> None:
    amount, words = expected
    assert find_amount(text) == (Decimal(amount), words)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "今天天气不错",
        "L2023001",
        "DK20230001 上门",
        "12月10日",
        "2026-12-10",
        "12/10",
        "13812345678",
        "10:30",
        "下午3点",
        "张三 一次 两个人 三个月",
        "十分困难",
        "千万别忘了",
        "打了3次 第2期 5%",
        "ABCDE12345",
        "v1.5",
    ],
)
def test_find_amount_finds_none_where_there_is_none(text: str) -> None:
    assert find_amount(text) is None


def test_find_amount_raises_for_words_that_look_like_money_but_are_not_an_amount() -> None:
    with pytest.raises(UserError) as raised:
        find_amount("还了五万多")
    assert (raised.value.key, raised.value.params) == ("amount.unreadable", {"text": "五万多"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L2023001 还款5万", ["L2023001"]),
        ("l2023001 上门", ["L2023001"]),
        ("DK20230001、L2023001，l2023001 和 DK20230001", ["DK20230001", "L2023001"]),
        ("贷款L2023001已还", ["L2023001"]),
        ("Ｌ２０２３００１", ["L2023001"]),
        ("ABCD1234 abcd12345", ["ABCD1234", "ABCD12345"]),
        ("ABCDE12345 L123 L2023001X 9L2023001 L2023001_ 13812345678", []),
        ("RMB5000 CNY8000", []),
        ("今天天气不错", []),
    ],
)
def test_find_loan_numbers(text: str, expected: list[str]) -> None:
    assert find_loan_numbers(text) == expected


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("上门", "visit"),
        ("走访", "visit"),
        ("拜访", "visit"),
        ("实地", "visit"),
        ("电话", "phone"),
        ("打电话", "phone"),
        ("致电", "phone"),
        ("短信", "message"),
        ("微信", "message"),
        ("信息", "message"),
        ("消息", "message"),
        ("调解", "mediation"),
        ("催收函", "letter"),
        ("律师函", "letter"),
        ("函件", "letter"),
        ("发函", "letter"),
        ("法院", "court"),
        ("起诉", "court"),
        ("诉讼", "court"),
        (" 上门走访 ", "visit"),
    ],
)
def test_read_channel(words: str, value: str) -> None:
    assert read_channel(words) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("已联系", "reached"),
        ("联系上", "reached"),
        ("见到", "reached"),
        ("见面", "reached"),
        ("承诺", "promise"),
        ("答应", "promise"),
        ("承诺还款", "promise"),
        ("拒绝", "refused"),
        ("拒还", "refused"),
        ("不还", "refused"),
        ("失联", "unreachable"),
        ("联系不上", "unreachable"),
        ("找不到", "unreachable"),
        ("无人", "unreachable"),
        ("异议", "dispute"),
        ("有异议", "dispute"),
        ("困难", "hardship"),
        ("无力", "hardship"),
        ("没钱", "hardship"),
        ("已还款", "paid"),
        ("已还清", "paid"),
        ("见到本人 拒绝还款", "refused"),
        ("没见到人", "unreachable"),
    ],
)
def test_read_outcome(words: str, value: str) -> None:
    assert read_outcome(words) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("现金", "cash"),
        ("转账", "transfer"),
        ("汇款", "transfer"),
        ("银行转账", "transfer"),
        ("以资抵债", "asset"),
        ("抵债", "asset"),
        ("法院执行", "court"),
        ("执行", "court"),
        ("担保人代偿", "guarantor"),
        ("担保人", "guarantor"),
        ("代偿", "guarantor"),
        ("其他", "other"),
    ],
)
def test_read_method(words: str, value: str) -> None:
    assert read_method(words) == value


def test_readers_take_the_stored_values_themselves() -> None:
    assert [read_channel(value) for value in CONTACT_CHANNELS] == list(CONTACT_CHANNELS)
    assert [read_outcome(value) for value in CONTACT_OUTCOMES] == list(CONTACT_OUTCOMES)
    assert [read_method(value) for value in REPAYMENT_METHODS] == list(REPAYMENT_METHODS)
    assert (read_channel(" Visit "), read_outcome("PROMISE"), read_method("Cash")) == (
        "visit",
        "promise",
        "cash",
    )


@pytest.mark.parametrize("words", ["", "  ", "天气", "visits", "诉讼时效"])
def test_readers_return_none_for_other_words(words: str) -> None:
    assert (read_channel(words), read_outcome(words), read_method(words)) == (None, None, None)


def test_a_guarantor_is_no_promise_and_a_court_is_no_repayment_method() -> None:
    assert (read_outcome("保证"), read_outcome("保证人"), read_method("保证人")) == (
        "promise",
        None,
        "guarantor",
    )
    assert (read_channel("法院"), read_method("法院")) == ("court", None)


_FRAGMENTS = [
    "L2023001",
    "还款",
    "还了",
    "已还",
    "承诺",
    "上门",
    "电话",
    "联系不上",
    "拒绝",
    "现金",
    "5万",
    "3.5万",
    "两万五",
    "多",
    "元",
    "¥",
    "-",
    "12月10日",
    "2026-12-10",
    "12/10",
    "2月30日",
    "昨天",
    "明天",
    "13812345678",
    "10:30",
    "第",
    "次",
    "点",
    "万",
    "0",
    "1,000",
    "9" * 20,
    " ",
]


@given(st.one_of(st.text(), st.lists(st.sampled_from(_FRAGMENTS), max_size=10).map("".join)))
def test_read_message_fails_only_with_errors_the_user_sees(text: str) -> None:
    try:
        intent = read_message(text, TODAY)
    except UserError:
        return
    assert intent.note == text.strip()
    if intent.kind == "repayment":
        assert intent.amount is not None and intent.amount > 0
        assert intent.day is not None
    if intent.kind == "contact":
        assert intent.channel is not None or intent.outcome is not None
        assert intent.day is not None and intent.day <= TODAY


@given(st.one_of(st.text(), st.lists(st.sampled_from(_FRAGMENTS), max_size=10).map("".join)))
def test_find_amount_returns_the_words_as_written(text: str) -> None:
    try:
        found = find_amount(text)
    except UserError:
        return
    if found is not None:
        amount, words = found
        assert words in text
        assert amount > 0
