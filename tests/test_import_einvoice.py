"""FatturaPA e-invoices as the ledger: one file, a signed .p7m, a folder, a zip; instalments;
hostile XML refused; every problem reported and nothing written."""
from __future__ import annotations

import json
import shutil
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.ledger import fatturapa
from bot.ledger.importer import LedgerImportError, import_ledger
from bot.ledger.instalments import InvoiceInstalment
from bot.ledger.models import AuditLog, Debtor, Invoice
from tests.test_import import FIXTURES as LEDGER_FIXTURES
from tests.test_import import count, run_import, snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "einvoices"
BUSINESS = FIXTURES / "IT01234560017_00A01.xml"
SIGNED = FIXTURES / "IT01234560017_00A02.xml.p7m"
METADATA = FIXTURES / "IT01234560017_00A01_MT_001.xml"
TODAY = date(2026, 12, 1)


def variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = BUSINESS.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(session, path) -> list[str]:
    with pytest.raises(LedgerImportError) as caught:
        import_ledger(session, path, today=TODAY)
    session.rollback()
    return caught.value.errors


def schedule(session, number: str) -> list[tuple[date, Decimal]]:
    invoice = session.execute(select(Invoice).where(Invoice.invoice_number == number)).scalar_one()
    rows = session.execute(select(InvoiceInstalment).where(InvoiceInstalment.invoice_id == invoice.id)
                           .order_by(InvoiceInstalment.number)).scalars()
    return [(r.due_date, r.amount) for r in rows]


def test_an_e_invoice_with_three_due_dates_is_one_invoice_in_three_instalments(session):
    summary = run_import(session, BUSINESS)
    assert (summary.debtors_created, summary.invoices_created, summary.instalments_written) == (1, 1, 3)
    debtor = session.execute(select(Debtor)).scalar_one()
    assert (debtor.debtor_ref, debtor.tax_code, debtor.kind, debtor.name, debtor.email) == (
        "07123450152", "07123450152", "business", "Bottega Verdi S.r.l.", "amministrazione@pec.bottegaverdi.example")
    invoice = session.execute(select(Invoice)).scalar_one()
    assert (invoice.invoice_number, invoice.issue_date, invoice.due_date) == ("FPR 118/26", date(2026, 9, 15),
                                                                              date(2026, 10, 15))
    assert invoice.amount_due == Decimal("3660.00") and isinstance(invoice.amount_due, Decimal)
    assert schedule(session, "FPR 118/26") == [(date(2026, 10, 15), Decimal("1220.00")),
                                               (date(2026, 11, 15), Decimal("1220.00")),
                                               (date(2026, 12, 15), Decimal("1220.00"))]  # 15/09 + 91 days
    before = snapshot(session)
    again = run_import(session, BUSINESS)
    assert not again.changed and snapshot(session) == before


def test_a_signed_p7m_is_read_offline_and_alternative_means_count_once(session):
    run_import(session, SIGNED)
    debtor = session.execute(select(Debtor)).scalar_one()
    assert (debtor.name, debtor.tax_code, debtor.kind, debtor.email) == ("Mario Rossi", "RSSMRA85T10A562S",
                                                                         "consumer", None)
    invoice = session.execute(select(Invoice)).scalar_one()
    # TP02 offered by bank transfer or card: one payment of 122.00, not two.
    assert (invoice.amount_due, invoice.due_date) == (Decimal("122.00"), date(2026, 10, 15))
    assert schedule(session, "FPR 119/26") == []


def _collection(tmp_path: Path) -> Path:
    folder = tmp_path / "sdi"
    (folder / "2026").mkdir(parents=True)
    for path in (BUSINESS, METADATA):
        shutil.copy(path, folder / path.name)
    shutil.copy(SIGNED, folder / "2026" / SIGNED.name)
    (folder / "notes.txt").write_text("not an invoice")
    return folder


