"""Free text from the field: repayments, contacts and promises, and the words that are not amounts."""

from __future__ import annotations

import pickle
from dataclasses import asdict
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
    read_approach,
    read_channel,
    read_message,
    read_method,
    read_outcome,
)
from core.money import without_format_characters
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
        # Money recovered by enforcement, as officers write it.
        ("L2023001 强制执行回款1万", "10000.00", "court", TODAY),
        ("L2023001 执行到位2万", "20000.00", "court", TODAY),
        ("L2023001 法院划扣3万元", "30000.00", "court", TODAY),
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
        # A repayment dated in the future is read as written, so that the caller can refuse it. (明天还款3万
        # is a promise: a day to come before a repay verb.)
        ("L2023001 12月5日还了3万", "30000.00", None, date(2026, 12, 5)),
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
        ("L2023001 打电话 无人接听", "phone", "no_answer"),
        ("L2023001 电话 没见到人", "phone", "absent"),
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
        # 下个月: the last day of next month.
        ("L2023001 答应下个月还款5万", TODAY, "50000.00", date(2026, 12, 31)),
        ("L2023001 明天还款3万", TODAY, "30000.00", date(2026, 11, 30)),
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
        # Enforcement that brought nothing, or money not yet come back.
        "L2023001 划扣失败，账户余额0元",
        "L2023001 尚未回款 欠5万",
        "L2023001 回款计划下月2万",
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
        ("没见到人", "absent"),
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


# The field trial's misread outcomes (issue 11) and the new outcomes of SPEC §2.
@pytest.mark.parametrize(
    ("text", "channel", "outcome"),
    [
        ("电话没人接", "phone", "no_answer"),  # was reached
        ("上门 借款人不在家", "visit", "absent"),  # was unreachable
        ("电话 未接通", "phone", "no_answer"),  # was unreachable
        ("借款人去世", None, "deceased"),  # was not understood
        ("借款人签字确认欠款", None, "acknowledged"),
        ("签收了催收通知书", None, "acknowledged"),
        ("拒绝签收催收通知书", None, "refused"),
        ("上门 拒签", "visit", "refused"),
        ("电话 关机", "phone", "no_answer"),
        ("电话 占线", "phone", "no_answer"),
        ("打电话 拒接", "phone", "no_answer"),
        ("电话 打不通", "phone", "no_answer"),
        ("上门 家中无人", "visit", "absent"),
        ("上门 未见到本人", "visit", "absent"),
        ("上门 见到本人", "visit", "reached"),
        ("电话 接通", "phone", "reached"),
        ("上门 外出不知去向", "visit", "unreachable"),
        ("电话 停机", "phone", "unreachable"),
        ("电话 空号", "phone", "unreachable"),
        ("走访 下落不明", "visit", "unreachable"),
        ("上门 借款人已于去年病故", "visit", "deceased"),
        ("借款人身故", None, "deceased"),
        ("上门 承认欠款 签了回执", "visit", "acknowledged"),
        # 没签字 is no signature, and no refusal either.
        ("上门 见面 没签字", "visit", "reached"),
    ],
)
def test_read_message_reads_the_new_outcomes(text: str, channel: str | None, outcome: str) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.channel, intent.outcome) == ("contact", channel, outcome)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("电话没联系上", "no_answer"),
        ("打电话 无人", "no_answer"),
        ("上门没联系上", "absent"),
        ("上门 无人", "absent"),
        ("短信 没联系上", "unreachable"),
        ("发律师函 无法联系", "unreachable"),
        # 联系不上 says the borrower cannot be found, whatever the channel.
        ("电话 联系不上", "unreachable"),
    ],
)
def test_a_missed_try_depends_on_the_channel(text: str, outcome: str) -> None:
    assert read_message(text, TODAY).outcome == outcome


