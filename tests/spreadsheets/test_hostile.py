"""Workbooks made to hurt: a stray cell at the sheet's far corner, zip bombs, garbage by the thousand.

Each is refused with one line naming the file and the limit, before calamine builds anything from it. The
files that would take all the memory are read in a child process held to 1 GiB of address space, so that a
check that lets one through ends that process, not the test run.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.app import App
from core.errors import UserError
from core.records import Problem, ProblemLog
from spreadsheets.bounds import check_workbook
from spreadsheets.importer import import_file
from spreadsheets.reader import read_import
from tests.spreadsheets.test_import import PEOPLE_ROWS, UNIT_ROWS, cases_of, fill_template

HEADERS = ["贷款编号", "借款人", "所属单位", "责任人工号", "贷款余额(元)", "五级分类"]
CASE = ["L001", "张三", "城关信用社", "E001", 1000, "可疑"]
ROOT = Path(__file__).resolve().parents[2]
# Reads each file named on its command line as an import does, printing what the clerk sees, then how much
# memory it took at most (kB, Linux). Its address space is capped: a sheet of 17 billion cells aborts it.
READER = """
import resource, sys
from datetime import date
from pathlib import Path

resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from core.errors import UserError
from spreadsheets.reader import read_import

for name in sys.argv[1:]:
    try:
        read_import(Path(name), date(2026, 11, 29), date(2026, 12, 31))
        print("read")
    except UserError as error:
        print(error.render("zh"))
    sys.stdout.flush()
# This process's own peak (VmHWM): ru_maxrss would count the test run's memory it was forked from.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def too_large(path: Path, cell: str, sheet: str = "案件") -> str:
    return (
        f"{path}：工作表“{sheet}”的范围达到 {cell}，超出导入上限（最多 600,000 行、30 列）；"
        "请删除多余的行和列（包括只设了格式的空单元格）后再导入"
    )


def too_big(path: Path) -> str:
    return (
        f"{path}：要读取的内容超过 1 GB（.xlsx 按解压后计），超出导入上限；"
        "请删去不需要的工作表、行和列，或分成几个文件导入"
    )


def cases_workbook(path: Path, cells: dict[str, str] | None = None, sheet: str = "案件") -> Path:
    """A workbook whose 案件 sheet holds one good case, and `cells` wherever they are put."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(HEADERS)
    ws.append(CASE)
    for reference, value in (cells or {}).items():
        ws[reference] = value
    workbook.save(path)
    return path


def rewritten(source: Path, path: Path, change: Callable[[bytes], bytes]) -> Path:
    """A copy of a workbook with the XML of its first sheet changed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return path


