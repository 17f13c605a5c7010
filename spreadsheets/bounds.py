"""The limits of what an import reads, checked before a workbook is opened (README, "The import workflow").

An .xlsx is a zip of XML parts, and python-calamine builds each sheet it reads as one dense grid from its
first to its last filled cell: one stray cell at XFD1048576 asks for 17 billion cells (512 GiB), and a part
that unzips to gigabytes is read whole. calamine tells a sheet's extent only once it has built that grid, and
neither the sizes a zip declares nor a sheet's <dimension> can be trusted, so both are measured here, reading
the parts as a stream through a buffer of a megabyte, before calamine sees the file.
"""

from __future__ import annotations

import copy
import html
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from core.errors import UserError

# A province's 500,000 cases with room to spare (Excel itself stops at 1,048,576 rows).
MAX_ROWS = 600_000
# The widest sheet has 13 columns (15 as exported), which leaves the clerk room for columns of their own. With
# the rows, this bounds calamine's grid at 18 million cells: about 600 MB, less than 500,000 cases take.
MAX_COLUMNS = 30
# What an import unzips: the sheets it reads and the parts every sheet needs (shared texts, styles). The
# 500,000 cases come to about 400 MB; sheets the import does not read are neither unzipped nor counted.
MAX_UNZIPPED = 1_000_000_000
MAX_UNZIPPED_TEXT = "1 GB"

_CHUNK = 1 << 20
# Between two '>' of a sheet comes a tag or a cell's text, which Excel keeps to 32,767 characters.
_MAX_RUN = 1 << 20
# The workbook's list of sheets and its relationships name a handful of parts.
_MAX_INDEX_PART = 16 << 20
# Where calamine looks for them, whatever the package's root relationships say.
_WORKBOOK = "xl/workbook.xml"
_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"

_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s([^>]*)>")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])([^>]*)>")
# Cells written with a namespace prefix.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")
# How Excel writes a cell tag: `<c r="A1"`, its position first.
_AS_EXCEL = re.escape(b' r="')


def _columns_beyond(limit: int) -> bytes:
    """A regex for the column letters past the `limit`th column, upper or lower case (limit from AA to ZZ)."""
    major, minor = divmod(limit - 1, 26)  # AA is the 27th column: major 1, minor 0
    first, second = chr(ord("A") + major - 1), chr(ord("A") + minor)
    parts = ["[A-Za-z]{3}"]
    if first < "Z":
        after = chr(ord(first) + 1)
        parts.append(f"[{after}-Z{after.lower()}-z][A-Za-z]")
    if second < "Z":
        after = chr(ord(second) + 1)
        parts.append(f"[{first}{first.lower()}][{after}-Z{after.lower()}-z]")
    return "|".join(parts).encode()


def _rows_near(limit: int) -> bytes:
    """A regex for row numbers that may be past `limit`: as long as it and starting as high, or longer."""
    digits = str(limit)
    return f"0*(?:[1-9][0-9]{{{len(digits)},}}|[{digits[0]}-9][0-9]{{{len(digits) - 1}}})".encode()


# One pass over a block's cell tags finds those to look at: a cell written as Excel writes it (`<c r="`) whose
# position may be past the limits (its group 1, checked exactly), and a cell tag written any other way (then
# the block's tags are read one by one). Elements whose name only starts with c (<col>, <cfRule>…) are passed.
_FAR_OR_OTHER_CELL = re.compile(
    b"<c(?:"
    + _AS_EXCEL
    + b"((?:"
    + _columns_beyond(MAX_COLUMNS)
    + b"|[A-Za-z]{1,2}"
    + _rows_near(MAX_ROWS)
    + b"))"
    + b"|(?!"
    + _AS_EXCEL
    + b")[\\s/>])"
)


