"""Amounts as officers write them, and as reports show them."""

from __future__ import annotations

import re
import sys
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UserError
from core.money import (
    FEN,
    format_wan,
    format_yuan,
    from_fen,
    parse_amount,
    to_fen,
    without_format_characters,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50000", "50000.00"),
        ("50,000.00", "50000.00"),
        ("12,345.67", "12345.67"),
        ("¥12,345.67", "12345.67"),
        ("￥1,000", "1000.00"),
        ("5万", "50000.00"),
        ("5万元", "50000.00"),
        ("3.5万", "35000.00"),
        ("3.5万元", "35000.00"),
        ("1.23万元", "12300.00"),
        ("1.2345万", "12345.00"),
        ("两万五", "25000.00"),
        ("一万二千", "12000.00"),
        ("壹万贰仟元整", "12000.00"),
        ("三千五百元", "3500.00"),
        ("2亿", "200000000.00"),
        ("1.5亿元", "150000000.00"),
        ("一亿二", "120000000.00"),
        ("5000元", "5000.00"),
        ("5千", "5000.00"),
        ("1千万", "10000000.00"),
        ("５万", "50000.00"),
        ("５，０００．００", "5000.00"),
        ("  5万元  ", "50000.00"),
        ("¥ 12,345.67", "12345.67"),
        ("人民币5万元", "50000.00"),
        ("RMB500", "500.00"),
        ("一点五万", "15000.00"),
        ("1万2千", "12000.00"),
        ("1万5", "15000.00"),
        ("1亿2000万", "120000000.00"),
        ("5万5千元", "55000.00"),
        ("十万零五百", "100500.00"),
        ("贰佰伍拾元整", "250.00"),
        ("壹佰圆整", "100.00"),
        ("两千块", "2000.00"),
        ("5元3角2分", "5.32"),
        ("五元五角", "5.50"),
        ("12元零5分", "12.05"),
        ("3角", "0.30"),
        ("十二万三千四百五十六元七角八分", "123456.78"),
        ("0.5元", "0.50"),
        ("+300", "300.00"),
        ("1000000000000", "1000000000000.00"),
        ("1万亿", "1000000000000.00"),
        # 万 and 千 typed on a Latin keyboard (5k was refused before).
        ("1.2w", "12000.00"),
        ("1.2W", "12000.00"),
        ("3w", "30000.00"),
        ("5k", "5000.00"),
        ("5K", "5000.00"),
        ("2.5千", "2500.00"),
        ("1.2w元", "12000.00"),
        ("１.２ｗ", "12000.00"),
        ("¥5k", "5000.00"),
        ("1w5", "15000.00"),
    ],
)
def test_reads_the_ways_officers_write_amounts(text: str, expected: str) -> None:
    result = parse_amount(text)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (50000, "50000.00"),
        (Decimal("12.3"), "12.30"),
        (Decimal("12.300"), "12.30"),
        (12345.67, "12345.67"),
        (0.1 + 0.2, "0.30"),
        (1.1 * 3, "3.30"),
        (1e11, "100000000000.00"),
    ],
)
def test_reads_numbers_from_spreadsheet_cells(value: int | Decimal | float, expected: str) -> None:
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "amount.empty"),
        ("   ", "amount.empty"),
        ("\u3000", "amount.empty"),
        (None, "amount.empty"),
        ("-500", "amount.negative"),
        ("负500", "amount.negative"),
        ("-¥12.00", "amount.negative"),
        ("¥-12.00", "amount.negative"),
        ("负两万五", "amount.negative"),
        (-5, "amount.negative"),
        (Decimal("-0.01"), "amount.negative"),
        (-3.0, "amount.negative"),
        ("0", "amount.zero"),
        ("0.00", "amount.zero"),
        ("零元", "amount.zero"),
        ("-0", "amount.zero"),
        (0, "amount.zero"),
        (0.0, "amount.zero"),
        ("1.234", "amount.too_precise"),
        ("0.001", "amount.too_precise"),
        ("1.2345678万", "amount.too_precise"),
        (12345.675, "amount.too_precise"),
        (Decimal("0.005"), "amount.too_precise"),
        ("1000000000000.01", "amount.too_large"),
        ("2万亿", "amount.too_large"),
        ("99999999999999999999999999999999999999", "amount.too_large"),
        (10**13, "amount.too_large"),
        (1e20, "amount.too_large"),
        (Decimal("1E+30"), "amount.too_large"),
        ("abc", "amount.unreadable"),
        ("5kg", "amount.unreadable"),
        ("k5", "amount.unreadable"),
        ("5 k", "amount.unreadable"),
        ("5kw", "amount.unreadable"),
        ("1.2ww", "amount.unreadable"),
        ("1 000", "amount.unreadable"),
        ("1,00", "amount.unreadable"),
        ("5万万", "amount.unreadable"),
        ("¥", "amount.unreadable"),
        ("元", "amount.unreadable"),
        ("--5", "amount.unreadable"),
        ("1e5", "amount.unreadable"),
        ("五点", "amount.unreadable"),
        ("1" * 100, "amount.unreadable"),
        (float("nan"), "amount.unreadable"),
        (float("inf"), "amount.unreadable"),
        (Decimal("NaN"), "amount.unreadable"),
        (True, "amount.unreadable"),
    ],
)
def test_refuses_bad_amounts_with_the_right_reason(
    value: str | int | Decimal | float | None, key: str
) -> None:
    with pytest.raises(UserError) as caught:
        parse_amount(value)
    assert caught.value.key == key


