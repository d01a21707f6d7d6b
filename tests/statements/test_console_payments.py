from decimal import Decimal

import pytest

from bot.handoff.console_payments import decide, render_payments_page
from bot.ledger.db import session_factory
from bot.ledger.repository import paid_total
from bot.statements.importer import import_lines
from bot.statements.review import pending
from tests.factories import add_debtor, add_invoice
from tests.statements.test_match import line


def test_page_escapes_remittance_and_decisions_apply(app_db) -> None:
    with session_factory(app_db)() as s:
        inv = add_invoice(s, add_debtor(s), amount="100.00")
        import_lines(s, [line("<script>alert(1)</script>", "100.00", party="Rossi Mario", txn="x1")])
        s.commit()
        html = render_payments_page(s, "it", "tok")
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
        assert "FT-2026/00417: 100.00" in html and 'name="csrf" value="tok"' in html
        line_id, inv_id = pending(s)[0].id, inv.id
    with pytest.raises(ValueError):
        decide(line_id, "delete", {}, "agent:anna")
    decide(line_id, "accept", {}, "agent:anna")
    with pytest.raises(ValueError):
        decide(line_id, "reject", {}, "agent:anna")
    with session_factory(app_db)() as s:
        assert paid_total(s, inv_id) == Decimal("100.00")
        assert "Nessuna riga" in render_payments_page(s, "it", "tok")