@pytest.mark.parametrize(
    ("words", "channel", "value"),
    [
        ("没联系上", None, "unreachable"),
        ("没联系上", "phone", "no_answer"),
        ("没联系上", "visit", "absent"),
        ("没联系上", "message", "unreachable"),
        ("无人", "电话", "no_answer"),
        ("无人", "上门", "absent"),
        ("电话没联系上", None, "no_answer"),
        ("没人接", None, "no_answer"),
        ("没人接", "visit", "no_answer"),
        ("不在家", "phone", "absent"),
        ("no_answer", "visit", "no_answer"),
        ("未接通", None, "no_answer"),
        ("未见到本人", None, "absent"),
        ("下落不明", None, "unreachable"),
        ("停机", None, "unreachable"),
        ("签字确认", None, "acknowledged"),
        ("签收", None, "acknowledged"),
        ("拒绝签收", None, "refused"),
        ("死亡", None, "deceased"),
        ("过世", None, "deceased"),
    ],
)
def test_read_outcome_takes_the_channel_for_a_missed_try(words: str, channel: str | None, value: str) -> None:
    assert read_outcome(words, channel) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        # The strength order: paid > promise > acknowledged > deceased > dispute > refused > hardship >
        # unreachable > absent > no_answer > reached.
        ("已还款 承诺", "paid"),
        ("签字确认 承诺", "promise"),
        ("死亡 签字确认", "acknowledged"),
        ("去世 有异议", "deceased"),
        ("有异议 拒绝", "dispute"),
        ("拒绝 困难", "refused"),
        ("困难 失联", "hardship"),
        ("失联 不在家", "unreachable"),
        ("打不通 不在家", "absent"),
        ("已联系 没人接", "no_answer"),
        ("见到本人 已联系", "reached"),
    ],
)
def test_the_strongest_outcome_wins(words: str, value: str) -> None:
    assert read_outcome(words) == value


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # The heirs' promise is what will be followed up.
        ("借款人去世 家属承诺年底前还清", "promise"),
        # The heirs' signature restarts the statute of limitations.
        ("借款人已去世 继承人签字确认欠款", "acknowledged"),
        ("上门 签字确认欠款 但表示困难", "acknowledged"),
        ("电话打不通 上门也不在家", "absent"),
        ("见到本人 拒绝签字", "refused"),
    ],
)
def test_the_strongest_outcome_of_a_message(text: str, outcome: str) -> None:
    assert read_message(text, TODAY).outcome == outcome


@pytest.mark.parametrize(
    ("text", "channel", "approach", "participants"),
    [
        ("L2023001 上门 感情交流", "visit", "rapport", ""),
        ("L2023001 上门 拉家常", "visit", "rapport", ""),
        ("L2023001 谈心", None, "rapport", ""),
        ("L2023001 上门 辅助核算", "visit", "accounting", ""),
        ("L2023001 帮其算账", None, "accounting", ""),
        ("L2023001 帮助核算 承诺下周还2万", None, "accounting", ""),
        ("L2023001 协助讨债", None, "debt_help", ""),
        ("L2023001 上门 帮助讨债", "visit", "debt_help", ""),
        ("L2023001 协助追讨", None, "debt_help", ""),
        ("L2023001 多方调解", "mediation", "mediation", ""),
        ("L2023001 联合调解", "mediation", "mediation", ""),
        ("L2023001 民警、村委参与调解", "mediation", "mediation", "民警、村委"),
        ("L2023001 上门 联合派出所、村委会多方调解", "visit", "mediation", "派出所、村委会"),
        ("L2023001 调解 亲友 担保人 律师 亲友在场", "mediation", "mediation", "亲友、担保人、律师"),
        # 调解 alone is the channel, as before; a 律师函 is a letter, not a lawyer taking part.
        ("L2023001 调解", "mediation", None, ""),
        ("L2023001 调解 发律师函", "mediation", None, ""),
        # Participants without 调解 make no mediation, and only a mediation lists them.
        ("L2023001 上门 家属在场", "visit", None, ""),
        ("L2023001 与家属感情交流", None, "rapport", ""),
        # The first approach written.
        ("L2023001 上门 帮其算账 协助讨债", "visit", "accounting", ""),
    ],
)
def test_read_message_reads_the_approach(
    text: str, channel: str | None, approach: str | None, participants: str
) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.loan_numbers, intent.channel, intent.approach, intent.participants) == (
        "contact",
        ("L2023001",),
        channel,
        approach,
        participants,
    )


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("感情交流", "rapport"),
        ("辅助核算", "accounting"),
        ("协助讨债", "debt_help"),
        ("多方调解", "mediation"),
        ("Rapport", "rapport"),
        ("debt_help", "debt_help"),
        ("调解", None),
        ("天气", None),
    ],
)
def test_read_approach(words: str, value: str | None) -> None:
    assert read_approach(words) == value


