"""Reading the import workbook (.xlsx) or a CSV of cases into records, with every bad cell as a problem."""

from __future__ import annotations

import codecs
import csv
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from core.assets import APPRAISAL_NEEDED, KIND_NAMES, is_asset_number, normal_number, read_kind, read_state
from core.assets import STATE_NAMES as ASSET_STATE_NAMES
from core.columns import (
    ASSETS_SHEET,
    CASES_SHEET,
    EXAMPLE_DEADLINE_FIELD,
    EXAMPLE_ROWS,
    LAWSUITS_SHEET,
    LOANS_SHEET,
    PEOPLE_SHEET,
    READ_SHEETS,
    ROLE_LABELS,
    ROLE_NAMES,
    UNITS_SHEET,
    Column,
)
from core.dates import parse_date
from core.errors import UserError
from core.litigation import STAGE_NAMES, read_stage
from core.money import FEN, format_yuan, parse_amount, without_format_characters
from core.records import (
    AssetRecord,
    CaseRecord,
    LawsuitRecord,
    LoanRecord,
    PersonRecord,
    Problem,
    ProblemLog,
    UnitRecord,
)
from core.vocabulary import CLASSIFICATIONS, DIFFICULTIES, ROLES
from spreadsheets import plain
from spreadsheets.bounds import MAX_COLUMNS, MAX_ROWS, MAX_UNZIPPED, too_big, too_large
from spreadsheets.plain import NUMBER_START, PLAIN_AMOUNT, SCIENTIFIC
from spreadsheets.sheets import Sheets

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel on Chinese Windows saves CSV as GBK
# Excel holds numbers as doubles: from 16 digits on, the last ones are already gone when the file is saved.
LOST_DIGITS_FROM = 10.0**15
# Sheets with a way through whole columns of plain cells (spreadsheets/plain.py): the ones that grow large.
_PLAIN = {LOANS_SHEET: plain.loans}
_CSV_CHUNK = 1 << 20
# Rows read at a time: whole when all their cells are plain (spreadsheets/plain.py), else one by one.
_CHUNK = 1000
# No CSV line of cases comes near this; a longer one would be read whole before its columns could be counted.
_MAX_CSV_LINE = 1 << 20


@dataclass(slots=True)
class ImportInput:
    """What a file holds: records that read well and problems with the cells that did not."""

    units: list[UnitRecord] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    cases: list[CaseRecord] = field(default_factory=list)
    lawsuits: list[LawsuitRecord] = field(default_factory=list)
    assets: list[AssetRecord] = field(default_factory=list)
    loans: list[LoanRecord] = field(default_factory=list)
    problems: ProblemLog = field(default_factory=ProblemLog)
    rows: int = 0
    examples: int = 0  # the template's example rows, left in and skipped
    sheets: set[str] = field(default_factory=set)  # the sheets the file gave (with their header)
    columns: dict[str, set[str]] = field(default_factory=dict)  # the fields each of those sheets gave


Progress = Callable[[str, int], None]