def test_a_folder_and_a_zip_import_the_same_and_skip_sdi_metadata(session, tmp_path):
    folder = _collection(tmp_path)
    summary = run_import(session, folder)
    assert (summary.debtors_created, summary.invoices_created) == (2, 2)
    assert summary.warnings == ["sdi/IT01234560017_00A01_MT_001.xml: not an e-invoice (the document is "
                                "'FileMetadati'); skipped"]
    archive = tmp_path / "sdi.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    again = run_import(session, archive)
    assert not again.changed and again.invoices_unchanged == 2


def test_cli_imports_a_zip_and_prints_the_instalments(app_db, tmp_path, capsys):
    archive = tmp_path / "fatture.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(BUSINESS, BUSINESS.name)
    assert main(["import-ledger", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "invoices: 1 created" in out and "instalments: 3 written" in out


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
"""


def test_billion_laughs_and_xxe_are_refused_before_parsing(session, tmp_path):
    text = BUSINESS.read_text(encoding="utf-8").split("\n", 1)[1]
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(BILLION_LAUGHS + text.replace("Bottega Verdi S.r.l.", "&lol9;"), encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                   + text.replace("Bottega Verdi S.r.l.", "&x;"), encoding="utf-8")
    plain_dtd = tmp_path / "dtd.xml"
    plain_dtd.write_text('<?xml version="1.0"?>\n<!DOCTYPE p:FatturaElettronica>\n' + text, encoding="utf-8")
    for path in (bomb, xxe, plain_dtd):
        started = time.process_time()
        [message] = problems(session, path)
        assert message.startswith(f"{path.name}: refused: the XML declares a DTD or entities"), message
        assert "TOP-SECRET" not in message
        assert time.process_time() - started < 5  # refused, not expanded (a billion laughs takes minutes and GBs)
    assert count(session, Invoice) == 0 and count(session, Debtor) == 0


def test_every_bad_document_is_reported_and_nothing_is_written(session, tmp_path):
    run_import(session, LEDGER_FIXTURES / "invoices.csv")
    before = snapshot(session)
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(BUSINESS, folder / "a_good.xml")
    (folder / "b_broken.xml").write_text("<?xml version='1.0'?>\n<p:FatturaElettronica>\n  <oops>\n")
    variant(folder, "c_no_due.xml", ("<DataScadenzaPagamento>2026-11-15</DataScadenzaPagamento>", ""))
    variant(folder, "d_bad_vat.xml", ("<IdCodice>07123450152</IdCodice>", "<IdCodice>07123450153</IdCodice>"),
            ("<Numero>FPR 118/26</Numero>", "<Numero>FPR 200/26</Numero>"))
    variant(folder, "e_three_decimals.xml", ("<ImportoPagamento>1220.00</ImportoPagamento>",
                                          "<ImportoPagamento>1220.001</ImportoPagamento>"))
    variant(folder, "f_foreign.xml", ("<IdPaese>IT</IdPaese>\n          <IdCodice>07123450152</IdCodice>",
                                      "<IdPaese>DE</IdPaese>\n          <IdCodice>DE123456789</IdCodice>"),
            ("<CodiceFiscale>07123450152</CodiceFiscale>", ""), ("FPR 118/26", "FPR 201/26"))
    (folder / "g_signed.xml.p7m").write_bytes(b"not a signature")
    variant(folder, "h_duplicate.xml", ("<ProgressivoInvio>00A01</ProgressivoInvio>",
                                        "<ProgressivoInvio>00A09</ProgressivoInvio>"))
    errors = problems(session, folder)
    assert errors[0] == "batch/b_broken.xml: line 2, column 0: not well-formed XML (unbound prefix)"
    assert errors[1] == ("batch/c_no_due.xml: FatturaElettronicaBody/DatiPagamento[1]/DettaglioPagamento[2]: no "
                         "DataScadenzaPagamento (nor DataRiferimentoTerminiPagamento with GiorniTerminiPagamento): "
                         "the due date is unknown")
    assert errors[2] == ("batch/d_bad_vat.xml: CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdCodice: is not "
                         "a valid partita IVA ('071******53')")
    assert errors[3] == ("batch/e_three_decimals.xml: FatturaElettronicaBody/DatiPagamento[1]/DettaglioPagamento[1]/"
                      "ImportoPagamento: has more than two decimals: '1220.001'")
    assert errors[4].startswith("batch/f_foreign.xml: CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA: a foreign")
    assert errors[5].startswith("batch/g_signed.xml.p7m: not a readable signed file (.p7m)")
    assert errors[6] == ("batch/h_duplicate.xml: invoice 'FPR 118/26' appears twice: also in batch/a_good.xml "
                         "(case and spaces are ignored)")
    assert len(errors) == 7
    assert snapshot(session) == before


def test_credit_notes_are_skipped_and_missing_terms_default_to_thirty_days(session, tmp_path):
    credit = variant(tmp_path, "nc.xml", ("<TipoDocumento>TD01</TipoDocumento>", "<TipoDocumento>TD04</TipoDocumento>"))
    summary = run_import(session, credit)
    assert summary.invoices_created == 0 and "a credit note (TD04), not a debt; skipped" in summary.warnings[0]
    text = BUSINESS.read_text(encoding="utf-8")
    start, end = text.index("    <DatiPagamento>"), text.index("</DatiPagamento>") + len("</DatiPagamento>\n")
    no_terms = tmp_path / "no_terms.xml"
    no_terms.write_text(text[:start] + text[end:], encoding="utf-8")
    summary = run_import(session, no_terms)
    assert summary.warnings == ["no_terms.xml: FatturaElettronicaBody: no DatiPagamento; the total is taken as due "
                                "on 2026-10-15, 30 days after the issue date"]
    invoice = session.execute(select(Invoice)).scalar_one()
    assert (invoice.amount_due, invoice.due_date) == (Decimal("3660.00"), date(2026, 10, 15))


def test_a_changed_schedule_replaces_the_instalments_with_an_audit_entry(session, tmp_path):
    run_import(session, BUSINESS)
    two = variant(tmp_path, "two.xml", ("<GiorniTerminiPagamento>91</GiorniTerminiPagamento>\n        "
                                        "<ImportoPagamento>1220.00</ImportoPagamento>",
                                        "<GiorniTerminiPagamento>120</GiorniTerminiPagamento>\n        "
                                        "<ImportoPagamento>1220.00</ImportoPagamento>"))
    run_import(session, two)
    assert schedule(session, "FPR 118/26")[-1] == (date(2027, 1, 13), Decimal("1220.00"))
    audit = session.execute(select(AuditLog).where(AuditLog.action == "invoice.instalments")).scalar_one()
    assert json.loads(audit.details)["old"][-1] == ["2026-12-15", "1220.00"]


def test_a_sheet_with_the_same_invoice_keeps_its_schedule_and_a_changed_one_clears_it(session, tmp_path):
    run_import(session, BUSINESS)
    header = "name,tax_code,invoice_number,issue_date,due_date,amount_due"
    same = tmp_path / "same.csv"
    same.write_text(f"{header}\nBottega Verdi S.r.l.,07123450152,FPR 118/26,2026-09-15,2026-10-15,3660.00\n")
    assert not run_import(session, same).changed
    assert len(schedule(session, "FPR 118/26")) == 3
    changed = tmp_path / "changed.csv"
    changed.write_text(f"{header}\nBottega Verdi S.r.l.,07123450152,FPR 118/26,2026-09-15,2026-12-31,3660.00\n")
    run_import(session, changed)
    assert schedule(session, "FPR 118/26") == []


def test_oversized_documents_are_refused(session, tmp_path, monkeypatch):
    monkeypatch.setattr(fatturapa, "MAX_DOCUMENT_BYTES", 1024)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(BUSINESS, BUSINESS.name)
    assert problems(session, archive) == [f"big.zip[{BUSINESS.name}]: larger than 0 MB; not an e-invoice"]
    assert problems(session, BUSINESS) == [f"{BUSINESS.name}: larger than 0 MB; not an e-invoice"]
