"""Italian home-banking exports (CSV and XLSX): data, valuta, importo, causale/descrizione.

Banks differ: ``;`` or ``,`` separators, a title block above the header, one ``importo``
column or ``entrate``/``uscite`` (``dare``/``avere``), Italian numbers (``1.234,56``,
``-1.234,56``, ``1234,56 €``) and dates (``03/12/2026``, ``03-12-26``, ISO). The header
row is found by its names, so banner lines above it are skipped.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Sequence

from bot.statements.lines import BankLine, synthetic_id
from bot.statements.read_camt import StatementError

HEADERS = {
    "booked": ("data contabile", "data operazione", "data", "data registrazione", "booking date", "date"),
    "value": ("data valuta", "valuta", "value date"),
    "amount": ("importo", "importo (eur)", "importo eur", "amount"),
    "credit": ("entrate", "avere", "accrediti", "credit"),
    "debit": ("uscite", "dare", "addebiti", "debit"),
    "text": ("causale", "descrizione", "descrizione operazione", "dettagli", "description", "causale/descrizione"),
    "party": ("ordinante", "controparte", "beneficiario/ordinante", "counterparty"),
    "id": ("id operazione", "riferimento", "cro", "trn", "transaction id"),
}
_NUMBER = re.compile(r"^[+-]?[\d.,\s']+$")


def parse_it_amount(raw: str) -> Decimal | None:
    """``1.234,56`` / ``-1234,56`` / ``1,234.56`` / ``12 €`` -> Decimal, else None."""
    text = (raw or "").replace("€", "").replace("EUR", "").replace("\xa0", "").strip()
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()+- ").replace(" ", "").replace("'", "")
    if not text or not _NUMBER.match(text):
        return None
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_sep = ","
    elif text.count(".") == 1 and len(text.split(".")[1]) != 3:
        decimal_sep = "."
    else:
        decimal_sep = None  # "1.234" is a thousand in Italian exports
    thousands = {",": ".", ".": ",", None: ".,"}[decimal_sep]
    for sep in thousands:
        text = text.replace(sep, "")
    if decimal_sep:
        text = text.replace(decimal_sep, ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return -value if negative else value


def parse_it_date(raw: object) -> date | None:
    """``03/12/2026``, ``03.12.26``, ``2026-12-03`` or an XLSX date cell."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()[:10]
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _columns(header: Sequence[object]) -> dict[str, int] | None:
    names = [str(h or "").strip().lower() for h in header]
    found: dict[str, int] = {}
    for role, options in HEADERS.items():
        for option in options:
            if option in names and names.index(option) not in found.values():
                found[role] = names.index(option)
                break
    has_money = "amount" in found or "credit" in found
    return found if "booked" in found and has_money and "text" in found else None


def lines_from_rows(rows: Iterable[Sequence[object]], source: str) -> list[BankLine]:
    """Bank lines of a table whose header row is somewhere in the first 30 rows."""
    columns: dict[str, int] | None = None
    result: list[BankLine] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        if columns is None:
            if index > 30:
                break
            columns = _columns(row)
            continue
        found: dict[str, int] = columns

        def cell(role: str, row: Sequence[object] = row, columns: dict[str, int] = found) -> object:
            return row[columns[role]] if role in columns and columns[role] < len(row) else ""

        booked = parse_it_date(cell("booked"))
        amount = _money(cell("amount")) if "amount" in columns else None
        if amount is None and "credit" in columns:
            credit, debit = _money(cell("credit")), _money(cell("debit"))
            amount = credit if credit else (-abs(debit) if debit else None)
        if booked is None or amount is None or amount == 0:
            continue  # totals, balances and blank lines
        text, party = str(cell("text") or "").strip(), str(cell("party") or "").strip()
        bank_id = str(cell("id") or "").strip()
        key = (booked, amount, text, party)
        seen[key] = seen.get(key, 0) + 1  # two identical transfers in one file are two payments
        txn = bank_id or synthetic_id(source, *key, seen[key])
        result.append(BankLine(txn, booked, parse_it_date(cell("value")), amount, "EUR", text, party))
    if columns is None:
        raise StatementError("no header with data, importo (or entrate/uscite) and causale/descrizione")
    return result


def _money(raw: object) -> Decimal | None:
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return Decimal(raw).quantize(Decimal("0.01"))
    if isinstance(raw, float):  # XLSX numbers arrive as float: go through their repr
        return Decimal(repr(raw)).quantize(Decimal("0.01"))
    return parse_it_amount(str(raw or ""))


def read_csv_bytes(data: bytes) -> list[BankLine]:
    """Bank lines of a CSV export (UTF-8 or Latin-1; separator sniffed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    return lines_from_rows(csv.reader(io.StringIO(text), delimiter=delimiter), "csv")


def read_xlsx_file(path: Path) -> list[BankLine]:
    """Bank lines of the first sheet of an XLSX export."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return lines_from_rows(book.worksheets[0].iter_rows(values_only=True), "xlsx")
    finally:
        book.close()
