"""A workbook's sheets, parsed by calamine on a thread of its own while the import does its other work.

calamine (Rust) reads cell values an order of magnitude faster than openpyxl, which only writes here, and lets go
of Python's lock while it parses a sheet: an import opens the ledger, and reads one sheet, while the next is
parsed. The workbook's limits are checked before calamine sees it (spreadsheets/bounds.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook

from core.columns import (
    ASSETS_SHEET,
    CASES_SHEET,
    LAWSUITS_SHEET,
    LOANS_SHEET,
    PEOPLE_SHEET,
    READ_SHEETS,
    UNITS_SHEET,
)
from core.errors import UserError
from core.money import without_format_characters
from spreadsheets.bounds import check_workbook

# Also accepted as sheet names, for workbooks made by hand in English.
SHEET_ALIASES = {
    "units": UNITS_SHEET,
    "people": PEOPLE_SHEET,
    "cases": CASES_SHEET,
    "lawsuits": LAWSUITS_SHEET,
    "assets": ASSETS_SHEET,
    "loans": LOANS_SHEET,
}
# calamine parses the next sheet while the sheets parsed and not yet read come to less than this much XML: the
# small sheets and a large one are parsed at once, two large sheets are not held at the same time.
READ_AHEAD = 64 << 20


def sheet_of(name: str) -> str:
    """The import's name of a sheet named `name` in a workbook (案件 for 案件 or cases)."""
    name = without_format_characters(name).strip()
    return SHEET_ALIASES.get(name.lower(), name)


class Sheets:
    """The sheets an import reads of a workbook, parsing from the moment it is opened (close it when done)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Before calamine builds anything: its grid of a sheet spans the sheet's extent, whatever fills it.
        self._sizes = check_workbook(path, lambda name: sheet_of(name) in READ_SHEETS)
        self._turn = threading.Condition()
        self._ahead = 0  # bytes of XML of the sheets parsed and not yet read
        self._closed = False
        self._order: Future[list[tuple[str, str]]] = Future()  # (the import's name, the workbook's) in turn
        self._parsed: dict[str, Future[CalamineSheet]] = {}  # each dropped once read
        threading.Thread(target=self._parse, name="calamine", daemon=True).start()

    def rows(self) -> Iterator[tuple[str, Iterator[list[Any]]]]:
        """Each sheet the import reads, units before people before cases before the optional sheets whatever the
        workbook's order, by the import's name, with its rows (each read before the next is asked for)."""
        order = self._wait(self._order)
        for sheet, name in order:
            parsed = self._wait(self._parsed.pop(name))
            yield sheet, parsed.iter_rows()
            del parsed
            self._done(name)

    def close(self) -> None:
        """Parse no further sheet (one being parsed is finished, then dropped)."""
        with self._turn:
            self._closed = True
            self._turn.notify()

    def __enter__(self) -> Sheets:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _wait(self, future: Future[Any]) -> Any:
        try:
            return future.result()
        except UserError:
            raise
        except Exception as exc:  # a damaged or mislabelled file: calamine raises several types
            raise UserError("import.unreadable", path=str(self.path), reason=type(exc).__name__) from exc

    def _done(self, name: str) -> None:
        with self._turn:
            self._ahead -= self._sizes.get(name, 0)
            self._turn.notify()

    def _parse(self) -> None:
        try:
            workbook = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:
            self._order.set_exception(exc)
            return
        by_name = {}
        for name in workbook.sheet_names:
            if (sheet := sheet_of(name)) in READ_SHEETS:
                by_name[sheet] = name
        if not by_name:
            found = "、".join(workbook.sheet_names) or "—"
            self._order.set_exception(UserError("import.no_sheets", found=found))
            return
        order = [(sheet, by_name[sheet]) for sheet in READ_SHEETS if sheet in by_name]
        parsed: list[tuple[str, Future[CalamineSheet]]] = [(name, Future()) for _sheet, name in order]
        self._parsed = dict(parsed)
        self._order.set_result(order)
        for name, future in parsed:
            size = self._sizes.get(name, 0)
            with self._turn:
                while not self._closed and self._ahead >= READ_AHEAD:
                    self._turn.wait()
                if self._closed:
                    return
                self._ahead += size
            try:
                future.set_result(workbook.get_sheet_by_name(name))
            except Exception as exc:
                future.set_exception(exc)
                return
