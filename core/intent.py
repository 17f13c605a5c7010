"""Free text from the field: what an officer's message reports (a repayment, a contact) and the words for it."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from core.dates import Period, find_date, find_periods
from core.errors import UserError
from core.money import parse_amount, without_format_characters
from core.vocabulary import CONTACT_APPROACHES, CONTACT_CHANNELS, CONTACT_OUTCOMES, REPAYMENT_METHODS

# Receives the all-digit tokens of a message and returns those that are loan numbers in the ledger.
LoanLookup = Callable[[list[str]], Collection[str]]


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
    approach: str | None = None  # one of CONTACT_APPROACHES (感情交流, 辅助核算, 协助讨债, 多方调解), or None
    participants: str = ""  # who took part in a mediation, as written and joined by 、 (`民警、村委`)
    # A promise of a share of what is owed (一半: 0.5, 还清: 1) instead of an amount; never both.
    promise_share: Decimal | None = None


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
# 没联系上, 无人: a try that missed, whose outcome depends on the channel (see _MISSED_BY_CHANNEL).
_MISSED = "missed"
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
    "许诺": "promise",
    "保证人": None,
    "保证金": None,
    "保证书": None,
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
    "不同意": "refused",
    "不愿意": "refused",
    "不接受": "refused",
    "拒签": "refused",
    "拒绝签收": "refused",
    "拒绝签字": "refused",
    "不签字": "refused",
    "不肯签字": "refused",
    "不愿签字": "refused",
    "不签收": "refused",
    # A call that was not answered.
    "没人接": "no_answer",
    "没有人接": "no_answer",
    "无人接": "no_answer",
    "无人接听": "no_answer",
    "未接听": "no_answer",
    "没接听": "no_answer",
    "不接听": "no_answer",
    "没接": "no_answer",
    "未接电话": "no_answer",
    "不接电话": "no_answer",
    "电话不接": "no_answer",
    "未接通": "no_answer",
    "没接通": "no_answer",
    "没有接通": "no_answer",
    "打不通": "no_answer",
    "无法接通": "no_answer",
    "关机": "no_answer",
    "占线": "no_answer",
    "拒接": "no_answer",
    # A visit that did not find the borrower.
    "不在家": "absent",
    "没在家": "absent",
    "家中无人": "absent",
    "家里无人": "absent",
    "家里没人": "absent",
    "家中没人": "absent",
    "人不在": "absent",
    "没见到": "absent",
    "未见到": "absent",
    "没见着": "absent",
    "没有见到": "absent",
    "未见面": "absent",
    "没见面": "absent",
    # The borrower cannot be found at all.
    "失联": "unreachable",
    "联系不上": "unreachable",
    "找不到": "unreachable",
    "找不到人": "unreachable",
    "没找到": "unreachable",
    "下落不明": "unreachable",
    "去向不明": "unreachable",
    "不知去向": "unreachable",
    "外出不知去向": "unreachable",
    "停机": "unreachable",
    "空号": "unreachable",
    "无人": _MISSED,
    "没人": _MISSED,
    "没联系上": _MISSED,
    "没有联系上": _MISSED,
    "未联系上": _MISSED,
    "未能联系上": _MISSED,
    "无法联系": _MISSED,
    "异议": "dispute",
    "有异议": "dispute",
    "困难": "hardship",
    "无力": "hardship",
    "没钱": "hardship",
    # A signature on a demand notice or on the debt: it starts the statute of limitations again.
    "签字确认": "acknowledged",
    "签字": "acknowledged",
    "签了字": "acknowledged",
    "签名": "acknowledged",
    "签收": "acknowledged",
    "确认欠款": "acknowledged",
    "承认欠款": "acknowledged",
    "回执": "acknowledged",
    "按手印": "acknowledged",
    "未签字": None,
    "没签字": None,
    "没有签字": None,
    "未签收": None,
    "没签收": None,
    "无回执": None,
    "没有回执": None,
    "去世": "deceased",
    "死亡": "deceased",
    "过世": "deceased",
    "病故": "deceased",
    "身故": "deceased",
    "已故": "deceased",
    "逝世": "deceased",
    "亡故": "deceased",
    "离世": "deceased",
    "已还款": "paid",
    "已还清": "paid",
    "已结清": "paid",
}
# Which of the outcomes a missed try is: a call nobody answered, a visit that found nobody at home, or
# (by message, letter…) a borrower who cannot be reached.
_MISSED_BY_CHANNEL = {"phone": "no_answer", "visit": "absent"}
_APPROACH_WORDS: dict[str, str | None] = {
    "感情交流": "rapport",
    "情感交流": "rapport",
    "感情沟通": "rapport",
    "拉家常": "rapport",
    "唠家常": "rapport",
    "聊家常": "rapport",
    "谈心": "rapport",
    "辅助核算": "accounting",
    "协助核算": "accounting",
    "帮助核算": "accounting",
    "帮其核算": "accounting",
    "帮其算账": "accounting",
    "帮他算账": "accounting",
    "帮忙算账": "accounting",
    "帮助算账": "accounting",
    "协助算账": "accounting",
    "协助讨债": "debt_help",
    "帮助讨债": "debt_help",
    "帮其讨债": "debt_help",
    "帮他讨债": "debt_help",
    "帮忙讨债": "debt_help",
    "协助追讨": "debt_help",
    "帮助追讨": "debt_help",
    "帮其追讨": "debt_help",
    "协助追债": "debt_help",
    "帮助追债": "debt_help",
    "多方调解": "mediation",
    "联合调解": "mediation",
    "三方调解": "mediation",
    "共同调解": "mediation",
}
# Who takes part in a mediation besides the officer and the borrower. 律师函 is a letter, not a lawyer.
_PARTICIPANT_WORDS: dict[str, str | None] = {
    word: word
    for word in (
        "民警",
        "派出所",
        "公安",
        "警察",
        "亲友",
        "亲属",
        "家属",
        "亲戚",
        "家人",
        "子女",
        "村委",
        "村委会",
        "村干部",
        "村支书",
        "村主任",
        "居委会",
        "社区",
        "镇政府",
        "乡政府",
        "司法所",
        "人民调解员",
        "网格员",
        "担保人",
        "保证人",
        "律师",
    )
} | {"律师函": None}
_METHOD_WORDS: dict[str, str | None] = {
    "现金": "cash",
    "转账": "transfer",
    "汇款": "transfer",
    "银行转账": "transfer",
    "微信": "transfer",
    "支付宝": "transfer",
    "手机银行": "transfer",
    "网银": "transfer",
    "网上银行": "transfer",
    "扫码": "transfer",
    "以资抵债": "asset",
    "抵债": "asset",
    "法院执行": "court",
    "法院划扣": "court",
    "执行": "court",
    "担保人代偿": "guarantor",
    "担保人": "guarantor",
    "保证人": "guarantor",
    "代偿": "guarantor",
    "其他": "other",
}
# 微信 is also how an officer reaches a borrower (微信联系), so another method word in the message wins over it.
_WEAK_METHOD_WORDS = frozenset({"微信"})
# When a message names several outcomes, the one that matters most for the next step is kept: 见到本人 拒绝还款
# is a refusal, not just a visit that reached the borrower. Money and promises first (they are followed up); a
# signature next (it restarts the statute of limitations, even when the heirs sign for a borrower who died);
# then the borrower's state and answer; then a failed try, the better-informed one first (失联 says more than
# 不在家, which says more than an unanswered call).
_OUTCOME_STRENGTH = (
    "paid",
    "promise",
    "acknowledged",
    "deceased",
    "dispute",
    "refused",
    "hardship",
    "unreachable",
    "absent",
    "no_answer",
    "reached",
)
# Method words that say money moved. 担保人, 执行 and 其他 name a party or a process, which a contact note also
# mentions ("担保人拒绝代偿", "申请执行"), so they take a paid verb to make a repayment; 微信 is also a channel.
_PAYMENT_METHOD_WORDS = (
    "现金",
    "转账",
    "汇款",
    "以资抵债",
    "抵债",
    "代偿",
    "支付宝",
    "手机银行",
    "网银",
    "扫码",
)

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
    # How money recovered through the court is reported: 执行回款1万, 执行到位2万, 法院划扣3万.
    "回款(?!计划|方案|日期|时间|期限|压力|来源|承诺|日|失败)",
    "执行到位",
    "划扣(?!失败|不成|未果|不到)",
)
_PAID = re.compile(_AFFIRMED + "(?:" + "|".join(_PAID_VERBS) + ")")
# Words that can only report the past. They keep a message a repayment even when it also mentions a promise
# (上月承诺的5万 昨天已还款), where a bare 还款 after 承诺 is the promise itself (答应下个月还款).
_PAID_PAST = re.compile(
    _AFFIRMED + "(?:还了(?!解)|已还|已经还|已归还|归还了|已偿还|已收回|已收到|已结清|已经结清)"
)
_PAYMENT_METHOD = re.compile(_AFFIRMED + "(?:" + "|".join(_PAYMENT_METHOD_WORDS) + ")")

# A promise without a promise word: a day to come or a period, then a repay verb (下周还2万, 月底前还清,
# 12月10日前还3万). 还 alone is also "still" (下周还要去), so it is a repay verb only before what is repaid.
_REPAY = _AFFIRMED + (
    "(?:归还|偿还|还款(?!困难|能力|意愿|计划|方案|日期|时间|期限|压力|来源|承诺|日)|还钱|还清|还完|还上|还掉|还给"
    r"|结清|付清|还(?=\s*(?:[0-9¥￥]|[一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]|全部|剩|余|欠款|利息|本金|部分|贷款|借款))"
    r"|(?:转账|汇款|打款|付款)(?=\s*(?:[0-9¥￥]|[一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾])))"
)
# Words that may stand between the day and the verb: 月底前就能把钱还上, 下月起每月还2000.
_BEFORE_REPAY = (
    "之前|以前|前|之内|以内|内|左右|为止|开始|起|会|能够|能|可以|可|再|就|一定|肯定|争取|准备|计划|打算|想|要|才|先|也"
    "|将|把钱|把款|把欠款|把贷款|分期|陆续|逐步|一次性|全部|按月|每月|愿意|尽快|保证|承诺|答应|通过|用|转账|汇款"
    "|现金|微信|支付宝"
)
_PROMISE_TAIL = re.compile(rf"(?:\s|{_BEFORE_REPAY})*{_REPAY}")
# 表示, 同意, 愿意 make a promise only when a repay verb follows (同意调解 is none, 表示困难 is hardship).
_WEAK_PROMISE = re.compile(rf"(?<![不没未])(?:表示|同意|愿意|约定)(?:\s|{_BEFORE_REPAY})*{_REPAY}")
# A negation before the period: 拒绝月底前还款 is no promise.
_NEGATED = re.compile(r"(?:不|没|未|拒绝|无力|难以|没有|无法|不能|不愿|不肯)\s*$")
# A share of what is owed, promised instead of an amount: 还一半, 还三成, 还50%, 全部还清.
_SHARE = re.compile(
    "(?P<half>一半|半数|二分之一)"
    "|(?<![0-9])(?P<tenths>[1-9一二三四五六七八九])成(?![员功本立交为])"
    "|(?<![0-9.])(?P<percent>[0-9]{1,3})%"
    "|百分之(?P<cn_percent>[0-9]{1,3}|[一二三四五六七八九十百]{1,4})"
    "|(?P<whole>全部|全额|全款|还清|结清|付清|还完|剩下|剩余|余款|尾款)"
)
_TENTHS = {char: index for index, char in enumerate("一二三四五六七八九", start=1)}
# Amounts that are the debt, not what is promised (欠5万 承诺还款: the 5万 is owed).
_DEBT_BEFORE = re.compile(r"(?:欠款?|余额|尚欠|共欠|还欠|本金|贷款|借款|利息|欠息|本息)\s*$")

# Loan numbers: a short Latin prefix and at least four digits, standing alone (not inside a longer token).
_LOAN_NUMBER = re.compile(r"(?<![0-9A-Za-z_])(?P<prefix>[A-Za-z]{1,4})(?P<digits>[0-9]{4,})(?![0-9A-Za-z_])")
# Loan numbers of digits only (820100012345678): any run of 6 to 30 digits standing alone, which the ledger
# is asked about. Joined to letters or digits by - / . , it is part of something longer (A-123456-1,
# 500000.00, 1,000,000).
_DIGIT_TOKEN = re.compile(
    r"(?<![0-9A-Za-z_])(?<![0-9A-Za-z][-/.,])[0-9]{6,30}(?![0-9A-Za-z_])(?![-/.,][0-9A-Za-z])"
)
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
            # 1.2w, 5k: 万 and 千 as typed on a phone's Latin keyboard.
            (?:\ ?[{_CN_UNITS}]+(?:零?[0-9]+[{_CN_UNITS}]*)*|[wWkK])?)
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


def read_outcome(word: str, channel: str | None = None) -> str | None:
    """The contact outcome a word names (`promise`, `承诺还款`, `没人接`…), or None.

    A missed try (没联系上, 无人) is `no_answer` by phone, `absent` on a visit and `unreachable` otherwise: the
    channel is the one given (a value or a word), else one the words name.
    """
    text = word.strip()
    if text.lower() in CONTACT_OUTCOMES:
        return text.lower()
    if text in _OUTCOME_WORDS:
        values = [_OUTCOME_WORDS[text]]
    else:
        values = [value for _, value in _find_words(_half_width(text), _OUTCOME_WORDS)]
    said = read_channel(channel) if channel else read_channel(text)
    return _strongest([_resolve_missed(value, said) for value in values])


def read_approach(word: str) -> str | None:
    """The approach a word names (`rapport`, `感情交流`, `多方调解`…), or None."""
    return _read_word(word, CONTACT_APPROACHES, _APPROACH_WORDS, _earliest)


def read_method(word: str) -> str | None:
    """The repayment method a word names (`cash`, `现金`, `微信`…), or None."""
    return _read_word(word, REPAYMENT_METHODS, _METHOD_WORDS, _earliest)


def find_loan_numbers(text: str) -> list[str]:
    """The loan numbers written in a message (`L2023001`, `DK20230001`), upper-cased, in order, each once."""
    return [number for _, number in _latin_loan_numbers(_half_width(without_format_characters(text)))]


def find_amount(text: str) -> tuple[Decimal, str] | None:
    """The first amount in a message and the words that wrote it; UserError when those words are no amount."""
    text = without_format_characters(text)
    working, _ = _take_dates(_without_identifiers(_half_width(text)), None)
    spans = _amount_spans(working)
    if not spans:
        return None
    return _read_amount(text, spans[0])


def read_message(text: str, today: date, loan_lookup: LoanLookup | None = None) -> Intent:
    """What a free-text message reports: a repayment, a contact (maybe with a promise), or nothing we know.

    `loan_lookup` receives the message's all-digit tokens of 6 to 30 digits and returns those that are loan
    numbers; without it only Latin-prefixed numbers (L2023001) are loan numbers.
    """
    note = text.strip()
    # Read without format characters: 还款1\u200b00 is 100 as seen, and L2023\u200b001 is loan L2023001, not
    # L2023. The note keeps the words as sent.
    text = without_format_characters(text)
    working = _half_width(text)
    working, loan_numbers = _take_loan_numbers(working, loan_lookup)
    working = _without_identifiers(working)

    channels = _find_words(working, _CHANNEL_WORDS)
    channel = _earliest([value for _, value in channels])
    outcomes = [
        (start, _resolve_missed(value, channel)) for start, value in _find_words(working, _OUTCOME_WORDS)
    ]
    working, dates, impossible = _take_real_dates(working, today)
    periods = find_periods(working, today)
    for period in periods:
        working = _blank(working, period.start, period.end)

    promise_at = _promise_start(working, outcomes, dates, periods, today, impossible is not None)
    paid = _PAID.search(working)
    is_promise = promise_at is not None and not _PAID_PAST.search(working)
    approach, participants = _approach(working)
    reports = bool(paid or _PAYMENT_METHOD.search(working) or channel or promise_at is not None or approach)
    if impossible is not None and (reports or any(value for _, value in outcomes)):
        raise impossible
    days = [(start, day) for start, _, day in dates]

    if (paid or _PAYMENT_METHOD.search(working)) and not is_promise:
        spans = _amount_spans(working)
        if spans:
            # 欠10万 还了3万: the amount is the one after the paid word.
            anchor = paid.start() if paid else 0
            amount, _ = _read_amount(text, next((s for s in spans if s[0] >= anchor), spans[0]))
            return Intent(
                kind="repayment",
                loan_numbers=loan_numbers,
                amount=amount,
                method=_method(working),
                day=_repayment_day(days, promise_at, today),
                note=note,
            )

    outcome = _strongest([value for _, value in outcomes] + (["promise"] if is_promise else []))
    if channel is None and outcome is None and approach is None:
        return Intent(kind="unknown", loan_numbers=loan_numbers, note=note)

    promise = _Promised()
    if outcome == "promise" and promise_at is not None:
        promise = _promise_terms(text, working, promise_at, days, periods, today)
        days = promise.other_days
    return Intent(
        kind="contact",
        loan_numbers=loan_numbers,
        day=_contact_day(days, today),
        channel=channel,
        outcome=outcome or "reached",
        promise_amount=promise.amount,
        promise_date=promise.day,
        note=note,
        approach=approach,
        participants=participants,
        promise_share=promise.share,
    )


@dataclass(frozen=True, slots=True)
class _Promised:
    """What a promise says: an amount or a share, a day, and the message's days left once the promise's is
    taken."""

    amount: Decimal | None = None
    share: Decimal | None = None
    day: date | None = None
    other_days: list[tuple[int, date]] = field(default_factory=list)


def _promise_terms(
    text: str,
    working: str,
    promise_at: int,
    days: list[tuple[int, date]],
    periods: list[Period],
    today: date,
) -> _Promised:
    """The amount (or share) and the day a promise starting at `promise_at` names."""
    spans = _amount_spans(working)
    # 欠5万 承诺12月10日前还3万: the promised amount is the one after the promise; one before it counts only
    # when it is not the debt (欠5万 承诺还款 promises no amount).
    span = next((s for s in spans if s[0] >= promise_at), None) or next(
        (s for s in spans if not _DEBT_BEFORE.search(working, 0, s[0])), None
    )
    amount = _read_amount(text, span)[0] if span is not None else None
    share = _share(working, promise_at) if span is None else None
    said = sorted(days + [(period.start, period.day) for period in periods if period.day])
    promised = _promise_date(said, promise_at, today)
    if promised is None:
        return _Promised(amount, share, None, days)
    return _Promised(amount, share, promised[1], [found for found in days if found is not promised])


def _take_loan_numbers(working: str, loan_lookup: LoanLookup | None) -> tuple[str, tuple[str, ...]]:
    """The loan numbers of a half-width text, blanked out of it: Latin-prefixed ones, and all-digit tokens
    that `loan_lookup` knows."""
    numbered = _latin_loan_numbers(working)
    if loan_lookup is not None:
        tokens = [(match.start(), match.group()) for match in _DIGIT_TOKEN.finditer(working)]
        known = loan_lookup(list(dict.fromkeys(number for _, number in tokens))) if tokens else set()
        for start, number in tokens:
            if number in known:
                numbered.append((start, number))
                working = _blank(working, start, start + len(number))
    return working, tuple(dict.fromkeys(number for _, number in sorted(numbered)))


def _take_real_dates(working: str, today: date) -> tuple[str, list[tuple[int, int, date]], UserError | None]:
    """The dates of a text, blanked out of it, and the error of one that names no real day (told to the user
    only in a message that reports something)."""
    try:
        working, dates = _take_dates(working, today)
    except UserError as error:
        working, dates = _take_dates(working, None)
        return working, dates, error
    return working, dates, None


def _latin_loan_numbers(text: str) -> list[tuple[int, str]]:
    """Where each Latin-prefixed loan number of a half-width text starts, upper-cased, each once."""
    found: list[tuple[int, str]] = []
    for match in _LOAN_NUMBER.finditer(text):
        number = match.group().upper()
        if match["prefix"].upper() not in _CURRENCY_CODES and number not in (known for _, known in found):
            found.append((match.start(), number))
    return found


def _resolve_missed(value: str | None, channel: str | None) -> str | None:
    """A missed try as the channel makes it: unanswered on the phone, nobody home on a visit, else unreachable."""
    if value != _MISSED:
        return value
    return _MISSED_BY_CHANNEL.get(channel or "", "unreachable")


def _promise_start(
    text: str,
    outcomes: list[tuple[int, str | None]],
    dates: list[tuple[int, int, date]],
    periods: list[Period],
    today: date,
    any_date: bool,
) -> int | None:
    """Where the message first promises: a promise word, 同意还款, or a day to come followed by a repay verb."""
    starts = [start for start, value in outcomes if value == "promise"]
    starts += [match.start() for match in _WEAK_PROMISE.finditer(text)]
    starts += [
        start for start, end, day in dates if (any_date or day > today) and _PROMISE_TAIL.match(text, end)
    ]
    starts += [
        period.start
        for period in periods
        if (period.day is None or period.day >= today)
        and _PROMISE_TAIL.match(text, period.end)
        and not _NEGATED.search(text, 0, period.start)
    ]
    return min(starts, default=None)


def _approach(text: str) -> tuple[str | None, str]:
    """The approach a contact took and, for a mediation, who took part (`民警、村委`)."""
    found = [(start, value) for start, value in _find_words(text, _APPROACH_WORDS) if value]
    people = list(dict.fromkeys(value for _, value in _find_words(text, _PARTICIPANT_WORDS) if value))
    if people and "调解" in text:
        # 调解 alone is the channel; with others taking part it is the campaign's 多方调解.
        found.append((text.index("调解"), "mediation"))
    if not found:
        return None, ""
    approach = min(found)[1]
    return approach, "、".join(people) if approach == "mediation" else ""


def _method(text: str) -> str | None:
    """The repayment method a message names; 微信 only when no other method is named."""
    found = [
        (word in _WEAK_METHOD_WORDS, start, value)
        for start, value, word in _find_words_with(text, _METHOD_WORDS)
    ]
    return next((value for _, _, value in sorted(found) if value is not None), None)


def _share(text: str, start: int) -> Decimal | None:
    """The share of what is owed that a promise names after `start` (一半: 0.5, 三成: 0.3, 还清: 1), or None."""
    match = _SHARE.search(text, start)
    if match is None:
        return None
    if match["half"]:
        return Decimal("0.5")
    if match["tenths"]:
        tenths = match["tenths"]
        return Decimal(int(tenths) if tenths.isdigit() else _TENTHS[tenths]) / 10
    percent = match["percent"] or match["cn_percent"]
    if percent:
        try:
            value = parse_amount(percent)
        except UserError:
            return None
        return value.normalize() / 100 if value <= 100 else None
    return Decimal(1)


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
    return [(start, value) for start, value, _ in _find_words_with(text, words)]


def _find_words_with(text: str, words: Mapping[str, str | None]) -> list[tuple[int, str | None, str]]:
    """As _find_words, with each word as written."""
    return [
        (match.start(), words[match.group()], match.group()) for match in _words_pattern(words).finditer(text)
    ]


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


def _take_dates(text: str, today: date | None) -> tuple[str, list[tuple[int, int, date]]]:
    """The dates in the text with where they start and end, and the text with them blanked."""
    # With `today`, a date that names no real day (2月30日) raises date.impossible for the user; without it only
    # the positions are wanted (find_amount), and such a date is blanked like any other.
    found: list[tuple[int, int, date]] = []
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
            # Kept with a stand-in day: the caller wants to know where a date was written.
            found.append((start, start + len(words), _ANY_LEAP_YEAR_DAY))
            text = _blank(text, start, start + len(words))
            continue
        if dated is None:
            break
        day, words = dated
        start = text.find(words)
        if start < 0 or not words.strip():
            break
        found.append((start, start + len(words), day))
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
