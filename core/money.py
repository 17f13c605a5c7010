"""Money: reading amounts the way officers write them, and showing them the way reports do."""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import repeat

from core.errors import UserError

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12
WAN = Decimal(10000)

# Nothing a person types as an amount is this long; the cap keeps every Decimal step below exact.
_MAX_TEXT_LENGTH = 64
# Float noise (0.1 + 0.2) is far below this; a real third decimal place (0.001) is far above.
_FLOAT_NOISE = Decimal("1e-9")

_TRADITIONAL = str.maketrans("萬億兩貳參陸圓塊負點幣−", "万亿两贰叁陆圆块负点币-")
_CN_DIGITS = {
    char: value
    for value, chars in enumerate(
        ("零〇", "一壹", "二贰两", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖")
    )
    for char in chars
}
_CN_UNITS = "十拾百佰千仟万亿"
_CN_NUMERAL = re.compile(f"[{''.join(_CN_DIGITS)}{_CN_UNITS}]+")
_CN_DIGIT_RUN = re.compile(f"[{''.join(_CN_DIGITS)}]+")
_MULTIPLIERS = {
    "十": 10,
    "百": 100,
    "千": 1000,
    "万": 10**4,
    "十万": 10**5,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
    "万亿": 10**12,
}
_ARABIC = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_WITH_MULTIPLIER = re.compile(r"(?P<number>.+?)(?P<unit>万亿|[十百千]万|[十百千万亿])")
# "1万2千", "1亿2000万", "3万5": Arabic digits between Chinese units, which cn2an's smart mode reads.
_MIXED = re.compile(r"[0-9]+[十百千万亿](?:零?[0-9]+[十百千万亿])*(?:零?[0-9]+)?")
_SPOKEN_YI = re.compile("亿([1-9一二两三四五六七八九壹贰叁肆伍陆柒捌玖])$")
_DIGIT = f"[0-9{''.join(_CN_DIGITS)}]"
_YUAN_JIAO_FEN = re.compile(
    rf"(?:(?P<yuan>.+?)[元圆块])?(?:(?P<jiao>{_DIGIT})[角毛])?(?:零?(?P<fen>{_DIGIT})分)?"
)
_LATIN_UNIT = re.compile(r"(?<=[0-9])[wWkK]")
# Unicode's format characters (category Cf): zero-width spaces and joiners, the byte-order mark, soft hyphens,
# direction marks. They show nothing, so text pasted from a chat or a web page can carry them unseen; the
# Egyptian controls up to U+1343F are listed for Unicode 15, after which Python's own tables may catch up.
FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_CURRENCY_PREFIXES = ("¥", "人民币", "RMB", "CNY")
_SUFFIXES = ("元整", "圆整", "元正", "圆正", "块钱", "整", "元", "圆", "块")


def parse_amount(value: str | int | Decimal | float | None, *, allow_zero: bool = False) -> Decimal:
    """Read an amount in yuan (number, Excel cell or text such as `3.5万`, `两万五`) as a Decimal to the fen."""
    if value is None:
        raise UserError("amount.empty")
    if isinstance(value, bool):
        raise UserError("amount.unreadable", text=str(value))
    if isinstance(value, str):
        text = value.strip()
        negative, magnitude = _read_text(value)
    elif isinstance(value, int):
        text = str(value)
        negative, magnitude = value < 0, Decimal(abs(value))
    elif isinstance(value, Decimal):
        text = str(value)
        if not value.is_finite():
            raise UserError("amount.unreadable", text=text)
        negative, magnitude = value.is_signed() and value != 0, abs(value)
    elif isinstance(value, float):
        text = repr(value)
        if not math.isfinite(value):
            raise UserError("amount.unreadable", text=text)
        negative, magnitude = value < 0, _without_float_noise(abs(Decimal(repr(value))))
    else:
        raise TypeError(f"parse_amount takes text or a number, not {type(value).__name__}")
    return _checked(negative, magnitude, text, allow_zero)


def without_format_characters(text: str) -> str:
    """The text without its invisible format characters (zero-width space, BOM, direction marks)."""
    return text if text.isascii() else FORMAT_CHARACTERS.sub("", text)


def format_yuan(amount: Decimal) -> str:
    """Show an amount as `¥12,345.67` (negative: `-¥12.00`)."""
    rounded = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}¥{abs(rounded):,.2f}"


def format_wan(amount: Decimal) -> str:
    """Show an amount in 万元 for summaries, e.g. `1.23万元`."""
    wan = (amount / WAN).quantize(FEN, rounding=ROUND_HALF_UP)
    if wan == 0:
        # A tiny negative amount must not show as "-0.00万元".
        wan = abs(wan)
    return f"{wan:.2f}万元"


