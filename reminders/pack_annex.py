"""The dispatch pack's Excel annex (附件): every row of every section, one sheet each, with amounts, rates and
dates as Excel numbers and dates so that the meeting's staff can sort, filter and add them up."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from core.compliance import CONTACT_FLAGS, flag_words
from core.early_warning import WatchFigures
from core.money import FEN
from core.pack import DispatchPack
from core.ranking import completion_rate
from core.texts import render
from reminders.pack_document import missed_text, pack_title, term
from reminders.word import CHINESE_NUMERALS, DEFAULT_ZONE, with_fixed_timestamps
from spreadsheets.template import FORMULA_STARTS, display_width, keep_as_text

AMOUNT_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
GAP_FORMAT = "+0.0%;-0.0%;0.0%"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
# A text column is as wide as its longest value among the first rows, within these bounds (Excel's units: a
# Chinese character takes two).
NARROWEST, WIDEST = 8, 60
SAMPLED_ROWS = 2_000
# What each kind of value takes, whatever its size: ¥1,234,567,890.12, 2026-11-30 14:30, 100.0%.
FIXED_WIDTHS = {"amount": 17, "rate": 9, "gap": 9, "date": 11, "time": 17, "count": 8}


@dataclass(frozen=True, slots=True)
class _Field:
    """A column: its header (`pack.column.<key>`) and the kind of value it holds."""

    key: str
    kind: str = "text"  # text, amount, rate, gap, date, time, count


def pack_annex(pack: DispatchPack, language: str = "zh", zone: ZoneInfo = DEFAULT_ZONE) -> bytes:
    """The pack's every row as an .xlsx, one sheet per section, the same bytes every time for the same pack
    (times of day in the campaign's time zone)."""
    language = language if language in ("zh", "en") else "zh"
    workbook = Workbook(write_only=True)
    _overview(workbook, pack, language)
    sheets = []
    position, sub, previous = -1, 0, ""
    for section, part, fields, rows in _sections(pack, language, zone):
        # A section of several parts (诚信与合规) numbers its sheets 十（一）, 十（二）, … as the document does.
        if section != previous:
            position, sub, previous = position + 1, 0, section
        number = position + 1 if language == "en" else CHINESE_NUMERALS[position]
        if part:
            sub += 1
            title = render(
                "pack.sheet_part",
                language,
                number=number,
                sub=sub if language == "en" else CHINESE_NUMERALS[sub - 1],
            )
            title += render(f"pack.part.{part}", language)
        else:
            title = render("pack.item", language, number=number) + render(f"pack.section.{section}", language)
        materialised = list(rows)
        sheets.append(
            (_sheet(workbook, _sheet_title(title), fields, materialised, language), fields, materialised)
        )

    stamp = datetime.combine(pack.day, time(0))
    properties = workbook.properties
    properties.title = pack_title(pack, language)
    properties.creator = pack.issuer
    properties.lastModifiedBy = pack.issuer
    properties.language = {"zh": "zh-CN", "en": "en-US"}[language]
    properties.created = properties.modified = stamp
    buffer = io.BytesIO()
    # openpyxl's save() dates the workbook now; its writer keeps the pack's day.
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    # The sheets' paths are known once written.
    rows_by_path = {sheet.path.lstrip("/"): (fields, rows) for sheet, fields, rows in sheets}
    return with_fixed_timestamps(_with_rows(buffer.getvalue(), rows_by_path), pack.day)


def _sections(
    pack: DispatchPack, language: str, zone: ZoneInfo
) -> list[tuple[str, str, tuple[_Field, ...], Iterable[Sequence[Any]]]]:
    """Each section's name, part ("" for a section of one sheet), columns and rows, in the document's order."""
    expected = pack.expected

    def local(at: datetime) -> datetime:
        # Excel keeps no time zones: a time goes out as the campaign's local time.
        return at.astimezone(zone).replace(tzinfo=None) if at.tzinfo else at

    units = (
        (
            u.rank,
            u.rank_change,
            u.unit,
            u.leader_name,
            u.target,
            u.recovered_before,
            u.recovered_in_period,
            u.recovered,
            u.rate_before,
            u.rate,
            expected,
            u.rate - expected,
            max((u.target * expected).quantize(FEN, ROUND_HALF_UP) - u.recovered, Decimal(0)),
            u.cases,
            u.settled,
        )
        for u in pack.units
    )
    officers = (
        (o.unit, o.employee_no, o.name, o.target, o.recovered, o.rate, o.rate - expected, o.cases)
        for o in pack.lagging_officers
    )
    notices = ((n.day, n.unit, n.number, term("pack.rung", n.rung, language)) for n in pack.notices)
    lawsuits = (
        (
            s.unit,
            s.loan_no,
            s.borrower,
            term("stage", s.stage, language),
            s.stage_day,
            s.filed,
            s.days_filed_to_judgment,
            s.days_judgment_to_enforced,
            missed_text(s, language),
        )
        for s in pack.lawsuits
    )
    assets = (
        (
            a.number,
            a.unit,
            a.name,
            term("asset_kind", a.kind, language),
            term("asset_state", a.state, language),
            a.offset,
            a.appraisal,
            a.proceeds,
            a.deadline,
            a.days_left,
        )
        for a in pack.assets
    )
    statutes = (
        (
            s.unit,
            s.loan_no,
            s.borrower,
            s.officer,
            s.outstanding,
            s.expires,
            s.days_left,
            render("pack.expired" if s.days_left < 0 else "pack.running", language),
        )
        for s in pack.statutes
    )
    reports = ((local(r.at), r.unit, r.officer, r.loan_no, r.text) for r in pack.reports)
    inactive = (
        (i.unit, i.employee_no, i.name, i.last_entry or render("pack.no_entry", language), i.silent_days)
        for i in pack.inactive
    )
    accountability = (
        (
            local(a.at),
            a.unit,
            a.subject,
            term("pack.reason", a.reason, language),
            term("pack.action", a.action, language),
            a.note,
            a.recorded_by,
        )
        for a in pack.accountability
    )
    complaints = (
        (
            c.number,
            local(c.at),
            c.unit,
            c.loan_no,
            c.borrower,
            c.officer,
            c.text,
            c.made_by,
            render("pack.complaint_open" if c.open else "pack.complaint_done", language),
            local(c.closed_at) if c.closed_at else None,
            c.closed_by,
            c.close_note,
        )
        for c in pack.complaints
    )
    flagged = (
        (
            f.unit,
            f.loan_no,
            f.borrower,
            f.amount,
            f.paid_on,
            local(f.reported_at),
            f.officer,
            term("repayment", f.status, language),
            flag_words(f.flags, language),
        )
        for f in pack.flagged
    )
    breaches = (
        (b.unit, b.officer, *(b.count(flag) for flag in CONTACT_FLAGS), b.total) for b in pack.breaches
    )
    evidence = ((e.unit, e.officer, e.visits, e.evidenced, e.share) for e in pack.evidence)
    loans = ((u.unit, *_loan_figures(u.figures)) for u in pack.loans)
    return [
        ("units", "", _UNIT_FIELDS, units),
        ("officers", "", _OFFICER_FIELDS, officers),
        ("notices", "", _NOTICE_FIELDS, notices),
        ("lawsuits", "", _LAWSUIT_FIELDS, lawsuits),
        ("assets", "", _ASSET_FIELDS, assets),
        ("statutes", "", _STATUTE_FIELDS, statutes),
        ("reports", "", _REPORT_FIELDS, reports),
        ("complaints", "", _COMPLAINT_FIELDS, complaints),
        ("inactive", "", _INACTIVE_FIELDS, inactive),
        ("integrity", "flagged", _FLAGGED_FIELDS, flagged),
        ("integrity", "breaches", _BREACH_FIELDS, breaches),
        ("integrity", "evidence", _EVIDENCE_FIELDS, evidence),
        ("accountability", "", _ACCOUNTABILITY_FIELDS, accountability),
        ("loans", "", _LOAN_FIELDS, loans),
    ]


_UNIT_FIELDS = (
    _Field("rank", "count"),
    _Field("rank_change", "count"),
    _Field("unit"),
    _Field("leader"),
    _Field("target", "amount"),
    _Field("before", "amount"),
    _Field("in_period", "amount"),
    _Field("recovered", "amount"),
    _Field("rate_before", "rate"),
    _Field("rate", "rate"),
    _Field("expected", "rate"),
    _Field("gap", "gap"),
    _Field("shortfall", "amount"),
    _Field("cases", "count"),
    _Field("settled", "count"),
)
_OFFICER_FIELDS = (
    _Field("unit"),
    _Field("employee_no"),
    _Field("officer"),
    _Field("target", "amount"),
    _Field("recovered", "amount"),
    _Field("rate", "rate"),
    _Field("gap", "gap"),
    _Field("cases", "count"),
)
_NOTICE_FIELDS = (_Field("day", "date"), _Field("unit"), _Field("number"), _Field("rung"))
_LAWSUIT_FIELDS = (
    _Field("unit"),
    _Field("loan_no"),
    _Field("borrower"),
    _Field("stage"),
    _Field("stage_day", "date"),
    _Field("filed", "date"),
    _Field("filed_to_judgment", "count"),
    _Field("judgment_to_enforced", "count"),
    _Field("missed"),
)
_ASSET_FIELDS = (
    _Field("asset_no"),
    _Field("unit"),
    _Field("asset_name"),
    _Field("kind"),
    _Field("state"),
    _Field("offset", "amount"),
    _Field("appraisal", "amount"),
    _Field("proceeds", "amount"),
    _Field("deadline", "date"),
    _Field("days_left", "count"),
)
_STATUTE_FIELDS = (
    _Field("unit"),
    _Field("loan_no"),
    _Field("borrower"),
    _Field("officer"),
    _Field("outstanding", "amount"),
    _Field("expires", "date"),
    _Field("days_left", "count"),
    _Field("statute_state"),
)
_REPORT_FIELDS = (_Field("at", "time"), _Field("unit"), _Field("reporter"), _Field("loan_no"), _Field("text"))
_INACTIVE_FIELDS = (
    _Field("unit"),
    _Field("employee_no"),
    _Field("officer"),
    _Field("last_entry", "date"),
    _Field("silent_days", "count"),
)
_ACCOUNTABILITY_FIELDS = (
    _Field("at", "time"),
    _Field("unit"),
    _Field("subject"),
    _Field("reason"),
    _Field("action"),
    _Field("note"),
    _Field("recorded_by"),
)
_COMPLAINT_FIELDS = (
    _Field("complaint_no", "count"),
    _Field("at", "time"),
    _Field("unit"),
    _Field("loan_no"),
    _Field("borrower"),
    _Field("officer"),
    _Field("complaint"),
    _Field("recorded_by"),
    _Field("complaint_state"),
    _Field("closed_at", "time"),
    _Field("closed_by"),
    _Field("close_note"),
)
_FLAGGED_FIELDS = (
    _Field("unit"),
    _Field("loan_no"),
    _Field("borrower"),
    _Field("amount", "amount"),
    _Field("paid_on", "date"),
    _Field("reported_at", "time"),
    _Field("reporter"),
    _Field("repayment_status"),
    _Field("flags"),
)
_BREACH_FIELDS = (
    _Field("unit"),
    _Field("officer"),
    *(_Field(f"breach.{flag}", "count") for flag in CONTACT_FLAGS),
    _Field("breaches", "count"),
)
_EVIDENCE_FIELDS = (
    _Field("unit"),
    _Field("officer"),
    _Field("visits", "count"),
    _Field("evidenced", "count"),
    _Field("evidence_share", "rate"),
)
_LOAN_FIELDS = (
    _Field("unit"),
    _Field("loans", "count"),
    _Field("loan_balance", "amount"),
    _Field("overdue_loans", "count"),
    _Field("overdue_balance", "amount"),
    _Field("overdue_1_30", "count"),
    _Field("overdue_31_60", "count"),
    _Field("overdue_61_90", "count"),
    _Field("overdue_over_90", "count"),
    _Field("mismatched", "count"),
    _Field("large_overdue", "count"),
    _Field("joined", "count"),
)
_FORMATS = {
    "amount": AMOUNT_FORMAT,
    "rate": RATE_FORMAT,
    "gap": GAP_FORMAT,
    "date": DATE_FORMAT,
    "time": TIME_FORMAT,
}
_STYLED = tuple(_FORMATS)
# openpyxl's sheet XML: the prototype row (the second), its cells, a cell's style, the used range.
_PROTOTYPE_ROW = re.compile(r'<row r="2"[^>]*>.*?</row>', re.DOTALL)
_CELL = re.compile(r"<c\b[^>]*>")
_STYLE = re.compile(r'\bs="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')
# What Excel refuses in a sheet's name (New loans: risk watch), and the longest name it takes.
_NOT_IN_TITLE = re.compile(r"\s*[\\/*?:\[\]]\s*")
_TITLE_LENGTH = 31


def _sheet(
    workbook: Workbook, title: str, fields: Sequence[_Field], rows: list[Sequence[Any]], language: str
) -> WriteOnlyWorksheet:
    """One section's sheet as openpyxl writes it: widths, a frozen header row and the prototype row whose
    cells' styles the rows take (see _with_rows)."""
    sheet = workbook.create_sheet(title)
    headers = [render(f"pack.column.{field.key}", language) for field in fields]
    # Widths go out before the first row in a write-only sheet.
    for position, (field, header) in enumerate(zip(fields, headers, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = _width(field, header, rows, position - 1)
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, header) for header in headers])
    sheet.append(_prototype(sheet))
    return sheet


