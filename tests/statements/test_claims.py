"""The "already paid" journey looks at imported bank lines before opening a case."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.dialogue import records
from bot.ledger.db import session_factory
from bot.ledger.models import ReconciliationCase
from bot.ledger.repository import paid_total
from bot.statements.importer import import_lines
from bot.statements.lines import BankLine
from bot.statements.models import StatementLine
from tests.factories import add_debtor, add_invoice


def _bank(txn: str, amount: str, text: str = "bonifico", booked: date = date(2026, 11, 21)) -> BankLine:
    return BankLine(txn, booked, None, Decimal(amount), "EUR", text, "")


def _setup(app_db, *lines: BankLine) -> tuple[int, int]:
    with session_factory(app_db)() as s:
        debtor = add_debtor(s)
        inv = add_invoice(s, debtor, "FT-2026/00533", "300.00")
        add_invoice(s, debtor, "FT-2026/00534", "300.00")  # same amount: the import cannot choose
        import_lines(s, list(lines))
        s.commit()
        return debtor.id, inv.id


def test_claim_found_in_an_unplaced_statement_line(app_db) -> None:
    debtor, inv = _setup(app_db, _bank("b1", "300.00"))
    outcome = records.check_payment_claim(debtor_id=debtor, invoice_id=inv, paid_on=date(2026, 11, 20),
                                          amount=Decimal("300.00"), reference=None, conversation_id="c")
    assert outcome.matched
    with session_factory(app_db)() as s:
        assert paid_total(s, inv) == Decimal("300.00")
        assert s.execute(select(ReconciliationCase)).first() is None
        assert s.execute(select(StatementLine.status)).scalar_one() == "applied"


def test_no_fitting_line_opens_a_case(app_db) -> None:
    debtor, inv = _setup(app_db, _bank("b1", "300.00", booked=date(2026, 10, 1)), _bank("b2", "299.00"))
    outcome = records.check_payment_claim(debtor_id=debtor, invoice_id=inv, paid_on=date(2026, 11, 20),
                                          amount=Decimal("300.00"), reference=None, conversation_id="c")
    assert not outcome.matched and outcome.case_id
    with session_factory(app_db)() as s:
        assert paid_total(s, inv) == Decimal("0.00")


def test_two_fitting_lines_are_left_to_a_person(app_db) -> None:
    debtor, inv = _setup(app_db, _bank("b1", "300.00"), _bank("b2", "300.00", booked=date(2026, 11, 22)))
    outcome = records.check_payment_claim(debtor_id=debtor, invoice_id=inv, paid_on=date(2026, 11, 20),
                                          amount=Decimal("300.00"), reference=None, conversation_id="c")
    assert not outcome.matched
