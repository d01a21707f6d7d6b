"""FatturaPA e-invoices (the XML every Italian invoice passes through SDI) as ledger records.

``import-ledger`` takes one ``.xml`` or signed ``.xml.p7m`` file, a folder of them or a
``.zip``. Each document is parsed with ``a38`` (the FatturaPA 1.2 model), never with
hand-written paths:

* ``CessionarioCommittente`` is the debtor: partita IVA (``IdFiscaleIVA`` when Italian) or
  ``CodiceFiscale``, ``Denominazione`` or ``Nome`` + ``Cognome``; the recipient's PEC
  (``PECDestinatario``) becomes the e-mail. An e-invoice carries no customer code, so the
  tax code identifies the debtor (the ledger's own ref is kept when it already knows it).
* each ``FatturaElettronicaBody`` is one invoice: ``Numero``, ``Data``, ``Divisa``; its
  ``DettaglioPagamento`` entries are its due dates and amounts (several → instalments of
  one invoice; a due date may also be given as reference date + days). Without
  ``DatiPagamento`` the total is due 30 days after the issue date, the legal default for
  commercial transactions (D.Lgs. 231/2002), with a warning.
* credit notes (TD04) are not debts: skipped with a warning.

Untrusted XML: documents are parsed with ``defusedxml`` with DTDs forbidden, so entity
expansion ("billion laughs") and external entities (XXE) are refused before a38 sees them.
A signed ``.p7m`` is opened with a38's CMS reader (asn1crypto, offline); its signature is
**not** verified, which would need the national trusted list from the network: the
content is imported as the file says.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator
from xml.etree.ElementTree import ParseError

from a38 import crypto
from a38.fattura import Fattura, auto_from_etree
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.ledger import import_fields as fields
from bot.ledger.import_fields import FieldError
from bot.ledger.import_read import UnreadableFile
from bot.ledger.import_rows import DebtorRecord, InvoiceRecord, ParsedLedger, Where, merge_debtor
from bot.ledger.repository import invoice_key

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # an e-invoice is a few kB; SDI's own limit is 5 MB
MAX_DOCUMENTS = 50_000
SUFFIXES = (".xml", ".p7m")
CREDIT_NOTES = frozenset({"TD04"})
DEFAULT_TERM = timedelta(days=30)  # D.Lgs. 231/2002 art. 4: no agreed term → 30 days


@dataclass(frozen=True)
class Document:
    source: str  # as named in messages: "IT0123_1.xml" or "sdi.zip[2026/IT0123_1.xml]"
    data: bytes


def is_einvoice_source(path: Path) -> bool:
    """A folder, a zip, an .xml or a .p7m: what the e-invoice reader takes."""
    return path.is_dir() or path.suffix.lower() in (".zip", *SUFFIXES)


def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(SUFFIXES)


def documents(path: Path) -> Iterator[Document]:
    """Every e-invoice file in ``path`` (sorted by name), read into memory with size limits."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p.relative_to(path).as_posix()))
        if len(files) > MAX_DOCUMENTS:
            raise UnreadableFile(f"{path.name}: more than {MAX_DOCUMENTS} files; import it in parts")
        for file in files:
            yield Document(f"{path.name}/{file.relative_to(path).as_posix()}", _read(file))
    elif path.suffix.lower() == ".zip":
        yield from _zip_documents(path)
    else:
        yield Document(path.name, _read(path))


def _read(file: Path) -> bytes:
    try:
        if file.stat().st_size > MAX_DOCUMENT_BYTES:
            raise UnreadableFile(f"{file.name}: larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB; not an e-invoice")
        return file.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{file.name}: cannot be read ({exc.strerror})") from None


