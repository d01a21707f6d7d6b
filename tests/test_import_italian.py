"""What an Italian Excel writes, imported as the ledger: detection per file, refusal of
ambiguous files, Italian line-level errors, still one transaction; property tests for numbers."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from bot.__main__ import main
from bot.ledger import import_fields as fields
from bot.ledger.import_fields import FieldError
from bot.ledger.import_locale import amount_vote, italian_amount, normalise
from bot.ledger.models import Debtor, Invoice, Payment
from tests.test_import import FIXTURES as LEDGER_FIXTURES
from tests.test_import import HEADER, count, errors_of, invoice_line, run_import, snapshot, write

FIXTURES = Path(__file__).parent / "fixtures" / "ledger_it"
IT_HEADER = "Ragione sociale;Codice fiscale;N. fattura;Data emissione;Data scadenza;Importo"


def it_line(name="Mario Rossi", code="RSSMRA85T10A562S", number="FT-1", issued="15/01/2026", due="14/02/2026",
            amount="1.240,50") -> str:
    return ";".join((name, code, number, issued, due, amount))


def test_italian_excel_file_is_read_as_a_person_reads_it(session):
    summary = run_import(session, FIXTURES / "scadenzario.csv", FIXTURES / "incassi.csv")
    assert (summary.debtors_created, summary.invoices_created, summary.payments_created) == (2, 3, 1)
    amounts = dict(session.execute(select(Invoice.invoice_number, Invoice.amount_due)).all())
    assert amounts == {"FT-2026/00417": Decimal("1240.50"), "FT-2026/00700": Decimal("75.00"),
                       "FT-2026/00418": Decimal("12000.00")}  # "12.000": the file's other amounts say Italian
    first = session.execute(select(Invoice).where(Invoice.invoice_number == "FT-2026/00417")).scalar_one()
    assert (first.issue_date, first.due_date) == (date(2026, 1, 15), date(2026, 2, 14))
    debtors = {d.tax_code: d for d in session.execute(select(Debtor)).scalars()}
    cafe = debtors["07123450152"]  # partita IVA column preferred to codice fiscale; PEC when no e-mail
    assert (cafe.name, cafe.kind, cafe.email, cafe.phone) == ("Caffè Centrale; Bar", "business",
                                                              "caffecentrale@pec.example", "+390255550100")
    assert debtors["RSSMRA85T10A562S"].debtor_ref == "RSSMRA85T10A562S"  # no customer code: the tax code
    payment = session.execute(select(Payment)).scalar_one()
    assert (payment.amount, payment.paid_on) == (Decimal("200.00"), date(2026, 2, 20))
    assert payment.reference.endswith("acconto è ok")
    assert not run_import(session, FIXTURES / "scadenzario.csv", FIXTURES / "incassi.csv").changed


def test_a_debtor_known_by_code_keeps_its_ledger_ref(session, tmp_path):
    run_import(session, LEDGER_FIXTURES / "invoices.csv")  # D1 has tax code RSSMRA85T10A562S
    summary = run_import(session, write(tmp_path, "it.csv", IT_HEADER, it_line(number="NEW-7")))
    assert summary.debtors_created == 0
    invoice = session.execute(select(Invoice).where(Invoice.invoice_number == "NEW-7")).scalar_one()
    assert session.get(Debtor, invoice.debtor_id).debtor_ref == "D1"


def test_an_ambiguous_file_is_refused_and_locale_decides_it(session, tmp_path):
    path = write(tmp_path, "amb.csv", IT_HEADER, it_line(amount="1.240"), it_line(number="FT-2", amount="2.500"))
    path.write_text(path.read_text().replace("/", "-").replace("15-01-2026", "2026-01-15")
                    .replace("14-02-2026", "2026-02-14"))  # ISO dates: only the amounts could tell
    [message] = errors_of(session, path)
    assert message == ("amb.csv:1: refused as ambiguous: line 2: the amount '1.240' could be read the Italian way "
                       "(thousands) or with a dot for decimals, and nothing else in the file says which; import it "
                       "again with --locale it or --locale standard")
    assert count(session, Invoice) == 0
    from bot.ledger.importer import import_ledger

    with pytest.raises(Exception) as caught:
        import_ledger(session, path, locale="standard")
    assert "amb.csv:2: column Importo: has more than two decimals: '1.240'" in caught.value.errors
    session.rollback()
    import_ledger(session, path, locale="it")
    assert sorted(session.execute(select(Invoice.amount_due)).scalars()) == [Decimal("1240.00"), Decimal("2500.00")]


def test_day_first_dates_that_could_be_month_first_need_an_italian_sign(session, tmp_path):
    header = "debtor_ref,name,tax_code,invoice_number,issue_date,due_date,amount_due"
    line = "D1,Mario Rossi,RSSMRA85T10A562S,FT-1,01/02/2026,03/04/2026,100"
    [message] = errors_of(session, write(tmp_path, "us.csv", header, line))
    assert "the date '01/02/2026' could be day first or month first" in message
    run_import(session, write(tmp_path, "it.csv", header.replace(",", ";"), line.replace(",", ";")))
    invoice = session.execute(select(Invoice)).scalar_one()
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 2, 1), date(2026, 4, 3))


def test_italian_line_errors_name_the_column_as_written_and_nothing_is_written(session, tmp_path):
    run_import(session, LEDGER_FIXTURES / "invoices.csv")
    before = snapshot(session)
    path = write(tmp_path, "it.csv", IT_HEADER, it_line(), it_line(number="FT-2", due="31/02/2026"),
                 it_line(number="FT-3", amount="1240.50"), it_line(number="FT-4", issued="15/13/2026"))
    assert errors_of(session, path) == [
        "it.csv:3: column Data scadenza: is not a real calendar date (dd/mm/yyyy): '31/02/2026'",
        "it.csv:4: column Importo: must be written the Italian way, a comma for decimals, e.g. 1.240,50; "
        "got '1240.50'",
        "it.csv:5: column Data emissione: is not a real calendar date (dd/mm/yyyy): '15/13/2026'",
    ]
    assert snapshot(session) == before


def test_a_standard_file_with_one_italian_cell_gets_a_line_error(session, tmp_path):
    path = write(tmp_path, "inv.csv", HEADER, invoice_line(invoice_number="A"), invoice_line(amount_due="1.240,50"))
    assert errors_of(session, path) == ["inv.csv:3: column amount_due: must use a dot for decimals and no "
                                        "thousands separator, e.g. 1240.50; got '1.240,50'"]


def test_two_headers_for_one_column_are_reported(session, tmp_path):
    path = write(tmp_path, "dup.csv", "Ragione sociale;Nominativo;Codice fiscale;N. fattura;Data emissione;"
                                      "Data scadenza;Importo", "A;B;RSSMRA85T10A562S;F1;15/01/2026;14/02/2026;10,00")
    assert errors_of(session, path) == ["dup.csv:1: column name: appears twice in the header"]


def test_italian_workbook_with_text_and_typed_cells(session, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Scadenziario"
    sheet.append(["Ragione sociale", "Partita IVA", "Numero fattura", "Data fattura", "Scadenza", "Importo"])
    sheet.append(["Bottega Verdi S.r.l.", "07123450152", "F-9", date(2026, 3, 1), "31/03/2026", "3.660,00"])
    sheet.append(["Bottega Verdi S.r.l.", "07123450152", "F-10", "01/03/2026", date(2026, 4, 30), 99.5])
    workbook.save(tmp_path / "crediti.xlsx")
    run_import(session, tmp_path / "crediti.xlsx")
    rows = dict(session.execute(select(Invoice.invoice_number, Invoice.amount_due)).all())
    assert rows == {"F-9": Decimal("3660.00"), "F-10": Decimal("99.50")}


def test_cli_locale_option(app_db, tmp_path, capsys):
    path = write(tmp_path, "amb.csv", IT_HEADER.replace("Data emissione;Data scadenza", "issue_date;due_date"),
                 "Mario Rossi;RSSMRA85T10A562S;FT-1;2026-01-15;2026-02-14;1.240")
    assert main(["import-ledger", str(path)]) == 1
    assert "--locale it" in capsys.readouterr().err
    assert main(["import-ledger", str(path), "--locale", "it"]) == 0
    assert "invoices: 1 created" in capsys.readouterr().out


# --- properties of the number readings ---------------------------------------------
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts, st.booleans())
def test_an_amount_written_by_italian_excel_reads_back_exactly(value, grouped):
    text = format_decimal(value, format="#,##0.00" if grouped else "0.00", locale="it_IT")
    assert italian_amount(text) == value
    assert amount_vote(text) == "it"  # it has a decimal comma: no other reading


@given(amounts)
def test_a_standard_amount_reads_back_exactly_and_is_never_taken_for_italian(value):
    text = str(value)
    assert fields.amount(text) == value
    assert amount_vote(text) == "standard"  # two decimals after the dot are never a thousands group


@settings(max_examples=400)
@given(st.text(alphabet="0123456789.,€ -", min_size=1, max_size=14))
def test_no_cell_is_silently_read_two_ways(text):
    """If both readings accept a cell with different values, the cell is classed ambiguous
    (so the file is refused unless something else decides)."""
    try:
        italian = italian_amount(text)
    except FieldError:
        return
    try:
        standard = fields.amount(text)
    except FieldError:
        return
    if italian != standard:
        assert amount_vote(text) == "ambiguous"


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_thousands_without_decimals_are_ambiguous(high, low):
    text = f"{high}.{low:03d}"
    assert amount_vote(text) == "ambiguous"
    assert italian_amount(text) == Decimal(high * 1000 + low)


def test_header_normalisation():
    assert normalise(" N° Fattura ") == "n fattura"
    assert normalise("P.IVA") == "p iva"
    assert normalise("E-mail") == "e mail"
    assert normalise("Città") == "citta"
