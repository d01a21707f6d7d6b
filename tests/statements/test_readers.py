from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from bot.statements.importer import read_statement
from bot.statements.read_camt import StatementError, parse_camt
from bot.statements.read_csv import parse_it_amount, parse_it_date, read_csv_bytes

FIX = Path(__file__).parent / "fixtures"


def test_camt053_entries_batches_and_debits() -> None:
    lines = read_statement(FIX / "camt053.xml")
    assert [ln.txn_id for ln in lines] == ["BANK-0001", "BANK-0002", "BANK-0003", "BANK-0004"]
    first, batch_a, batch_b, debit = lines
    assert (first.amount, first.booked_on, first.value_on) == (Decimal("1240.50"), date(2026, 12, 2), date(2026, 12, 1))
    assert first.remittance == "SALDO FATT. FT 2026/00417 D1" and first.counterparty == "MARIO ROSSI"
    assert (batch_a.amount, batch_a.remittance) == (Decimal("100.00"), "FT-2026/00900")
    assert batch_b.amount == Decimal("200.00")
    assert debit.amount == Decimal("-55.00") and not debit.is_credit


def test_camt054_other_version_same_transaction_id() -> None:
    (line,) = read_statement(FIX / "camt054.xml")
    assert line.txn_id == "BANK-0001" and line.booked_on == date(2026, 12, 1)
    assert line.counterparty == "MARIO ROSSI"


@pytest.mark.parametrize("data", [
    b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>",
    b"<not-closed",
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document xmlns="urn:camt.053">&x;</Document>',
])
def test_bad_or_hostile_xml_refused(data: bytes) -> None:
    with pytest.raises(StatementError):
        list(parse_camt(data))


def test_italian_csv_with_banner_and_totals() -> None:
    lines = read_csv_bytes((FIX / "movimenti.csv").read_bytes())
    assert [ln.amount for ln in lines] == [Decimal("1240.50"), Decimal("-12.00"), Decimal("50.00"), Decimal("50.00")]
    assert lines[0].booked_on == date(2026, 12, 1)
    # two identical transfers in one file are two transactions, and stable across reads
    assert lines[2].txn_id != lines[3].txn_id
    assert [ln.txn_id for ln in read_csv_bytes((FIX / "movimenti.csv").read_bytes())] == [ln.txn_id for ln in lines]


def test_entrate_uscite_columns_and_latin1() -> None:
    data = "Data operazione,Descrizione,Entrate,Uscite\n03/12/26,\"Bonifico fatt. n° 417\",\"1.000,00\",\n".encode("latin-1")
    (line,) = read_csv_bytes(data)
    assert line.amount == Decimal("1000.00") and "n° 417" in line.remittance


def test_xlsx_export(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Estratto conto"])
    sheet.append(["Data", "Valuta", "Importo", "Descrizione"])
    sheet.append([datetime(2026, 12, 1), datetime(2026, 12, 1), 1240.5, "FT 2026/00417"])
    sheet.append([datetime(2026, 12, 1), None, "-3,50", "commissioni"])
    path = tmp_path / "movimenti.xlsx"
    book.save(path)
    lines = read_statement(path)
    assert [ln.amount for ln in lines] == [Decimal("1240.50"), Decimal("-3.50")]


def test_no_header_is_a_clear_error() -> None:
    with pytest.raises(StatementError):
        read_csv_bytes(b"foo;bar\n1;2\n")


@pytest.mark.parametrize("raw,value", [
    ("1.234,56", "1234.56"), ("-1.234,56", "-1234.56"), ("1234,5", "1234.5"), ("1,234.56", "1234.56"),
    ("1.234", "1234"), ("12,00 €", "12.00"), ("+50", "50"), ("1.234.567,89", "1234567.89"), ("(10,00)", "-10.00"),
])
def test_italian_amounts(raw: str, value: str) -> None:
    assert parse_it_amount(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["", "abc", "1,2,3,4x", "--"])
def test_non_amounts(raw: str) -> None:
    assert parse_it_amount(raw) is None


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2))
def test_italian_format_round_trip(value: Decimal) -> None:
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert parse_it_amount(text) == value
    assert parse_it_amount("-" + text) == -value


def test_dates() -> None:
    assert parse_it_date("03/12/2026") == parse_it_date("03.12.26") == parse_it_date("2026-12-03") == date(2026, 12, 3)
    assert parse_it_date("32/12/2026") is None
