"""Plain cells, read a whole column of a chunk of rows at once: the fast way through a large sheet.

Most cells of a large sheet are plain: text with nothing in it but the text, an amount Excel holds in whole fen,
a date as a date, a whole number of days as a number. A chunk of rows whose cells are all plain, and whose rows
the checks would all accept, is read here column by column, each column by a few passes in C. A chunk with any
other cell, a blank row, the template's example, or a row the checks refuse is read row by row by the reader
(spreadsheets/reader.py), which says what is wrong: both ways give the same records
(tests/spreadsheets/test_plain.py holds them equal).
"""

from __future__ import annotations

import math
import operator
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from typing import Any

from core.columns import Column
from core.money import FORMAT_CHARACTERS
from core.records import LoanRecord
from core.vocabulary import CLASSIFICATIONS

# A long number Excel showed as 3.60102E+17 and saved that way into a CSV: its digits are gone.
SCIENTIFIC = re.compile(r"[+-]?[0-9](?:\.[0-9]+)?[eE]\+[0-9]+")
NUMBER_START = frozenset("+-0123456789")
# Below this, a float's shortest form is exact and no amount's limit is near: read at once when in whole fen.
PLAIN_AMOUNT = 1e12

# Cells are joined with this between them, to look through a column with one regex.
_SEPARATOR = "\x00"
# A whole cell written in scientific notation, among cells joined by _SEPARATOR.
_SCIENTIFIC_CELL = re.compile(f"(?<![^{_SEPARATOR}])(?:{SCIENTIFIC.pattern})(?![^{_SEPARATOR}])")
_LOAN_CLASSES = frozenset(CLASSIFICATIONS)


def texts(column: Sequence[Any], kind: Column, shared: bool = False) -> list[str] | None:
    """The column's text, when every cell is a string that is plain once stripped (no format character, not a
    number in scientific notation, within the column's length) and, if the column is required, not empty.

    `shared`: the column repeats a few values (a unit, a person, a class), kept once each in memory."""
    if set(map(type, column)) != {str}:
        return None
    joined = _SEPARATOR.join(column)
    if not joined.isascii() and FORMAT_CHARACTERS.search(joined):
        return None
    values = list(map(str.strip, column))
    if kind.required and not all(values):
        return None
    if kind.max_length is not None and max(map(len, values), default=0) > kind.max_length:
        return None
    if _SCIENTIFIC_CELL.search(_SEPARATOR.join(values)):
        return None
    return list(map(sys.intern, values)) if shared else values


def amounts(column: Sequence[Any]) -> list[Decimal] | None:
    """The column's amounts, when every cell is a number of yuan above 0 and at most PLAIN_AMOUNT that is
    Excel's float of an amount in whole fen (its shortest form has at most two decimals)."""
    if set(map(type, column)) != {float} or not all(map(math.isfinite, column)):
        return None
    if not (min(column) > 0 and max(column) <= PLAIN_AMOUNT):
        return None
    # Below PLAIN_AMOUNT a float is within far less than a fen of 1/100 of its fen: rounded, and divided back
    # (exactly rounded), it gives the float again only when it was the float of that many fen.
    fen = list(map(round, map(operator.mul, column, repeat(100.0))))
    if list(map(operator.truediv, fen, repeat(100))) != list(column):
        return None
    return list(map(Decimal.scaleb, map(Decimal, fen), repeat(-2)))


def days(column: Sequence[Any]) -> list[date] | None:
    """The column's dates, when every cell is a date (or a date and time, of which the date is taken)."""
    kinds = set(map(type, column))
    if kinds == {date}:
        return list(column)
    if kinds <= {date, datetime}:
        return [value.date() if type(value) is datetime else value for value in column]
    return None


def wholes(column: Sequence[Any]) -> list[int] | None:
    """The column's whole numbers, when every cell is a number with nothing after the point, 0 or more, or is
    empty (0)."""
    numbers = [value for value in column if type(value) is float]
    if len(numbers) < len(column) and any(
        value != "" and value is not None for value in column if type(value) is not float
    ):
        return None
    if not all(map(float.is_integer, numbers)) or not (
        min(numbers, default=0) >= 0 and max(numbers, default=0) < PLAIN_AMOUNT
    ):
        return None
    if len(numbers) == len(column):
        return list(map(int, numbers))
    return [int(value) if type(value) is float else 0 for value in column]


def loans(
    chunk: Sequence[Sequence[Any]],
    index: dict[str, int],
    kinds: dict[str, Column],
    first_row: int,
    today: date,
    example: str,
) -> list[LoanRecord] | None:
    """A chunk of the 在贷 sheet's rows (the first of them row `first_row`), or None to read it row by row:
    `index` is where each field's column is, `kinds` the sheet's columns by field, `example` the template's
    example loan number."""
    if min(map(len, chunk)) < max(index.values()) + 1:
        return None
    columns = list(zip(*chunk, strict=False))  # each row as wide as the widest column read, or wider

    def column(field: str) -> Sequence[Any]:
        return columns[index[field]] if field in index else ("",) * len(chunk)

    loan_no = texts(column("loan_no"), kinds["loan_no"])
    if loan_no is None or example in loan_no:
        return None
    fields = (
        loan_no,
        texts(column("borrower"), kinds["borrower"]),
        texts(column("unit"), kinds["unit"], shared=True),
        texts(column("officer_no"), kinds["officer_no"], shared=True),
        amounts(column("amount")),
        amounts(column("balance")),
        days(column("disbursed_on")),
        days(column("matures_on")),
        wholes(column("days_overdue")),
        texts(column("classification"), kinds["classification"], shared=True),
        texts(column("id_number"), kinds["id_number"]),
    )
    if any(field is None for field in fields):
        return None
    _, _, _, _, amount, balance, disbursed, matures, _, classification, id_number = fields
    if (
        not _LOAN_CLASSES.issuperset(classification)  # type: ignore[arg-type]
        or any(map(operator.gt, balance, amount))  # type: ignore[arg-type]
        or any(map(operator.lt, matures, disbursed))  # type: ignore[arg-type]
        or max(disbursed) > today  # type: ignore[type-var]
    ):
        return None
    upper = list(map(str.upper, id_number))  # type: ignore[arg-type]
    return list(map(LoanRecord, *fields[:10], upper, range(first_row, first_row + len(chunk))))
