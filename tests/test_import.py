"""Ledger import (CSV and XLSX): validation messages, atomicity, idempotency, updates and audit."""
from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.__main__ import main
from bot.ledger.importer import LedgerImportError, import_ledger
from bot.ledger.models import AuditLog, Base, Debtor, Invoice, Payment

FIXTURES = Path(__file__).parent / "fixtures" / "ledger"
TODAY = date(2026, 6, 1)
HEADER = "debtor_ref,name,tax_code,phone,email,language,invoice_number,issue_date,due_date,amount_due,currency"
ROW = {"debtor_ref": "D1", "name": "Mario Rossi", "tax_code": "RSSMRA85T10A562S", "phone": "3331234567",
       "email": "mario.rossi@example.it", "language": "it", "invoice_number": "FT-2026/00417",
       "issue_date": "2026-01-15", "due_date": "2026-02-14", "amount_due": "1240.50", "currency": "EUR"}


def write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoice_line(**changes: str) -> str:
    """One CSV line, quoted the way a spreadsheet would quote it."""
    out = io.StringIO()
    csv.writer(out).writerow({**ROW, **changes}.values())
    return out.getvalue().removesuffix("\r\n")


def run_import(session, invoices, payments=None):
    summary = import_ledger(session, invoices, payments, today=TODAY)
    session.commit()
    return summary


def errors_of(session, invoices, payments=None) -> list[str]:
    with pytest.raises(LedgerImportError) as caught:
        import_ledger(session, invoices, payments, today=TODAY)
    session.rollback()
    return caught.value.errors