# TODAY is a Sunday: 本周 has ended (today), 下周 ends on Friday 2026-12-04, 月底 is 2026-11-30.
@pytest.mark.parametrize(
    ("text", "channel", "amount", "share", "promise_date"),
    [
        # Dropped before: a day to come, then a repay verb, is a promise without a promise word.
        ("今天电话联系，说下周还2万", "phone", "20000.00", None, date(2026, 12, 4)),
        ("答应月底前还1.2w", None, "12000.00", None, date(2026, 11, 30)),
        # An unclear period makes a promise with no date: the handler asks for one.
        ("过两天还5000", None, "5000.00", None, None),
        ("承诺月底前还一半", None, None, "0.5", date(2026, 11, 30)),
        ("下个月还3万", None, "30000.00", None, date(2026, 12, 31)),
        ("年底前还清", None, None, "1", date(2026, 12, 31)),
        ("12月10日前还3万", None, "30000.00", None, date(2026, 12, 10)),
        ("承诺还款", None, None, None, None),
        # An amount before the promise counts, except the debt.
        ("欠5万 承诺还款", None, None, None, None),
        ("5万 承诺12月10日前", None, "50000.00", None, date(2026, 12, 10)),
        ("上门 承诺下月初还三成", "visit", None, "0.3", date(2026, 12, 5)),
        ("电话 答应月中还30%", "phone", None, "0.3", date(2026, 12, 15)),
        ("承诺下月还百分之五十", None, None, "0.5", date(2026, 12, 31)),
        ("答应全部还清", None, None, "1", None),
        ("承诺年底前还清5万", None, "50000.00", None, date(2026, 12, 31)),
        ("承诺剩下的月底还", None, None, "1", date(2026, 11, 30)),
        ("答应本周还款2.5千", None, "2500.00", None, TODAY),
        ("3天内还5k", None, "5000.00", None, date(2026, 12, 2)),
        ("下周三还5千", None, "5000.00", None, date(2026, 12, 2)),
        ("周五前还5千", None, "5000.00", None, date(2026, 12, 4)),
        ("12月份还3万", None, "30000.00", None, date(2026, 12, 31)),
        ("1月底前还3万", None, "30000.00", None, date(2027, 1, 31)),
        ("下月起每月还2000", None, "2000.00", None, date(2026, 12, 31)),
        ("月底前就能把钱还上", None, None, None, date(2026, 11, 30)),
        ("借款人同意下周还款", None, None, None, date(2026, 12, 4)),
        ("借款人表示愿意还款", None, None, None, None),
        ("同意分期还款 首期2万", None, "20000.00", None, None),
        ("近期还一部分", None, None, None, None),
        ("上门 承诺尽快还 12月10日前", "visit", None, None, date(2026, 12, 10)),
    ],
)
def test_read_message_reads_promises_without_a_promise_word_and_with_a_share(
    text: str, channel: str | None, amount: str | None, share: str | None, promise_date: date | None
) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.channel, intent.outcome, intent.day) == ("contact", channel, "promise", TODAY)
    assert (intent.promise_amount, intent.promise_share, intent.promise_date) == (
        Decimal(amount) if amount else None,
        Decimal(share) if share else None,
        promise_date,
    )
    assert intent.amount is None


