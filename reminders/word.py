"""The house style of the bot's Word documents (the supervision notice and the dispatch pack): GB/T 9704's page,
fonts and sizes, runs and body paragraphs, page numbers, grid tables, and the properties and timestamps that make
the same document give the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from docx.document import Document as WordDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

# The TIMEZONE setting's default; the scheduled jobs pass the campaign's own zone.
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")

# (Latin font, East Asian font) by role. Unit, borrower and officer names stay Chinese in an English document,
# so every run needs an East Asian font; Word takes it only from the eastAsia attribute. The letterhead is in a
# bold Song face, the nearest to GB/T 9704's 小标宋 that every office computer has.
_EAST_ASIAN_FONTS = {
    "body": "仿宋",
    "heading": "黑体",
    "title": "黑体",
    "letterhead": "宋体",
    "page_number": "宋体",
}
# (Latin face, East Asian face) of each part by language: in English the Latin text is set in Times New Roman.
FONTS: dict[str, dict[str, tuple[str, str]]] = {
    "zh": {part: (face, face) for part, face in _EAST_ASIAN_FONTS.items()},
    "en": {part: ("Times New Roman", face) for part, face in _EAST_ASIAN_FONTS.items()},
}
LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en-US"}
# 一、二、三、: the numbers of first-level headings and items in Chinese, 一 to 二十.
CHINESE_NUMERALS: tuple[str, ...] = (
    *"一二三四五六七八九十",
    *(f"十{digit}" for digit in "一二三四五六七八九"),
    "二十",
)

# Sizes and margins of GB/T 9704 (党政机关公文格式): title 二号, body 三号, 28-point lines on A4.
TITLE_SIZE = Pt(22)
BODY_SIZE = Pt(16)
PAGE_NUMBER_SIZE = Pt(14)
LINE = Pt(28)
TWO_CHARACTERS = Pt(32)
TEXT_WIDTH = Cm(15.6)  # A4 less both margins
CELL_MARGIN = Cm(0.1)  # a table cell's left and right margins

# The elements a table's or a row's properties may hold after the one inserted, in the order the schema
# requires; Word refuses a document whose elements are out of order.
AFTER_CELL_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
AFTER_CANT_SPLIT = tuple(
    f"w:{name}" for name in "trHeight tblHeader tblCellSpacing jc hidden ins del trPrChange".split()
)


def set_up_page(document: WordDocument, language: str) -> None:
    """A4 with the margins of an official document, and defaults that suit Chinese text."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    latin, east_asian = FONTS[language]["body"]
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
    if run_defaults is not None:
        # Theme fonts in the template would win over the explicit ones on a run that names no font of its own.
        fonts = run_defaults.find(qn("w:rFonts"))
        if fonts is not None:
            for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attribute), None)
            for attribute, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian)):
                fonts.set(qn(attribute), name)
        lang = run_defaults.find(qn("w:lang"))
        if lang is not None:
            # The East Asian language decides Chinese line breaking and which font draws “”…… and the like.
            lang.set(qn("w:val"), LANGUAGE_TAGS[language])
            lang.set(qn("w:eastAsia"), "zh-CN")

    normal = document.styles["Normal"]
    normal.font.name = latin  # type: ignore[attr-defined]
    normal.font.size = BODY_SIZE  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    paragraph_format = normal.paragraph_format  # type: ignore[attr-defined]
    paragraph_format.line_spacing = LINE
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def number_pages(document: WordDocument, language: str) -> None:
    """— 2 — under the text from the second page on: odd pages on the right, even ones on the left."""
    # GB/T 9704: no number on a letter's first page; 4号 half-width Song digits between dashes, a character in
    # from the edge of the text, 7 mm below it.
    section = document.sections[0]
    section.different_first_page_header_footer = True
    document.settings.odd_and_even_pages_header_footer = True
    section.footer_distance = Cm(2.2)
    section.first_page_footer.is_linked_to_previous = False
    font = FONTS[language]["page_number"]
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = PAGE_NUMBER_SIZE
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = PAGE_NUMBER_SIZE
    for paragraph in (odd, even):
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        add_run(paragraph, "— ", font, size=PAGE_NUMBER_SIZE)
        number = add_run(paragraph, "1", font, size=PAGE_NUMBER_SIZE)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), " PAGE ")
        number._r.addprevious(field)
        field.append(number._r)
        add_run(paragraph, " —", font, size=PAGE_NUMBER_SIZE)


def body_paragraph(document: WordDocument) -> Paragraph:
    """A body paragraph, its first line indented by two characters."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = TWO_CHARACTERS
    # Word reads firstLineChars in hundredths of a character and prefers it to the length when both are set.
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "200")
    return paragraph


def add_run(
    paragraph: Paragraph, text: str, font: tuple[str, str], size: Length = BODY_SIZE, bold: bool = False
) -> Run:
    """A run in the given Latin and East Asian fonts."""
    run = paragraph.add_run(text)
    latin, east_asian = font
    run.font.name = latin
    run.font.size = size
    if bold:
        run.font.bold = True
    run_properties = run._element.get_or_add_rPr()
    run_properties.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    return run


def grid_table(document: WordDocument, rows: int, columns: int) -> Table:
    """A centred grid table of fixed layout with narrow cell margins, whose rows never break across a page and
    whose first row is repeated at the top of each page it runs onto."""
    table = document.add_table(rows=rows, cols=columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(margins, *AFTER_CELL_MARGINS)
    for row in table.rows:
        # A row is read whole: a page break never runs through one.
        row._tr.get_or_add_trPr().insert_element_before(OxmlElement("w:cantSplit"), *AFTER_CANT_SPLIT)
    # A long table runs onto a second page; Word repeats a header row marked so.
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    return table


def fill_cell(
    cell: _Cell,
    text: str,
    font: tuple[str, str],
    alignment: WD_ALIGN_PARAGRAPH,
    size: Length,
    bold: bool = False,
) -> Paragraph:
    """Write one table cell, centred top to bottom, in the table's size on single-spaced lines."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = alignment
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    add_run(paragraph, text, font, size=size, bold=bold)
    return paragraph


def set_properties(
    document: WordDocument,
    *,
    title: str,
    subject: str,
    author: str,
    language: str,
    day: date,
    zone: ZoneInfo,
) -> None:
    """Title, subject, author and dates (midnight of `day` in the campaign's zone) and nothing else, so the
    same document gives the same file."""
    # python-docx writes the datetime's digits followed by "Z", so it must be in UTC already.
    issued = datetime.combine(day, time(0), zone).astimezone(UTC)
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = author
    properties.last_modified_by = author
    properties.comments = ""
    properties.keywords = ""
    properties.category = ""
    properties.language = LANGUAGE_TAGS[language]
    properties.revision = 1
    properties.created = issued
    properties.modified = issued


def saved(document: WordDocument, day: date) -> bytes:
    """A document's .docx bytes, every member dated `day`: the same document gives the same bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    return with_fixed_timestamps(buffer.getvalue(), day)


def with_fixed_timestamps(archive: bytes, day: date) -> bytes:
    """The same .docx or .xlsx with every member dated `day`, so equal documents give equal bytes."""
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(output, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return output.getvalue()
