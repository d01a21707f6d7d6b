import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.__main__ import main
from bot.ledger.db import session_factory
from bot.ledger.repository import paid_total
from bot.payments.models import PaymentEvent
from bot.statements.importer import import_statement
from bot.statements.models import StatementLine
from tests.factories import add_debtor, add_invoice

FIX = Path(__file__).parent / "fixtures"


def _ledger(session):
    mario = add_debtor(session)
    luca = add_debtor(session, ref="D2", tax_code="BNCLCU70B02F205X", name="Luca Bianchi", phone=None)
    a = add_invoice(session, mario, amount="1240.50")
    b = add_invoice(session, luca, number="FT-2026/00900", amount="150.00")
    return a, b


def test_import_applies_sure_matches_once(session) -> None:
    a, b = _ledger(session)
    report = import_statement(session, FIX / "camt054.xml")
    assert report.applied == 1 and paid_total(session, a.id) == Decimal("1240.50")
    report = import_statement(session, FIX / "camt053.xml")  # BANK-0001 again, in the day's statement
    assert (report.already_imported, report.applied, report.ignored) == (1, 1, 1)
    assert len(report.unmatched_ids) + report.review == 1  # the 200.00 "pagamento"
    assert paid_total(session, a.id) == Decimal("1240.50") and paid_total(session, b.id) == Decimal("100.00")
    again = import_statement(session, FIX / "camt053.xml")
    assert again.already_imported == 4 and again.applied == 0
    assert paid_total(session, b.id) == Decimal("100.00")
    rows = {r.txn_id: r for r in session.execute(select(StatementLine)).scalars()}
    assert rows["BANK-0002"].status == "applied" and rows["BANK-0004"].status == "ignored"
    assert json.loads(rows["BANK-0002"].allocations) == [{"invoice_id": b.id, "amount": "100.00"}]
    assert rows["BANK-0002"].reason and rows["BANK-0002"].confidence >= 0.9
    events = session.execute(select(PaymentEvent.event_id)).scalars().all()
    assert sorted(events) == sorted([f"BANK-0001#{a.id}", f"BANK-0002#{b.id}"])


def test_csv_two_transfers_for_one_invoice(session) -> None:
    a, b = _ledger(session)
    report = import_statement(session, FIX / "movimenti.csv")
    assert report.applied == 3 and report.ignored == 1
    assert paid_total(session, a.id) == Decimal("1240.50") and paid_total(session, b.id) == Decimal("100.00")


def test_cli_import_statement(app_db, capsys) -> None:
    with session_factory(app_db)() as s:
        _ledger(s)
        s.commit()
    assert main(["import-statement", str(FIX / "camt053.xml")]) == 0
    out = capsys.readouterr().out
    assert "4 lines: 2 applied (1340.50 EUR)" in out
    assert main(["import-statement", str(FIX / "camt053.xml")]) == 0
    assert "4 already imported" in capsys.readouterr().out


def test_cli_refuses_garbage_with_a_clear_error(app_db, tmp_path, capsys) -> None:
    bad = tmp_path / "x.xml"
    bad.write_bytes(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>")
    assert main(["import-statement", str(bad)]) == 2
    assert "not a camt" in capsys.readouterr().err
    with session_factory(app_db)() as s:
        assert s.execute(select(StatementLine)).first() is None