@pytest.mark.parametrize(
    ("text", "kind", "outcome"),
    [
        # 还 is also "still": a plan to go again is no promise.
        ("L2023001 下周还要上门", "contact", "reached"),
        ("L2023001 下周再去催他还款", "unknown", None),
        ("L2023001 月底前还不上", "unknown", None),
        ("L2023001 拒绝月底前还款", "contact", "refused"),
        ("L2023001 月底前无法还款", "unknown", None),
        ("L2023001 表示困难", "contact", "hardship"),
        ("L2023001 表示无力偿还", "contact", "hardship"),
        ("L2023001 下个月还款困难", "contact", "hardship"),
        ("L2023001 同意调解", "contact", "reached"),
        ("L2023001 不同意还款", "contact", "refused"),
        # A day that has passed, then a repay verb, is no promise (but a repayment when the verb says paid).
        ("L2023001 11月10日 还款一万二千", "repayment", None),
        ("L2023001 上月底还3万", "unknown", None),
        # 周三 may be a name.
        ("L2023001 周三还5000", "unknown", None),
        # Said today, 今天还5000 reports nothing sure: it may be paid or promised, so the officer is asked.
        ("L2023001 今天还5000", "unknown", None),
    ],
)
def test_a_promise_needs_a_repay_verb_after_a_day_to_come(text: str, kind: str, outcome: str | None) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.outcome, intent.promise_amount, intent.promise_date) == (
        kind,
        outcome,
        None,
        None,
    )


def test_a_repayment_that_mentions_a_promise_for_the_rest_stays_a_repayment() -> None:
    intent = read_message("L2023001 还了3万 剩下的下月还清", TODAY)
    assert (intent.kind, intent.amount, intent.day) == ("repayment", Decimal("30000.00"), TODAY)


def test_an_impossible_date_before_a_repay_verb_is_told() -> None:
    with pytest.raises(UserError) as raised:
        read_message("L2023001 2月30日还3万", TODAY)
    assert (raised.value.key, raised.value.params) == ("date.impossible", {"text": "2月30日"})
    # A message that reports nothing stays not understood.
    assert read_message("今天天气 2月30日", TODAY).kind == "unknown"


@pytest.mark.parametrize(
    ("today", "text", "promise_date"),
    [
        # A Wednesday: this week's Friday, next week's Friday.
        (date(2026, 12, 2), "本周还2万", date(2026, 12, 4)),
        (date(2026, 12, 2), "这周还2万", date(2026, 12, 4)),
        (date(2026, 12, 2), "下周还2万", date(2026, 12, 11)),
        # A Saturday: this week's working days are over.
        (date(2026, 12, 5), "这周还2万", date(2026, 12, 5)),
        # 月中 once passed is next month's; 月底 in February.
        (date(2026, 12, 20), "月中还2万", date(2027, 1, 15)),
        (date(2027, 2, 3), "月底还2万", date(2027, 2, 28)),
        (date(2026, 12, 20), "年底还2万", date(2026, 12, 31)),
        (date(2026, 12, 20), "下个月还2万", date(2027, 1, 31)),
    ],
)
def test_periods_are_read_from_the_day_of_the_message(today: date, text: str, promise_date: date) -> None:
    intent = read_message(text, today)
    assert (intent.outcome, intent.promise_amount, intent.promise_date) == (
        "promise",
        Decimal("20000.00"),
        promise_date,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2w", ("12000.00", "1.2w")),
        ("1.2W", ("12000.00", "1.2W")),
        ("3w", ("30000.00", "3w")),
        ("5k", ("5000.00", "5k")),
        ("5K", ("5000.00", "5K")),
        ("2.5千", ("2500.00", "2.5千")),
        ("3w元", ("30000.00", "3w元")),
        ("１.２ｗ", ("12000.00", "１.２ｗ")),
    ],
)
def test_find_amount_reads_w_and_k(text: str, expected: tuple[str, str]) -> None:
    amount, words = expected
    assert find_amount(f"张三 {text} 已还") == (Decimal(amount), words)
    assert find_amount(f"张三还了{text}，剩下的下月还") == (Decimal(amount), words)


