"""Borrowers' ID and phone numbers are never shown in full."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.masking import mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330102199001011234", "3301**********1234"),
        ("33010219900101123X", "3301**********123X"),
        (" 330102199001011234 ", "3301**********1234"),
        ("330102900101123", "3301*******1123"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("123", "***"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("0571-87654321", "****-****4321"),
        ("(0571)87654321", "(****)****4321"),
        ("87654321", "****4321"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked


@given(st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True))
def test_masked_id_hides_the_birth_date(id_number: str) -> None:
    masked = mask_id_number(id_number)
    assert len(masked) == 18
    assert masked[:4] == id_number[:4] and masked[-4:] == id_number[-4:]
    assert masked[4:14] == "*" * 10


@given(st.text())
def test_masking_never_shows_more_than_eight_characters_of_an_id(value: str) -> None:
    masked = mask_id_number(value)
    assert sum(char != "*" for char in masked) <= 8


@given(st.text())
def test_masking_never_shows_more_than_seven_digits_of_a_phone(value: str) -> None:
    masked = mask_phone(value)
    assert sum(char.isdigit() for char in masked) <= 7