def read_import(
    source: Path | ImportFile, today: date, default_deadline: date, progress: Progress | None = None
) -> ImportInput:
    """Read an .xlsx workbook (sheets 单位, 人员, 案件…) or a .csv of cases, opened here unless it was already."""
    if isinstance(source, Path):
        with open_import(source) as opened:
            return read_import(opened, today, default_deadline, progress)
    reader = _SheetReader(today, default_deadline, progress or (lambda _sheet, _n: None))
    if source.sheets is None:
        reader.read(CASES_SHEET, _csv_rows(source.path, CASES_SHEET))
    else:
        for sheet, rows in source.sheets.rows():
            reader.read(sheet, rows)
    return reader.result


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file opened for import: a CSV of cases, or a workbook whose sheets are being parsed (close it)."""

    path: Path
    sheets: Sheets | None = None

    def __enter__(self) -> ImportFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.sheets is not None:
            self.sheets.close()


def open_import(path: Path) -> ImportFile:
    """A file to import, checked against the limits; a workbook's sheets start being parsed at once, so what
    the caller does before reading them (opening the ledger) is time the import saves."""
    if not path.exists():
        raise UserError("import.not_found", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ImportFile(path)
    if suffix in (".xlsx", ".xlsm"):
        return ImportFile(path, Sheets(path))
    raise UserError("import.unsupported", suffix=suffix or path.name)


def _csv_rows(path: Path, sheet: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a CSV, read as a stream and held to the same limits as a sheet."""
    if path.stat().st_size > MAX_UNZIPPED:
        raise too_big(path)
    encoding = _csv_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as stream:
            for number, row in enumerate(csv.reader(_csv_lines(stream, path)), start=1):
                while row and not row[-1]:
                    row.pop()  # Excel writes as many commas as the widest row has cells
                if number > MAX_ROWS or len(row) > MAX_COLUMNS:
                    raise too_large(path, sheet, f"{_column_letters(max(len(row), 1))}{number}")
                yield tuple(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError("import.unreadable", path=str(path), reason=type(exc).__name__) from exc


def _csv_encoding(path: Path) -> str:
    """UTF-8 when the whole file decodes as UTF-8, else GB18030 (decoded a megabyte at a time)."""
    decoder = codecs.getincrementaldecoder(CSV_ENCODINGS[0])()
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(_CSV_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return CSV_ENCODINGS[1]
    return CSV_ENCODINGS[0]


def _csv_lines(stream: Any, path: Path) -> Iterator[str]:
    while line := stream.readline(_MAX_CSV_LINE + 1):
        if len(line) > _MAX_CSV_LINE:
            raise UserError("import.unreadable", path=str(path), reason="line too long")
        yield line


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _normalize_header(value: Any) -> str:
    text = "" if value is None else without_format_characters(str(value))
    return text.strip().replace("（", "(").replace("）", ")").replace(" ", "").lower()


def _column_index(sheet: str, header_row: Sequence[Any], columns: tuple[Column, ...]) -> dict[str, int]:
    names = [_normalize_header(h) for h in header_row]
    index: dict[str, int] = {}
    for column in columns:
        for candidate in (column.header, column.english, column.field):
            key = _normalize_header(candidate)
            if key in names:
                index[column.field] = names.index(key)
                break
    missing = [c.header for c in columns if c.required and c.field not in index]
    if missing:
        raise UserError("import.missing_columns", sheet=sheet, columns="、".join(missing))
    return index


def _lost_digits(value: Any) -> bool:
    """Whether a number in a text column is too long for Excel to have kept all its digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) >= LOST_DIGITS_FROM


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A number typed into a text column (an employee number, a phone) arrives as 1001.0.
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    # Format characters are dropped, not refused: a loan number with a zero-width space inside looks like the
    # loan to the clerk, who could neither see nor find what to fix, and kept it would be a second loan.
    return without_format_characters(str(value)).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not without_format_characters(value).strip())


def _example(sheet: str) -> dict[str, str]:
    """The template's example row of a sheet as the text of each cell, the case's deadline left out."""
    return {
        column.field: _text(value)
        for column, value in zip(READ_SHEETS[sheet], EXAMPLE_ROWS[sheet], strict=True)
        if column.field != EXAMPLE_DEADLINE_FIELD
    }


class _SheetReader:
    def __init__(self, today: date, default_deadline: date, progress: Progress) -> None:
        self.today = today
        self.default_deadline = default_deadline
        self.progress = progress
        self.result = ImportInput()

    def read(self, sheet: str, rows: Iterable[Sequence[Any]]) -> None:
        iterator = iter(rows)
        header = next(iterator, None)
        if header is None:
            return
        columns = READ_SHEETS[sheet]
        index = _column_index(sheet, header, columns)
        self.result.sheets.add(sheet)
        self.result.columns[sheet] = set(index)
        # How each sheet's row becomes a record, and the list of the file's records it joins.
        build, kept = {
            UNITS_SHEET: (self._unit, self.result.units),
            PEOPLE_SHEET: (self._person, self.result.people),
            CASES_SHEET: (self._case, self.result.cases),
            LAWSUITS_SHEET: (self._lawsuit, self.result.lawsuits),
            ASSETS_SHEET: (self._asset, self.result.assets),
            LOANS_SHEET: (self._loan, self.result.loans),
        }[sheet]
        one_by_one = _RowByRow(sheet, index, columns, build, self.result)
        whole = _PLAIN.get(sheet)
        number = 2  # the row under the header
        while chunk := list(islice(iterator, _CHUNK)):
            records = None
            if whole is not None:
                records = whole(
                    chunk, index, one_by_one.columns, number, self.today, one_by_one.first_example
                )
            if records is None:
                records = one_by_one.read(chunk, number)
            kept.extend(records)
            number += len(chunk)
            self.result.rows += len(records)
            self.progress(sheet, len(records))

    def _loan(self, cell: _Cells) -> LoanRecord:
        return _loan(cell, self.today)

    def _unit(self, cell: _Cells) -> UnitRecord:
        return UnitRecord(
            name=cell.text("name"),
            leader_name=cell.text("leader_name"),
            target=cell.amount("target", required=False),
            row=cell.row,
        )

    def _person(self, cell: _Cells) -> PersonRecord:
        role_text = cell.text("role")
        role = ROLE_NAMES.get(role_text, role_text if role_text in ROLES else None)
        if role_text and role is None:
            cell.fail(
                "role",
                "import.unknown_role",
                value=role_text,
                choices="、".join((*ROLE_LABELS.values(), *ROLES)),
            )
        unit = cell.text("unit", required=False)
        return PersonRecord(
            name=cell.text("name"),
            employee_no=cell.text("employee_no"),
            unit=unit or None,
            role=role or "",
            mobile=cell.text("mobile", required=False),
            target=cell.amount("target", required=False),
            row=cell.row,
        )

    def _case(self, cell: _Cells) -> CaseRecord:
        principal = cell.amount("principal", zero_key="import.zero_balance")
        interest = cell.amount("interest", required=False)
        classification = cell.choice("classification", CLASSIFICATIONS, "import.unknown_classification")
        difficulty = cell.choice("difficulty", DIFFICULTIES, "import.unknown_difficulty", default="中")
        deadline = cell.day("deadline", self.today, required=False)
        statute = cell.day("statute_date", self.today, required=False)
        return CaseRecord(
            loan_no=cell.text("loan_no"),
            borrower=cell.text("borrower"),
            unit=cell.text("unit"),
            officer_no=cell.text("officer_no"),
            principal=principal or Decimal(0),
            interest=interest or Decimal(0),
            classification=classification,
            difficulty=difficulty,
            deadline=deadline or self.default_deadline,
            id_number=cell.text("id_number", required=False).upper(),
            phone=cell.text("phone", required=False),
            plan=cell.text("plan", required=False),
            statute_date=statute,
            row=cell.row,
        )

    def _lawsuit(self, cell: _Cells) -> LawsuitRecord:
        stage_text = cell.text("stage")
        stage = read_stage(stage_text) if stage_text else None
        if stage_text and stage is None:
            cell.fail("stage", "import.unknown_stage", value=stage_text, choices="、".join(STAGE_NAMES))
        return LawsuitRecord(
            loan_no=cell.text("loan_no"),
            stage=stage or "",
            reached_on=cell.day("reached_on", self.today),
            court=cell.text("court", required=False),
            case_number=cell.text("case_number", required=False),
            note=cell.text("note", required=False),
            row=cell.row,
        )

    def _asset(self, cell: _Cells) -> AssetRecord:
        number = normal_number(cell.text("number"))
        if number and not is_asset_number(number):
            cell.fail("number", "import.bad_asset_number", value=number)
        kind_text = cell.text("kind")
        kind = read_kind(kind_text) if kind_text else None
        if kind_text and kind is None:
            cell.fail("kind", "import.unknown_asset_kind", value=kind_text, choices="、".join(KIND_NAMES))
        state_text = cell.text("state")
        state = read_state(state_text) if state_text else None
        if state_text and state is None:
            cell.fail(
                "state", "import.unknown_asset_state", value=state_text, choices="、".join(ASSET_STATE_NAMES)
            )
        appraisal = cell.amount("appraisal", required=False)
        if appraisal is None and state in APPRAISAL_NEEDED and "appraisal" not in cell.bad:
            cell.fail("appraisal", "import.asset_needs_appraisal", state=state_text)
        return AssetRecord(
            number=number,
            loan_no=cell.text("loan_no"),
            kind=kind or "",
            name=cell.text("name"),
            offset=cell.amount("offset") or Decimal(0),
            received_on=cell.day("received_on", self.today),
            state=state or "",
            title_no=cell.text("title_no", required=False),
            appraisal=appraisal,
            appraiser=cell.text("appraiser", required=False),
            appraised_on=cell.day("appraised_on", self.today, required=False),
            custodian_no=cell.text("custodian_no", required=False),
            row=cell.row,
        )


def _loan(cell: _Cells, today: date) -> LoanRecord:
    """A row of the 在贷 sheet: a balance may be 0 (paid off) but never negative, nor mature before it was lent."""
    amount = cell.amount("amount", zero_key="import.zero_loan")
    balance = cell.amount("balance")
    disbursed = cell.day("disbursed_on", today)
    matures = cell.day("matures_on", today)
    if disbursed is not None and matures is not None and matures < disbursed:
        cell.fail("matures_on", "import.matures_before_disbursed", matures=matures, disbursed=disbursed)
    if disbursed is not None and disbursed > today:
        cell.fail("disbursed_on", "import.date_in_future", day=disbursed)
    if amount is not None and balance is not None and balance > amount:
        cell.fail(
            "balance", "import.balance_over_amount", balance=format_yuan(balance), amount=format_yuan(amount)
        )
    return LoanRecord(
        loan_no=cell.text("loan_no"),
        borrower=cell.text("borrower"),
        unit=cell.text("unit"),
        officer_no=cell.text("officer_no"),
        amount=amount or Decimal(0),
        balance=balance or Decimal(0),
        disbursed_on=disbursed,
        matures_on=matures,
        days_overdue=cell.whole("days_overdue"),
        classification=cell.choice("classification", CLASSIFICATIONS, "import.unknown_classification"),
        id_number=cell.text("id_number", required=False).upper(),
        row=cell.row,
    )


class _RowByRow:
    """A sheet's rows read one at a time: each cell's problem noted, blank rows and the example skipped."""

    def __init__(
        self,
        sheet: str,
        index: dict[str, int],
        columns: tuple[Column, ...],
        build: Callable[[_Cells], Any],
        result: ImportInput,
    ) -> None:
        self.sheet = sheet
        self.build = build
        self.result = result
        self.columns = {c.field: c for c in columns}
        self.places = list(index.items())
        self.width = max(index.values(), default=-1) + 1
        self.example = _example(sheet)
        self.first_field, self.first_example = next(iter(self.example.items()))

    def read(self, chunk: list[Sequence[Any]], first: int) -> list[Any]:
        """The records of the rows in `chunk`, the first of them row `first` of the sheet."""
        records = []
        for number, values in enumerate(chunk, start=first):
            if len(values) >= self.width:
                cells = {f: values[i] for f, i in self.places}
            else:
                cells = {f: values[i] if i < len(values) else None for f, i in self.places}
            if all(_blank(v) for v in cells.values()):
                continue
            # The example row: its first cell tells most rows apart at once.
            if _text(cells.get(self.first_field)) == self.first_example and all(
                _text(cells.get(f)) == text for f, text in self.example.items()
            ):
                self.result.examples += 1
                continue
            cell = _Cells(self.sheet, number, cells, self.columns, self.result.problems)
            record = self.build(cell)
            records.append(replace(record, bad=frozenset(cell.bad)) if cell.bad else record)
        return records


class _Cells:
    """One row's cells; each reader notes its problem and returns a harmless value so the row reads on."""

    def __init__(
        self,
        sheet: str,
        row: int,
        cells: dict[str, Any],
        columns: dict[str, Column],
        problems: ProblemLog,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self.cells = cells
        self.columns = columns  # by field
        self.problems = problems
        self.bad: set[str] = set()

    def fail(self, field: str, key: str, **params: object) -> None:
        self.note(field, UserError(key, **params))

    def note(self, field: str, error: UserError) -> None:
        self.bad.add(field)
        self.problems.add(Problem(self.sheet, self.row, self.columns[field].header, error))

    def _raw(self, field: str) -> Any:
        value = self.cells.get(field)
        return None if _blank(value) else value

    def _required(self, field: str, required: bool | None) -> bool:
        return self.columns[field].required if required is None else required

    def text(self, field: str, required: bool | None = None) -> str:
        raw = self.cells.get(field)
        if type(raw) is str:
            # The common cell, read at once when nothing in it is wrong; anything else goes the long way.
            value = without_format_characters(raw).strip()
            if value and not (value[0] in NUMBER_START and SCIENTIFIC.fullmatch(value)):
                limit = self.columns[field].max_length
                if limit is None or len(value) <= limit:
                    return value
        raw = self._raw(field)
        if _lost_digits(raw):
            self.fail(field, "import.number_lost_digits")
            return ""
        value = _text(raw)
        if SCIENTIFIC.fullmatch(value):
            self.fail(field, "import.number_scientific", text=value)
            return ""
        if not value and self._required(field, required):
            self.fail(field, "import.required")
        limit = self.columns[field].max_length
        if limit is not None and len(value) > limit:
            # Refused here on both databases: PostgreSQL would refuse it at the write with a raw error.
            self.fail(field, "import.too_long", limit=limit, length=len(value))
        return value

    def amount(self, field: str, required: bool | None = None, zero_key: str | None = None) -> Decimal | None:
        """The amount in a cell; with `zero_key`, a zero is refused with that text."""
        value = self.cells.get(field)
        if type(value) is float and 0 < value <= PLAIN_AMOUNT:
            # The common cell, read at once: a number of yuan with at most two decimals (Excel's float of it).
            exact = Decimal(repr(value))
            if exact.as_tuple().exponent >= -2:  # type: ignore[operator]
                return exact.quantize(FEN)
        value = self._raw(field)
        if value is None:
            if self._required(field, required):
                self.fail(field, "import.required")
            return None
        try:
            amount = parse_amount(value if not isinstance(value, datetime) else str(value), allow_zero=True)
        except UserError as error:
            self.note(field, error)
            return None
        if amount == 0 and zero_key is not None:
            self.fail(field, zero_key)
            return None
        return amount

    def day(self, field: str, today: date, required: bool | None = None) -> date | None:
        value = self.cells.get(field)
        if type(value) is date:  # an Excel date, as calamine gives it
            return value
        if type(value) is datetime:
            return value.date()
        value = self._raw(field)
        if value is None:
            if self._required(field, required):
                self.fail(field, "import.required")
            return None
        if isinstance(value, int | float):
            value = _text(value)
        try:
            return parse_date(value, today)
        except UserError as error:
            self.note(field, error)
            return None

    def whole(self, field: str) -> int:
        """A whole number of days (0 when empty): typed as a number or as text, never negative."""
        value = self.cells.get(field)
        if type(value) is float and value.is_integer() and 0 <= value < PLAIN_AMOUNT:
            return int(value)
        value = self._raw(field)
        if value is None:
            return 0
        text = _text(value)
        if not text.isdigit():
            self.fail(field, "import.bad_days", value=text)
            return 0
        return int(text)

    def choice(self, field: str, choices: tuple[str, ...], key: str, default: str | None = None) -> str:
        value = self.text(field, required=default is None and self.columns[field].required)
        if not value:
            return default or ""
        if value not in choices:
            self.fail(field, key, value=value, choices="、".join(choices))
            return default or ""
        return value