@pytest.mark.parametrize(
    "text", ["走了5km", "5kg", "W2023001", "k2023001 上门", "wifi", "3kw", "KTV5w1", "5www"]
)
def test_w_and_k_inside_words_and_loan_numbers_are_no_amount(text: str) -> None:
    assert find_amount(text) is None


def test_a_repayment_in_w() -> None:
    intent = read_message("W2023001 还了1.2w 转账", TODAY)
    assert (intent.kind, intent.loan_numbers, intent.amount, intent.method) == (
        "repayment",
        ("W2023001",),
        Decimal("12000.00"),
        "transfer",
    )


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("L2023001 微信还款5000", "transfer"),  # was other
        ("L2023001 已还款5000 微信", "transfer"),
        ("L2023001 支付宝5000", "transfer"),
        ("L2023001 手机银行 还款5000", "transfer"),
        ("L2023001 网银还款5000", "transfer"),
        ("L2023001 扫码还款5000", "transfer"),
        # 微信 is also how the officer reached the borrower: another method word wins.
        ("L2023001 微信联系 已还款5000 现金", "cash"),
    ],
)
def test_phone_payments_are_transfers(text: str, method: str) -> None:
    intent = read_message(text, TODAY)
    assert (intent.kind, intent.amount, intent.method) == ("repayment", Decimal("5000.00"), method)


def test_wechat_stays_the_message_channel_for_a_contact() -> None:
    assert (read_method("微信"), read_method("支付宝"), read_method("网银"), read_channel("微信")) == (
        "transfer",
        "transfer",
        "transfer",
        "message",
    )
    intent = read_message("L2023001 微信 联系不上", TODAY)
    assert (intent.kind, intent.channel, intent.outcome) == ("contact", "message", "unreachable")


class _Ledger:
    """A loan lookup backed by a set, which remembers what it was asked."""

    def __init__(self, *numbers: str) -> None:
        self.numbers = set(numbers)
        self.asked: list[list[str]] = []

    def __call__(self, tokens: list[str]) -> set[str]:
        self.asked.append(tokens)
        return self.numbers & set(tokens)


@pytest.mark.parametrize(
    ("text", "loan_numbers", "kind", "amount"),
    [
        ("820100012345678 还款1000", ("820100012345678",), "repayment", "1000.00"),
        ("820100012345678还款1000", ("820100012345678",), "repayment", "1000.00"),
        ("８２０１００４４４４４４ 还款1000", ("820100444444",), "repayment", "1000.00"),
        # A short loan number would otherwise be read as the amount.
        ("123456 还款1000", ("123456",), "repayment", "1000.00"),
        ("还款 123456", ("123456",), "unknown", None),
        (
            "L2023001 和 820100012345678、L2023002 上门",
            ("L2023001", "820100012345678", "L2023002"),
            "contact",
            None,
        ),
        ("820100012345678 820100012345678 上门", ("820100012345678",), "contact", None),
        # Not loan numbers: an amount of six digits, a phone number, one inside a longer token.
        ("820100012345678 还款200000", ("820100012345678",), "repayment", "200000.00"),
        ("13812345678 还款200000", (), "repayment", "200000.00"),
        ("820100012345678X 还款1000", (), "repayment", "1000.00"),
        ("A-820100012345678-1 还款1000", (), "repayment", "1000.00"),
    ],
)
def test_all_digit_loan_numbers_are_read_with_a_lookup(
    text: str, loan_numbers: tuple[str, ...], kind: str, amount: str | None
) -> None:
    ledger = _Ledger("820100012345678", "820100444444", "123456", "9988776655")
    intent = read_message(text, TODAY, ledger)
    assert (intent.kind, intent.loan_numbers) == (kind, loan_numbers)
    assert intent.amount == (Decimal(amount) if amount else None)


