"""ISO 20022 camt.053 (statement) and camt.054 (notification) reader.

Parsed with defusedxml (no entities, no external references) and ElementTree's ``{*}``
namespace wildcard, so every camt version (.001.02 to .001.13) reads the same way. A
batched entry yields one line per transaction detail, each with its own amount.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from bot.statements.lines import BankLine, synthetic_id


class StatementError(ValueError):
    """The file is not a statement we can read; the message says why."""


def _text(node: Element | None, path: str) -> str:
    found = node.find(path) if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _date(node: Element, path: str) -> date | None:
    raw = _text(node, f"{path}/{{*}}Dt") or _text(node, f"{path}/{{*}}DtTm")[:10]
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _amount(node: Element | None) -> tuple[Decimal, str] | None:
    if node is None or not node.text:
        return None
    try:
        value = Decimal(node.text.strip())
    except InvalidOperation:
        return None
    return (value, node.get("Ccy", "EUR")) if value.is_finite() else None


def _party(tx: Element) -> str:
    for path in ("{*}RltdPties/{*}Dbtr/{*}Nm", "{*}RltdPties/{*}Dbtr/{*}Pty/{*}Nm"):
        name = _text(tx, path)
        if name:
            return name
    return ""


def _remittance(tx: Element) -> str:
    parts = [e.text.strip() for e in tx.findall("{*}RmtInf/{*}Ustrd") if e.text]
    parts += [e.text.strip() for e in tx.findall("{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref") if e.text]
    parts += [e.text.strip() for e in tx.findall("{*}RmtInf/{*}Strd/{*}RfrdDocInf/{*}Nb") if e.text]
    extra = _text(tx, "{*}AddtlTxInf")
    return " ".join(parts + ([extra] if extra else []))


def parse_camt(data: bytes) -> Iterator[BankLine]:
    """Bank lines of a camt.053 or camt.054 document."""
    try:
        root = SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise StatementError(f"not well-formed XML: {exc}") from exc
    except Exception as exc:  # defusedxml refuses entities and DTDs
        raise StatementError(f"refused XML: {type(exc).__name__}") from exc
    if not root.tag.endswith("Document") or "camt.05" not in root.tag:
        raise StatementError("not a camt.053/camt.054 document")
    reports = root.findall("{*}BkToCstmrStmt/{*}Stmt") + root.findall("{*}BkToCstmrDbtCdtNtfctn/{*}Ntfctn")
    for r_index, report in enumerate(reports):
        report_id = _text(report, "{*}Id")
        for n_index, entry in enumerate(report.findall("{*}Ntry")):
            yield from _entry_lines(entry, report_id, r_index, n_index)


def _entry_lines(entry: Element, report_id: str, r_index: int, n_index: int) -> Iterator[BankLine]:
    total = _amount(entry.find("{*}Amt"))
    if total is None:
        return
    sign = Decimal(-1) if _text(entry, "{*}CdtDbtInd") == "DBIT" else Decimal(1)
    booked = _date(entry, "{*}BookgDt") or _date(entry, "{*}ValDt")
    if booked is None:
        return
    value_on = _date(entry, "{*}ValDt")
    entry_ref = _text(entry, "{*}AcctSvcrRef")
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    if not details:
        txn = entry_ref or synthetic_id(report_id, r_index, n_index, booked, total[0])
        yield BankLine(txn, booked, value_on, sign * total[0], total[1], _text(entry, "{*}AddtlNtryInf"))
        return
    for t_index, tx in enumerate(details):
        amt = _amount(tx.find("{*}AmtDtls/{*}TxAmt/{*}Amt")) or _amount(tx.find("{*}Amt"))
        if amt is None:
            if len(details) != 1:
                continue
            amt = total
        ref = _text(tx, "{*}Refs/{*}AcctSvcrRef") or _text(tx, "{*}Refs/{*}TxId")
        if ref:
            txn = ref
        elif entry_ref:
            txn = entry_ref if len(details) == 1 else f"{entry_ref}/{t_index}"
        else:
            txn = synthetic_id(report_id, r_index, n_index, t_index, booked, amt[0],
                               _text(tx, "{*}Refs/{*}EndToEndId"))
        yield BankLine(txn, booked, value_on, sign * amt[0], amt[1], _remittance(tx), _party(tx))


def read_camt_file(path: Path) -> list[BankLine]:
    """All bank lines of a camt file."""
    return list(parse_camt(Path(path).read_bytes()))