def snapshot(session) -> dict[str, list[tuple]]:
    return {t.name: [tuple(r) for r in session.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables}


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_csv_happy_path_normalises_and_stores_decimal_money(session):
    summary = run_import(session, FIXTURES / "invoices.csv", FIXTURES / "payments.csv")
    assert (summary.debtors_created, summary.invoices_created, summary.payments_created) == (3, 4, 2)
    mario = session.execute(select(Debtor).where(Debtor.debtor_ref == "D1")).scalar_one()
    assert (mario.tax_code, mario.kind, mario.phone, mario.language) == ("RSSMRA85T10A562S", "consumer", "+393331234567", "it")
    acme = session.execute(select(Debtor).where(Debtor.debtor_ref == "D2")).scalar_one()
    assert (acme.tax_code, acme.kind, acme.phone, acme.language) == ("01234560017", "business", "+390255550100", "en")
    emily = session.execute(select(Debtor).where(Debtor.debtor_ref == "D3")).scalar_one()
    assert (emily.language, emily.phone) == ("en", "+447700900102")
    invoice = session.execute(select(Invoice).where(Invoice.number_key == "FT-2026/00417")).scalar_one()
    assert invoice.amount_due == Decimal("1240.50") and isinstance(invoice.amount_due, Decimal)
    assert (invoice.issue_date, invoice.due_date, invoice.currency) == (date(2026, 1, 15), date(2026, 2, 14), "EUR")
    gbp = session.execute(select(Invoice).where(Invoice.number_key == "INV-88213")).scalar_one()
    assert gbp.currency == "GBP"
    paid = session.execute(select(Payment).where(Payment.invoice_id == invoice.id)).scalar_one()
    assert (paid.amount, paid.paid_on, paid.reference) == (Decimal("200.00"), date(2026, 2, 20), "CRO 0000123456789")
    completed = session.execute(select(AuditLog).where(AuditLog.action == "import.completed")).scalar_one()
    assert json.loads(completed.details)["invoices"]["created"] == 4


def test_reimporting_the_same_files_changes_nothing(session):
    run_import(session, FIXTURES / "invoices.csv", FIXTURES / "payments.csv")
    before = snapshot(session)
    summary = run_import(session, FIXTURES / "invoices.csv", FIXTURES / "payments.csv")
    assert not summary.changed
    assert (summary.debtors_unchanged, summary.invoices_unchanged, summary.payments_unchanged) == (3, 4, 2)
    assert snapshot(session) == before


def test_changed_amount_and_contact_update_rows_and_write_audit(session, tmp_path):
    run_import(session, write(tmp_path, "v1.csv", HEADER, invoice_line()))
    run_import(session, write(tmp_path, "v2.csv", HEADER, invoice_line(amount_due="1300.00", phone="+39 347 000 1111")))
    invoice = session.execute(select(Invoice)).scalar_one()
    session.refresh(invoice)
    assert invoice.amount_due == Decimal("1300.00")
    assert session.execute(select(Debtor.phone)).scalar_one() == "+393470001111"
    audits = {a.action: a for a in session.execute(select(AuditLog)).scalars()}
    assert set(audits) == {"import.completed", "invoice.updated", "debtor.updated"}
    assert audits["invoice.updated"].actor == "import"
    assert json.loads(audits["invoice.updated"].details)["changes"] == {
        "amount_due": {"old": "1240.50", "new": "1300.00"}}
    debtor_details = audits["debtor.updated"].details
    assert "phone" in json.loads(debtor_details)["changes"]
    assert "3470001111" not in debtor_details and "3331234567" not in debtor_details


def test_blank_contact_cells_do_not_erase_known_details(session, tmp_path):
    run_import(session, write(tmp_path, "v1.csv", HEADER, invoice_line()))
    summary = run_import(session, write(tmp_path, "v2.csv", HEADER, invoice_line(phone="", email="", language="")))
    assert not summary.changed
    assert session.execute(select(Debtor.phone, Debtor.email)).one() == ("+393331234567", "mario.rossi@example.it")


def test_three_bad_rows_give_three_messages_and_write_nothing(session):
    run_import(session, FIXTURES / "invoices.csv", FIXTURES / "payments.csv")
    before = snapshot(session)
    errors = errors_of(session, FIXTURES / "invoices_three_bad_rows.csv")
    assert errors == [
        "invoices_three_bad_rows.csv:3: column tax_code: is not a valid codice fiscale or partita IVA ('RSS***********2X')",
        "invoices_three_bad_rows.csv:4: column amount_due: must use a dot for decimals and no thousands separator, "
        "e.g. 1240.50; got '1.240,50'",
        "invoices_three_bad_rows.csv:5: column due_date: 2026-02-14 is before issue_date 2026-03-15",
    ]
    assert snapshot(session) == before  # line 2's new amount (1300.00) was not applied either


@pytest.mark.parametrize("column, value, message", [
    ("tax_code", "RSSMRA85T10A562X", "is not a valid codice fiscale or partita IVA ('RSS***********2X')"),
    ("tax_code", "01234560018", "is not a valid partita IVA ('012******18')"),
    ("tax_code", "", "is required and is empty"),
    ("name", "", "is required and is empty"),
    ("debtor_ref", "", "is required and is empty"),
    ("invoice_number", "", "is required and is empty"),
    ("name", "x" * 5000, "is too long: at most 200 characters, got 5000"),
    ("issue_date", "15/01/2026", "must be a date written YYYY-MM-DD, got '15/01/2026'"),
    ("due_date", "2026-02-30", "is not a real calendar date: '2026-02-30'"),
    ("due_date", "2026-01-14", "2026-01-14 is before issue_date 2026-01-15"),
    ("amount_due", "1240,50", "must use a dot for decimals and no thousands separator, e.g. 1240.50; got '1240,50'"),
    ("amount_due", "12.345", "has more than two decimals: '12.345'"),
    ("amount_due", "0", "must be greater than zero, got '0'"),
    ("amount_due", "-5.00", "must be greater than zero, got '-5.00'"),
    ("amount_due", "EUR 10", "must be an amount like 1240.50, got 'EUR 10'"),
    ("currency", "XYZ", "is not an ISO 4217 currency code in use, got 'XYZ'"),
    ("currency", "ITL", "is not an ISO 4217 currency code in use, got 'ITL'"),
    ("language", "de", "must be 'it' or 'en', got 'de'"),
    ("phone", "12345", "is not a phone number we can read; write it like +39 333 123 4567, got '12345'"),
    ("email", "mario@", "is not an e-mail address, got 'mario@'"),
])
def test_each_invalid_value_names_file_line_and_column(session, tmp_path, column, value, message):
    path = write(tmp_path, "invoices.csv", HEADER, invoice_line(invoice_number="OK-1"), invoice_line(**{column: value}))
    assert errors_of(session, path) == [f"invoices.csv:3: column {column}: {message}"]
    assert count(session, Debtor) == 0


def test_a_long_text_is_shown_shortened_in_the_message(session, tmp_path):
    path = write(tmp_path, "invoices.csv", HEADER, invoice_line(email="a" * 5000))
    assert errors_of(session, path) == ["invoices.csv:2: column email: is too long: at most 200 characters, got 5000"]


def test_all_errors_of_a_row_and_of_the_file_are_reported_together(session, tmp_path):
    path = write(tmp_path, "invoices.csv", HEADER, invoice_line(language="fr", currency="EURO"),
                 invoice_line(invoice_number="X-2", amount_due="abc"))
    assert errors_of(session, path) == [
        "invoices.csv:2: column language: must be 'it' or 'en', got 'fr'",
        "invoices.csv:2: column currency: is not an ISO 4217 currency code in use, got 'EURO'",
        "invoices.csv:3: column amount_due: must be an amount like 1240.50, got 'abc'",
    ]


def test_header_problems_name_the_column(session, tmp_path):
    missing = write(tmp_path, "missing.csv", HEADER.replace(",due_date", ""), invoice_line())
    assert errors_of(session, missing) == ["missing.csv:1: column due_date: required column is missing from the header"]
    extra = write(tmp_path, "extra.csv", HEADER + ",notes", invoice_line() + ",x")
    assert errors_of(session, extra)[0].startswith("extra.csv:1: column notes: unknown column (expected: debtor_ref,")
    twice = write(tmp_path, "twice.csv", HEADER + ",email", invoice_line() + ",x")
    assert errors_of(session, twice) == ["twice.csv:1: column email: appears twice in the header"]


def test_column_order_is_free_and_optional_columns_may_be_absent(session, tmp_path):
    path = write(tmp_path, "inv.csv", "amount_due,invoice_number,due_date,issue_date,tax_code,name,debtor_ref",
                 "99.90,inv-1,2026-02-01,2026-01-01,RSSMRA85T10A562S,Mario Rossi,D1")
    run_import(session, path)
    debtor = session.execute(select(Debtor)).scalar_one()
    assert (debtor.language, debtor.phone, debtor.email) == ("it", None, None)
    assert session.execute(select(Invoice.currency, Invoice.amount_due)).one() == ("EUR", Decimal("99.90"))


def test_a_row_with_too_many_values_is_reported(session, tmp_path):
    path = write(tmp_path, "inv.csv", HEADER, invoice_line() + ",extra")
    assert errors_of(session, path) == ["inv.csv:2: the row has 12 values but the header has 11 columns"]


def test_line_numbers_count_blank_lines_and_multi_line_fields(session, tmp_path):
    multi = invoice_line(name="Mario\nRossi")
    path = write(tmp_path, "inv.csv", HEADER, "", multi, invoice_line(invoice_number="X-2", due_date="bad"))
    assert errors_of(session, path) == ["inv.csv:5: column due_date: must be a date written YYYY-MM-DD, got 'bad'"]


def test_duplicate_invoice_numbers_ignore_case_and_spaces(session, tmp_path):
    path = write(tmp_path, "inv.csv", HEADER, invoice_line(), invoice_line(invoice_number="ft-2026/ 00417"))
    assert errors_of(session, path) == [
        "inv.csv:3: column invoice_number: 'ft-2026/ 00417' appears twice: also on line 2 (case and spaces are ignored)"]


def test_one_debtor_ref_must_keep_one_name_and_tax_code(session, tmp_path):
    path = write(tmp_path, "inv.csv", HEADER, invoice_line(),
                 invoice_line(invoice_number="X-2", name="M. Rossi", tax_code="BNCLRA90A41H501F"))
    assert errors_of(session, path) == [
        "inv.csv:3: column name: 'M. Rossi' differs from 'Mario Rossi' given for debtor_ref 'D1' on line 2",
        "inv.csv:3: column tax_code: 'BNC***********1F' differs from 'RSS***********2S' given for debtor_ref 'D1' on line 2",
    ]


def test_the_ledger_tax_code_of_a_debtor_cannot_change_and_invoices_cannot_move(session, tmp_path):
    run_import(session, write(tmp_path, "v1.csv", HEADER, invoice_line()))
    changed = write(tmp_path, "v2.csv", HEADER, invoice_line(tax_code="BNCLRA90A41H501F"))
    assert errors_of(session, changed) == [
        "v2.csv:2: column tax_code: 'BNC***********1F' differs from the tax code already in the ledger for "
        "debtor_ref 'D1'; a tax code cannot be changed by an import"]
    moved = write(tmp_path, "v3.csv", HEADER, invoice_line(debtor_ref="D9"))
    assert errors_of(session, moved) == [
        "v3.csv:2: column debtor_ref: invoice 'FT-2026/00417' is already in the ledger under another debtor_ref; "
        "it cannot be moved to 'D9'"]


def test_semicolon_delimiter_with_bom_and_crlf(session):
    summary = run_import(session, FIXTURES / "invoices_excel_it.csv")
    assert summary.invoices_created == 2
    names = set(session.execute(select(Debtor.name)).scalars())
    assert names == {"Mario Rossi", "Caffè Centrale; Bar"}


def test_payments_on_unknown_invoices_are_errors(session, tmp_path):
    payments = write(tmp_path, "pay.csv", "invoice_number,paid_on,amount,reference", "FT-2026/00417,2026-03-01,10.00,A",
                     "NOPE-1,2026-03-01,10.00,B")
    assert errors_of(session, FIXTURES / "invoices.csv", payments) == [
        "pay.csv:3: column invoice_number: no invoice 'NOPE-1' in the invoices file or in the ledger"]
    assert count(session, Invoice) == 0


def test_payments_may_reference_invoices_already_in_the_ledger(session, tmp_path):
    run_import(session, FIXTURES / "invoices.csv")
    other = write(tmp_path, "other.csv", HEADER, invoice_line(debtor_ref="D8", invoice_number="NEW-1"))
    payments = write(tmp_path, "pay.csv", "reference,amount,paid_on,invoice_number", "B1,10.00,2026-03-01,inv-88213")
    summary = run_import(session, other, payments)
    assert summary.payments_created == 1


@pytest.mark.parametrize("line, message", [
    ("FT-2026/00417,2026-07-01,10.00,A", "column paid_on: 2026-07-01 is in the future"),
    ("FT-2026/00417,2026-03-01,0.00,A", "column amount: must be greater than zero, got '0.00'"),
    ("FT-2026/00417,2026-03-01,10.00,A", "the same payment as line 2 (same invoice, date, amount and reference); "
                                         "give each a distinct reference"),
])
def test_payment_row_errors(session, tmp_path, line, message):
    payments = write(tmp_path, "pay.csv", "invoice_number,paid_on,amount,reference", "FT-2026/00417,2026-03-01,10.00,A", line)
    assert errors_of(session, FIXTURES / "invoices.csv", payments) == [f"pay.csv:3: {message}"]


def test_overpayment_is_imported_with_a_warning(session, tmp_path):
    payments = write(tmp_path, "pay.csv", "invoice_number,paid_on,amount,reference",
                     "INV-88213,2026-04-01,600.00,A", "INV-88213,2026-04-02,100.00,B")
    summary = run_import(session, FIXTURES / "invoices.csv", payments)
    assert summary.payments_created == 2
    assert summary.warnings == ["pay.csv:3: column amount: payments on invoice 'INV-88213' total 700.00, "
                                "more than the 640.00 due (overpaid by 60.00); imported"]


def test_empty_file_is_an_error_and_header_only_imports_nothing(session, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert errors_of(session, empty) == [
        f"empty.csv:1: the file is empty; the first line must be the header: {HEADER}"]
    summary = run_import(session, write(tmp_path, "header.csv", HEADER))
    assert not summary.changed and count(session, AuditLog) == 0
    assert summary.warnings == ["header.csv:1: no rows after the header; nothing to import from it"]


def test_windows_1252_text_is_read_and_undecodable_bytes_are_refused(session, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + invoice_line(name="Caffè Però")).encode("cp1252"))
    run_import(session, path)
    assert session.execute(select(Debtor.name)).scalar_one() == "Caffè Però"
    broken = tmp_path / "broken.csv"
    broken.write_bytes(HEADER.encode() + b"\n\x81\x8d\xe8")  # 0x81 is unassigned in Windows-1252
    [message] = errors_of(session, broken)
    assert message.startswith("broken.csv: neither UTF-8 nor Windows-1252 text") and "CSV UTF-8" in message


def test_sql_looking_values_are_stored_literally(session, tmp_path):
    name = "Robert'); DROP TABLE debtors;--"
    path = write(tmp_path, "inv.csv", HEADER, invoice_line(name=name, invoice_number="1'; DELETE FROM invoices;--"))
    run_import(session, path)
    assert session.execute(select(Debtor.name)).scalar_one() == name
    assert session.execute(select(Invoice.invoice_number)).scalar_one() == "1'; DELETE FROM invoices;--"


def make_workbook(path: Path, invoices: list[list], payments: list[list] | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "invoices"
    sheet.append(HEADER.split(","))
    for row in invoices:
        sheet.append(row)
    if payments is not None:
        pay = workbook.create_sheet("payments")
        pay.append(["invoice_number", "paid_on", "amount", "reference"])
        for row in payments:
            pay.append(row)
    workbook.save(path)
    return path


XLSX_ROW = ["D2", "Acme Forniture S.r.l.", 1234560017, 3331234567, None, "it", 2026001, datetime(2026, 1, 20),
            date(2026, 2, 19), 1240.5, "EUR"]


def test_xlsx_with_both_sheets_and_excel_typed_cells(session, tmp_path):
    path = make_workbook(tmp_path / "ledger.xlsx", [XLSX_ROW, [*XLSX_ROW[:6], "FT-9", "2026-01-20", "2026-02-19", 300, "EUR"]],
                         [[2026001, date(2026, 3, 1), 40.25, "CRO 1"]])
    summary = run_import(session, path)
    assert (summary.debtors_created, summary.invoices_created, summary.payments_created) == (1, 2, 1)
    debtor = session.execute(select(Debtor)).scalar_one()
    assert (debtor.tax_code, debtor.kind, debtor.phone) == ("01234560017", "business", "+393331234567")
    amounts = dict(session.execute(select(Invoice.invoice_number, Invoice.amount_due)).all())
    assert amounts == {"2026001": Decimal("1240.50"), "FT-9": Decimal("300.00")}
    assert session.execute(select(Payment.amount)).scalar_one() == Decimal("40.25")
    assert not run_import(session, path).changed


def test_xlsx_errors_name_the_sheet_and_row(session, tmp_path):
    bad = [*XLSX_ROW[:6], "FT-9", datetime(2026, 1, 20, 15, 30), date(2026, 2, 19), 10.005, "EUR"]
    path = make_workbook(tmp_path / "ledger.xlsx", [XLSX_ROW, bad], [["NOPE", date(2026, 3, 1), 5, ""]])
    assert errors_of(session, path) == [
        "ledger.xlsx[invoices]:3: column issue_date: must be a date without a time of day, got '2026-01-20 15:30:00'",
        "ledger.xlsx[invoices]:3: column amount_due: has more than two decimals: '10.005'",
        "ledger.xlsx[payments]:2: column invoice_number: no invoice 'NOPE' in the invoices file or in the ledger",
    ]


def test_cli_import_prints_summary_and_refuses_bad_files(app_db, tmp_path, capsys):
    assert main(["import-ledger", str(FIXTURES / "invoices.csv"), "--payments", str(FIXTURES / "payments.csv")]) == 0
    out = capsys.readouterr().out
    assert "debtors:  3 created, 0 updated, 0 unchanged" in out and "payments: 2 created, 0 unchanged" in out
    bad = shutil.copy(FIXTURES / "invoices_three_bad_rows.csv", tmp_path / "bad.csv")
    assert main(["import-ledger", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("bad.csv:") == 3 and "nothing was written" in err
    assert main(["import-ledger", str(FIXTURES / "invoices.csv")]) == 0
    assert "nothing changed" in capsys.readouterr().out