def test_the_lookup_is_asked_about_every_lone_digit_token_once() -> None:
    ledger = _Ledger()
    read_message(
        "820100012345678 还款200000 13812345678 820100012345678 L2023001 1234 500000.00 33010219900101123X",
        TODAY,
        ledger,
    )
    assert ledger.asked == [["820100012345678", "200000", "13812345678"]]
    read_message("L2023001 还款5万", TODAY, ledger)
    assert len(ledger.asked) == 1


def test_without_a_lookup_digit_loan_numbers_are_not_read() -> None:
    intent = read_message("820100012345678 还款1000", TODAY)
    assert (intent.kind, intent.loan_numbers, intent.amount) == ("repayment", (), Decimal("1000.00"))
    assert read_message("123456 还款1000", TODAY).amount == Decimal("1000.00")


def test_an_intent_goes_through_a_dict_and_back() -> None:
    intent = read_message("L2023001 民警、村委参与调解 承诺月底前还一半", TODAY)
    assert (intent.approach, intent.participants, intent.promise_share) == (
        "mediation",
        "民警、村委",
        Decimal("0.5"),
    )
    assert Intent(**asdict(intent)) == intent
    assert pickle.loads(pickle.dumps(intent)) == intent


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
    "下周",
    "月底",
    "过两天",
    "一半",
    "还清",
    "1.2w",
    "5k",
    "没人接",
    "不在家",
    "签字",
    "去世",
    "调解",
    "民警",
    "感情交流",
    "微信",
    "820100012345678",
    "123456",
]


@given(st.one_of(st.text(), st.lists(st.sampled_from(_FRAGMENTS), max_size=10).map("".join)))
def test_read_message_fails_only_with_errors_the_user_sees(text: str) -> None:
    try:
        intent = read_message(text, TODAY, _Ledger("820100012345678"))
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
        assert words in without_format_characters(text)
        assert amount > 0


def test_a_zero_width_space_inside_an_amount_is_not_read() -> None:
    """The probe: 还款1\u200b00 recorded ¥1.00, the amount cut at the character nobody sees."""
    intent = read_message("L2023001 还款1\u200b00", TODAY)
    assert (intent.kind, intent.loan_numbers, intent.amount) == (
        "repayment",
        ("L2023001",),
        Decimal("100.00"),
    )
    # The note keeps the message as it was sent.
    assert intent.note == "L2023001 还款1\u200b00"


@pytest.mark.parametrize(
    ("text", "loan_numbers", "amount"),
    [
        ("L2023\u200b001 还款5万", ("L2023001",), "50000.00"),  # not loan L2023
        ("\ufeffL2023001 还款3\u200c000元 现金", ("L2023001",), "3000.00"),
        ("L2023001 还了\u2060两万\u200d五", ("L2023001",), "25000.00"),
        ("L2023001 还款1\u00ad000", ("L2023001",), "1000.00"),
    ],
)
def test_format_characters_change_no_loan_number_and_no_amount(
    text: str, loan_numbers: tuple[str, ...], amount: str
) -> None:
    intent = read_message(text, TODAY)
    assert (intent.loan_numbers, intent.amount) == (loan_numbers, Decimal(amount))
    assert find_loan_numbers(text) == list(loan_numbers)


def test_a_promised_amount_with_a_zero_width_space_is_read_whole() -> None:
    intent = read_message("L2023001 上门 承诺12月10日前还3\u200b0000", TODAY)
    assert (intent.outcome, intent.promise_amount) == ("promise", Decimal("30000.00"))
    assert find_amount("还款1\u200b00") == (Decimal("100.00"), "100")
