"""Reading ledger files (CSV or XLSX) into one shape: a header and numbered rows.

Line numbers are the ones a person sees when opening the file: 1-based, the header is line 1
(for XLSX the sheet row). Blank rows are skipped but still counted, so numbers stay true.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DELIMITERS = (",", ";", "\t")


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (missing, not UTF-8, not a workbook…)."""


@dataclass
class Table:
    """One sheet of data. ``source`` names it in messages: ``invoices.csv`` or ``ledger.xlsx[payments]``."""

    source: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (line, cells)
    fixed_width: bool = True  # CSV rows must match the header; XLSX rows may end early
    delimiter: str | None = None  # the CSV separator; None for a workbook
    labels: dict[str, str] = field(default_factory=dict)  # column → the header as written (Italian names)

    def label(self, column: str) -> str:
        """The column as the file names it, for messages."""
        return self.labels.get(column, column)


def is_workbook(path: Path) -> bool:
    """True when the file is to be read as an Excel workbook (by its extension)."""
    return path.suffix.lower() in {".xlsx", ".xlsm"}


def read_csv(path: Path) -> Table | None:
    """The table in ``path``; ``None`` when the file holds no header at all."""
    try:
        content = decode(path.read_bytes(), path.name)
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot be read ({exc.strerror})") from None
    delimiter = _delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    table: Table | None = None
    line = 1
    try:
        for cells in reader:
            # line_num is where the record ends; a quoted field may span lines.
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if table is None:
                table = Table(path.name, [c.strip() for c in cells], start, delimiter=delimiter)
            else:
                table.rows.append((start, cells))
    except csv.Error as exc:
        raise UnreadableFile(f"{path.name}:{reader.line_num}: the CSV is malformed ({exc})") from None
    return table


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 (what Excel on Windows
    writes for "CSV (separated by ;)"): UTF-8 is tried first because a Windows-1252 file with
    accented letters is practically never valid UTF-8, while the reverse decodes to mojibake."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{name}: broken UTF-16 text (byte {exc.start})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: neither UTF-8 nor Windows-1252 text (byte {exc.start}); save it as 'CSV UTF-8' "
            "and retry") from None


def _delimiter(content: str) -> str:
    """Comma, or what an Italian Excel writes (';'), or tab: whichever the header line uses most."""
    first = next((ln for ln in content.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def has_sheet(path: Path, wanted: str) -> bool:
    """Whether the workbook has a sheet named ``wanted`` (lower case; names compared trimmed)."""
    workbook = _open_workbook(path)
    try:
        return wanted in {name.strip().lower() for name in workbook.sheetnames}
    finally:
        workbook.close()


def read_sheet(path: Path, wanted: str) -> Table | None:
    """Sheet ``wanted`` (case-insensitive), or the only sheet of a one-sheet workbook.

    Returns ``None`` when the sheet exists but is blank; raises when it is absent.
    """
    workbook = _open_workbook(path)
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        if wanted in names:
            name = names[wanted]
        elif len(workbook.sheetnames) == 1:
            name = workbook.sheetnames[0]
        else:
            raise UnreadableFile(f"{path.name}: no sheet named '{wanted}' (sheets: {', '.join(workbook.sheetnames)})")
        table: Table | None = None
        for line, values in enumerate(workbook[name].iter_rows(values_only=True), start=1):
            cells = list(values)
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            if table is None:
                header = [str(c).strip() if c is not None else "" for c in cells]
                table = Table(f"{path.name}[{name}]", header, line, fixed_width=False)
            else:
                table.rows.append((line, cells))
        return table
    finally:
        workbook.close()


def _open_workbook(path: Path) -> Any:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: formulas give their last computed value, as a person sees them.
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError) as exc:
        raise UnreadableFile(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    except OSError as exc:
        raise UnreadableFile(f"{path.name}: cannot be read ({exc.strerror})") from None

