from datetime import datetime, timedelta

from bot.ledger.models import AuditLog, VerificationAttempt
from bot.verification import verify
from tests.factories import CF_MARIO, add_debtor, add_invoice

NOW = datetime(2026, 11, 23, 10, 0)


def _setup(session):
    debtor = add_debtor(session)
    add_invoice(session, debtor, "FT-2026/00417")
    add_invoice(session, add_debtor(session, "D2", "BNCLRA90A41H501Y", "Laura Bianchi"), "2026/1187")
    session.commit()
    return debtor


def test_matching_pair_verifies_ignoring_case_and_spaces(session):
    debtor = _setup(session)
    result = verify(session, conversation_id="c1", invoice_number=" ft-2026/ 00417 ", tax_code="rssmra85t10a562s", now=NOW)
    assert result.verified and result.debtor_id == debtor.id and result.invoice_number == "FT-2026/00417"


def test_wrong_tax_code_and_unknown_invoice_fail_the_same_way(session):
    _setup(session)
    wrong_code = verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code="BNCLRA90A41H501Y", now=NOW)
    unknown = verify(session, conversation_id="c2", invoice_number="NOPE-1", tax_code=CF_MARIO, now=NOW)
    assert wrong_code.status == unknown.status == "failed"
    assert wrong_code.attempts_left == unknown.attempts_left == 2
    assert wrong_code.debtor_id is None and unknown.invoice_number is None


def test_three_failures_lock_the_conversation_for_the_window(session):
    _setup(session)
    results = [verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code="BNCLRA90A41H501Y",
                      now=NOW + timedelta(minutes=i)) for i in range(3)]
    assert [r.status for r in results] == ["failed", "failed", "locked"]
    # Even the right pair is refused while locked, and no attempt is recorded for it.
    attempts = session.query(VerificationAttempt).count()
    locked = verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code=CF_MARIO,
                    now=NOW + timedelta(minutes=10))
    assert locked.status == "locked" and session.query(VerificationAttempt).count() == attempts
    later = verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code=CF_MARIO,
                   now=NOW + timedelta(minutes=40))
    assert later.verified


def test_failures_on_one_invoice_lock_it_across_conversations(session):
    _setup(session)
    for i in range(3):
        verify(session, conversation_id=f"attacker-{i}", invoice_number="FT-2026/00417",
               tax_code="BNCLRA90A41H501Y", now=NOW)
    result = verify(session, conversation_id="fresh", invoice_number="FT-2026/00417", tax_code=CF_MARIO,
                    now=NOW + timedelta(minutes=1))
    assert result.status == "locked"


def test_attempts_are_audited_without_the_tax_code(session):
    _setup(session)
    verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code=CF_MARIO, now=NOW)
    verify(session, conversation_id="c2", invoice_number="FT-2026/00417", tax_code="BNCLRA90A41H501Y", now=NOW)
    rows = session.query(AuditLog).all()
    assert {r.action for r in rows} == {"verification.succeeded", "verification.failed"}
    assert all(CF_MARIO not in (r.details or "") and "BNCLRA" not in (r.details or "") for r in rows)


def test_attempts_left_count_only_this_conversations_failures(session):
    _setup(session)
    # Two strangers fail on the same invoice; the debtor's own first failure still leaves two.
    for i in range(2):
        verify(session, conversation_id=f"other-{i}", invoice_number="FT-2026/00417",
               tax_code="BNCLRA90A41H501Y", now=NOW)
    mine = verify(session, conversation_id="mine", invoice_number="2026/1187", tax_code=CF_MARIO,
                  now=NOW + timedelta(minutes=1))
    assert mine.status == "failed" and mine.attempts_left == 2


def test_lock_lasts_from_the_failure_that_reached_the_limit(session):
    _setup(session)
    # Failures at 0, 1 and 29 minutes: the third locks until 29 + 30, not until 0 + 30 or 1 + 30.
    for minute in (0, 1, 29):
        last = verify(session, conversation_id="c1", invoice_number="FT-2026/00417",
                      tax_code="BNCLRA90A41H501Y", now=NOW + timedelta(minutes=minute))
    assert last.status == "locked" and last.locked_until == NOW + timedelta(minutes=59)
    still = verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code=CF_MARIO,
                   now=NOW + timedelta(minutes=45))
    assert still.status == "locked" and still.locked_until == NOW + timedelta(minutes=59)
    assert verify(session, conversation_id="c1", invoice_number="FT-2026/00417", tax_code=CF_MARIO,
                  now=NOW + timedelta(minutes=59)).verified


def test_tax_code_is_stored_only_as_a_keyed_hash(session):
    _setup(session)
    verify(session, conversation_id="c1", invoice_number="2026/1187", tax_code=" rssmra85t10a562s ", now=NOW,
           client_key="ip:203.0.113.7")
    row = session.query(VerificationAttempt).one()
    assert row.client_key == "ip:203.0.113.7"
    assert row.tax_key and CF_MARIO not in row.tax_key and len(row.tax_key) == 64
    from bot.verification import tax_key
    assert row.tax_key == tax_key(CF_MARIO) != tax_key(CF_MARIO, secret="another key")