def test_unreadable_amount_names_the_text_the_user_wrote() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("  五块多 ")
    assert caught.value.params == {"text": "五块多"}
    assert caught.value.render("zh") == "无法识别的金额“五块多”"


def test_negative_amount_names_the_text_the_user_wrote() -> None:
    with pytest.raises(UserError) as caught:
        parse_amount("负500")
    assert caught.value.params == {"text": "负500"}


def test_zero_is_accepted_when_allowed() -> None:
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    assert parse_amount(0, allow_zero=True) == Decimal("0.00")
    with pytest.raises(UserError) as caught:
        parse_amount("-1", allow_zero=True)
    assert caught.value.key == "amount.negative"


def test_other_types_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_amount([1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("12345.67", "¥12,345.67"),
        ("0", "¥0.00"),
        ("0.5", "¥0.50"),
        ("1000000", "¥1,000,000.00"),
        ("-12", "-¥12.00"),
        ("-0.001", "¥0.00"),
        ("999.995", "¥1,000.00"),
    ],
)
def test_format_yuan(amount: str, shown: str) -> None:
    assert format_yuan(Decimal(amount)) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("12345.67", "1.23万元"),
        ("0", "0.00万元"),
        ("49.99", "0.00万元"),
        ("50", "0.01万元"),
        ("15000", "1.50万元"),
        ("123456789.12", "12345.68万元"),
        ("-12345.67", "-1.23万元"),
        ("-12", "0.00万元"),
    ],
)
def test_format_wan(amount: str, shown: str) -> None:
    assert format_wan(Decimal(amount)) == shown


def test_fen_conversion() -> None:
    assert to_fen(Decimal("12345.67")) == 1234567
    assert to_fen(Decimal("-0.05")) == -5
    assert to_fen(Decimal("3")) == 300
    assert from_fen(1234567) == Decimal("12345.67")
    assert from_fen(0) == Decimal("0.00")
    assert from_fen(-5) == Decimal("-0.05")
    with pytest.raises(ValueError):
        to_fen(Decimal("0.001"))
    with pytest.raises(TypeError):
        to_fen(0.5)  # type: ignore[arg-type]


two_decimal_amounts = st.integers(min_value=1, max_value=10**13).map(lambda fen: Decimal(fen).scaleb(-2))


@given(two_decimal_amounts)
def test_format_yuan_reads_back(amount: Decimal) -> None:
    assert parse_amount(format_yuan(amount)) == amount


@given(two_decimal_amounts)
def test_plain_text_reads_back(amount: Decimal) -> None:
    assert parse_amount(str(amount)) == amount


@given(two_decimal_amounts)
def test_format_wan_reads_back_to_the_hundred_yuan(amount: Decimal) -> None:
    nearest_hundred = (amount / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100
    assert parse_amount(format_wan(amount), allow_zero=True) == nearest_hundred


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trip(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen


@given(st.integers(min_value=1, max_value=10**14))
def test_spreadsheet_floats_read_as_the_amount_typed(fen: int) -> None:
    # Excel stores 12345.67 as the nearest float; reading it must give back exactly the typed amount.
    amount = Decimal(fen).scaleb(-2)
    assert parse_amount(float(amount)) == amount


def _only_user_errors(text: str) -> None:
    try:
        result = parse_amount(text)
    except UserError as error:
        assert error.key.startswith("amount.")
    else:
        assert Decimal(0) < result <= Decimal(10**12)
        assert result == result.quantize(FEN)


@given(st.text())
def test_any_text_gives_an_amount_or_a_user_error(text: str) -> None:
    _only_user_errors(text)


amount_alphabet = "0123456789０５.,，．-+ ¥￥元圆块整角分毛零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点负人民币"


@given(st.text(alphabet=amount_alphabet, max_size=20))
def test_amount_like_text_gives_an_amount_or_a_user_error(text: str) -> None:
    _only_user_errors(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1\u200b00", "100.00"),  # zero-width space: read as ¥1.00 before
        ("5\u200c万", "50000.00"),  # zero-width non-joiner
        ("1\u200d000元", "1000.00"),  # zero-width joiner
        ("1\u2060234.50", "1234.50"),  # word joiner
        ("\ufeff12,345.67", "12345.67"),  # a byte-order mark pasted in front
        ("3\u00ad000", "3000.00"),  # soft hyphen
        ("\u202d5000\u202c", "5000.00"),  # direction override and pop, from a web page
        ("两\u200b万五", "25000.00"),
    ],
)
def test_format_characters_inside_an_amount_are_not_read(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


def test_an_unreadable_amount_is_quoted_without_its_format_characters() -> None:
    with pytest.raises(UserError) as refused:
        parse_amount("五万\u200b多")
    assert refused.value.render("zh") == "无法识别的金额“五万多”"


def test_every_format_character_is_dropped_and_nothing_else() -> None:
    pattern = re.compile(r"[^\x00-\x7f]")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            assert without_format_characters(f"1{char}0") == "10", hex(code)
        elif pattern.match(char) and without_format_characters(char) != char:
            # Beyond this Python's Unicode tables: only characters still unassigned here may be dropped.
            assert category == "Cn", hex(code)