def to_fen(amount: Decimal) -> int:
    """The amount as an integer number of fen; it must already be exact to the fen."""
    if not isinstance(amount, Decimal):
        # A float here would mean money went through float somewhere upstream.
        raise TypeError(f"to_fen takes a Decimal, not {type(amount).__name__}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def to_fen_all(amounts: Sequence[Decimal | None]) -> list[int | None]:
    """to_fen of each amount (None for None), a whole column at a time: an import's 200,000 balances."""
    if set(map(type, amounts)) == {Decimal}:
        fen = list(map(operator.mul, amounts, repeat(100)))
        whole = list(map(int, fen))
        if fen == whole:
            return whole
    return [None if amount is None else to_fen(amount) for amount in amounts]  # raising as to_fen does


def from_fen(fen: int) -> Decimal:
    """The amount in yuan for an integer number of fen."""
    return Decimal(fen).scaleb(-2)


def _checked(negative: bool, magnitude: Decimal, text: str, allow_zero: bool) -> Decimal:
    if negative and magnitude != 0:
        raise UserError("amount.negative", text=text)
    # Before quantize: quantizing a huge number overflows the Decimal context.
    if magnitude > MAX_AMOUNT:
        raise UserError("amount.too_large", text=text)
    rounded = magnitude.quantize(FEN)
    if rounded != magnitude:
        raise UserError("amount.too_precise", text=text)
    if rounded == 0 and not allow_zero:
        raise UserError("amount.zero")
    return rounded


def _without_float_noise(exact: Decimal) -> Decimal:
    if exact > MAX_AMOUNT:
        return exact
    rounded = exact.quantize(FEN)
    return rounded if abs(exact - rounded) < _FLOAT_NOISE else exact


def _read_text(value: str) -> tuple[bool, Decimal]:
    """The sign and size of a typed amount; UserError when it is not one."""
    # Stripped, not refused: 1\u200b00 looks like 100 to whoever typed or pasted it, and a refusal quoting it
    # would show "100" as unreadable. Left in, the amount finder stopped at the invisible character (¥1.00).
    value = without_format_characters(value)
    original = value.strip()
    # NFKC turns full-width digits, commas and ￥ into their ASCII forms.
    text = unicodedata.normalize("NFKC", value).translate(_TRADITIONAL).strip()
    if not text:
        raise UserError("amount.empty")
    # A space between two digits ("1 000") could be two numbers; any other space is just spacing.
    if len(text) > _MAX_TEXT_LENGTH or re.search(r"[0-9]\s+[0-9]", text):
        raise UserError("amount.unreadable", text=original)
    # 1.2w, 5k: 万 and 千 as typed on a phone's Latin keyboard (right after the digits, as 5 万 is not).
    text = _LATIN_UNIT.sub(lambda match: "万" if match.group() in "wW" else "千", text)
    text = re.sub(r"\s+", "", text)

    text = _strip_currency(text)
    negative = False
    if text[:1] in ("-", "负"):
        negative, text = True, _strip_currency(text[1:])
    elif text[:1] == "+":
        text = _strip_currency(text[1:])

    magnitude = _read_magnitude(text)
    if magnitude is None:
        raise UserError("amount.unreadable", text=original)
    return negative, magnitude


def _strip_currency(text: str) -> str:
    for prefix in _CURRENCY_PREFIXES:
        if text[: len(prefix)].upper() == prefix:
            return text[len(prefix) :]
    return text


def _read_magnitude(text: str) -> Decimal | None:
    """An unsigned amount without currency sign, or None."""
    if text.endswith("整"):
        text = text[:-1]
    yjf = _YUAN_JIAO_FEN.fullmatch(text)
    if yjf and (yjf["jiao"] or yjf["fen"]):
        yuan = _read_number(yjf["yuan"]) if yjf["yuan"] else Decimal(0)
        if yuan is None:
            return None
        jiao = _digit(yjf["jiao"]) if yjf["jiao"] else 0
        fen = _digit(yjf["fen"]) if yjf["fen"] else 0
        return yuan + Decimal(jiao * 10 + fen) / 100
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return _read_number(text) if text else None


def _read_number(text: str) -> Decimal | None:
    """A bare number: Arabic, Chinese, or a decimal followed by 万/亿/千…; None when it is none of these."""
    plain = _read_plain_decimal(text)
    if plain is not None:
        return plain
    scaled = _WITH_MULTIPLIER.fullmatch(text)
    if scaled:
        base = _read_plain_decimal(scaled["number"])
        if base is not None:
            # Decimal arithmetic, not cn2an's float: 1.23万 must be exactly 12300.
            with localcontext(prec=_MAX_TEXT_LENGTH + 20):
                return base * _MULTIPLIERS[scaled["unit"]]
    if _MIXED.fullmatch(text):
        return _cn2an_integer(text, "smart")
    if _CN_NUMERAL.fullmatch(text):
        return _cn2an_integer(text, "normal")
    return None


def _read_plain_decimal(text: str) -> Decimal | None:
    """`12,345.67`, `3.5` or `三点五`; a Chinese integer such as `五万` is not plain and gives None."""
    if _ARABIC.fullmatch(text):
        return Decimal(text.replace(",", ""))
    whole, dot, fraction = text.partition("点")
    if dot and fraction and _CN_DIGIT_RUN.fullmatch(fraction) and _CN_NUMERAL.fullmatch(whole):
        integer = _cn2an_integer(whole, "normal")
        if integer is not None:
            return integer + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in fraction))
    return None


def _cn2an_integer(text: str, mode: str) -> Decimal | None:
    """cn2an's reading of a whole number, or None when it cannot read it or reads a fraction."""
    # cn2an reads the spoken 两万五 but fails with a KeyError on 一亿二; say the omitted unit for it.
    text = _SPOKEN_YI.sub(r"亿\1千万", text)
    import cn2an  # loaded by the first amount in Chinese numerals, not by every command

    try:
        result = cn2an.cn2an(text, mode)
    except Exception:  # cn2an raises ValueError, and KeyError on forms such as 一亿二
        return None
    if isinstance(result, int) and result >= 0:
        return Decimal(result)
    return None


def _digit(char: str) -> int:
    return int(char) if char.isascii() else _CN_DIGITS[char]