def _sheet_title(title: str) -> str:
    """A section's heading as a sheet's name: a dash for what Excel refuses, cut to its length."""
    return _NOT_IN_TITLE.sub(" – ", title)[:_TITLE_LENGTH]


def _header_cell(sheet: WriteOnlyWorksheet, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=header)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _prototype(sheet: WriteOnlyWorksheet) -> list[WriteOnlyCell]:
    """A cell of each style the rows use: the number formats, then text kept as text."""
    cells = []
    for kind in _STYLED:
        cell = WriteOnlyCell(sheet, value=0)
        cell.number_format = _FORMATS[kind]
        cells.append(cell)
    cells.append(keep_as_text(WriteOnlyCell(sheet, value=FORMULA_STARTS[0])))
    return cells


def _with_rows(
    workbook: bytes, rows_by_path: dict[str, tuple[Sequence[_Field], list[Sequence[Any]]]]
) -> bytes:
    """The workbook with each section sheet's prototype row replaced by the section's rows.

    openpyxl spends some 30 µs a cell (a province's 20,000 officers alone are 160,000 cells); the rows' XML
    written here takes a tenth of that, in the styles openpyxl gave the prototype's cells.
    """
    output = io.BytesIO()
    with (
        ZipFile(io.BytesIO(workbook)) as source,
        ZipFile(output, "w", ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for member in source.infolist():
            content = source.read(member)
            if member.filename in rows_by_path:
                fields, rows = rows_by_path[member.filename]
                content = _spliced(content.decode("utf-8"), fields, rows).encode("utf-8")
            target.writestr(member, content)
    return output.getvalue()


def _spliced(sheet_xml: str, fields: Sequence[_Field], rows: list[Sequence[Any]]) -> str:
    prototype = _PROTOTYPE_ROW.search(sheet_xml)
    if prototype is None:
        raise ValueError("openpyxl wrote the sheet without its prototype row")
    cell_styles = [_STYLE.search(cell) for cell in _CELL.findall(prototype.group())]
    styles = dict(
        zip((*_STYLED, "quoted"), (match.group(1) if match else "0" for match in cell_styles), strict=True)
    )
    last = get_column_letter(len(fields)) + str(len(rows) + 1)
    head = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', sheet_xml[: prototype.start()], count=1)
    return head + _rows_xml(fields, rows, styles) + sheet_xml[prototype.end() :]


def _rows_xml(fields: Sequence[_Field], rows: list[Sequence[Any]], styles: dict[str, str]) -> str:
    """The rows as SpreadsheetML, from the sheet's second row: text inline, numbers and dates in their style."""
    letters = [get_column_letter(position) for position in range(1, len(fields) + 1)]
    number_styles = [f' s="{styles[field.kind]}"' if field.kind in styles else "" for field in fields]
    quoted = f' s="{styles["quoted"]}"'
    parts = []
    for number, row in enumerate(rows, start=2):
        cells = []
        for letter, style, value in zip(letters, number_styles, row, strict=True):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                # Names, notes and reports come from chats and clerks: none may reach Excel as a formula.
                text = escape(ILLEGAL_CHARACTERS_RE.sub("", value))
                as_text = quoted if value.startswith(FORMULA_STARTS) else ""
                cells.append(
                    f'<c r="{letter}{number}"{as_text} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
            else:
                cells.append(f'<c r="{letter}{number}"{style} t="n"><v>{_number(value)}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(parts)


def _number(value: Decimal | int | date | datetime) -> str:
    """A cell's value as Excel stores it: amounts exactly as their Decimal, dates as day serials."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return repr(to_excel(value))
    return str(value)


def _width(field: _Field, header: str, rows: list[Sequence[Any]], column: int) -> float:
    """A column wide enough for its header and, for text, its longest value among the first rows."""
    widest = display_width(header) + 2
    if field.kind in FIXED_WIDTHS:
        return max(widest, FIXED_WIDTHS[field.kind])
    for row in rows[:SAMPLED_ROWS]:
        value = row[column]
        if isinstance(value, str):
            widest = max(widest, display_width(value) + 2)
    return min(max(widest, NARROWEST), WIDEST)


def _overview(workbook: Workbook, pack: DispatchPack, language: str) -> None:
    """The first sheet: the pack's overall figures, one labelled line each."""
    before = sum((u.recovered_before for u in pack.units), Decimal(0))
    lines: list[tuple[str, Any, str]] = [
        ("issuer", pack.issuer, "text"),
        ("day", pack.day, "date"),
        ("period_start", pack.period_start, "date"),
        ("period_end", pack.period_end, "date"),
        ("units", len(pack.units), "count"),
        ("target", pack.target, "amount"),
        ("before", before, "amount"),
        ("in_period", pack.recovered_in_period, "amount"),
        ("recovered", pack.recovered, "amount"),
        ("rate_before", completion_rate(before, pack.target), "rate"),
        ("rate", pack.rate, "rate"),
        ("expected_before", pack.expected_before, "rate"),
        ("expected", pack.expected, "rate"),
    ]
    sheet = workbook.create_sheet(render("pack.sheet.overview", language))
    labels = [render(f"pack.overview.{key}", language) for key, _, _ in lines]
    sheet.column_dimensions["A"].width = max(display_width(label) for label in labels) + 4
    sheet.column_dimensions["B"].width = max(display_width(pack.issuer) + 2, FIXED_WIDTHS["amount"])
    for label, (_, value, kind) in zip(labels, lines, strict=True):
        cell = WriteOnlyCell(sheet, value=value)
        if kind in _FORMATS:
            cell.number_format = _FORMATS[kind]
        sheet.append([_header_cell(sheet, label), cell])


def _loan_figures(f: WatchFigures) -> tuple[object, ...]:
    """A unit's new loans in the annex's columns after the unit."""
    return (
        f.loans,
        f.balance,
        f.overdue,
        f.overdue_balance,
        *f.buckets,
        f.mismatched,
        f.large_overdue,
        f.joined,
    )
