"""Masking of borrowers' ID numbers and phone numbers whenever they are shown."""

from __future__ import annotations

import re

# A mainland mobile number, optionally with the country code, once spaces and dashes are gone.
_MOBILE = re.compile(r"(?:\+?86)?(1[0-9]{10})")


def mask_id_number(value: str | None) -> str:
    """An ID number with only its first 4 and last 4 characters showing: `3301**********1234`."""
    if not value or not value.strip():
        return ""
    text = value.strip()
    # With 8 characters or fewer, showing 4 + 4 would show all of it.
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_phone(value: str | None) -> str:
    """A phone number with only what identifies no one showing: `138****5678`, landlines `****-****4321`."""
    if not value or not value.strip():
        return ""
    text = value.strip()
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", text))
    if mobile:
        number = mobile[1]
        return f"{number[:3]}****{number[-4:]}"
    digit_positions = [index for index, char in enumerate(text) if char.isdigit()]
    if len(digit_positions) <= 4:
        return "*" * len(text)
    # Keep dashes, brackets and spaces so a landline still looks like one; hide every digit but the last 4.
    hidden = set(digit_positions[:-4])
    return "".join("*" if index in hidden else char for index, char in enumerate(text))
