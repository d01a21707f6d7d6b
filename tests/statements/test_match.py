from datetime import date
from decimal import Decimal

import pytest

from bot.statements.lines import BankLine
from bot.statements.match import DebtorKey, Matcher, OpenItem


def item(inv: int, number: str, amount: str, debtor: int = 1, due: date = date(2026, 10, 15)) -> OpenItem:
    return OpenItem(inv, debtor, number, Decimal(amount), date(2026, 9, 1), due)


def line(text: str, amount: str, party: str = "", txn: str = "t") -> BankLine:
    return BankLine(txn, date(2026, 12, 2), None, Decimal(amount), "EUR", text, party)


@pytest.fixture()
def matcher() -> Matcher:
    return Matcher([
        item(1, "FT-2026/00417", "1240.50"),
        item(2, "FT-2026/00418", "300.00", debtor=2),
        item(3, "FT-2026/00419", "80.00", debtor=2, due=date(2026, 11, 1)),
        item(4, "INV-77-ALPHA", "999.99", debtor=3),
    ], [DebtorKey(1, "Mario Rossi", "RSSMRA80A01H501U", "D1"), DebtorKey(2, "Bianchi Luca", "BNCLCU70B02F205X", "D2"),
        DebtorKey(3, "Verdi Srl", "01234567890", "D3")])


@pytest.mark.parametrize("text", [
    "FT-2026/00417", "saldo fattura FT 2026 00417", "fatt.ft2026/00417", "RIF 2026/00417", "ft-2026-00417 rossi",
    "FATTFT202600417",
])
def test_invoice_number_in_many_spellings(matcher, text) -> None:
    m = matcher.match(line(text, "1240.50"))
    assert (m.status, m.allocations) == ("sure", ((1, Decimal("1240.50")),))
    assert "invoice number" in m.reason and m.confidence >= 0.99


def test_one_typo_with_exact_amount_is_sure(matcher) -> None:
    m = matcher.match(line("pagamento fattura INV-77-ALPHX", "999.99"))
    assert m.status == "sure" and "typo" in m.reason and m.allocations == ((4, Decimal("999.99")),)
    assert matcher.match(line("INV77ALPA", "999.99")).status == "sure"  # one character missing


def test_typo_onto_another_existing_invoice_is_caught_by_the_amount(matcher) -> None:
    # 00418 exists, but the money is 00417's balance: not auto-applied to 00418
    m = matcher.match(line("FT-2026/00418", "1240.50"))
    assert m.status == "review"


def test_partial_payment_is_sure_and_overpayment_reviewed(matcher) -> None:
    part = matcher.match(line("FT-2026/00417 acconto", "200.00"))
    assert (part.status, part.allocations) == ("sure", ((1, Decimal("200.00")),)) and "partial" in part.reason
    over = matcher.match(line("FT-2026/00417", "2000.00"))
    assert over.status == "review" and "exceeds" in over.reason


def test_one_transfer_for_several_invoices(matcher) -> None:
    m = matcher.match(line("fatture FT-2026/00418 e FT-2026/00419", "380.00"))
    assert m.status == "sure" and m.allocations == ((2, Decimal("300.00")), (3, Decimal("80.00")))


def test_several_transfers_for_one_invoice(matcher) -> None:
    first = matcher.match(line("FT-2026/00418 rata 1", "150.00"))
    assert first.status == "sure"
    matcher.consume(2, Decimal("150.00"))
    second = matcher.match(line("FT-2026/00418 rata 2", "150.00"))
    assert second.status == "sure" and "equals open balance" in second.reason
    matcher.consume(2, Decimal("150.00"))
    # paid in full: the number no longer names an open invoice
    assert matcher.match(line("FT-2026/00418", "150.00")).status != "sure"


def test_tax_code_and_amount_is_sure_name_alone_is_review(matcher) -> None:
    by_code = matcher.match(line("bonifico RSSMRA80A01H501U", "1240.50"))
    assert by_code.status == "sure" and "tax code" in by_code.reason
    by_name = matcher.match(line("bonifico", "1240.50", party="ROSSI MARIO"))
    assert by_name.status == "review" and by_name.allocations == ((1, Decimal("1240.50")),)
    both = matcher.match(line("saldo", "380.00", party="Luca Bianchi"))
    assert both.status == "review" and "all open" in both.reason


def test_amount_only_goes_to_review_and_nothing_is_unmatched(matcher) -> None:
    assert matcher.match(line("bonifico", "999.99")).status == "review"
    nothing = matcher.match(line("bonifico", "12.34"))
    assert nothing.status == "unmatched" and nothing.allocations == ()


def test_debits_never_match(matcher) -> None:
    assert matcher.match(line("FT-2026/00417", "-1240.50")).status == "unmatched"