def check_workbook(path: Path, reads_sheet: Callable[[str], bool]) -> dict[str, int]:
    """Refuse, with one line naming the file and the limit, a workbook too big for an import to read safely;
    else the size of each sheet it reads, unzipped (bytes of XML, by sheet name).

    `reads_sheet` tells by a sheet's name whether the import reads it; other sheets are left zipped.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, path, reads_sheet)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        # Not a zip, damaged, encrypted, compressed in a way zipfile does not know, or not readable at all.
        raise UserError("import.unreadable", path=str(path), reason=type(exc).__name__) from exc


def _check_archive(
    archive: zipfile.ZipFile, path: Path, reads_sheet: Callable[[str], bool]
) -> dict[str, int]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        # Two parts of one name: which one a reader takes is its own choice, so none is checked for sure.
        raise UserError("import.unreadable", path=str(path), reason="duplicate parts")
    sheets, unread = _sheet_parts(archive, path, reads_sheet)
    parts = [info for info in infos if info.filename not in unread]
    if sum(info.file_size for info in parts) > MAX_UNZIPPED:
        raise too_big(path)
    unzipped = 0
    sizes: dict[str, int] = {}
    for info in parts:
        scan = _SheetScan(path, sheets[info.filename]) if info.filename in sheets else None
        before = unzipped
        for chunk in _unzipped(archive, info):
            unzipped += len(chunk)
            if unzipped > MAX_UNZIPPED:
                raise too_big(path)
            if scan is not None:
                scan.feed(chunk)
        if scan is not None:
            sizes[scan.sheet] = unzipped - before
    return sizes


def too_big(path: Path) -> UserError:
    """The refusal of a file with more to read than MAX_UNZIPPED."""
    return UserError("import.too_big", path=str(path), limit=MAX_UNZIPPED_TEXT)


def too_large(path: Path, sheet: str, cell: str) -> UserError:
    """The refusal of a sheet that reaches `cell`, past MAX_ROWS or MAX_COLUMNS."""
    return UserError(
        "import.sheet_too_large",
        path=str(path),
        sheet=sheet,
        cell=cell,
        rows=f"{MAX_ROWS:,}",
        columns=f"{MAX_COLUMNS:,}",
    )


def _unzipped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's content a megabyte at a time, however large the zip says it is."""
    # zipfile stops at the declared size, where calamine's reader goes on to the end of the data: read as far
    # as the data goes (the caller's limit stops it), and the CRC still checks all of it at the end.
    measured = copy.copy(info)
    measured.file_size = 1 << 62
    with archive.open(measured) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _small_part(archive: zipfile.ZipFile, path: Path, name: str) -> bytes:
    data = b""
    for chunk in _unzipped(archive, archive.getinfo(name)):
        data += chunk
        if len(data) > _MAX_INDEX_PART:
            raise too_big(path)
    return data


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(tag)}


def _sheet_parts(
    archive: zipfile.ZipFile, path: Path, reads_sheet: Callable[[str], bool]
) -> tuple[dict[str, str], set[str]]:
    """The parts of the sheets the import reads (part name to sheet name), and the parts of the others.

    They are found the way calamine finds them, so that no part calamine reads goes unchecked.
    """
    try:
        workbook = _small_part(archive, path, _WORKBOOK)
        relationships = _small_part(archive, path, _RELATIONSHIPS)
    except KeyError:
        return {}, set()  # calamine cannot open it either
    targets: dict[bytes, str] = {}
    for match in _RELATIONSHIP.finditer(relationships):
        attributes = _attributes(match[1])
        if b"Id" in attributes and b"Target" in attributes:
            target = attributes[b"Target"].decode("utf-8", "replace")
            if target.startswith("/xl/"):
                target = target[1:]
            elif not target.startswith("xl/"):
                target = "xl/" + target
            targets[attributes[b"Id"]] = target
    read: dict[str, str] = {}
    unread: set[str] = set()
    for match in _SHEET.finditer(workbook):
        attributes = _attributes(match[1])
        part = targets.get(attributes.get(b"r:id") or attributes.get(b"relationships:id") or b"")
        if part is None:
            continue
        name = html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
        if reads_sheet(name):
            read[part] = name
        else:
            unread.add(part)
    return read, unread - read.keys()


class _SheetScan:
    """How far one sheet's cells reach, read block by block from its XML: refused past the limits."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path = path
        self.sheet = sheet
        self.carry = b""
        self.before_data = True

    def feed(self, chunk: bytes) -> None:
        """Check the next piece of the sheet's XML (cut anywhere)."""
        block = self.carry + chunk
        # Cut after the last '>', so that no tag is split between two blocks.
        end = block.rfind(b">") + 1
        block, self.carry = block[:end], block[end:]
        if len(self.carry) > _MAX_RUN:
            raise UserError("import.unreadable", path=str(self.path), reason="XML")
        if self.before_data:
            # The extent the sheet declares: refused at once when it is too large, trusted no further.
            dimension = _DIMENSION.search(block)
            if dimension is not None:
                reference = _attributes(dimension[1]).get(b"ref", b"").rpartition(b":")[2]
                if found := _REFERENCE.fullmatch(reference):
                    self._check(found)
            self.before_data = _SHEET_DATA.search(block) is None
        if _PREFIXED_CELL.search(block) is None:
            for match in _FAR_OR_OTHER_CELL.finditer(block):
                if match.start(1) < 0:
                    break  # a cell tag not written as Excel writes it
                if found := _REFERENCE.match(block, match.start(1)):
                    self._check(found)
            else:
                return
        for tag in _CELL_TAG.finditer(block):
            self._check_tag(tag)

    def _check_tag(self, tag: re.Match[bytes]) -> None:
        position = _attributes(tag[1]).get(b"r")
        if position is None:
            if tag[0].endswith(b"/>"):
                return  # an empty cell: calamine keeps nothing for it
            # Its place would be counted from the cells before it, which this check does not follow.
            raise UserError("import.cell_without_position", path=str(self.path), sheet=self.sheet)
        if found := _REFERENCE.fullmatch(position):
            self._check(found)
        # Any other position is one calamine refuses as unreadable.

    def _check(self, reference: re.Match[bytes]) -> None:
        letters, digits = reference[1].upper(), int(reference[2])
        column = 0
        for letter in letters:
            column = column * 26 + letter - ord("A") + 1
        if digits > MAX_ROWS or column > MAX_COLUMNS:
            raise too_large(self.path, self.sheet, f"{letters.decode()}{digits}")