def _zip_documents(path: Path) -> Iterator[Document]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"{path.name}: not a readable zip archive ({exc})") from None
    with archive:
        members = sorted((m for m in archive.infolist() if not m.is_dir() and _wanted(m.filename)),
                         key=lambda m: m.filename)
        if len(members) > MAX_DOCUMENTS:
            raise UnreadableFile(f"{path.name}: more than {MAX_DOCUMENTS} files; import it in parts")
        for member in members:
            name = f"{path.name}[{member.filename}]"
            if member.file_size > MAX_DOCUMENT_BYTES:
                raise UnreadableFile(f"{name}: larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB; not an e-invoice")
            try:
                with archive.open(member) as handle:
                    # Read one byte past the limit: the size in the directory can lie (zip bombs).
                    data = handle.read(MAX_DOCUMENT_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
                raise UnreadableFile(f"{name}: cannot be extracted ({exc})") from None
            if len(data) > MAX_DOCUMENT_BYTES:
                raise UnreadableFile(f"{name}: larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB; not an e-invoice")
            yield Document(name, data)


# --- one document --------------------------------------------------------------------
class DocumentError(ValueError):
    """The document as a whole cannot be used; the message says why."""


class NotAnInvoice(DocumentError):
    """Well-formed XML of another kind (an SDI receipt or metadata file next to the invoices)."""


INVOICE_ROOTS = ("}FatturaElettronica", "}FatturaElettronicaSemplificata")


def _payload(doc: Document) -> bytes:
    """The XML: the file itself, or the content of a signed (CAdES, .p7m) envelope."""
    if not doc.source.lower().rstrip("]").endswith(".p7m"):
        return doc.data
    try:
        payload = crypto.P7M(doc.data).get_payload()
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise DocumentError(f"not a readable signed file (.p7m): {exc}") from None
    if not isinstance(payload, bytes):
        raise DocumentError("the signed file (.p7m) holds no content")
    return payload


def load_fattura(doc: Document) -> Fattura:
    """Parse one document safely into an a38 model, or raise :class:`DocumentError`."""
    payload = _payload(doc)
    try:
        root = fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise DocumentError(f"refused: the XML declares a DTD or entities, which an e-invoice never has ({exc})") \
            from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc.msg).rsplit(": line ", 1)[0]  # expat repeats the position at the end
        raise DocumentError(f"line {line}, column {column}: not well-formed XML ({reason})") from None
    if not str(root.tag).endswith(INVOICE_ROOTS):
        raise NotAnInvoice(f"not an e-invoice (the document is {str(root.tag).rsplit('}', 1)[-1]!r})")
    try:
        fattura = auto_from_etree(root)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise DocumentError(f"not a FatturaPA 1.2 invoice: {exc}") from None
    if not isinstance(fattura, Fattura):
        raise DocumentError("a simplified e-invoice (FatturaElettronicaSemplificata) has no payment terms; "
                            "not supported")
    return fattura


def _value(getter: Any) -> Any:
    try:
        return getter()
    except AttributeError:
        return None


def _debtor(fattura: Fattura, where: Where) -> DebtorRecord:
    header = fattura.fattura_elettronica_header
    party = header.cessionario_committente.dati_anagrafici
    path = "CessionarioCommittente/DatiAnagrafici"
    vat = party.id_fiscale_iva
    if vat is not None and vat.has_value() and (vat.id_paese or "").upper() == "IT":
        raw, element = vat.id_codice, "IdFiscaleIVA/IdCodice"
    elif party.codice_fiscale:
        raw, element = party.codice_fiscale, "CodiceFiscale"
    elif vat is not None and vat.has_value():
        raise DocumentError(f"{path}/IdFiscaleIVA: a foreign VAT number ({vat.id_paese}) and no codice fiscale; "
                            "only Italian debtors can be verified")
    else:
        raise DocumentError(f"{path}: neither IdFiscaleIVA nor CodiceFiscale")
    try:
        code, kind = fields.tax_code(raw)
    except FieldError as exc:
        raise DocumentError(f"{path}/{element}: {exc}") from None
    name = " ".join((party.anagrafica.full_name or "").split())
    if not name:
        raise DocumentError(f"{path}/Anagrafica: neither Denominazione nor Nome and Cognome")
    try:
        email = fields.email(header.dati_trasmissione.pec_destinatario)
        name = fields.text(name, 200)
    except FieldError as exc:
        raise DocumentError(f"DatiTrasmissione/PECDestinatario or Anagrafica: {exc}") from None
    return DebtorRecord(code, name, code, kind, None, email, None, where, ref_from_tax_code=True)


def _instalments(body: Any, at: str) -> list[tuple[Any, Decimal]]:
    out = []
    for b, block in enumerate(body.dati_pagamento or [], start=1):
        details = list(block.dettaglio_pagamento or [])
        if block.condizioni_pagamento == "TP02" and len(details) > 1 and \
                len({(d.importo_pagamento, d.data_scadenza_pagamento) for d in details}) == 1:
            details = details[:1]  # "pagamento completo" offered by several means: one amount, not several
        for n, detail in enumerate(details, start=1):
            here = f"{at}/DatiPagamento[{b}]/DettaglioPagamento[{n}]"
            due = detail.data_scadenza_pagamento
            if due is None and detail.data_riferimento_termini_pagamento and detail.giorni_termini_pagamento is not None:
                due = detail.data_riferimento_termini_pagamento + timedelta(days=int(detail.giorni_termini_pagamento))
            if due is None:
                raise DocumentError(f"{here}: no DataScadenzaPagamento (nor DataRiferimentoTerminiPagamento "
                                    "with GiorniTerminiPagamento): the due date is unknown")
            try:
                amount = fields.amount(str(detail.importo_pagamento) if detail.importo_pagamento is not None else "")
            except FieldError as exc:
                raise DocumentError(f"{here}/ImportoPagamento: {exc}") from None
            out.append((due, amount))
    return sorted(out, key=lambda item: item[0])


