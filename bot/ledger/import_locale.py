"""What an Italian Excel writes: Italian column names, "1.240,50" amounts, dd/mm/yyyy dates.

Two readings of a file exist: ``standard`` (the documented format: ISO dates, a dot for
decimals, no thousands separator) and ``it`` (a comma for decimals, dots between
thousands, dates day first; ISO dates are accepted too). Which one applies is decided per
file from its own cells, unless the caller forces it (``--locale it|standard``):

* a cell only the Italian reading accepts ("1.240,50", "1240,5", "14/02/2026") votes ``it``;
  one only the standard reading accepts ("1240.50") votes ``standard``;
* votes one way only → that reading; votes both ways → the header decides (Italian
  column names → ``it``), and the cells that do not fit get the usual line-level errors;
* no vote, but a cell that both readings accept with different values ("1.240" is 1240 or
  1.24) → the file is **refused**: guessing would import a wrong amount;
* dates written day first whose every part is ≤ 12 ("01/02/2026") are accepted as day first
  only when something else says the file is Italian (Italian column names, a ``;``
  separator, Italian amounts); otherwise the file is refused as ambiguous.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterable

from babel.numbers import NumberFormatError, parse_decimal

from bot.ledger import import_fields as fields
from bot.ledger.import_fields import FieldError
from bot.ledger.import_read import Table

LOCALES = ("auto", "it", "standard")
IT_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:,\d{1,2})?")
STD_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")

# Normalised Italian (and common variant) column names → the documented column.
INVOICE_ALIASES: dict[str, tuple[str, ...]] = {
    "debtor_ref": ("codice cliente", "cod cliente", "id cliente", "rif cliente", "riferimento cliente"),
    "name": ("ragione sociale", "denominazione", "nominativo", "cliente", "nome cliente", "nome e cognome",
             "intestatario", "nome"),
    "tax_code": ("partita iva", "p iva", "piva", "codice fiscale", "cod fiscale", "cf", "c f",
                 "codice fiscale partita iva", "partita iva codice fiscale", "cf piva", "p iva cf"),
    "phone": ("telefono", "tel", "cellulare", "cell", "numero di telefono"),
    "email": ("email", "e mail", "mail", "indirizzo email", "posta elettronica", "pec"),
    "language": ("lingua",),
    "invoice_number": ("numero fattura", "n fattura", "nr fattura", "num fattura", "numero documento",
                       "n documento", "n doc", "fattura", "documento"),
    "issue_date": ("data emissione", "data fattura", "data documento", "data doc"),
    "due_date": ("data scadenza", "scadenza"),
    "amount_due": ("importo", "importo dovuto", "importo fattura", "importo totale", "totale",
                   "totale fattura", "totale documento"),
    "currency": ("valuta", "divisa"),
}
PAYMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_number": INVOICE_ALIASES["invoice_number"],
    "paid_on": ("data pagamento", "data incasso", "data valuta", "pagato il", "data"),
    "amount": ("importo", "importo pagato", "importo incassato", "pagato"),
    "reference": ("riferimento", "rif pagamento", "riferimento pagamento", "causale", "cro", "trn"),
}
# Two source columns that may both be present and fill one column: the first non-empty
# wins, in alias order (partita IVA before codice fiscale, e-mail before PEC).
MERGEABLE = frozenset({"tax_code", "email"})


def normalise(name: str) -> str:
    """'N° Fattura' → 'n fattura': lower case, no accents, punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", name.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass
class HeaderResult:
    italian: bool = False  # at least one Italian column name was recognised


def translate_header(table: Table, aliases: dict[str, tuple[str, ...]], columns: tuple[str, ...]) -> HeaderResult:
    """Rename Italian headers to the documented names, in place; merge CF/P.IVA and e-mail/PEC."""
    lookup = {alias: (canonical, rank) for canonical, names in aliases.items() for rank, alias in enumerate(names)}
    result = HeaderResult()
    original = [name.strip() for name in table.header]
    sources: dict[str, list[tuple[int, int]]] = {}  # canonical → [(rank, position)]
    for position, name in enumerate(original):
        if name.lower() in columns:
            continue
        hit = lookup.get(normalise(name))
        if hit is None:
            continue
        canonical, rank = hit
        result.italian = True
        table.labels[canonical] = name
        table.header[position] = canonical
        sources.setdefault(canonical, []).append((rank, position))
    for canonical, found in sources.items():
        if len(found) < 2 or canonical not in MERGEABLE:
            continue  # a real duplicate is reported by the header check
        order = [position for _, position in sorted(found)]
        keep = order[0]
        table.labels[canonical] = " / ".join(original[p] for p in order)
        for position in order[1:]:
            table.header[position] = ""
        for _line, cells in table.rows:
            value = next((cells[p] for p in order if p < len(cells) and fields.as_text(cells[p])), None)
            for position in order[1:]:
                if position < len(cells):
                    cells[position] = None
            if value is not None:
                cells.extend([None] * (keep + 1 - len(cells)))
                cells[keep] = value
    return result


# --- one cell ------------------------------------------------------------------------
def _bare(text: str) -> str:
    """An amount without its euro sign, spaces and sign (for classifying)."""
    return _SPACES.sub("", text.replace("€", "")).lstrip("-+")