def deflated(data: bytes, final: bool = False) -> bytes:
    """Raw deflate data that other such pieces can follow (a full flush empties the window)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def zip_bomb(path: Path, size: int, declared: int | None = None) -> Path:
    """A small workbook whose shared-strings part unzips to `size` bytes of `<si><t>x</t></si>`.

    The part is made of one compressed megabyte-string piece repeated, so that writing it is quick; its CRC is
    not computed (the import must refuse the file long before the end). `declared` is the size the zip states,
    which a hostile file may set to anything.
    """
    base = cases_workbook(path.with_suffix(".base.xlsx"))
    with zipfile.ZipFile(base) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    namespace = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + namespace + b'">'
    piece = b"<si><t>x</t></si>" * (1 << 20)
    repeats = (size - len(head)) // len(piece)
    bomb = deflated(head) + deflated(piece) * repeats + deflated(b"</sst>", final=True)
    bomb_size = len(head) + len(piece) * repeats + len(b"</sst>")
    members = [
        (name, deflated(data, final=True), len(data), zlib.crc32(data))
        for name, data in parts.items()
        if name != "xl/sharedStrings.xml"
    ]
    members.append(("xl/sharedStrings.xml", bomb, bomb_size if declared is None else declared, 0))
    local, central = bytearray(), bytearray()
    for name, data, unzipped, crc in members:
        encoded = name.encode()
        big = unzipped >= 0xFFFFFFFF
        # ZIP64: the sizes move to an extra field when they do not fit in 32 bits.
        extra = struct.pack("<HHQQ", 1, 16, unzipped, len(data)) if big else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if big else (len(data), unzipped)
        version = 45 if big else 20
        header = struct.pack("<IHHHHHI", 0x04034B50, version, 0, 8, 0, 0, crc)
        central += struct.pack("<IHHHHHHI", 0x02014B50, version, version, 0, 8, 0, 0, crc)
        central += struct.pack("<IIHHHHHII", *sizes, len(encoded), len(extra), 0, 0, 0, 0, len(local))
        central += encoded + extra
        local += header + struct.pack("<IIHH", *sizes, len(encoded), len(extra)) + encoded + extra + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    base.unlink()
    return path


def read_in_a_child(*paths: Path) -> tuple[list[str], int]:
    """What reading each file prints in a process held to 1 GiB, and that process's peak memory (kB)."""
    done = subprocess.run(
        [sys.executable, "-c", READER, *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *lines, peak = done.stdout.splitlines()
    return lines, int(peak)


def test_a_stray_cell_or_a_zip_bomb_is_refused_in_one_line_and_little_memory(tmp_path: Path) -> None:
    stray = cases_workbook(tmp_path / "散落.xlsx", {"XFD1048576": "x"})  # 5 KB: calamine asked for 512 GiB
    assert stray.stat().st_size < 10_000
    without_dimension = rewritten(
        stray, tmp_path / "无范围.xlsx", lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml)
    )
    lying = rewritten(stray, tmp_path / "假范围.xlsx", lambda xml: xml.replace(b"A1:XFD1048576", b"A1:F2"))
    # Written with a namespace prefix, and no dimension: read by calamine all the same.
    prefixed = rewritten(
        without_dimension,
        tmp_path / "前缀.xlsx",
        lambda xml: re.sub(rb"<(/?)(worksheet|sheetData|row|c|v|is|t|dimension)\b", rb"<\1x:\2", xml).replace(
            b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x="
        ),
    )
    bomb = zip_bomb(
        tmp_path / "炸弹.xlsx", 6_500_000_000
    )  # like the probe's: 27.5 MB that unzipped to 6.5 GB
    assert bomb.stat().st_size < 30_000_000
    understated = zip_bomb(tmp_path / "少报.xlsx", 1_100_000_000, declared=1000)

    lines, peak_kb = read_in_a_child(stray, without_dimension, lying, prefixed, bomb, understated)
    assert lines == [
        too_large(stray, "XFD1048576"),
        too_large(without_dimension, "XFD1048576"),
        too_large(lying, "XFD1048576"),
        too_large(prefixed, "XFD1048576"),
        too_big(bomb),
        too_big(understated),
    ]
    assert peak_kb < 300_000


def test_a_sheet_too_long_or_too_wide_is_refused_and_nothing_written(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    # Named by the extent the sheet declares: to the right of the case's six columns, below its rows.
    for reference, extent in (("A600001", "F600001"), ("AE2", "AE2")):
        path = cases_workbook(tmp_path / f"{reference}.xlsx", {reference: "x"})
        with pytest.raises(UserError) as refused:
            import_file(app.store, path)
        assert refused.value.render("zh") == too_large(path, extent)
        assert cases_of(app) == {}
    # Within the limits, a stray cell is only a cell the import does not read.
    import_file(app.store, cases_workbook(tmp_path / "边界.xlsx", {"AD2": "x"}))
    assert set(cases_of(app)) == {"L001"}


@pytest.mark.parametrize(
    ("cells", "change", "refused_at"),
    [
        ({"AD600000": "x"}, None, None),  # the last cell a sheet may reach
        ({"AE1": "x"}, None, "AE1"),
        ({"A600001": "x"}, None, "A600001"),
        ({"AE1": "x"}, lambda xml: xml.replace(b'r="AE1"', b'r="ae1"'), "AE1"),  # calamine reads it so too
        ({"AE1": "x"}, lambda xml: xml.replace(b'r="AE1"', b'r="AE0000001"'), "AE1"),
        ({"B2": "x"}, lambda xml: xml.replace(b'<c r="B2"', b'<c  t="n" r="AE1"'), "AE1"),  # r not first
        ({"B2": "x"}, lambda xml: xml.replace(b'<c r="B2"', b"<c\tr='XFD1'"), "XFD1"),
    ],
)
def test_the_extent_is_read_from_every_cell(
    tmp_path: Path, cells: dict[str, str], change: Callable[[bytes], bytes] | None, refused_at: str | None
) -> None:
    """Whatever the sheet declares (here nothing), its cells are where calamine puts them."""

    def without_dimension(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension[^>]*/>", b"", xml)
        return xml if change is None else change(xml)

    path = rewritten(cases_workbook(tmp_path / "表.xlsx", cells), tmp_path / "改.xlsx", without_dimension)
    if refused_at is None:
        check_workbook(path, lambda name: True)
        return
    with pytest.raises(UserError) as refused:
        check_workbook(path, lambda name: True)
    assert refused.value.render("zh") == too_large(path, refused_at)


def test_a_cell_without_a_position_is_refused(tmp_path: Path) -> None:
    """calamine counts such a cell from the one before it: a row of them reaches as far as it is long."""
    path = rewritten(
        cases_workbook(tmp_path / "表.xlsx"),
        tmp_path / "无位置.xlsx",
        lambda xml: xml.replace(b'<c r="B2" t="inlineStr">', b'<c t="inlineStr">'),
    )
    with pytest.raises(UserError) as refused:
        read_import(path, date(2026, 11, 29), date(2026, 12, 31))
    assert refused.value.render("zh") == (
        f"{path}：工作表“案件”有未标明位置的单元格，无法安全读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
    )
    # An empty cell without one takes no place: read as before.
    empty = rewritten(
        cases_workbook(tmp_path / "表2.xlsx"),
        tmp_path / "空.xlsx",
        lambda xml: xml.replace(b"</row>", b"<c/></row>", 1),
    )
    assert len(read_import(empty, date(2026, 11, 29), date(2026, 12, 31)).cases) == 1


def test_sheets_the_import_does_not_read_are_not_checked(app: App, tmp_path: Path) -> None:
    """An export's 审计 or 催收记录 may grow past the limits; its first three sheets still import again."""
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, []))
    workbook_path = tmp_path / "带审计.xlsx"
    workbook = Workbook()
    workbook.active.title = "案件"
    for row in (HEADERS, CASE):
        workbook.active.append(row)
    workbook.create_sheet("审计")["XFD1048576"] = "x"
    workbook.save(workbook_path)
    assert import_file(app.store, workbook_path).created == 1


def test_a_csv_is_held_to_the_same_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wide = tmp_path / "宽.csv"
    wide.write_text(",".join(HEADERS) + "\n" + ",".join(map(str, CASE)) + ",x" * 25 + "\n", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        read_import(wide, date(2026, 11, 29), date(2026, 12, 31))
    assert refused.value.render("zh") == too_large(wide, "AE2")

    # Trailing empty fields, as Excel writes them, are not columns.
    padded = tmp_path / "逗号.csv"
    padded.write_text(",".join(HEADERS) + "," * 40 + "\n" + ",".join(map(str, CASE)) + "," * 40 + "\n")
    assert len(read_import(padded, date(2026, 11, 29), date(2026, 12, 31)).cases) == 1

    monkeypatch.setattr("spreadsheets.reader.MAX_ROWS", 3)
    long = tmp_path / "长.csv"
    long.write_text(",".join(HEADERS) + "\n" + (",".join(map(str, CASE)) + "\n") * 3)
    with pytest.raises(UserError) as too_long:
        read_import(long, date(2026, 11, 29), date(2026, 12, 31))
    assert too_long.value.params["cell"] == "F4"

    monkeypatch.setattr("spreadsheets.reader.MAX_UNZIPPED", 100)
    with pytest.raises(UserError) as big:
        read_import(long, date(2026, 11, 29), date(2026, 12, 31))
    assert big.value.render("zh") == too_big(long)


def test_the_problem_log_keeps_the_first_in_order_and_counts_the_rest() -> None:
    """Collected in any order, the problems listed are the first by sheet, row and column; little is kept."""
    log = ProblemLog()
    tracemalloc.start()
    for row in range(100_001, 1, -1):
        log.add(Problem("案件", row, "借款人", UserError("import.required")))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    first = log.first()
    assert [problem.row for problem in first] == list(range(2, 202))
    assert (log.count, log.unlisted) == (100_000, 99_800)
    assert peak < 2_000_000  # bytes: a few hundred problems, not 100,000