def _invoice(body: Any, at: str, debtor_ref: str, where: Where, warnings: list[str]) -> InvoiceRecord | None:
    doc = body.dati_generali.dati_generali_documento
    here = f"{at}/DatiGenerali/DatiGeneraliDocumento"
    if doc.tipo_documento in CREDIT_NOTES:
        warnings.append(f"{here}/TipoDocumento: a credit note ({doc.tipo_documento}), not a debt; skipped "
                        "(record the credit as a payment on the invoice it corrects)")
        return None
    try:
        number = fields.text(doc.numero, 64)
        currency = fields.currency(doc.divisa)
    except FieldError as exc:
        raise DocumentError(f"{here}/Numero or Divisa: {exc}") from None
    issued = doc.data
    if issued is None:
        raise DocumentError(f"{here}/Data: is required and is empty")
    instalments = _instalments(body, at)
    if not instalments:
        if doc.importo_totale_documento is None:
            raise DocumentError(f"{at}: neither DatiPagamento nor ImportoTotaleDocumento: the amount due is unknown")
        try:
            total = fields.amount(str(doc.importo_totale_documento))
        except FieldError as exc:
            raise DocumentError(f"{here}/ImportoTotaleDocumento: {exc}") from None
        instalments = [(issued + DEFAULT_TERM, total)]
        warnings.append(f"{at}: no DatiPagamento; the total is taken as due on "
                        f"{instalments[0][0].isoformat()}, 30 days after the issue date")
    if instalments[0][0] < issued:
        raise DocumentError(f"{at}/DatiPagamento: the due date {instalments[0][0].isoformat()} is before "
                            f"the issue date {issued.isoformat()}")
    total = sum((amount for _, amount in instalments), Decimal("0.00"))
    schedule = tuple(instalments) if len(instalments) > 1 else ()
    return InvoiceRecord(debtor_ref, number, invoice_key(number), issued, instalments[0][0], total, currency,
                         where, schedule)


def parse_document(doc: Document, ledger: ParsedLedger, order: int, first_seen: dict[str, str],
                   alone: bool = True) -> None:
    """Add one document's debtor and invoices to ``ledger``; problems go to ``ledger.issues``.

    In a folder or zip (``alone`` false) an XML file that is not an invoice (SDI receipts
    and metadata travel with the invoices) is skipped with a warning.
    """
    where = Where(doc.source, 0, order)
    ledger.sources.append(doc.source)
    try:
        fattura = load_fattura(doc)
        debtor = _debtor(fattura, where)
        warnings: list[str] = []
        invoices = []
        for index, body in enumerate(fattura.fattura_elettronica_body, start=1):
            at = f"FatturaElettronicaBody[{index}]" if len(fattura.fattura_elettronica_body) > 1 else \
                "FatturaElettronicaBody"
            invoice = _invoice(body, at, debtor.debtor_ref, where, warnings)
            if invoice is not None:
                invoices.append(invoice)
    except NotAnInvoice as exc:
        (ledger.issues.error if alone else ledger.issues.warn)(where, None, f"{exc}{'' if alone else '; skipped'}")
        return
    except DocumentError as exc:
        ledger.issues.error(where, None, str(exc))
        return
    for message in warnings:
        ledger.issues.warn(where, None, message)
    merge_debtor(ledger, debtor)
    for invoice in invoices:
        ledger.seen_keys.add(invoice.number_key)
        if invoice.number_key in first_seen:
            ledger.issues.error(where, None, f"invoice {fields.shown(invoice.invoice_number)} appears twice: also in "
                                             f"{first_seen[invoice.number_key]} (case and spaces are ignored)")
            continue
        first_seen[invoice.number_key] = doc.source
        ledger.invoices[invoice.number_key] = invoice


def parse_einvoices(path: Path, ledger: ParsedLedger, order: int = 0) -> int:
    """Every e-invoice under ``path`` into ``ledger``; returns how many documents were read."""
    first_seen: dict[str, str] = {}
    count = 0
    alone = path.is_file() and path.suffix.lower() != ".zip"
    for doc in documents(path):
        parse_document(doc, ledger, order, first_seen, alone)
        count += 1
    if count == 0:
        ledger.issues.error(Where(path.name, 0, order), None, "no .xml or .p7m e-invoice found")
    return count