def amount_vote(value: Any) -> str | None:
    """'it', 'standard', 'ambiguous' or None (both readings agree, or neither accepts it)."""
    if not isinstance(value, str):
        return None
    raw = _bare(value)
    it_ok, std_ok = bool(IT_AMOUNT.fullmatch(raw)), bool(STD_AMOUNT.fullmatch(raw))
    if it_ok and std_ok:
        return None if raw.isdigit() else "ambiguous"
    return "it" if it_ok else "standard" if std_ok else None


def date_vote(value: Any) -> tuple[int, int] | None:
    """(first, second) number of a day-first-looking date string, else None."""
    if not isinstance(value, str):
        return None
    match = DAY_FIRST.fullmatch(value.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def italian_amount(value: Any) -> Decimal:
    """'1.240,50', '1240,5', '€ 75' → Decimal, through babel's strict Italian parser; never float."""
    if not isinstance(value, str):
        return fields.amount(value)
    raw = _SPACES.sub("", value.replace("€", ""))
    if not raw:
        raise FieldError("is required and is empty")
    negative = raw.startswith("-")
    digits = raw.lstrip("-")
    if not IT_AMOUNT.fullmatch(digits):
        if STD_AMOUNT.fullmatch(digits) or re.fullmatch(r"[\d.,]+", digits):
            raise FieldError(f"must be written the Italian way, a comma for decimals, e.g. 1.240,50; "
                             f"got {fields.shown(value)}")
        raise FieldError(f"must be an amount like 1.240,50, got {fields.shown(value)}")
    try:
        number = parse_decimal(digits, locale="it_IT", strict=True)
    except NumberFormatError:
        raise FieldError(f"must be an amount like 1.240,50, got {fields.shown(value)}") from None
    return fields.amount(str(-number if negative else number))


def day_first_date(value: Any) -> date:
    """dd/mm/yyyy (also with '.' or '-'), or ISO YYYY-MM-DD, or a spreadsheet date."""
    parts = date_vote(value)
    if parts is None:
        try:
            return fields.iso_date(value)
        except FieldError as exc:
            if "YYYY-MM-DD" in str(exc):
                raise FieldError(f"must be a date written dd/mm/yyyy, got {fields.shown(value)}") from None
            raise
    day, month = parts
    year = int(str(value).strip()[-4:])
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(f"is not a real calendar date (dd/mm/yyyy): {fields.shown(value)}") from None


# --- one file ------------------------------------------------------------------------
@dataclass(frozen=True)
class Formats:
    locale: str  # it | standard
    amount: Callable[[Any], Decimal]
    date: Callable[[Any], date]


STANDARD = Formats("standard", fields.amount, fields.iso_date)
ITALIAN = Formats("it", italian_amount, day_first_date)


def _cells(table: Table, positions: Iterable[int]) -> Iterable[tuple[int, Any]]:
    wanted = list(positions)
    for line, cells in table.rows:
        for p in wanted:
            if p < len(cells):
                yield line, cells[p]


def choose_formats(table: Table, columns: dict[str, int], amount_columns: tuple[str, ...],
                   date_columns: tuple[str, ...], locale: str, italian_header: bool) -> Formats | str:
    """The reading for this file, or the message refusing it as ambiguous."""
    if locale == "it":
        return ITALIAN
    if locale == "standard":
        return STANDARD
    votes: dict[str, tuple[int, Any] | None] = {"it": None, "standard": None, "ambiguous": None}
    for line, cell in _cells(table, [columns[c] for c in amount_columns if c in columns]):
        vote = amount_vote(cell)
        if vote and votes[vote] is None:
            votes[vote] = (line, cell)
    day_first: list[tuple[int, Any, tuple[int, int]]] = []
    for line, cell in _cells(table, [columns[c] for c in date_columns if c in columns]):
        parts = date_vote(cell)
        if parts is not None:
            day_first.append((line, cell, parts))
    if day_first and votes["it"] is None:
        votes["it"] = day_first[0][:2]
    if votes["it"] and votes["standard"]:
        chosen = ITALIAN if italian_header else STANDARD
    elif votes["it"]:
        chosen = ITALIAN
    elif votes["standard"]:
        chosen = STANDARD
    elif votes["ambiguous"]:
        line, cell = votes["ambiguous"]
        return (f"line {line}: the amount {fields.shown(cell)} could be read the Italian way (thousands) "
                "or with a dot for decimals, and nothing else in the file says which; "
                "import it again with --locale it or --locale standard")
    else:
        return STANDARD
    if chosen is ITALIAN and day_first and not (italian_header or table.delimiter == ";" or _italian_amounts(votes)):
        if not any(first > 12 for _line, _cell, (first, _second) in day_first):
            line, cell, _ = day_first[0]
            return (f"line {line}: the date {fields.shown(cell)} could be day first or month first, and "
                    "nothing else in the file says which; write dates as YYYY-MM-DD or import it again "
                    "with --locale it (day first)")
    return chosen


def _italian_amounts(votes: dict[str, tuple[int, Any] | None]) -> bool:
    found = votes["it"]
    return found is not None and amount_vote(found[1]) == "it"
